//! # cfsign-playlist — HLS playlists and DASH MPDs signed once, for CloudFront
//!
//! A player fetches a playlist, then every URI in it. Relative URIs do not inherit the
//! playlist URL's query string, so a playlist fetched with a signed URL yields segment
//! requests without a signature, and CloudFront answers 403. The way out without cookies:
//! every URI of the playlist carries the signing parameters of **one** custom policy whose
//! resource covers the stream (`https://cdn.example.com/videos/123/*`) — one signature per
//! playlist, never one per segment.
//!
//! ```
//! # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
//! use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, SigningKey};
//!
//! let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let policy = CustomPolicy::builder()
//!     .resource("https://cdn.example.com/videos/123/*")
//!     .date_less_than(EpochSeconds::new(1_767_290_400))
//!     .build()?;
//! let signed = SignedPolicy::new(policy, &key)?;
//!
//! let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg-0.ts\n#EXT-X-ENDLIST\n";
//! let out = cfsign_playlist::sign_hls(playlist, "https://cdn.example.com/videos/123/720p.m3u8", &signed)?;
//! assert!(out.contains("\nseg-0.ts?Policy="));
//! assert!(out.starts_with("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n"));
//!
//! let mpd = r#"<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet>
//!   <SegmentTemplate media="v/$Number%05d$.m4s" initialization="v/init.mp4"/>
//! </AdaptationSet></Period></MPD>"#;
//! let out = cfsign_playlist::sign_dash(mpd, "https://cdn.example.com/videos/123/stream.mpd", &signed)?;
//! assert!(out.contains(r#"media="v/$Number%05d$.m4s?Policy="#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What is signed in HLS: URI lines, and the `URI` attribute of `EXT-X-KEY`,
//! `EXT-X-SESSION-KEY`, `EXT-X-MAP`, `EXT-X-MEDIA`, `EXT-X-I-FRAME-STREAM-INF`,
//! `EXT-X-SESSION-DATA`, `EXT-X-PART`, `EXT-X-PRELOAD-HINT` and `EXT-X-RENDITION-REPORT`
//! (`SERVER-URI` of `EXT-X-CONTENT-STEERING`). Everything else is kept byte for byte: tags,
//! comments, blank lines, LF or CRLF.
//!
//! What is signed in DASH: the text of `BaseURL`; `@media`, `@initialization`, `@index` and
//! `@bitstreamSwitching` of `SegmentTemplate` (the parameters follow the template, its
//! `$…$` identifiers kept as written); `@media` and `@index` of `SegmentURL`; `@sourceURL`
//! of `Initialization`, `RepresentationIndex` and `BitstreamSwitching`. The MPD is read with
//! [`quick-xml`](https://docs.rs/quick-xml) and every other byte is kept as it was —
//! declaration, namespaces, comments, whitespace, the order and quoting of attributes —
//! including URLs the player does not fetch as media (`Location`, `PatchLocation`,
//! `xlink:href`, DRM license servers). Relative URLs are resolved through the `BaseURL`s
//! above them, as players do.
//!
//! Each URI keeps its form (relative stays relative) and its own query; the parameters follow
//! it. Refused, with the line and the URI named: a URI the policy's resource does not cover
//! (it would 403 while looking signed; [`PlaylistSigner::leave_uncovered_unsigned`] keeps
//! such URIs as they are, on request), one that already carries signing parameters, one with
//! a fragment, one whose signed URL is over CloudFront's 8,192-byte limit. A canned policy is
//! refused: it signs exactly one URL.

#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dash;
mod hls;
mod placeholders;
mod resolve;

use std::fmt;

use cfsign::wire::{MAX_URL_LEN, signing_parameter_in};
use cfsign::{HashAlgorithm, Policy, SignedPolicy};

/// Signs every URI of an HLS playlist served at `playlist_url` with `signed`'s parameters:
/// [`PlaylistSigner::new`]`(signed)?.sign_hls(playlist, playlist_url)`.
///
/// # Errors
/// As [`PlaylistSigner::new`] and [`PlaylistSigner::sign_hls`].
pub fn sign_hls(playlist: &str, playlist_url: &str, signed: &SignedPolicy) -> Result<String, PlaylistError> {
    PlaylistSigner::new(signed)?.sign_hls(playlist, playlist_url)
}

/// Signs every URL of a DASH MPD served at `mpd_url` with `signed`'s parameters:
/// [`PlaylistSigner::new`]`(signed)?.sign_dash(mpd, mpd_url)`.
///
/// # Errors
/// As [`PlaylistSigner::new`] and [`PlaylistSigner::sign_dash`].
pub fn sign_dash(mpd: &str, mpd_url: &str, signed: &SignedPolicy) -> Result<String, PlaylistError> {
    PlaylistSigner::new(signed)?.sign_dash(mpd, mpd_url)
}

/// Every URI a player fetches from `playlist` (an HLS playlist or a DASH MPD, by
/// [`Format::detect`]) served at `playlist_url`, in order: what `cfsign decode --playlist`
/// reads. A DASH URL under several `BaseURL` alternatives is listed once for each.
///
/// ```
/// let playlist = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg-0.m4s?v=2\n";
/// let uris = cfsign_playlist::uris(playlist, "https://cdn.example.com/videos/1/index.m3u8")?;
/// assert_eq!(uris[1].line, 4);
/// assert_eq!(uris[1].uri, "seg-0.m4s?v=2");
/// assert_eq!(uris[1].url, "https://cdn.example.com/videos/1/seg-0.m4s?v=2");
/// # Ok::<(), cfsign_playlist::PlaylistError>(())
/// ```
///
/// # Errors
/// [`PlaylistError::UnknownFormat`], [`PlaylistError::MalformedTag`],
/// [`PlaylistError::MalformedXml`], [`PlaylistError::NotDash`] as when signing.
pub fn uris(playlist: &str, playlist_url: &str) -> Result<Vec<PlaylistUri>, PlaylistError> {
    let mut list = List(Vec::new());
    match Format::detect(playlist) {
        Some(Format::Hls) => hls::Rewriter::new(&mut list, playlist_url).playlist(playlist)?,
        Some(Format::Dash) => dash::Rewriter::new(&mut list, playlist, playlist_url).mpd()?,
        None => return Err(PlaylistError::UnknownFormat),
    };
    Ok(list.0)
}

/// A static playlist that takes the signing parameters from the URL it is fetched with, so
/// that only the top playlist's URL is signed (with a custom policy whose resource covers the
/// stream, e.g. `cfsign url https://cdn.example.com/videos/123/master.m3u8 --policy-resource
/// 'https://cdn.example.com/videos/123/*'`) and the playlists can be cached as they are:
///
/// - HLS: `#EXT-X-DEFINE:QUERYPARAM="Policy"` (and `Signature`, `Key-Pair-Id`, with
///   [`HashAlgorithm::Sha256`] `Hash-Algorithm`) after `#EXTM3U`, every URI followed by
///   `?Policy={$Policy}&…`, `#EXT-X-VERSION` raised to 8. The player substitutes the values of
///   its own playlist URL's query (RFC 8216bis section 4.4.2.3); each media playlist is
///   fetched with them and does the same for its segments. hls.js ≥ 1.4 (its full build, not
///   `hls.light`) and shaka-player ≥ 4.6 do this; players without variable substitution
///   request `{$Policy}` literally and get 403.
/// - DASH: a `SupplementalProperty` with `UrlQueryInfo queryTemplate="$querypart$"
///   useMPDUrlQuery="true"` (`urn:mpeg:dash:urlparam:2014`) as the first child of every
///   `AdaptationSet`: the player appends the MPD URL's query to every segment request.
///   dash.js ≥ 5.0 and shaka-player ≥ 4.11 do this.
///
/// `hash` must be what the top URL will be signed with: a parameter the URL lacks fails the
/// playlist in hls.js.
///
/// ```
/// use cfsign::HashAlgorithm;
/// let out = cfsign_playlist::with_placeholders("#EXTM3U\n#EXTINF:4,\nseg-0.ts\n", HashAlgorithm::Sha1)?;
/// assert_eq!(out, "#EXTM3U\n#EXT-X-VERSION:8\n\
///     #EXT-X-DEFINE:QUERYPARAM=\"Policy\"\n#EXT-X-DEFINE:QUERYPARAM=\"Signature\"\n\
///     #EXT-X-DEFINE:QUERYPARAM=\"Key-Pair-Id\"\n\
///     #EXTINF:4,\nseg-0.ts?Policy={$Policy}&Signature={$Signature}&Key-Pair-Id={$Key-Pair-Id}\n");
/// # Ok::<(), cfsign_playlist::PlaylistError>(())
/// ```
///
/// # Errors
/// [`PlaylistError::UnknownFormat`]; for HLS as [`PlaylistSigner::sign_hls`] (a URI that
/// already carries signing parameters included); for DASH [`PlaylistError::NotDash`] and
/// [`PlaylistError::MalformedXml`], also when there is no `AdaptationSet`.
pub fn with_placeholders(playlist: &str, hash: HashAlgorithm) -> Result<String, PlaylistError> {
    match Format::detect(playlist) {
        Some(Format::Hls) => placeholders::hls(playlist, hash),
        Some(Format::Dash) => placeholders::dash(playlist),
        None => Err(PlaylistError::UnknownFormat),
    }
}

/// One URI of a playlist, from [`uris`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlaylistUri {
    /// Its line, from 1.
    pub line: usize,
    /// As written (XML character references resolved).
    pub uri: String,
    /// Resolved against the playlist's URL (and a DASH MPD's `BaseURL`s): the URL a player
    /// asks for. A DASH segment template keeps its `$…$` identifiers.
    pub url: String,
}

/// The two playlist formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An HLS playlist (RFC 8216): the first line is `#EXTM3U`.
    Hls,
    /// A DASH MPD (ISO/IEC 23009-1): an XML document.
    Dash,
}

impl Format {
    /// The media type a playlist of this format is served with (RFC 8216 section 4;
    /// ISO/IEC 23009-1 annex C).
    #[must_use]
    pub const fn media_type(self) -> &'static str {
        match self {
            Format::Hls => "application/vnd.apple.mpegurl",
            Format::Dash => "application/dash+xml",
        }
    }

    /// The format `text` is written in, from its first bytes; `None` for neither.
    #[must_use]
    pub fn detect(text: &str) -> Option<Format> {
        if text.split(['\r', '\n']).next() == Some("#EXTM3U") {
            Some(Format::Hls)
        } else if text.trim_start_matches('\u{feff}').trim_start().starts_with('<') {
            Some(Format::Dash)
        } else {
            None
        }
    }
}

/// What to do with a URI the policy's resource does not cover (or that is not `http(s)`,
/// such as a FairPlay `skd://` key URI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Uncovered {
    /// Refuse the playlist, naming the URI (the default: it would 403 while looking signed).
    #[default]
    Refuse,
    /// Keep the URI as it is, unsigned.
    LeaveUnsigned,
}

/// Signs HLS playlists and DASH MPDs with one signed custom policy.
#[derive(Debug, Clone)]
pub struct PlaylistSigner<'a> {
    signed: &'a SignedPolicy,
    uncovered: Uncovered,
    absolute: bool,
    leave_playlists: bool,
    /// `Policy=…&Signature=…&Key-Pair-Id=…[&Hash-Algorithm=SHA256]`, made once.
    parameters: String,
}

impl<'a> PlaylistSigner<'a> {
    /// A signer for `signed`'s parameters.
    ///
    /// # Errors
    /// [`PlaylistError::CannedPolicy`]: a canned policy signs exactly one URL.
    pub fn new(signed: &'a SignedPolicy) -> Result<Self, PlaylistError> {
        if matches!(signed.policy(), Policy::Canned(_)) {
            return Err(PlaylistError::CannedPolicy);
        }
        let parameters = signed.query();
        Ok(PlaylistSigner {
            signed,
            uncovered: Uncovered::Refuse,
            absolute: false,
            leave_playlists: false,
            parameters,
        })
    }

    /// Keep URIs the policy does not cover as they are instead of refusing the playlist.
    #[must_use]
    pub fn leave_uncovered_unsigned(mut self) -> Self {
        self.uncovered = Uncovered::LeaveUnsigned;
        self
    }

    /// Write every URI as the absolute URL it resolves to against the playlist URL, for a
    /// playlist served from another origin than the stream — by the app, say, at
    /// `https://app.example.com/watch/123.m3u8`, while the playlist URL given to
    /// [`Self::sign`] is the stream's CloudFront URL: relative URIs would otherwise resolve
    /// against the app. In a DASH MPD, the URLs with no `BaseURL` above them become absolute
    /// (a `BaseURL` among them), and the rest stay relative to those.
    #[must_use]
    pub fn absolute_uris(mut self) -> Self {
        self.absolute = true;
        self
    }

    /// Leave the URIs of an HLS multivariant playlist that name other playlists — variant
    /// streams, renditions (`EXT-X-MEDIA`), I-frame streams, rendition reports — as written and
    /// unsigned, for an app that serves every playlist of the stream itself, each signed per
    /// viewer: with [`Self::absolute_uris`], segments and keys go to CloudFront, playlists stay
    /// with the app.
    #[must_use]
    pub fn leave_playlist_uris(mut self) -> Self {
        self.leave_playlists = true;
        self
    }

    /// An HLS playlist or a DASH MPD ([`Format::detect`]) with every URI signed.
    ///
    /// # Errors
    /// [`PlaylistError::UnknownFormat`] for neither; otherwise as [`Self::sign_hls`] and
    /// [`Self::sign_dash`].
    pub fn sign(&self, playlist: &str, playlist_url: &str) -> Result<String, PlaylistError> {
        match Format::detect(playlist) {
            Some(Format::Hls) => self.sign_hls(playlist, playlist_url),
            Some(Format::Dash) => self.sign_dash(playlist, playlist_url),
            None => Err(PlaylistError::UnknownFormat),
        }
    }

    /// The HLS playlist with every URI signed; relative URIs are resolved against
    /// `playlist_url` (RFC 3986 section 5, as players do) to check that the policy covers
    /// them.
    ///
    /// # Errors
    /// [`PlaylistError::NotHls`] when it does not start with `#EXTM3U`;
    /// [`PlaylistError::MalformedTag`] for an attribute list that cannot be read;
    /// [`PlaylistError::Uri`] for a URI that cannot be signed, naming it and its line.
    pub fn sign_hls(&self, playlist: &str, playlist_url: &str) -> Result<String, PlaylistError> {
        hls::Rewriter::new(self, playlist_url).playlist(playlist)
    }

    /// The DASH MPD with every segment URL signed; relative URLs are resolved through the
    /// `BaseURL`s above them and `mpd_url` (RFC 3986 section 5, as players do) to check that
    /// the policy covers them.
    ///
    /// # Errors
    /// [`PlaylistError::NotDash`] when the root element is not `MPD`;
    /// [`PlaylistError::MalformedXml`] for XML that cannot be read;
    /// [`PlaylistError::Uri`] for a URL that cannot be signed, naming it and its line.
    pub fn sign_dash(&self, mpd: &str, mpd_url: &str) -> Result<String, PlaylistError> {
        dash::Rewriter::new(self, mpd, mpd_url).mpd()
    }
}

/// What a reader of either format does with each URI it finds.
pub(crate) trait Visit {
    /// Whether segment templates are checked as the player fills them (`$Number$` as `0`).
    const FILL_TEMPLATES: bool;
    /// The URI at `line`, as written, and the URL the player asks for: what becomes of it.
    fn uri(&mut self, line: usize, uri: &str, url: &str) -> Result<Verdict, UriProblem>;
    /// What follows a URI judged [`Verdict::Sign`].
    fn parameters(&self) -> &str;
    /// Whether URIs are written as the absolute URLs they resolve to.
    fn absolute(&self) -> bool {
        false
    }
    /// Whether URIs that name other playlists are left as written.
    fn leaves_playlists(&self) -> bool {
        false
    }
}

impl<V: Visit> Visit for &mut V {
    const FILL_TEMPLATES: bool = V::FILL_TEMPLATES;
    fn uri(&mut self, line: usize, uri: &str, url: &str) -> Result<Verdict, UriProblem> {
        (**self).uri(line, uri, url)
    }
    fn parameters(&self) -> &str {
        (**self).parameters()
    }
    fn absolute(&self) -> bool {
        (**self).absolute()
    }
    fn leaves_playlists(&self) -> bool {
        (**self).leaves_playlists()
    }
}

/// Lists every URI, changing none: [`uris`].
struct List(Vec<PlaylistUri>);

impl Visit for List {
    const FILL_TEMPLATES: bool = false;
    fn uri(&mut self, line: usize, uri: &str, url: &str) -> Result<Verdict, UriProblem> {
        self.0.push(PlaylistUri { line, uri: uri.to_owned(), url: url.to_owned() });
        Ok(Verdict::Keep)
    }
    fn parameters(&self) -> &str {
        ""
    }
}

/// Signing: what both formats' readers do with each URI for a [`PlaylistSigner`].
impl Visit for &PlaylistSigner<'_> {
    const FILL_TEMPLATES: bool = true;
    fn uri(&mut self, _line: usize, _uri: &str, url: &str) -> Result<Verdict, UriProblem> {
        self.judge(url)
    }
    fn parameters(&self) -> &str {
        &self.parameters
    }
    fn absolute(&self) -> bool {
        self.absolute
    }
    fn leaves_playlists(&self) -> bool {
        self.leave_playlists
    }
}

/// What becomes of one URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The parameters follow it.
    Sign,
    /// It stays as written (not covered, and [`Uncovered::LeaveUnsigned`] was chosen; or only
    /// listed).
    Keep,
}

impl PlaylistSigner<'_> {
    /// Whether the URL a URI resolves to — what the player will ask CloudFront for — is
    /// signed, kept as it is, or refused.
    fn judge(&self, url: &str) -> Result<Verdict, UriProblem> {
        if signing_parameter_in(url).is_some() {
            return Err(UriProblem::AlreadySigned);
        }
        if url.match_indices('{').any(|(i, _)| url.as_bytes().get(i + 1) == Some(&b'$')) {
            return Err(UriProblem::Variable);
        }
        // Browsers parse URLs by the WHATWG URL standard, which reads `\` as `/` and `%2e` as
        // `.` in an http(s) path; RFC 3986, and this check, read neither. Where the two could
        // disagree the URL a player asks for is not the one checked: refused.
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let encoded_dot = path
            .match_indices('%')
            .any(|(i, _)| matches!(path.as_bytes().get(i + 1..i + 3), Some(b"2e" | b"2E")));
        if path.contains('\\') || encoded_dot {
            return Err(UriProblem::ReadDifferentlyByBrowsers);
        }
        match self.signed.check_url(url) {
            Ok(()) => {
                // What the player will send: the URL, a separator, the parameters.
                let len = url.len() + 1 + self.parameters.len();
                if len > MAX_URL_LEN { Err(UriProblem::TooLong { len }) } else { Ok(Verdict::Sign) }
            }
            Err(cfsign::Error::UrlNotCovered { .. } | cfsign::Error::UnsupportedScheme { .. })
                if self.uncovered == Uncovered::LeaveUnsigned =>
            {
                Ok(Verdict::Keep)
            }
            Err(cfsign::Error::UrlNotCovered { .. }) => Err(UriProblem::NotCovered { url: url.to_owned() }),
            Err(e) => Err(UriProblem::Invalid(e)),
        }
    }
}

/// Why a playlist could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaylistError {
    /// Not an HLS playlist: the first line is not `#EXTM3U`.
    NotHls,
    /// Not a DASH MPD: the root element is not `MPD`.
    NotDash,
    /// Neither an HLS playlist nor a DASH MPD.
    UnknownFormat,
    /// A canned policy signs exactly one URL; a playlist needs a custom policy whose resource
    /// covers the stream.
    CannedPolicy,
    /// A carriage return that does not end a line (HLS lines end in LF or CRLF): players
    /// would read lines this reader does not.
    BareCarriageReturn {
        /// The line, from 1.
        line: usize,
    },
    /// A tag's attribute list cannot be read (an unterminated quoted string, a missing `=`, an
    /// unquoted URI).
    MalformedTag {
        /// The line, from 1.
        line: usize,
    },
    /// An MPD that is not well-formed XML, or whose URLs cannot be read (a `BaseURL` holding
    /// more than text, an unknown entity, a template with an unterminated identifier).
    MalformedXml {
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A URI that cannot be signed.
    Uri {
        /// The line, from 1.
        line: usize,
        /// The URI as written.
        uri: String,
        /// Why.
        problem: UriProblem,
    },
}

/// Why one URI cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriProblem {
    /// The policy's resource does not cover the URL the player will ask for.
    NotCovered {
        /// The URL the player will ask for.
        url: String,
    },
    /// It already carries signing parameters: a second set would not be read.
    AlreadySigned,
    /// It holds an HLS variable reference (`{$name}`): the player substitutes it, so the URL it
    /// asks for cannot be checked here.
    Variable,
    /// Browsers would ask for another URL than the one checked: its path holds `\` (read as
    /// `/`) or `%2e` (read as `.`, a dot segment).
    ReadDifferentlyByBrowsers,
    /// The signed URL would be over CloudFront's limit on a request URL.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Not a URL CloudFront could be asked for (a fragment, a byte it cannot compare, another
    /// scheme): cfsign's reason.
    Invalid(cfsign::Error),
}

impl fmt::Display for PlaylistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaylistError::NotHls => f.write_str("not an HLS playlist: the first line must be #EXTM3U"),
            PlaylistError::NotDash => f.write_str("not a DASH MPD: the root element must be MPD"),
            PlaylistError::UnknownFormat => f.write_str(
                "neither an HLS playlist (first line #EXTM3U) nor a DASH MPD (an XML document whose root is MPD)",
            ),
            PlaylistError::CannedPolicy => f.write_str(
                "a canned policy signs exactly one URL: sign playlists with a custom policy whose resource covers the stream (e.g. https://cdn.example.com/videos/123/*)",
            ),
            PlaylistError::MalformedTag { line } => {
                write!(f, "line {line}: the tag's attribute list cannot be read (NAME=value,…; URIs are quoted)")
            }
            PlaylistError::MalformedXml { line, reason } => write!(f, "line {line}: {reason}"),
            PlaylistError::BareCarriageReturn { line } => {
                write!(f, "line {line}: a carriage return that does not end a line (HLS lines end in LF or CRLF)")
            }
            PlaylistError::Uri { line, uri, problem } => {
                // A URI can be a whole line of a hostile file: its start names it well enough.
                let shown: String = uri.chars().take(200).collect();
                let more = if shown.len() < uri.len() { "…" } else { "" };
                let uri = format!("{}{more}", shown.escape_debug());
                match problem {
                    UriProblem::NotCovered { url } => write!(
                        f,
                        "line {line}: the policy's resource does not cover \"{uri}\" ({url}): it would be refused with 403"
                    ),
                    UriProblem::AlreadySigned => {
                        write!(f, "line {line}: \"{uri}\" already carries CloudFront signing parameters")
                    }
                    UriProblem::Variable => write!(
                        f,
                        "line {line}: \"{uri}\" holds a {{$variable}}: the player substitutes it, so what it asks for cannot be checked (sign the playlist with its variables substituted, or write it with cfsign placeholders)"
                    ),
                    UriProblem::ReadDifferentlyByBrowsers => write!(
                        f,
                        "line {line}: \"{uri}\": browsers read \\ as / and %2e as . in a URL's path, so they would ask for another URL than the one checked"
                    ),
                    UriProblem::TooLong { len } => write!(
                        f,
                        "line {line}: \"{uri}\" signed is {len} bytes, over CloudFront's limit of {} on a URL",
                        cfsign::wire::MAX_URL_LEN
                    ),
                    UriProblem::Invalid(e) => write!(f, "line {line}: \"{uri}\" cannot be signed: {e}"),
                }
            }
        }
    }
}

impl std::error::Error for PlaylistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlaylistError::Uri { problem: UriProblem::Invalid(e), .. } => Some(e),
            _ => None,
        }
    }
}

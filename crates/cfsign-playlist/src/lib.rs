//! # cfsign-playlist — HLS playlists signed once, for CloudFront
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
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What is signed: URI lines, and the `URI` attribute of `EXT-X-KEY`, `EXT-X-SESSION-KEY`,
//! `EXT-X-MAP`, `EXT-X-MEDIA`, `EXT-X-I-FRAME-STREAM-INF`, `EXT-X-SESSION-DATA`, `EXT-X-PART`,
//! `EXT-X-PRELOAD-HINT` and `EXT-X-RENDITION-REPORT` (`SERVER-URI` of
//! `EXT-X-CONTENT-STEERING`). Each URI keeps its form (relative stays relative) and its own
//! query; the parameters follow it. Everything else is kept byte for byte.
//!
//! Refused, with the line and the URI named: a URI the policy's resource does not cover (it
//! would 403 while looking signed; [`HlsSigner::leave_uncovered_unsigned`] keeps such URIs
//! as they are, on request), one that already carries signing parameters, one with a
//! fragment, one whose signed URL is over CloudFront's 8,192-byte limit. A canned policy is
//! refused: it signs exactly one URL.

#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hls;
mod resolve;

use std::fmt;

use cfsign::{Policy, SignedPolicy};

/// Signs every URI of an HLS playlist served at `playlist_url` with `signed`'s parameters:
/// [`HlsSigner::new`]`(signed)?.sign(playlist, playlist_url)`.
///
/// # Errors
/// As [`HlsSigner::new`] and [`HlsSigner::sign`].
pub fn sign_hls(playlist: &str, playlist_url: &str, signed: &SignedPolicy) -> Result<String, PlaylistError> {
    HlsSigner::new(signed)?.sign(playlist, playlist_url)
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

/// Signs HLS playlists with one signed custom policy.
#[derive(Debug, Clone)]
pub struct HlsSigner<'a> {
    signed: &'a SignedPolicy,
    uncovered: Uncovered,
    parameters: String,
}

impl<'a> HlsSigner<'a> {
    /// A signer for `signed`'s parameters.
    ///
    /// # Errors
    /// [`PlaylistError::CannedPolicy`]: a canned policy signs exactly one URL.
    pub fn new(signed: &'a SignedPolicy) -> Result<Self, PlaylistError> {
        if matches!(signed.policy(), Policy::Canned(_)) {
            return Err(PlaylistError::CannedPolicy);
        }
        let parameters = signed.query();
        Ok(HlsSigner { signed, uncovered: Uncovered::Refuse, parameters })
    }

    /// Keep URIs the policy does not cover as they are instead of refusing the playlist.
    #[must_use]
    pub fn leave_uncovered_unsigned(mut self) -> Self {
        self.uncovered = Uncovered::LeaveUnsigned;
        self
    }

    /// The playlist with every URI signed; relative URIs are resolved against `playlist_url`
    /// (RFC 3986 section 5, as players do) to check that the policy covers them.
    ///
    /// # Errors
    /// [`PlaylistError::NotHls`] when it does not start with `#EXTM3U`;
    /// [`PlaylistError::MalformedTag`] for an attribute list that cannot be read;
    /// [`PlaylistError::Uri`] for a URI that cannot be signed, naming it and its line.
    pub fn sign(&self, playlist: &str, playlist_url: &str) -> Result<String, PlaylistError> {
        hls::Rewriter {
            signed: self.signed,
            base: resolve::parts(playlist_url),
            url: String::with_capacity(playlist_url.len() + 64),
            uncovered: self.uncovered,
            parameters: &self.parameters,
        }
        .playlist(playlist)
    }
}

/// Why a playlist could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaylistError {
    /// Not an HLS playlist: the first line is not `#EXTM3U`.
    NotHls,
    /// A canned policy signs exactly one URL; a playlist needs a custom policy whose resource
    /// covers the stream.
    CannedPolicy,
    /// A tag's attribute list cannot be read (an unterminated quoted string, a missing `=`, an
    /// unquoted URI).
    MalformedTag {
        /// The line, from 1.
        line: usize,
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
            PlaylistError::CannedPolicy => f.write_str(
                "a canned policy signs exactly one URL: sign playlists with a custom policy whose resource covers the stream (e.g. https://cdn.example.com/videos/123/*)",
            ),
            PlaylistError::MalformedTag { line } => {
                write!(f, "line {line}: the tag's attribute list cannot be read (NAME=value,…; URIs are quoted)")
            }
            PlaylistError::Uri { line, uri, problem } => {
                let uri = uri.escape_debug();
                match problem {
                    UriProblem::NotCovered { url } => write!(
                        f,
                        "line {line}: the policy's resource does not cover \"{uri}\" ({url}): it would be refused with 403"
                    ),
                    UriProblem::AlreadySigned => {
                        write!(f, "line {line}: \"{uri}\" already carries CloudFront signing parameters")
                    }
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

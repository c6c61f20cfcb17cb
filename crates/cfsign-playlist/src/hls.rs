//! HLS playlists (RFC 8216 and its second edition): every URI — URI lines and the `URI`
//! attributes of the tags that hold one — gets the signing parameters of one custom policy.
//! Everything else is kept byte for byte: tags, comments, blank lines, LF or CRLF.

use crate::resolve::Base;
use crate::{PlaylistError, Verdict, Visit};

/// The tags whose `URI` names another playlist (a rendition, an I-frame stream, a rendition
/// report's media playlist), not a segment, a key or data.
const PLAYLIST_TAGS: [&str; 3] = ["#EXT-X-MEDIA:", "#EXT-X-I-FRAME-STREAM-INF:", "#EXT-X-RENDITION-REPORT:"];

/// The tags whose attribute list holds a URI, and that attribute's name.
const URI_TAGS: [(&str, &str); 10] = [
    ("#EXT-X-KEY:", "URI"),
    ("#EXT-X-SESSION-KEY:", "URI"),
    ("#EXT-X-MAP:", "URI"),
    ("#EXT-X-MEDIA:", "URI"),
    ("#EXT-X-I-FRAME-STREAM-INF:", "URI"),
    ("#EXT-X-SESSION-DATA:", "URI"),
    ("#EXT-X-PART:", "URI"),
    ("#EXT-X-PRELOAD-HINT:", "URI"),
    ("#EXT-X-RENDITION-REPORT:", "URI"),
    ("#EXT-X-CONTENT-STEERING:", "SERVER-URI"),
];

/// Signs (or lists) the URIs of one playlist; see [`crate::sign_hls`].
pub(crate) struct Rewriter<V> {
    visit: V,
    /// The playlist URL.
    base: Base,
    /// The URL a URI resolves to, one buffer for the whole playlist.
    url: String,
}

impl<V: Visit> Rewriter<V> {
    pub(crate) fn new(visit: V, playlist_url: &str) -> Self {
        Rewriter { visit, base: Base::new(playlist_url), url: String::with_capacity(playlist_url.len() + 64) }
    }

    pub(crate) fn playlist(&mut self, playlist: &str) -> Result<String, PlaylistError> {
        let first = playlist.split(['\r', '\n']).next().unwrap_or_default();
        if first != "#EXTM3U" {
            return Err(PlaylistError::NotHls);
        }
        if let Some(at) = playlist
            .match_indices('\r')
            .map(|(i, _)| i)
            .find(|&i| playlist.as_bytes().get(i + 1) != Some(&b'\n'))
        {
            return Err(PlaylistError::BareCarriageReturn { line: 1 + playlist[..at].matches('\n').count() });
        }
        let mut out = String::with_capacity(playlist.len() + playlist.len() / 2);
        // The URI line after `EXT-X-STREAM-INF` is a variant stream's playlist.
        let mut variant = false;
        for (index, line) in playlist.split_inclusive('\n').enumerate() {
            let number = index + 1;
            let (content, ending) = match line.strip_suffix("\r\n") {
                Some(c) => (c, "\r\n"),
                None => match line.strip_suffix('\n') {
                    Some(c) => (c, "\n"),
                    None => (line, ""),
                },
            };
            if content.is_empty() {
                out.push_str(content);
            } else if let Some((tag, attribute)) = URI_TAGS.iter().find(|(tag, _)| content.starts_with(tag)) {
                let names_playlist = PLAYLIST_TAGS.contains(tag);
                self.tag(content, tag.len(), attribute, names_playlist, number, &mut out)?;
            } else if content.starts_with('#') {
                variant |= content.starts_with("#EXT-X-STREAM-INF:");
                out.push_str(content);
            } else {
                self.uri(content, std::mem::take(&mut variant), number, &mut out)?;
            }
            out.push_str(ending);
        }
        Ok(out)
    }

    /// A tag's attribute list (RFC 8216 section 4.2), with the value of `attribute` — a
    /// quoted string — signed and every other byte kept.
    fn tag(
        &mut self,
        line: &str,
        start: usize,
        attribute: &str,
        names_playlist: bool,
        number: usize,
        out: &mut String,
    ) -> Result<(), PlaylistError> {
        let malformed = || PlaylistError::MalformedTag { line: number };
        out.push_str(&line[..start]);
        let mut rest = &line[start..];
        loop {
            let eq = rest.find('=').ok_or_else(malformed)?;
            let name = &rest[..eq];
            out.push_str(&rest[..=eq]);
            rest = &rest[eq + 1..];
            if let Some(quoted) = rest.strip_prefix('"') {
                let close = quoted.find('"').ok_or_else(malformed)?;
                let value = &quoted[..close];
                out.push('"');
                if name == attribute {
                    self.uri(value, names_playlist, number, out)?;
                } else {
                    out.push_str(value);
                }
                out.push('"');
                rest = &quoted[close + 1..];
            } else {
                let end = rest.find(',').unwrap_or(rest.len());
                if name == attribute {
                    // A URI is always a quoted string.
                    return Err(malformed());
                }
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
            match rest.strip_prefix(',') {
                Some(after) => {
                    out.push(',');
                    rest = after;
                }
                None if rest.is_empty() => return Ok(()),
                None => return Err(malformed()),
            }
        }
    }

    /// One URI, as written, followed by the signing parameters; or an error naming it. A URI
    /// that names another playlist is left as written when the visitor leaves those.
    fn uri(
        &mut self,
        uri: &str,
        names_playlist: bool,
        number: usize,
        out: &mut String,
    ) -> Result<(), PlaylistError> {
        if names_playlist && self.visit.leaves_playlists() {
            out.push_str(uri);
            return Ok(());
        }
        self.base.resolve_into(uri, &mut self.url);
        let verdict = self.visit.uri(number, uri, &self.url).map_err(|problem| PlaylistError::Uri {
            line: number,
            uri: uri.to_owned(),
            problem,
        })?;
        let written = if self.visit.absolute() { self.url.as_str() } else { uri };
        out.push_str(written);
        if verdict == Verdict::Sign {
            out.push(if written.contains('?') { '&' } else { '?' });
            out.push_str(self.visit.parameters());
        }
        Ok(())
    }
}

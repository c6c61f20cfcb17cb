//! DASH MPDs (ISO/IEC 23009-1): every URL a player fetches media from gets the signing
//! parameters of one custom policy. quick-xml reads the document; the output is the input
//! with the parameters inserted after each such URL, so every other byte stays as it was.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};

use crate::resolve::Base;
use crate::{PlaylistError, Verdict, Visit};

/// The elements whose attributes hold a URL the player fetches, those attributes, and
/// whether they are templates the player fills in (`$Number$` and the like).
const URL_ATTRIBUTES: [(&str, &[&str], bool); 5] = [
    ("SegmentTemplate", &["media", "initialization", "index", "bitstreamSwitching"], true),
    ("SegmentURL", &["media", "index"], false),
    ("Initialization", &["sourceURL"], false),
    ("RepresentationIndex", &["sourceURL"], false),
    ("BitstreamSwitching", &["sourceURL"], false),
];

/// More `BaseURL` alternatives in scope at once than this is not a real MPD, and each URL is
/// checked once per alternative.
const MAX_BASE_URLS: usize = 64;

/// XML's white space (XML 1.0, production 3).
const XML_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// Signs (or lists) the URLs of one MPD; see [`crate::sign_dash`].
pub(crate) struct Rewriter<'a, V> {
    visit: V,
    mpd: &'a str,
    out: String,
    /// The input before this offset is in `out`.
    copied: usize,
    /// The parameters as XML character data: `&` written `&amp;`.
    xml_parameters: String,
    /// The base URLs in scope (RFC 3986 section 5.1): the MPD's URL, then one set for each
    /// open element with `BaseURL` children, all of them resolved and unsigned.
    bases: Vec<Vec<Base>>,
    /// Open elements: whether each has pushed a set onto `bases`.
    open: Vec<bool>,
    /// The URL a URL resolves to, and a template as the player fills it: one buffer each for
    /// the whole MPD.
    url: String,
    filled: String,
    /// The line of an offset, counted onwards from the last one asked for: URLs come in
    /// document order, so a long MPD is read once, not once per URL.
    line: (usize, usize),
}

impl<'a, V: Visit> Rewriter<'a, V> {
    pub(crate) fn new(visit: V, mpd: &'a str, mpd_url: &str) -> Self {
        Rewriter {
            xml_parameters: visit.parameters().replace('&', "&amp;"),
            visit,
            mpd,
            out: String::with_capacity(mpd.len() + mpd.len() / 2),
            copied: 0,
            bases: vec![vec![Base::new(mpd_url)]],
            open: Vec::new(),
            url: String::with_capacity(mpd_url.len() + 64),
            filled: String::new(),
            line: (0, 1),
        }
    }

    pub(crate) fn mpd(mut self) -> Result<String, PlaylistError> {
        let mut reader = Reader::from_str(self.mpd);
        let mut root = false;
        // Inside a `BaseURL`: where its text starts.
        let mut base_url_text: Option<usize> = None;
        loop {
            let at = offset(reader.buffer_position());
            let event = reader
                .read_event()
                .map_err(|e| self.malformed(offset(reader.error_position()), &e.to_string()))?;
            match &event {
                Event::Start(element) | Event::Empty(element) => {
                    if base_url_text.is_some() {
                        return Err(self.malformed(at, "a BaseURL holds only its URL"));
                    }
                    if !root {
                        if element.local_name().as_ref() != "MPD" {
                            return Err(PlaylistError::NotDash);
                        }
                        root = true;
                    }
                    self.attributes(element, at)?;
                    if matches!(event, Event::Start(_)) {
                        self.open.push(false);
                        if element.local_name().as_ref() == "BaseURL" {
                            base_url_text = Some(offset(reader.buffer_position()));
                        }
                    }
                }
                Event::End(_) => {
                    if let Some(start) = base_url_text.take() {
                        self.base_url(start, at)?;
                    }
                    if self.open.pop() == Some(true) {
                        self.bases.pop();
                    }
                }
                Event::Text(text)
                    if self.open.is_empty() && !text.bytes().all(|b| b.is_ascii_whitespace()) =>
                {
                    return Err(self.malformed(at, "text outside the MPD element"));
                }
                Event::CData(_) | Event::Comment(_) | Event::PI(_) if base_url_text.is_some() => {
                    return Err(self.malformed(at, "a BaseURL holds only its URL"));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !root {
            return Err(PlaylistError::NotDash);
        }
        if !self.open.is_empty() {
            return Err(self.malformed(self.mpd.len(), "the MPD ends inside an element"));
        }
        self.out.push_str(&self.mpd[self.copied..]);
        Ok(self.out)
    }

    /// The URL attributes of one element, signed.
    fn attributes(&mut self, element: &BytesStart<'_>, at: usize) -> Result<(), PlaylistError> {
        let name = element.local_name();
        if V::FILL_TEMPLATES && name.as_ref() == "Representation" {
            self.representation_id(element, at)?;
        }
        let Some((_, names, template)) =
            URL_ATTRIBUTES.iter().find(|(element, ..)| *element == name.as_ref())
        else {
            return Ok(());
        };
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| self.malformed(at, &e.to_string()))?;
            if !names.iter().any(|name| *name == attribute.key.as_ref()) {
                continue;
            }
            // quick-xml lends attribute values out of the input; where one starts there is
            // where its parameters go.
            let start = match &attribute.value {
                Cow::Borrowed(value) => offset_in(self.mpd, value),
                Cow::Owned(_) => None,
            };
            let start = start.ok_or_else(|| self.malformed(at, "an attribute value cannot be located"))?;
            let level = self.bases.len() - 1;
            self.url(start, start + attribute.value.len(), *template, level, None)?;
        }
        Ok(())
    }

    /// A `Representation`'s `id`, which templates put into URLs as `$RepresentationID$`
    /// unescaped: one that could leave its folder (`/`, `\`, `..`, escapes) is refused, since
    /// templates are checked with a plain value in its place.
    fn representation_id(&self, element: &BytesStart<'_>, at: usize) -> Result<(), PlaylistError> {
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| self.malformed(at, &e.to_string()))?;
            if attribute.key.as_ref() != "id" {
                continue;
            }
            let id = unescape(&attribute.value).map_err(|e| self.malformed(at, &e.to_string()))?;
            if id.is_empty() || id == "." || id == ".." || id.contains(['/', '\\', '?', '#', '%', '{', '$']) {
                return Err(self.malformed(
                    at,
                    &format!(
                        "Representation id \"{}\" cannot be put into a URL by a segment template",
                        id.escape_debug()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The text of a `BaseURL` from `start` to `end`: signed, and its resolved URL in scope
    /// for the rest of its parent element.
    fn base_url(&mut self, start: usize, end: usize) -> Result<(), PlaylistError> {
        let Some(parent) = self.open.len().checked_sub(2) else {
            return Err(self.malformed(start, "a BaseURL outside the MPD element"));
        };
        // A second `BaseURL` is an alternative to the first: both resolve against the parent's
        // scope, not one against the other.
        let inherited = if self.open[parent] { self.bases.len() - 2 } else { self.bases.len() - 1 };
        let mut resolved = Vec::new();
        self.url(start, end, false, inherited, Some(&mut resolved))?;
        if self.open[parent] {
            if let Some(set) = self.bases.last_mut() {
                set.extend(resolved);
            }
        } else {
            self.open[parent] = true;
            self.bases.push(resolved);
        }
        if self.bases.last().map_or(0, Vec::len) > MAX_BASE_URLS {
            return Err(self.malformed(start, "more BaseURL alternatives than a player would try"));
        }
        Ok(())
    }

    /// The URL written from `start` to `end` (XML-escaped, perhaps with white space around
    /// it), checked against every base URL of `bases[level]` and signed; each URL it resolves
    /// to goes into `resolved` when asked for.
    fn url(
        &mut self,
        start: usize,
        end: usize,
        template: bool,
        level: usize,
        mut resolved: Option<&mut Vec<Base>>,
    ) -> Result<(), PlaylistError> {
        let mpd = self.mpd;
        let written = &mpd[start..end];
        let start = start + (written.len() - written.trim_start_matches(XML_SPACE).len());
        let end = start + written.trim_matches(XML_SPACE).len();
        let written = &mpd[start..end];
        let uri = unescape(written).map_err(|e| self.malformed(start, &e.to_string()))?;
        let line = self.line_of(start);
        let requested: &str = if template && V::FILL_TEMPLATES {
            fill_template(&uri, &mut self.filled).map_err(|reason| self.malformed(start, &reason))?;
            &self.filled
        } else {
            &uri
        };
        let mut verdict = Verdict::Sign;
        for base in &self.bases[level] {
            base.resolve_into(requested, &mut self.url);
            let judged = self.visit.uri(line, &uri, &self.url).map_err(|problem| PlaylistError::Uri {
                line,
                uri: uri.clone().into_owned(),
                problem,
            })?;
            if judged == Verdict::Keep {
                verdict = Verdict::Keep;
            }
            if let Some(resolved) = resolved.as_deref_mut() {
                resolved.push(Base::new(&self.url));
            }
        }
        // Asked for absolute URLs: those with only the MPD's URL above them (a `BaseURL` among
        // them) are written resolved, their templates unfilled; the rest resolve against those.
        let absolute = (self.visit.absolute() && level == 0).then(|| {
            // Level 0 is the MPD's URL alone.
            let mut absolute = String::new();
            if let Some(mpd_url) = self.bases[0].first() {
                mpd_url.resolve_into(&uri, &mut absolute);
            }
            absolute
        });
        if verdict == Verdict::Sign || absolute.is_some() {
            match &absolute {
                Some(url) => {
                    self.out.push_str(&mpd[self.copied..start]);
                    self.out.push_str(&quick_xml::escape::escape(url.as_str()));
                }
                None => self.out.push_str(&mpd[self.copied..end]),
            }
            if verdict == Verdict::Sign {
                let query = absolute.as_deref().unwrap_or(&uri).contains('?');
                self.out.push_str(if query { "&amp;" } else { "?" });
                self.out.push_str(&self.xml_parameters);
            }
            self.copied = end;
        }
        Ok(())
    }

    fn line_of(&mut self, at: usize) -> usize {
        let (from, line) = self.line;
        let line = match self.mpd.as_bytes().get(from..at) {
            Some(between) => line + between.iter().filter(|&&b| b == b'\n').count(),
            None => line_at(self.mpd, at),
        };
        self.line = (at, line);
        line
    }

    fn malformed(&self, at: usize, reason: &str) -> PlaylistError {
        PlaylistError::MalformedXml { line: line_at(self.mpd, at), reason: reason.to_owned() }
    }
}

/// A segment template (ISO/IEC 23009-1, 5.3.9.4.4) as the player fills it, for the check:
/// `$$` is `$`, and every identifier a number (a `RepresentationID` included: it is checked
/// as one path segment without dots).
fn fill_template(template: &str, filled: &mut String) -> Result<(), String> {
    filled.clear();
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        filled.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let close = after.find('$').ok_or("a segment template with an unterminated $identifier$")?;
        let identifier = &after[..close];
        let (name, format) = identifier.split_once('%').unwrap_or((identifier, ""));
        let width = format.strip_prefix('0').and_then(|f| f.strip_suffix('d'));
        match (name, format) {
            ("", "") => filled.push('$'),
            ("RepresentationID", "") => filled.push('0'),
            ("Number" | "Time" | "Bandwidth" | "SubNumber", "") => filled.push('0'),
            ("Number" | "Time" | "Bandwidth" | "SubNumber", _)
                if width.is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())) =>
            {
                filled.push('0');
            }
            _ => return Err(format!("a segment template with an unknown identifier ${identifier}$")),
        }
        rest = &after[close + 1..];
    }
    filled.push_str(rest);
    Ok(())
}

/// Where `part`, a slice quick-xml lent out of `whole`, starts in it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = part.as_ptr().addr().checked_sub(whole.as_ptr().addr())?;
    whole.get(start..start.checked_add(part.len())?).map(|_| start)
}

/// quick-xml's byte position as an offset into the input (which is in memory, so it fits).
pub(crate) fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// The line of a byte offset, from 1.
pub(crate) fn line_at(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::fill_template;

    #[test]
    fn templates_are_filled_as_players_fill_them() {
        let mut filled = String::new();
        for (template, want) in [
            ("v/$RepresentationID$/$Number%05d$.m4s", Ok("v/0/0.m4s")),
            ("$Time$-$Bandwidth$-$$.mp4", Ok("0-0-$.mp4")),
            ("init.mp4", Ok("init.mp4")),
            ("seg-$Number", Err(())),
            ("seg-$Name$", Err(())),
            ("seg-$Number%5x$", Err(())),
            ("seg-$RepresentationID%05d$", Err(())),
        ] {
            let got = fill_template(template, &mut filled).map(|()| filled.as_str()).map_err(|_| ());
            assert_eq!(got, want, "{template}");
        }
    }
}

//! Static playlists that take the signing parameters from the URL they are fetched with:
//! HLS variable substitution (`EXT-X-DEFINE:QUERYPARAM`, RFC 8216bis section 4.4.2.3) and the
//! DASH URL-parameters descriptor (`urn:mpeg:dash:urlparam:2014`, `UrlQueryInfo` with
//! `useMPDUrlQuery`). Only the top playlist's URL is then signed; see [`crate::with_placeholders`].

use cfsign::HashAlgorithm;
use cfsign::wire::{SigningParameter, signing_parameter_in};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::dash::{line_at, offset};
use crate::hls::Rewriter;
use crate::{PlaylistError, UriProblem, Verdict, Visit};

/// The parameters a custom policy's signed URL carries, in the order it carries them.
fn parameters(hash: HashAlgorithm) -> Vec<SigningParameter> {
    let mut names = vec![SigningParameter::Policy, SigningParameter::Signature, SigningParameter::KeyPairId];
    if hash == HashAlgorithm::Sha256 {
        names.push(SigningParameter::HashAlgorithm);
    }
    names
}

/// Every URI followed by `Name={$Name}` for each parameter.
struct References(String);

impl Visit for References {
    const FILL_TEMPLATES: bool = false;
    fn uri(&mut self, _line: usize, _uri: &str, url: &str) -> Result<Verdict, UriProblem> {
        match signing_parameter_in(url) {
            Some(_) => Err(UriProblem::AlreadySigned),
            None => Ok(Verdict::Sign),
        }
    }
    fn parameters(&self) -> &str {
        &self.0
    }
}

/// The HLS playlist with `#EXT-X-DEFINE:QUERYPARAM="…"` for each parameter after `#EXTM3U`,
/// every URI followed by references to them, and `#EXT-X-VERSION` at least 8 (variable
/// substitution's version).
pub(crate) fn hls(playlist: &str, hash: HashAlgorithm) -> Result<String, PlaylistError> {
    let names = parameters(hash);
    let references: Vec<String> = names.iter().map(|p| format!("{0}={{${0}}}", p.query_name())).collect();
    // Resolution needs a base; the URIs' form is kept and nothing is checked against it.
    let out = Rewriter::new(References(references.join("&")), "https://placeholder.invalid/playlist.m3u8")
        .playlist(playlist)?;
    let newline = if out.split('\n').next().is_some_and(|l| l.ends_with('\r')) { "\r\n" } else { "\n" };
    let mut lines = out.split_inclusive('\n');
    let mut with_defines = String::with_capacity(out.len() + 160);
    with_defines.push_str(lines.next().unwrap_or_default().trim_end_matches(['\r', '\n']));
    with_defines.push_str(newline);
    if !out.contains("\n#EXT-X-VERSION:") {
        with_defines.push_str(&format!("#EXT-X-VERSION:8{newline}"));
    }
    for name in &names {
        with_defines.push_str(&format!("#EXT-X-DEFINE:QUERYPARAM=\"{}\"{newline}", name.query_name()));
    }
    for (index, line) in lines.enumerate() {
        match line.strip_prefix("#EXT-X-VERSION:") {
            Some(version) => {
                let version: u32 = version
                    .trim_end()
                    .parse()
                    .map_err(|_| PlaylistError::MalformedTag { line: index + 2 })?;
                with_defines.push_str(&format!("#EXT-X-VERSION:{}{newline}", version.max(8)));
            }
            None => with_defines.push_str(line),
        }
    }
    Ok(with_defines)
}

/// The URL-parameters descriptor that has the player carry the MPD URL's query to segments.
const URL_QUERY_INFO: &str = "<SupplementalProperty schemeIdUri=\"urn:mpeg:dash:urlparam:2014\" \
     xmlns:up=\"urn:mpeg:dash:schema:urlparam:2014\"><up:UrlQueryInfo queryTemplate=\"$querypart$\" \
     useMPDUrlQuery=\"true\"/></SupplementalProperty>";

/// The DASH MPD with the URL-parameters descriptor as the first child of every
/// `AdaptationSet` (one level only: a player appends the query once per level that has it).
pub(crate) fn dash(mpd: &str) -> Result<String, PlaylistError> {
    let line = |at: u64| line_at(mpd, offset(at));
    let mut reader = Reader::from_str(mpd);
    let mut out = String::with_capacity(mpd.len() + 512);
    let (mut copied, mut root, mut sets) = (0, false, 0);
    loop {
        let event = reader.read_event().map_err(|e| PlaylistError::MalformedXml {
            line: line(reader.error_position()),
            reason: e.to_string(),
        })?;
        match &event {
            Event::Start(e) | Event::Empty(e) if !root => {
                if e.local_name().as_ref() != "MPD" {
                    return Err(PlaylistError::NotDash);
                }
                root = true;
            }
            Event::Start(e) if e.local_name().as_ref() == "AdaptationSet" => {
                let end = offset(reader.buffer_position()).min(mpd.len());
                out.push_str(&mpd[copied..end]);
                out.push_str(URL_QUERY_INFO);
                copied = end;
                sets += 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err(PlaylistError::NotDash);
    }
    if sets == 0 {
        return Err(PlaylistError::MalformedXml {
            line: line(0),
            reason: "no AdaptationSet to carry the URL-parameters descriptor".to_owned(),
        });
    }
    out.push_str(&mpd[copied..]);
    Ok(out)
}

//! URIs a browser reads differently from RFC 3986 (the WHATWG URL standard reads `\` as `/` and
//! `%2e` as `.` in an http(s) path), HLS variables, and Representation ids a template would put
//! into a path: never emitted as signed, in either format, wherever they appear.
#![allow(clippy::unwrap_used)]

mod common;

use cfsign_playlist::{PlaylistError, UriProblem, sign_dash, sign_hls};
use common::signed;
use proptest::prelude::*;

/// A path a browser reads as leaving the folder or the host, though RFC 3986 does not.
fn tricky() -> impl Strategy<Value = String> {
    let dot = prop_oneof![Just("%2e"), Just("%2E"), Just(".%2e"), Just("%2e."), Just("%2E%2e")];
    let slash = prop_oneof![Just("\\"), Just("/")];
    (dot, slash.clone(), "[a-z0-9]{1,6}", prop_oneof![Just(""), Just("\\\\evil.example\\")], slash).prop_map(
        // An encoded dot is always there, a backslash sometimes.
        |(dot, slash, name, prefix, slash2)| format!("{prefix}{dot}{slash}456{slash2}{name}.ts"),
    )
}

fn backslashed() -> impl Strategy<Value = String> {
    ("[a-z0-9]{1,6}", 0..3u8).prop_map(|(name, form)| match form {
        0 => format!("..\\456\\{name}.ts"),
        1 => format!("\\\\evil.example\\videos\\123\\{name}.ts"),
        _ => format!("sub\\{name}.ts"),
    })
}

proptest! {
    #[test]
    fn browser_only_readings_are_refused_in_hls(uri in prop_oneof![tricky(), backslashed()], tag in any::<bool>()) {
        let signed = signed();
        let playlist = if tag {
            format!("#EXTM3U\n#EXT-X-MAP:URI=\"{uri}\"\n")
        } else {
            format!("#EXTM3U\n#EXTINF:4,\n{uri}\n")
        };
        let e = sign_hls(&playlist, "https://cdn.example.com/videos/123/index.m3u8", &signed).unwrap_err();
        prop_assert!(matches!(e, PlaylistError::Uri { problem: UriProblem::ReadDifferentlyByBrowsers, .. }), "{e}");
    }

    #[test]
    fn browser_only_readings_are_refused_in_dash(uri in prop_oneof![tricky(), backslashed()], base in any::<bool>()) {
        let signed = signed();
        let mpd = if base {
            format!("<MPD><BaseURL>{uri}/</BaseURL><Period/></MPD>")
        } else {
            format!("<MPD><Period><AdaptationSet><SegmentList><SegmentURL media=\"{uri}\"/></SegmentList></AdaptationSet></Period></MPD>")
        };
        let e = sign_dash(&mpd, "https://cdn.example.com/videos/123/stream.mpd", &signed).unwrap_err();
        prop_assert!(matches!(e, PlaylistError::Uri { problem: UriProblem::ReadDifferentlyByBrowsers, .. }), "{e}");
    }

    #[test]
    fn representation_ids_that_leave_their_folder_are_refused(
        id in prop_oneof![Just("..".to_owned()), Just(".".to_owned()), "[a-z]{0,3}[/\\\\?#%{$][a-z.]{0,4}"],
    ) {
        let signed = signed();
        let mpd = format!(
            "<MPD><Period><AdaptationSet><SegmentTemplate media=\"$RepresentationID$/$Number$.m4s\"/>\
             <Representation id=\"{}\"/></AdaptationSet></Period></MPD>",
            id.replace('&', "&amp;").replace('"', "&quot;")
        );
        let e = sign_dash(&mpd, "https://cdn.example.com/videos/123/stream.mpd", &signed).unwrap_err();
        prop_assert!(matches!(e, PlaylistError::MalformedXml { .. }), "{e}");
    }
}

#[test]
fn variables_and_bare_carriage_returns_are_refused() {
    let signed = signed();
    let url = "https://cdn.example.com/videos/123/index.m3u8";
    let e = sign_hls("#EXTM3U\n#EXT-X-DEFINE:NAME=\"up\",VALUE=\"../456\"\n{$up}/seg.ts\n", url, &signed)
        .unwrap_err();
    assert!(matches!(e, PlaylistError::Uri { line: 3, problem: UriProblem::Variable, .. }), "{e}");
    assert!(e.to_string().contains("cfsign placeholders"), "{e}");
    let e = sign_hls("#EXTM3U\n#EXTINF:4,\rseg.ts\n", url, &signed).unwrap_err();
    assert_eq!(e, PlaylistError::BareCarriageReturn { line: 2 });
    // A plain id, and a dot inside a name, are fine.
    let mpd = "<MPD><Period><AdaptationSet><SegmentTemplate media=\"$RepresentationID$/$Number$.m4s\"/>\
               <Representation id=\"v1.high\"/></AdaptationSet></Period></MPD>";
    assert!(sign_dash(mpd, "https://cdn.example.com/videos/123/stream.mpd", &signed).is_ok());
    // A long URI is named by its start, not copied whole into the message.
    let long = format!("#EXTM3U\n{}\\x.ts\n", "a".repeat(100_000));
    let message = sign_hls(&long, url, &signed).unwrap_err().to_string();
    assert!(message.len() < 600, "{}", message.len());
}

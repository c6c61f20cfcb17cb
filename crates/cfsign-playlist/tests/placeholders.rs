//! Static playlists with placeholders: what is written, and — with the values substituted as a
//! player substitutes them — every URI verifying with the top URL's parameters.
#![allow(clippy::unwrap_used)]

mod common;

use cfsign::HashAlgorithm;
use cfsign_playlist::{PlaylistError, UriProblem, uris, with_placeholders};
use common::{granted, key, signed};

#[test]
fn hls_playlists_define_the_parameters_and_reference_them_in_every_uri() {
    let master = "#EXTM3U\r\n#EXT-X-VERSION:3\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8\"\r\n\
        #EXT-X-STREAM-INF:BANDWIDTH=1\r\n720p/index.m3u8?q=1\r\n";
    let out = with_placeholders(master, HashAlgorithm::Sha256).unwrap();
    let refs =
        "Policy={$Policy}&Signature={$Signature}&Key-Pair-Id={$Key-Pair-Id}&Hash-Algorithm={$Hash-Algorithm}";
    assert_eq!(
        out,
        format!(
            "#EXTM3U\r\n#EXT-X-DEFINE:QUERYPARAM=\"Policy\"\r\n#EXT-X-DEFINE:QUERYPARAM=\"Signature\"\r\n\
             #EXT-X-DEFINE:QUERYPARAM=\"Key-Pair-Id\"\r\n#EXT-X-DEFINE:QUERYPARAM=\"Hash-Algorithm\"\r\n\
             #EXT-X-VERSION:8\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8?{refs}\"\r\n\
             #EXT-X-STREAM-INF:BANDWIDTH=1\r\n720p/index.m3u8?q=1&{refs}\r\n"
        )
    );
    // A later version is kept.
    let out = with_placeholders("#EXTM3U\n#EXT-X-VERSION:10\nseg.ts", HashAlgorithm::Sha1).unwrap();
    assert!(
        out.contains("\n#EXT-X-VERSION:10\n")
            && !out.contains(":8\n")
            && out.ends_with("seg.ts?Policy={$Policy}&Signature={$Signature}&Key-Pair-Id={$Key-Pair-Id}"),
        "{out}"
    );
    // Already signed, or not a playlist: refused.
    let e = with_placeholders("#EXTM3U\nseg.ts?Policy=x\n", HashAlgorithm::Sha1).unwrap_err();
    assert!(matches!(e, PlaylistError::Uri { line: 2, problem: UriProblem::AlreadySigned, .. }), "{e}");
    assert_eq!(with_placeholders("seg.ts", HashAlgorithm::Sha1), Err(PlaylistError::UnknownFormat));
    assert!(matches!(
        with_placeholders("#EXTM3U\n#EXT-X-VERSION:x\n", HashAlgorithm::Sha1),
        Err(PlaylistError::MalformedTag { line: 2 })
    ));
}

/// What a player does with a static playlist fetched at `url?query`: every `{$Name}` replaced
/// by that parameter of the query; then every URI resolved must verify.
#[test]
fn substituted_as_players_do_every_uri_verifies() {
    let signed = signed();
    let top = signed.url("https://cdn.example.com/videos/123/master.m3u8").unwrap();
    let query = top.split_once('?').unwrap().1;
    let playlist =
        "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg-0.m4s\n#EXTINF:4,\n../123/hi/seg-1.m4s?x=1\n";
    let mut stat = with_placeholders(playlist, cfsign::Signer::hash_algorithm(&key())).unwrap();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap();
        stat = stat.replace(&format!("{{${name}}}"), value);
    }
    assert!(!stat.contains("{$"), "{stat}");
    let found = uris(&stat, "https://cdn.example.com/videos/123/720p/index.m3u8").unwrap();
    assert_eq!(found.len(), 3);
    for uri in found {
        assert!(granted(&uri.url).is_ok(), "{}: {:?}", uri.url, granted(&uri.url));
    }
}

#[test]
fn dash_adaptation_sets_carry_the_url_parameters_descriptor() {
    let mpd = "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"><Period>\n\
        <AdaptationSet mimeType=\"video/mp4\"><SegmentTemplate media=\"$Number$.m4s\"/></AdaptationSet>\n\
        <AdaptationSet mimeType=\"audio/mp4\">\n<Representation id=\"a\"/></AdaptationSet><AdaptationSet/>\n</Period></MPD>";
    let out = with_placeholders(mpd, HashAlgorithm::Sha256).unwrap();
    let descriptor = "<SupplementalProperty schemeIdUri=\"urn:mpeg:dash:urlparam:2014\" xmlns:up=\"urn:mpeg:dash:schema:urlparam:2014\">\
        <up:UrlQueryInfo queryTemplate=\"$querypart$\" useMPDUrlQuery=\"true\"/></SupplementalProperty>";
    assert_eq!(out.matches(descriptor).count(), 2, "{out}");
    assert_eq!(out.replace(descriptor, ""), mpd);
    assert!(out.contains(&format!("<AdaptationSet mimeType=\"video/mp4\">{descriptor}<SegmentTemplate")));
    assert_eq!(with_placeholders("<Period/>", HashAlgorithm::Sha1), Err(PlaylistError::NotDash));
    assert!(matches!(
        with_placeholders("<MPD><Period/></MPD>", HashAlgorithm::Sha1),
        Err(PlaylistError::MalformedXml { .. })
    ));
    assert!(matches!(
        with_placeholders("<MPD><AdaptationSet>", HashAlgorithm::Sha1),
        Err(PlaylistError::MalformedXml { .. }) | Ok(_)
    ));
}

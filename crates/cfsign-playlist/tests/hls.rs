//! HLS signing: what is signed and what is kept, the errors, and — over generated playlists —
//! every signed URI verifying with `cfsign-verify` as CloudFront would check it.
#![allow(clippy::unwrap_used)]

mod common;

use cfsign::{CannedPolicy, EpochSeconds, SignedPolicy};
use cfsign_playlist::{PlaylistError, PlaylistSigner, UriProblem, sign_hls};
use common::{EXPIRES, granted, key, signed};
use proptest::prelude::*;

const PLAYLIST_URL: &str = "https://cdn.example.com/videos/123/720p/index.m3u8";

fn parameters(signed: &SignedPolicy) -> String {
    signed.query()
}

#[test]
fn uri_lines_and_uri_attributes_are_signed_the_rest_is_kept() {
    let signed = signed();
    let p = parameters(&signed);
    let input = "#EXTM3U\r\n#EXT-X-VERSION:7\r\n# a comment with URI=\"x.ts\"\r\n\
        #EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\r\n\
        #EXT-X-KEY:METHOD=AES-128,URI=\"https://cdn.example.com/videos/123/key.bin\",IV=0x1\r\n\
        #EXTINF:4.0,title, with comma\r\nseg-0.ts?quality=hi\r\n\r\n#EXT-X-UNKNOWN:URI=\"untouched\"\r\n\
        #EXTINF:4.0,\r\n../audio/seg-1.aac\r\n#EXT-X-ENDLIST";
    let out = sign_hls(input, PLAYLIST_URL, &signed).unwrap();
    let want = format!(
        "#EXTM3U\r\n#EXT-X-VERSION:7\r\n# a comment with URI=\"x.ts\"\r\n\
        #EXT-X-MAP:URI=\"init.mp4?{p}\",BYTERANGE=\"720@0\"\r\n\
        #EXT-X-KEY:METHOD=AES-128,URI=\"https://cdn.example.com/videos/123/key.bin?{p}\",IV=0x1\r\n\
        #EXTINF:4.0,title, with comma\r\nseg-0.ts?quality=hi&{p}\r\n\r\n#EXT-X-UNKNOWN:URI=\"untouched\"\r\n\
        #EXTINF:4.0,\r\n../audio/seg-1.aac?{p}\r\n#EXT-X-ENDLIST"
    );
    assert_eq!(out, want);
}

#[test]
fn multivariant_playlists_sign_variants_media_and_i_frames() {
    let signed = signed();
    let p = parameters(&signed);
    let input = "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"English, US\",URI=\"audio/en.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.4d401e,mp4a.40.2\",AUDIO=\"a\"\n720p/index.m3u8\n\
        #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"720p/iframes.m3u8\"\n";
    let out = sign_hls(input, "https://cdn.example.com/videos/123/master.m3u8", &signed).unwrap();
    assert_eq!(
        out,
        format!(
            "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"English, US\",URI=\"audio/en.m3u8?{p}\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.4d401e,mp4a.40.2\",AUDIO=\"a\"\n720p/index.m3u8?{p}\n\
        #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"720p/iframes.m3u8?{p}\"\n"
        )
    );
}

#[test]
fn what_cannot_be_signed_is_named() {
    let signed = signed();
    let err = |playlist: &str| sign_hls(playlist, PLAYLIST_URL, &signed).unwrap_err();
    assert_eq!(err("seg.ts\n"), PlaylistError::NotHls);
    assert_eq!(err("\u{feff}#EXTM3U\n"), PlaylistError::NotHls);
    assert_eq!(err(""), PlaylistError::NotHls);
    assert_eq!(err("#EXTM3UX\nseg.ts\n"), PlaylistError::NotHls);
    assert_eq!(sign_hls("#EXTM3U", PLAYLIST_URL, &signed), Ok("#EXTM3U".to_owned()));
    match err("#EXTM3U\n#EXTINF:4,\n../../other/seg.ts\n") {
        PlaylistError::Uri { line: 3, uri, problem: UriProblem::NotCovered { url } } => {
            assert_eq!(
                (uri.as_str(), url.as_str()),
                ("../../other/seg.ts", "https://cdn.example.com/videos/other/seg.ts")
            );
        }
        other => panic!("{other:?}"),
    }
    let e = err("#EXTM3U\nseg.ts?Signature=abc\n");
    assert!(matches!(e, PlaylistError::Uri { line: 2, problem: UriProblem::AlreadySigned, .. }), "{e}");
    let e = err("#EXTM3U\nseg.ts#t=1\n");
    assert!(matches!(e, PlaylistError::Uri { line: 2, problem: UriProblem::Invalid(_), .. }), "{e}");
    let e = err(&format!("#EXTM3U\n{}.ts\n", "a".repeat(8_000)));
    assert!(matches!(e, PlaylistError::Uri { line: 2, problem: UriProblem::TooLong { .. }, .. }), "{e}");
    for tag in
        ["#EXT-X-MAP:URI=\"init.mp4", "#EXT-X-MAP:URI=init.mp4", "#EXT-X-KEY:METHOD", "#EXT-X-MAP:URI=\"a\"x"]
    {
        assert_eq!(err(&format!("#EXTM3U\n{tag}\n")), PlaylistError::MalformedTag { line: 2 }, "{tag}");
    }
    let key_uri = "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://key-id\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\nseg.ts\n";
    assert!(matches!(err(key_uri), PlaylistError::Uri { line: 2, .. }));
    // Explicitly chosen: URIs the policy does not cover are kept as they are.
    let out = PlaylistSigner::new(&signed)
        .unwrap()
        .leave_uncovered_unsigned()
        .sign_hls(key_uri, PLAYLIST_URL)
        .unwrap();
    assert!(out.contains("URI=\"skd://key-id\",") && out.contains("\nseg.ts?Policy="), "{out}");
    // The messages name the line and the URI.
    let message = err("#EXTM3U\n../../other/seg.ts\n").to_string();
    assert!(
        message.contains("line 2") && message.contains("../../other/seg.ts") && message.contains("403"),
        "{message}"
    );
}

#[test]
fn canned_policies_are_refused() {
    let key = key();
    let canned =
        CannedPolicy::new("https://cdn.example.com/videos/123/720p/index.m3u8", EpochSeconds::new(EXPIRES))
            .unwrap();
    let signed = SignedPolicy::new(canned, &key).unwrap();
    assert_eq!(sign_hls("#EXTM3U\n", PLAYLIST_URL, &signed).unwrap_err(), PlaylistError::CannedPolicy);
}

/// A URI of the stream as a playlist at [`PLAYLIST_URL`] would write it, and the URL a player
/// asks for.
fn stream_uri() -> impl Strategy<Value = (String, String)> {
    let name = "[a-z0-9_-]{1,12}";
    let query = proptest::option::of("[a-z]{1,4}=[a-z0-9]{0,6}");
    (0..4u8, name, query).prop_map(|(form, name, query)| {
        let (uri, url) = match form {
            0 => (format!("{name}.ts"), format!("https://cdn.example.com/videos/123/720p/{name}.ts")),
            1 => (
                format!("../audio/{name}.aac"),
                format!("https://cdn.example.com/videos/123/audio/{name}.aac"),
            ),
            2 => {
                (format!("/videos/123/{name}.m4s"), format!("https://cdn.example.com/videos/123/{name}.m4s"))
            }
            _ => (
                format!("https://cdn.example.com/videos/123/x/{name}.ts"),
                format!("https://cdn.example.com/videos/123/x/{name}.ts"),
            ),
        };
        match query {
            Some(q) => (format!("{uri}?{q}"), format!("{url}?{q}")),
            None => (uri, url),
        }
    })
}

proptest! {
    /// Generated media playlists: every signed URI, resolved as a player resolves it, is
    /// granted by the verifier; removing the parameters gives back the input byte for byte.
    #[test]
    fn every_signed_uri_verifies_and_nothing_else_changes(
        uris in proptest::collection::vec((stream_uri(), 0..3u8), 1..40),
        crlf in any::<bool>(),
    ) {
        let signed = signed();
        let p = parameters(&signed);
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut input = format!("#EXTM3U{nl}#EXT-X-TARGETDURATION:4{nl}");
        for ((uri, _), tag) in &uris {
            match tag {
                0 => input.push_str(&format!("#EXTINF:4.0,{nl}{uri}{nl}")),
                1 => input.push_str(&format!("#EXT-X-MAP:URI=\"{uri}\",BYTERANGE=\"10@0\"{nl}# note{nl}")),
                _ => input.push_str(&format!("#EXT-X-PART:DURATION=1.0,URI=\"{uri}\",INDEPENDENT=YES{nl}")),
            }
        }
        input.push_str("#EXT-X-ENDLIST");
        let out = sign_hls(&input, PLAYLIST_URL, &signed).unwrap();
        prop_assert_eq!(out.replace(&format!("?{p}"), "").replace(&format!("&{p}"), ""), input);
        for ((uri, url), _) in &uris {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let written = format!("{uri}{sep}{p}");
            prop_assert!(out.contains(&written), "{}", written);
            let request = format!("{url}{sep}{p}");
            prop_assert!(granted(&request).is_ok(), "{request}: {:?}", granted(&request));
        }
    }

    /// Anything at all: an answer or an error, never a panic.
    #[test]
    fn any_text_is_answered(text in "#EXTM3U[\\PC\r\n\"=,#]{0,200}", url in "[\\PC]{0,40}") {
        let signed = signed();
        let _ = sign_hls(&text, &url, &signed);
        let _ = sign_hls(&text, PLAYLIST_URL, &signed);
    }
}

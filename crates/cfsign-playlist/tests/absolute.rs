//! Absolute URIs: a playlist signed for its CloudFront URL but served by the app from another
//! origin still sends the player to CloudFront, and every URI verifies.
#![allow(clippy::unwrap_used)]

mod common;

use cfsign_playlist::{PlaylistSigner, uris};
use common::{granted, signed};

const CDN: &str = "https://cdn.example.com/videos/123/720p/index.m3u8";
const APP: &str = "https://app.example.com/watch/123/index.m3u8";

#[test]
fn hls_uris_become_cloudfront_urls() {
    let signed = signed();
    let playlist =
        "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg-0.m4s?v=1\n#EXTINF:4,\n../audio/a.aac\n";
    let out = PlaylistSigner::new(&signed).unwrap().absolute_uris().sign(playlist, CDN).unwrap();
    let p = signed.query();
    assert!(out.contains(&format!("URI=\"https://cdn.example.com/videos/123/720p/init.mp4?{p}\"")), "{out}");
    assert!(out.contains(&format!("\nhttps://cdn.example.com/videos/123/720p/seg-0.m4s?v=1&{p}\n")), "{out}");
    // Read where the app serves it, every URI is still CloudFront's, and granted.
    let found = uris(&out, APP).unwrap();
    assert_eq!(found.len(), 3);
    for uri in found {
        assert!(uri.url.starts_with("https://cdn.example.com/videos/123/"), "{}", uri.url);
        assert!(granted(&uri.url).is_ok(), "{}: {:?}", uri.url, granted(&uri.url));
    }
}

#[test]
fn dash_urls_without_a_base_become_cloudfront_urls() {
    let signed = signed();
    let mpd = "<MPD><BaseURL>media/</BaseURL><Period><AdaptationSet>\
        <SegmentTemplate media=\"$Number$.m4s?a=1&amp;b=2\" initialization=\"init.mp4\"/>\
        <Representation id=\"r\"><BaseURL>r/</BaseURL><SegmentList><SegmentURL media=\"s.m4s\"/></SegmentList></Representation>\
        </AdaptationSet></Period></MPD>";
    let cdn = "https://cdn.example.com/videos/123/stream.mpd";
    let out = PlaylistSigner::new(&signed).unwrap().absolute_uris().sign(mpd, cdn).unwrap();
    let p = signed.query().replace('&', "&amp;");
    // The top BaseURL is absolute; what is below it stays relative to it.
    assert!(
        out.contains(&format!("<BaseURL>https://cdn.example.com/videos/123/media/?{p}</BaseURL>")),
        "{out}"
    );
    assert!(out.contains(&format!("media=\"$Number$.m4s?a=1&amp;b=2&amp;{p}\"")), "{out}");
    assert!(out.contains(&format!("<BaseURL>r/?{p}</BaseURL>")), "{out}");
    // Without a BaseURL above them, template URLs are absolute, their identifiers kept.
    let bare = "<MPD><Period><AdaptationSet><SegmentTemplate media=\"v/$Number%03d$.m4s\"/></AdaptationSet></Period></MPD>";
    let out = PlaylistSigner::new(&signed).unwrap().absolute_uris().sign(bare, cdn).unwrap();
    assert!(
        out.contains(&format!("media=\"https://cdn.example.com/videos/123/v/$Number%03d$.m4s?{p}\"")),
        "{out}"
    );
    let found = uris(&out, "https://app.example.com/watch/123.mpd").unwrap();
    assert!(
        found[0].url.starts_with("https://cdn.example.com/videos/123/v/$Number%03d$.m4s?Policy="),
        "{:?}",
        found[0]
    );
}

/// An app that serves every playlist itself: in a multivariant playlist, what names another
/// playlist stays relative (the player asks the app), while a session key goes to CloudFront.
#[test]
fn playlists_stay_with_the_app_segments_go_to_cloudfront() {
    let signed = signed();
    let p = signed.query();
    let master = "#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"keys/k.bin\"\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"a\"\n720p/index.m3u8\n\
        #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"720p/iframes.m3u8\"\n";
    let url = "https://cdn.example.com/videos/123/master.m3u8";
    let out = PlaylistSigner::new(&signed)
        .unwrap()
        .absolute_uris()
        .leave_playlist_uris()
        .sign(master, url)
        .unwrap();
    assert_eq!(
        out,
        format!(
            "#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"https://cdn.example.com/videos/123/keys/k.bin?{p}\"\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8\"\n\
             #EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"a\"\n720p/index.m3u8\n\
             #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"720p/iframes.m3u8\"\n"
        )
    );
    // In a media playlist every URI is a segment, a map or a key: all go to CloudFront.
    let media = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg-0.m4s\n";
    let out =
        PlaylistSigner::new(&signed).unwrap().absolute_uris().leave_playlist_uris().sign(media, CDN).unwrap();
    assert_eq!(
        uris(&out, APP).unwrap().iter().filter(|u| u.url.starts_with("https://cdn.example.com/")).count(),
        2
    );
}

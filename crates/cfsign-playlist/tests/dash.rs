//! DASH signing: what is signed and what is kept, the errors, and — over generated MPDs —
//! every signed URL verifying with `cfsign-verify` as CloudFront would check it.
#![allow(clippy::unwrap_used)]

mod common;

use cfsign::SignedPolicy;
use cfsign_playlist::{Format, PlaylistError, PlaylistSigner, UriProblem, sign_dash};
use common::{granted, signed};
use proptest::prelude::*;

const MPD_URL: &str = "https://cdn.example.com/videos/123/stream.mpd";

/// The parameters as they appear in XML: `&` escaped.
fn xml_parameters(signed: &SignedPolicy) -> String {
    signed.query().replace('&', "&amp;")
}

const MPD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- made by a packager -->
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"  mediaPresentationDuration="PT8S" >
  <Location>https://cdn.example.com/videos/123/stream.mpd</Location>
  <Period id='p0'>
    <BaseURL>media/</BaseURL>
    <AdaptationSet mimeType="video/mp4">
      <SegmentTemplate timescale="1000" media="$RepresentationID$/seg-$Number%05d$.m4s?v=1&amp;w=2"
          initialization='$RepresentationID$/init.mp4' startNumber="1"/>
      <Representation id="720p" bandwidth="800000"/>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4">
      <Representation id="en" bandwidth="64000">
        <BaseURL> https://cdn.example.com/videos/123/audio/ </BaseURL>
        <SegmentList duration="4">
          <Initialization sourceURL="init.mp4"/>
          <RepresentationIndex sourceURL="index.sidx"/>
          <SegmentURL media="a-1.m4s" mediaRange="0-99"/><SegmentURL media="a-2.m4s"/>
        </SegmentList>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"#;

#[test]
fn segment_urls_are_signed_the_rest_is_kept() {
    let signed = signed();
    let p = xml_parameters(&signed);
    let out = sign_dash(MPD, MPD_URL, &signed).unwrap();
    let want = MPD
        .replace("<BaseURL>media/</BaseURL>", &format!("<BaseURL>media/?{p}</BaseURL>"))
        .replace("seg-$Number%05d$.m4s?v=1&amp;w=2\"", &format!("seg-$Number%05d$.m4s?v=1&amp;w=2&amp;{p}\""))
        .replace("'$RepresentationID$/init.mp4'", &format!("'$RepresentationID$/init.mp4?{p}'"))
        .replace("/audio/ </BaseURL>", &format!("/audio/?{p} </BaseURL>"))
        .replace("\"init.mp4\"", &format!("\"init.mp4?{p}\""))
        .replace("\"index.sidx\"", &format!("\"index.sidx?{p}\""))
        .replace("\"a-1.m4s\"", &format!("\"a-1.m4s?{p}\""))
        .replace("\"a-2.m4s\"", &format!("\"a-2.m4s?{p}\""));
    assert_eq!(out, want);
    // The Location (the MPD's own refresh URL) is not a segment: kept.
    assert!(out.contains("<Location>https://cdn.example.com/videos/123/stream.mpd</Location>"));
    assert_eq!(Format::detect(MPD), Some(Format::Dash));
    assert_eq!(PlaylistSigner::new(&signed).unwrap().sign(MPD, MPD_URL).unwrap(), out);
}

#[test]
fn base_urls_nest_and_alternatives_are_each_checked() {
    let signed = signed();
    let err = |mpd: &str| sign_dash(mpd, MPD_URL, &signed).unwrap_err();
    // Resolved through both BaseURLs: /videos/123/a/../../other/x.m4s leaves the stream.
    let escaping = r#"<MPD><BaseURL>a/</BaseURL><Period><BaseURL>../../other/</BaseURL>
        <AdaptationSet><SegmentTemplate media="x.m4s"/></AdaptationSet></Period></MPD>"#;
    match err(escaping) {
        PlaylistError::Uri { line: 1, uri, problem: UriProblem::NotCovered { url } } => {
            assert_eq!(
                (uri.as_str(), url.as_str()),
                ("../../other/", "https://cdn.example.com/videos/other/")
            );
        }
        other => panic!("{other:?}"),
    }
    // Two alternatives: a segment is checked under each, so the second CDN's is named.
    let alternatives = r#"<MPD><BaseURL>https://cdn.example.com/videos/123/</BaseURL>
        <Period><AdaptationSet><SegmentTemplate media="$Number$.m4s"/></AdaptationSet></Period>
        <BaseURL>https://other.example.net/videos/123/</BaseURL></MPD>"#;
    match err(alternatives) {
        PlaylistError::Uri { line: 3, problem: UriProblem::NotCovered { url }, .. } => {
            assert_eq!(url, "https://other.example.net/videos/123/");
        }
        other => panic!("{other:?}"),
    }
    // Left unsigned on request: the uncovered alternative and what resolves through it.
    let signer = PlaylistSigner::new(&signed).unwrap().leave_uncovered_unsigned();
    let multi = r#"<MPD><BaseURL>https://cdn.example.com/videos/123/</BaseURL><BaseURL>https://other.example.net/v/</BaseURL>
        <Period><AdaptationSet><SegmentTemplate media="$Number$.m4s"/></AdaptationSet></Period></MPD>"#;
    let out = signer.sign_dash(multi, MPD_URL).unwrap();
    assert!(out.contains("<BaseURL>https://cdn.example.com/videos/123/?Policy="), "{out}");
    assert!(out.contains("<BaseURL>https://other.example.net/v/</BaseURL>"), "{out}");
    assert!(out.contains("media=\"$Number$.m4s\""), "{out}");
    // A nested BaseURL's scope ends with its element.
    let scoped = r#"<MPD><Period><AdaptationSet><BaseURL>https://other.example.net/</BaseURL></AdaptationSet>
        <AdaptationSet><SegmentTemplate media="ok-$Number$.m4s"/></AdaptationSet></Period></MPD>"#;
    let out = signer.sign_dash(scoped, MPD_URL).unwrap();
    assert!(out.contains("media=\"ok-$Number$.m4s?Policy="), "{out}");
}

#[test]
fn what_cannot_be_signed_is_named() {
    let signed = signed();
    let err = |mpd: &str| sign_dash(mpd, MPD_URL, &signed).unwrap_err();
    assert_eq!(err("<Period/>"), PlaylistError::NotDash);
    assert_eq!(err(""), PlaylistError::NotDash);
    assert_eq!(err("<!-- only a comment -->"), PlaylistError::NotDash);
    assert_eq!(
        PlaylistSigner::new(&signed).unwrap().sign("hello", MPD_URL).unwrap_err(),
        PlaylistError::UnknownFormat
    );
    for (mpd, line) in [
        ("<MPD><Period>", 1),
        ("<MPD>\n<Period></AdaptationSet></MPD>", 2),
        ("<MPD><SegmentURL media=\"a\" media=\"b\"/></MPD>", 1),
        ("<MPD><SegmentURL media=\"&nope;\"/></MPD>", 1),
        ("<MPD><BaseURL>a/<!-- x --></BaseURL></MPD>", 1),
        ("<MPD><BaseURL>a/<b/></BaseURL></MPD>", 1),
        ("<MPD>\n\n<SegmentTemplate media=\"$Number.m4s\"/></MPD>", 3),
        ("<MPD><SegmentTemplate media=\"$Width$.m4s\"/></MPD>", 1),
        ("text <MPD/>", 1),
    ] {
        match err(mpd) {
            PlaylistError::MalformedXml { line: got, .. } => assert_eq!(got, line, "{mpd}"),
            other => panic!("{mpd}: {other:?}"),
        }
    }
    let e = err("<MPD>\n<SegmentURL media=\"a.m4s?Signature=x\"/></MPD>");
    assert!(matches!(e, PlaylistError::Uri { line: 2, problem: UriProblem::AlreadySigned, .. }), "{e}");
    let e = err("<MPD><SegmentURL media=\"a.m4s#t=1\"/></MPD>");
    assert!(matches!(e, PlaylistError::Uri { problem: UriProblem::Invalid(_), .. }), "{e}");
    let message = err("<MPD>\n<Period>\n<SegmentURL media=\"/videos/9/a.m4s\"/></Period></MPD>").to_string();
    assert!(
        message.contains("line 3") && message.contains("/videos/9/a.m4s") && message.contains("403"),
        "{message}"
    );
}

/// A URL of the stream as an MPD at [`MPD_URL`] with an optional `BaseURL` of `media/`
/// would write it, the URL a player asks for, and whether it is a template.
fn stream_url(base: bool) -> impl Strategy<Value = (String, String)> {
    let name = "[a-z0-9_-]{1,12}";
    let query = proptest::option::of("[a-z]{1,4}=[a-z0-9]{0,6}");
    let dir = if base { "media/" } else { "" };
    (0..3u8, name, query).prop_map(move |(form, name, query)| {
        let (uri, url) = match form {
            0 => (format!("{name}.m4s"), format!("https://cdn.example.com/videos/123/{dir}{name}.m4s")),
            1 => {
                (format!("/videos/123/{name}.mp4"), format!("https://cdn.example.com/videos/123/{name}.mp4"))
            }
            _ => (
                format!("https://cdn.example.com/videos/123/x/{name}.m4s"),
                format!("https://cdn.example.com/videos/123/x/{name}.m4s"),
            ),
        };
        match query {
            Some(q) => (format!("{uri}?{q}"), format!("{url}?{q}")),
            None => (uri, url),
        }
    })
}

fn mpd_with(urls: &[((String, String), u8)], base: bool, nl: &str) -> String {
    let mut mpd =
        format!("<?xml version=\"1.0\"?>{nl}<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\">{nl}<Period>");
    if base {
        mpd.push_str("<BaseURL>media/</BaseURL>");
    }
    mpd.push_str(&format!("{nl}<AdaptationSet><Representation id=\"r\"><SegmentList>{nl}"));
    for ((uri, _), element) in urls {
        let uri = uri.replace('&', "&amp;");
        match element {
            0 => mpd.push_str(&format!("  <SegmentURL media=\"{uri}\" mediaRange=\"0-9\"/>{nl}")),
            1 => mpd.push_str(&format!("  <Initialization sourceURL='{uri}'/><!-- note -->{nl}")),
            _ => mpd.push_str(&format!("  <SegmentURL index=\"{uri}\"></SegmentURL>{nl}")),
        }
    }
    mpd.push_str(&format!("</SegmentList></Representation></AdaptationSet></Period>{nl}</MPD>{nl}"));
    mpd
}

proptest! {
    /// Generated MPDs: every signed URL, resolved as a player resolves it, is granted by the
    /// verifier; removing the parameters gives back the input byte for byte.
    #[test]
    fn every_signed_url_verifies_and_nothing_else_changes(
        (base, urls) in any::<bool>().prop_flat_map(|base| {
            (Just(base), proptest::collection::vec((stream_url(base), 0..3u8), 1..40))
        }),
        crlf in any::<bool>(),
    ) {
        let signed = signed();
        let p = xml_parameters(&signed);
        let input = mpd_with(&urls, base, if crlf { "\r\n" } else { "\n" });
        let out = sign_dash(&input, MPD_URL, &signed).unwrap();
        prop_assert_eq!(out.replace(&format!("?{p}"), "").replace(&format!("&amp;{p}"), ""), input);
        let query = signed.query();
        for ((uri, url), _) in &urls {
            let sep = if uri.contains('?') { "&amp;" } else { "?" };
            let written = format!("{}{sep}{p}", uri.replace('&', "&amp;"));
            prop_assert!(out.contains(&written), "{}", written);
            let sep = if uri.contains('?') { '&' } else { '?' };
            let request = format!("{url}{sep}{query}");
            prop_assert!(granted(&request).is_ok(), "{request}: {:?}", granted(&request));
        }
    }

    /// Anything at all: an answer or an error, never a panic.
    #[test]
    fn any_text_is_answered(text in "<MPD[\\PC\r\n\"'=<>/&;$]{0,200}", url in "[\\PC]{0,40}") {
        let signed = signed();
        let _ = sign_dash(&text, &url, &signed);
        let _ = sign_dash(&text, MPD_URL, &signed);
    }
}

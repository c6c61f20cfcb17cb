//! A stream's files through the gate in front of a directory: the media types players expect,
//! and byte ranges (206, 416) with the signature still checked.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, SigningKey};
use cfsign_gate::{Gate, GateLayer};
use cfsign_verify::{KeyGroup, TrustedKeyGroups};
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

const NOW: EpochSeconds = EpochSeconds::new(1_767_250_000);

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), "K2JCJMDEHXQW5F")
        .unwrap()
}

fn stream_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cfsign-gate-stream-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("videos/1")).unwrap();
    for (name, body) in [
        ("index.m3u8", "#EXTM3U\n"),
        ("manifest.mpd", "<MPD/>"),
        ("seg-0.ts", "0123456789"),
        ("seg-0.m4s", "0123456789"),
        ("init.mp4", "0123456789"),
        ("audio.m4a", "0123456789"),
        ("notes.txt", "plain"),
    ] {
        std::fs::write(dir.join("videos/1").join(name), body).unwrap();
    }
    dir
}

/// `path` (signed when `signed`) with `range`, from 192.0.2.1: status, content type,
/// `Content-Range`, body.
async fn get(
    dir: &std::path::Path,
    path: &str,
    signed: bool,
    range: Option<&str>,
) -> (u16, String, String, String) {
    let trusted =
        TrustedKeyGroups::from(KeyGroup::new().with_key("K2JCJMDEHXQW5F", key().public_key()).unwrap());
    let svc = GateLayer::new(Gate::new().default_protected(trusted)).clock(|| NOW).serve_dir(dir);
    let policy = CustomPolicy::builder()
        .resource("http://cdn.example.com/videos/1/*")
        .date_less_than(EpochSeconds::new(NOW.as_secs() + 3600))
        .build()
        .unwrap();
    let url = format!("http://cdn.example.com{path}");
    let target = if signed { SignedPolicy::new(policy, &key()).unwrap().url(&url).unwrap() } else { url };
    let target = target.strip_prefix("http://cdn.example.com").unwrap().to_owned();
    let mut req = Request::builder().uri(target).header("host", "cdn.example.com");
    if let Some(r) = range {
        req = req.header("range", r);
    }
    let mut req = req.body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
    req.extensions_mut().insert(SocketAddr::from(([192, 0, 2, 1], 50_000)));
    let res = svc.oneshot(req).await.unwrap();
    let header =
        |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let (ct, cr) = (header("content-type"), header("content-range"));
    let status = res.status().as_u16();
    let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, ct, cr, body)
}

#[tokio::test]
async fn playlists_and_segments_have_the_types_players_expect() {
    let dir = stream_dir();
    for (file, want) in [
        ("index.m3u8", "application/vnd.apple.mpegurl"),
        ("manifest.mpd", "application/dash+xml"),
        ("seg-0.ts", "video/mp2t"),
        ("seg-0.m4s", "video/iso.segment"),
        ("init.mp4", "video/mp4"),
        ("audio.m4a", "audio/mp4"),
        ("notes.txt", "text/plain"),
    ] {
        let (status, ct, _, _) = get(&dir, &format!("/videos/1/{file}"), true, None).await;
        assert_eq!(status, 200, "{file}");
        assert!(ct.starts_with(want), "{file}: {ct}");
    }
}

#[tokio::test]
async fn byte_ranges_are_served_after_the_signature_is_checked() {
    let dir = stream_dir();
    let (status, _, range, body) = get(&dir, "/videos/1/seg-0.ts", true, Some("bytes=2-5")).await;
    assert_eq!((status, range.as_str(), body.as_str()), (206, "bytes 2-5/10", "2345"));
    let (status, _, range, body) = get(&dir, "/videos/1/seg-0.ts", true, Some("bytes=-3")).await;
    assert_eq!((status, range.as_str(), body.as_str()), (206, "bytes 7-9/10", "789"));
    // A range past the end: 416, with the file's length.
    let (status, _, range, _) = get(&dir, "/videos/1/seg-0.ts", true, Some("bytes=50-60")).await;
    assert_eq!((status, range.as_str()), (416, "bytes */10"));
    // Without a signature a range is no way in: 403 with CloudFront's body, whatever the range.
    for range in ["bytes=2-5", "bytes=50-60", "bytes=garbage", "bytes=0-0,2-3"] {
        let (status, ct, _, body) = get(&dir, "/videos/1/seg-0.ts", false, Some(range)).await;
        assert_eq!(status, 403, "{range}");
        assert!(ct.starts_with("text/xml") && body.contains("<Code>MissingKey</Code>"), "{range}: {body}");
    }
}

/// A link would make the file served another than the path checked, and a FIFO would hold the
/// request open: both 404, public or signed, however the path is reached.
#[cfg(unix)]
#[tokio::test]
async fn links_and_special_files_are_not_served() {
    let dir = stream_dir();
    let public = dir.join("public");
    std::fs::create_dir_all(&public).unwrap();
    std::fs::write(public.join("plain.txt"), "plain").unwrap();
    let outside = std::env::temp_dir().join(format!("cfsign-gate-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("s.txt"), "outside").unwrap();
    let links = [
        ("public/to-videos", dir.join("videos/1")),
        ("public/out", outside.clone()),
        ("public/seg.ts", dir.join("videos/1/seg-0.ts")),
        ("videos/1/link.ts", dir.join("videos/1/seg-0.ts")),
        ("public/dir-with-link", outside.clone()),
    ];
    for (link, target) in &links {
        let _ = std::fs::remove_file(dir.join(link));
        std::os::unix::fs::symlink(target, dir.join(link)).unwrap();
    }
    let index_dir = public.join("site");
    std::fs::create_dir_all(&index_dir).unwrap();
    let _ = std::fs::remove_file(index_dir.join("index.html"));
    std::os::unix::fs::symlink(dir.join("videos/1/notes.txt"), index_dir.join("index.html")).unwrap();
    let fifo = public.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());

    let trusted =
        TrustedKeyGroups::from(KeyGroup::new().with_key("K2JCJMDEHXQW5F", key().public_key()).unwrap());
    let gate = Gate::new().public("/public/*").unwrap().default_protected(trusted);
    let svc = GateLayer::new(gate).clock(|| NOW).serve_dir(&dir);
    let status = |path: &'static str| {
        let svc = svc.clone();
        async move {
            let req = Request::builder()
                .uri(path)
                .header("host", "cdn.example.com")
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            let res = tokio::time::timeout(std::time::Duration::from_secs(5), svc.oneshot(req)).await;
            res.expect("answered without waiting on the file").unwrap().status().as_u16()
        }
    };
    assert_eq!(status("/public/plain.txt").await, 200);
    for path in [
        "/public/to-videos/seg-0.ts",
        "/public/out/s.txt",
        "/public/seg.ts",
        "/public/dir-with-link/s.txt",
        "/public/site/",
        "/public/fifo",
    ] {
        assert_eq!(status(path).await, 404, "{path}");
    }
    // Behind the signature check too: a signed request for a link is not served either.
    assert_eq!(get(&dir, "/videos/1/link.ts", true, None).await.0, 404);
    assert_eq!(get(&dir, "/videos/1/seg-0.ts", true, None).await.0, 200);
}

/// The link check reads the path as the file server does, escapes decoded: a link whose name
/// needs escaping in a URL is found under every escaped spelling the gate lets through, and a
/// plain file with such a name is served.
#[cfg(unix)]
#[tokio::test]
async fn links_are_found_under_escaped_names() {
    let dir = stream_dir();
    let public = dir.join("escaped");
    std::fs::create_dir_all(&public).unwrap();
    let trusted =
        TrustedKeyGroups::from(KeyGroup::new().with_key("K2JCJMDEHXQW5F", key().public_key()).unwrap());
    let gate = Gate::new().public("/escaped/*").unwrap().default_protected(trusted);
    let svc = GateLayer::new(gate).clock(|| NOW).serve_dir(&dir);
    for (name, spelled) in [
        ("a b", "a%20b"),
        ("ï", "%C3%AF"),
        ("100%", "100%25"),
        ("x;y=z", "x;y=z"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("[]", "%5B%5D"),
    ] {
        for (suffix, link) in [("file", false), ("link", true)] {
            let file = public.join(format!("{name}.{suffix}"));
            let _ = std::fs::remove_file(&file);
            if link {
                std::os::unix::fs::symlink(dir.join("videos/1/seg-0.ts"), &file).unwrap();
            } else {
                std::fs::write(&file, "plain").unwrap();
            }
            let req = Request::builder()
                .uri(format!("/escaped/{spelled}.{suffix}"))
                .header("host", "cdn.example.com")
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            let status = svc.clone().oneshot(req).await.unwrap().status().as_u16();
            assert_eq!(status, if link { 404 } else { 200 }, "{spelled}.{suffix}");
        }
    }
}

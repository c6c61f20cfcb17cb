//! The video routes over real HTTP: the watch page, the playlists signed per viewer by the
//! app, the segments they name served by the local CDN to anyone holding them (and to no other
//! path), CORS for the app's origin, and every other spelling of a playlist's path refused.
//! (The browser plays it in `cargo xtask e2e`.)
#![allow(clippy::unwrap_used)]

#[path = "common/servers.rs"]
mod servers;

use std::net::SocketAddr;
use std::path::PathBuf;

use cfsign_demo_support::flow::raw_get;
use cfsign_demo_support::video::Video;

const MASTER: &str = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\n360p/index.m3u8\n";
const MEDIA: &str = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n\
#EXTINF:2.0,\nseg-000.ts\n#EXTINF:2.0,\nseg-001.ts\n#EXT-X-ENDLIST\n";
const HLS_JS: &str = "/* hls.js stand-in */\n";

/// A stream on disk (two playlists, two segments, a link the app must not follow) and a
/// stand-in for hls.js.
fn stream(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("cfsign-video-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("stream/360p")).unwrap();
    std::fs::write(dir.join("stream/master.m3u8"), MASTER).unwrap();
    std::fs::write(dir.join("stream/360p/index.m3u8"), MEDIA).unwrap();
    for n in 0..2 {
        std::fs::write(dir.join(format!("stream/360p/seg-00{n}.ts")), format!("segment {n}")).unwrap();
    }
    std::fs::write(dir.join("secret.m3u8"), "#EXTM3U\n#EXTINF:2.0,\nsecret.ts\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("secret.m3u8"), dir.join("stream/linked.m3u8")).unwrap();
    std::fs::write(dir.join("hls.min.js"), HLS_JS).unwrap();
    (dir.join("stream"), dir.join("hls.min.js"))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs `user` in; the `session=…` cookie.
async fn sign_in(app: SocketAddr, user: &str) -> String {
    let res = client()
        .post(format!("http://{app}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={user}-demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("session="))
        .unwrap()
}

async fn get(url: &str, cookie: &str) -> reqwest::Response {
    client().get(url).header("cookie", cookie).send().await.unwrap()
}

#[tokio::test]
async fn playlists_are_signed_for_the_viewer_and_their_segments_play_from_the_cdn() {
    let (dir, hls_js) = stream("signed");
    let video = Video::load(&dir, &hls_js).unwrap();
    let (app, cdn) = servers::start_with_video(Some(video), |app| app).await;

    // Signed out: no playlist, and the watch page sends to sign-in.
    let res = get(&format!("http://{app}/video/master.m3u8"), "").await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = get(&format!("http://{app}/watch"), "").await;
    assert_eq!((res.status().as_u16(), &res.headers()["location"]), (303, &"/".parse().unwrap()));

    let alice = sign_in(app, "alice").await;
    // The multivariant playlist names the media playlist as written: the player asks the app.
    let res = get(&format!("http://{app}/video/master.m3u8"), &alice).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/vnd.apple.mpegurl");
    assert_eq!(res.headers()["cache-control"], "private");
    assert_eq!(res.text().await.unwrap(), MASTER);
    let head = client().head(format!("http://{app}/video/master.m3u8")).header("cookie", &alice).send();
    let head = head.await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.bytes().await.unwrap().len(), 0);

    // The media playlist: every segment an absolute CDN URL in alice's folder, signed.
    let media = get(&format!("http://{app}/video/360p/index.m3u8"), &alice).await.text().await.unwrap();
    let segments: Vec<&str> = media.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(segments.len(), 2, "{media}");
    for (n, url) in segments.iter().enumerate() {
        let folder = format!("http://{cdn}/u/alice/video/360p/seg-00{n}.ts?");
        assert!(url.starts_with(&folder) && url.contains("Signature="), "{url}");
        // Served by the CDN to the URL alone, no cookies, with CORS for the app's page.
        let res = client().get(*url).header("origin", format!("http://{app}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(res.headers()["access-control-allow-origin"], format!("http://{app}").as_str());
        assert_eq!(res.headers()["access-control-allow-credentials"], "true");
        assert_eq!(res.text().await.unwrap(), format!("segment {n}"));
        // The signature is alice's: bob's copy of the same file is refused, and so is a page
        // on another origin reading it.
        let bobs = url.replace("/u/alice/", "/u/bob/");
        let res = get(&bobs, "").await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("<Code>AccessDenied</Code>"));
        let res = client().get(*url).header("origin", "http://evil.example").send().await.unwrap();
        assert!(res.headers().get("access-control-allow-origin").is_none());
    }
    // The same bytes for bob are signed for bob's folder.
    let bob = sign_in(app, "bob").await;
    let bobs = get(&format!("http://{app}/video/360p/index.m3u8"), &bob).await.text().await.unwrap();
    assert!(bobs.contains(&format!("http://{cdn}/u/bob/video/360p/seg-000.ts?")), "{bobs}");
    assert!(!bobs.contains("/u/alice/"));

    // Signed cookies: the CDN's copy of the playlists, for alice's cookies only.
    let res = client()
        .post(format!("http://{app}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=alice&password=alice-demo")
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .filter(|c| c.starts_with("CloudFront-"))
        .collect();
    let cloudfront = cookies.join("; ");
    let res = get(&format!("http://{cdn}/u/alice/video/master.m3u8"), &cloudfront).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), MASTER);
    let res = get(&format!("http://{cdn}/u/bob/video/master.m3u8"), &cloudfront).await;
    assert_eq!(res.status(), 403);

    // The page, in both modes.
    let page = get(&format!("http://{app}/watch?mode=signed"), &alice).await.text().await.unwrap();
    assert!(page.contains(r#"data-src="/video/master.m3u8" data-credentials="0""#), "{page}");
    let page = get(&format!("http://{app}/watch?mode=cookies"), &alice).await.text().await.unwrap();
    let src = format!(r#"data-src="http://{cdn}/u/alice/video/master.m3u8" data-credentials="1""#);
    assert!(page.contains(&src), "{page}");
    let res = get(&format!("http://{app}/vendor/hls.min.js"), "").await;
    assert_eq!(res.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(res.text().await.unwrap(), HLS_JS);
}

/// Every other spelling of a playlist's path — encoded, cased, dotted, doubled, with a link
/// or a segment in its place — reaches no playlist: 404 (or hyper's 400), never 200 or 5xx.
#[tokio::test]
async fn only_the_exact_path_of_a_playlist_is_served() {
    let (dir, hls_js) = stream("spellings");
    let (app, _) = servers::start_with_video(Some(Video::load(&dir, &hls_js).unwrap()), |app| app).await;
    let alice = sign_in(app, "alice").await;
    let host = app.to_string();

    let mut targets = vec![
        "/video/linked.m3u8".to_owned(),
        "/video/360p/seg-000.ts".to_owned(),
        "/video/".to_owned(),
        "/video".to_owned(),
        "/video/../secret.m3u8".to_owned(),
        "/video/%2e%2e/secret.m3u8".to_owned(),
    ];
    for name in ["master.m3u8", "360p/index.m3u8"] {
        // Each byte percent-encoded in turn, in both cases of hex.
        for (i, b) in name.bytes().enumerate() {
            for hex in [format!("%{b:02X}"), format!("%{b:02x}")] {
                targets.push(format!("/video/{}{hex}{}", &name[..i], &name[i + 1..]));
            }
        }
        targets.push(format!("/video/{}", name.to_uppercase()));
        targets.push(format!("/video/./{name}"));
        targets.push(format!("/video//{name}"));
        targets.push(format!("/video/{name}/"));
        targets.push(format!("/video/{name}?"));
        if name.contains('/') {
            targets.push(format!("/video/{}", name.replace('/', "//")));
            targets.push(format!("/video/{}", name.replace('/', "/./")));
            targets.push(format!("/video/{}", name.replace('/', "\\")));
        }
        targets.push(format!("/Video/{name}"));
        targets.push(format!("//video/{name}"));
        targets.push(format!("http://{host}/video/x/../{name}"));
    }
    let mut served = 0;
    for target in &targets {
        let (status, body) = raw_get(app, &host, target, &alice).await;
        // `?` with an empty query is the same path, and served as such.
        if target.ends_with('?') {
            assert_eq!(status, 200, "{target}");
            served += 1;
            continue;
        }
        assert!(matches!(status, 400 | 404), "{target} -> {status} {body}");
        assert!(!body.contains("#EXTM3U"), "{target} -> {body}");
    }
    assert_eq!(served, 2);
    for name in ["master.m3u8", "360p/index.m3u8"] {
        assert_eq!(raw_get(app, &host, &format!("/video/{name}"), &alice).await.0, 200);
    }
}

#[tokio::test]
async fn without_a_video_the_routes_say_so() {
    let (app, _) = servers::start(|app| app).await;
    let alice = sign_in(app, "alice").await;
    assert_eq!(get(&format!("http://{app}/video/master.m3u8"), &alice).await.status(), 404);
    assert_eq!(get(&format!("http://{app}/vendor/hls.min.js"), &alice).await.status(), 404);
    let page = get(&format!("http://{app}/watch"), &alice).await.text().await.unwrap();
    assert!(page.contains("--video DIR --hls-js FILE"), "{page}");
}

#[test]
fn a_folder_without_a_top_playlist_is_refused() {
    let (dir, hls_js) = stream("no-master");
    std::fs::remove_file(dir.join("master.m3u8")).unwrap();
    let err = Video::load(&dir, &hls_js).unwrap_err();
    assert!(err.contains("no master.m3u8"), "{err}");
    let err = Video::load(&dir.join("nothing"), &hls_js).unwrap_err();
    assert!(err.contains("nothing"), "{err}");
}

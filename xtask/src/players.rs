//! `cargo xtask players`: private streams played by real players from the local CloudFront.
//! ffmpeg makes a short H.264 stream (HLS and DASH, in `target/players/media/`); `cfsign
//! serve` guards `/videos/*`; real headless Chromium opens `xtask/players/player.html` with
//! hls.js or dash.js (from npm, copied next to the page) through `xtask/players/players.mjs`.
//! Each stream is played in the two modes that need no cookies — playlists signed once per
//! viewer (`cfsign playlist`), and static playlists with placeholders (`cfsign placeholders`)
//! with only the top URL signed — and must play past 2 s with every response of the stream
//! 200 or 206. Without a signature, or with one for the top playlist alone, playback must
//! fail on a 403 carrying the code CloudFront would send. Screenshots go to
//! `target/players-<case>.png`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{build_programs, root};
use crate::setup;

/// Stops `cfsign serve` when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One browser run: which stream, how it is prepared, and what must happen.
struct Case {
    name: &'static str,
    /// `hls` or `dash`.
    kind: &'static str,
    /// `signed` (every playlist signed by `cfsign playlist`), `placeholders`, or `cookies`
    /// (static playlists; signed cookies in the browser, the page on another origin).
    mode: &'static str,
    /// What the top URL is signed for: `stream` (the video's folder), `top` (the top playlist
    /// alone), `none` (not signed).
    top: &'static str,
    /// `None`: it plays. `Some(code)`: it fails on a 403 with this CloudFront code.
    refused: Option<&'static str>,
    /// Cookie mode: whether hls.js fetches with credentials (`xhrSetup` `withCredentials`).
    credentials: bool,
}

const CASES: [Case; 10] = [
    Case {
        name: "hls-signed",
        kind: "hls",
        mode: "signed",
        top: "stream",
        refused: None,
        credentials: false,
    },
    Case {
        name: "hls-placeholders",
        kind: "hls",
        mode: "placeholders",
        top: "stream",
        refused: None,
        credentials: false,
    },
    Case {
        name: "dash-signed",
        kind: "dash",
        mode: "signed",
        top: "stream",
        refused: None,
        credentials: false,
    },
    Case {
        name: "dash-placeholders",
        kind: "dash",
        mode: "placeholders",
        top: "stream",
        refused: None,
        credentials: false,
    },
    Case {
        name: "hls-unsigned",
        kind: "hls",
        mode: "placeholders",
        top: "none",
        refused: Some("MissingKey"),
        credentials: false,
    },
    // Signed for the top playlist only: it loads, and what it names is refused.
    Case {
        name: "hls-placeholders-top-only",
        kind: "hls",
        mode: "placeholders",
        top: "top",
        refused: Some("AccessDenied"),
        credentials: false,
    },
    Case {
        name: "dash-placeholders-top-only",
        kind: "dash",
        mode: "placeholders",
        top: "top",
        refused: Some("AccessDenied"),
        credentials: false,
    },
    // Signed cookies, the page on another origin: credentialed fetches, CORS for that origin.
    Case {
        name: "hls-cookies",
        kind: "hls",
        mode: "cookies",
        top: "stream",
        refused: None,
        credentials: true,
    },
    // The same without withCredentials: the browser sends no cookies cross-origin.
    Case {
        name: "hls-cookies-without-credentials",
        kind: "hls",
        mode: "cookies",
        top: "stream",
        refused: Some("MissingKey"),
        credentials: false,
    },
    // Cookies for another video: CloudFront reads them and refuses.
    Case {
        name: "hls-cookies-other-video",
        kind: "hls",
        mode: "cookies",
        top: "other",
        refused: Some("AccessDenied"),
        credentials: true,
    },
];

/// Plays every case; the number of browser runs, all passed.
pub fn players() -> Result<u64, String> {
    let chromium = setup::chromium()?;
    let npm = setup::players()?;
    setup::ffmpeg()?;
    for script in ["players.mjs", "player.html"] {
        std::fs::copy(root().join("xtask/players").join(script), npm.join(script))
            .map_err(|e| format!("xtask/players/{script}: {e}"))?;
    }
    build_programs()?;
    let work = root().join("target/players");
    let media = make_media(&work.join("media"))?;
    let site = work.join("site");
    let _ = std::fs::remove_dir_all(&site);
    // The page and the players, served on the stream's origin and, for the cookie cases, on
    // another one.
    let page_site = work.join("page");
    let _ = std::fs::remove_dir_all(&page_site);
    for dir in [&site, &page_site] {
        let vendor = dir.join("vendor");
        mkdir(&vendor)?;
        copy(&npm.join("player.html"), &dir.join("player.html"))?;
        copy(&npm.join("node_modules/hls.js/dist/hls.min.js"), &vendor.join("hls.min.js"))?;
        copy(
            &npm.join("node_modules/dashjs/dist/modern/umd/dash.all.min.js"),
            &vendor.join("dash.all.min.js"),
        )?;
    }
    let keys = work.join("keys");
    let _ = std::fs::remove_dir_all(&keys);
    cfsign(&["keygen", "--kind", "ecdsa", "--out", &path(&keys)])?;
    let key = path(&keys.join("private_key.pem"));
    let public_key = format!("KPLAY={}", path(&keys.join("public_key.pem")));
    for kind in ["hls", "dash"] {
        for mode in ["signed", "placeholders", "cookies"] {
            copy_tree(&media.join(kind), &site.join("videos/1").join(format!("{kind}-{mode}")))?;
        }
    }
    // The other origin protects nothing it serves.
    let (page_server, page_base) = serve(&page_site, &public_key, &["--protect", "nothing-here/*"])?;
    let (stream_server, base) =
        serve(&site, &public_key, &["--protect", "videos/*", "--cors-origin", &page_base])?;
    let stream = format!("{base}/videos/1/*");
    let sign_args = ["--key", &key, "--key-pair-id", "KPLAY", "--ttl", "10m"];

    // The playlists of each mode, prepared once.
    for kind in ["hls", "dash"] {
        for mode in ["signed", "placeholders"] {
            // The cookie mode's playlists stay as they are.
            let folder = site.join("videos/1").join(format!("{kind}-{mode}"));
            for playlist in playlists(&folder)? {
                let relative = playlist.strip_prefix(&site).map_err(|e| e.to_string())?;
                let url = format!("{base}/{}", relative.to_string_lossy());
                let file = path(&playlist);
                let out = if mode == "signed" {
                    let mut args = vec!["playlist", &file, "--url", &url, "--policy-resource", &stream];
                    args.extend(sign_args);
                    cfsign(&args)?
                } else {
                    cfsign(&["placeholders", &file])?
                };
                std::fs::write(&playlist, out).map_err(|e| format!("{}: {e}", playlist.display()))?;
            }
        }
    }

    let (mut passed, mut failed) = (0, Vec::new());
    for case in &CASES {
        let top = format!(
            "{base}/videos/1/{}-{}/{}",
            case.kind,
            case.mode,
            if case.kind == "hls" { "master.m3u8" } else { "stream.mpd" }
        );
        let (src, cookies, page_origin) = if case.mode == "cookies" {
            // What the app would set at sign-in: cookies for the video's folder (or another's).
            let video = if case.top == "other" { "2" } else { "1" };
            let mut args = vec!["cookies", &format!("{base}/videos/{video}/*")]
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>();
            args.extend(sign_args.iter().map(|a| (*a).to_owned()));
            args.push("--json".to_owned());
            let made: serde_json::Value =
                serde_json::from_str(&cfsign(&args.iter().map(String::as_str).collect::<Vec<_>>())?)
                    .map_err(|e| format!("cfsign cookies --json: {e}"))?;
            let cookies: Vec<serde_json::Value> = made["cookies"]
                .as_object()
                .ok_or("cfsign cookies printed no cookies")?
                .iter()
                .map(|(name, value)| serde_json::json!({ "name": name, "value": value, "url": base }))
                .collect();
            (top.clone(), serde_json::Value::from(cookies).to_string(), page_base.as_str())
        } else {
            let src = match case.top {
                "none" => top.clone(),
                resource => {
                    let resource = if resource == "top" { top.clone() } else { stream.clone() };
                    let mut args = vec!["url", &*top, "--policy-resource", &resource];
                    args.extend(sign_args);
                    cfsign(&args)?.trim().to_owned()
                }
            };
            (src, String::new(), base.as_str())
        };
        match play(case, page_origin, &base, &src, &cookies, &npm, &chromium) {
            Ok(()) => passed += 1,
            Err(e) => {
                eprintln!("FAIL players {}: {e}", case.name);
                failed.push(case.name);
            }
        }
    }
    drop((stream_server, page_server));
    if failed.is_empty() {
        Ok(passed)
    } else {
        Err(format!("the players test failed for {}", failed.join(", ")))
    }
}

/// `cfsign serve DIR` with the test key trusted and `args`; the server and its base URL.
fn serve(dir: &Path, public_key: &str, args: &[&str]) -> Result<(KillOnDrop, String), String> {
    let child = Command::new(root().join("target/debug/cfsign"))
        .args(["serve", &path(dir), "--public-key", public_key, "--addr", "127.0.0.1:0", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cfsign serve: {e}"))?;
    let mut server = KillOnDrop(child);
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.0.stdout.take().ok_or("cfsign serve: no stdout")?),
        &mut line,
    )
    .map_err(|e| format!("cfsign serve: {e}"))?;
    let started: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| format!("cfsign serve printed {line:?}: {e}"))?;
    let base = started["url"].as_str().ok_or("cfsign serve printed no url")?.trim_end_matches('/').to_owned();
    Ok((server, base))
}

/// One browser run of `case` with the page from `page_origin`, judged.
fn play(
    case: &Case,
    page_origin: &str,
    base: &str,
    src: &str,
    cookies: &str,
    npm: &Path,
    chromium: &str,
) -> Result<(), String> {
    let page = format!(
        "{page_origin}/player.html#kind={}&credentials={}&src={}",
        case.kind,
        u8::from(case.credentials),
        percent_encode(src)
    );
    let screenshot = root().join(format!("target/players-{}.png", case.name));
    eprintln!("\n==> node players.mjs ({})", case.name);
    let out = Command::new("node")
        .arg("players.mjs")
        .current_dir(npm)
        .env("PAGE", &page)
        .env("COOKIES", cookies)
        .env("CHROMIUM", chromium)
        .env("SCREENSHOT", &screenshot)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("players.mjs printed no report: {stdout}"))?;
    let responses = report["responses"].as_array().cloned().unwrap_or_default();
    let status = |r: &serde_json::Value| r["status"].as_u64().unwrap_or(0);
    let is_media = |r: &serde_json::Value| {
        let url = r["url"].as_str().unwrap_or_default();
        [".ts", ".m4s", ".mp4"].iter().any(|ext| url.split('?').next().unwrap_or_default().ends_with(ext))
    };
    let media_ok = responses.iter().filter(|r| is_media(r) && matches!(status(r), 200 | 206)).count();
    let shown: Vec<String> = responses
        .iter()
        .map(|r| {
            let url = r["url"].as_str().unwrap_or_default();
            let path = url.split('?').next().unwrap_or_default().trim_start_matches(base);
            let signed = if url.contains("Signature=") { " (signed)" } else { "" };
            format!(
                "{} {path}{signed}{}",
                status(r),
                r["code"].as_str().map(|c| format!(" {c}")).unwrap_or_default()
            )
        })
        .collect();
    eprintln!("   responses: {}", shown.join(", "));
    eprintln!("   currentTime {}, player errors {}", report["currentTime"], report["errors"]);
    let played = report["played"].as_bool() == Some(true);
    match case.refused {
        None => {
            let all_ok = responses.iter().all(|r| matches!(status(r), 200 | 206));
            if played && all_ok && media_ok >= 3 {
                eprintln!("ok   {}: played past 2 s, {} responses all 200/206", case.name, responses.len());
                Ok(())
            } else {
                Err(format!("played {played}, every response 200/206 {all_ok}, media responses {media_ok}"))
            }
        }
        Some(code) => {
            let refused = responses.iter().any(|r| status(r) == 403 && r["code"].as_str() == Some(code));
            if !played && refused && media_ok == 0 {
                eprintln!("ok   {}: refused with 403 {code}, nothing played", case.name);
                Ok(())
            } else {
                Err(format!("played {played}, a 403 {code} {refused}, media served {media_ok}"))
            }
        }
    }
}

/// A short H.264 stream as HLS (`hls/master.m3u8`, `hls/720p/index.m3u8`, MPEG-TS segments)
/// and DASH (`dash/stream.mpd`, a segment template), made once and kept.
pub(crate) fn make_media(dir: &Path) -> Result<PathBuf, String> {
    let done = dir.join("done");
    if done.exists() {
        return Ok(dir.to_owned());
    }
    let _ = std::fs::remove_dir_all(dir);
    mkdir(&dir.join("hls/720p"))?;
    mkdir(&dir.join("dash"))?;
    let source = ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=25", "-t", "8"];
    let h264 = [
        "-c:v",
        "libx264",
        "-profile:v",
        "baseline",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "25",
        "-sc_threshold",
        "0",
    ];
    ffmpeg(
        &dir.join("hls/720p"),
        &[&source[..], &h264, &["-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"]]
            .concat()
            .into_iter()
            .chain(["-hls_segment_filename", "seg-%03d.ts", "index.m3u8"])
            .collect::<Vec<_>>(),
    )?;
    std::fs::write(
        dir.join("hls/master.m3u8"),
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\n720p/index.m3u8\n",
    )
    .map_err(|e| e.to_string())?;
    ffmpeg(
        &dir.join("dash"),
        &[
            &source[..],
            &h264,
            &["-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0", "stream.mpd"],
        ]
        .concat(),
    )?;
    std::fs::write(&done, "").map_err(|e| e.to_string())?;
    Ok(dir.to_owned())
}

fn ffmpeg(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("ffmpeg")
        .args(["-y", "-hide_banner", "-loglevel", "error"])
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("ffmpeg: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ffmpeg {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)))
    }
}

/// Runs the `cfsign` just built; its standard output.
fn cfsign(args: &[&str]) -> Result<String, String> {
    let out = Command::new(root().join("target/debug/cfsign"))
        .args(args)
        .output()
        .map_err(|e| format!("cfsign: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("cfsign {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)))
    }
}

/// The playlists under `dir`: `.m3u8` and `.mpd` files.
fn playlists(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            found.extend(playlists(&p)?);
        } else if p.extension().is_some_and(|e| e == "m3u8" || e == "mpd") {
            found.push(p);
        }
    }
    Ok(found)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    mkdir(to)?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?.flatten() {
        let p = entry.path();
        let target = to.join(entry.file_name());
        if p.is_dir() { copy_tree(&p, &target)? } else { copy(&p, &target)? }
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(drop).map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))
}

fn mkdir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `src` as one value of the page's fragment (`&`, `=`, `%`, `#` escaped).
fn percent_encode(src: &str) -> String {
    src.bytes()
        .map(|b| match b {
            b'&' | b'=' | b'%' | b'#' | b'+' | b' ' => format!("%{b:02X}"),
            _ => char::from(b).to_string(),
        })
        .collect()
}

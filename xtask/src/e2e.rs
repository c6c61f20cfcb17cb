//! `cargo xtask e2e`: the browser test. Starts each demo (`examples/axum-app`,
//! `examples/actix-app`) and drives real headless Chromium (Debian's `chromium`) with
//! `playwright-core` (in `target/e2e/`, never committed; both installed when missing by
//! [`setup`]) through `xtask/e2e/browser.mjs`, in each of [`MODES`]: plain HTTP, HTTPS on two
//! host names, and HTTPS with a wrong cookie `Domain`. Writes `target/e2e-<demo>-<mode>.png`.
//! Then `axum-app`'s private video on HTTPS (`xtask/e2e/video.mjs`): a stream made by ffmpeg
//! (as `cargo xtask players` makes it), played by hls.js from npm in both modes, and refused
//! where it must be.

use std::path::Path;
use std::process::Command;

use crate::cmd::{build_programs, root};
use crate::setup;

/// Kills the demo app when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs every demo in every mode in Chromium, and the video in `axum-app`; the number of
/// runs, all passed.
pub fn e2e() -> Result<u64, String> {
    let chromium = setup::chromium()?;
    let dir = setup::playwright()?;
    std::fs::copy(root().join("xtask/e2e/browser.mjs"), dir.join("browser.mjs"))
        .map_err(|e| format!("xtask/e2e/browser.mjs: {e}"))?;
    build_programs()?;
    let (mut passed, mut failed) = (0, Vec::new());
    match video(&dir, &chromium) {
        Ok(runs) => passed += runs,
        Err(e) => {
            eprintln!("e2e video: {e}");
            failed.push("axum-app video".to_owned());
        }
    }
    for demo in ["axum-app", "actix-app"] {
        for mode in &MODES {
            match browse(demo, mode, &dir, &chromium) {
                Ok(()) => passed += 1,
                Err(e) => {
                    eprintln!("e2e {demo} {}: {e}", mode.name);
                    failed.push(format!("{demo} {}", mode.name));
                }
            }
        }
    }
    if failed.is_empty() {
        Ok(passed)
    } else {
        Err(format!("the browser test failed for {}", failed.join(", ")))
    }
}

/// How a demo is run and what the browser must see.
struct Mode {
    name: &'static str,
    args: &'static [&'static str],
    /// The `Domain` the CloudFront cookies carry (`""`: host-only).
    cookie_domain: &'static str,
    secure: bool,
    /// `served`, or `refused` for a configuration that is wrong on purpose.
    expect: &'static str,
    /// What the library must log about the configuration (nothing else starting `cfsign:`).
    warning: Option<&'static str>,
}

const MODES: [Mode; 3] = [
    // Two ports of 127.0.0.1 over plain HTTP, host-only cookies.
    Mode { name: "http", args: &[], cookie_domain: "", secure: false, expect: "served", warning: None },
    // Production's shape: app.cfsign.test and cdn.cfsign.test over HTTPS, Domain=cfsign.test.
    Mode {
        name: "https",
        args: &["--https"],
        cookie_domain: "cfsign.test",
        secure: true,
        expect: "served",
        warning: None,
    },
    // A Domain that is not a parent of the CDN's host: the browser never sends the cookies there.
    Mode {
        name: "https-wrong-domain",
        args: &["--https", "--cookie-domain", "example.org"],
        cookie_domain: "example.org",
        secure: true,
        expect: "refused",
        warning: Some("cookies with Domain=example.org are never sent to cdn.cfsign.test"),
    },
];

/// A demo running on free ports, its output forwarded and collected.
struct Running {
    app: KillOnDrop,
    /// Each line the demo prints, as it prints it.
    lines: std::sync::mpsc::Receiver<String>,
    app_url: String,
    /// The CDN's origin, without a trailing `/`.
    cdn_url: String,
    /// With `--https`: the certificate's SPKI hash, for Chromium to trust.
    spki: Option<String>,
}

impl Running {
    /// Sets the demo's addresses, and for HTTPS the names and the certificate, on `node`.
    fn browser_env(&self, node: &mut Command, chromium: &str) {
        node.env("APP_URL", &self.app_url).env("CDN_URL", &self.cdn_url).env("CHROMIUM", chromium);
        if let Some(spki) = &self.spki {
            node.env("SPKI", spki)
                .env("HOST_RULES", "MAP app.cfsign.test 127.0.0.1, MAP cdn.cfsign.test 127.0.0.1");
        }
    }

    /// Stops the demo; what it printed while the browser ran.
    fn stop(self) -> Vec<String> {
        drop(self.app);
        // The readers end with the process.
        self.lines.iter().collect()
    }
}

/// Starts `demo` with `args` on free ports and waits for it to print where it listens.
fn start(demo: &str, args: &[&str]) -> Result<Running, String> {
    use std::io::{BufRead, BufReader, Read};
    let app = Command::new(root().join("target/debug").join(demo))
        .args(["--app-addr", "127.0.0.1:0", "--cdn-addr", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {demo}: {e}"))?;
    let mut app = KillOnDrop(app);
    // Keep reading the app's output for as long as it runs: a closed pipe would make its next
    // `println!` fail and the app die in the middle of the test.
    let (tx, rx) = std::sync::mpsc::channel();
    let forward = |out: Box<dyn Read + Send>, tx: std::sync::mpsc::Sender<String>| {
        let name = demo.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                eprintln!("[{name}] {line}");
                let _ = tx.send(line);
            }
        });
    };
    forward(Box::new(app.0.stdout.take().ok_or("no stdout")?), tx.clone());
    forward(Box::new(app.0.stderr.take().ok_or("no stderr")?), tx);
    let (mut app_url, mut cdn_url, mut spki) = (None, None, None);
    let https = args.contains(&"--https");
    while app_url.is_none() || cdn_url.is_none() || https && spki.is_none() {
        let line = rx.recv_timeout(std::time::Duration::from_secs(60)).map_err(|_| "did not start")?;
        let url = || line.split_whitespace().nth(1).map(str::to_owned);
        if line.starts_with("app: ") {
            app_url = url();
        } else if line.starts_with("cdn: ") {
            cdn_url = url().map(|u| u.trim_end_matches('/').to_owned());
        } else if line.starts_with("tls: ") {
            spki = line.split_whitespace().last().map(str::to_owned);
        }
    }
    let (app_url, cdn_url) = app_url.zip(cdn_url).ok_or("did not print its addresses")?;
    Ok(Running { app, lines: rx, app_url, cdn_url, spki })
}

/// Starts `demo` in `mode` on free ports, runs `browser.mjs` against it and stops it. The
/// screenshot goes to `target/e2e-<demo>-<mode>.png`.
fn browse(demo: &str, mode: &Mode, dir: &Path, chromium: &str) -> Result<(), String> {
    let running = start(demo, mode.args)?;
    let screenshot = root().join(format!("target/e2e-{demo}-{}.png", mode.name));
    eprintln!(
        "\n==> node browser.mjs ({demo} {}: app {}, cdn {})",
        mode.name, running.app_url, running.cdn_url
    );
    let mut browser = Command::new("node");
    browser
        .arg("browser.mjs")
        .current_dir(dir)
        .env("SCREENSHOT", &screenshot)
        .env("COOKIE_DOMAIN", mode.cookie_domain)
        .env("SECURE", if mode.secure { "1" } else { "" })
        .env("EXPECT", mode.expect);
    running.browser_env(&mut browser, chromium);
    let status = browser.status().map_err(|e| format!("node: {e}"))?;
    let logged = running.stop();
    let warnings: Vec<&String> = logged.iter().filter(|l| l.contains("cfsign:")).collect();
    let named = match mode.warning {
        Some(expected) => {
            let found = warnings.iter().any(|l| l.contains(expected));
            eprintln!("{} the library named the cause: {expected:?}", if found { "ok  " } else { "FAIL" });
            found
        }
        None => {
            eprintln!(
                "{} no configuration warning from the library",
                if warnings.is_empty() { "ok  " } else { "FAIL" }
            );
            warnings.is_empty()
        }
    };
    match (status.success(), named) {
        (true, true) => Ok(()),
        (false, _) => Err("browser checks failed".into()),
        (true, false) => Err(format!("the library's warnings were {warnings:?}")),
    }
}

/// The private video in `axum-app`, production's shape (`--https`, two host names): played in
/// both modes, refused for another user's stream and after sign-out (`video.mjs`, case
/// `watch`); then, with cookies and playlists that last 3 s, refused once they expired (case
/// `expired`). Screenshots go to `target/e2e-video-*.png`.
fn video(dir: &Path, chromium: &str) -> Result<u64, String> {
    let npm = setup::players()?;
    setup::ffmpeg()?;
    let media = crate::players::make_media(&root().join("target/players/media"))?;
    std::fs::copy(root().join("xtask/e2e/video.mjs"), dir.join("video.mjs"))
        .map_err(|e| format!("xtask/e2e/video.mjs: {e}"))?;
    let (stream, hls_js) = (media.join("hls"), npm.join("node_modules/hls.js/dist/hls.min.js"));
    let (stream, hls_js) = (stream.to_string_lossy(), hls_js.to_string_lossy());
    let mut passed = 0;
    for (case, ttl) in [("watch", "3600"), ("expired", "3")] {
        let running =
            start("axum-app", &["--https", "--video", &stream, "--hls-js", &hls_js, "--cookie-ttl", ttl])?;
        eprintln!("\n==> node video.mjs ({case}: app {}, cdn {})", running.app_url, running.cdn_url);
        let mut browser = Command::new("node");
        browser.arg("video.mjs").current_dir(dir).env("CASE", case).env("SCREENSHOTS", root().join("target"));
        running.browser_env(&mut browser, chromium);
        let status = browser.status().map_err(|e| format!("node: {e}"))?;
        let logged = running.stop();
        // The library logs a playlist it cannot sign; the video must give it none.
        let warnings: Vec<&String> = logged.iter().filter(|l| l.contains("cfsign:")).collect();
        if !status.success() || !warnings.is_empty() {
            return Err(format!("the video test failed ({case}; the library's warnings: {warnings:?})"));
        }
        passed += 1;
    }
    Ok(passed)
}

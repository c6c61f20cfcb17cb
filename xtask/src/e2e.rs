//! `cargo xtask e2e`: the browser test. Starts each demo (`examples/axum-app`,
//! `examples/actix-app`) and drives real headless Chromium (Debian's `chromium`, installed with
//! apt-get when missing) with `playwright-core` (installed with npm into `target/e2e/`, never
//! committed) through `xtask/e2e/browser.mjs`. Writes `target/e2e-<demo>.png`.

use std::path::Path;
use std::process::Command;

use crate::cmd::{apt_install, command_exists, root, run};

/// Kills the demo app when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn e2e() -> Result<(), String> {
    let chromium =
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    let chromium = match chromium {
        Some(c) => c.to_owned(),
        None => {
            apt_install(&["chromium"])?;
            "/usr/bin/chromium".to_owned()
        }
    };
    if !command_exists("node", "--version") || !command_exists("npm", "--version") {
        apt_install(&["nodejs", "npm"])?;
    }
    let dir = root().join("target/e2e");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("package.json"), r#"{"private": true, "type": "module"}"#)
        .map_err(|e| e.to_string())?;
    std::fs::copy(root().join("xtask/e2e/browser.mjs"), dir.join("browser.mjs"))
        .map_err(|e| e.to_string())?;
    if !dir.join("node_modules/playwright-core").exists() {
        eprintln!("\n==> npm install playwright-core (into target/e2e)");
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "playwright-core@1"])
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err("npm install playwright-core failed".into());
        }
    }
    // The workspace's feature set, as `cargo test --workspace --all-features` (the CI step
    // before this one) built it: the demos' dependencies are reused instead of rebuilt.
    run(
        &["build", "--workspace", "--all-features", "--bin", "axum-app", "--bin", "actix-app", "--locked"],
        &[],
    )?;
    let mut failed = Vec::new();
    for demo in ["axum-app", "actix-app"] {
        if let Err(e) = browse(demo, &dir, &chromium) {
            eprintln!("e2e {demo}: {e}");
            failed.push(demo);
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(format!("the browser test failed for {}", failed.join(", "))) }
}

/// Starts `demo` on free ports, runs `browser.mjs` against it and stops it. The screenshot
/// goes to `target/e2e-<demo>.png`.
fn browse(demo: &str, dir: &Path, chromium: &str) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let app = Command::new(root().join("target/debug").join(demo))
        .args(["--app-addr", "127.0.0.1:0", "--cdn-addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {demo}: {e}"))?;
    let mut app = KillOnDrop(app);
    let stdout = app.0.stdout.take().ok_or("no stdout")?;
    // Keep reading the app's output for as long as it runs: a closed pipe would make its next
    // `println!` fail and the app die in the middle of the test.
    let (tx, rx) = std::sync::mpsc::channel();
    let name = demo.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            eprintln!("[{name}] {line}");
            let _ = tx.send(line);
        }
    });
    let (mut app_url, mut cdn_url) = (None, None);
    while app_url.is_none() || cdn_url.is_none() {
        let line = rx.recv_timeout(std::time::Duration::from_secs(60)).map_err(|_| "did not start")?;
        let url = || line.split_whitespace().nth(1).map(str::to_owned);
        if line.starts_with("app: ") {
            app_url = url();
        } else if line.starts_with("cdn: ") {
            cdn_url = url().map(|u| u.trim_end_matches('/').to_owned());
        }
    }
    let (app_url, cdn_url) = app_url.zip(cdn_url).ok_or("did not print its addresses")?;
    let screenshot = root().join(format!("target/e2e-{demo}.png"));
    eprintln!("\n==> node browser.mjs ({demo}: app {app_url}, cdn {cdn_url}, {chromium})");
    let status = Command::new("node")
        .arg("browser.mjs")
        .current_dir(dir)
        .env("APP_URL", &app_url)
        .env("CDN_URL", &cdn_url)
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", chromium)
        .status()
        .map_err(|e| format!("node: {e}"))?;
    drop(app);
    if status.success() { Ok(()) } else { Err("browser checks failed".into()) }
}

//! `cargo xtask <task>`: every workflow that is more than one cargo call, so that CI and people
//! run exactly the same thing.
//!
//! - `ci`: format check, clippy (all targets, all features, and the `no_std` feature sets) with
//!   `-D warnings`, the whole test suite, the docs build (`-D warnings`), the `no_std` check, and
//!   every fuzz target for 30 seconds.
//! - `nostd`: builds `xtask/nostd-check`, a `#![no_std]` static library using `cfsign` without
//!   `std`; it fails if any dependency links `std`.
//! - `e2e`: the browser test — starts `examples/axum-app` and drives real headless Chromium
//!   (Debian's `chromium`, installed with apt-get when missing) with `playwright-core` (installed
//!   with npm into `target/e2e/`, never committed). Writes `target/e2e-logged-in.png`.
//! - `fuzz [--secs N] [--target NAME]`: builds and runs every cargo-fuzz target in `fuzz/` for
//!   N seconds each (default 60) on the nightly toolchain, installing `cargo-fuzz` if missing.
//!   New inputs go to `target/fuzz-corpus/`; the committed seeds in `fuzz/corpus/` are read
//!   only. Fails on any crash (the input is left in `fuzz/artifacts/`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("nostd") => nostd(),
        Some("e2e") => e2e(),
        Some("fuzz") => parse_fuzz_args(&args[1..]).and_then(|(secs, target)| fuzz(secs, target.as_deref())),
        _ => {
            eprintln!("usage: cargo xtask <ci | nostd | e2e | fuzz [--secs N] [--target NAME]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `cargo <args>` at the workspace root with extra environment variables.
fn run(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = format!("cargo {}", args.join(" "));
    eprintln!("\n==> {shown}");
    let start = Instant::now();
    let status = Command::new(cargo())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    eprintln!("<== {shown}: {status} in {:.1}s", start.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(format!("`{shown}` failed ({status})")) }
}

fn ci() -> Result<(), String> {
    let start = Instant::now();
    run(&["fmt", "--all", "--", "--check"], &[])?;
    for manifest in ["fuzz/Cargo.toml", "xtask/nostd-check/Cargo.toml"] {
        run(&["fmt", "--manifest-path", manifest, "--", "--check"], &[])?;
    }
    run(
        &["clippy", "--workspace", "--all-targets", "--all-features", "--locked", "--", "-D", "warnings"],
        &[],
    )?;
    for features in [&["--no-default-features", "--features", "rustcrypto"][..], &["--no-default-features"]] {
        let mut args = vec!["clippy", "-p", "cfsign", "--locked"];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--", "-D", "warnings"]);
        run(&args, &[])?;
    }
    let mut tally = Tally::default();
    test(&["test", "--workspace", "--all-features", "--locked"], &mut tally)?;
    // The library's own tests once more without `std` (unblinded RSA path, no OS RNG).
    test(
        &["test", "-p", "cfsign", "--lib", "--no-default-features", "--features", "rustcrypto", "--locked"],
        &mut tally,
    )?;
    run(
        &["doc", "--workspace", "--no-deps", "--all-features", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    nostd()?;
    fuzz(CI_FUZZ_SECS, None)?;
    e2e()?;
    tally.passed += 1; // the browser test
    eprintln!("\nxtask ci: all checks passed in {:.0}s", start.elapsed().as_secs_f64());
    println!("ci: {} passed, {} failed, {} skipped", tally.passed, tally.failed, tally.ignored);
    Ok(())
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    ignored: u64,
}

/// Runs a `cargo test` command, echoing its output and adding up its `test result:` lines.
fn test(args: &[&str], tally: &mut Tally) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let shown = format!("cargo {}", args.join(" "));
    eprintln!("\n==> {shown}");
    let start = Instant::now();
    let mut child = Command::new(cargo())
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                for part in rest.split(['.', ';']) {
                    let mut words = part.split_whitespace();
                    if let (Some(n), Some(what)) = (words.next(), words.next()) {
                        let n: u64 = n.parse().unwrap_or(0);
                        match what {
                            "passed" => tally.passed += n,
                            "failed" => tally.failed += n,
                            "ignored" => tally.ignored += n,
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    let status = child.wait().map_err(|e| format!("`{shown}`: {e}"))?;
    eprintln!("<== {shown}: {status} in {:.1}s", start.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(format!("`{shown}` failed ({status})")) }
}

/// Seconds per fuzz target in `cargo xtask ci`.
const CI_FUZZ_SECS: u64 = 30;

const FUZZ_TARGETS: [&str; 5] =
    ["policy_parse", "cookie_header", "signed_url", "verify_request", "round_trip"];

fn parse_fuzz_args(args: &[String]) -> Result<(u64, Option<String>), String> {
    let (mut secs, mut target) = (60, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--secs" => {
                secs =
                    it.next().and_then(|v| v.parse().ok()).ok_or("--secs needs a whole number of seconds")?;
            }
            "--target" => {
                let t = it.next().ok_or("--target needs a name")?;
                if !FUZZ_TARGETS.contains(&t.as_str()) {
                    return Err(format!("unknown fuzz target {t}; one of {}", FUZZ_TARGETS.join(", ")));
                }
                target = Some(t.clone());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((secs, target))
}

/// A command on the nightly toolchain, without the variables that pin the caller's toolchain.
fn nightly(args: &[&str]) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly"]).args(args).current_dir(root());
    for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC", "RUSTDOC", "CARGO_TARGET_DIR", "RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd
}

fn fuzz(secs: u64, only: Option<&str>) -> Result<(), String> {
    let has_fuzz = nightly(&["cargo", "fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_fuzz {
        run(&["install", "cargo-fuzz", "--locked"], &[])?;
    }
    let fuzz_target_dir = root().join("target/fuzz");
    let fuzz_target_dir = fuzz_target_dir.to_string_lossy().into_owned();
    let mut summary = Vec::new();
    for target in FUZZ_TARGETS.iter().filter(|t| only.is_none_or(|o| o == **t)) {
        let corpus = root().join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let seeds = format!("fuzz/corpus/{target}");
        let budget = format!("-max_total_time={secs}");
        let corpus = corpus.to_string_lossy().into_owned();
        let args = [
            "cargo",
            "fuzz",
            "run",
            "--fuzz-dir",
            "fuzz",
            "--target-dir",
            &fuzz_target_dir,
            target,
            &corpus,
            &seeds,
            "--",
            &budget,
            "-timeout=20",
            "-print_final_stats=1",
        ];
        eprintln!("\n==> {}", args.join(" "));
        let start = Instant::now();
        let out =
            nightly(&args).stdout(std::process::Stdio::inherit()).output().map_err(|e| e.to_string())?;
        let log = String::from_utf8_lossy(&out.stderr);
        let log_dir = root().join("target/fuzz-logs");
        let _ = std::fs::create_dir_all(&log_dir);
        let _ = std::fs::write(log_dir.join(format!("{target}.log")), log.as_bytes());
        let stat = |name: &str| {
            log.lines()
                .rev()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
                .unwrap_or_default()
        };
        let cov = log
            .lines()
            .rev()
            .find_map(|l| {
                l.split("cov: ").nth(1).and_then(|r| r.split_whitespace().next()).map(str::to_owned)
            })
            .unwrap_or_default();
        let line = format!(
            "{target}: {} runs, coverage {cov} edges, {} new corpus entries, {:.0}s",
            stat("stat::number_of_executed_units:"),
            stat("stat::new_units_added:"),
            start.elapsed().as_secs_f64()
        );
        eprintln!("<== {line}");
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            return Err(format!(
                "fuzz target {target} failed ({}); crash input in fuzz/artifacts/{target}/",
                out.status
            ));
        }
        summary.push(line);
    }
    eprintln!("\nfuzzing summary ({secs}s per target):\n  {}", summary.join("\n  "));
    Ok(())
}

fn command_exists(cmd: &str, arg: &str) -> bool {
    Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success())
}

/// Installs Debian packages (CI runs as root on a fresh machine).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    eprintln!("\n==> apt-get install {}", packages.join(" "));
    let update =
        Command::new("apt-get").args(["update", "-qq"]).status().map_err(|e| format!("apt-get: {e}"))?;
    if !update.success() {
        return Err("apt-get update failed".into());
    }
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("apt-get: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("apt-get install {} failed", packages.join(" "))) }
}

/// Kills the demo app when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn e2e() -> Result<(), String> {
    use std::io::{BufRead, BufReader};
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
    run(&["build", "-p", "axum-app", "--locked"], &[])?;
    let app = Command::new(root().join("target/debug/axum-app"))
        .args(["--app-addr", "127.0.0.1:0", "--cdn-addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start axum-app: {e}"))?;
    let mut app = KillOnDrop(app);
    let stdout = app.0.stdout.take().ok_or("no stdout from axum-app")?;
    // Keep reading the app's output for as long as it runs: a closed pipe would make its next
    // `println!` fail and the app die in the middle of the test.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            eprintln!("[axum-app] {line}");
            let _ = tx.send(line);
        }
    });
    let (mut app_url, mut cdn_url) = (None, None);
    while app_url.is_none() || cdn_url.is_none() {
        let line =
            rx.recv_timeout(std::time::Duration::from_secs(60)).map_err(|_| "axum-app did not start")?;
        let url = || line.split_whitespace().nth(1).map(str::to_owned);
        if line.starts_with("app: ") {
            app_url = url();
        } else if line.starts_with("cdn: ") {
            cdn_url = url().map(|u| u.trim_end_matches('/').to_owned());
        }
    }
    let (app_url, cdn_url) = app_url.zip(cdn_url).ok_or("axum-app did not print its addresses")?;
    let screenshot = root().join("target/e2e-logged-in.png");
    eprintln!("\n==> node browser.mjs (app {app_url}, cdn {cdn_url}, {chromium})");
    let status = Command::new("node")
        .arg("browser.mjs")
        .current_dir(&dir)
        .env("APP_URL", &app_url)
        .env("CDN_URL", &cdn_url)
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", &chromium)
        .status()
        .map_err(|e| format!("node: {e}"))?;
    drop(app);
    if status.success() { Ok(()) } else { Err("the browser test failed".into()) }
}

fn nostd() -> Result<(), String> {
    let target = root().join("target");
    let target = target.to_string_lossy();
    run(
        &["build", "--manifest-path", "xtask/nostd-check/Cargo.toml", "--target-dir", &target, "--locked"],
        &[],
    )
}

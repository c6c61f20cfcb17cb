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
//! - `bench-report`: runs the criterion benches and `openssl speed rsa2048 ecdsap256` on one
//!   core in the same run, plus botocore and `@aws-sdk/cloudfront-signer` where Python and Node
//!   exist (installed into `target/bench/`, never committed), and writes
//!   `target/bench-report.md` with ops/s and the ratios.
//! - `load`: loopback load test with `wrk` (installed with apt-get when missing): `GET /me` with
//!   valid cookies on the same axum app with and without the layer, alternating runs, server on
//!   CPU 0 and wrk on CPU 1; reports throughput, the ratio and p99.
//! - `instr`: the same twins under callgrind (valgrind, installed with apt-get when missing):
//!   user-space instructions per request, bare and layered — repeatable to about ten,
//!   where throughput on a shared machine moves by a point or two between runs. Writes
//!   `target/instr-report.md`.
//! - `fuzz [--secs N] [--target NAME]`: builds and runs every cargo-fuzz target in `fuzz/` for
//!   N seconds each (default 60) on the nightly toolchain, installing `cargo-fuzz` if missing.
//!   New inputs go to `target/fuzz-corpus/`; the committed seeds in `fuzz/corpus/` are read
//!   only. Fails on any crash (the input is left in `fuzz/artifacts/`).
//! - `audit`: supply-chain checks, installing pinned `cargo-deny` and `cargo-audit` when
//!   missing: `cargo deny check licenses bans sources` against `deny.toml`, then `cargo audit`
//!   of every committed `Cargo.lock` against an offline RustSec snapshot — `$CFSIGN_ADVISORY_DB`,
//!   else `../shared/advisory-db`, else the one committed in `supply-chain/` —
//!   `--no-fetch --stale --deny warnings`, ignoring only RUSTSEC-2023-0071 (justified in
//!   `docs/security.md`). It prints the snapshot it used.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("nostd") => nostd(),
        Some("e2e") => e2e(),
        Some("bench-report") => bench_report(),
        Some("load") => load(),
        Some("instr") => instr(),
        Some("audit") => audit(),
        Some("fuzz") => parse_fuzz_args(&args[1..]).and_then(|(secs, target)| fuzz(secs, target.as_deref())),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | nostd | e2e | bench-report | load | instr | audit | fuzz [--secs N] [--target NAME]>"
            );
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
    audit()?;
    run(
        &["clippy", "--workspace", "--all-targets", "--all-features", "--locked", "--", "-D", "warnings"],
        &[],
    )?;
    for features in [
        &["--no-default-features", "--features", "rustcrypto"][..],
        &["--no-default-features", "--features", "aws-lc"],
        &["--no-default-features"],
    ] {
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

/// Tools of `cargo xtask audit`, pinned so that CI checks with the same rules every time, with
/// the install flags that keep their build short (cargo-audit's default feature only adds
/// binary scanning, which we do not use).
const CARGO_DENY: (&str, &str, &[&str]) = ("cargo-deny", "0.20.2", &[]);
const CARGO_AUDIT: (&str, &str, &[&str]) = ("cargo-audit", "0.22.2", &["--no-default-features"]);

/// The RustSec snapshot committed with the project (see `supply-chain/README.md`).
const ADVISORY_SNAPSHOT: &str = "supply-chain/rustsec-advisory-db-bf5c0d24.tar.gz";

/// The advisory database to check against: `$CFSIGN_ADVISORY_DB`, else `../shared/advisory-db`
/// next to the checkout, else the committed snapshot unpacked into `target/advisory-db/`.
fn advisory_db() -> Result<Option<PathBuf>, String> {
    let is_db = |p: &Path| p.join("crates").is_dir();
    if let Some(explicit) = std::env::var_os("CFSIGN_ADVISORY_DB").map(PathBuf::from) {
        return if is_db(&explicit) {
            Ok(Some(explicit))
        } else {
            Err(format!("CFSIGN_ADVISORY_DB={} is not a RustSec database (no crates/)", explicit.display()))
        };
    }
    let shared = root().join("../shared/advisory-db");
    if is_db(&shared) {
        return Ok(Some(shared));
    }
    let archive = root().join(ADVISORY_SNAPSHOT);
    if !archive.is_file() {
        return Ok(None);
    }
    let unpacked = root().join("target/advisory-db");
    let db = unpacked.join("advisory-db");
    if !is_db(&db) {
        std::fs::create_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
        let status = Command::new("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpacked)
            .status()
            .map_err(|e| format!("cannot run tar to unpack {ADVISORY_SNAPSHOT}: {e}"))?;
        if !status.success() || !is_db(&db) {
            return Err(format!("could not unpack {ADVISORY_SNAPSHOT} ({status})"));
        }
    }
    Ok(Some(db))
}

/// The only advisory `cargo audit` may find; see docs/security.md for why it does not apply.
const IGNORED_ADVISORIES: [&str; 1] = ["RUSTSEC-2023-0071"];

/// Installs `tool` at `version` unless `cargo <subcommand> --version` already reports it. The
/// build shares one target directory between tools and skips fat LTO (cargo-deny asks for it;
/// a CI machine would spend minutes linking a tool that runs for a second).
fn ensure_tool((tool, version, flags): (&str, &str, &[&str])) -> Result<(), String> {
    let subcommand = tool.trim_start_matches("cargo-");
    let installed = Command::new(cargo())
        .args([subcommand, "--version"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(version));
    if installed {
        return Ok(());
    }
    let target = root().join("target/tools");
    let target = target.to_string_lossy();
    let mut args = vec!["install", tool, "--version", version, "--locked"];
    args.extend_from_slice(flags);
    run(
        &args,
        &[
            ("CARGO_TARGET_DIR", &target),
            ("CARGO_PROFILE_RELEASE_LTO", "false"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ],
    )
}

fn audit() -> Result<(), String> {
    ensure_tool(CARGO_DENY)?;
    run(
        &[
            "deny",
            "--all-features",
            "--locked",
            "check",
            "--hide-inclusion-graph",
            "licenses",
            "bans",
            "sources",
        ],
        &[],
    )?;

    let Some(db) = advisory_db()? else {
        eprintln!(
            "\nxtask audit: SKIPPED the advisory check: no RustSec snapshot (no $CFSIGN_ADVISORY_DB, \
             no ../shared/advisory-db, no {ADVISORY_SNAPSHOT}). Licenses, bans and sources were checked."
        );
        return Ok(());
    };
    // Say which snapshot decided: its README names the advisory-db commit and date.
    let readme = std::fs::read_to_string(db.join("README.md")).unwrap_or_default();
    let snapshot =
        readme.split_whitespace().skip_while(|w| *w != "commit").take(3).collect::<Vec<_>>().join(" ");
    let snapshot = snapshot.trim_end_matches([',', '.']).to_owned();
    let db = db.canonicalize().unwrap_or(db);
    let shown = if snapshot.is_empty() { "(no README)".to_owned() } else { snapshot };
    eprintln!("\nxtask audit: RustSec snapshot {} at {shown}", db.display());
    ensure_tool(CARGO_AUDIT)?;
    let db = db.to_string_lossy().into_owned();
    for lockfile in ["Cargo.lock", "fuzz/Cargo.lock", "xtask/nostd-check/Cargo.lock"] {
        let mut args =
            vec!["audit", "--db", &db, "--no-fetch", "--stale", "--deny", "warnings", "--file", lockfile];
        for id in IGNORED_ADVISORIES {
            args.extend(["--ignore", id]);
        }
        run(&args, &[])?;
    }
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

const FUZZ_TARGETS: [&str; 7] = [
    "policy_parse",
    "cookie_header",
    "signed_url",
    "verify_request",
    "round_trip",
    "issuer_cookies",
    "request_target",
];

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

/// A command pinned to CPU 0 when `taskset` exists, so every figure comes from the same core.
fn pinned(program: &str) -> Command {
    if command_exists("taskset", "--version") {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", program]);
        c
    } else {
        Command::new(program)
    }
}

/// `(id, mean nanoseconds)` of every criterion bench under `target/criterion`.
fn criterion_means() -> Vec<(String, f64)> {
    fn walk(dir: &Path, out: &mut Vec<(String, f64)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.ends_with("new") {
                    let Ok(json) = std::fs::read_to_string(path.join("estimates.json")) else { continue };
                    let mean = json
                        .split_once("\"mean\"")
                        .and_then(|(_, rest)| rest.split_once("\"point_estimate\":"))
                        .and_then(|(_, rest)| rest.split([',', '}']).next())
                        .and_then(|n| n.trim().parse::<f64>().ok());
                    // The directory name is sanitised; the real id is in benchmark.json.
                    let id = std::fs::read_to_string(path.join("benchmark.json")).ok().and_then(|j| {
                        let rest = j.split_once("\"full_id\":\"")?.1;
                        Some(rest.split('"').next()?.to_owned())
                    });
                    if let (Some(id), Some(mean)) = (id, mean) {
                        out.push((id, mean));
                    }
                } else if !path.ends_with("base") && !path.ends_with("change") {
                    walk(&path, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("target/criterion"), &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn bench_report() -> Result<(), String> {
    let cargo_bin = cargo();
    // 1. The Rust benches, on core 0.
    eprintln!("\n==> cargo bench -p cfsign-benches (pinned to CPU 0)");
    let status = pinned(&cargo_bin)
        .args(["bench", "-p", "cfsign-benches", "--bench", "cfsign", "--locked", "--"])
        .args(["--warm-up-time", "1", "--measurement-time", "3"])
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if !status.success() {
        return Err("cargo bench failed".into());
    }
    let means = criterion_means();
    let ops = |id: &str| means.iter().find(|(i, _)| i == id).map(|(_, ns)| 1e9 / ns);

    // 2. openssl speed, same core, right after.
    eprintln!("\n==> openssl speed -seconds 5 rsa2048 ecdsap256 (pinned to CPU 0)");
    let out = pinned("openssl")
        .args(["speed", "-seconds", "5", "rsa2048", "ecdsap256"])
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers = |prefix: &str| -> Option<(f64, f64)> {
        let line = text.lines().find(|l| l.trim_start().starts_with(prefix))?;
        let nums: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        let n = nums.len();
        (n >= 2).then(|| (nums[n - 2], nums[n - 1]))
    };
    let rsa = numbers("rsa 2048 bits").ok_or_else(|| format!("cannot read openssl speed output:\n{text}"))?;
    let ec = numbers("256 bits ecdsa").ok_or_else(|| format!("cannot read openssl speed output:\n{text}"))?;

    // 3. The AWS SDKs, where their runtimes exist.
    let key = root().join("crates/cfsign/tests/data/rsa-2048-pkcs1.pem");
    let key = key.to_string_lossy().into_owned();
    let bench_dir = root().join("target/bench");
    let _ = std::fs::create_dir_all(&bench_dir);
    let botocore = (|| -> Option<f64> {
        command_exists("python3", "--version").then_some(())?;
        let venv = bench_dir.join("venv");
        if !venv.join("bin/python").exists() {
            Command::new("python3").args(["-m", "venv"]).arg(&venv).status().ok()?.success().then_some(())?;
            let pip = Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "botocore", "rsa"])
                .status()
                .ok()?;
            pip.success().then_some(())?;
        }
        let script = root().join("xtask/bench/botocore_cookies.py");
        let out = pinned(&venv.join("bin/python").to_string_lossy())
            .arg(script)
            .args([&key, "10"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    })();
    let js = (|| -> Option<f64> {
        command_exists("node", "--version").then_some(())?;
        let dir = bench_dir.join("js");
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(dir.join("package.json"), r#"{"private": true, "type": "module"}"#).ok()?;
        std::fs::copy(root().join("xtask/bench/js_cookies.mjs"), dir.join("js_cookies.mjs")).ok()?;
        if !dir.join("node_modules/@aws-sdk/cloudfront-signer").exists() {
            let s = Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "@aws-sdk/cloudfront-signer@3",
                ])
                .current_dir(&dir)
                .status()
                .ok()?;
            s.success().then_some(())?;
        }
        let out = pinned("node").arg("js_cookies.mjs").args([&key, "10"]).current_dir(&dir).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    })();

    // 4. The report.
    let f = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "n/a".to_owned(),
    };
    let mut md = String::from("# cfsign bench report\n\n");
    md.push_str("All figures from one run on one core (CPU 0 via taskset when available); ops/s = 1 / criterion mean.\n\n");
    md.push_str("## Signing and verification vs `openssl speed` (native limit)\n\n");
    md.push_str("| operation | openssl ops/s | aws-lc ops/s | aws-lc / openssl | rustcrypto ops/s | rustcrypto / openssl |\n|---|---|---|---|---|---|\n");
    for (label, group, kind, native) in [
        ("RSA-2048 sign (SHA-256)", "sign", "rsa2048/sha256", rsa.0),
        ("RSA-2048 verify (SHA-256)", "verify", "rsa2048/sha256", rsa.1),
        ("ECDSA P-256 sign (SHA-256)", "sign", "p256/sha256", ec.0),
        ("ECDSA P-256 verify (SHA-256)", "verify", "p256/sha256", ec.1),
        ("RSA-2048 sign (SHA-1)", "sign", "rsa2048/sha1", rsa.0),
        ("ECDSA P-256 sign (SHA-1)", "sign", "p256/sha1", ec.0),
    ] {
        let a = ops(&format!("{group}/aws-lc/{kind}"));
        let r = ops(&format!("{group}/rustcrypto/{kind}"));
        md.push_str(&format!(
            "| {label} | {native:.0} | {} | {} | {} | {} |\n",
            f(a),
            ratio(a, Some(native)),
            f(r),
            ratio(r, Some(native))
        ));
    }
    md.push_str("\n## A custom-policy cookie set (RSA-2048, SHA-1) vs the AWS SDKs\n\n| signer | cookie sets/s | cfsign aws-lc / it |\n|---|---|---|\n");
    let ours = ops("cookie_set_custom/aws-lc/rsa2048/sha1");
    let ours_rc = ops("cookie_set_custom/rustcrypto/rsa2048/sha1");
    md.push_str(&format!("| cfsign aws-lc | {} | 1.00 |\n", f(ours)));
    md.push_str(&format!("| cfsign rustcrypto | {} | {} |\n", f(ours_rc), ratio(ours, ours_rc)));
    md.push_str(&format!(
        "| botocore CloudFrontSigner (+ rsa) | {} | {} |\n",
        f(botocore),
        ratio(ours, botocore)
    ));
    md.push_str(&format!(
        "| @aws-sdk/cloudfront-signer getSignedCookies | {} | {} |\n",
        f(js),
        ratio(ours, js)
    ));
    md.push_str("\n## Middleware\n\n| measure | value |\n|---|---|\n");
    let ns = |id: &str| means.iter().find(|(i, _)| i == id).map(|(_, ns)| *ns);
    for id in ["issuer/no_refresh_due", "issuer/anonymous", "issuer/refresh_due_cached"] {
        md.push_str(&format!(
            "| {id} | {} ns |\n",
            ns(id).map_or_else(|| "n/a".into(), |v| format!("{v:.0}"))
        ));
    }
    let bare = ops("axum_request/bare");
    let layered = ops("axum_request/with_layer_no_refresh");
    md.push_str(&format!(
        "| axum oneshot: bare / with layer ops/s | {} / {} (layered keeps {}) |\n",
        f(bare),
        f(layered),
        ratio(layered, bare)
    ));
    md.push_str("\n## Every bench\n\n| bench | mean | ops/s |\n|---|---|---|\n");
    for (id, mean) in &means {
        md.push_str(&format!("| {id} | {mean:.0} ns | {:.0} |\n", 1e9 / mean));
    }
    let path = root().join("target/bench-report.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{md}");
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// `(requests/s, p99 in µs)` of one `wrk -t1 -c32` run on CPU 1.
fn wrk(url: &str, cookie: &str, secs: u32) -> Result<(f64, f64), String> {
    let mut cmd = if command_exists("taskset", "--version") {
        let mut c = Command::new("taskset");
        c.args(["-c", "1", "wrk"]);
        c
    } else {
        Command::new("wrk")
    };
    let out = cmd
        .args(["-t1", "-c32", &format!("-d{secs}s"), "--latency", "-H", &format!("Cookie: {cookie}"), url])
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("cannot read wrk output:\n{text}"))?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("99%"))
        .and_then(|v| micros(v.trim()))
        .ok_or_else(|| format!("cannot read the p99 in wrk output:\n{text}"))?;
    Ok((rps, p99))
}

/// A wrk duration (`340.00us`, `1.20ms`, `2.00s`) in microseconds.
fn micros(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let factor = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        _ => return None,
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn env_u32(name: &str, default: u32) -> Result<u32, String> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| format!("{name}={v:?} is not a whole number")),
        Err(_) => Ok(default),
    }
}

/// One wrk run: requests/s and p99 in µs.
type Run = (f64, f64);
/// One pair's rounds: `(bare, layered)` per round.
type Rounds = Vec<(Run, Run)>;

/// A round's layered throughput as a percentage of its bare one.
fn kept_percent((bare, layered): &(Run, Run)) -> f64 {
    100.0 * layered.0 / bare.0
}

/// The load-test server's pairs of twins: name and what the pair shows.
const LOAD_PAIRS: [(&str, &str); 3] = [
    ("example", "the axum example's `GET /me` (demo auth; JSON)"),
    ("minimal", "a handler returning a constant (worst case for the layer's share)"),
    ("noop", "the same handler under a do-nothing layer (what `Router::layer` itself costs)"),
];

/// Builds and starts `load-server` through `start` (e.g. [`pinned`]), and reads what it prints:
/// each pair's bare and layered address and its cookie, by `<pair>-<what>`.
fn start_load_server(
    start: impl FnOnce(&str) -> Command,
) -> Result<(KillOnDrop, std::collections::HashMap<String, String>), String> {
    use std::io::{BufRead, BufReader};
    run(&["build", "--release", "-p", "cfsign-benches", "--bin", "load-server", "--locked"], &[])?;
    let server = start(&root().join("target/release/load-server").to_string_lossy())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("load-server: {e}"))?;
    let mut server = KillOnDrop(server);
    let stdout = server.0.stdout.take().ok_or("no stdout from load-server")?;
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let mut said = std::collections::HashMap::new();
    for _ in 0..3 * LOAD_PAIRS.len() {
        let line = lines.next().ok_or("load-server did not start")?;
        let (key, value) = line.split_once(' ').ok_or_else(|| format!("unexpected line {line:?}"))?;
        said.insert(key.to_owned(), value.to_owned());
    }
    Ok((server, said))
}

fn load() -> Result<(), String> {
    let rounds = env_u32("CFSIGN_LOAD_ROUNDS", 10)?;
    let secs = env_u32("CFSIGN_LOAD_SECS", 3)?;
    if !command_exists("wrk", "--version") && !Path::new("/usr/bin/wrk").exists() {
        apt_install(&["wrk"])?;
    }
    let (server, said) = start_load_server(pinned)?;
    let pairs = LOAD_PAIRS;
    let get = |key: &str| said.get(key).cloned().ok_or_else(|| format!("load-server did not say {key}"));
    let mut results: Vec<(&str, &str, Rounds)> = Vec::new();
    for (name, what) in pairs {
        let (bare, layered) = (
            format!("http://{}/me", get(&format!("{name}-bare"))?),
            format!("http://{}/me", get(&format!("{name}-layered"))?),
        );
        let cookie = get(&format!("{name}-cookie"))?;
        wrk(&bare, &cookie, 2)?;
        wrk(&layered, &cookie, 2)?;
        let mut runs = Rounds::new();
        for round in 0..rounds {
            // Pairs of runs back to back, in alternating order: the host's speed drifts, and a
            // ratio within a pair is far steadier than one between averages.
            let (b, l) = if round % 2 == 0 {
                let b = wrk(&bare, &cookie, secs)?;
                (b, wrk(&layered, &cookie, secs)?)
            } else {
                let l = wrk(&layered, &cookie, secs)?;
                (wrk(&bare, &cookie, secs)?, l)
            };
            runs.push((b, l));
            eprintln!(
                "{name} round {}: bare {:.0} req/s, layered {:.0} req/s ({:.1} %)",
                round + 1,
                b.0,
                l.0,
                kept_percent(&(b, l))
            );
        }
        results.push((name, what, runs));
    }
    drop(server);
    let mut md = format!(
        "# cfsign loopback load test\n\n`GET /me` with valid, fresh CloudFront cookies (the no-refresh path); server on CPU 0 (one tokio worker), `wrk -t1 -c32` on CPU 1. Per pair, {rounds} rounds of a bare run and a layered run, {secs} s each, back to back in alternating order, after a 2 s warm-up of each.\n\n| app | median ratio layered / bare | ratios, min – max | median req/s bare / layered | median p99 bare / layered |\n|---|---|---|---|---|\n",
    );
    for (name, what, runs) in &results {
        let mut ratios: Vec<f64> = runs.iter().map(kept_percent).collect();
        let (min, max) = ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        let column = |f: fn(&(Run, Run)) -> f64| median(&mut runs.iter().map(f).collect::<Vec<_>>());
        let (brps, lrps, bp99, lp99) =
            (column(|r| r.0.0), column(|r| r.1.0), column(|r| r.0.1), column(|r| r.1.1));
        md.push_str(&format!(
            "| {name}: {what} | **{:.1} %** | {min:.1} – {max:.1} % | {brps:.0} / {lrps:.0} | {bp99:.0} / {lp99:.0} µs |\n",
            median(&mut ratios)
        ));
    }
    md.push_str("\nPer round (layered / bare, %):\n\n");
    for (name, _, runs) in &results {
        let all: Vec<String> = runs.iter().map(|r| format!("{:.1}", kept_percent(r))).collect();
        md.push_str(&format!("- {name}: {}\n", all.join(", ")));
    }
    let path = root().join("target/load-report.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{md}");
    Ok(())
}

/// The instructions a callgrind dump counts in the C allocator's own functions (self cost,
/// not what they call): they depend on the heap's state as much as on the code measured.
fn allocator_instructions(dump: &str) -> f64 {
    const ALLOCATOR: [&str; 14] = [
        "malloc",
        "_int_malloc",
        "free",
        "cfree",
        "_int_free",
        "realloc",
        "_int_realloc",
        "malloc_consolidate",
        "unlink_chunk.constprop.0",
        "_int_free_merge_chunk",
        "_int_free_create_chunk",
        "_int_free_maybe_consolidate",
        "sysmalloc",
        "tcache_init",
    ];
    // Names are compressed: `fn=(id) name` the first time, `fn=(id)` after; `cfn=` names a
    // callee. A cost line after `calls=` is the call's inclusive cost, not the function's own.
    let mut names = std::collections::HashMap::new();
    let (mut current, mut after_call, mut sum) = (None, false, 0.0);
    for line in dump.lines() {
        if let Some(rest) = line.strip_prefix("fn=").or_else(|| line.strip_prefix("cfn=")) {
            let (id, name) = rest.split_once(' ').map_or((rest, None), |(i, n)| (i, Some(n)));
            if let Some(name) = name {
                names.insert(id.to_owned(), name.to_owned());
            }
            if line.starts_with("fn=") {
                current = names.get(id).map(|n| ALLOCATOR.contains(&n.as_str()));
            }
        } else if line.starts_with("calls=") {
            after_call = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '*')
            && !std::mem::take(&mut after_call)
            && current == Some(true)
        {
            sum += line.split_whitespace().nth(1).and_then(|c| c.parse::<f64>().ok()).unwrap_or(0.0);
        }
    }
    sum
}

/// `GET /me` `n` times on one keep-alive connection to `addr`; every answer must be a 200
/// without `Set-Cookie` (the no-refresh path).
fn get_me(addr: &str, cookie: &str, n: u32) -> Result<(), String> {
    use std::io::{BufRead, BufReader, Read, Write};
    let io = |e: std::io::Error| format!("{addr}: {e}");
    let mut stream = std::net::TcpStream::connect(addr).map_err(io)?;
    let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
    let request = format!("GET /me HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    let mut line = String::new();
    for _ in 0..n {
        stream.write_all(request.as_bytes()).map_err(io)?;
        line.clear();
        reader.read_line(&mut line).map_err(io)?;
        if !line.starts_with("HTTP/1.1 200") {
            return Err(format!("{addr}: answered {line:?}"));
        }
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(io)?;
            let header = line.trim_end().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if header.starts_with("set-cookie:") {
                return Err(format!("{addr}: set cookies, so this is not the no-refresh path"));
            }
            if let Some(v) = header.strip_prefix("content-length:") {
                length = v.trim().parse().map_err(|_| format!("{addr}: bad {header:?}"))?;
            }
        }
        reader.read_exact(&mut vec![0; length]).map_err(io)?;
    }
    Ok(())
}

/// `cargo xtask instr`: user-space instructions per request of each load-test twin, counted
/// by callgrind — unlike throughput, the same on every run of the same binary, whatever else
/// the machine does, so it shows small changes the loopback test's noise hides.
fn instr() -> Result<(), String> {
    let requests = env_u32("CFSIGN_INSTR_REQUESTS", 2000)?;
    if !command_exists("valgrind", "--version") {
        apt_install(&["valgrind"])?;
    }
    let dir = root().join("target/instr");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let out_file = format!("--callgrind-out-file={}", dir.join("callgrind.out").display());
    let (server, said) = start_load_server(|server| {
        let mut c = Command::new("valgrind");
        c.args(["-q", "--tool=callgrind", &out_file, server]);
        c
    })?;
    let pid = server.0.id().to_string();
    let get = |key: &str| said.get(key).cloned().ok_or_else(|| format!("load-server did not say {key}"));
    let control = |args: &[&str]| -> Result<(), String> {
        let out =
            Command::new("callgrind_control").args(args).arg(&pid).output().map_err(|e| e.to_string())?;
        out.status.success().then_some(()).ok_or_else(|| format!("callgrind_control {args:?} failed"))
    };
    for (name, _) in LOAD_PAIRS {
        let cookie = get(&format!("{name}-cookie"))?;
        for kind in ["bare", "layered"] {
            let addr = get(&format!("{name}-{kind}"))?;
            get_me(&addr, &cookie, 200)?;
            control(&["--zero"])?;
            get_me(&addr, &cookie, requests)?;
            control(&["--dump", &format!("{name}-{kind}")])?;
        }
    }
    drop(server);
    // Each dump: `desc: Trigger: ... <name>` and `summary: <instructions>`.
    let mut counts = std::collections::HashMap::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())?.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let field = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).map(str::trim);
        let name = field("desc: Trigger:").and_then(|t| t.split_whitespace().last());
        let total = field("summary:").or_else(|| field("totals:")).and_then(|t| t.parse::<f64>().ok());
        if let (Some(name), Some(total)) = (name, total) {
            let per = |n: f64| n / f64::from(requests);
            counts.insert(name.to_owned(), (per(total), per(allocator_instructions(&text))));
        }
    }
    let mut md = format!(
        "# cfsign instructions per request\n\n`GET /me` with valid, fresh cookies, {requests} requests on one keep-alive connection after 200 to warm up; user-space instructions of the server (callgrind: the kernel's share is not counted), per request. The allocator's share (glibc `malloc`, `free` and their helpers) moves by a few hundred instructions between twins and builds with the heap's state, so the last column leaves it out: that is the code's own cost.\n\n| app | bare | layered | added by the layer | added, allocator left out |\n|---|---|---|---|---|\n"
    );
    for (name, what) in LOAD_PAIRS {
        let count = |kind: &str| {
            counts.get(&format!("{name}-{kind}")).copied().ok_or(format!("no dump for {name}-{kind}"))
        };
        let ((bare, bare_alloc), (layered, layered_alloc)) = (count("bare")?, count("layered")?);
        md.push_str(&format!(
            "| {name}: {what} | {bare:.0} | {layered:.0} | {:.0} ({:+.1} %) | {:.0} |\n",
            layered - bare,
            100.0 * (layered - bare) / bare,
            (layered - layered_alloc) - (bare - bare_alloc)
        ));
    }
    let path = root().join("target/instr-report.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{md}");
    Ok(())
}

fn nostd() -> Result<(), String> {
    let target = root().join("target");
    let target = target.to_string_lossy();
    run(
        &["build", "--manifest-path", "xtask/nostd-check/Cargo.toml", "--target-dir", &target, "--locked"],
        &[],
    )
}

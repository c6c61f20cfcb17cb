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
//! - `bench-report`: runs the criterion benches, the middleware beside its peers
//!   (`benches/peers.rs`: tower-cookies, axum-extra's `CookieJar`, tower-sessions; written to
//!   `target/peer-bench.md`) and `openssl speed rsa2048 ecdsap256` on one core in the same run,
//!   plus botocore and `@aws-sdk/cloudfront-signer` where Python and Node exist (installed into
//!   `target/bench/`, never committed), and writes `target/bench-report.md` with ops/s and the
//!   ratios.
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
        Some("audit") => audit(),
        Some("fuzz") => parse_fuzz_args(&args[1..]).and_then(|(secs, target)| fuzz(secs, target.as_deref())),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | nostd | e2e | bench-report | audit | fuzz [--secs N] [--target NAME]>"
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

    // 1b. The middleware beside its peers (tower-cookies, axum-extra, tower-sessions), same core.
    eprintln!("\n==> cargo bench -p cfsign-benches --bench peers (pinned to CPU 0)");
    let peers_path = root().join("target/peer-bench.md");
    let status = pinned(&cargo_bin)
        .args(["bench", "-p", "cfsign-benches", "--bench", "peers", "--locked"])
        .env("PEER_BENCH_OUT", &peers_path)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo bench --bench peers: {e}"))?;
    if !status.success() {
        return Err("the peer bench failed".into());
    }
    let peers = std::fs::read_to_string(&peers_path).map_err(|e| format!("{}: {e}", peers_path.display()))?;

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
    // The peer bench's own report, one heading level down.
    md.push_str(&format!("\n#{peers}"));
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

fn nostd() -> Result<(), String> {
    let target = root().join("target");
    let target = target.to_string_lossy();
    run(
        &["build", "--manifest-path", "xtask/nostd-check/Cargo.toml", "--target-dir", &target, "--locked"],
        &[],
    )
}

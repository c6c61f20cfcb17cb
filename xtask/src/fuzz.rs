//! `cargo xtask fuzz [--secs N] [--target NAME]`: builds and runs every cargo-fuzz target in
//! `fuzz/` for N seconds each (default 60) on the nightly toolchain, installing it and a pinned
//! `cargo-fuzz` when missing. New inputs go to `target/fuzz-corpus/`; the committed seeds in
//! `fuzz/corpus/` are read only. Fails on any crash (the input is left in `fuzz/artifacts/`).
//! Each target's libFuzzer log is kept in `target/fuzz-logs/`. Targets run side by side, one
//! per core.

use std::time::Instant;

use crate::cmd::{nightly, root};
use crate::setup::{self, ensure_cargo_tool};

/// cargo-fuzz, pinned like the other tools.
const CARGO_FUZZ: (&str, &str) = ("cargo-fuzz", "0.13.2");

/// Seconds per fuzz target in `cargo xtask ci`.
pub const CI_FUZZ_SECS: u64 = 30;

const FUZZ_TARGETS: [&str; 9] = [
    "policy_parse",
    "cookie_header",
    "signed_url",
    "verify_request",
    "round_trip",
    "issuer_cookies",
    "request_target",
    "hls_playlist",
    "dash_mpd",
];

pub fn parse_fuzz_args(args: &[String]) -> Result<(u64, Option<String>), String> {
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

pub fn fuzz(secs: u64, only: Option<&str>) -> Result<(), String> {
    setup::nightly()?;
    ensure_cargo_tool(CARGO_FUZZ.0, CARGO_FUZZ.1)?;
    let fuzz_target_dir = root().join("target/fuzz").to_string_lossy().into_owned();
    let targets: Vec<&str> = FUZZ_TARGETS.into_iter().filter(|t| only.is_none_or(|o| o == *t)).collect();
    // Every target built first, with the options `cargo fuzz run` uses (so it rebuilds
    // nothing); then as many run at once as there are cores: each is one process on one core,
    // and the CI machine has two.
    let mut build = vec!["cargo", "fuzz", "build", "--fuzz-dir", "fuzz", "--target-dir", &fuzz_target_dir];
    if let [one] = targets[..] {
        build.push(one);
    }
    eprintln!("\n==> {}", build.join(" "));
    let built = nightly(&build).status().map_err(|e| e.to_string())?;
    if !built.success() {
        return Err(format!("cargo fuzz build failed ({built})"));
    }
    let jobs = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut summary = Vec::new();
    for batch in targets.chunks(jobs) {
        let results: Vec<Result<String, String>> = std::thread::scope(|scope| {
            let running: Vec<_> = batch
                .iter()
                .map(|target| scope.spawn(|| run_target(target, secs, &fuzz_target_dir)))
                .collect();
            running
                .into_iter()
                .map(|r| r.join().unwrap_or_else(|_| Err("a fuzz runner panicked".into())))
                .collect()
        });
        for result in results {
            summary.push(result?);
        }
    }
    eprintln!("\nfuzzing summary ({secs}s per target, {jobs} at a time):\n  {}", summary.join("\n  "));
    Ok(())
}

/// Runs one target for `secs`; its summary line, or why it failed.
fn run_target(target: &str, secs: u64, fuzz_target_dir: &str) -> Result<String, String> {
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
        fuzz_target_dir,
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
    let out = nightly(&args).output().map_err(|e| e.to_string())?;
    let log = String::from_utf8_lossy(&out.stderr);
    let log_dir = root().join("target/fuzz-logs");
    let _ = std::fs::create_dir_all(&log_dir);
    let _ = std::fs::write(log_dir.join(format!("{target}.log")), log.as_bytes());
    let stat = |name: &str| {
        log.lines().rev().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned())).unwrap_or_default()
    };
    let cov = log
        .lines()
        .rev()
        .find_map(|l| l.split("cov: ").nth(1).and_then(|r| r.split_whitespace().next()).map(str::to_owned))
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
    Ok(line)
}

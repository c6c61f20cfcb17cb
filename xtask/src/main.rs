//! `cargo xtask <task>`: every workflow that is more than one cargo call, so that CI and people
//! run exactly the same thing.
//!
//! - `ci`: format check, clippy (all targets, all features, and the `no_std` feature sets) with
//!   `-D warnings`, the whole test suite, the docs build (`-D warnings`) and the `no_std` check.
//! - `nostd`: builds `xtask/nostd-check`, a `#![no_std]` static library using `cfsign` without
//!   `std`; it fails if any dependency links `std`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("nostd") => nostd(),
        _ => {
            eprintln!("usage: cargo xtask <ci | nostd>");
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

fn nostd() -> Result<(), String> {
    let target = root().join("target");
    let target = target.to_string_lossy();
    run(
        &["build", "--manifest-path", "xtask/nostd-check/Cargo.toml", "--target-dir", &target, "--locked"],
        &[],
    )
}

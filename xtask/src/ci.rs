//! `cargo xtask ci`, what CI runs: everything the checks need installed when missing
//! ([`setup`]), then the format check, supply-chain audit, clippy (all targets, all
//! features, and `cfsign`'s backend feature sets) with `-D warnings`, the `§` pointers of the
//! code against `docs/`, the whole test suite, the docs build (`-D warnings`), `cargo
//! package` of every published crate, the `no_std` check, every fuzz target for [`CI_FUZZ_SECS`] seconds, and the browser test.

use std::process::Command;
use std::time::Instant;

use crate::audit::audit;
use crate::cmd::{cargo, root, run};
use crate::doc_pointers;
use crate::e2e::e2e;
use crate::fuzz::{CI_FUZZ_SECS, fuzz};
use crate::nostd::nostd;
use crate::players::players;
use crate::setup::setup;

/// The crates meant for crates.io, in dependency order.
const PUBLISHED: [&str; 9] = [
    "cfsign",
    "cfsign-playlist",
    "cfsign-kms",
    "cfsign-verify",
    "cfsign-issuer",
    "cfsign-tower",
    "cfsign-actix",
    "cfsign-gate",
    "cfsign-cli",
];

pub fn ci() -> Result<(), String> {
    let start = Instant::now();
    setup()?;
    run(&["fmt", "--all", "--", "--check"], &[])?;
    for manifest in ["fuzz/Cargo.toml", "xtask/nostd-check/Cargo.toml"] {
        run(&["fmt", "--manifest-path", manifest, "--", "--check"], &[])?;
    }
    audit()?;
    doc_pointers::check()?;
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
    // What crates.io would receive: manifests, READMEs and files of every published crate
    // (building the packaged sources again is left to `cargo publish`).
    let mut package = vec!["package", "--locked", "--no-verify", "--allow-dirty"];
    for krate in PUBLISHED {
        package.extend(["-p", krate]);
    }
    run(&package, &[])?;
    nostd()?;
    fuzz(CI_FUZZ_SECS, None)?;
    tally.passed += e2e()?; // one per demo and mode, and per video case
    tally.passed += players()?; // one per stream case
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

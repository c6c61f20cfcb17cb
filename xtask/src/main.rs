//! `cargo xtask <task>`: every workflow that is more than one cargo call, so that CI and people
//! run exactly the same thing. Each task lives in its own module; this file only dispatches.
//!
//! - `ci` ([`ci`]): everything CI checks — the README's test command.
//! - `setup` ([`setup`]): installs what the checks and tests need when missing (`ci` runs it
//!   first).
//! - `audit` ([`audit`]): licenses, bans, sources and advisories with cargo-deny, offline.
//! - `fuzz [--secs N] [--target NAME]` ([`fuzz`]): every cargo-fuzz target for N seconds.
//! - `e2e` ([`e2e`]): the browser test in headless Chromium.
//! - `players` ([`players`]): private streams played by hls.js and dash.js in headless Chromium.
//! - `nostd` ([`nostd`]): `cfsign` in a `#![no_std]` library that must not link `std`.
//! - `bench-report` ([`bench_report`]): the figures of `docs/performance.md`, side by side.
//! - `doc-pointers` ([`doc_pointers`]): every `docs/….md §N` in the code names a section that
//!   exists.

mod audit;
mod bench_report;
mod ci;
mod cmd;
mod doc_pointers;
mod e2e;
mod fuzz;
mod nostd;
mod players;
mod setup;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <ci | setup | audit | fuzz [--secs N] [--target NAME] | e2e | players | nostd | bench-report | doc-pointers>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::ci(),
        Some("setup") => setup::setup(),
        Some("audit") => audit::audit(),
        Some("fuzz") => {
            fuzz::parse_fuzz_args(&args[1..]).and_then(|(secs, target)| fuzz::fuzz(secs, target.as_deref()))
        }
        Some("e2e") => e2e::e2e().map(|runs| eprintln!("xtask e2e: {runs} browser runs passed")),
        Some("players") => {
            players::players().map(|runs| eprintln!("xtask players: {runs} browser runs passed"))
        }
        Some("nostd") => nostd::nostd(),
        Some("bench-report") => bench_report::bench_report(),
        Some("doc-pointers") => doc_pointers::check(),
        _ => {
            eprintln!("{USAGE}");
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

//! Running programs: cargo at the workspace root, the nightly toolchain, one pinned core.
//! Every task echoes what it runs and how long it took.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Whether `cmd arg` runs and succeeds (`arg` is usually `--version`).
pub fn command_exists(cmd: &str, arg: &str) -> bool {
    succeeds(Command::new(cmd).arg(arg))
}

/// Whether the command runs and succeeds, its output discarded.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The cargo that runs xtask, so that every step uses the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `cargo <args>` at the workspace root with extra environment variables.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
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

/// Builds the workspace's programs (`target/debug/cfsign`, `axum-app`, `actix-app`) as
/// `cargo test --workspace --all-features` builds them for its integration tests: with the
/// dependencies' features unified with the dev-dependencies'. After that test step (in CI, the
/// step before the browser tests) this rebuilds nothing; a `cargo build` of the same programs
/// would unify features without the dev-dependencies and rebuild dozens of crates (2 min 50 s
/// on a fresh CI machine).
pub fn build_programs() -> Result<(), String> {
    run(&["test", "--workspace", "--all-features", "--locked", "--no-run"], &[])
}

/// A command on the nightly toolchain, without the variables that pin the caller's toolchain.
pub fn nightly(args: &[&str]) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly"]).args(args).current_dir(root());
    for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC", "RUSTDOC", "CARGO_TARGET_DIR", "RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd
}

/// A command pinned to CPU 0 when `taskset` exists, so every figure comes from the same core.
pub fn pinned(program: &str) -> Command {
    if command_exists("taskset", "--version") {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", program]);
        c
    } else {
        Command::new(program)
    }
}

//! Running programs: cargo at the workspace root, the nightly toolchain, apt-get, one pinned
//! core. Every task echoes what it runs and how long it took.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

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

/// A command on the nightly toolchain, without the variables that pin the caller's toolchain.
pub fn nightly(args: &[&str]) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly"]).args(args).current_dir(root());
    for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC", "RUSTDOC", "CARGO_TARGET_DIR", "RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Whether `cmd arg` runs and succeeds (`arg` is usually `--version`).
pub fn command_exists(cmd: &str, arg: &str) -> bool {
    Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success())
}

/// Installs Debian packages (CI runs as root on a fresh machine).
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
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

/// Installs `tool` at `version` with `cargo install --locked` unless `cargo <subcommand>
/// --version` already reports that version. The build skips fat LTO and uses many codegen
/// units: a CI machine would otherwise spend minutes optimising a tool that runs for a second.
pub fn ensure_cargo_tool(tool: &str, version: &str) -> Result<(), String> {
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
    run(
        &["install", tool, "--version", version, "--locked"],
        &[
            ("CARGO_TARGET_DIR", &target),
            ("CARGO_PROFILE_RELEASE_LTO", "false"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ],
    )
}

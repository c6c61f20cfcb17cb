//! `cargo xtask setup`: what the checks and tests need besides a Rust toolchain and a C
//! linker, installed when missing and left alone when present. `cargo xtask ci` runs it first;
//! each task also ensures what it needs itself, so `cargo xtask fuzz` or `cargo xtask e2e`
//! works on a bare machine too. Every install announces itself in one line beginning
//! `xtask setup: installing`; a second run installs nothing.
//!
//! | what | for | how |
//! |---|---|---|
//! | open-file limit ≥ [`OPEN_FILES`] | 1,000 concurrent connections in a KMS test | `setrlimit`, this process and its children |
//! | rustfmt, clippy | `cargo fmt --check`, `cargo clippy` | `rustup component add` |
//! | openssl, curl | key tests against openssl's output; the README's curl commands | `apt-get` |
//! | moto (server mode) | a local KMS for the `cfsign-kms` tests | `python3 -m venv target/moto-venv` + pip |
//! | the nightly toolchain | `cargo fuzz` | `rustup toolchain install nightly` |
//! | cargo-deny, cargo-fuzz | `audit`, `fuzz` | `cargo install --locked`, pinned ([`ensure_cargo_tool`]) |
//! | Chromium, Node.js, playwright-core | the browser tests | `apt-get`; npm into `target/e2e/` |
//! | ffmpeg, hls.js, dash.js | the players test's stream and players | `apt-get`; npm into `target/e2e/` |
//!
//! Debian packages are installed with `apt-get` (as root, like CI); nothing is installed into
//! the tracked files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cmd::{cargo, command_exists, root, run, succeeds};

/// The soft limit on open files the tests need: a KMS test holds 1,000 connections open at
/// once, two descriptors each, plus the servers' own.
pub const OPEN_FILES: u64 = 8_192;

/// Where moto's virtual environment goes (outside the tracked files). The KMS tests start
/// `bin/moto_server` from here (`crates/cfsign-conformance/src/kms.rs`).
const MOTO_VENV: &str = "target/moto-venv";

/// Where the constant naming the moto release the tests are written against lives.
const MOTO_VERSION_SOURCE: &str = "crates/cfsign-conformance/src/kms.rs";

/// Where the browser test's npm packages go (outside the tracked files).
pub const E2E_DIR: &str = "target/e2e";

/// Everything, in the order `ci` needs it.
pub fn setup() -> Result<(), String> {
    open_file_limit()?;
    rust_components()?;
    system_tools()?;
    moto()?;
    nightly()?;
    chromium()?;
    playwright()?;
    players()?;
    ffmpeg()?;
    Ok(())
}

fn installing(what: &str) {
    eprintln!("xtask setup: installing {what}");
}

/// Raises this process's soft limit on open files to [`OPEN_FILES`] (or the hard limit, if
/// lower); every command the xtask starts inherits it.
pub fn open_file_limit() -> Result<(), String> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_none_or(|current| current >= OPEN_FILES) {
        return Ok(());
    }
    let wanted = limit.maximum.map_or(OPEN_FILES, |max| max.min(OPEN_FILES));
    setrlimit(Resource::Nofile, Rlimit { current: Some(wanted), maximum: limit.maximum })
        .map_err(|e| format!("cannot raise the open-file limit to {wanted}: {e}"))?;
    if wanted < OPEN_FILES {
        eprintln!(
            "xtask setup: the open-file limit is {wanted} (the hard limit); a KMS test needs {OPEN_FILES}"
        );
    }
    Ok(())
}

/// rustfmt and clippy for the toolchain that runs the xtask.
pub fn rust_components() -> Result<(), String> {
    let missing: Vec<&str> = [("rustfmt", "fmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(_, subcommand)| !succeeds(Command::new(cargo()).args([subcommand, "--version"])))
        .map(|(component, _)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    installing(&format!("the Rust components {} (rustup)", missing.join(", ")));
    let mut rustup = Command::new("rustup");
    rustup.args(["component", "add"]).args(&missing);
    quietly(&mut rustup, "rustup component add")
}

/// openssl and curl, from Debian's packages.
pub fn system_tools() -> Result<(), String> {
    let missing: Vec<&str> = [("openssl", "version"), ("curl", "--version")]
        .into_iter()
        .filter(|(program, arg)| !command_exists(program, arg))
        .map(|(program, _)| program)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    installing(&format!(
        "{} (apt-get: the key tests compare with openssl, the README's examples use curl)",
        missing.join(" and ")
    ));
    apt_install(&missing)
}

/// The nightly toolchain (minimal profile), for `cargo fuzz`.
pub fn nightly() -> Result<(), String> {
    if succeeds(&mut crate::cmd::nightly(&["rustc", "--version"])) {
        return Ok(());
    }
    installing("the nightly Rust toolchain (rustup, minimal profile: cargo fuzz needs it)");
    let mut rustup = Command::new("rustup");
    rustup.args(["toolchain", "install", "nightly", "--profile", "minimal"]);
    quietly(&mut rustup, "rustup toolchain install nightly")
}

/// moto in server mode, at the release the KMS tests are written against, in its own virtual
/// environment under `target/`. Reinstalled only when the pinned release changes.
pub fn moto() -> Result<(), String> {
    let version = moto_version()?;
    let venv = root().join(MOTO_VENV);
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args(["-c", "import moto; print(moto.__version__)"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() == Some(version.as_str()) && venv.join("bin/moto_server").exists() {
        return Ok(());
    }
    installing(&format!("moto {version} into {MOTO_VENV} (pip: a local KMS for the cfsign-kms tests)"));
    if venv.exists() {
        std::fs::remove_dir_all(&venv).map_err(|e| format!("{}: {e}", venv.display()))?;
    }
    let mut make_venv = Command::new("python3");
    make_venv.arg("-m").arg("venv").arg(&venv);
    if quietly(&mut make_venv, "python3 -m venv").is_err() {
        // Debian's python3 keeps `venv` (and `ensurepip`) in a package of its own.
        let _ = std::fs::remove_dir_all(&venv);
        installing("python3 and python3-venv (apt-get: moto's virtual environment)");
        apt_install(&["python3", "python3-venv"])?;
        quietly(&mut make_venv, "python3 -m venv")?;
    }
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--quiet", "--disable-pip-version-check", &format!("moto[server]=={version}")]);
    quietly(&mut pip, "pip install moto")
}

/// The `MOTO_VERSION` the KMS tests name (one place: [`MOTO_VERSION_SOURCE`]).
fn moto_version() -> Result<String, String> {
    let path = root().join(MOTO_VERSION_SOURCE);
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    source
        .lines()
        .find_map(|line| line.strip_prefix("pub const MOTO_VERSION: &str = \"")?.strip_suffix("\";"))
        .map(str::to_owned)
        .ok_or_else(|| format!("{MOTO_VERSION_SOURCE} has no `pub const MOTO_VERSION: &str = \"…\";`"))
}

/// Debian's Chromium (and Node.js with npm, which drive it); returns Chromium's path.
pub fn chromium() -> Result<String, String> {
    if !command_exists("node", "--version") || !command_exists("npm", "--version") {
        installing("nodejs and npm (apt-get: they drive the browser test)");
        apt_install(&["nodejs", "npm"])?;
    }
    let found =
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    if let Some(path) = found {
        return Ok(path.to_owned());
    }
    installing("chromium (apt-get: the browser test)");
    apt_install(&["chromium"])?;
    Ok("/usr/bin/chromium".to_owned())
}

/// playwright-core in [`E2E_DIR`], never in the tracked files. Returns the directory.
pub fn playwright() -> Result<PathBuf, String> {
    let dir = root().join(E2E_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest = dir.join("package.json");
    if !manifest.exists() {
        std::fs::write(&manifest, r#"{"private": true, "type": "module"}"#)
            .map_err(|e| format!("{}: {e}", manifest.display()))?;
    }
    if dir.join("node_modules/playwright-core/package.json").exists() {
        return Ok(dir);
    }
    installing(&format!("playwright-core 1 into {E2E_DIR} (npm: it drives Chromium)"));
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error", "playwright-core@1"])
        .current_dir(&dir);
    quietly(&mut npm, "npm install playwright-core")?;
    Ok(dir)
}

/// hls.js and dash.js in [`E2E_DIR`] beside playwright-core (the players test copies their
/// builds next to its page). Returns the directory.
pub fn players() -> Result<PathBuf, String> {
    let dir = playwright()?;
    let have = |package: &str| dir.join("node_modules").join(package).join("package.json").exists();
    if have("hls.js") && have("dashjs") {
        return Ok(dir);
    }
    installing(&format!("hls.js 1 and dash.js 5 into {E2E_DIR} (npm: the players test plays them)"));
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error", "hls.js@1", "dashjs@5"])
        .current_dir(&dir);
    quietly(&mut npm, "npm install hls.js dashjs")?;
    Ok(dir)
}

/// Debian's ffmpeg, which makes the players test's stream (H.264, HLS and DASH).
pub fn ffmpeg() -> Result<(), String> {
    if command_exists("ffmpeg", "-version") {
        return Ok(());
    }
    installing("ffmpeg (apt-get: the players test makes its stream with it)");
    apt_install(&["ffmpeg"])
}

/// Runs an installer, showing its output only when it fails.
fn quietly(cmd: &mut Command, shown: &str) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    eprintln!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Err(format!("{shown} failed ({})", out.status))
}

/// Installs Debian packages (CI runs as root on a fresh machine); the package lists are
/// updated once per run.
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    static UPDATED: AtomicBool = AtomicBool::new(false);
    if !UPDATED.load(Ordering::Relaxed) {
        quietly(Command::new("apt-get").args(["update", "-qq"]), "apt-get update")?;
        UPDATED.store(true, Ordering::Relaxed);
    }
    quietly(
        Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        &format!("apt-get install {}", packages.join(" ")),
    )
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
    installing(&format!("{tool} {version} (cargo install)"));
    let target = root().join("target/tools");
    let target = target.to_string_lossy();
    run(
        &["install", tool, "--version", version, "--locked", "--quiet"],
        &[
            ("CARGO_TARGET_DIR", &target),
            ("CARGO_PROFILE_RELEASE_LTO", "false"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ],
    )
}

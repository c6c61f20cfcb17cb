//! `cargo xtask nostd`: builds `xtask/nostd-check`, a `#![no_std]` static library using
//! `cfsign` without `std`; the build fails if any dependency links `std`.

use crate::cmd::{root, run};

pub fn nostd() -> Result<(), String> {
    let target = root().join("target");
    let target = target.to_string_lossy();
    run(
        &["build", "--manifest-path", "xtask/nostd-check/Cargo.toml", "--target-dir", &target, "--locked"],
        &[],
    )
}

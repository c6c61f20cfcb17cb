//! `cfsign keygen`: a new key pair, the private key readable by its owner only.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use cfsign::{KeyKind, SigningKey};
use serde_json::json;

use super::{Outcome, Result};
use crate::output::{self, print, print_json};
use crate::{KeygenArgs, Kind};

fn write_new(path: &Path, contents: &str, mode: u32) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!("{} already exists; not overwriting it", path.display()),
        _ => format!("cannot create {}: {e}", path.display()),
    })?;
    file.write_all(contents.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `dir` and its missing parents, the new ones readable by the owner only (0700): the private
/// key goes there.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

pub(crate) fn keygen(args: &KeygenArgs) -> Outcome {
    let kind = match args.kind {
        Kind::Ecdsa => KeyKind::EcdsaP256,
        Kind::Rsa => KeyKind::Rsa,
    };
    let key = SigningKey::generate(kind, "KEYGEN").map_err(|e| e.to_string())?;
    create_private_dir(&args.out)?;
    let private = args.out.join("private_key.pem");
    let public = args.out.join("public_key.pem");
    if public.exists() {
        return Err(format!("{} already exists; not overwriting it", public.display()).into());
    }
    let pem = key.to_pkcs8_pem().map_err(|e| e.to_string())?;
    write_new(&private, &pem, 0o600)?;
    let public_pem = key.public_key().to_pem();
    write_new(&public, &public_pem, 0o644)?;
    if args.json {
        print_json(&json!({
            "kind": key.key_kind().to_string(),
            "private_key_file": private.display().to_string(),
            "public_key_file": public.display().to_string(),
            "public_key_pem": public_pem,
        }))?;
    } else {
        output::eprint(&format!(
            "wrote {} (mode 0600; keep it secret) and {}\n\
             Paste this public key into CloudFront (Public keys → Create public key), add it to a key\n\
             group, and use the ID CloudFront gives it as --key-pair-id:\n",
            output::field(&private.display().to_string()),
            output::field(&public.display().to_string())
        ));
        print(&public_pem)?;
    }
    Ok(ExitCode::SUCCESS)
}

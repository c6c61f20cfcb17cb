//! The subcommands, one module each. Each returns the exit code, or why it stopped ([`Stop`]: an
//! error message, exit code 2, or a reader that went away). Output goes through
//! [`output`](crate::output). Here: what several commands share — reading keys, signing, the
//! policy and its expiry, the trusted keys, the KMS signer.

use std::path::Path;
use std::process::ExitCode;

use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds, Policy, PublicKey, SignedPolicy, SigningKey};
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

use crate::output::Stop;
use crate::{Hash, SignArgs};

mod cookies;
mod decode;
mod keygen;
#[cfg(feature = "kms")]
mod kms_public_key;
mod playlist;
mod serve;
mod url;
mod verify;

pub(crate) use self::cookies::cookies;
pub(crate) use self::decode::decode;
pub(crate) use self::keygen::keygen;
#[cfg(feature = "kms")]
pub(crate) use self::kms_public_key::kms_public_key;
pub(crate) use self::playlist::{placeholders, playlist};
pub(crate) use self::serve::serve;
pub(crate) use self::url::url;
pub(crate) use self::verify::verify;

/// The helpers' errors: a message.
type Result<T> = std::result::Result<T, String>;
/// A command's end: its exit code, or why it stopped.
type Outcome = std::result::Result<ExitCode, Stop>;

/// A key file's contents: text is PEM (and its errors are PEM's), anything else DER.
enum KeyFile {
    Pem(String),
    Der(Vec<u8>),
}

fn read_key(path: &Path) -> Result<KeyFile> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => KeyFile::Pem(text),
        Err(not_text) => KeyFile::Der(not_text.into_bytes()),
    })
}

/// `t` told relative to `now`: "expires in 5 min", "expired 2 h ago".
fn when(t: EpochSeconds, now: EpochSeconds, future: &str, past: &str) -> String {
    match t.duration_since(now) {
        Some(d) if d.as_secs() > 0 => format!("{future} {}", crate::duration::human(d.as_secs())),
        _ => {
            format!("{past} {} ago", crate::duration::human(now.duration_since(t).map_or(0, |d| d.as_secs())))
        }
    }
}

fn http_date(t: EpochSeconds) -> String {
    let mut s = String::new();
    let _ = t.fmt_http_date(&mut s);
    s
}

// ---------------------------------------------------------------------------------- signing

/// Signs `policy` with the key file or the KMS key the arguments name.
fn sign(policy: Policy, args: &SignArgs) -> Result<SignedPolicy> {
    // The ID first: an error in it is not an error in the key.
    cfsign::KeyPairId::new(&args.key_pair_id).map_err(|e| format!("--key-pair-id: {e}"))?;
    #[cfg(feature = "kms")]
    if let Some(kms_key_id) = &args.kms_key_id {
        if args.hash == Some(Hash::Sha1) {
            return Err("AWS KMS signs with SHA-256 only: drop --hash sha1 (CloudFront accepts SHA-256 \
                        signatures, with the Hash-Algorithm=SHA256 parameter cfsign adds)"
                .to_owned());
        }
        return runtime()?.block_on(async {
            let signer = kms_signer(kms_key_id, &args.key_pair_id).await?;
            SignedPolicy::new_async(policy, &signer).await.map_err(|e| e.to_string())
        });
    }
    // `aws cloudfront sign --private-key file://key.pem`.
    let key = args.key.as_deref().ok_or("give --key FILE")?;
    let file = key.strip_prefix("file://").unwrap_or(key);
    let key = match read_key(Path::new(file))? {
        KeyFile::Pem(pem) => SigningKey::from_pem(&pem, &args.key_pair_id),
        KeyFile::Der(der) => SigningKey::from_der(&der, &args.key_pair_id),
    };
    let key = key.map_err(|e| format!("{file}: {e}"))?;
    let key = key.with_hash(args.hash.unwrap_or(Hash::Sha256).into());
    SignedPolicy::new(policy, &key).map_err(|e| e.to_string())
}

#[cfg(feature = "kms")]
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

/// A KMS client from the usual AWS configuration, and the signer for `key_id`.
#[cfg(feature = "kms")]
async fn kms_signer(key_id: &str, key_pair_id: &str) -> Result<cfsign_kms::KmsSigner> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_kms::Client::new(&config);
    cfsign_kms::KmsSigner::new(client, key_id, key_pair_id).await.map_err(|e| e.to_string())
}

fn expiry(args: &SignArgs) -> Result<EpochSeconds> {
    match (args.expires, &args.ttl) {
        (Some(t), _) => Ok(EpochSeconds::new(t)),
        (None, Some(ttl)) => EpochSeconds::now()
            .checked_add(crate::duration::parse(ttl)?)
            .ok_or_else(|| "--ttl is too large".to_owned()),
        (None, None) => Err("give --expires EPOCH or --ttl DURATION".to_owned()),
    }
}

/// Canned when nothing needs a custom policy; custom otherwise.
fn policy(resource: &str, pattern: Option<&str>, args: &SignArgs) -> Result<Policy> {
    let expires = expiry(args)?;
    let custom =
        pattern.is_some() || args.not_before.is_some() || args.ip.is_some() || resource.contains('*');
    if !custom {
        return CannedPolicy::new(resource, expires).map(Policy::from).map_err(|e| e.to_string());
    }
    let mut b = CustomPolicy::builder().resource(pattern.unwrap_or(resource)).date_less_than(expires);
    if let Some(t) = args.not_before {
        b = b.date_greater_than(EpochSeconds::new(t));
    }
    if let Some(ip) = &args.ip {
        b = b.ip_address(ip.as_str());
    }
    b.build().map(Policy::from).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------- verifying

/// The keys `verify` and `serve` trust, from their `--public-key ID=FILE` arguments.
fn trusted(specs: &[String]) -> Result<TrustedKeyGroups> {
    let mut group = KeyGroup::new();
    for spec in specs {
        let (id, file) =
            spec.split_once('=').ok_or_else(|| format!("--public-key {spec:?}: expected ID=FILE"))?;
        let key = match read_key(Path::new(file))? {
            KeyFile::Pem(pem) => PublicKey::from_pem(&pem),
            KeyFile::Der(der) => PublicKey::from_der(&der),
        };
        let key = key.map_err(|e| format!("{file}: {e}"))?;
        group.insert(id, key).map_err(|e| format!("--public-key {spec}: {e}"))?;
    }
    Ok(TrustedKeyGroups::from(group))
}

//! Features are additive: `cfsign::SigningKey` means the RustCrypto key whatever else the
//! dependency tree enables. CI runs this file with `--all-features` (and the benches crate
//! enables `aws-lc` in the same build), so a backend switch behind the feature would show here:
//! AWS-LC makes randomized ECDSA signatures, and each key's `Debug` names its backend.
#![cfg(feature = "rustcrypto")]
#![allow(clippy::unwrap_used)]

use cfsign::{HashAlgorithm, Signer, SigningKey};

#[test]
fn the_default_key_type_keeps_its_behaviour_whatever_else_is_enabled() {
    // A legacy 1024-bit RSA key pair (the AWS cross-SDK suite's): CloudFront's size rule takes it.
    let rsa_1024 = SigningKey::from_pem(include_str!("data/sep/test-rsa-key.pem"), "KLEGACY").unwrap();
    assert_eq!(rsa_1024.sign(b"policy").unwrap().len(), 128);
    // RFC 6979: the same message, the same ECDSA signature, every time.
    let ec = SigningKey::from_pem(include_str!("data/ecdsa-p256-pkcs8.pem"), "K").unwrap();
    for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        let ec = ec.clone().with_hash(hash);
        assert_eq!(ec.sign(b"policy").unwrap(), ec.sign(b"policy").unwrap());
    }
    assert!(format!("{ec:?}").starts_with("SigningKey {"), "{ec:?}");
    assert!(format!("{ec:?}").contains(r#"backend: "rustcrypto""#), "{ec:?}");
}

/// The AWS-LC backend, where enabled, is named by its module and behaves as documented.
#[cfg(feature = "aws-lc")]
#[test]
fn aws_lc_is_named_by_its_module() {
    let pem = include_str!("data/ecdsa-p256-pkcs8.pem");
    let ec = cfsign::aws_lc::SigningKey::from_pem(pem, "K").unwrap();
    assert_ne!(ec.sign(b"policy").unwrap(), ec.sign(b"policy").unwrap(), "random nonces");
    // Legacy 1024-bit key pairs sign with either backend (the size rule is shared).
    assert!(cfsign::aws_lc::SigningKey::from_pem(include_str!("data/sep/test-rsa-key.pem"), "K").is_ok());
}

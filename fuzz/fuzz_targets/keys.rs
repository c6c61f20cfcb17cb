//! Keys shared by the fuzz targets (the test keys of the core crate).
#![allow(dead_code)]

use std::sync::OnceLock;

pub const EC_ID: &str = "K2JCJMDEHXQW5F";
pub const RSA_ID: &str = "KRSA2048TEST";

pub fn signing_keys() -> &'static [cfsign::SigningKey; 2] {
    static KEYS: OnceLock<[cfsign::SigningKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            cfsign::SigningKey::from_pem(
                include_str!("../../crates/cfsign/tests/data/ecdsa-p256-pkcs8.pem"),
                EC_ID,
            )
            .unwrap(),
            cfsign::SigningKey::from_pem(
                include_str!("../../crates/cfsign/tests/data/rsa-2048-pkcs1.pem"),
                RSA_ID,
            )
            .unwrap(),
        ]
    })
}

/// The key of that kind, signing with that hash.
pub fn signer(rsa: bool, sha256: bool) -> &'static cfsign::SigningKey {
    static KEYS: OnceLock<[cfsign::SigningKey; 4]> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let [ec, rsa] = signing_keys();
        let with = |k: &cfsign::SigningKey, h| k.clone().with_hash(h);
        use cfsign::HashAlgorithm::{Sha1, Sha256};
        [with(ec, Sha1), with(ec, Sha256), with(rsa, Sha1), with(rsa, Sha256)]
    });
    &keys[usize::from(rsa) * 2 + usize::from(sha256)]
}

pub fn trusted() -> &'static cfsign_verify::TrustedKeyGroups {
    static T: OnceLock<cfsign_verify::TrustedKeyGroups> = OnceLock::new();
    T.get_or_init(|| {
        let [ec, rsa] = signing_keys();
        cfsign_verify::KeyGroup::new()
            .with_key(EC_ID, ec.public_key())
            .and_then(|g| g.with_key(RSA_ID, rsa.public_key()))
            .unwrap()
            .into()
    })
}

/// A custom policy over `https://cdn.example.com/videos/*`, signed once: what the playlist
/// targets sign with.
pub fn stream_policy() -> &'static cfsign::SignedPolicy {
    static SIGNED: OnceLock<cfsign::SignedPolicy> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let policy = cfsign::CustomPolicy::builder()
            .resource("https://cdn.example.com/videos/*")
            .date_less_than(cfsign::EpochSeconds::new(2_000_000_000))
            .build()
            .unwrap();
        cfsign::SignedPolicy::new(policy, signer(false, true)).unwrap()
    })
}

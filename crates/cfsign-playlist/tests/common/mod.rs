//! What the playlist tests share: the test key, a policy over one video's folder, the key
//! group that trusts it.
#![allow(dead_code, clippy::unwrap_used)]

use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, SigningKey};
use cfsign_verify::{KeyGroup, Request, TrustedKeyGroups};

pub(crate) const ID: &str = "K2JCJMDEHXQW5F";
/// The policies' expiry; requests are judged a minute before it.
pub(crate) const EXPIRES: u64 = 1_767_290_400;
/// The stream every policy covers.
pub(crate) const STREAM: &str = "https://cdn.example.com/videos/123/*";

pub(crate) fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), ID).unwrap()
}

/// A custom policy over [`STREAM`], signed.
pub(crate) fn signed() -> SignedPolicy {
    let policy =
        CustomPolicy::builder().resource(STREAM).date_less_than(EpochSeconds::new(EXPIRES)).build().unwrap();
    SignedPolicy::new(policy, &key()).unwrap()
}

/// Whether CloudFront, trusting the test key, grants `url` a minute before expiry.
pub(crate) fn granted(url: &str) -> Result<(), String> {
    static TRUSTED: std::sync::OnceLock<TrustedKeyGroups> = std::sync::OnceLock::new();
    let trusted = TRUSTED.get_or_init(|| KeyGroup::new().with_key(ID, key().public_key()).unwrap().into());
    let request = Request::new(url, std::net::IpAddr::from([192, 0, 2, 1]), EpochSeconds::new(EXPIRES - 60));
    trusted.verify(&request).map(drop).map_err(|d| d.to_string())
}

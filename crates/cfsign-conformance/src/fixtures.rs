//! What every test starts from: the shared clock start [`T0`], the test key, a signer that
//! always fails, the CDN's trusted key groups, and an issuer on a manual clock.

use std::sync::Arc;

use cfsign::EpochSeconds;
use cfsign_issuer::{Issuer, ManualClock};

use crate::SigningKey;

pub const T0: EpochSeconds = EpochSeconds::new(1_767_200_000);
pub const KEY_PAIR_ID: &str = "K2JCJMDEHXQW5F";

pub fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), KEY_PAIR_ID).unwrap()
}

/// A signer whose every signing fails, as an unreachable HSM or KMS does (`KHSM`).
pub struct FailingSigner(pub cfsign::KeyPairId);

impl Default for FailingSigner {
    fn default() -> Self {
        FailingSigner(cfsign::KeyPairId::new("KHSM").unwrap())
    }
}

impl cfsign::Signer for FailingSigner {
    fn key_pair_id(&self) -> &cfsign::KeyPairId {
        &self.0
    }
    fn key_kind(&self) -> cfsign::KeyKind {
        cfsign::KeyKind::EcdsaP256
    }
    fn hash_algorithm(&self) -> cfsign::HashAlgorithm {
        cfsign::HashAlgorithm::Sha256
    }
    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, cfsign::Error> {
        Err(cfsign::Error::Signing { reason: "HSM unreachable".into() })
    }
}

/// One key group holding the public halves of `keys`, as the CDN's trusted groups.
pub fn trusted(keys: &[&SigningKey]) -> cfsign_verify::TrustedKeyGroups {
    let group = keys.iter().fold(cfsign_verify::KeyGroup::new(), |g, k| {
        g.with_key(k.key_pair_id().as_str(), k.public_key()).unwrap()
    });
    cfsign_verify::TrustedKeyGroups::from(group)
}

pub fn issuer(clock: &ManualClock, key: SigningKey) -> Issuer {
    issuer_with(clock, Arc::new(key))
}

/// [`issuer`] with any signer (a KMS key in `tests/kms.rs`).
pub fn issuer_with(clock: &ManualClock, signer: Arc<dyn cfsign::AsyncSigner>) -> Issuer {
    Issuer::builder(signer).domain("example.com").clock(clock.clone()).build().unwrap()
}

//! The `aws-lc` backend: AWS-LC through `aws-lc-rs` (constant-time, assembly-optimised; see the
//! benches for figures). SHA-256 signing and verification go through `aws-lc-rs`'s safe API
//! with keys parsed once; SHA-1 signing and verification through one small audited FFI module
//! (`ffi.rs`), since the safe API cannot sign with SHA-1.
//!
//! The types have the same API as [`crate::rustcrypto`]'s, and are only ever named by this
//! module: enabling `aws-lc` never changes what `cfsign::SigningKey` means.
//!
//! Differences: RSA keys must be 2048 to 8192 bits (AWS-LC refuses smaller ones for signing —
//! use the `rustcrypto` backend for legacy 1024-bit key pairs); ECDSA signatures use random
//! nonces (RFC 6979 determinism is a `rustcrypto` property), so they differ from run to run
//! but verify everywhere.

mod ffi;

use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256};
use zeroize::Zeroizing;

use crate::{Error, HashAlgorithm, KeyKind, KeyPairId, Signer, Verifier};

enum Sha256Key {
    Rsa(aws_lc_rs::rsa::KeyPair),
    P256(EcdsaKeyPair),
}

struct Inner {
    sha256: Sha256Key,
    evp: ffi::EvpKey,
    rng: SystemRandom,
    /// The public half, parsed once (the key checks its own signatures with it).
    public: PublicKey,
}

/// A private key ready to sign, with its CloudFront key-pair ID and hash algorithm (AWS-LC).
///
/// Parsed once; cloning shares the parsed key. `Debug` never shows key material.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Inner>,
    key_pair_id: KeyPairId,
    hash: HashAlgorithm,
}

/// The public half of a parsed private key.
fn public_of(key: &Sha256Key) -> PublicKey {
    let (spki, kind): (Option<Vec<u8>>, KeyKind) = match key {
        Sha256Key::Rsa(k) => {
            let der: Result<PublicKeyX509Der<'_>, _> = k.public_key().as_der();
            (der.ok().map(|d| d.as_ref().to_vec()), KeyKind::Rsa)
        }
        Sha256Key::P256(k) => {
            let der: Result<PublicKeyX509Der<'_>, _> = k.public_key().as_der();
            (der.ok().map(|d| d.as_ref().to_vec()), KeyKind::EcdsaP256)
        }
    };
    // Encoding an in-memory public key does not fail; an unusable key refuses everything.
    PublicKey::from_der(&spki.unwrap_or_default()).unwrap_or(PublicKey {
        evp: None,
        sha256: None,
        kind,
        spki: Vec::new(),
    })
}

fn unsupported_rsa() -> Error {
    Error::UnsupportedKey {
        reason: "the aws-lc backend signs with RSA keys of 2048 to 8192 bits; use the rustcrypto backend for 1024-bit keys",
    }
}

impl SigningKey {
    /// Loads a private key from PEM: `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8, RSA or
    /// P-256) or `EC PRIVATE KEY` (SEC1, P-256). The hash is SHA-256; see
    /// [`with_hash`](Self::with_hash).
    ///
    /// # Errors
    /// As [`crate::rustcrypto::SigningKey::from_pem`], plus RSA keys under 2048 bits.
    pub fn from_pem(pem: &str, key_pair_id: &str) -> Result<Self, Error> {
        let key_pair_id = KeyPairId::new(key_pair_id)?;
        let (_, der) = crate::pem::private_key_der(pem)?;
        Self::from_parsed_der(&der, key_pair_id)
    }

    /// Loads a private key from DER: PKCS#8, PKCS#1 or SEC1.
    ///
    /// # Errors
    /// As [`from_pem`](Self::from_pem).
    pub fn from_der(der: &[u8], key_pair_id: &str) -> Result<Self, Error> {
        Self::from_parsed_der(der, KeyPairId::new(key_pair_id)?)
    }

    fn from_parsed_der(der: &[u8], key_pair_id: KeyPairId) -> Result<Self, Error> {
        let evp = ffi::EvpKey::parse_private(der)
            .ok_or(Error::InvalidKey { reason: "not a PKCS#8, PKCS#1 or SEC1 DER private key" })?;
        let sha256 = match evp.kind() {
            ffi::EvpKind::Rsa => Sha256Key::Rsa(
                aws_lc_rs::rsa::KeyPair::from_pkcs8(der)
                    .or_else(|_| aws_lc_rs::rsa::KeyPair::from_der(der))
                    .map_err(|_| unsupported_rsa())?,
            ),
            ffi::EvpKind::Ec => Sha256Key::P256(
                EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, der).map_err(|_| {
                    Error::UnsupportedKey { reason: "only the P-256 curve is supported by CloudFront" }
                })?,
            ),
            ffi::EvpKind::Other => {
                return Err(Error::UnsupportedKey { reason: "CloudFront keys are RSA or ECDSA P-256" });
            }
        };
        if let Sha256Key::Rsa(k) = &sha256
            && k.public_modulus_len() * 8 > 4096
        {
            return Err(Error::UnsupportedKey {
                reason: "RSA keys must be 1024 to 4096 bits (CloudFront key groups take 2048)",
            });
        }
        let public = public_of(&sha256);
        Ok(SigningKey {
            inner: Arc::new(Inner { sha256, evp, rng: SystemRandom::new(), public }),
            key_pair_id,
            hash: HashAlgorithm::Sha256,
        })
    }

    /// Generates a new key with AWS-LC: RSA-2048 or P-256.
    ///
    /// # Errors
    /// [`Error::InvalidKeyPairId`], or [`Error::Signing`] when generation fails.
    pub fn generate(kind: KeyKind, key_pair_id: &str) -> Result<Self, Error> {
        let failed = || Error::Signing { reason: "key generation failed".to_string() };
        let der: Zeroizing<Vec<u8>> = match kind {
            KeyKind::Rsa => {
                let k = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|_| failed())?;
                let der: Pkcs8V1Der<'_> = k.as_der().map_err(|_| failed())?;
                Zeroizing::new(der.as_ref().to_vec())
            }
            KeyKind::EcdsaP256 => {
                let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).map_err(|_| failed())?;
                Zeroizing::new(k.to_pkcs8v1().map_err(|_| failed())?.as_ref().to_vec())
            }
        };
        Self::from_der(&der, key_pair_id)
    }

    /// The private key as PKCS#8 PEM, zeroized when dropped.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<alloc::string::String>, Error> {
        let failed = || Error::InvalidKey { reason: "could not encode the private key" };
        let der: Zeroizing<Vec<u8>> = match &self.inner.sha256 {
            Sha256Key::Rsa(k) => {
                let der: Pkcs8V1Der<'_> = k.as_der().map_err(|_| failed())?;
                Zeroizing::new(der.as_ref().to_vec())
            }
            Sha256Key::P256(k) => Zeroizing::new(k.to_pkcs8v1().map_err(|_| failed())?.as_ref().to_vec()),
        };
        crate::pem::encode("PRIVATE KEY", &der).map(Zeroizing::new).ok_or_else(failed)
    }

    /// The same key signing with `hash` instead.
    #[must_use]
    pub fn with_hash(mut self, hash: HashAlgorithm) -> Self {
        self.hash = hash;
        self
    }

    /// The same key under another key-pair ID.
    ///
    /// # Errors
    /// [`Error::InvalidKeyPairId`].
    pub fn with_key_pair_id(mut self, key_pair_id: &str) -> Result<Self, Error> {
        self.key_pair_id = KeyPairId::new(key_pair_id)?;
        Ok(self)
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        self.inner.public.clone()
    }

    /// RSA or ECDSA.
    #[must_use]
    pub fn key_kind(&self) -> KeyKind {
        match self.inner.sha256 {
            Sha256Key::Rsa(_) => KeyKind::Rsa,
            Sha256Key::P256(_) => KeyKind::EcdsaP256,
        }
    }

    /// The hash this key signs with.
    #[must_use]
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The CloudFront key-pair ID.
    #[must_use]
    pub fn key_pair_id(&self) -> &KeyPairId {
        &self.key_pair_id
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("backend", &"aws-lc")
            .field("key_pair_id", &self.key_pair_id)
            .field("kind", &self.key_kind())
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl Signer for SigningKey {
    fn key_pair_id(&self) -> &KeyPairId {
        &self.key_pair_id
    }

    fn key_kind(&self) -> KeyKind {
        SigningKey::key_kind(self)
    }

    fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let failed = || Error::Signing { reason: "AWS-LC could not sign".to_string() };
        let inner = &*self.inner;
        match (self.hash, &inner.sha256) {
            (HashAlgorithm::Sha1, _) => inner.evp.sign_sha1(message).ok_or_else(failed),
            (HashAlgorithm::Sha256, Sha256Key::Rsa(k)) => {
                let mut signature = alloc::vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &inner.rng, message, &mut signature).map_err(|_| failed())?;
                Ok(signature)
            }
            (HashAlgorithm::Sha256, Sha256Key::P256(k)) => {
                k.sign(&inner.rng, message).map(|s| s.as_ref().to_vec()).map_err(|_| failed())
            }
        }
    }

    fn verifier(&self) -> Option<&dyn Verifier> {
        Some(self)
    }
}

/// A private key checks its own signatures with its public half.
impl Verifier for SigningKey {
    fn key_kind(&self) -> KeyKind {
        SigningKey::key_kind(self)
    }

    fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.inner.public.verify(hash, message, signature)
    }
}

/// A public key for checking signatures (AWS-LC), parsed once.
#[derive(Clone)]
pub struct PublicKey {
    /// SHA-1 verification (FFI).
    evp: Option<Arc<ffi::EvpKey>>,
    /// SHA-256 verification (safe API).
    sha256: Option<aws_lc_rs::signature::ParsedPublicKey>,
    kind: KeyKind,
    spki: Vec<u8>,
}

impl PublicKey {
    /// Loads a public key from SubjectPublicKeyInfo PEM (`PUBLIC KEY`).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] or [`Error::UnsupportedKey`].
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        PublicKey::from_der(&crate::pem::public_key_der(pem)?)
    }

    /// Loads a public key from SubjectPublicKeyInfo DER.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] or [`Error::UnsupportedKey`].
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_ASN1, ParsedPublicKey, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            RSA_PKCS1_2048_8192_SHA256,
        };
        let kind = crate::pem::spki_kind(der)?;
        let evp =
            ffi::EvpKey::parse_public(der).ok_or(Error::InvalidKey { reason: "malformed public key" })?;
        let sha256 = match kind {
            KeyKind::Rsa => ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
                .or_else(|_| ParsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, der)),
            KeyKind::EcdsaP256 => ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, der),
        }
        .map_err(|_| Error::InvalidKey { reason: "malformed public key" })?;
        Ok(PublicKey { evp: Some(Arc::new(evp)), sha256: Some(sha256), kind, spki: der.to_vec() })
    }

    /// The key as SubjectPublicKeyInfo PEM.
    #[must_use]
    pub fn to_pem(&self) -> alloc::string::String {
        crate::pem::encode("PUBLIC KEY", &self.spki).unwrap_or_default()
    }

    /// RSA or ECDSA.
    #[must_use]
    pub fn key_kind(&self) -> KeyKind {
        self.kind
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("backend", &"aws-lc")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Verifier for PublicKey {
    fn key_kind(&self) -> KeyKind {
        self.kind
    }

    fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let ok = match hash {
            HashAlgorithm::Sha1 => self.evp.as_ref().is_some_and(|k| k.verify_sha1(message, signature)),
            HashAlgorithm::Sha256 => {
                self.sha256.as_ref().is_some_and(|k| k.verify_sig(message, signature).is_ok())
            }
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

//! The `aws-lc` backend: AWS-LC, constant-time and assembly-optimised (see the benches for
//! figures). Keys are read and checked by the code both backends share; signing and
//! verification, with either hash, go through one small audited FFI module (`ffi.rs`), and
//! `aws-lc-rs` generates keys.
//!
//! The types have the same API as [`crate::rustcrypto`]'s, and are only ever named by this
//! module: enabling `aws-lc` never changes what `cfsign::SigningKey` means. Both backends take
//! the same keys (RSA 1024 to 4096 bits, P-256) and refuse the others with the same errors.
//!
//! One difference: ECDSA signatures use random nonces (RFC 6979 determinism is a `rustcrypto`
//! property), so they differ from run to run but verify everywhere. RSA signatures are
//! byte-identical across backends.

mod ffi;

use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use zeroize::Zeroizing;

use crate::key_file;
use crate::{Error, HashAlgorithm, KeyKind, KeyPairId, Signer, Verifier};

struct Inner {
    key: ffi::EvpKey,
    kind: KeyKind,
    /// The key as read, for [`SigningKey::to_pkcs8_pem`].
    pkcs8: Zeroizing<Vec<u8>>,
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

impl SigningKey {
    /// Loads a private key from PEM: `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8, RSA or
    /// P-256) or `EC PRIVATE KEY` (SEC1, P-256). The hash is SHA-256; see
    /// [`with_hash`](Self::with_hash).
    ///
    /// # Errors
    /// As [`crate::rustcrypto::SigningKey::from_pem`].
    pub fn from_pem(pem: &str, key_pair_id: &str) -> Result<Self, Error> {
        let key_pair_id = KeyPairId::new(key_pair_id)?;
        Self::from_key_file(key_file::private_key_from_pem(pem)?, key_pair_id)
    }

    /// Loads a private key from DER: PKCS#8, PKCS#1 or SEC1, detected in that order.
    ///
    /// # Errors
    /// As [`from_pem`](Self::from_pem).
    pub fn from_der(der: &[u8], key_pair_id: &str) -> Result<Self, Error> {
        let key_pair_id = KeyPairId::new(key_pair_id)?;
        Self::from_key_file(key_file::private_key_from_der(der)?, key_pair_id)
    }

    fn from_key_file(file: key_file::PrivateKeyDer, key_pair_id: KeyPairId) -> Result<Self, Error> {
        let malformed = || key_file::malformed(file.kind, true);
        let key = ffi::EvpKey::parse_private(&file.pkcs8).ok_or_else(malformed)?;
        let public =
            key.public_key_der().and_then(|spki| PublicKey::from_der(&spki).ok()).ok_or_else(malformed)?;
        Ok(SigningKey {
            inner: Arc::new(Inner { key, kind: file.kind, pkcs8: file.pkcs8, public }),
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
        key_file::encode("PRIVATE KEY", &self.inner.pkcs8)
            .map(Zeroizing::new)
            .ok_or(Error::InvalidKey { reason: "could not encode the private key" })
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        self.inner.public.clone()
    }

    /// RSA or ECDSA.
    #[must_use]
    pub fn key_kind(&self) -> KeyKind {
        self.inner.kind
    }
}

crate::key_file::shared_key_api!("aws-lc");

impl SigningKey {
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner
            .key
            .sign(self.hash, message)
            .ok_or_else(|| Error::Signing { reason: "AWS-LC could not sign".to_string() })
    }

    fn verify_own(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.inner.public.verify_signature(hash, message, signature)
    }
}

/// A public key for checking signatures (AWS-LC), parsed once.
#[derive(Clone)]
pub struct PublicKey {
    key: Arc<ffi::EvpKey>,
    kind: KeyKind,
    spki: Vec<u8>,
}

impl PublicKey {
    /// Loads a public key from PEM: `PUBLIC KEY` (SubjectPublicKeyInfo, the form CloudFront
    /// takes), RSA or P-256; `RSA PUBLIC KEY` (PKCS#1) is accepted too.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] or [`Error::UnsupportedKey`].
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::from_key_file(key_file::public_key_from_pem(pem)?)
    }

    /// Loads a public key from SubjectPublicKeyInfo DER.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] or [`Error::UnsupportedKey`].
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_key_file(key_file::public_key_from_der(der)?)
    }

    fn from_key_file(file: key_file::PublicKeyDer) -> Result<Self, Error> {
        let key =
            ffi::EvpKey::parse_public(&file.spki).ok_or_else(|| key_file::malformed(file.kind, false))?;
        Ok(PublicKey { key: Arc::new(key), kind: file.kind, spki: file.spki })
    }

    /// The key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), the form CloudFront takes.
    #[must_use]
    pub fn to_pem(&self) -> alloc::string::String {
        key_file::encode("PUBLIC KEY", &self.spki).unwrap_or_default()
    }

    /// RSA or ECDSA.
    #[must_use]
    pub fn key_kind(&self) -> KeyKind {
        self.kind
    }
}

impl PublicKey {
    fn verify_signature(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if self.key.verify(hash, message, signature) { Ok(()) } else { Err(Error::BadSignature) }
    }
}

//! The `rustcrypto` backend: RustCrypto `rsa` (0.10 generation), `p256`, `sha1`, `sha2`.
//! Pure Rust and `no_std`.
//!
//! RSA signatures are PKCS#1 v1.5 and deterministic; with the `std` feature the private-key
//! operation is blinded with the operating system's RNG (the value is the same either way).
//! ECDSA signatures use RFC 6979 deterministic nonces and are DER-encoded.

use alloc::string::ToString;
use alloc::vec::Vec;
use core::fmt;

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use rsa::Pkcs1v15Sign;
use rsa::pkcs8::DecodePrivateKey;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::DecodePublicKey;
use zeroize::Zeroizing;

use crate::key_file;
use crate::{Error, HashAlgorithm, KeyKind, KeyPairId, Signer, Verifier};

#[derive(Clone)]
enum Secret {
    Rsa(rsa::PrivateKey),
    P256(p256::ecdsa::SigningKey),
}

enum Public {
    Rsa(rsa::PublicKey),
    P256(p256::ecdsa::VerifyingKey),
}

/// A private key ready to sign, with its CloudFront key-pair ID and hash algorithm.
///
/// The key is parsed once; signing never re-parses it. `Debug` shows the ID, kind and hash,
/// never key material, and the key is zeroized when dropped.
///
/// ```
/// # let pem = include_str!("../tests/data/ecdsa-p256-pkcs8.pem");
/// use cfsign::{HashAlgorithm, KeyKind, SigningKey};
///
/// let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;   // SHA-256 unless told otherwise
/// assert_eq!(key.key_kind(), KeyKind::EcdsaP256);
/// assert_eq!(key.hash_algorithm(), HashAlgorithm::Sha256);
/// let legacy = key.with_hash(HashAlgorithm::Sha1);
/// assert!(!format!("{legacy:?}").contains("PRIVATE"));
/// # Ok::<(), cfsign::Error>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    secret: Secret,
    key_pair_id: KeyPairId,
    hash: HashAlgorithm,
}

impl SigningKey {
    /// Loads a private key from PEM: `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8, RSA or
    /// P-256) or `EC PRIVATE KEY` (SEC1, P-256). The hash is SHA-256; see
    /// [`with_hash`](Self::with_hash).
    ///
    /// # Errors
    /// [`Error::InvalidKeyPairId`], [`Error::InvalidKey`] (not PEM, not a private key,
    /// encrypted) or [`Error::UnsupportedKey`] (another curve, an RSA size CloudFront refuses).
    pub fn from_pem(pem: &str, key_pair_id: &str) -> Result<Self, Error> {
        let key_pair_id = KeyPairId::new(key_pair_id)?;
        Self::from_key_file(&key_file::private_key_from_pem(pem)?, key_pair_id)
    }

    /// Loads a private key from DER: PKCS#8, PKCS#1 or SEC1, detected in that order.
    ///
    /// # Errors
    /// As [`from_pem`](Self::from_pem).
    pub fn from_der(der: &[u8], key_pair_id: &str) -> Result<Self, Error> {
        let key_pair_id = KeyPairId::new(key_pair_id)?;
        Self::from_key_file(&key_file::private_key_from_der(der)?, key_pair_id)
    }

    fn from_key_file(key: &key_file::PrivateKeyDer, key_pair_id: KeyPairId) -> Result<Self, Error> {
        let malformed = |_| key_file::malformed(key.kind, true);
        let secret = match key.kind {
            KeyKind::Rsa => {
                let rsa = rsa::PrivateKey::from_pkcs8_der(&key.pkcs8).map_err(malformed)?;
                if !crt_values_as_written(&rsa, &key.pkcs8) {
                    return Err(key_file::malformed(KeyKind::Rsa, true));
                }
                Secret::Rsa(rsa)
            }
            KeyKind::EcdsaP256 => {
                Secret::P256(p256::ecdsa::SigningKey::from_pkcs8_der(&key.pkcs8).map_err(malformed)?)
            }
        };
        Ok(SigningKey { secret, key_pair_id, hash: HashAlgorithm::Sha256 })
    }

    /// Generates a new key with the operating system's RNG: RSA-2048 or P-256, the two kinds
    /// CloudFront key groups accept. Export it with [`to_pkcs8_pem`](Self::to_pkcs8_pem) and
    /// upload [`public_key`](Self::public_key)`().`[`to_pem`](PublicKey::to_pem)`()` to
    /// CloudFront. RSA generation takes a moment (about a second).
    ///
    /// # Errors
    /// [`Error::InvalidKeyPairId`], or [`Error::Signing`] when the OS RNG fails.
    #[cfg(feature = "std")]
    pub fn generate(kind: KeyKind, key_pair_id: &str) -> Result<Self, Error> {
        let key_pair_id = KeyPairId::new(key_pair_id)?;
        let mut rng = OsRng::default();
        let secret = match kind {
            KeyKind::Rsa => rsa::PrivateKey::new(&mut rng, 2048)
                .map(Secret::Rsa)
                .map_err(|e| Error::Signing { reason: e.to_string() })?,
            KeyKind::EcdsaP256 => {
                use p256::elliptic_curve::Generate;
                p256::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng)
                    .map(Secret::P256)
                    .map_err(|e| Error::Signing { reason: e.to_string() })?
            }
        };
        if rng.failed {
            return Err(Error::Signing { reason: "the operating system's RNG failed".to_string() });
        }
        Ok(SigningKey { secret, key_pair_id, hash: HashAlgorithm::Sha256 })
    }

    /// The private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), zeroized when dropped. Store it
    /// with owner-only permissions.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<alloc::string::String>, Error> {
        use pkcs8::EncodePrivateKey;
        let failed = |_| Error::InvalidKey { reason: "could not encode the private key" };
        match &self.secret {
            Secret::Rsa(k) => k.to_pkcs8_pem(der::pem::LineEnding::LF).map_err(failed),
            Secret::P256(k) => k.to_pkcs8_pem(der::pem::LineEnding::LF).map_err(failed),
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey(match &self.secret {
            Secret::Rsa(k) => Public::Rsa(k.to_public_key()),
            Secret::P256(k) => Public::P256(*k.verifying_key()),
        })
    }

    /// RSA or ECDSA.
    #[must_use]
    pub fn key_kind(&self) -> KeyKind {
        match self.secret {
            Secret::Rsa(_) => KeyKind::Rsa,
            Secret::P256(_) => KeyKind::EcdsaP256,
        }
    }
}

crate::key_file::shared_key_api!("rustcrypto");

impl SigningKey {
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let failed = |e: &dyn fmt::Display| Error::Signing { reason: e.to_string() };
        match &self.secret {
            Secret::Rsa(k) => {
                let r = match self.hash {
                    HashAlgorithm::Sha1 => k.sign(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(message)),
                    HashAlgorithm::Sha256 => k.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message)),
                };
                r.map_err(|e| failed(&e))
            }
            Secret::P256(k) => {
                let r: Result<p256::ecdsa::Signature, _> = match self.hash {
                    HashAlgorithm::Sha1 => k.sign_prehash(&Sha1::digest(message)),
                    HashAlgorithm::Sha256 => k.sign_prehash(&Sha256::digest(message)),
                };
                r.map(|s| s.to_der().as_bytes().to_vec()).map_err(|e| failed(&e))
            }
        }
    }

    fn verify_own(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        match &self.secret {
            Secret::Rsa(k) => verify_rsa(k.as_ref(), hash, message, signature),
            Secret::P256(k) => verify_p256(k.verifying_key(), hash, message, signature),
        }
    }
}

/// A public key (what is pasted into CloudFront), for checking signatures.
#[derive(Clone)]
pub struct PublicKey(Public);

impl Clone for Public {
    fn clone(&self) -> Self {
        match self {
            Public::Rsa(k) => Public::Rsa(k.clone()),
            Public::P256(k) => Public::P256(*k),
        }
    }
}

impl PublicKey {
    /// Loads a public key from PEM: `PUBLIC KEY` (SubjectPublicKeyInfo, the form CloudFront
    /// takes), RSA or P-256; `RSA PUBLIC KEY` (PKCS#1) is accepted too.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] or [`Error::UnsupportedKey`].
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::from_key_file(&key_file::public_key_from_pem(pem)?)
    }

    /// Loads a public key from SubjectPublicKeyInfo DER.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] or [`Error::UnsupportedKey`].
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_key_file(&key_file::public_key_from_der(der)?)
    }

    fn from_key_file(key: &key_file::PublicKeyDer) -> Result<Self, Error> {
        let malformed = |_| key_file::malformed(key.kind, false);
        Ok(PublicKey(match key.kind {
            KeyKind::Rsa => Public::Rsa(rsa::PublicKey::from_public_key_der(&key.spki).map_err(malformed)?),
            KeyKind::EcdsaP256 => {
                Public::P256(p256::ecdsa::VerifyingKey::from_public_key_der(&key.spki).map_err(malformed)?)
            }
        }))
    }

    /// The key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), the form CloudFront takes.
    #[must_use]
    pub fn to_pem(&self) -> alloc::string::String {
        use spki::EncodePublicKey;
        let der = match &self.0 {
            Public::Rsa(k) => k.to_public_key_der(),
            Public::P256(k) => k.to_public_key_der(),
        };
        // Encoding a valid in-memory public key cannot fail; an empty string would be refused
        // by CloudFront rather than silently accepted.
        der.ok().and_then(|der| key_file::encode("PUBLIC KEY", der.as_bytes())).unwrap_or_default()
    }

    /// RSA or ECDSA.
    #[must_use]
    pub fn key_kind(&self) -> KeyKind {
        match self.0 {
            Public::Rsa(_) => KeyKind::Rsa,
            Public::P256(_) => KeyKind::EcdsaP256,
        }
    }
}

impl PublicKey {
    fn verify_signature(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        match &self.0 {
            Public::Rsa(k) => verify_rsa(k, hash, message, signature),
            Public::P256(k) => verify_p256(k, hash, message, signature),
        }
    }
}

fn verify_rsa(
    key: &rsa::PublicKey,
    hash: HashAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let r = match hash {
        HashAlgorithm::Sha1 => key.verify(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(message), signature),
        HashAlgorithm::Sha256 => {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), signature)
        }
    };
    r.map_err(|_| Error::BadSignature)
}

fn verify_p256(
    key: &p256::ecdsa::VerifyingKey,
    hash: HashAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
    let r = match hash {
        HashAlgorithm::Sha1 => key.verify_prehash(&Sha1::digest(message), &sig),
        HashAlgorithm::Sha256 => key.verify_prehash(&Sha256::digest(message), &sig),
    };
    r.map_err(|_| Error::BadSignature)
}

/// Whether the file's CRT values (`d mod (p-1)`, `d mod (q-1)`, `q⁻¹ mod p`) are the ones its
/// primes give. RustCrypto derives them and ignores the file's; AWS-LC, like OpenSSL, refuses a
/// file whose values are wrong. A damaged key file is refused by both backends alike.
fn crt_values_as_written(key: &rsa::PrivateKey, pkcs8: &[u8]) -> bool {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let Ok(ours) = key.to_pkcs1_der() else { return false };
    let file = pkcs8::PrivateKeyInfoRef::try_from(pkcs8)
        .ok()
        .and_then(|info| pkcs1::RsaPrivateKeyRef::try_from(info.private_key.as_bytes()).ok());
    let derived = pkcs1::RsaPrivateKeyRef::try_from(ours.as_bytes()).ok();
    match (file, derived) {
        (Some(file), Some(derived)) => {
            file.exponent1 == derived.exponent1
                && file.exponent2 == derived.exponent2
                && file.coefficient == derived.coefficient
        }
        _ => false,
    }
}

/// The OS RNG for RSA key generation (which needs an infallible RNG), without panics: if the OS fails to provide randomness the
/// failure is recorded, a counter stands in so generation still terminates, and the key is
/// discarded.
#[cfg(feature = "std")]
#[derive(Default)]
struct OsRng {
    failed: bool,
    fallback: u64,
}

#[cfg(feature = "std")]
impl rand_core::TryRng for OsRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if getrandom::fill(dst).is_err() {
            self.failed = true;
            for b in dst {
                self.fallback = self.fallback.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                *b = (self.fallback >> 56) as u8;
            }
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
impl rand_core::TryCryptoRng for OsRng {}

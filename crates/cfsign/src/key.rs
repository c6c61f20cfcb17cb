//! Keys, key-pair IDs, hash algorithms and the [`Signer`] / [`AsyncSigner`] / [`Verifier`] traits
//! (docs/cloudfront-format.md §3).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;

use crate::Error;

/// The ID of a CloudFront public key (`Key-Pair-Id`), e.g. `K2JCJMDEHXQW5F`.
///
/// Validated on construction: 1 to 128 ASCII letters, digits, `-` or `_`, so it can go into a
/// query string or cookie value without escaping.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPairId(String);

impl KeyPairId {
    /// Validates a key-pair ID.
    ///
    /// # Errors
    /// [`Error::InvalidKeyPairId`].
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        let valid = (1..=128).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid { Ok(KeyPairId(id)) } else { Err(Error::InvalidKeyPairId) }
    }

    /// The ID as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyPairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for KeyPairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::str::FromStr for KeyPairId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        KeyPairId::new(s)
    }
}

impl AsRef<str> for KeyPairId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The kind of a CloudFront key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA with PKCS#1 v1.5 signatures (RSA-2048 for key groups).
    Rsa,
    /// ECDSA on P-256 with ASN.1 DER signatures.
    EcdsaP256,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Rsa => "RSA",
            KeyKind::EcdsaP256 => "ECDSA-P256",
        })
    }
}

/// The hash signed over the policy.
///
/// CloudFront assumes SHA-1 unless the URL carries `Hash-Algorithm=SHA256` (cookies:
/// `CloudFront-Hash-Algorithm=SHA256`); this crate adds that parameter whenever the signer
/// uses SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1: CloudFront's default, understood by every CloudFront verifier since the start.
    Sha1,
    /// SHA-256: sent as `Hash-Algorithm=SHA256`.
    Sha256,
}

impl HashAlgorithm {
    /// The wire name (`SHA1`, `SHA256`) used in `Hash-Algorithm`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA1",
            HashAlgorithm::Sha256 => "SHA256",
        }
    }

    /// Reads a `Hash-Algorithm` value exactly as CloudFront does: `SHA1` or `SHA256`.
    #[must_use]
    pub fn from_wire(value: &[u8]) -> Option<Self> {
        match value {
            b"SHA1" => Some(HashAlgorithm::Sha1),
            b"SHA256" => Some(HashAlgorithm::Sha256),
            _ => None,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that signs CloudFront policies at once: a key in memory
/// ([`SigningKey`](crate::SigningKey)), or your own HSM integration. A signer that has to wait
/// for an answer over the network (AWS KMS) is an [`AsyncSigner`]; every `Signer` is one too.
///
/// `sign` receives the exact policy bytes and returns the raw signature: PKCS#1 v1.5 for RSA,
/// ASN.1 DER for ECDSA, over the hash [`hash_algorithm`](Signer::hash_algorithm) names.
///
/// ```
/// use cfsign::{Error, HashAlgorithm, KeyKind, KeyPairId, Signer};
///
/// /// A signer that asks a remote KMS (here: pretends to).
/// struct Kms { id: KeyPairId }
///
/// impl Signer for Kms {
///     fn key_pair_id(&self) -> &KeyPairId { &self.id }
///     fn key_kind(&self) -> KeyKind { KeyKind::Rsa }
///     fn hash_algorithm(&self) -> HashAlgorithm { HashAlgorithm::Sha256 }
///     fn sign(&self, _policy: &[u8]) -> Result<Vec<u8>, Error> {
///         Err(Error::Signing { reason: "KMS unreachable".into() })
///     }
/// }
/// ```
pub trait Signer {
    /// The CloudFront public key ID of the key pair.
    fn key_pair_id(&self) -> &KeyPairId;
    /// RSA or ECDSA.
    fn key_kind(&self) -> KeyKind;
    /// The hash the signature is made over.
    fn hash_algorithm(&self) -> HashAlgorithm;
    /// Signs `message` (the policy bytes).
    ///
    /// # Errors
    /// Whatever the signing backend reports, as [`Error::Signing`].
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
    /// The public half of this signer's key, to check signatures it made. `cfsign-issuer` uses
    /// it to recognise cookie sets that another instance of the app signed with the same key
    /// (otherwise it re-issues them). `None`, the default, when the signer cannot check its
    /// signatures locally; the keys of this crate return themselves.
    fn verifier(&self) -> Option<&dyn Verifier> {
        None
    }
}

/// `Signer` for references and smart pointers to signers.
macro_rules! forward_signer {
    ($($ptr:ty),*) => {$(
        impl<S: Signer + ?Sized> Signer for $ptr {
            fn key_pair_id(&self) -> &KeyPairId {
                (**self).key_pair_id()
            }
            fn key_kind(&self) -> KeyKind {
                (**self).key_kind()
            }
            fn hash_algorithm(&self) -> HashAlgorithm {
                (**self).hash_algorithm()
            }
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
                (**self).sign(message)
            }
            fn verifier(&self) -> Option<&dyn Verifier> {
                (**self).verifier()
            }
        }
    )*};
}

forward_signer!(&S, alloc::boxed::Box<S>, alloc::sync::Arc<S>);

/// The future an [`AsyncSigner`] returns: the raw signature, or why there is none.
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, Error>> + Send + 'a>>;

/// Something that signs CloudFront policies and may have to wait for it: a key in AWS KMS
/// (crate `cfsign-kms`), a remote HSM — or any [`Signer`], which answers at once.
///
/// The contract is [`Signer`]'s: `sign` receives the exact policy bytes and resolves to the
/// raw signature (PKCS#1 v1.5 for RSA, ASN.1 DER for ECDSA) over the hash
/// [`hash_algorithm`](AsyncSigner::hash_algorithm) names. `cfsign-issuer` awaits it without
/// blocking a thread, and asks once per policy however many requests need it.
///
/// ```
/// use cfsign::{AsyncSigner, Error, HashAlgorithm, KeyKind, KeyPairId, SignFuture};
///
/// /// A signer that asks a remote service (here: pretends to, and fails).
/// struct Remote { id: KeyPairId }
///
/// impl AsyncSigner for Remote {
///     fn key_pair_id(&self) -> &KeyPairId { &self.id }
///     fn key_kind(&self) -> KeyKind { KeyKind::EcdsaP256 }
///     fn hash_algorithm(&self) -> HashAlgorithm { HashAlgorithm::Sha256 }
///     fn sign<'a>(&'a self, _policy: &'a [u8]) -> SignFuture<'a> {
///         Box::pin(async { Err(Error::Signing { reason: "remote signer unreachable".into() }) })
///     }
/// }
/// ```
///
/// A type that implements both traits (every [`Signer`] does, through the blanket
/// implementation) answers the same through both. Importing both traits into one scope makes
/// `key.sign(..)` ambiguous; call `Signer::sign(&key, ..)` or `AsyncSigner::sign(&key, ..)`.
pub trait AsyncSigner: Send + Sync {
    /// The CloudFront public key ID of the key pair.
    fn key_pair_id(&self) -> &KeyPairId;
    /// RSA or ECDSA.
    fn key_kind(&self) -> KeyKind;
    /// The hash the signature is made over.
    fn hash_algorithm(&self) -> HashAlgorithm;
    /// Signs `message` (the policy bytes).
    ///
    /// The future resolves to [`Error::Signing`] (or another error saying what to do) when
    /// no signature can be made.
    fn sign<'a>(&'a self, message: &'a [u8]) -> SignFuture<'a>;
    /// The public half of this signer's key, to check its signatures locally; see
    /// [`Signer::verifier`].
    fn verifier(&self) -> Option<&dyn Verifier> {
        None
    }
}

impl<S: Signer + Send + Sync + ?Sized> AsyncSigner for S {
    fn key_pair_id(&self) -> &KeyPairId {
        Signer::key_pair_id(self)
    }
    fn key_kind(&self) -> KeyKind {
        Signer::key_kind(self)
    }
    fn hash_algorithm(&self) -> HashAlgorithm {
        Signer::hash_algorithm(self)
    }
    fn sign<'a>(&'a self, message: &'a [u8]) -> SignFuture<'a> {
        Box::pin(core::future::ready(Signer::sign(self, message)))
    }
    fn verifier(&self) -> Option<&dyn Verifier> {
        Signer::verifier(self)
    }
}

/// Something that checks CloudFront signatures: a public key
/// ([`PublicKey`](crate::PublicKey)) or your own.
pub trait Verifier {
    /// RSA or ECDSA.
    fn key_kind(&self) -> KeyKind;
    /// Checks `signature` over `message` with `hash`.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not verify (including a malformed signature).
    fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error>;
}

impl<V: Verifier + ?Sized> Verifier for &V {
    fn key_kind(&self) -> KeyKind {
        (**self).key_kind()
    }
    fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        (**self).verify(hash, message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_pair_ids() {
        assert!(KeyPairId::new("K2JCJMDEHXQW5F").is_ok());
        assert!(KeyPairId::new("APKA_legacy-1").is_ok());
        for bad in ["", "K 1", "K;1", "K=1", "Ké", &"K".repeat(129)] {
            assert_eq!(KeyPairId::new(bad), Err(Error::InvalidKeyPairId), "{bad}");
        }
    }

    #[test]
    fn hash_wire_names() {
        assert_eq!(HashAlgorithm::from_wire(b"SHA256"), Some(HashAlgorithm::Sha256));
        assert_eq!(HashAlgorithm::from_wire(b"SHA1"), Some(HashAlgorithm::Sha1));
        assert_eq!(HashAlgorithm::from_wire(b"sha256"), None);
        assert_eq!(HashAlgorithm::from_wire(b"SHA512"), None);
    }
}

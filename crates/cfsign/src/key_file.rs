//! What a key file holds, read once for both backends: PEM framing and labels, which DER
//! structure, which kind of key, and whether CloudFront takes its size. Both backends start
//! from what this module hands them — a private key as PKCS#8 DER, a public key as
//! SubjectPublicKeyInfo DER, the kind already known and the size already checked — so they
//! accept and refuse the same keys with the same errors, and do only the arithmetic.

use alloc::string::String;
use alloc::vec::Vec;
use core::ops::RangeInclusive;

use der::Encode;
use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use zeroize::Zeroizing;

use crate::{Error, KeyKind};

/// RSA moduli CloudFront takes: 2048 bits for key groups; legacy account key pairs also came
/// in 1024 and 4096 bits (docs/cloudfront-format.md §3).
const RSA_BITS: RangeInclusive<usize> = 1024..=4096;

/// A private key as both backends take it: its kind, and PKCS#8 DER (zeroized when dropped)
/// whatever form it arrived in.
pub(crate) struct PrivateKeyDer {
    pub(crate) kind: KeyKind,
    pub(crate) pkcs8: Zeroizing<Vec<u8>>,
}

/// A public key as both backends take it: its kind and SubjectPublicKeyInfo DER.
pub(crate) struct PublicKeyDer {
    pub(crate) kind: KeyKind,
    pub(crate) spki: Vec<u8>,
}

/// What a backend says of a key this module passed but its arithmetic refuses (numbers that do
/// not fit together, a point off the curve).
pub(crate) fn malformed(kind: KeyKind, private: bool) -> Error {
    let reason = match (kind, private) {
        (KeyKind::Rsa, true) => "malformed RSA private key",
        (KeyKind::Rsa, false) => "malformed RSA public key",
        (KeyKind::EcdsaP256, true) => "malformed P-256 private key",
        (KeyKind::EcdsaP256, false) => "malformed P-256 public key",
    };
    Error::InvalidKey { reason }
}

fn unsupported_curve() -> Error {
    Error::UnsupportedKey { reason: "only the P-256 curve is supported by CloudFront" }
}

fn unsupported_algorithm() -> Error {
    Error::UnsupportedKey { reason: "CloudFront keys are RSA or ECDSA P-256" }
}

/// CloudFront's size rule for an RSA modulus.
fn check_rsa_modulus(modulus: UintRef<'_>) -> Result<(), Error> {
    if RSA_BITS.contains(&(modulus.as_bytes().len() * 8)) {
        Ok(())
    } else {
        Err(Error::UnsupportedKey {
            reason: "RSA keys must be 1024 to 4096 bits (CloudFront key groups take 2048)",
        })
    }
}

/// A private key from PEM: `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8) or
/// `EC PRIVATE KEY` (SEC1).
pub(crate) fn private_key_from_pem(pem: &str) -> Result<PrivateKeyDer, Error> {
    let (label, der) = private_key_der(pem)?;
    match label {
        Label::RsaPrivateKey => rsa_pkcs1_private(&der),
        Label::EcPrivateKey => ec_sec1_private(&der),
        _ => pkcs8_private(&der),
    }
}

/// A private key from DER: PKCS#8, PKCS#1 or SEC1, detected in that order.
pub(crate) fn private_key_from_der(der: &[u8]) -> Result<PrivateKeyDer, Error> {
    if pkcs8::PrivateKeyInfoRef::try_from(der).is_ok() {
        pkcs8_private(der)
    } else if pkcs1::RsaPrivateKeyRef::try_from(der).is_ok() {
        rsa_pkcs1_private(der)
    } else if sec1::EcPrivateKey::try_from(der).is_ok() {
        ec_sec1_private(der)
    } else {
        Err(Error::InvalidKey { reason: "not a PKCS#8, PKCS#1 or SEC1 DER private key" })
    }
}

fn pkcs8_private(der: &[u8]) -> Result<PrivateKeyDer, Error> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|_| Error::InvalidKey { reason: "malformed PKCS#8 private key" })?;
    let inner = info.private_key.as_bytes();
    let kind = match info.algorithm.oid {
        RSA_ENCRYPTION => {
            let malformed = Error::InvalidKey { reason: "malformed PKCS#8 RSA private key" };
            if info.algorithm.parameters != Some(AnyRef::NULL) {
                return Err(malformed);
            }
            let key = pkcs1::RsaPrivateKeyRef::try_from(inner).map_err(|_| malformed)?;
            check_rsa_modulus(key.modulus)?;
            KeyKind::Rsa
        }
        EC_PUBLIC_KEY => {
            if info.algorithm.parameters_oid().ok() != Some(SECP256R1) {
                return Err(unsupported_curve());
            }
            let key = sec1::EcPrivateKey::try_from(inner)
                .map_err(|_| Error::InvalidKey { reason: "malformed PKCS#8 P-256 private key" })?;
            check_sec1_curve(&key)?;
            KeyKind::EcdsaP256
        }
        _ => return Err(unsupported_algorithm()),
    };
    Ok(PrivateKeyDer { kind, pkcs8: Zeroizing::new(der.to_vec()) })
}

fn rsa_pkcs1_private(der: &[u8]) -> Result<PrivateKeyDer, Error> {
    let key = pkcs1::RsaPrivateKeyRef::try_from(der)
        .map_err(|_| Error::InvalidKey { reason: "malformed PKCS#1 RSA private key" })?;
    check_rsa_modulus(key.modulus)?;
    Ok(PrivateKeyDer { kind: KeyKind::Rsa, pkcs8: as_pkcs8(AnyRef::NULL, der)? })
}

fn ec_sec1_private(der: &[u8]) -> Result<PrivateKeyDer, Error> {
    let key = sec1::EcPrivateKey::try_from(der)
        .map_err(|_| Error::InvalidKey { reason: "malformed SEC1 EC private key" })?;
    check_sec1_curve(&key)?;
    Ok(PrivateKeyDer { kind: KeyKind::EcdsaP256, pkcs8: as_pkcs8(AnyRef::from(&SECP256R1), der)? })
}

/// A SEC1 key that names its curve must name P-256.
fn check_sec1_curve(key: &sec1::EcPrivateKey<'_>) -> Result<(), Error> {
    match key.parameters.map(|p| p.named_curve()) {
        Some(curve) if curve != Some(SECP256R1) => Err(unsupported_curve()),
        _ => Ok(()),
    }
}

/// A PKCS#1 or SEC1 private key wrapped as PKCS#8 (RFC 5208), as `openssl pkcs8 -topk8` does.
fn as_pkcs8(parameters: AnyRef<'_>, key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let oid = if parameters == AnyRef::NULL { RSA_ENCRYPTION } else { EC_PUBLIC_KEY };
    let failed = |_| Error::InvalidKey { reason: "could not re-encode the private key as PKCS#8" };
    let key = OctetStringRef::new(key).map_err(failed)?;
    let info = pkcs8::PrivateKeyInfo::<AnyRef<'_>, &OctetStringRef, BitStringRef<'_>>::new(
        spki::AlgorithmIdentifier { oid, parameters: Some(parameters) },
        key,
    );
    info.to_der().map(Zeroizing::new).map_err(failed)
}

/// A public key from PEM: `PUBLIC KEY` (SubjectPublicKeyInfo, the form CloudFront takes) or
/// `RSA PUBLIC KEY` (PKCS#1).
pub(crate) fn public_key_from_pem(pem: &str) -> Result<PublicKeyDer, Error> {
    match decode(pem)? {
        (Label::PublicKey, der) => public_key_from_der(&der),
        (Label::RsaPublicKey, der) => {
            let key = pkcs1::RsaPublicKeyRef::try_from(&der[..])
                .map_err(|_| Error::InvalidKey { reason: "malformed PKCS#1 RSA public key" })?;
            check_rsa_modulus(key.modulus)?;
            let failed = |_| Error::InvalidKey { reason: "could not re-encode the public key" };
            let spki = spki::SubjectPublicKeyInfo::<AnyRef<'_>, BitStringRef<'_>> {
                algorithm: spki::AlgorithmIdentifier { oid: RSA_ENCRYPTION, parameters: Some(AnyRef::NULL) },
                subject_public_key: BitStringRef::from_bytes(&der).map_err(failed)?,
            };
            Ok(PublicKeyDer { kind: KeyKind::Rsa, spki: spki.to_der().map_err(failed)? })
        }
        (Label::RsaPrivateKey | Label::PrivateKey | Label::EcPrivateKey | Label::EncryptedPrivateKey, _) => {
            Err(Error::InvalidKey {
                reason: "this is a private key: give the public key (openssl pkey -pubout)",
            })
        }
        (Label::Unknown, _) => Err(Error::InvalidKey { reason: "unknown PEM label: expected PUBLIC KEY" }),
    }
}

/// A public key from SubjectPublicKeyInfo DER, refusing what CloudFront does not take.
pub(crate) fn public_key_from_der(der: &[u8]) -> Result<PublicKeyDer, Error> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|_| Error::InvalidKey { reason: "not a SubjectPublicKeyInfo public key" })?;
    let kind = match spki.algorithm.oid {
        RSA_ENCRYPTION => {
            let key = spki
                .subject_public_key
                .as_bytes()
                .and_then(|bytes| pkcs1::RsaPublicKeyRef::try_from(bytes).ok())
                .filter(|_| spki.algorithm.parameters == Some(AnyRef::NULL))
                .ok_or(Error::InvalidKey { reason: "malformed RSA public key" })?;
            check_rsa_modulus(key.modulus)?;
            KeyKind::Rsa
        }
        EC_PUBLIC_KEY if spki.algorithm.parameters_oid().ok() == Some(SECP256R1) => KeyKind::EcdsaP256,
        EC_PUBLIC_KEY => return Err(unsupported_curve()),
        _ => return Err(unsupported_algorithm()),
    };
    Ok(PublicKeyDer { kind, spki: der.to_vec() })
}

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The labels this crate understands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Label {
    RsaPrivateKey,
    PrivateKey,
    EcPrivateKey,
    EncryptedPrivateKey,
    PublicKey,
    RsaPublicKey,
    Unknown,
}

/// Decodes one PEM document; the DER is zeroized when dropped.
fn decode(pem: &str) -> Result<(Label, Zeroizing<Vec<u8>>), Error> {
    // Editors on Windows start a file with a byte-order mark; it is no part of the PEM.
    let pem = pem.trim_start_matches('\u{feff}').trim();
    let (label, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|_| unreadable(pem))?;
    let der = Zeroizing::new(der);
    let label = match label {
        "RSA PRIVATE KEY" => Label::RsaPrivateKey,
        "PRIVATE KEY" => Label::PrivateKey,
        "EC PRIVATE KEY" => Label::EcPrivateKey,
        "ENCRYPTED PRIVATE KEY" => Label::EncryptedPrivateKey,
        "PUBLIC KEY" => Label::PublicKey,
        "RSA PUBLIC KEY" => Label::RsaPublicKey,
        _ => Label::Unknown,
    };
    Ok((label, der))
}

/// Why `pem` is not one PEM document, in the terms of what usually went wrong.
fn unreadable(pem: &str) -> Error {
    let reason = if !pem.contains("-----BEGIN ") {
        "not a PEM document (-----BEGIN ...-----)"
    } else if pem.matches("-----BEGIN ").count() > 1 {
        "more than one PEM block (a certificate, or the EC PARAMETERS `openssl ecparam -genkey` \
         writes without -noout): keep only the key's"
    } else if pem.contains("Proc-Type:") || pem.contains("DEK-Info:") {
        "the key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)"
    } else if !pem.trim().contains('\n') && pem.contains("\\n") {
        "malformed PEM: its line breaks are written as \\n (unescape them)"
    } else if label_after(pem, "-----BEGIN ") != label_after(pem, "-----END ") {
        "malformed PEM: the END line names another label than the BEGIN line"
    } else if pem.lines().any(|line| line.starts_with([' ', '\t'])) {
        "malformed PEM: its lines are indented (PEM lines start in the first column)"
    } else {
        "malformed PEM: the base64 between the BEGIN and END lines is damaged, or a line is missing"
    };
    Error::InvalidKey { reason }
}

/// The label of the first line starting with `marker` (`-----BEGIN ` or `-----END `).
fn label_after<'a>(pem: &'a str, marker: &str) -> Option<&'a str> {
    let line = pem.lines().map(str::trim).find_map(|line| line.strip_prefix(marker))?;
    line.strip_suffix("-----")
}

/// The label and DER of a private-key PEM, with the errors that say what to do for everything
/// else.
fn private_key_der(pem: &str) -> Result<(Label, Zeroizing<Vec<u8>>), Error> {
    match decode(pem)? {
        (label @ (Label::RsaPrivateKey | Label::PrivateKey | Label::EcPrivateKey), der) => Ok((label, der)),
        (Label::EncryptedPrivateKey, _) => Err(Error::InvalidKey {
            reason: "the key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)",
        }),
        (Label::PublicKey | Label::RsaPublicKey, _) => {
            Err(Error::InvalidKey { reason: "this is a public key: signing needs the private key" })
        }
        (Label::Unknown, _) => Err(Error::InvalidKey {
            reason: "unknown PEM label: expected RSA PRIVATE KEY, PRIVATE KEY or EC PRIVATE KEY",
        }),
    }
}

/// PEM-encodes `der` under `label` (LF line endings).
pub(crate) fn encode(label: &str, der: &[u8]) -> Option<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).ok()
}

/// The part of the key types' API that is the same in both backends, written once so that it
/// cannot drift: the key-pair ID and hash a [`SigningKey`](crate::SigningKey) signs with,
/// `Debug` without key material, and the [`Signer`](crate::Signer) and
/// [`Verifier`](crate::Verifier) impls. A backend's `SigningKey` has the fields `key_pair_id`
/// and `hash` and the methods `key_kind`, `sign_message` and `verify_own`; its `PublicKey` the
/// methods `key_kind` and `verify_signature`.
macro_rules! shared_key_api {
    ($backend:literal) => {
        impl SigningKey {
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
                    .field("backend", &$backend)
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
                self.sign_message(message)
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
                self.verify_own(hash, message, signature)
            }
        }

        impl fmt::Debug for PublicKey {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("PublicKey")
                    .field("backend", &$backend)
                    .field("kind", &self.key_kind())
                    .finish_non_exhaustive()
            }
        }

        impl Verifier for PublicKey {
            fn key_kind(&self) -> KeyKind {
                PublicKey::key_kind(self)
            }

            fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
                self.verify_signature(hash, message, signature)
            }
        }
    };
}
pub(crate) use shared_key_api;

//! PEM and key-structure helpers shared by the backends.

#[cfg(feature = "aws-lc")]
use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::{Error, KeyKind};

pub(crate) const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The labels this crate understands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Label {
    RsaPrivateKey,
    PrivateKey,
    EcPrivateKey,
    EncryptedPrivateKey,
    PublicKey,
    RsaPublicKey,
    Unknown,
}

/// Decodes one PEM document; the DER is zeroized when dropped.
pub(crate) fn decode(pem: &str) -> Result<(Label, Zeroizing<Vec<u8>>), Error> {
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
pub(crate) fn private_key_der(pem: &str) -> Result<(Label, Zeroizing<Vec<u8>>), Error> {
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

/// The SubjectPublicKeyInfo DER of a public-key PEM.
#[cfg(feature = "aws-lc")]
pub(crate) fn public_key_der(pem: &str) -> Result<Vec<u8>, Error> {
    match decode(pem)? {
        (Label::PublicKey, der) => Ok(der.to_vec()),
        (Label::RsaPublicKey, _) => Err(Error::InvalidKey {
            reason: "PKCS#1 RSA PUBLIC KEY: convert it to SubjectPublicKeyInfo (openssl rsa -RSAPublicKey_in -pubout)",
        }),
        (Label::RsaPrivateKey | Label::PrivateKey | Label::EcPrivateKey | Label::EncryptedPrivateKey, _) => {
            Err(Error::InvalidKey {
                reason: "this is a private key: give the public key (openssl pkey -pubout)",
            })
        }
        (Label::Unknown, _) => Err(Error::InvalidKey { reason: "unknown PEM label: expected PUBLIC KEY" }),
    }
}

/// The kind of a SubjectPublicKeyInfo DER key, refusing what CloudFront does not take.
pub(crate) fn spki_kind(der: &[u8]) -> Result<KeyKind, Error> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|_| Error::InvalidKey { reason: "not a SubjectPublicKeyInfo public key" })?;
    match spki.algorithm.oid {
        RSA_ENCRYPTION => Ok(KeyKind::Rsa),
        EC_PUBLIC_KEY if spki.algorithm.parameters_oid().ok() == Some(SECP256R1) => Ok(KeyKind::EcdsaP256),
        EC_PUBLIC_KEY => {
            Err(Error::UnsupportedKey { reason: "only the P-256 curve is supported by CloudFront" })
        }
        _ => Err(Error::UnsupportedKey { reason: "CloudFront keys are RSA or ECDSA P-256" }),
    }
}

/// PEM-encodes `der` under `label` (LF line endings).
#[cfg(feature = "aws-lc")]
pub(crate) fn encode(label: &str, der: &[u8]) -> Option<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).ok()
}

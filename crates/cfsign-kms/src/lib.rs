//! # cfsign-kms — CloudFront signatures from a key that never leaves AWS KMS
//!
//! CloudFront accepts SHA-256 signatures (`Hash-Algorithm=SHA256`), and an asymmetric AWS KMS
//! key makes exactly those: `RSASSA_PKCS1_V1_5_SHA_256` with an `RSA_2048` key, or
//! `ECDSA_SHA_256` (ASN.1 DER) with an `ECC_NIST_P256` key. [`KmsSigner`] signs CloudFront
//! policies with such a key, so a web app hands out signed URLs and cookies without the
//! private key ever being on its machines, and every instance signs with the same key without
//! copying it.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use cfsign_kms::KmsSigner;
//!
//! // The client is yours: region, credentials, roles, profiles and AWS_ENDPOINT_URL as usual.
//! let config = aws_config::load_from_env().await;
//! let kms = aws_sdk_kms::Client::new(&config);
//!
//! // The KMS key (ID, ARN or alias) and the ID CloudFront gave its public key.
//! let signer = KmsSigner::new(kms, "alias/cloudfront-signing", "K2JCJMDEHXQW5F").await?;
//! println!("{}", signer.public_key_pem()); // what CloudFront's "Create public key" takes
//!
//! // One signed URL…
//! let expires = cfsign::EpochSeconds::new(cfsign::EpochSeconds::now().as_secs() + 300);
//! let policy = cfsign::CannedPolicy::new("https://cdn.example.com/a.jpg", expires)?;
//! let url = cfsign::SignedPolicy::new_async(policy, &signer).await?.url("https://cdn.example.com/a.jpg")?;
//!
//! // …or cookies for every signed-in user: the issuer signs each policy once per window,
//! // however many requests need it.
//! let issuer = cfsign_issuer::Issuer::builder(Arc::new(signer)).domain("example.com").build()?;
//! # let _ = (url, issuer); Ok(()) }
//! ```
//!
//! [`KmsSigner::new`] asks KMS for the key's public key and spec once (`kms:GetPublicKey`);
//! each signature is one `kms:Sign` call with `MessageType=RAW` (KMS hashes the policy). The
//! public key stays in memory: the issuer uses it to recognise cookie sets another instance
//! signed, without calling KMS.
//!
//! What KMS cannot do, [`KmsSigner`] refuses with an error that says what to do: key specs
//! other than `RSA_2048` and `ECC_NIST_P256` (CloudFront takes no others), keys not made for
//! signing, and policies over KMS's 4,096-byte limit for raw messages. KMS has no SHA-1
//! signing, so every signature is SHA-256, which CloudFront accepts with the
//! `Hash-Algorithm=SHA256` parameter cfsign adds.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt;

use aws_sdk_kms::error::{DisplayErrorContext, SdkError};
use aws_sdk_kms::operation::get_public_key::GetPublicKeyError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use cfsign::{AsyncSigner, HashAlgorithm, KeyKind, KeyPairId, PublicKey, SignFuture, Verifier};

/// The largest message KMS signs as `MessageType=RAW`.
pub const MAX_RAW_MESSAGE: usize = 4096;

/// Signs CloudFront policies with an asymmetric AWS KMS key; an [`AsyncSigner`] for
/// [`cfsign::SignedPolicy::new_async`] and `cfsign-issuer`. See the [crate docs](crate).
#[derive(Clone)]
pub struct KmsSigner {
    client: aws_sdk_kms::Client,
    key_id: String,
    key_pair_id: KeyPairId,
    kind: KeyKind,
    algorithm: SigningAlgorithmSpec,
    public_key: PublicKey,
}

impl fmt::Debug for KmsSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsSigner")
            .field("key_id", &self.key_id)
            .field("key_pair_id", &self.key_pair_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Why a [`KmsSigner`] could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum KmsError {
    /// The key-pair ID is not one CloudFront could have given.
    InvalidKeyPairId(cfsign::Error),
    /// The `GetPublicKey` call failed (no such key, a symmetric key, no `kms:GetPublicKey`
    /// permission, KMS unreachable, …): the SDK's error, also [`source`](std::error::Error::source).
    GetPublicKey(Box<SdkError<GetPublicKeyError>>),
    /// The key is not for signing.
    NotASigningKey {
        /// The key's usage as KMS reports it.
        usage: String,
    },
    /// The key's spec is not one CloudFront accepts.
    UnsupportedKeySpec {
        /// The key's spec as KMS reports it.
        spec: String,
    },
    /// The public key KMS returned could not be read.
    PublicKey(cfsign::Error),
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KmsError::InvalidKeyPairId(e) => write!(f, "invalid CloudFront key-pair ID: {e}"),
            KmsError::GetPublicKey(e)
                if e.as_service_error()
                    .is_some_and(GetPublicKeyError::is_unsupported_operation_exception) =>
            {
                write!(
                    f,
                    "the KMS key has no public key (a symmetric or HMAC key): CloudFront signatures need an asymmetric key created with KeySpec=RSA_2048 or KeySpec=ECC_NIST_P256 and KeyUsage=SIGN_VERIFY ({})",
                    DisplayErrorContext(e)
                )
            }
            KmsError::GetPublicKey(e) => write!(
                f,
                "KMS GetPublicKey failed: {} (check the key ID, the region, and that the caller may use kms:GetPublicKey and kms:Sign on the key)",
                DisplayErrorContext(e)
            ),
            KmsError::NotASigningKey { usage } => write!(
                f,
                "the KMS key's usage is {usage}: CloudFront signatures need an asymmetric key created with KeyUsage=SIGN_VERIFY"
            ),
            KmsError::UnsupportedKeySpec { spec } => write!(
                f,
                "the KMS key spec is {spec}: CloudFront accepts RSA_2048 or ECC_NIST_P256 keys; create one with KeySpec=RSA_2048 or KeySpec=ECC_NIST_P256 and KeyUsage=SIGN_VERIFY"
            ),
            KmsError::PublicKey(e) => write!(f, "KMS returned a public key cfsign cannot read: {e}"),
        }
    }
}

/// The messages above name the cause already; `source` gives it to code that wants to match on
/// it (the SDK's error, or cfsign's reason).
impl std::error::Error for KmsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KmsError::GetPublicKey(e) => Some(e.as_ref()),
            KmsError::InvalidKeyPairId(e) | KmsError::PublicKey(e) => Some(e),
            KmsError::NotASigningKey { .. } | KmsError::UnsupportedKeySpec { .. } => None,
        }
    }
}

impl KmsSigner {
    /// A signer for the KMS key `key_id` (key ID, key ARN, alias name or alias ARN) whose
    /// public key CloudFront knows as `key_pair_id`. Calls `kms:GetPublicKey` once to learn
    /// the key's spec and public key.
    ///
    /// # Errors
    /// [`KmsError`]: the call failed, or the key is not an `RSA_2048` or `ECC_NIST_P256`
    /// signing key.
    pub async fn new(
        client: aws_sdk_kms::Client,
        key_id: impl Into<String>,
        key_pair_id: &str,
    ) -> Result<Self, KmsError> {
        let key_id = key_id.into();
        let key_pair_id = KeyPairId::new(key_pair_id).map_err(KmsError::InvalidKeyPairId)?;
        let out = client
            .get_public_key()
            .key_id(&key_id)
            .send()
            .await
            .map_err(|e| KmsError::GetPublicKey(Box::new(e)))?;
        match out.key_usage() {
            Some(KeyUsageType::SignVerify) => {}
            other => {
                return Err(KmsError::NotASigningKey {
                    usage: other.map_or_else(|| "not reported".to_owned(), |u| u.as_str().to_owned()),
                });
            }
        }
        // KMS reports the spec twice: `KeySpec`, and the deprecated `CustomerMasterKeySpec`,
        // which some KMS-compatible services (moto, used in the tests) send alone.
        #[allow(deprecated)]
        let spec = out
            .key_spec()
            .cloned()
            .or_else(|| out.customer_master_key_spec().map(|s| KeySpec::from(s.as_str())));
        let (kind, algorithm) = match spec {
            Some(KeySpec::Rsa2048) => (KeyKind::Rsa, SigningAlgorithmSpec::RsassaPkcs1V15Sha256),
            Some(KeySpec::EccNistP256) => (KeyKind::EcdsaP256, SigningAlgorithmSpec::EcdsaSha256),
            other => {
                return Err(KmsError::UnsupportedKeySpec {
                    spec: other.map_or_else(|| "not reported".to_owned(), |s| s.as_str().to_owned()),
                });
            }
        };
        let der = out.public_key().ok_or(KmsError::PublicKey(cfsign::Error::InvalidKey {
            reason: "GetPublicKey returned no public key",
        }))?;
        let public_key = PublicKey::from_der(der.as_ref()).map_err(KmsError::PublicKey)?;
        if public_key.key_kind() != kind {
            return Err(KmsError::PublicKey(cfsign::Error::InvalidKey {
                reason: "the public key KMS returned does not match the key spec it reported",
            }));
        }
        Ok(KmsSigner { client, key_id, key_pair_id, kind, algorithm, public_key })
    }

    /// The KMS key as given to [`new`](Self::new).
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The key's public half.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The public key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`): what CloudFront's
    /// "Create public key" takes.
    #[must_use]
    pub fn public_key_pem(&self) -> String {
        self.public_key.to_pem()
    }
}

impl AsyncSigner for KmsSigner {
    fn key_pair_id(&self) -> &KeyPairId {
        &self.key_pair_id
    }

    fn key_kind(&self) -> KeyKind {
        self.kind
    }

    /// Always SHA-256: KMS has no SHA-1 signing.
    fn hash_algorithm(&self) -> HashAlgorithm {
        HashAlgorithm::Sha256
    }

    fn sign<'a>(&'a self, message: &'a [u8]) -> SignFuture<'a> {
        Box::pin(async move {
            if message.len() > MAX_RAW_MESSAGE {
                return Err(cfsign::Error::Signing {
                    reason: format!(
                        "the policy is {} bytes and KMS signs at most {MAX_RAW_MESSAGE}: use a shorter resource (a wildcard) or fewer conditions",
                        message.len()
                    ),
                });
            }
            let out = self
                .client
                .sign()
                .key_id(&self.key_id)
                .message(Blob::new(message))
                .message_type(MessageType::Raw)
                .signing_algorithm(self.algorithm.clone())
                .send()
                .await
                .map_err(|e| cfsign::Error::Signing {
                    reason: format!("KMS Sign failed: {}", DisplayErrorContext(e)),
                })?;
            out.signature()
                .map(|s| s.as_ref().to_vec())
                .ok_or_else(|| cfsign::Error::Signing { reason: "KMS Sign returned no signature".to_owned() })
        })
    }

    fn verifier(&self) -> Option<&dyn Verifier> {
        Some(&self.public_key)
    }
}

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

//! # cfsign — Amazon CloudFront signed URLs and signed cookies
//!
//! Build CloudFront policies to the exact byte, sign them with RSA or ECDSA P-256 over SHA-1
//! or SHA-256, and produce signed URLs and `CloudFront-*` cookies that CloudFront accepts.
//! `no_std` + `alloc`; the default features are `std` and the pure-Rust `rustcrypto` backend.
//!
//! ```
//! # let pem = include_str!("../tests/data/ecdsa-p256-pkcs8.pem");
//! use cfsign::{CookieAttributes, CustomPolicy, EpochSeconds, ResourceBase, SigningKey, sign_cookies, sign_url_canned};
//!
//! // The private key whose public half is in a CloudFront key group, and that key's ID.
//! let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let expires = EpochSeconds::new(1767290400);
//!
//! // A signed URL for one file (canned policy).
//! let url = sign_url_canned("https://cdn.example.com/report.pdf", expires, &key)?;
//!
//! // Signed cookies for a user's whole folder (custom policy with a wildcard). The user ID is
//! // untrusted: ResourceBase encodes it as one path segment, so `*`, `?` or `/` in it cannot
//! // widen the grant (never `format!` it into a pattern).
//! let users = ResourceBase::new("https://cdn.example.com/u/")?;
//! let policy = CustomPolicy::builder().resource(users.prefix(["alice"])?).date_less_than(expires).build()?;
//! let set_cookie = sign_cookies(policy, &key)?.set_cookie_headers(&CookieAttributes::new().path("/u/alice/"))?;
//! assert_eq!(set_cookie.len(), 4); // Policy, Signature, Key-Pair-Id, Hash-Algorithm
//! # Ok::<(), cfsign::Error>(())
//! ```
//!
//! ## Map
//!
//! - [`CannedPolicy`], [`CustomPolicy`], [`Policy`]: what a signature grants; `to_json` gives
//!   the exact bytes, [`CustomPolicy::parse`] reads any SDK's JSON.
//! - [`ResourceBase`]: resources and URLs built from a trusted base and untrusted path
//!   segments (user IDs, file names), which can never widen the grant.
//! - [`SigningKey`] / [`PublicKey`] (backend `rustcrypto`), or your own [`Signer`] /
//!   [`Verifier`] (HSM, KMS).
//! - [`SignedPolicy`]: sign once, then [`url`](SignedPolicy::url) for any covered URL and
//!   [`cookies`](SignedPolicy::cookies); shortcuts [`sign_url`], [`sign_url_canned`],
//!   [`sign_cookies`].
//! - [`SignedCookies`] + [`CookieAttributes`]: cookie values and `Set-Cookie` headers.
//! - [`encoding`]: CloudFront's base64; [`EpochSeconds`]: time; [`wire`]: the signing
//!   parameters' names and how requests carry them (read by the verifier and the issuer).
//!
//! ## Features
//!
//! - `std` (default): `std::error::Error` via `core`, `SystemTime` conversions, RSA blinding with
//!   the OS RNG.
//! - `rustcrypto` (default): the pure-Rust backend ([`rustcrypto::SigningKey`],
//!   [`rustcrypto::PublicKey`]); `no_std`.
//! - `aws-lc` (std): AWS-LC through `aws-lc-rs` ([`aws_lc::SigningKey`], [`aws_lc::PublicKey`]),
//!   constant-time and assembly-optimised (figures: the benches).
//! - `time`: conversions from and to `time::OffsetDateTime`.
//!
//! [`SigningKey`] and [`PublicKey`] are the `rustcrypto` backend's, whatever features anything
//! else in the dependency tree enables; the `aws-lc` backend's keys are always named
//! `cfsign::aws_lc::SigningKey` / `PublicKey`. Both backends have the same API.
//!
//! Without `std`, RSA signatures are made without blinding (the arithmetic is still
//! constant-time); the signature bytes are identical.
#![no_std]
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;
pub mod cookie;
pub mod encoding;
mod epoch;
mod error;
mod key;
#[cfg(any(feature = "rustcrypto", feature = "aws-lc"))]
mod key_file;
pub mod policy;
#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;
mod signed;
pub mod wire;

pub use cookie::{CookieAttributes, CookieLifetime, SameSite, SignedCookies};
pub use epoch::EpochSeconds;
pub use error::{Error, ResourceUse};
pub use key::{AsyncSigner, HashAlgorithm, KeyKind, KeyPairId, SignFuture, Signer, Verifier};
pub use policy::{
    CannedPolicy, CustomPolicy, CustomPolicyBuilder, Policy, ResourceBase, SourceIp, resource_matches,
};
// Features are additive: `cfsign::SigningKey` is RustCrypto's whatever else the dependency
// tree enables; AWS-LC's keys are only ever named `cfsign::aws_lc::…`.
#[cfg(feature = "rustcrypto")]
pub use rustcrypto::{PublicKey, SigningKey};
pub use signed::{SignedPolicy, sign_cookies, sign_url, sign_url_canned};
#[cfg(any(feature = "rustcrypto", feature = "aws-lc"))]
pub use zeroize::Zeroizing;

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

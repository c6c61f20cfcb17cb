//! # cfsign-verify — decide like CloudFront's edge
//!
//! Given the trusted key groups of a cache behaviour and a request (its raw URL, `Cookie`
//! header, client IP and the time), decide exactly as CloudFront does whether a signed URL or
//! signed cookies grant access — and when not, say why: CloudFront's error code and message,
//! its 403 XML body, and a precise [`Reason`].
//!
//! ```
//! # let private = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
//! # let public = include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem");
//! use cfsign::{EpochSeconds, SigningKey};
//! use cfsign_verify::{DenialCode, KeyGroup, Reason, Request, TrustedKeyGroups};
//!
//! let trusted = TrustedKeyGroups::from(KeyGroup::new().with_pem("K2JCJMDEHXQW5F", public)?);
//!
//! let key = SigningKey::from_pem(private, "K2JCJMDEHXQW5F")?;
//! let url = cfsign::sign_url_canned("https://cdn.example.com/a.jpg", EpochSeconds::new(2_000), &key)?;
//! let client = "192.0.2.1".parse().unwrap();
//!
//! let grant = trusted.verify(&Request::new(&url, client, EpochSeconds::new(1_000))).unwrap();
//! assert_eq!(grant.expires(), EpochSeconds::new(2_000));
//!
//! let denial = trusted.verify(&Request::new(&url, client, EpochSeconds::new(2_000))).unwrap_err();
//! assert_eq!(denial.code(), DenialCode::AccessDenied);
//! assert_eq!(denial.reason(), &Reason::Expired { at: EpochSeconds::new(2_000) });
//! assert_eq!(
//!     denial.xml_body(),
//!     r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The checks and their order are those of `docs/cloudfront-format.md §6` in the repository;
//! `docs/verifying.md` lists each one, what AWS documents and where this crate takes a
//! stricter reading.
//!
//! In front of an origin, build the URL to check with [`target::RequestUrl`] from the
//! request's `Host` and target as sent: it refuses hosts that would move the checked path and
//! paths a decoding origin would read as another file.
//!
//! `no_std` + `alloc`. Features: `std` (default), `rustcrypto` (default: PEM public keys via
//! [`KeyGroup::with_pem`]; without it, bring any [`cfsign::Verifier`]).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod decide;
mod denial;
mod keys;
pub mod target;

use alloc::string::String;
use core::net::IpAddr;
use core::time::Duration;

use cfsign::{CustomPolicy, EpochSeconds, HashAlgorithm, KeyPairId};

pub use cfsign::wire::strip_signing_parameters;
pub use decide::{Explanation, explain};
pub use denial::{Denial, DenialCode, Reason};
pub use keys::{KeyConfigError, KeyGroup, SharedVerifier, TrustedKeyGroups};

/// Requests with a longer URL or `Cookie` header are refused before any parsing (CloudFront's
/// limits).
pub use cfsign::wire::{MAX_COOKIE_HEADER_LEN, MAX_URL_LEN};

/// Where a request's credentials were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Signed-URL query parameters.
    Url,
    /// `CloudFront-*` cookies.
    Cookies,
}

/// What is checked: the request as CloudFront sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    url: &'a str,
    cookie_header: Option<&'a [u8]>,
    client_ip: Option<IpAddr>,
    now: EpochSeconds,
    leeway: u64,
}

impl<'a> Request<'a> {
    /// A request for `url` — the full URL as sent, `scheme://host/path?query`, with the path
    /// and query exactly as on the request line (not decoded) — from `client_ip` at `now`.
    /// In front of an origin, build `url` with [`target::RequestUrl`].
    #[must_use]
    pub fn new(url: &'a str, client_ip: IpAddr, now: EpochSeconds) -> Self {
        Request { url, cookie_header: None, client_ip: Some(client_ip), now, leeway: 0 }
    }

    /// A request whose viewer's address is not known: [`explain`] then shows an IP condition
    /// without checking it, and [`TrustedKeyGroups::verify`] refuses it (no address matches).
    #[must_use]
    pub fn unknown_client(url: &'a str, now: EpochSeconds) -> Self {
        Request { url, cookie_header: None, client_ip: None, now, leeway: 0 }
    }

    /// The request's `Cookie` header, as raw bytes (it may not be UTF-8).
    #[must_use]
    pub fn cookie_header(mut self, header: &'a (impl AsRef<[u8]> + ?Sized)) -> Self {
        self.cookie_header = Some(header.as_ref());
        self
    }

    /// Tolerate clocks that are off by up to `leeway` (whole seconds) in both directions.
    /// CloudFront has none; this is for tests. Default: zero.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs();
        self
    }
}

/// The policy a request was granted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantedPolicy {
    /// A canned policy, rebuilt from the request URL.
    Canned {
        /// The rebuilt policy JSON that the signature covers.
        json: String,
        /// `Expires`.
        expires: EpochSeconds,
    },
    /// A custom policy, as parsed from the signed bytes.
    Custom(CustomPolicy),
}

/// An allowed request: which credentials, key and policy granted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    source: Source,
    key_pair_id: KeyPairId,
    hash: HashAlgorithm,
    policy: GrantedPolicy,
    expires: EpochSeconds,
    forwarded_url: String,
}

impl Grant {
    /// Signed URL or cookies.
    #[must_use]
    pub fn source(&self) -> Source {
        self.source
    }

    /// The key that signed it.
    #[must_use]
    pub fn key_pair_id(&self) -> &KeyPairId {
        &self.key_pair_id
    }

    /// The hash it was signed with.
    #[must_use]
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The policy (canned: the rebuilt JSON; custom: the parsed policy).
    #[must_use]
    pub fn policy(&self) -> &GrantedPolicy {
        &self.policy
    }

    /// `DateLessThan`: when access ends.
    #[must_use]
    pub fn expires(&self) -> EpochSeconds {
        self.expires
    }

    /// The request URL without the signing parameters: what CloudFront forwards to the origin
    /// (and what it rebuilds a canned policy from).
    #[must_use]
    pub fn forwarded_url(&self) -> &str {
        &self.forwarded_url
    }
}

impl TrustedKeyGroups {
    /// Decides a request as CloudFront does (docs/cloudfront-format.md §6):
    ///
    /// 0. URL over [`MAX_URL_LEN`] or `Cookie` header over [`MAX_COOKIE_HEADER_LEN`]: refused
    ///    before parsing.
    /// 1. Credentials from the URL if it carries any signing parameter, else from the cookies.
    /// 2. No `Key-Pair-Id` → `MissingKey`.
    /// 3. Key-pair ID not trusted → `InvalidKey`.
    /// 4. The policy: canned rebuilt from the URL minus signing parameters and `Expires`;
    ///    custom base64-decoded and parsed leniently → `MalformedPolicy` on failure.
    /// 5. Signature not CloudFront base64 → `MalformedSignature`.
    /// 6. `Hash-Algorithm` other than `SHA1`/`SHA256`, or a signature that does not verify
    ///    over the exact policy bytes → `AccessDenied`.
    /// 7. Expired (`now >= DateLessThan`), not yet valid (`now <= DateGreaterThan`), client IP
    ///    outside `AWS:SourceIp`, resource not matching the URL → `AccessDenied`.
    ///
    /// # Errors
    /// The [`Denial`], with code, message and [`Reason`].
    pub fn verify(&self, request: &Request<'_>) -> Result<Grant, Denial> {
        match decide::check(request, Some(self), None)? {
            Some(grant) => Ok(grant),
            // The keys were given, so a request that passes every check has a grant.
            None => decide::deny(Reason::BadSignature),
        }
    }
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

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
//! The checks and their order are those of cloudfront-format.md §6; `docs/verifying.md` in the
//! repository lists each one, what AWS documents and where this crate takes a stricter reading.
//!
//! In front of an origin, build the URL to check with [`target::RequestUrl`] from the
//! request's `Host` and target as sent: it refuses hosts that would move the checked path and
//! paths a decoding origin would read as another file.
//!
//! `no_std` + `alloc`. Features: `std` (default), `rustcrypto` (default: PEM public keys via
//! [`KeyGroup::with_pem`]; without it, bring any [`cfsign::Verifier`]).
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

pub mod credentials;
mod denial;
mod keys;
pub mod target;

use alloc::string::String;
use core::net::IpAddr;
use core::time::Duration;

use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds, HashAlgorithm, KeyPairId};

pub use credentials::{Source, strip_signing_parameters};
pub use denial::{Denial, DenialCode, Reason};
pub use keys::{KeyConfigError, KeyGroup, SharedVerifier, TrustedKeyGroups};

/// Requests with a longer URL or `Cookie` header are refused before any parsing (CloudFront's
/// limits).
pub use cfsign::wire::{MAX_COOKIE_HEADER_LEN, MAX_URL_LEN};

/// What is checked: the request as CloudFront sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    url: &'a str,
    cookie_header: Option<&'a [u8]>,
    client_ip: IpAddr,
    now: EpochSeconds,
    leeway: u64,
}

impl<'a> Request<'a> {
    /// A request for `url` — the full URL as sent, `scheme://host/path?query`, with the path
    /// and query exactly as on the request line (not decoded) — from `client_ip` at `now`.
    #[must_use]
    pub fn new(url: &'a str, client_ip: IpAddr, now: EpochSeconds) -> Self {
        Request { url, cookie_header: None, client_ip, now, leeway: 0 }
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
}

fn deny<T>(reason: Reason) -> Result<T, Denial> {
    Err(Denial::new(reason))
}

impl TrustedKeyGroups {
    /// Decides a request as CloudFront does (cloudfront-format.md §6):
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
        if request.url.len() > MAX_URL_LEN {
            return deny(Reason::TooLarge { what: "URL", len: request.url.len(), limit: MAX_URL_LEN });
        }
        let cookie_header = request.cookie_header.unwrap_or_default();
        if cookie_header.len() > MAX_COOKIE_HEADER_LEN {
            return deny(Reason::TooLarge {
                what: "Cookie header",
                len: cookie_header.len(),
                limit: MAX_COOKIE_HEADER_LEN,
            });
        }
        // Fragments are never sent; ignore one if the caller left it on.
        let url = request.url.split('#').next().unwrap_or_default();

        // 1. Signed-URL parameters take precedence over cookies.
        let (source, creds) = match credentials::url_credentials(url).map_err(Denial::new)? {
            Some(c) => (Source::Url, c),
            None => (Source::Cookies, credentials::cookie_credentials(cookie_header)),
        };
        let resource_url = strip_signing_parameters(url);

        // 2. and 3. The key.
        let key_pair_id = creds.key_pair_id.as_deref().filter(|id| !id.is_empty());
        let Some(key_pair_id) = key_pair_id else { return deny(Reason::MissingKeyPairId) };
        let Some((key_pair_id, key)) = self.get(key_pair_id) else {
            let shown = key_pair_id.get(..128).unwrap_or(key_pair_id);
            return deny(Reason::UnknownKeyPairId { id: String::from_utf8_lossy(shown).into_owned() });
        };

        // 4. The policy bytes.
        let (policy_bytes, policy) = match (creds.expires.as_deref(), creds.policy.as_deref()) {
            (Some(_), Some(_)) => return deny(Reason::BothExpiresAndPolicy),
            (None, None) => return deny(Reason::MissingPolicy),
            (Some(expires), None) => {
                let Some(expires) = cfsign::wire::parse_epoch(expires) else {
                    return deny(Reason::InvalidExpires);
                };
                let json = CannedPolicy::json_for(&resource_url, expires);
                (None, GrantedPolicy::Canned { json, expires })
            }
            (None, Some(encoded)) => {
                let Ok(bytes) = cfsign::encoding::decode_bytes(encoded) else {
                    return deny(Reason::PolicyNotBase64);
                };
                let policy =
                    CustomPolicy::parse(&bytes).map_err(|e| Denial::new(Reason::InvalidPolicy(e)))?;
                (Some(bytes), GrantedPolicy::Custom(policy))
            }
        };
        let policy_bytes = match (&policy_bytes, &policy) {
            (Some(bytes), _) => bytes.as_slice(),
            (None, GrantedPolicy::Canned { json, .. }) => json.as_bytes(),
            (None, GrantedPolicy::Custom(_)) => &[],
        };

        // 5. The signature.
        let Some(signature) = creds.signature.as_deref().filter(|s| !s.is_empty()) else {
            return deny(Reason::MissingSignature);
        };
        let Ok(signature) = cfsign::encoding::decode_bytes(signature) else {
            return deny(Reason::SignatureNotBase64);
        };

        // 6. Hash and signature.
        let hash = match creds.hash_algorithm.as_deref() {
            None => HashAlgorithm::Sha1,
            Some(v) => match HashAlgorithm::from_wire(v) {
                Some(h) => h,
                None => return deny(Reason::UnsupportedHash),
            },
        };
        if key.verify(hash, policy_bytes, &signature).is_err() {
            return deny(Reason::BadSignature);
        }

        // 7. The conditions.
        let (expires, not_before, source_ip, resource) = match &policy {
            GrantedPolicy::Canned { expires, .. } => (*expires, None, None, None),
            GrantedPolicy::Custom(p) => {
                (p.date_less_than(), p.date_greater_than(), p.source_ip(), p.resource())
            }
        };
        let now = request.now.as_secs();
        if now >= expires.as_secs().saturating_add(request.leeway) {
            return deny(Reason::Expired { at: expires });
        }
        if let Some(start) = not_before
            && now.saturating_add(request.leeway) <= start.as_secs()
        {
            return deny(Reason::NotYetValid { until: start });
        }
        if let Some(allowed) = source_ip {
            let client = match request.client_ip {
                IpAddr::V4(a) => Some(a),
                IpAddr::V6(a) => a.to_ipv4_mapped(),
            };
            if !client.is_some_and(|a| allowed.contains(a)) {
                return deny(Reason::IpNotAllowed { allowed, client: request.client_ip });
            }
        }
        if let Some(pattern) = resource
            && !cfsign::resource_matches(pattern, &resource_url)
        {
            return deny(Reason::ResourceMismatch);
        }
        Ok(Grant { source, key_pair_id: key_pair_id.clone(), hash, policy, expires })
    }
}

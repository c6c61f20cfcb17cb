//! CloudFront's wire format in one place: the five signing parameters and their names in query
//! strings and cookies, how a `Cookie` header and a query string carry them, which of several
//! values CloudFront reads, its size limits, and epochs (docs/cloudfront-format.md §4–§6).
//!
//! Everything here reads untrusted bytes without allocating and without failing: what is not
//! well-formed is skipped or reported as absent. The verifier (`cfsign-verify`), the cookie
//! issuer (`cfsign-issuer`) and the CLI read requests through these functions only, so they
//! cannot disagree about what a request carries.
//!
//! ```
//! use cfsign::wire::{SigningParameter, cookie_credentials};
//!
//! let header = br#"session=abc; CloudFront-Policy=eyJ; CloudFront-Signature="c2ln"; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F"#;
//! let set = cookie_credentials(header);
//! assert_eq!(set.get(SigningParameter::Signature), Some(&b"c2ln"[..])); // quotes removed (RFC 6265)
//! assert_eq!(set.get(SigningParameter::Expires), None);
//! assert_eq!(SigningParameter::KeyPairId.cookie_name(), "CloudFront-Key-Pair-Id");
//! ```

mod cookie_header;
mod credentials;
mod percent;
mod query;

use core::fmt;

use crate::EpochSeconds;

pub use cookie_header::{
    CookieSets, cookie_credentials, cookie_names, cookie_pairs, cookie_sets, join_cookie_headers,
};
pub use credentials::{CarriedPolicy, PolicyProblem, RawCredentials, UnsupportedHashAlgorithm};
pub use percent::{percent_decode, percent_escape};
pub use query::{
    DuplicateParameter, query_credentials, query_of, signing_parameter_in, strip_signing_parameters,
};

/// CloudFront's limit on a request URL, in bytes.
pub const MAX_URL_LEN: usize = 8_192;
/// CloudFront's limit on a request's `Cookie` header, in bytes.
pub const MAX_COOKIE_HEADER_LEN: usize = 20_480;

/// One of the values a signed URL or a signed cookie set carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SigningParameter {
    /// `Policy`: a custom policy, CloudFront base64.
    Policy,
    /// `Expires`: a canned policy's `DateLessThan`.
    Expires,
    /// `Signature`, CloudFront base64.
    Signature,
    /// `Key-Pair-Id`: the CloudFront public key's ID.
    KeyPairId,
    /// `Hash-Algorithm`: `SHA1` (the default when absent) or `SHA256`.
    HashAlgorithm,
}

impl SigningParameter {
    /// All five, in the order signed URLs and cookie sets carry them — `Policy|Expires,
    /// Signature, Key-Pair-Id, Hash-Algorithm` — where a set holds one of the first two.
    pub const ALL: [SigningParameter; 5] = [
        SigningParameter::Policy,
        SigningParameter::Expires,
        SigningParameter::Signature,
        SigningParameter::KeyPairId,
        SigningParameter::HashAlgorithm,
    ];

    /// The query parameter name, e.g. `Key-Pair-Id`.
    #[must_use]
    pub const fn query_name(self) -> &'static str {
        match self {
            SigningParameter::Expires => "Expires",
            SigningParameter::Policy => "Policy",
            SigningParameter::Signature => "Signature",
            SigningParameter::KeyPairId => "Key-Pair-Id",
            SigningParameter::HashAlgorithm => "Hash-Algorithm",
        }
    }

    /// The cookie name, e.g. `CloudFront-Key-Pair-Id`. Fixed: never suffixed with the key-pair
    /// ID (docs/cloudfront-format.md §5).
    #[must_use]
    pub const fn cookie_name(self) -> &'static str {
        match self {
            SigningParameter::Expires => "CloudFront-Expires",
            SigningParameter::Policy => "CloudFront-Policy",
            SigningParameter::Signature => "CloudFront-Signature",
            SigningParameter::KeyPairId => "CloudFront-Key-Pair-Id",
            SigningParameter::HashAlgorithm => "CloudFront-Hash-Algorithm",
        }
    }

    /// The parameters a signed URL or cookie set carries, in order: `Expires` (canned) or
    /// `Policy` (custom), `Signature`, `Key-Pair-Id`, and `Hash-Algorithm` when the hash is
    /// SHA-256 (CloudFront's default, SHA-1, goes without it).
    pub fn carried(canned: bool, hash: crate::HashAlgorithm) -> impl Iterator<Item = SigningParameter> {
        let policy = if canned { SigningParameter::Expires } else { SigningParameter::Policy };
        let hash = (hash == crate::HashAlgorithm::Sha256).then_some(SigningParameter::HashAlgorithm);
        [Some(policy), Some(SigningParameter::Signature), Some(SigningParameter::KeyPairId), hash]
            .into_iter()
            .flatten()
    }

    /// The parameter a query name stands for (case-sensitive).
    #[must_use]
    pub fn from_query_name(name: &[u8]) -> Option<Self> {
        // Told apart by the first byte: these names are read on every request.
        let p = match name.first()? {
            b'P' => SigningParameter::Policy,
            b'E' => SigningParameter::Expires,
            b'S' => SigningParameter::Signature,
            b'K' => SigningParameter::KeyPairId,
            b'H' => SigningParameter::HashAlgorithm,
            _ => return None,
        };
        (p.query_name().as_bytes() == name).then_some(p)
    }

    /// The parameter a cookie name stands for (case-sensitive).
    #[must_use]
    pub fn from_cookie_name(name: &[u8]) -> Option<Self> {
        let rest = name.strip_prefix(b"CloudFront-")?;
        Self::from_query_name(rest)
    }

    pub(super) const fn index(self) -> usize {
        self as usize
    }

    /// `Policy` and `Expires` are alternatives: a set holds one of them.
    pub(super) fn slot(self) -> usize {
        match self {
            SigningParameter::Expires => SigningParameter::Policy.index(),
            other => other.index(),
        }
    }
}

impl fmt::Display for SigningParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.query_name())
    }
}

/// A set of signing parameters, e.g. the `CloudFront-*` names a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ParameterSet(u8);

impl ParameterSet {
    /// No parameter.
    pub const EMPTY: ParameterSet = ParameterSet(0);

    /// Whether `p` is in the set.
    #[must_use]
    pub const fn contains(self, p: SigningParameter) -> bool {
        self.0 & (1 << p.index()) != 0
    }

    /// The set with `p` added.
    #[must_use]
    pub const fn with(self, p: SigningParameter) -> Self {
        ParameterSet(self.0 | (1 << p.index()))
    }

    /// The parameters in `self` but not in `other`.
    #[must_use]
    pub const fn without(self, other: ParameterSet) -> Self {
        ParameterSet(self.0 & !other.0)
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The parameters, in [`SigningParameter::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = SigningParameter> {
        SigningParameter::ALL.into_iter().filter(move |&p| self.contains(p))
    }
}

impl FromIterator<SigningParameter> for ParameterSet {
    fn from_iter<I: IntoIterator<Item = SigningParameter>>(iter: I) -> Self {
        iter.into_iter().fold(ParameterSet::EMPTY, ParameterSet::with)
    }
}

/// An epoch as CloudFront's `Expires` and policies write it: ASCII digits only, no sign, no
/// leading zero, within 64 bits.
///
/// ```
/// use cfsign::{EpochSeconds, wire::parse_epoch};
/// assert_eq!(parse_epoch(b"1767290400"), Some(EpochSeconds::new(1767290400)));
/// assert_eq!(parse_epoch(b"0"), Some(EpochSeconds::new(0)));
/// for bad in [&b""[..], b"01", b"+1", b"-1", b"1.0", b"1e9", b"18446744073709551616"] {
///     assert_eq!(parse_epoch(bad), None);
/// }
/// ```
#[must_use]
pub fn parse_epoch(value: &[u8]) -> Option<EpochSeconds> {
    if value.is_empty() || (value.len() > 1 && value.first() == Some(&b'0')) {
        return None;
    }
    let mut secs = 0u64;
    for &d in value {
        if !d.is_ascii_digit() {
            return None;
        }
        secs = secs.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(EpochSeconds::new(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SigningParameter as P;
    use alloc::vec::Vec;

    #[test]
    fn names() {
        for p in P::ALL {
            assert_eq!(P::from_query_name(p.query_name().as_bytes()), Some(p));
            assert_eq!(P::from_cookie_name(p.cookie_name().as_bytes()), Some(p));
            assert_eq!(p.cookie_name().strip_prefix("CloudFront-"), Some(p.query_name()));
        }
        for other in [&b"key-pair-id"[..], b"CloudFront-", b"Cloudfront-Policy", b"CloudFront-PolicyX", b""] {
            assert_eq!(P::from_cookie_name(other), None);
            assert_eq!(P::from_query_name(other), None);
        }
        let set: ParameterSet = [P::Policy, P::HashAlgorithm].into_iter().collect();
        assert_eq!(set.iter().collect::<Vec<_>>(), [P::Policy, P::HashAlgorithm]);
        assert_eq!(
            set.without(ParameterSet::EMPTY.with(P::Policy)).iter().collect::<Vec<_>>(),
            [P::HashAlgorithm]
        );
    }
}

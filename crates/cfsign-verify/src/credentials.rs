//! Finding the credentials in a request: signed-URL query parameters or `CloudFront-*`
//! cookies (cloudfront-format.md §4–§6, step 1), and stripping the signing parameters the way
//! CloudFront does before it forwards a request to the origin.

use alloc::vec::Vec;

pub use cfsign::wire::strip_signing_parameters;
use cfsign::wire::{self, RawCredentials, SigningParameter};

use crate::Reason;

/// Where the credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Signed-URL query parameters.
    Url,
    /// `CloudFront-*` cookies.
    Cookies,
}

/// The raw signing values of a request, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// `Expires` / `CloudFront-Expires`.
    pub expires: Option<Vec<u8>>,
    /// `Policy` / `CloudFront-Policy`.
    pub policy: Option<Vec<u8>>,
    /// `Signature` / `CloudFront-Signature`.
    pub signature: Option<Vec<u8>>,
    /// `Key-Pair-Id` / `CloudFront-Key-Pair-Id`.
    pub key_pair_id: Option<Vec<u8>>,
    /// `Hash-Algorithm` / `CloudFront-Hash-Algorithm`.
    pub hash_algorithm: Option<Vec<u8>>,
}

impl Credentials {
    fn from_raw(raw: RawCredentials<'_>, value: impl Fn(&[u8]) -> Vec<u8>) -> Self {
        let get = |p| raw.get(p).map(&value);
        Credentials {
            expires: get(SigningParameter::Expires),
            policy: get(SigningParameter::Policy),
            signature: get(SigningParameter::Signature),
            key_pair_id: get(SigningParameter::KeyPairId),
            hash_algorithm: get(SigningParameter::HashAlgorithm),
        }
    }

    /// Whether any value is present.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.expires.is_none()
            && self.policy.is_none()
            && self.signature.is_none()
            && self.key_pair_id.is_none()
            && self.hash_algorithm.is_none()
    }
}

/// Decodes `%XX` escapes (a query parser's job; `+` stays `+`, since CloudFront base64 never
/// holds a space). Invalid escapes are kept literally.
fn percent_decode(value: &[u8]) -> Vec<u8> {
    let hex = |b: &u8| char::from(*b).to_digit(16);
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some((&b, tail)) = rest.split_first() {
        if let [h, l, after @ ..] = tail
            && b == b'%'
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            out.push((h * 16 + l) as u8);
            rest = after;
            continue;
        }
        out.push(b);
        rest = tail;
    }
    out
}

/// The signing parameters in a request URL's query ([`wire::query_credentials`]), values
/// percent-decoded; `Ok(None)` when it has none.
///
/// # Errors
/// [`Reason::DuplicateParameter`] when one appears twice.
pub fn url_credentials(url: &str) -> Result<Option<Credentials>, Reason> {
    let Some(query) = wire::query_of(url) else { return Ok(None) };
    let raw = wire::query_credentials(query)
        .map_err(|wire::DuplicateParameter(p)| Reason::DuplicateParameter { name: p.query_name() })?;
    Ok((!raw.is_empty()).then(|| Credentials::from_raw(raw, percent_decode)))
}

/// The `CloudFront-*` cookies of a `Cookie` header as CloudFront reads them
/// ([`wire::cookie_credentials`]: the first value of each name). Never fails.
#[must_use]
pub fn cookie_credentials(header: &[u8]) -> Credentials {
    Credentials::from_raw(wire::cookie_credentials(header), <[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parameters() {
        assert_eq!(url_credentials("https://d.net/a?w=1"), Ok(None));
        assert_eq!(url_credentials("https://d.net/a"), Ok(None));
        let c = url_credentials(
            "https://d.net/a?w=1&Expires=5&Signature=a%7Eb&Key-Pair-Id=K&Hash-Algorithm=SHA256",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.expires.as_deref(), Some(&b"5"[..]));
        assert_eq!(c.signature.as_deref(), Some(&b"a~b"[..]));
        assert_eq!(c.key_pair_id.as_deref(), Some(&b"K"[..]));
        assert_eq!(c.hash_algorithm.as_deref(), Some(&b"SHA256"[..]));
        assert_eq!(
            url_credentials("https://d.net/a?Signature=1&Signature=2"),
            Err(Reason::DuplicateParameter { name: "Signature" })
        );
        let bare = url_credentials("https://d.net/a?Key-Pair-Id").unwrap().unwrap();
        assert_eq!(bare.key_pair_id.as_deref(), Some(&b""[..]));
        assert_eq!(url_credentials("https://d.net/a?key-pair-id=K"), Ok(None));
    }

    #[test]
    fn cookies() {
        let c = cookie_credentials(
            b"session=x; CloudFront-Policy=P1;CloudFront-Signature=\"S1\" ; CloudFront-Key-Pair-Id=K1; CloudFront-Policy=P2; junk; =; \xff\xfe=1",
        );
        assert_eq!(c.policy.as_deref(), Some(&b"P1"[..]));
        assert_eq!(c.signature.as_deref(), Some(&b"S1"[..]));
        assert_eq!(c.key_pair_id.as_deref(), Some(&b"K1"[..]));
        assert_eq!(c.expires, None);
        assert!(cookie_credentials(b"").is_empty());
        assert!(cookie_credentials(b"cloudfront-policy=x").is_empty());
        let canned = cookie_credentials(b"CloudFront-Expires=9; CloudFront-Hash-Algorithm=SHA256");
        assert_eq!(canned.expires.as_deref(), Some(&b"9"[..]));
        assert_eq!(canned.hash_algorithm.as_deref(), Some(&b"SHA256"[..]));
    }
}

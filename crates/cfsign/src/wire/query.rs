//! How a signed URL's query carries signing parameters, and the URL CloudFront forwards
//! without them.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;

use super::{RawCredentials, SigningParameter};

/// Why a query's signing parameters cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateParameter(pub SigningParameter);

impl fmt::Display for DuplicateParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the signing parameter {} appears more than once", self.0)
    }
}

impl core::error::Error for DuplicateParameter {}

/// The query of a URL (after the first `?`, before any `#`).
#[must_use]
pub fn query_of(url: &str) -> Option<&str> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    without_fragment.split_once('?').map(|(_, q)| q)
}

/// The signing parameters of a query string (without its `?`): names case-sensitive, a name
/// alone (`?Expires`) counting with an empty value, values as sent (still percent-encoded).
///
/// # Errors
/// [`DuplicateParameter`] when a signing parameter appears twice: which one would count is a
/// guess, so nothing counts.
pub fn query_credentials(query: &str) -> Result<RawCredentials<'_>, DuplicateParameter> {
    let mut creds = RawCredentials::from_query();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if let Some(p) = SigningParameter::from_query_name(name.as_bytes()) {
            if creds.get(p).is_some() {
                return Err(DuplicateParameter(p));
            }
            creds.set_first(p, value.as_bytes());
        }
    }
    Ok(creds)
}

/// The first signing parameter in a URL's query, if any.
#[must_use]
pub fn signing_parameter_in(url: &str) -> Option<SigningParameter> {
    query_of(url)?.split('&').find_map(|pair| {
        SigningParameter::from_query_name(pair.split_once('=').map_or(pair, |(n, _)| n).as_bytes())
    })
}

/// The URL with the signing parameters removed from its query, as CloudFront forwards it to the
/// origin and as it rebuilds canned policies. Other parameters keep their order and bytes; the
/// `?` goes when nothing is left.
///
/// ```
/// use cfsign::wire::strip_signing_parameters;
/// assert_eq!(
///     strip_signing_parameters("https://d.net/a.jpg?w=1&Expires=2&Signature=x&Key-Pair-Id=K&h=3"),
///     "https://d.net/a.jpg?w=1&h=3"
/// );
/// assert_eq!(strip_signing_parameters("https://d.net/a.jpg?Expires=2"), "https://d.net/a.jpg");
/// ```
#[must_use]
pub fn strip_signing_parameters(url: &str) -> Cow<'_, str> {
    let Some((base, q)) = url.split_once('?') else { return Cow::Borrowed(url) };
    let (q, fragment) = match q.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (q, None),
    };
    let is_signing = |pair: &&str| {
        SigningParameter::from_query_name(pair.split_once('=').map_or(*pair, |(n, _)| n).as_bytes()).is_some()
    };
    if !q.split('&').any(|p| is_signing(&p)) {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(base);
    let mut sep = '?';
    for pair in q.split('&').filter(|p| !is_signing(p)) {
        out.push(sep);
        out.push_str(pair);
        sep = '&';
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SigningParameter as P;

    #[test]
    fn query_parameters() {
        assert!(query_credentials("w=1").unwrap().is_empty());
        let c =
            query_credentials("w=1&Expires=5&Signature=a%7Eb&Key-Pair-Id=K&Hash-Algorithm=SHA256").unwrap();
        assert_eq!(c.get(P::Expires), Some(&b"5"[..]));
        assert_eq!(c.get(P::Signature), Some(&b"a%7Eb"[..]));
        assert_eq!(query_credentials("Signature=1&Signature=2"), Err(DuplicateParameter(P::Signature)));
        assert_eq!(query_credentials("Key-Pair-Id").unwrap().get(P::KeyPairId), Some(&b""[..]));
        assert!(query_credentials("key-pair-id=K").unwrap().is_empty());
        assert_eq!(query_of("https://d/a?x#y?z"), Some("x"));
        assert_eq!(signing_parameter_in("https://d/a?x=1&Policy=p"), Some(P::Policy));
        assert_eq!(signing_parameter_in("https://d/a?policy=p"), None);
    }

    #[test]
    fn stripping() {
        assert_eq!(strip_signing_parameters("https://d.net/a"), "https://d.net/a");
        assert_eq!(strip_signing_parameters("https://d.net/a?x=1"), "https://d.net/a?x=1");
        assert_eq!(
            strip_signing_parameters(
                "https://d.net/a?Policy=p&x=1&Signature=s&Key-Pair-Id=k&Hash-Algorithm=SHA256"
            ),
            "https://d.net/a?x=1"
        );
        assert_eq!(
            strip_signing_parameters("https://d.net/a?Expires=1&Signature&Key-Pair-Id=k"),
            "https://d.net/a"
        );
        assert_eq!(strip_signing_parameters("https://d.net/a?expires=1"), "https://d.net/a?expires=1");
    }
}

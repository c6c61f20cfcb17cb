//! Finding the credentials in a request: signed-URL query parameters or `CloudFront-*`
//! cookies (cloudfront-format.md §4–§6, step 1), and stripping the signing parameters the way
//! CloudFront does before it forwards a request to the origin.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use cfsign::policy::SIGNING_PARAMETERS;

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
    fn slot(&mut self, index: usize) -> &mut Option<Vec<u8>> {
        match index {
            0 => &mut self.expires,
            1 => &mut self.policy,
            2 => &mut self.signature,
            3 => &mut self.key_pair_id,
            _ => &mut self.hash_algorithm,
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

/// Index of a signing parameter in [`SIGNING_PARAMETERS`] (Expires, Policy, Signature,
/// Key-Pair-Id, Hash-Algorithm), which is also the slot order of [`Credentials`].
fn slot_of(name: &[u8]) -> Option<usize> {
    SIGNING_PARAMETERS.iter().position(|n| n.as_bytes() == name)
}

fn query(url: &str) -> Option<&str> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    without_fragment.split_once('?').map(|(_, q)| q)
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

/// The signing parameters in a request URL's query; `Ok(None)` when it has none.
///
/// Parameter names are case-sensitive; values are percent-decoded. A parameter given twice is
/// refused ([`Reason::DuplicateParameter`]) rather than guessing which one counts.
///
/// # Errors
/// [`Reason::DuplicateParameter`].
pub fn url_credentials(url: &str) -> Result<Option<Credentials>, Reason> {
    let Some(q) = query(url) else { return Ok(None) };
    let mut creds = Credentials::default();
    for pair in q.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if let Some(i) = slot_of(name.as_bytes()) {
            let slot = creds.slot(i);
            if slot.is_some() {
                return Err(Reason::DuplicateParameter {
                    name: SIGNING_PARAMETERS.get(i).copied().unwrap_or("?"),
                });
            }
            *slot = Some(percent_decode(value.as_bytes()));
        }
    }
    Ok(if creds.is_empty() { None } else { Some(creds) })
}

/// The `CloudFront-*` cookies of a `Cookie` header (raw bytes: it may not be UTF-8).
///
/// Pairs are separated by `;`, surrounding spaces are ignored, values are taken as sent
/// (one pair of surrounding double quotes removed, as RFC 6265 allows). When a name occurs
/// more than once — cookie sets under different `Path`s — the first one counts: browsers send
/// cookies with longer (more specific) paths first. Never fails: malformed pairs are skipped.
#[must_use]
pub fn cookie_credentials(header: &[u8]) -> Credentials {
    let mut creds = Credentials::default();
    for pair in header.split(|&b| b == b';') {
        let pair = trim(pair);
        let mut halves = pair.splitn(2, |&b| b == b'=');
        let (Some(name), Some(value)) = (halves.next(), halves.next()) else { continue };
        let (name, value) = (trim(name), trim(value));
        let value = match value {
            [b'"', inner @ .., b'"'] => inner,
            v => v,
        };
        // Cookie names are the parameter names with a `CloudFront-` prefix (cfsign::cookie::NAMES).
        if let Some(i) = name.strip_prefix(b"CloudFront-").and_then(slot_of) {
            let slot = creds.slot(i);
            if slot.is_none() {
                *slot = Some(value.to_vec());
            }
        }
    }
    creds
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The URL with the signing parameters (`Expires`, `Policy`, `Signature`, `Key-Pair-Id`,
/// `Hash-Algorithm`) removed from its query, as CloudFront forwards it to the origin and as it
/// rebuilds canned policies. Other parameters keep their order and bytes; the `?` goes when
/// nothing is left.
///
/// ```
/// use cfsign_verify::strip_signing_parameters;
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
    let is_signing =
        |pair: &&str| slot_of(pair.split_once('=').map_or(*pair, |(n, _)| n).as_bytes()).is_some();
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

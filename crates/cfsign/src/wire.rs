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

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;

use crate::EpochSeconds;

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

    const fn index(self) -> usize {
        self as usize
    }

    /// `Policy` and `Expires` are alternatives: a set holds one of them.
    fn slot(self) -> usize {
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

/// The values of the signing parameters as a request carries them: raw bytes, not decoded or
/// checked (query values are still percent-encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawCredentials<'a> {
    values: [Option<&'a [u8]>; 5],
    names: ParameterSet,
}

impl<'a> RawCredentials<'a> {
    /// The value of `p`, if present (possibly empty).
    #[must_use]
    pub fn get(&self, p: SigningParameter) -> Option<&'a [u8]> {
        self.values.get(p.index()).copied().flatten()
    }

    /// Which parameters are present.
    #[must_use]
    pub fn names(&self) -> ParameterSet {
        self.names
    }

    /// Whether no parameter is present.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    fn set_first(&mut self, p: SigningParameter, value: &'a [u8]) {
        if let Some(slot @ None) = self.values.get_mut(p.index()) {
            *slot = Some(value);
            self.names = self.names.with(p);
        }
    }
}

/// Spaces and tabs around a cookie name or value (docs/cloudfront-format.md §5, after RFC 6265).
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The `;`-separated pieces of a header and where each starts. `memchr`: most of a `Cookie`
/// header's bytes are long values (policies, signatures, session tokens).
fn pieces(header: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = Some(0);
    core::iter::from_fn(move || {
        let from = start?;
        let rest = header.get(from..)?;
        match memchr::memchr(b';', rest) {
            Some(at) => {
                start = Some(from + at + 1);
                Some((from, rest.get(..at)?))
            }
            None => {
                start = None;
                Some((from, rest))
            }
        }
    })
}

/// One `name=value` piece of a `Cookie` header, trimmed and unquoted; `None` without `=`.
fn cookie_pair(piece: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(b'=', piece)?;
    Some((trim(piece.get(..at)?), unquote(trim(piece.get(at + 1..)?))))
}

/// The `name=value` pairs of a `Cookie` header, in order (docs/cloudfront-format.md §5): separated
/// by `;`, spaces and tabs around names and values ignored, one pair of double quotes around a
/// value removed. A pair without `=` is skipped. Any bytes are read; nothing fails.
pub fn cookie_pairs(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    pieces(header).filter_map(|(_, piece)| cookie_pair(piece))
}

/// A `CloudFront-*` piece: its parameter and value.
/// What [`cookie_pair`] and [`SigningParameter::from_cookie_name`] give together, read in one
/// go: this runs for every cookie of every request, and most are the app's own.
fn cloudfront_pair(piece: &[u8]) -> Option<(SigningParameter, &[u8])> {
    let rest = strip(trim_start(piece), b"CloudFront-")?;
    let (p, after) = match rest.first()? {
        b'P' => (SigningParameter::Policy, strip(rest, b"Policy")?),
        b'E' => (SigningParameter::Expires, strip(rest, b"Expires")?),
        b'S' => (SigningParameter::Signature, strip(rest, b"Signature")?),
        b'K' => (SigningParameter::KeyPairId, strip(rest, b"Key-Pair-Id")?),
        b'H' => (SigningParameter::HashAlgorithm, strip(rest, b"Hash-Algorithm")?),
        _ => return None,
    };
    let [b'=', value @ ..] = trim_start(after) else { return None };
    Some((p, unquote(trim(value))))
}

/// `s` without the leading `name`, compared as one fixed-size array (no `memcmp` call).
fn strip<'a, const N: usize>(s: &'a [u8], name: &[u8; N]) -> Option<&'a [u8]> {
    let (head, rest) = s.split_first_chunk::<N>()?;
    (head == name).then_some(rest)
}

fn trim_start(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

/// One pair of double quotes around a cookie value removed (docs/cloudfront-format.md §5).
fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        v => v,
    }
}

/// The `CloudFront-*` pairs of a header, or none when it is over CloudFront's limit.
fn cloudfront_pairs(header: &[u8]) -> impl Iterator<Item = (SigningParameter, &[u8])> {
    let header = if header.len() > MAX_COOKIE_HEADER_LEN { &[][..] } else { header };
    pieces(header).filter_map(|(_, piece)| cloudfront_pair(piece))
}

/// What CloudFront reads from a `Cookie` header: the **first** value of each `CloudFront-*`
/// name. Browsers send the cookies with the longest matching `Path` first, so when several
/// cookie sets apply, the most specific one counts. Empty for a header over
/// [`MAX_COOKIE_HEADER_LEN`].
#[must_use]
pub fn cookie_credentials(header: &[u8]) -> RawCredentials<'_> {
    let mut read = RawCredentials::default();
    for (p, value) in cloudfront_pairs(header) {
        read.set_first(p, value);
    }
    read
}

/// Which `CloudFront-*` names a `Cookie` header carries (nothing for a header over
/// [`MAX_COOKIE_HEADER_LEN`]).
#[must_use]
pub fn cookie_names(header: &[u8]) -> ParameterSet {
    cloudfront_pairs(header).map(|(p, _)| p).collect()
}

/// The cookie sets of a `Cookie` header, in the order the browser sent them, each as CloudFront
/// reads it for requests under that set's `Path`.
///
/// The cookies of one set share a `Path` and arrive together, longer paths first; a name seen
/// again (`CloudFront-Policy` and `CloudFront-Expires` counting as one) therefore starts the
/// next set. A request under the `Path` of the set at position *i* carries that set and the ones
/// after it (shorter paths), so CloudFront reads the first value of each name **from the set's
/// start on**: that is what the *i*-th item holds. The first item is [`cookie_credentials`].
#[must_use]
pub fn cookie_sets(header: &[u8]) -> CookieSets<'_> {
    let header = if header.len() > MAX_COOKIE_HEADER_LEN { &[][..] } else { header };
    CookieSets { rest: header }
}

/// The iterator [`cookie_sets`] returns.
#[derive(Debug, Clone)]
pub struct CookieSets<'a> {
    /// The header from the next set's first `CloudFront-*` pair (or earlier) on.
    rest: &'a [u8],
}

impl<'a> Iterator for CookieSets<'a> {
    type Item = RawCredentials<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest;
        let mut read = RawCredentials::default();
        let mut in_set = [false; 5];
        let mut next_start = None;
        let mut found = false;
        let mut start = 0;
        while let Some(from_start) = rest.get(start..) {
            let end = memchr::memchr(b';', from_start).map_or(rest.len(), |at| start + at);
            if let Some((p, value)) = rest.get(start..end).and_then(cloudfront_pair) {
                found = true;
                if next_start.is_none() {
                    match in_set.get_mut(p.slot()) {
                        Some(seen @ false) => *seen = true,
                        _ => next_start = Some(start),
                    }
                }
                read.set_first(p, value);
            }
            start = end + 1;
        }
        if !found {
            self.rest = &[];
            return None;
        }
        self.rest = next_start.and_then(|at| rest.get(at..)).unwrap_or_default();
        Some(read)
    }
}

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
    let mut creds = RawCredentials::default();
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

    #[test]
    fn cookie_pairs_follow_rfc_6265() {
        let pairs: Vec<_> = cookie_pairs(b" a = 1 ;b=\"q\";c;=;d=\"\";\xff\xfe=\x80; e=\"x").collect();
        assert_eq!(
            pairs,
            [
                (&b"a"[..], &b"1"[..]),
                (b"b", b"q"),
                (b"", b""),
                (b"d", b""),
                (b"\xff\xfe", b"\x80"),
                (b"e", b"\"x"),
            ]
        );
    }

    #[test]
    fn cloudfront_reads_the_first_value_of_each_name() {
        let c = cookie_credentials(
            b"session=x; CloudFront-Policy=P1;CloudFront-Signature=\"S1\" ; CloudFront-Key-Pair-Id=K1; CloudFront-Policy=P2; junk; =; \xff\xfe=1",
        );
        assert_eq!(c.get(P::Policy), Some(&b"P1"[..]));
        assert_eq!(c.get(P::Signature), Some(&b"S1"[..]));
        assert_eq!(c.get(P::KeyPairId), Some(&b"K1"[..]));
        assert_eq!(c.get(P::Expires), None);
        assert!(cookie_credentials(b"").is_empty());
        assert!(cookie_credentials(b"cloudfront-policy=x").is_empty());
        // A stray Expires beside a Policy is read too: CloudFront sees both.
        let both = cookie_credentials(b"CloudFront-Policy=P; CloudFront-Signature=S; CloudFront-Expires=1");
        assert_eq!(both.names(), [P::Policy, P::Expires, P::Signature].into_iter().collect());
        let long = [&b"CloudFront-Expires=1; "[..], &[b'a'; MAX_COOKIE_HEADER_LEN]].concat();
        assert!(cookie_credentials(&long).is_empty());
        assert!(cookie_names(&long).is_empty());
    }

    #[test]
    fn cookie_sets_are_read_from_each_sets_start() {
        let header = b"a=1; CloudFront-Policy=P1; CloudFront-Signature=S1; CloudFront-Key-Pair-Id=K1; \
            CloudFront-Expires=E2; CloudFront-Signature=S2; CloudFront-Key-Pair-Id=K2; CloudFront-Hash-Algorithm=SHA256; \
            CloudFront-Signature=S3";
        let sets: Vec<_> = cookie_sets(header).collect();
        assert_eq!(sets.len(), 3);
        let get = |i: usize, p| sets[i].get(p);
        assert_eq!(
            (get(0, P::Policy), get(0, P::Signature), get(0, P::KeyPairId)),
            (Some(&b"P1"[..]), Some(&b"S1"[..]), Some(&b"K1"[..]))
        );
        // Read from the first set's start on, CloudFront also sees E2 and the hash: as it would
        // for a request both sets' paths cover.
        assert_eq!((get(0, P::Expires), get(0, P::HashAlgorithm)), (Some(&b"E2"[..]), Some(&b"SHA256"[..])));
        assert_eq!(
            (get(1, P::Expires), get(1, P::Policy), get(1, P::Signature)),
            (Some(&b"E2"[..]), None, Some(&b"S2"[..]))
        );
        assert_eq!((get(2, P::Signature), get(2, P::KeyPairId)), (Some(&b"S3"[..]), None));
        assert_eq!(sets[0], cookie_credentials(header));
        assert_eq!(cookie_sets(b"a=1; b=2").count(), 0);
        // Many repeated names: one set each, no more.
        let repeated = b"CloudFront-Signature=A;".repeat(50);
        assert_eq!(cookie_sets(&repeated).count(), 50);
    }

    #[test]
    fn query_parameters() {
        assert_eq!(query_credentials("w=1"), Ok(RawCredentials::default()));
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

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
/// checked (query values are still percent-encoded; [`value`](Self::value) decodes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawCredentials<'a> {
    values: [Option<&'a [u8]>; 5],
    names: ParameterSet,
    /// Read from a query string: values are percent-decoded before use.
    from_query: bool,
}

impl<'a> RawCredentials<'a> {
    /// The value of `p` as sent, if present (possibly empty).
    #[must_use]
    pub fn get(&self, p: SigningParameter) -> Option<&'a [u8]> {
        self.values.get(p.index()).copied().flatten()
    }

    /// The value of `p` as CloudFront reads it: a query value percent-decoded
    /// ([`percent_decode`]), a cookie value as sent.
    #[must_use]
    pub fn value(&self, p: SigningParameter) -> Option<Cow<'a, [u8]>> {
        let raw = self.get(p)?;
        Some(if self.from_query { percent_decode(raw) } else { Cow::Borrowed(raw) })
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

    /// The policy the set carries, as CloudFront decides it: exactly one of `Expires` (a canned
    /// policy) and `Policy` (a custom one). Values as [`value`](Self::value) reads them.
    ///
    /// # Errors
    /// [`PolicyProblem`] when the set carries both or neither.
    pub fn policy(&self) -> Result<CarriedPolicy<'a>, PolicyProblem> {
        match (self.value(SigningParameter::Expires), self.value(SigningParameter::Policy)) {
            (Some(expires), None) => Ok(CarriedPolicy::Canned { expires }),
            (None, Some(policy)) => Ok(CarriedPolicy::Custom { policy }),
            (Some(_), Some(_)) => Err(PolicyProblem::BothExpiresAndPolicy),
            (None, None) => Err(PolicyProblem::MissingPolicy),
        }
    }

    /// The hash the signature is checked with, as CloudFront decides it: SHA-1 when
    /// `Hash-Algorithm` is absent, else the one it names.
    ///
    /// # Errors
    /// [`UnsupportedHashAlgorithm`] when it names one CloudFront does not take (anything but
    /// `SHA1` and `SHA256`, case-sensitive).
    pub fn hash_algorithm(&self) -> Result<crate::HashAlgorithm, UnsupportedHashAlgorithm> {
        match self.value(SigningParameter::HashAlgorithm) {
            None => Ok(crate::HashAlgorithm::Sha1),
            Some(name) => crate::HashAlgorithm::from_wire(&name).ok_or(UnsupportedHashAlgorithm),
        }
    }

    fn set_first(&mut self, p: SigningParameter, value: &'a [u8]) {
        if let Some(slot @ None) = self.values.get_mut(p.index()) {
            *slot = Some(value);
            self.names = self.names.with(p);
        }
    }
}

/// The policy a set of signing parameters carries ([`RawCredentials::policy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarriedPolicy<'a> {
    /// `Expires`: a canned policy, rebuilt from the URL; the value is not yet checked.
    Canned {
        /// The `Expires` value ([`parse_epoch`] reads it).
        expires: Cow<'a, [u8]>,
    },
    /// `Policy`: a custom policy, CloudFront base64; not yet decoded.
    Custom {
        /// The `Policy` value.
        policy: Cow<'a, [u8]>,
    },
}

/// Why a set of signing parameters carries no policy CloudFront reads (it answers
/// `MalformedPolicy` for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyProblem {
    /// Both `Expires` and `Policy`: which one is meant is a guess.
    BothExpiresAndPolicy,
    /// Neither `Expires` nor `Policy`.
    MissingPolicy,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyProblem::BothExpiresAndPolicy => "both Expires and Policy are present",
            PolicyProblem::MissingPolicy => "neither Expires nor Policy is present",
        })
    }
}

impl core::error::Error for PolicyProblem {}

/// `Hash-Algorithm` names a hash CloudFront does not take ([`RawCredentials::hash_algorithm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedHashAlgorithm;

impl fmt::Display for UnsupportedHashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hash-Algorithm is not SHA1 or SHA256")
    }
}

impl core::error::Error for UnsupportedHashAlgorithm {}

/// The byte a `%XX` escape at the start of `s` stands for: `None` unless `s` starts with `%`
/// and two hex digits (either case). The one place `%XX` is read: lenient readers
/// ([`percent_decode`]) keep what this refuses, strict ones (request paths in normal form)
/// refuse it.
#[must_use]
pub fn percent_escape(s: &[u8]) -> Option<u8> {
    let &[b'%', hi, lo, ..] = s else { return None };
    let digit = |d: u8| char::from(d).to_digit(16).and_then(|v| u8::try_from(v).ok());
    Some(digit(hi)? << 4 | digit(lo)?)
}

/// `%XX` escapes decoded, as a query parser reads a value: an escape that is not well-formed is
/// kept as sent, and `+` stays `+` (CloudFront base64 never holds a space). Borrowed when there
/// is nothing to decode.
///
/// ```
/// use cfsign::wire::percent_decode;
/// assert_eq!(&*percent_decode(b"a%7Eb%7e+%zz%4"), b"a~b~+%zz%4");
/// assert!(matches!(percent_decode(b"plain"), std::borrow::Cow::Borrowed(_)));
/// ```
#[must_use]
pub fn percent_decode(s: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'%', s) else { return Cow::Borrowed(s) };
    let mut out = alloc::vec::Vec::with_capacity(s.len());
    out.extend_from_slice(s.get(..first).unwrap_or_default());
    let mut rest = s.get(first..).unwrap_or_default();
    while let Some((&b, tail)) = rest.split_first() {
        match percent_escape(rest) {
            Some(decoded) => {
                out.push(decoded);
                rest = tail.get(2..).unwrap_or_default();
            }
            None => {
                out.push(b);
                rest = tail;
            }
        }
    }
    Cow::Owned(out)
}

/// Several `Cookie` headers of one request as one: joined with `; `, as HTTP/2 allows a client
/// to split them (RFC 9113 §8.2.3) and as CloudFront reads them. One header is read in place.
#[must_use]
pub fn join_cookie_headers<'a>(headers: impl IntoIterator<Item = &'a [u8]>) -> Cow<'a, [u8]> {
    let mut headers = headers.into_iter();
    match (headers.next(), headers.next()) {
        (None, _) => Cow::Borrowed(&[]),
        (Some(one), None) => Cow::Borrowed(one),
        (Some(first), Some(second)) => {
            let all: alloc::vec::Vec<&[u8]> = [first, second].into_iter().chain(headers).collect();
            Cow::Owned(all.join(&b"; "[..]))
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

/// The `name=value` pairs of a `Cookie` header — or of a `Set-Cookie` header's attributes — in
/// order (docs/cloudfront-format.md §5): separated by `;`, spaces and tabs around names and
/// values ignored, one pair of double quotes around a value removed. A piece without `=` (such
/// as `Secure`) is skipped. Any bytes are read; nothing fails.
///
/// ```
/// use cfsign::wire::cookie_pairs;
/// let attributes: Vec<_> = cookie_pairs(b"CloudFront-Policy=eyJ; Path=/u/; Secure").collect();
/// assert_eq!(attributes, [(&b"CloudFront-Policy"[..], &b"eyJ"[..]), (b"Path", b"/u/")]);
/// ```
pub fn cookie_pairs(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    pieces(header).filter_map(|(_, piece)| cookie_pair(piece))
}

/// A `CloudFront-*` piece: its parameter and value.
fn cloudfront_pair(piece: &[u8]) -> Option<(SigningParameter, &[u8])> {
    let (name, value) = cookie_pair(piece)?;
    Some((SigningParameter::from_cookie_name(name)?, value))
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
        for (start, piece) in pieces(rest) {
            let Some((p, value)) = cloudfront_pair(piece) else { continue };
            if next_start.is_none() {
                match in_set.get_mut(p.slot()) {
                    Some(seen @ false) => *seen = true,
                    _ => next_start = Some(start),
                }
            }
            read.set_first(p, value);
        }
        if read.is_empty() {
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
    let mut creds = RawCredentials { from_query: true, ..RawCredentials::default() };
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
    fn percent_escapes() {
        // Every byte after `%`, in both digit positions: decoded exactly when both are hex digits.
        for hi in 0..=255u8 {
            for lo in 0..=255u8 {
                let text = [b'%', hi, lo];
                let want = match (char::from(hi).to_digit(16), char::from(lo).to_digit(16)) {
                    (Some(h), Some(l)) => Some(u8::try_from(h * 16 + l).unwrap()),
                    _ => None,
                };
                assert_eq!(percent_escape(&text), want);
                let decoded = percent_decode(&text);
                match want {
                    Some(b) => assert_eq!(&*decoded, [b]),
                    None => assert_eq!(&*decoded, text),
                }
            }
        }
        assert_eq!(percent_escape(b"%4"), None);
        assert_eq!(percent_escape(b"x41"), None);
        assert_eq!(&*percent_decode(b"%%41%"), b"%A%");
        assert_eq!(&*percent_decode(b"%2541"), b"%41"); // decoded once, not twice
    }

    #[test]
    fn policy_and_hash_are_decided_once() {
        let read = |q: &'static str| query_credentials(q).unwrap();
        assert_eq!(read("Expires=1").policy(), Ok(CarriedPolicy::Canned { expires: Cow::Borrowed(b"1") }));
        assert_eq!(
            read("Policy=e%79J").policy(),
            Ok(CarriedPolicy::Custom { policy: Cow::Borrowed(b"eyJ") })
        );
        assert_eq!(read("Policy=p&Expires=1").policy(), Err(PolicyProblem::BothExpiresAndPolicy));
        assert_eq!(read("Signature=s").policy(), Err(PolicyProblem::MissingPolicy));
        assert_eq!(read("Expires=1").hash_algorithm(), Ok(crate::HashAlgorithm::Sha1));
        assert_eq!(read("Hash-Algorithm=SHA%32%35%36").hash_algorithm(), Ok(crate::HashAlgorithm::Sha256));
        assert_eq!(read("Hash-Algorithm=sha256").hash_algorithm(), Err(UnsupportedHashAlgorithm));
        assert_eq!(read("Hash-Algorithm=").hash_algorithm(), Err(UnsupportedHashAlgorithm));
        // Cookie values are taken as sent: no percent-decoding.
        let cookies = cookie_credentials(b"CloudFront-Hash-Algorithm=SHA%32%35%36; CloudFront-Expires=%31");
        assert_eq!(cookies.hash_algorithm(), Err(UnsupportedHashAlgorithm));
        assert_eq!(cookies.policy(), Ok(CarriedPolicy::Canned { expires: Cow::Borrowed(b"%31") }));
    }

    #[test]
    fn cookie_headers_are_joined() {
        assert_eq!(&*join_cookie_headers([]), b"");
        assert!(matches!(join_cookie_headers([&b"a=1"[..]]), Cow::Borrowed(b"a=1")));
        assert_eq!(&*join_cookie_headers([&b"a=1"[..], b"b=2", b"c=3"]), b"a=1; b=2; c=3");
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

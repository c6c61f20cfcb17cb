//! How a `Cookie` header carries signing parameters (docs/cloudfront-format.md §5): pairs,
//! the first value of each name, the sets of several paths, CloudFront's size limit.

use alloc::borrow::Cow;

use super::{MAX_COOKIE_HEADER_LEN, ParameterSet, RawCredentials, SigningParameter};

/// Several `Cookie` headers of one request as one: joined with `; `, as HTTP/2 allows a client
/// to split them (RFC 9113, section 8.2.3) and as CloudFront reads them. One header is read in place.
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

#[cfg(test)]
mod tests {
    use super::*;
    use SigningParameter as P;
    use alloc::vec::Vec;

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
    fn cookie_headers_are_joined() {
        assert_eq!(&*join_cookie_headers([]), b"");
        assert!(matches!(join_cookie_headers([&b"a=1"[..]]), Cow::Borrowed(b"a=1")));
        assert_eq!(&*join_cookie_headers([&b"a=1"[..], b"b=2", b"c=3"]), b"a=1; b=2; c=3");
    }
}

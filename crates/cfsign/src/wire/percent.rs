//! `%XX` escapes, read in one place.

use alloc::borrow::Cow;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! CloudFront's URL-safe base64 (cloudfront-format.md §2).
//!
//! Standard padded base64, then `+` → `-`, `=` → `_`, `/` → `~`. Decoding is strict: only that
//! alphabet, complete groups of four, padding only at the end, and no stray bits in the last
//! group — so every value has exactly one encoding and a flipped character is always noticed.
//!
//! ```
//! let text = cfsign::encoding::encode(b"{\"a\":1}>?");
//! assert_eq!(text, "eyJhIjoxfT4~");
//! assert_eq!(cfsign::encoding::decode(&text).unwrap(), b"{\"a\":1}>?");
//! assert!(cfsign::encoding::decode("eyJhIjoxfT4/").is_err()); // standard alphabet refused
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
const PAD: u8 = b'_';

/// Encodes bytes as CloudFront base64.
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes.len()));
    encode_into(bytes, &mut out);
    out
}

/// Length of the CloudFront base64 encoding of `n` bytes.
#[must_use]
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Appends the CloudFront base64 encoding of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(encoded_len(bytes.len()));
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
        }
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.push(char::from(ALPHABET[((n >> 18) & 63) as usize]));
            out.push(char::from(ALPHABET[((n >> 12) & 63) as usize]));
            out.push(char::from(PAD));
            out.push(char::from(PAD));
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(char::from(ALPHABET[((n >> 18) & 63) as usize]));
            out.push(char::from(ALPHABET[((n >> 12) & 63) as usize]));
            out.push(char::from(ALPHABET[((n >> 6) & 63) as usize]));
            out.push(char::from(PAD));
        }
        _ => {}
    }
}

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'~' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes CloudFront base64, strictly.
///
/// # Errors
/// [`Error::InvalidBase64`] with the offset of the first character that is outside the
/// alphabet, misplaced padding, non-zero unused bits, or (at the input's length) a length that
/// is not a multiple of four.
pub fn decode(text: &str) -> Result<Vec<u8>, Error> {
    decode_bytes(text.as_bytes())
}

/// [`decode`] for raw bytes (for example a cookie value that may not be UTF-8).
///
/// # Errors
/// As [`decode`].
pub fn decode_bytes(text: &[u8]) -> Result<Vec<u8>, Error> {
    if !text.len().is_multiple_of(4) {
        return Err(Error::InvalidBase64 { position: text.len() });
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let groups = text.len() / 4;
    for (g, quad) in text.chunks_exact(4).enumerate() {
        let base = g * 4;
        let last = g + 1 == groups;
        let pads = if last { quad.iter().rev().take_while(|&&c| c == PAD).count() } else { 0 };
        if pads > 2 {
            return Err(Error::InvalidBase64 { position: base + 4 - pads });
        }
        let mut n = 0u32;
        for (i, &c) in quad[..4 - pads].iter().enumerate() {
            let v = value(c).ok_or(Error::InvalidBase64 { position: base + i })?;
            n |= v << (18 - 6 * i);
        }
        match pads {
            0 => out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]),
            1 => {
                if n & 0xff != 0 {
                    return Err(Error::InvalidBase64 { position: base + 2 });
                }
                out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
            }
            _ => {
                if n & 0xffff != 0 {
                    return Err(Error::InvalidBase64 { position: base + 1 });
                }
                out.push((n >> 16) as u8);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_with_cloudfront_alphabet() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg__"),
            (b"fo", "Zm8_"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg__"),
            (b"fooba", "Zm9vYmE_"),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, enc) in cases {
            assert_eq!(encode(raw), enc);
            assert_eq!(decode(enc).unwrap(), raw);
        }
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-~-~");
    }

    #[test]
    fn strict_decoding() {
        for (bad, pos) in [
            ("Zg=", 3),      // length
            ("Zg==", 2),     // standard padding
            ("+/8_", 0),     // standard alphabet
            ("Zh__", 1),     // stray bits in a one-byte group
            ("Zm9_", 2),     // stray bits in a two-byte group
            ("Z___", 1),     // three pads
            ("Zg__Zm9v", 2), // padding before the end
            ("Zm 9", 2),
        ] {
            assert_eq!(decode(bad), Err(Error::InvalidBase64 { position: pos }), "{bad}");
        }
    }
}

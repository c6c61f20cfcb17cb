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

/// Marks a byte outside the alphabet in [`DECODE`].
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value in the alphabet, or [`INVALID`]: one table load per character.
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn value(c: u8) -> Option<u32> {
    match DECODE[usize::from(c)] {
        INVALID => None,
        v => Some(u32::from(v)),
    }
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
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    decode_extend(text, &mut out)?;
    Ok(out)
}

/// [`decode_bytes`] into any byte sink, e.g. a stack buffer such as a `SmallVec`, so that
/// decoding a short value allocates nothing. On an error, `out` holds the bytes decoded before
/// it.
///
/// ```
/// let mut out = Vec::new();
/// cfsign::encoding::decode_extend(b"Zm9vYmE_", &mut out)?;
/// assert_eq!(out, b"fooba");
/// # Ok::<(), cfsign::Error>(())
/// ```
///
/// # Errors
/// As [`decode`].
pub fn decode_extend(text: &[u8], out: &mut impl Extend<u8>) -> Result<(), Error> {
    if !text.len().is_multiple_of(4) {
        return Err(Error::InvalidBase64 { position: text.len() });
    }
    let groups = text.len() / 4;
    for (g, quad) in text.chunks_exact(4).enumerate() {
        // One 4-byte load (chunks_exact(4) always gives four).
        let quad: [u8; 4] = quad.try_into().unwrap_or([PAD; 4]);
        let base = g * 4;
        let last = g + 1 == groups;
        let pads = if last { quad.iter().rev().take_while(|&&c| c == PAD).count() } else { 0 };
        if pads > 2 {
            return Err(Error::InvalidBase64 { position: base + 4 - pads });
        }
        let mut n = 0u32;
        let values = quad.map(|c| DECODE[usize::from(c)]);
        if pads == 0 && values.iter().all(|&v| v != INVALID) {
            // The usual group: four valid characters, no padding.
            n = values.iter().fold(0, |n, &v| n << 6 | u32::from(v));
        } else {
            for (i, &c) in quad[..4 - pads].iter().enumerate() {
                let v = value(c).ok_or(Error::InvalidBase64 { position: base + i })?;
                n |= v << (18 - 6 * i);
            }
        }
        match pads {
            0 => out.extend([(n >> 16) as u8, (n >> 8) as u8, n as u8]),
            1 => {
                if n & 0xff != 0 {
                    return Err(Error::InvalidBase64 { position: base + 2 });
                }
                out.extend([(n >> 16) as u8, (n >> 8) as u8]);
            }
            _ => {
                if n & 0xffff != 0 {
                    return Err(Error::InvalidBase64 { position: base + 1 });
                }
                out.extend([(n >> 16) as u8]);
            }
        }
    }
    Ok(())
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

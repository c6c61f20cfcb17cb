//! CloudFront's URL-safe base64 (docs/cloudfront-format.md §2).
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
    let mut out = alloc::vec![0; decoded_len_max(text.len())];
    let len = decode_into(text, &mut out)?;
    out.truncate(len);
    Ok(out)
}

/// The most bytes CloudFront base64 text of length `n` decodes to: three per group of four
/// characters (fewer when the last group is padded).
#[must_use]
pub const fn decoded_len_max(n: usize) -> usize {
    n / 4 * 3
}

/// [`decode_bytes`] into the start of `out`, allocating nothing (e.g. into a stack array);
/// returns how many bytes were written. `out` must hold [`decoded_len_max`]`(text.len())`
/// bytes.
///
/// ```
/// let mut out = [0; 6];
/// let len = cfsign::encoding::decode_into(b"Zm9vYmE_", &mut out)?;
/// assert_eq!(&out[..len], b"fooba");
/// # Ok::<(), cfsign::Error>(())
/// ```
///
/// # Errors
/// As [`decode`]; [`Error::OutputTooSmall`] (checked after the length) when `out` is shorter
/// than [`decoded_len_max`]`(text.len())`. On an error, the contents of `out` are unspecified.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    if !text.len().is_multiple_of(4) {
        return Err(Error::InvalidBase64 { position: text.len() });
    }
    let needed = decoded_len_max(text.len());
    let out = out.get_mut(..needed).ok_or(Error::OutputTooSmall { needed })?;
    let (body, last) = text.split_at(text.len().saturating_sub(4));
    let (out_body, out_last) = out.split_at_mut(needed.saturating_sub(3));
    // Every group but the last: four characters of the alphabet, three bytes.
    for (g, (quad, dst)) in body.chunks_exact(4).zip(out_body.chunks_exact_mut(3)).enumerate() {
        let ([a, b, c, d], [x, y, z]) = (quad, dst) else { continue };
        let v = [
            DECODE[usize::from(*a)],
            DECODE[usize::from(*b)],
            DECODE[usize::from(*c)],
            DECODE[usize::from(*d)],
        ];
        // INVALID is the only table value with the high bit set.
        if (v[0] | v[1] | v[2] | v[3]) & 0x80 != 0 {
            let i = v.iter().position(|&v| v == INVALID).unwrap_or(0);
            return Err(Error::InvalidBase64 { position: g * 4 + i });
        }
        let n = u32::from(v[0]) << 18 | u32::from(v[1]) << 12 | u32::from(v[2]) << 6 | u32::from(v[3]);
        [*x, *y, *z] = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
    }
    let [a, b, c, d] = *last else { return Ok(0) };
    let base = body.len();
    // The last group: up to two pads, and no stray bits beside them.
    let pads = match (c, d) {
        (PAD, PAD) => 2,
        (_, PAD) => 1,
        _ => 0,
    };
    let mut n = 0u32;
    for (i, &ch) in [a, b, c, d].iter().take(4 - pads).enumerate() {
        let v = value(ch).ok_or(Error::InvalidBase64 { position: base + i })?;
        n |= v << (18 - 6 * i);
    }
    let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
    let (len, stray) = match pads {
        0 => (3, 0),
        1 => (2, n & 0xff),
        _ => (1, n & 0xffff),
    };
    if stray != 0 {
        // The first character holding them: the last one before the padding.
        return Err(Error::InvalidBase64 { position: base + len });
    }
    for (dst, src) in out_last.iter_mut().zip(bytes.iter().take(len)) {
        *dst = *src;
    }
    Ok(needed - (3 - len))
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

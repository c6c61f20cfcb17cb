//! The `CloudFront-*` cookies a request carries, grouped into sets.
//!
//! Browsers send every cookie whose path matches the request, longer paths first; the cookies
//! of one set share a path and were set together, so they arrive together. A name seen again
//! therefore starts the next set. Nothing here trusts the input: oversized, undecodable or
//! incomplete sets are reported as malformed and ignored.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use cfsign::{CustomPolicy, EpochSeconds, HashAlgorithm, cookie};

/// Cookie headers longer than CloudFront's limit are ignored as a whole.
pub(crate) const MAX_HEADER: usize = 20_480;
const MAX_POLICY: usize = 4_096;
const MAX_VALUE: usize = 1_024;

#[derive(Debug, Default, Clone, Copy)]
struct RawSet<'a> {
    values: [Option<&'a [u8]>; 5],
}

/// A readable set: what it grants and under which key and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeenSet {
    /// `None` for a canned set (its resource is the request URL).
    pub(crate) resource: Option<Arc<str>>,
    pub(crate) expires: EpochSeconds,
    pub(crate) key_pair_id_matches: bool,
    pub(crate) hash: HashAlgorithm,
}

#[derive(Debug, Default)]
pub(crate) struct RequestCookies {
    pub(crate) sets: Vec<SeenSet>,
    /// Bit i set: the request carries `cookie::NAMES[i]`.
    pub(crate) names: u8,
    pub(crate) malformed: Option<&'static str>,
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

/// The `;`-separated pairs of a Cookie header, found with SIMD `memchr`: most of a header's
/// bytes are the long values of `CloudFront-Policy` and `CloudFront-Signature`.
fn pairs(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(header);
    std::iter::from_fn(move || {
        let current = rest?;
        match memchr::memchr(b';', current) {
            Some(at) => {
                rest = current.get(at + 1..);
                current.get(..at)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// A `name=value` pair, both trimmed; `None` without `=`.
fn split_pair(pair: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(b'=', pair)?;
    Some((trim(pair.get(..at)?), trim(pair.get(at + 1..)?)))
}

/// The index of a `CloudFront-*` cookie name in `cookie::NAMES`.
fn name_index(name: &[u8]) -> Option<usize> {
    // Most cookies of a request are the app's own: one prefix test turns them away.
    if !name.starts_with(b"CloudFront-") {
        return None;
    }
    cookie::NAMES.iter().position(|n| n.as_bytes() == name)
}

/// Which `CloudFront-*` names `header` carries (bit i: `cookie::NAMES[i]`), nothing decoded.
pub(crate) fn names(header: &[u8]) -> u8 {
    if header.len() > MAX_HEADER {
        return 0;
    }
    pairs(header).fold(0, |acc, pair| {
        let name = split_pair(pair).map_or(trim(pair), |(name, _)| name);
        name_index(name).map_or(acc, |i| acc | (1 << i))
    })
}

/// The `CloudFront-Policy` values this issuer issued recently, with what they grant, so that the
/// steady-state request (its own cookies coming back) needs no base64 or JSON work. Bounded;
/// values it does not know are decoded and parsed as usual.
#[derive(Debug, Default)]
pub(crate) struct PolicyMemo {
    entries: RwLock<HashMap<Box<[u8]>, Granted, BuildHasherDefault<FxHasher>>>,
}

/// The multiply-rotate hash of rustc's `FxHasher`, a few times cheaper than SipHash on a
/// 200-byte policy value. Not keyed, and it need not be: only the issuer inserts (values it
/// signed itself, at most [`PolicyMemo::CAPACITY`]), so a client cannot build colliding
/// entries; its lookups cost one hash and a bounded probe whatever it sends.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        if let Some(dst) = tail.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        self.add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 56);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What a remembered policy value grants: its resource and its expiry.
type Granted = (Arc<str>, EpochSeconds);

impl PolicyMemo {
    const CAPACITY: usize = 256;

    pub(crate) fn remember(&self, policy_value: &str, resource: &str, expires: EpochSeconds) {
        let mut map = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= Self::CAPACITY {
            // Policies age out window by window; drop the ones that expire first.
            let mut by_expiry: Vec<(EpochSeconds, Box<[u8]>)> =
                map.iter().map(|(k, (_, e))| (*e, k.clone())).collect();
            by_expiry.sort_unstable_by_key(|(e, _)| *e);
            for (_, k) in by_expiry.into_iter().take(Self::CAPACITY / 2) {
                map.remove(&k);
            }
        }
        map.insert(policy_value.as_bytes().into(), (Arc::from(resource), expires));
    }

    fn get(&self, policy_value: &[u8]) -> Option<Granted> {
        self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(policy_value).cloned()
    }
}

/// Reads the `CloudFront-*` cookies of `header`; `key_pair_id` is the issuer's own.
pub(crate) fn read(header: &[u8], key_pair_id: &str, memo: &PolicyMemo) -> RequestCookies {
    let mut out = RequestCookies::default();
    if header.len() > MAX_HEADER {
        out.malformed = Some("Cookie header over 20,480 bytes");
        return out;
    }
    let mut current = RawSet::default();
    let finish_set = |set: &RawSet<'_>, out: &mut RequestCookies| match read_set(set, key_pair_id, memo) {
        Ok(seen) => out.sets.push(seen),
        Err(why) => out.malformed = Some(why),
    };
    for pair in pairs(header) {
        let Some((name, value)) = split_pair(pair) else { continue };
        let Some(i) = name_index(name) else { continue };
        out.names |= 1 << i;
        // `Policy` (0) and `Expires` (1) are alternatives: either one fills the same place.
        let taken = match i {
            0 | 1 => current.values[0].is_some() || current.values[1].is_some(),
            i => current.values.get(i).is_some_and(Option::is_some),
        };
        if taken {
            finish_set(&current, &mut out);
            current = RawSet::default();
        }
        if let Some(slot) = current.values.get_mut(i) {
            *slot = Some(value);
        }
    }
    if current.values.iter().any(Option::is_some) {
        finish_set(&current, &mut out);
    }
    out
}

fn read_set(set: &RawSet<'_>, key_pair_id: &str, memo: &PolicyMemo) -> Result<SeenSet, &'static str> {
    let [policy, expires, signature, key, hash] = set.values;
    let key = key.filter(|k| !k.is_empty()).ok_or("cookie set without CloudFront-Key-Pair-Id")?;
    let signature = signature.filter(|s| !s.is_empty()).ok_or("cookie set without CloudFront-Signature")?;
    if signature.len() > MAX_VALUE || key.len() > MAX_VALUE {
        return Err("oversized CloudFront cookie value");
    }
    let hash = match hash {
        None => HashAlgorithm::Sha1,
        Some(h) => HashAlgorithm::from_wire(h).ok_or("CloudFront-Hash-Algorithm is not SHA1 or SHA256")?,
    };
    let (resource, expires) = match (policy, expires) {
        (Some(p), None) => {
            if p.len() > MAX_POLICY {
                return Err("oversized CloudFront-Policy");
            }
            match memo.get(p) {
                Some((resource, expires)) => (Some(resource), expires),
                None => {
                    let bytes =
                        cfsign::encoding::decode_bytes(p).map_err(|_| "CloudFront-Policy is not base64")?;
                    let policy =
                        CustomPolicy::parse(&bytes).map_err(|_| "CloudFront-Policy is not a valid policy")?;
                    (Some(Arc::from(policy.resource().unwrap_or("*"))), policy.date_less_than())
                }
            }
        }
        (None, Some(e)) => {
            let digits = e.len() <= 20 && !e.is_empty() && e.iter().all(u8::is_ascii_digit);
            let secs = core::str::from_utf8(e).ok().filter(|_| digits).and_then(|s| s.parse().ok());
            (None, EpochSeconds::new(secs.ok_or("CloudFront-Expires is not a number")?))
        }
        (Some(_), Some(_)) => return Err("both CloudFront-Policy and CloudFront-Expires"),
        (None, None) => return Err("cookie set without CloudFront-Policy or CloudFront-Expires"),
    };
    Ok(SeenSet { resource, expires, key_pair_id_matches: key == key_pair_id.as_bytes(), hash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sets_and_flags_garbage() {
        let policy = cfsign::encoding::encode(
            br#"{"Statement":[{"Resource":"https://c/a/*","Condition":{"DateLessThan":{"AWS:EpochTime":100}}}]}"#,
        );
        let header = format!(
            "a=1; CloudFront-Policy={policy}; CloudFront-Signature=xx; CloudFront-Key-Pair-Id=K1; \
             CloudFront-Expires=50; CloudFront-Signature=yy; CloudFront-Key-Pair-Id=K2; CloudFront-Hash-Algorithm=SHA256"
        );
        let seen = read(header.as_bytes(), "K1", &PolicyMemo::default());
        assert_eq!(seen.malformed, None);
        assert_eq!(seen.sets.len(), 2);
        assert_eq!(seen.sets[0].resource.as_deref(), Some("https://c/a/*"));
        // A remembered value is not decoded again: the memo's answer is used as is.
        let memo = PolicyMemo::default();
        memo.remember(&policy, "https://c/memo/*", EpochSeconds::new(7));
        let again = read(header.as_bytes(), "K1", &memo);
        assert_eq!(again.sets[0].resource.as_deref(), Some("https://c/memo/*"));
        assert_eq!(again.sets[0].expires, EpochSeconds::new(7));
        assert!(seen.sets[0].key_pair_id_matches);
        assert_eq!(seen.sets[1].expires, EpochSeconds::new(50));
        assert_eq!(seen.sets[1].hash, HashAlgorithm::Sha256);
        assert!(!seen.sets[1].key_pair_id_matches);
        assert_eq!(seen.names, 0b11111);

        for bad in [
            &b"CloudFront-Policy=%%%; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K1"[..],
            b"CloudFront-Expires=x1; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K1",
            b"CloudFront-Expires=1; CloudFront-Key-Pair-Id=K1",
            b"CloudFront-Expires=1; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K1; CloudFront-Hash-Algorithm=MD5",
            b"CloudFront-Signature=\xff\xfe; CloudFront-Key-Pair-Id=K1",
        ] {
            let seen = read(bad, "K1", &PolicyMemo::default());
            assert!(seen.malformed.is_some() && seen.sets.is_empty(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(read(&vec![b'a'; MAX_HEADER + 1], "K1", &PolicyMemo::default()).malformed.is_some());
        assert!(read(b"", "K1", &PolicyMemo::default()).sets.is_empty());
    }
}

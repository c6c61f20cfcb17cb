//! The `CloudFront-*` cookies a request carries, grouped into sets.
//!
//! Browsers send every cookie whose path matches the request, longer paths first; the cookies
//! of one set share a path and were set together, so they arrive together. A name seen again
//! therefore starts the next set. Nothing here trusts the input: oversized, undecodable or
//! incomplete sets are reported as malformed and ignored.

use std::borrow::Cow;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering, fence};

use memchr::memmem;

use smallvec::SmallVec;

use cfsign::{CustomPolicy, EpochSeconds, HashAlgorithm};

use crate::Scope;

/// Cookie headers longer than CloudFront's limit are ignored as a whole.
pub(crate) const MAX_HEADER: usize = 20_480;
const MAX_POLICY: usize = 4_096;
const MAX_VALUE: usize = 1_024;

#[derive(Debug, Default, Clone, Copy)]
struct RawSet<'a> {
    values: [Option<&'a [u8]>; 5],
}

/// A readable set: what it grants and under which key and hash, and the values its signature
/// is checked on (nothing read from a set is trusted before that check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeenSet<'a> {
    /// `None` for a canned set (its resource is the request URL); borrowed from the session's
    /// scope when the policy is one this issuer writes for it.
    pub(crate) resource: Option<Cow<'a, str>>,
    pub(crate) expires: EpochSeconds,
    pub(crate) key_pair_id_matches: bool,
    pub(crate) hash: HashAlgorithm,
    /// The `CloudFront-Policy` value (`None` for a canned set).
    pub(crate) policy: Option<&'a [u8]>,
    /// The `CloudFront-Signature` value.
    pub(crate) signature: &'a [u8],
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RequestCookies<'a> {
    /// Inline up to two: the steady-state request carries one set and allocates nothing.
    pub(crate) sets: SmallVec<[SeenSet<'a>; 2]>,
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

/// A `CloudFront-*` pair: its index in `cookie::NAMES` and its trimmed value (`None` when the
/// pair has no `=`); `None` for any other pair. Most pairs of a request are the app's own, and
/// the prefix test turns them away before anything else is looked at. The name after the
/// prefix is picked by its first byte and compared as one fixed-size array: no scan for the
/// `=`, no `memcmp` call.
fn cloudfront_pair(pair: &[u8]) -> Option<(usize, Option<&[u8]>)> {
    let mut pair = pair;
    while let [b' ' | b'\t', rest @ ..] = pair {
        pair = rest;
    }
    let rest = strip(pair, b"CloudFront-")?;
    let (index, after) = match rest.first()? {
        b'P' => (0, strip(rest, b"Policy")?),
        b'S' => (2, strip(rest, b"Signature")?),
        b'K' => (3, strip(rest, b"Key-Pair-Id")?),
        b'E' => (1, strip(rest, b"Expires")?),
        _ => (4, strip(rest, b"Hash-Algorithm")?),
    };
    match trim(after) {
        [] => Some((index, None)),
        [b'=', value @ ..] => Some((index, Some(trim(value)))),
        // Another name that starts like ours, e.g. `CloudFront-PolicyX`.
        _ => None,
    }
}

/// `s` without the leading `name`, compared as one `N`-byte array.
fn strip<'a, const N: usize>(s: &'a [u8], name: &[u8; N]) -> Option<&'a [u8]> {
    let (head, rest) = s.split_first_chunk::<N>()?;
    (head == name).then_some(rest)
}

/// Which `CloudFront-*` names `header` carries (bit i: `cookie::NAMES[i]`), nothing decoded.
pub(crate) fn names(header: &[u8]) -> u8 {
    if header.len() > MAX_HEADER {
        return 0;
    }
    pairs(header).filter_map(cloudfront_pair).fold(0, |acc, (i, _)| acc | (1 << i))
}

/// The JSON of the issuer's own custom policies, around the resource and the epoch:
/// `{HEAD}{resource}{MID}{epoch}{TAIL}`, exactly as `CustomPolicy::to_json` writes a policy with
/// one resource and `DateLessThan` (a test checks it).
const HEAD: &[u8] = br#"{"Statement":[{"Resource":""#;
const MID: &[u8] = br#"","Condition":{"DateLessThan":{"AWS:EpochTime":"#;
const TAIL: &[u8] = b"}}}]}";

/// What the issuer's policies for one resource start with, ready for comparison with a
/// `CloudFront-Policy` value: the encoding of the JSON before the epoch, as far as it fills
/// whole base64 groups, and the 0 to 2 bytes after those.
#[derive(Debug, Clone)]
pub(crate) struct PolicyPrefix {
    encoded: Box<[u8]>,
    rest: SmallVec<[u8; 2]>,
    /// The last tail recognised after this prefix (see [`TailMemo`]).
    last: TailMemo,
}

impl PolicyPrefix {
    /// `None` for a resource that JSON escapes (scopes cannot hold one, but the check would then
    /// need the escaping too): such policies take the general path.
    pub(crate) fn new(resource: &str) -> Option<Self> {
        if resource.bytes().any(|b| matches!(b, b'"' | b'\\' | 0..=0x1f | 0x7f)) {
            return None;
        }
        let known = [HEAD, resource.as_bytes(), MID].concat();
        let (whole, rest) = known.split_at(known.len() / 3 * 3);
        Some(PolicyPrefix {
            encoded: cfsign::encoding::encode(whole).into_bytes().into(),
            rest: rest.iter().copied().collect(),
            last: TailMemo::default(),
        })
    }
}

/// When `policy` (a `CloudFront-Policy` value) is, byte for byte, the policy this issuer writes
/// for the resource of `prefix`: its expiry. `None` for anything else, which then takes the
/// general path (decode and parse).
///
/// This is the steady-state request's check — its own cookies coming back — and it needs no
/// lock, no allocation and no parsing: one comparison with the scope's encoded prefix, then
/// either the remembered tail (a session's cookies come back unchanged until they are
/// refreshed) or the last few characters (the epoch) decoded.
pub(crate) fn canonical_expiry(policy: &[u8], prefix: &PolicyPrefix) -> Option<EpochSeconds> {
    own_policy_at(policy, prefix).filter(|&(len, _)| len == policy.len()).map(|(_, expires)| expires)
}

/// When the `CloudFront-Policy` value at the start of `text` (up to the next `;`) is, byte for
/// byte, one this issuer writes for the resource of `prefix`: its length and expiry. When the
/// value is the one the memo holds, its end is found by comparison, without a search.
fn own_policy_at(text: &[u8], prefix: &PolicyPrefix) -> Option<(usize, EpochSeconds)> {
    let rest = text.strip_prefix(&*prefix.encoded)?;
    let (tail, expires) = match prefix.last.get_start(rest) {
        Some((len, expires)) => (rest.get(..len)?, expires),
        None => {
            let (tail, _) = value(rest);
            let expires = tail_expiry(tail, prefix)?;
            prefix.last.put(tail, expires);
            (tail, expires)
        }
    };
    Some((prefix.encoded.len() + tail.len(), expires))
}

/// The expiry in the encoded `tail` of a policy that starts with `prefix`, if the tail is the
/// one the issuer writes.
fn tail_expiry(tail: &[u8], prefix: &PolicyPrefix) -> Option<EpochSeconds> {
    // The rest: the prefix's last bytes, the epoch and the tail: at most 2 + 20 + 5 = 27 bytes,
    // decoded into a stack array.
    let mut buf = [0u8; 27];
    let len = cfsign::encoding::decode_into(tail, &mut buf).ok()?;
    let rest = buf.get(..len)?;
    // Byte-wise: these are 0 to 2 and 5 bytes, not worth a `memcmp` call each.
    let (known, rest) = rest.split_at_checked(prefix.rest.len())?;
    let (digits, tail) = rest.split_at_checked(rest.len().checked_sub(TAIL.len())?)?;
    if !known.iter().eq(prefix.rest.iter()) || !tail.iter().eq(TAIL.iter()) {
        return None;
    }
    // The epoch as `to_json` writes it: digits, no leading zero, within `u64`.
    if digits.is_empty() || (digits.len() > 1 && digits.first() == Some(&b'0')) {
        return None;
    }
    let mut secs = 0u64;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        secs = secs.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(EpochSeconds::new(secs))
}

/// The last policy tail recognised after one [`PolicyPrefix`] and its expiry — a pure
/// function of the tail, remembered because a session's cookies come back unchanged on every
/// request until they are refreshed. Then the check is one comparison instead of a decode.
///
/// A sequence lock over atomics, in safe code: readers never write shared memory or wait, and
/// see a whole entry or none (a torn read shows as a changed version and counts as a miss); a
/// writer that finds another one writing skips its update, since this is only a memo.
#[derive(Default)]
struct TailMemo {
    /// Even: stable; odd: being written.
    version: AtomicU64,
    /// The tail's length plus one; 0 while empty.
    len: AtomicU64,
    /// The tail's bytes, zero-padded.
    words: [AtomicU64; TailMemo::WORDS],
    expires: AtomicU64,
}

impl TailMemo {
    /// 40 bytes: tails are at most 36 characters (`4 * 27 / 3`).
    const WORDS: usize = 5;

    fn pack(tail: &[u8]) -> Option<[u64; Self::WORDS]> {
        let mut bytes = [0u8; Self::WORDS * 8];
        bytes.get_mut(..tail.len())?.copy_from_slice(tail);
        let mut words = [0u64; Self::WORDS];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            *word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        }
        Some(words)
    }

    /// When `text` starts with the remembered tail, followed by its end or a `;`: the tail's
    /// length and the remembered expiry.
    fn get_start(&self, text: &[u8]) -> Option<(usize, EpochSeconds)> {
        let before = self.version.load(Ordering::Acquire);
        let len = self.len.load(Ordering::Relaxed);
        let words = self.words.each_ref().map(|w| w.load(Ordering::Relaxed));
        let expires = self.expires.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        if before & 1 == 1 || self.version.load(Ordering::Relaxed) != before {
            return None;
        }
        let len = usize::try_from(len.checked_sub(1)?).ok()?;
        let (tail, after) = text.split_at_checked(len)?;
        if after.first().is_some_and(|&b| b != b';') || Self::pack(tail)? != words {
            return None;
        }
        Some((len, EpochSeconds::new(expires)))
    }

    fn put(&self, tail: &[u8], expires: EpochSeconds) {
        let Some(words) = Self::pack(tail) else { return };
        let version = self.version.load(Ordering::Relaxed);
        if version & 1 == 1
            || self
                .version
                .compare_exchange(version, version.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        // The odd version, then the entry, then the next even version: a reader that saw any
        // part of this entry sees the version change, and one that saw the even version sees
        // the whole entry.
        fence(Ordering::Release);
        self.len.store(tail.len() as u64 + 1, Ordering::Relaxed);
        for (slot, word) in self.words.iter().zip(words) {
            slot.store(word, Ordering::Relaxed);
        }
        self.expires.store(expires.as_secs(), Ordering::Relaxed);
        self.version.store(version.wrapping_add(2), Ordering::Release);
    }
}

/// A clone starts empty: the memo is knowledge, not state.
impl Clone for TailMemo {
    fn clone(&self) -> Self {
        TailMemo::default()
    }
}

impl std::fmt::Debug for TailMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailMemo").finish_non_exhaustive()
    }
}

/// What [`read`] found: the issuer's own set, read in one pass, or what the full reader found.
#[derive(Debug)]
pub(crate) enum Seen<'a> {
    Own(OwnSet<'a>),
    All(RequestCookies<'a>),
}

/// The issuer's own cookie set, as [`read_own_set`] finds it: plain values, nothing to drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OwnSet<'a> {
    resource: &'a str,
    expires: EpochSeconds,
    key_pair_id_matches: bool,
    hash: HashAlgorithm,
    policy: &'a [u8],
    signature: &'a [u8],
    names: u8,
}

/// One readable set as the issuer weighs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetView<'s> {
    /// `None` for a canned set.
    pub(crate) resource: Option<&'s str>,
    pub(crate) expires: EpochSeconds,
    pub(crate) key_pair_id_matches: bool,
    pub(crate) hash: HashAlgorithm,
    /// The `CloudFront-Policy` value (`None` for a canned set).
    pub(crate) policy: Option<&'s [u8]>,
    /// The `CloudFront-Signature` value.
    pub(crate) signature: &'s [u8],
}

impl<'a> OwnSet<'a> {
    /// The same set as the full reader reports it.
    #[cfg(any(test, fuzzing))]
    fn into_request_cookies(self) -> RequestCookies<'a> {
        let mut sets = SmallVec::new();
        sets.push(SeenSet {
            resource: Some(Cow::Borrowed(self.resource)),
            expires: self.expires,
            key_pair_id_matches: self.key_pair_id_matches,
            hash: self.hash,
            policy: Some(self.policy),
            signature: self.signature,
        });
        RequestCookies { sets, names: self.names, malformed: None }
    }
}

impl<'a> Seen<'a> {
    /// Bit i set: the request carries `cookie::NAMES[i]`.
    pub(crate) fn names(&self) -> u8 {
        match self {
            Seen::Own(own) => own.names,
            Seen::All(all) => all.names,
        }
    }

    /// Why a set was ignored, if one was.
    pub(crate) fn malformed(&self) -> Option<&'static str> {
        match self {
            Seen::Own(_) => None,
            Seen::All(all) => all.malformed,
        }
    }

    /// Whether any readable set satisfies `f`.
    #[inline]
    pub(crate) fn any_set(&self, mut f: impl FnMut(SetView<'_>) -> bool) -> bool {
        match self {
            Seen::Own(own) => f(SetView {
                resource: Some(own.resource),
                expires: own.expires,
                key_pair_id_matches: own.key_pair_id_matches,
                hash: own.hash,
                policy: Some(own.policy),
                signature: own.signature,
            }),
            Seen::All(all) => all.sets.iter().any(|set| {
                f(SetView {
                    resource: set.resource.as_deref(),
                    expires: set.expires,
                    key_pair_id_matches: set.key_pair_id_matches,
                    hash: set.hash,
                    policy: set.policy,
                    signature: set.signature,
                })
            }),
        }
    }

    /// Everything as the full reader reports it.
    #[cfg(test)]
    pub(crate) fn into_request_cookies(self) -> RequestCookies<'a> {
        match self {
            Seen::Own(own) => own.into_request_cookies(),
            Seen::All(all) => all,
        }
    }
}

/// Reads the `CloudFront-*` cookies of `header`; `key_pair_id` is the issuer's own, `scopes`
/// those of the session (their policies are recognised without decoding).
pub(crate) fn read<'a>(header: &'a [u8], key_pair_id: &str, scopes: &'a [Scope]) -> Seen<'a> {
    match read_own_set(header, key_pair_id, scopes) {
        Some(own) => Seen::Own(own),
        None => Seen::All(read_all(header, key_pair_id, scopes)),
    }
}

/// Finds the text `CloudFront-` (SIMD, built once).
static CLOUDFRONT: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"CloudFront-"));

/// Where `CloudFront-` first occurs in `header`. A `CloudFront-*` cookie's name usually holds
/// the header's first `C`, so a search for that byte (cheaper to set up than a substring
/// search) usually finds it; otherwise the substring search goes on after that `C`.
fn find_cloudfront(header: &[u8]) -> Option<usize> {
    let c = memchr::memchr(b'C', header)?;
    let after = header.get(c..)?;
    if strip(after, b"CloudFront-").is_some() {
        return Some(c);
    }
    Some(c + 1 + CLOUDFRONT.find(after.get(1..)?)?)
}

/// The steady-state request, read in one pass: its only `CloudFront-*` cookies are one set
/// this issuer wrote for one of `scopes`, as browsers send a set back —
/// `CloudFront-Policy=…; CloudFront-Signature=…; CloudFront-Key-Pair-Id=…` and perhaps
/// `; CloudFront-Hash-Algorithm=…`, in that order, among the app's other cookies.
///
/// `None` for anything else — another layout or separator, whitespace around a value, a
/// policy this issuer does not write, a second `CloudFront-` anywhere — and the caller then
/// reads the header in full ([`read_all`]). Whenever this answers, the answer is the one
/// `read_all` gives (tested, and checked by the `issuer_cookies` fuzz target).
fn read_own_set<'a>(header: &'a [u8], key_pair_id: &str, scopes: &'a [Scope]) -> Option<OwnSet<'a>> {
    if header.len() > MAX_HEADER {
        return None;
    }
    let at = find_cloudfront(header)?;
    let (before, set) = header.split_at_checked(at)?;
    // At the start of a pair: no cookie value can hold a `;`.
    if !(before.is_empty() || before.ends_with(b"; ")) {
        return None;
    }
    let policy = set.strip_prefix(b"CloudFront-Policy=")?;
    // The first scope whose policy this is, as the full reader's search over the scopes.
    let (resource, expires, len) = scopes.iter().find_map(|s| {
        let (len, expires) = own_policy_at(policy, s.policy_prefix()?)?;
        Some((s.resource(), expires, len))
    })?;
    let (policy, rest) = policy.split_at_checked(len)?;
    let (signature, rest) = value(rest.strip_prefix(b"; CloudFront-Signature=")?);
    let (key, mut rest) =
        known_value(rest?.strip_prefix(b" CloudFront-Key-Pair-Id=")?, key_pair_id.as_bytes());
    let mut names = 0b1101;
    let mut hash = HashAlgorithm::Sha1;
    if let Some(after) = rest.and_then(|r| r.strip_prefix(b" CloudFront-Hash-Algorithm=")) {
        let (h, after) = match strip(after, b"SHA256") {
            Some([]) => (&b"SHA256"[..], None),
            Some([b';', rest @ ..]) => (&b"SHA256"[..], Some(rest)),
            _ => value(after),
        };
        hash = HashAlgorithm::from_wire(h)?;
        names |= 1 << 4;
        rest = after;
    }
    if rest.is_some_and(|r| CLOUDFRONT.find(r).is_some()) {
        return None;
    }
    // As the full reader sees them: not empty once trimmed, within the limit.
    let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    let plain = |v: &[u8]| !v.is_empty() && v.len() <= MAX_VALUE && !blank(v.first()) && !blank(v.last());
    if policy.len() > MAX_POLICY || !plain(signature) || !plain(key) {
        return None;
    }
    Some(OwnSet {
        resource,
        expires,
        key_pair_id_matches: key == key_pair_id.as_bytes(),
        hash,
        policy,
        signature,
        names,
    })
}

/// [`value`] when the value is likely `expected` (which holds no `;`): checked by comparison,
/// without a search.
fn known_value<'t>(s: &'t [u8], expected: &[u8]) -> (&'t [u8], Option<&'t [u8]>) {
    if let Some(after) = s.strip_prefix(expected) {
        match after {
            [] => return (s, None),
            [b';', rest @ ..] => return (s.get(..expected.len()).unwrap_or_default(), Some(rest)),
            _ => {}
        }
    }
    value(s)
}

/// Whether [`read_own_set`], when it answers, answers as [`read_all`] (for the fuzz target).
#[cfg(fuzzing)]
pub(crate) fn own_set_agrees(header: &[u8], key_pair_id: &str, scopes: &[Scope]) -> bool {
    read_own_set(header, key_pair_id, scopes)
        .is_none_or(|own| own.into_request_cookies() == read_all(header, key_pair_id, scopes))
}

/// A cookie value: the text up to the next `;` (SIMD search), and what follows that `;` if
/// there is one. (A byte loop for short values measured slower than this search, whose set-up
/// dominates there; values that are likely known are compared instead, see [`known_value`].)
fn value(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr(b';', s) {
        Some(at) => (s.get(..at).unwrap_or_default(), s.get(at + 1..)),
        None => (s, None),
    }
}

/// Reads every `CloudFront-*` pair of `header`, grouped into sets. (Kept out of [`read`], so
/// that the one-pass reading does not pay for this function's stack frame.)
#[inline(never)]
fn read_all<'a>(header: &'a [u8], key_pair_id: &str, scopes: &'a [Scope]) -> RequestCookies<'a> {
    let mut out = RequestCookies::default();
    if header.len() > MAX_HEADER {
        out.malformed = Some("Cookie header over 20,480 bytes");
        return out;
    }
    let mut current = RawSet::default();
    let finish_set = |set: &RawSet<'a>, out: &mut RequestCookies<'a>| match read_set(set, key_pair_id, scopes)
    {
        Ok(seen) => out.sets.push(seen),
        Err(why) => out.malformed = Some(why),
    };
    for pair in pairs(header) {
        let Some((i, Some(value))) = cloudfront_pair(pair) else { continue };
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

fn read_set<'a>(
    set: &RawSet<'a>,
    key_pair_id: &str,
    scopes: &'a [Scope],
) -> Result<SeenSet<'a>, &'static str> {
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
            let ours =
                scopes.iter().find_map(|s| Some((s.resource(), canonical_expiry(p, s.policy_prefix()?)?)));
            match ours {
                Some((resource, expires)) => (Some(Cow::Borrowed(resource)), expires),
                None => {
                    let bytes =
                        cfsign::encoding::decode_bytes(p).map_err(|_| "CloudFront-Policy is not base64")?;
                    let policy =
                        CustomPolicy::parse(&bytes).map_err(|_| "CloudFront-Policy is not a valid policy")?;
                    (Some(Cow::Owned(policy.resource().unwrap_or("*").to_owned())), policy.date_less_than())
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
    Ok(SeenSet {
        resource,
        expires,
        key_pair_id_matches: key == key_pair_id.as_bytes(),
        hash,
        policy,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfsign::cookie;

    #[test]
    fn cloudfront_pair_follows_cookie_names() {
        for (i, name) in cookie::NAMES.iter().enumerate() {
            assert_eq!(cloudfront_pair(format!(" {name} = v").as_bytes()), Some((i, Some(&b"v"[..]))));
            assert_eq!(cloudfront_pair(name.as_bytes()), Some((i, None)));
        }
        for other in
            ["CloudFront-policy=v", "CloudFront-=v", "Cloudfront-Policy=v", "a=CloudFront-Policy", ""]
        {
            assert_eq!(cloudfront_pair(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn groups_sets_and_flags_garbage() {
        let policy = cfsign::encoding::encode(
            br#"{"Statement":[{"Resource":"https://c/a/*","Condition":{"DateLessThan":{"AWS:EpochTime":100}}}]}"#,
        );
        let header = format!(
            "a=1; CloudFront-Policy={policy}; CloudFront-Signature=xx; CloudFront-Key-Pair-Id=K1; \
             CloudFront-Expires=50; CloudFront-Signature=yy; CloudFront-Key-Pair-Id=K2; CloudFront-Hash-Algorithm=SHA256"
        );
        let seen = read(header.as_bytes(), "K1", &[]).into_request_cookies();
        assert_eq!(seen.malformed, None);
        assert_eq!(seen.sets.len(), 2);
        assert_eq!(seen.sets[0].resource.as_deref(), Some("https://c/a/*"));
        assert!(matches!(seen.sets[0].resource, Some(Cow::Owned(_))));
        assert_eq!(seen.sets[0].expires, EpochSeconds::new(100));
        // The session's own scope: recognised without decoding, the resource borrowed from it.
        let scopes = [Scope::new("https://c/b/*", "/b/").unwrap(), Scope::new("https://c/a/*", "/").unwrap()];
        let again = read(header.as_bytes(), "K1", &scopes).into_request_cookies();
        assert!(matches!(again.sets[0].resource, Some(Cow::Borrowed("https://c/a/*"))));
        assert_eq!(again.sets[0].expires, EpochSeconds::new(100));
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
            let seen = read(bad, "K1", &[]).into_request_cookies();
            assert!(seen.malformed.is_some() && seen.sets.is_empty(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(read(&vec![b'a'; MAX_HEADER + 1], "K1", &[]).malformed().is_some());
        assert!(read(b"", "K1", &[]).into_request_cookies().sets.is_empty());
    }

    #[test]
    fn tail_memo_never_answers_for_another_tail() {
        // Writers and readers of one memo at once: a read answers either nothing or the expiry
        // stored with exactly that tail (a torn entry would pair a tail with another expiry).
        fn get(memo: &TailMemo, tail: &[u8]) -> Option<EpochSeconds> {
            memo.get_start(tail).filter(|&(len, _)| len == tail.len()).map(|(_, expires)| expires)
        }
        let memo = TailMemo::default();
        let tails: Vec<(Vec<u8>, EpochSeconds)> = (0..8u64)
            .map(|i| {
                let tail = format!("{:0>36}", i * 1_111_111).into_bytes();
                (tail, EpochSeconds::new(1_767_200_000 + i))
            })
            .collect();
        let hits = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..4 {
                let (memo, tails, hits) = (&memo, &tails, &hits);
                s.spawn(move || {
                    for n in 0..50_000 {
                        let (tail, expires) = &tails[(n + t * 3) % tails.len()];
                        if n % 3 == 0 {
                            memo.put(tail, *expires);
                        }
                        for (other, other_expires) in tails {
                            if let Some(e) = get(memo, other) {
                                assert_eq!(e, *other_expires);
                                hits.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                });
            }
        });
        assert!(hits.load(Ordering::Relaxed) > 0);
        // Lengths count: a tail and the same tail with a zero byte more are different.
        let memo = TailMemo::default();
        memo.put(b"abc", EpochSeconds::new(7));
        assert_eq!(get(&memo, b"abc"), Some(EpochSeconds::new(7)));
        assert_eq!(get(&memo, b"abc\0"), None);
        assert_eq!(get(&memo, b"ab"), None);
        assert_eq!(get(&memo, &[b'a'; 41]), None);
        memo.put(&[b'a'; 41], EpochSeconds::new(8));
        assert_eq!(get(&memo, b"abc"), Some(EpochSeconds::new(7)));
        // A tail at the start of a longer text or alone: found exactly when every byte of the
        // tail is the same and it ends there.
        for len in 1..=TailMemo::WORDS * 8 {
            let tail: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
            let memo = TailMemo::default();
            memo.put(&tail, EpochSeconds::new(9));
            for follow in ["", ";", "; CloudFront-Signature=abcdefghijklmnopqrstuvwxyz0123456789"] {
                let text = [&tail[..], follow.as_bytes()].concat();
                assert_eq!(memo.get_start(&text), Some((len, EpochSeconds::new(9))), "{len} {follow}");
                for at in 0..len {
                    let mut other = text.clone();
                    other[at] ^= 0x20;
                    assert_eq!(memo.get_start(&other), None, "{len} {follow} {at}");
                }
                let mut longer = tail.clone();
                longer.push(b'x');
                assert_eq!(memo.get_start(&[&longer[..], follow.as_bytes()].concat()), None);
            }
        }
    }

    #[test]
    fn the_first_cloudfront_is_found_as_a_substring_search_finds_it() {
        let parts = ["", "C", "Cl", "CloudFront", "CloudFront-", "x", "; ", "CCloudFront-", "=CloudFront-P"];
        for a in parts {
            for b in parts {
                for c in parts {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(find_cloudfront(text.as_bytes()), CLOUDFRONT.find(text.as_bytes()), "{text}");
                }
            }
        }
    }

    #[test]
    fn own_set_reading_agrees_with_the_full_reader() {
        let scopes = [Scope::new("https://c/a/*", "/a/").unwrap(), Scope::new("https://c/b/*", "/").unwrap()];
        let ours = policy_value("https://c/b/*", 1_767_200_040);
        let first = policy_value("https://c/a/*", 1_767_200_040);
        let foreign = policy_value("https://c/z/*", 1_767_200_040);
        let non_canonical = cfsign::encoding::encode(
            br#"{"Statement":[{"Resource":"https://c/b/*","Condition":{"DateLessThan":{"AWS:EpochTime": 5}}}]}"#,
        );
        let long = "s".repeat(MAX_VALUE + 1);
        let policies =
            [&ours, &first, &foreign, &non_canonical, &format!("{ours} "), &format!(" {ours}"), ""];
        let signatures = ["sig~-_", "", " ", "s ", " s", &long];
        let keys = ["K1", "K2", "", "K1 "];
        let hashes = [None, Some("SHA256"), Some("SHA1"), Some("sha256"), Some("SHA256 "), Some("")];
        let befores = [
            "",
            "a=1; ",
            "a=1;",
            "a=1;  ",
            "a=",
            "a=1; b=",
            "a=CloudFront-x; ",
            "CloudFront-Expires=5; ",
            "b=; ",
            // A `C` before the name: the search goes on past it.
            "_ga=GA1.C.2; Cx=1; ",
            "a=CCloudFront-; ",
        ];
        let afters =
            ["", "; b=2", ";", "; b=CloudFront-", "; CloudFront-Policy=x", "; CloudFront-Key-Pair-Id=K2"];
        let mut fast = 0;
        let mut total = 0;
        for policy in policies {
            for signature in signatures {
                for key in keys {
                    for hash in hashes {
                        for before in befores {
                            for after in afters {
                                for (sep, swap) in [("; ", false), (";", false), ("; ", true)] {
                                    let mut pairs = vec![
                                        format!("CloudFront-Policy={policy}"),
                                        format!("CloudFront-Signature={signature}"),
                                        format!("CloudFront-Key-Pair-Id={key}"),
                                    ];
                                    pairs.extend(hash.map(|h| format!("CloudFront-Hash-Algorithm={h}")));
                                    if swap {
                                        pairs.swap(1, 2);
                                    }
                                    let header = format!("{before}{}{after}", pairs.join(sep));
                                    let all = read_all(header.as_bytes(), "K1", &scopes);
                                    if let Some(own) = read_own_set(header.as_bytes(), "K1", &scopes) {
                                        assert_eq!(own.into_request_cookies(), all, "{header}");
                                        fast += 1;
                                    }
                                    assert_eq!(
                                        read(header.as_bytes(), "K1", &scopes).into_request_cookies(),
                                        all,
                                        "{header}"
                                    );
                                    total += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        // The fast path answers for the browser's layout of the issuer's own sets...
        assert!(fast > 0 && fast < total, "{fast} of {total}");
        let header = format!(
            "a=1; CloudFront-Policy={ours}; CloudFront-Signature=s; CloudFront-Key-Pair-Id=K1; \
             CloudFront-Hash-Algorithm=SHA256; b=2"
        );
        let own = read_own_set(header.as_bytes(), "K1", &scopes).unwrap();
        assert_eq!(own.resource, "https://c/b/*");
        assert_eq!(own.expires, EpochSeconds::new(1_767_200_040));
        assert_eq!((own.names, own.hash, own.key_pair_id_matches), (0b11101, HashAlgorithm::Sha256, true));
        // ...and leaves everything unusual to the full reader.
        for unusual in [
            header.replace("; CloudFront-Signature", ";CloudFront-Signature"),
            header.replace("b=2", "b=2; CloudFront-Expires=1"),
            header.replace("Policy=", "Policy= "),
            header.replace(&ours, &foreign),
            format!("{header}{}", " ".repeat(MAX_HEADER)),
        ] {
            assert_eq!(read_own_set(unusual.as_bytes(), "K1", &scopes), None, "{unusual}");
        }
    }

    fn policy_value(resource: &str, expires: u64) -> String {
        let policy = CustomPolicy::builder()
            .resource(resource)
            .date_less_than(EpochSeconds::new(expires))
            .build()
            .unwrap();
        cfsign::encoding::encode(policy.to_json().as_bytes())
    }

    /// Full decoding and parsing: what `canonical_expiry` must agree with.
    fn parsed(value: &[u8]) -> Option<(String, EpochSeconds)> {
        let policy = CustomPolicy::parse(&cfsign::encoding::decode_bytes(value).ok()?).ok()?;
        Some((policy.resource()?.to_owned(), policy.date_less_than()))
    }

    fn canonical_expiry(policy: &[u8], resource: &str) -> Option<EpochSeconds> {
        super::canonical_expiry(policy, &PolicyPrefix::new(resource)?)
    }

    #[test]
    fn canonical_policies_are_recognised_exactly() {
        // Resource lengths 0, 1 and 2 mod 3 put the epoch at every offset of a base64 group.
        let resources = [
            "https://cdn.example.com/u/alice/*",
            "https://cdn.example.com/u/bob/*",
            "https://cdn.example.com/u/carol/*",
            "https://d111111abcdef8.cloudfront.net/private/*?size=*",
            "https://cdn.example.com/u/dave12/*",
            "*",
        ];
        for resource in resources {
            // One prefix across all values: its memo of the last tail must never change an answer.
            let shared = PolicyPrefix::new(resource).unwrap();
            for expires in [0, 1, 9, 10, 99, 1_767_200_000, 4_102_444_800, u64::MAX / 2] {
                let value = policy_value(resource, expires);
                assert_eq!(canonical_expiry(value.as_bytes(), resource), Some(EpochSeconds::new(expires)));
                for _ in 0..2 {
                    assert_eq!(
                        super::canonical_expiry(value.as_bytes(), &shared),
                        Some(EpochSeconds::new(expires))
                    );
                }
                for other in resources.iter().filter(|r| **r != resource) {
                    assert_eq!(canonical_expiry(value.as_bytes(), other), None, "{resource} as {other}");
                }
                // Every one-character change either is refused or still means exactly this.
                let bytes = value.as_bytes();
                for at in 0..bytes.len() {
                    for c in [b'A', b'z', b'0', b'-', b'~', b'_', b'=', b' '] {
                        let mut changed = bytes.to_vec();
                        changed[at] = c;
                        let fresh = canonical_expiry(&changed, resource);
                        if let Some(e) = fresh {
                            assert_eq!(parsed(&changed), Some((resource.to_owned(), e)));
                        }
                        assert_eq!(super::canonical_expiry(&changed, &shared), fresh);
                    }
                    // Truncated or extended values are never canonical.
                    assert_eq!(canonical_expiry(&bytes[..at], resource), None);
                }
                assert_eq!(canonical_expiry(format!("{value}AAAA").as_bytes(), resource), None);
            }
        }
        // Policies the issuer does not write take the general path, even when valid.
        let json_variants = [
            r#"{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":0100}}}]}"#,
            r#"{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime": 100}}}]}"#,
            r#"{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":100},"DateGreaterThan":{"AWS:EpochTime":1}}}]}"#,
            r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":100}},"Resource":"*"}]}"#,
        ];
        for json in json_variants {
            assert_eq!(
                canonical_expiry(cfsign::encoding::encode(json.as_bytes()).as_bytes(), "*"),
                None,
                "{json}"
            );
        }
        // A resource JSON would escape (scopes cannot hold one) is never matched here.
        let escaped = r#"{"Statement":[{"Resource":"https://c/\"q\"/*","Condition":{"DateLessThan":{"AWS:EpochTime":5}}}]}"#;
        let value = cfsign::encoding::encode(escaped.as_bytes());
        assert_eq!(canonical_expiry(value.as_bytes(), "https://c/\"q\"/*"), None);
        assert_eq!(canonical_expiry(value.as_bytes(), r#"https://c/\"q\"/*"#), None);
    }
}

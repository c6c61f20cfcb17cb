//! Property tests: for every key kind × hash × policy shape × URL-or-cookies, what cfsign signs
//! verifies; any change to the signature, policy or key-pair ID, and any URL, IP or time
//! outside the grant, is refused; resource matching agrees with an independent reference.
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds, HashAlgorithm, Policy, SignedPolicy, SigningKey};
use cfsign_verify::{KeyGroup, Request, TrustedKeyGroups};
use proptest::prelude::*;

const EC_ID: &str = "K2JCJMDEHXQW5F";
const RSA_ID: &str = "KRSA2048TEST";

fn keys() -> &'static [SigningKey; 2] {
    static KEYS: OnceLock<[SigningKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), EC_ID)
                .unwrap(),
            SigningKey::from_pem(include_str!("../../cfsign/tests/data/rsa-2048-pkcs1.pem"), RSA_ID).unwrap(),
        ]
    })
}

fn trusted() -> &'static TrustedKeyGroups {
    static T: OnceLock<TrustedKeyGroups> = OnceLock::new();
    T.get_or_init(|| {
        let [ec, rsa] = keys();
        TrustedKeyGroups::from(
            KeyGroup::new()
                .with_key(EC_ID, ec.public_key())
                .unwrap()
                .with_key(RSA_ID, rsa.public_key())
                .unwrap(),
        )
    })
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Canned,
    CustomExact,
    CustomWildcard,
    CustomFull,
}

#[derive(Debug, Clone)]
struct Case {
    key: usize,
    hash: HashAlgorithm,
    shape: Shape,
    cookies: bool,
    path: String,
    query: Option<String>,
    start: u64,
    len: u64,
    now_offset: u64,
    client: Ipv4Addr,
}

const HOST: &str = "https://cdn.example.com";

fn case() -> impl Strategy<Value = Case> {
    (
        0..2usize,
        prop_oneof![Just(HashAlgorithm::Sha1), Just(HashAlgorithm::Sha256)],
        prop_oneof![
            Just(Shape::Canned),
            Just(Shape::CustomExact),
            Just(Shape::CustomWildcard),
            Just(Shape::CustomFull)
        ],
        any::<bool>(),
        "(/[a-zA-Z0-9._~%-]{1,12}){1,3}",
        proptest::option::of("[a-z]{1,4}=[a-zA-Z0-9%._-]{0,6}(&[a-z]{1,4}=[a-z0-9]{0,4}){0,2}"),
        1_000_000u64..4_000_000_000,
        2u64..1_000_000,
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(key, hash, shape, cookies, path, query, start, len, idx, host_byte)| Case {
            key,
            hash,
            shape,
            cookies,
            path,
            query,
            start,
            len,
            // Strictly inside (start, start + len).
            now_offset: 1 + idx.index((len - 1) as usize) as u64,
            client: Ipv4Addr::new(198, 51, 100, host_byte),
        })
}

impl Case {
    fn url(&self) -> String {
        match &self.query {
            Some(q) => format!("{HOST}{}?{q}", self.path),
            None => format!("{HOST}{}", self.path),
        }
    }

    fn expires(&self) -> EpochSeconds {
        EpochSeconds::new(self.start + self.len)
    }

    fn now(&self) -> EpochSeconds {
        EpochSeconds::new(self.start + self.now_offset)
    }

    fn policy(&self) -> Policy {
        let custom =
            |resource: String| CustomPolicy::builder().resource(resource).date_less_than(self.expires());
        match self.shape {
            Shape::Canned => CannedPolicy::new(self.url(), self.expires()).unwrap().into(),
            Shape::CustomExact => custom(self.url()).build().unwrap().into(),
            Shape::CustomWildcard => custom(format!("{HOST}{}*", self.path)).build().unwrap().into(),
            Shape::CustomFull => custom(format!("*://cdn.example.com{}*", self.path))
                .date_greater_than(EpochSeconds::new(self.start))
                .ip_address("198.51.100.0/24")
                .build()
                .unwrap()
                .into(),
        }
    }

    fn signed(&self) -> SignedPolicy {
        SignedPolicy::new(self.policy(), &keys()[self.key].clone().with_hash(self.hash)).unwrap()
    }

    /// The (URL, Cookie header) a client sends.
    fn request_parts(&self, signed: &SignedPolicy) -> (String, Option<String>) {
        if self.cookies {
            (self.url(), Some(signed.cookies().cookie_header()))
        } else {
            (signed.url(&self.url()).unwrap(), None)
        }
    }
}

fn verify(url: &str, cookie: Option<&str>, client: IpAddr, now: EpochSeconds) -> bool {
    let mut r = Request::new(url, client, now);
    if let Some(c) = cookie {
        r = r.cookie_header(c);
    }
    trusted().verify(&r).is_ok()
}

/// Applies one edit to the value of `name` (query parameter or cookie) in `text`.
fn mutate_value(text: &str, name: &str, edit: (u8, prop::sample::Index, u8)) -> Option<String> {
    let start = text.find(&format!("{name}="))? + name.len() + 1;
    let end = text[start..].find(['&', ';']).map_or(text.len(), |i| start + i);
    let mut value: Vec<u8> = text[start..end].bytes().collect();
    let (kind, at, byte) = edit;
    let byte = b'!' + byte % 94; // printable ASCII
    // Not the characters that end a value (`&`, `;`) or the URL (`#`): inserted at its end,
    // they would leave the value as it was.
    if matches!(byte, b'&' | b';' | b'#') {
        return None;
    }
    match kind % 3 {
        0 if !value.is_empty() => {
            let i = at.index(value.len());
            if value[i] == byte {
                return None;
            }
            value[i] = byte;
        }
        1 => value.insert(at.index(value.len() + 1), byte),
        _ if !value.is_empty() => {
            value.remove(at.index(value.len()));
        }
        _ => return None,
    }
    Some(format!("{}{}{}", &text[..start], String::from_utf8(value).ok()?, &text[end..]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn what_cfsign_signs_verifies(c in case()) {
        let signed = c.signed();
        let (url, cookie) = c.request_parts(&signed);
        let r = Request::new(&url, IpAddr::V4(c.client), c.now());
        let r = match &cookie { Some(h) => r.cookie_header(h), None => r };
        let grant = trusted().verify(&r);
        prop_assert!(grant.is_ok(), "{:?}: {:?}", c, grant);
        let grant = grant.unwrap();
        prop_assert_eq!(grant.expires(), c.expires());
        prop_assert_eq!(grant.hash_algorithm(), c.hash);
        prop_assert_eq!(grant.key_pair_id(), signed.key_pair_id());
    }

    #[test]
    fn any_edit_of_signature_policy_or_key_id_is_refused(
        c in case(),
        field in 0..3usize,
        edit in (any::<u8>(), any::<prop::sample::Index>(), any::<u8>()),
    ) {
        let signed = c.signed();
        let (url, cookie) = c.request_parts(&signed);
        let name = match (field, &c.shape, c.cookies) {
            (0, _, false) => "Signature",
            (0, _, true) => "CloudFront-Signature",
            (1, Shape::Canned, false) => "Expires",
            (1, Shape::Canned, true) => "CloudFront-Expires",
            (1, _, false) => "Policy",
            (1, _, true) => "CloudFront-Policy",
            (_, _, false) => "Key-Pair-Id",
            (_, _, true) => "CloudFront-Key-Pair-Id",
        };
        let mutated = match &cookie {
            Some(h) => mutate_value(h, name, edit).map(|h| (url.clone(), Some(h))),
            None => mutate_value(&url, name, edit).map(|u| (u, None)),
        };
        if let Some((url, cookie)) = mutated {
            prop_assert!(!verify(&url, cookie.as_deref(), IpAddr::V4(c.client), c.now()), "{} edited: {} {:?}", name, url, cookie);
        }
    }

    #[test]
    fn outside_the_grant_is_refused(c in case(), late in 0u64..1000, early in 0u64..1000) {
        let signed = c.signed();
        let (url, cookie) = c.request_parts(&signed);
        let client = IpAddr::V4(c.client);
        // Time: at or after expiry.
        prop_assert!(!verify(&url, cookie.as_deref(), client, EpochSeconds::new(c.expires().as_secs() + late)));
        // Time: at or before the start (only custom policies with a start).
        if matches!(c.shape, Shape::CustomFull) {
            prop_assert!(!verify(&url, cookie.as_deref(), client, EpochSeconds::new(c.start.saturating_sub(early))));
            // IP outside 198.51.100.0/24, and any IPv6 client.
            prop_assert!(!verify(&url, cookie.as_deref(), IpAddr::V4(Ipv4Addr::new(198, 51, 101, 1)), c.now()));
            prop_assert!(!verify(&url, cookie.as_deref(), "2001:db8::1".parse().unwrap(), c.now()));
        }
        // URL: another host, and another path — unless a wildcard resource (`<path>*`) covers
        // it, as it does when `/x<path>` still starts with `<path>` (e.g. `/x` → `/x/x`).
        let moved = url.replacen("cdn.example.com", "cdn.example.org", 1);
        prop_assert!(!verify(&moved, cookie.as_deref(), client, c.now()), "{}", moved);
        let other = format!("/x{}", c.path);
        let covered = matches!(c.shape, Shape::CustomWildcard | Shape::CustomFull) && other.starts_with(&c.path);
        if !covered {
            let other_path = url.replacen(&c.path, &other, 1);
            prop_assert!(!verify(&other_path, cookie.as_deref(), client, c.now()), "{}", other_path);
        }
    }

    #[test]
    fn resource_matching_agrees_with_reference(
        pattern in "((https?|\\*|http\\*)://)?[ab.*?]{1,4}(/[ab/*?]{0,5}(\\?[ab=*?&]{0,4})?)?",
        url in "https?://[ab.]{1,3}(/[ab/]{0,5}(\\?[ab=&?]{0,4})?)?",
    ) {
        prop_assert_eq!(cfsign::resource_matches(&pattern, &url), reference::matches(&pattern, &url), "{} vs {}", pattern, url);
    }
}

/// An independent, deliberately naive implementation of docs/cloudfront-format.md §7.
mod reference {
    /// Quadratic dynamic-programming glob: `*` any run, `?` exactly one character.
    fn glob(p: &str, t: &str) -> bool {
        let (p, t): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
        let mut m = vec![vec![false; t.len() + 1]; p.len() + 1];
        m[0][0] = true;
        for i in 1..=p.len() {
            for j in 0..=t.len() {
                m[i][j] = match p[i - 1] {
                    '*' => m[i - 1][j] || (j > 0 && m[i][j - 1]),
                    '?' => j > 0 && m[i - 1][j - 1],
                    c => j > 0 && m[i - 1][j - 1] && t[j - 1] == c,
                };
            }
        }
        m[p.len()][t.len()]
    }

    struct Sections<'a> {
        scheme: Option<&'a str>,
        host: &'a str,
        /// Everything after the host (starts with `/` or `?`, or is empty).
        tail: &'a str,
    }

    fn sections(s: &str) -> Option<Sections<'_>> {
        let (scheme, rest) = match s.find("://") {
            Some(i) if !s[..i].contains('/') => (Some(&s[..i]), &s[i + 3..]),
            _ => (None, s),
        };
        let host_end =
            rest.char_indices().find(|&(_, c)| c == '/' || c == '?').map_or(rest.len(), |(i, _)| i);
        Some(Sections { scheme, host: &rest[..host_end], tail: &rest[host_end..] })
    }

    pub(crate) fn matches(pattern: &str, url: &str) -> bool {
        if pattern == "*" {
            return true;
        }
        let (Some(p), Some(u)) = (sections(pattern), sections(url)) else { return false };
        let Some(u_scheme) = u.scheme else { return false };
        match p.scheme {
            Some(s) if !glob(s, u_scheme) => return false,
            None if !pattern.starts_with('*') => return false,
            _ => {}
        }
        if !glob(p.host, u.host) {
            return false;
        }
        if p.tail.is_empty() {
            return u.tail.is_empty() || p.host.ends_with('*');
        }
        let (pp, pq) = match p.tail.split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (p.tail, None),
        };
        let (up, uq) = match u.tail.split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (u.tail, None),
        };
        if !glob(pp, up) {
            return false;
        }
        match (pq, uq) {
            (None, None) => true,
            (None, Some(_)) => pp.ends_with('*'),
            (Some(_), None) => false,
            (Some(a), Some(b)) => glob(a, b),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `explain` runs the verifier's own checks without the keys: for any request — genuine,
    /// edited, expired, moved — it names exactly the denial `verify` gives, unless that denial
    /// is one only the keys can tell (an unknown key, a bad signature), where it finds nothing.
    #[test]
    fn explain_agrees_with_verify(
        c in case(),
        edit in (0u8..3, any::<prop::sample::Index>(), any::<u8>()),
        which in 0usize..4,
        shift in 0u64..3_000_000,
    ) {
        let signed = c.signed();
        let (url, cookie) = c.request_parts(&signed);
        let (url, cookie) = match which {
            0 => (url, cookie),
            1 => match &cookie {
                Some(h) => (url, mutate_value(h, "CloudFront-Policy", edit).or(Some(h.clone()))),
                None => (mutate_value(&url, "Signature", edit).unwrap_or(url), None),
            },
            2 => (url.replacen("cdn.example.com/", "cdn.example.com/x", 1), cookie),
            _ => (url, cookie.map(|h| h.replace("CloudFront-Key-Pair-Id=K", "CloudFront-Key-Pair-Id=Q"))),
        };
        let now = EpochSeconds::new(c.start + shift);
        let r = Request::new(&url, IpAddr::V4(c.client), now);
        let r = match &cookie { Some(h) => r.cookie_header(h), None => r };
        let verified = trusted().verify(&r).err().map(|d| d.reason().clone());
        let explained = cfsign_verify::explain(&r).denial().map(|d| d.reason().clone());
        use cfsign_verify::Reason;
        match &verified {
            Some(Reason::UnknownKeyPairId { .. } | Reason::BadSignature) => {
                prop_assert!(explained.is_none() || explained == verified || matches!(explained, Some(Reason::Expired { .. } | Reason::NotYetValid { .. } | Reason::ResourceMismatch | Reason::IpNotAllowed { .. })), "{explained:?} vs {verified:?}");
            }
            _ => prop_assert_eq!(explained, verified),
        }
    }
}

/// Removes the value of `name` from a URL's query or a Cookie header (the pair stays, empty).
fn blank_value(text: &str, name: &str) -> Option<String> {
    let start = text.find(&format!("{name}="))? + name.len() + 1;
    let end = text[start..].find(['&', ';']).map_or(text.len(), |i| start + i);
    Some(format!("{}{}", &text[..start], &text[end..]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `explain` shows what a request carries whichever check stops it: with the key-pair ID
    /// or the signature blanked, it still reports the hash the request names and the policy
    /// it carries, as for the intact request.
    #[test]
    fn explain_reads_everything_whichever_check_fails(c in case(), blank_id in any::<bool>()) {
        let signed = c.signed();
        let (url, cookie) = c.request_parts(&signed);
        let now = EpochSeconds::new(c.start);
        let explain = |url: &str, cookie: Option<&str>| {
            let r = Request::unknown_client(url, now);
            cfsign_verify::explain(&match cookie { Some(h) => r.cookie_header(h), None => r })
        };
        let intact = explain(&url, cookie.as_deref());
        let name = match (blank_id, c.cookies) {
            (true, true) => "CloudFront-Key-Pair-Id",
            (true, false) => "Key-Pair-Id",
            (false, true) => "CloudFront-Signature",
            (false, false) => "Signature",
        };
        let (url, cookie) = match cookie {
            Some(h) => (url, blank_value(&h, name)),
            None => (blank_value(&url, name).unwrap(), None),
        };
        let broken = explain(&url, cookie.as_deref());
        prop_assert!(broken.denial().is_some());
        prop_assert_eq!(broken.hash_algorithm(), Some(c.hash));
        prop_assert_eq!(broken.hash_algorithm(), intact.hash_algorithm());
        prop_assert_eq!(broken.policy(), intact.policy());
        prop_assert_eq!(broken.policy_text(), intact.policy_text());
        prop_assert!(broken.policy().is_some());
    }
}

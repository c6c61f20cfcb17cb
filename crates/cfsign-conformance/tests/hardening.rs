//! Hostile input end to end, over real sockets with raw HTTP/1.1 bytes (no client library to
//! normalise anything):
//!
//! - through the gate (`cfsign serve`: gate + `ServeDir`), every generated forgery must be
//!   refused with the CloudFront code its construction calls for
//!   (docs/cloudfront-format.md §6), with the exact 403 XML body; genuine credentials buried in
//!   junk must still pass; path tricks must never reach a file outside the tree they name;
//! - through the axum app with `cfsign-tower` and the actix-web app with `cfsign-actix`, the same
//!   hostile cookies and queries must change nothing: same status, same body, the same freshly
//!   issued cookies as a clean request (the hostile ones are treated as absent), never a 5xx.
//!
//! The generator is a seeded xorshift, so a failure names a case that can be replayed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use cfsign::{CustomPolicy, EpochSeconds, HashAlgorithm, KeyKind, SignedPolicy, encoding};
use cfsign_conformance::{
    Framework, Rng, SigningKey, T0, issuer, key, raw_request, start, start_gate, trusted,
};
use cfsign_issuer::ManualClock;
use cfsign_verify::TrustedKeyGroups;

const NOW: EpochSeconds = T0;
const EXP: EpochSeconds = EpochSeconds::new(T0.as_secs() + 3600);
const HOST_URL: &str = "https://cdn.example.com";
const RSA_ID: &str = "KRSA2048HARDEN";
const SECRET: &str = "SECRET-CONTENTS-OF-THE-PRIVATE-TREE";

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~";
/// Query-value bytes: RFC 3986 query characters without the separators `&` and `=`; `%` is in,
/// so percent escapes (including `%00`, `%FF`, `%2B`) come out by chance.
fn query_junk() -> Vec<u8> {
    (b'!'..=b'~').filter(|b| b.is_ascii_alphanumeric() || b"-._~!$'()*+,;:@/?%".contains(b)).collect()
}

/// Percent-encodes what cannot travel raw in a request target (so that the request reaches
/// the gate instead of being refused by the HTTP parser): the verifier decodes it again.
fn escape_query_value(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    for &b in v {
        if (0x21..0x7F).contains(&b) && !b"#&\"<>`^{|}".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}
/// Cookie-value bytes as HTTP/1.1 carries them: visible ASCII except `;`, and obs-text
/// (0x80–0xFF, so never valid UTF-8 by chance).
fn cookie_junk() -> Vec<u8> {
    (b'!'..=b'~').filter(|b| *b != b';').chain(0x80..=0xFF).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    Denied(&'static str),
    Allowed,
    /// A path trick on a public path: must not be served (404/400), never the secret file.
    NotServed,
    /// Bytes no HTTP/1.1 request target may hold: refused with a 4xx by someone, never served.
    Refused,
}

#[derive(Debug, Clone)]
struct Case {
    what: String,
    target: Vec<u8>,
    cookies: Vec<Vec<u8>>,
    expect: Expect,
}

/// Where credentials go: the query of `path` or a `Cookie` header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Carrier {
    Url,
    Cookies,
}

struct Keys {
    ecdsa: SigningKey,
    rsa: SigningKey,
    /// Same key-pair ID as `ecdsa`, different key: a forger's.
    impostor: SigningKey,
}

impl Keys {
    fn new() -> Self {
        Keys {
            ecdsa: key(),
            rsa: SigningKey::from_pem(include_str!("../../cfsign/tests/data/rsa-2048-pkcs8.pem"), RSA_ID)
                .unwrap(),
            impostor: SigningKey::generate(KeyKind::EcdsaP256, key().key_pair_id().as_str()).unwrap(),
        }
    }
    fn trusted(&self) -> TrustedKeyGroups {
        trusted(&[&self.ecdsa, &self.rsa])
    }
    fn any(&self, rng: &mut Rng) -> SigningKey {
        let k = if rng.chance(50) { self.ecdsa.clone() } else { self.rsa.clone() };
        k.with_hash(*rng.pick(&[HashAlgorithm::Sha1, HashAlgorithm::Sha256]))
    }
}

/// Signing values in wire order; `None` values are left out, `Some("")` is sent empty.
#[derive(Default, Clone)]
struct Creds {
    expires: Option<Vec<u8>>,
    policy: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    key_pair_id: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
}

impl Creds {
    fn of(signed: &SignedPolicy) -> Self {
        let mut c = Creds::default();
        for (name, value) in signed.query_parameters() {
            let v = Some(value.as_bytes().to_vec());
            match name {
                "Expires" => c.expires = v,
                "Policy" => c.policy = v,
                "Signature" => c.signature = v,
                "Key-Pair-Id" => c.key_pair_id = v,
                _ => c.hash = v,
            }
        }
        c
    }
    fn pairs(&self) -> Vec<(&'static str, Vec<u8>)> {
        [
            ("Expires", &self.expires),
            ("Policy", &self.policy),
            ("Signature", &self.signature),
            ("Key-Pair-Id", &self.key_pair_id),
            ("Hash-Algorithm", &self.hash),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.clone().map(|v| (n, v)))
        .collect()
    }
}

/// Puts `creds` into a request for `path`, with random harmless junk around them: other query
/// parameters, or other cookies (obs-text bytes included) in one or several `Cookie` headers.
fn request(rng: &mut Rng, carrier: Carrier, path: &str, creds: &Creds) -> (Vec<u8>, Vec<Vec<u8>>) {
    request_with(rng, carrier, path, creds, true)
}

/// [`request`], with `junk_query: false` for canned URLs (whose policy covers the exact query).
fn request_with(
    rng: &mut Rng,
    carrier: Carrier,
    path: &str,
    creds: &Creds,
    junk_query: bool,
) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut target = path.as_bytes().to_vec();
    let mut cookies = Vec::new();
    match carrier {
        Carrier::Url => {
            let mut params: Vec<Vec<u8>> = creds
                .pairs()
                .into_iter()
                .map(|(n, v)| [n.as_bytes(), b"=", &escape_query_value(&v)].concat())
                .collect();
            for _ in 0..if junk_query { rng.below(3) } else { 0 } {
                let junk = query_junk();
                let (nl, vl) = (1 + rng.below(6), rng.below(12));
                let (n, v) = (rng.bytes(nl, B64), rng.bytes(vl, &junk));
                params.insert(rng.below(params.len() + 1), [n.as_slice(), b"=", &v].concat());
            }
            if !params.is_empty() {
                target.push(b'?');
                target.extend(params.join(&b'&'));
            }
        }
        Carrier::Cookies => {
            let mut pairs: Vec<Vec<u8>> = creds
                .pairs()
                .into_iter()
                .map(|(n, v)| [b"CloudFront-", n.as_bytes(), b"=", &v].concat())
                .collect();
            for _ in 0..rng.below(4) {
                let junk = cookie_junk();
                let (nl, vl) = (1 + rng.below(8), rng.below(40));
                let (n, v) = (rng.bytes(nl, B64), rng.bytes(vl, &junk));
                pairs.insert(rng.below(pairs.len() + 1), [n.as_slice(), b"=", &v].concat());
            }
            if !pairs.is_empty() {
                if rng.chance(20) && pairs.len() > 1 {
                    // Split over two `Cookie` headers, as HTTP/2 → HTTP/1 proxies do.
                    let second = pairs.split_off(pairs.len() / 2);
                    cookies.push(second.join(&b"; "[..]));
                }
                cookies.insert(0, pairs.join(&b"; "[..]));
            }
        }
    }
    (target, cookies)
}

fn custom(resource: &str) -> CustomPolicy {
    CustomPolicy::builder().resource(resource).date_less_than(EXP).build().unwrap()
}

fn encode(json: &[u8]) -> Vec<u8> {
    encoding::encode(json).into_bytes()
}

/// A random-looking but well-formed signature value.
fn random_signature(rng: &mut Rng) -> Vec<u8> {
    let len = *rng.pick(&[64usize, 70, 71, 72, 256]);
    let raw: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
    encode(&raw)
}

/// Policy JSON that CloudFront's step 4 refuses: invalid JSON, wrong shapes, epochs that are
/// not non-negative integers, deep nesting, truncation, bad UTF-8.
fn malformed_policy_json(rng: &mut Rng) -> (String, Vec<u8>) {
    let wrap = |cond: &str| {
        format!(r#"{{"Statement":[{{"Resource":"{HOST_URL}/private/*","Condition":{{{cond}}}}}]}}"#)
    };
    let bad_epochs = [
        "-5",
        "-1767203600",
        "1.5",
        "1767203600.0",
        "1e9",
        "1E10",
        "18446744073709551616",
        "99999999999999999999999999999999999999",
        "\"1767203600\"",
        "null",
        "true",
        "[]",
        "{}",
        "01767203600",
        "+1767203600",
        "0x10",
        "NaN",
        "Infinity",
        "",
    ];
    match rng.below(13) {
        0 => {
            let d = 6 + rng.below(1_500); // stays under the URL and Cookie size limits
            (
                "deep arrays".into(),
                format!(r#"{{"Statement":{}{}}}"#, "[".repeat(d), "]".repeat(d)).into_bytes(),
            )
        }
        1 => {
            let d = 6 + rng.below(600);
            ("deep objects".into(), format!("{}1{}", r#"{"a":"#.repeat(d), "}".repeat(d)).into_bytes())
        }
        2 => {
            let e = *rng.pick(&bad_epochs);
            (
                format!("DateLessThan {e}"),
                wrap(&format!(r#""DateLessThan":{{"AWS:EpochTime":{e}}}"#)).into_bytes(),
            )
        }
        3 => {
            let e = *rng.pick(&bad_epochs);
            let cond = format!(
                r#""DateLessThan":{{"AWS:EpochTime":{}}},"DateGreaterThan":{{"AWS:EpochTime":{e}}}"#,
                EXP.as_secs()
            );
            (format!("DateGreaterThan {e}"), wrap(&cond).into_bytes())
        }
        4 => ("no DateLessThan".into(), wrap(r#""DateGreaterThan":{"AWS:EpochTime":1}"#).into_bytes()),
        5 => {
            let one = format!(
                r#"{{"Resource":"*","Condition":{{"DateLessThan":{{"AWS:EpochTime":{}}}}}}}"#,
                EXP.as_secs()
            );
            let n = *rng.pick(&[0usize, 2, 3, 50]);
            (
                format!("{n} statements"),
                format!(r#"{{"Statement":[{}]}}"#, vec![one; n].join(",")).into_bytes(),
            )
        }
        6 => {
            let s = *rng.pick(&[
                r#"{"Statement":{}}"#,
                r#"{}"#,
                r#"[]"#,
                r#""x""#,
                r#"{"Statement":"*"}"#,
                "null",
            ]);
            ("wrong shape".into(), s.as_bytes().to_vec())
        }
        7 => {
            // \u0000 in a key name makes it an unknown key.
            (
                "NUL in a key".into(),
                wrap(&format!(r#""DateLessThan\u0000":{{"AWS:EpochTime":{}}}"#, EXP.as_secs())).into_bytes(),
            )
        }
        8 => {
            let good = custom(&format!("{HOST_URL}/private/*")).to_json();
            let cut = rng.below(good.len());
            ("truncated".into(), good.as_bytes()[..cut].to_vec())
        }
        9 => {
            let n = rng.below(200);
            let raw: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            ("random bytes".into(), raw)
        }
        10 => {
            let mut s =
                wrap(&format!(r#""DateLessThan":{{"AWS:EpochTime":{}}}"#, EXP.as_secs())).into_bytes();
            let at = s.iter().position(|b| *b == b'*').unwrap();
            s.insert(at, *rng.pick(&[0xFF_u8, 0xC0, 0x80, 0xED]));
            ("invalid UTF-8".into(), s)
        }
        11 => {
            let bad = *rng.pick(&[r"\ud800", r"\udfff", r"\u12", r"\x41", r"\"]);
            let s = format!(
                r#"{{"Statement":[{{"Resource":"{HOST_URL}/{bad}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{}}}}}}}]}}"#,
                EXP.as_secs()
            );
            (format!("bad escape {bad}"), s.into_bytes())
        }
        _ => {
            let ip = *rng.pick(&[
                "300.1.1.1/8",
                "::1/128",
                "1.2.3.4/33",
                "1.2.3/24",
                "",
                "a.b.c.d/8",
                "1.2.3.4/-1",
            ]);
            let cond = format!(
                r#""DateLessThan":{{"AWS:EpochTime":{}}},"IpAddress":{{"AWS:SourceIp":"{ip}"}}"#,
                EXP.as_secs()
            );
            (format!("IpAddress {ip:?}"), wrap(&cond).into_bytes())
        }
    }
}

fn carrier(rng: &mut Rng) -> Carrier {
    if rng.chance(50) { Carrier::Url } else { Carrier::Cookies }
}

fn case(rng: &mut Rng, what: String, carrier: Carrier, path: &str, creds: &Creds, expect: Expect) -> Case {
    let (target, cookies) = request(rng, carrier, path, creds);
    Case { what, target, cookies, expect }
}

/// Generates `per_kind` cases of each kind.
fn generate(keys: &Keys, seed: u64, per_kind: usize) -> Vec<Case> {
    let mut rng = Rng(seed);
    let mut cases = Vec::new();
    let ecdsa_id = keys.ecdsa.key_pair_id().as_str().as_bytes().to_vec();
    let path = "/private/a.txt";
    let url = format!("{HOST_URL}{path}");

    for i in 0..per_kind {
        // MissingKey: anything, but no (or an empty) Key-Pair-Id.
        let c = carrier(&mut rng);
        let mut creds = Creds {
            expires: rng.chance(50).then(|| rng.some_bytes(0, 12, &query_junk())),
            policy: rng.chance(50).then(|| encode(&malformed_policy_json(&mut rng).1)),
            signature: rng.chance(70).then(|| random_signature(&mut rng)),
            key_pair_id: rng.chance(30).then(Vec::new),
            hash: rng.chance(20).then(|| b"SHA256".to_vec()),
        };
        if c == Carrier::Cookies && creds.key_pair_id.is_some() && rng.chance(50) {
            creds.key_pair_id = Some(b"\"\"".to_vec()); // quoted empty value
        }
        if creds.pairs().is_empty()
            || (c == Carrier::Url && creds.pairs().iter().all(|(n, _)| *n == "Key-Pair-Id"))
        {
            creds.signature = Some(random_signature(&mut rng));
        }
        let mut k =
            case(&mut rng, format!("missing key #{i}"), c, path, &creds, Expect::Denied("MissingKey"));
        if c == Carrier::Url && rng.chance(30) {
            // Valid cookies do not rescue a signed URL: the URL's parameters decide.
            let good = SignedPolicy::new(custom(&format!("{HOST_URL}/private/*")), &keys.ecdsa).unwrap();
            k.cookies.push(good.cookies().cookie_header().into_bytes());
            k.what.push_str(" + valid cookies");
        }
        cases.push(k);

        // InvalidKey: a Key-Pair-Id no trusted group holds.
        let c = carrier(&mut rng);
        let id = match rng.below(4) {
            0 => [b"X".as_slice(), &rng.some_bytes(1, 30, B64)].concat(),
            1 => ecdsa_id.to_ascii_lowercase(),
            2 => ecdsa_id[..ecdsa_id.len() - 1].to_vec(),
            _ if c == Carrier::Cookies => [b"X".as_slice(), &rng.some_bytes(1, 200, &cookie_junk())].concat(),
            _ => [b"X%00".as_slice(), &ecdsa_id].concat(),
        };
        let signed =
            SignedPolicy::new(custom(&format!("{HOST_URL}/private/*")), &keys.any(&mut rng)).unwrap();
        let creds = Creds { key_pair_id: Some(id), ..Creds::of(&signed) };
        cases.push(case(
            &mut rng,
            format!("unknown key #{i}"),
            c,
            path,
            &creds,
            Expect::Denied("InvalidKey"),
        ));

        // MalformedPolicy.
        let c = carrier(&mut rng);
        let signer = keys.any(&mut rng);
        let mut creds = Creds {
            key_pair_id: Some(signer.key_pair_id().as_str().as_bytes().to_vec()),
            signature: Some(random_signature(&mut rng)),
            hash: (signer.hash_algorithm() == HashAlgorithm::Sha256).then(|| b"SHA256".to_vec()),
            ..Creds::default()
        };
        let what = match rng.below(5) {
            0 | 1 => {
                let (what, json) = malformed_policy_json(&mut rng);
                // Signed by a trusted key: the signature cannot rescue a malformed policy.
                creds.signature = Some(encoding::encode(&signer_sign(&signer, &json)).into_bytes());
                creds.policy = Some(encode(&json));
                what
            }
            2 => {
                let junk: &[&[u8]] = if c == Carrier::Url {
                    &[b"+", b"/", b"=", b"%2B", b"%00", b"!", b"."]
                } else {
                    &[b"+", b"/", b"=", b"%", b"!", b".", b"\xff", b"\xc3\xa9"]
                };
                let mut p = encode(custom(&format!("{HOST_URL}/*")).to_json().as_bytes());
                let at = rng.below(p.len());
                p.splice(at..at, rng.pick(junk).iter().copied());
                creds.policy = Some(p);
                "policy not base64".into()
            }
            3 => {
                creds.expires = Some(EXP.as_secs().to_string().into_bytes());
                creds.policy = Some(encode(custom(&format!("{HOST_URL}/*")).to_json().as_bytes()));
                "both Expires and Policy".into()
            }
            _ => {
                let e: &[u8] = rng.pick::<&[u8]>(&[
                    b"-5".as_slice(),
                    b"1.5",
                    b"1e9",
                    b"18446744073709551616",
                    b"99999999999999999999999999",
                    b"",
                    b"01767203600",
                    b"+1767203600",
                    b"0x10",
                    b"1_000",
                    "１".as_bytes(),
                ]);
                if e.is_empty() && rng.chance(50) {
                    "neither Expires nor Policy".into()
                } else {
                    creds.expires = Some(e.to_vec());
                    format!("Expires {:?}", String::from_utf8_lossy(e))
                }
            }
        };
        cases.push(case(
            &mut rng,
            format!("malformed policy: {what} #{i}"),
            c,
            path,
            &creds,
            Expect::Denied("MalformedPolicy"),
        ));

        // MalformedSignature: a sound policy, a signature that is missing or not base64.
        let c = carrier(&mut rng);
        let signed = if rng.chance(50) {
            SignedPolicy::new(custom(&format!("{HOST_URL}/private/*")), &keys.any(&mut rng)).unwrap()
        } else {
            SignedPolicy::new(cfsign::CannedPolicy::new(url.clone(), EXP).unwrap(), &keys.any(&mut rng))
                .unwrap()
        };
        let mut creds = Creds::of(&signed);
        let sig = creds.signature.clone().unwrap();
        creds.signature = match rng.below(4) {
            0 => None,
            1 => Some(Vec::new()),
            _ => {
                let junk: &[&[u8]] = if c == Carrier::Url {
                    &[b"+", b"/", b"=", b"%2B", b"%2F", b"%00", b"%FF", b"!", b".", b"*"]
                } else {
                    &[b"+", b"/", b"=", b"%", b"!", b".", b"*", b"\xff", b"\xe2\x80\x8b", b"A B"]
                };
                let mut s = sig;
                let at = rng.below(s.len());
                s.splice(at..at, rng.pick(junk).iter().copied());
                Some(s)
            }
        };
        cases.push(case(
            &mut rng,
            format!("malformed signature #{i}"),
            c,
            path,
            &creds,
            Expect::Denied("MalformedSignature"),
        ));

        // AccessDenied: well-formed, but a forgery, out of its window, or for something else.
        cases.push(access_denied(&mut rng, keys, i));

        // Allowed: genuine credentials, buried in junk.
        cases.push(allowed(&mut rng, keys, i));
    }
    for (i, trick) in [
        "/public/../private/secret.txt",
        "/public/%2e%2e/private/secret.txt",
        "/public/%2E%2E/private/secret.txt",
        "/public/..%2fprivate/secret.txt",
        "/public/.%2e/private/secret.txt",
        "/public/%2e%2e%2fprivate%2fsecret.txt",
        "/public/..\\private\\secret.txt",
        "/public/%2e%2e%5cprivate%5csecret.txt",
        "/public/./../private/secret.txt",
    ]
    .into_iter()
    .enumerate()
    {
        cases.push(Case {
            what: format!("path trick {trick} #{i}"),
            target: trick.as_bytes().to_vec(),
            cookies: vec![],
            expect: Expect::NotServed,
        });
    }
    let raw: [&[u8]; 4] =
        [b"/private/a.txt\xff", b"/private/\x00a.txt", b"/public/hello.txt?\xc3\x28", b"/private/a\x7f.txt"];
    for (i, target) in raw.into_iter().enumerate() {
        let what = format!("raw bytes {:?} #{i}", String::from_utf8_lossy(target));
        cases.push(Case { what, target: target.to_vec(), cookies: vec![], expect: Expect::Refused });
    }
    cases
}

fn signer_sign(signer: &SigningKey, message: &[u8]) -> Vec<u8> {
    cfsign::Signer::sign(signer, message).unwrap()
}

fn access_denied(rng: &mut Rng, keys: &Keys, i: usize) -> Case {
    let c = carrier(rng);
    let path = "/private/a.txt";
    let signer = keys.any(rng);
    let signed = SignedPolicy::new(custom(&format!("{HOST_URL}/private/*")), &signer).unwrap();
    let mut creds = Creds::of(&signed);
    let mut target_path = path.to_owned();
    let mut expect = Expect::Denied("AccessDenied");
    let what = match rng.below(12) {
        0 => {
            creds.signature = Some(random_signature(rng));
            "random signature".to_owned()
        }
        1 => {
            let mut sig =
                encoding::decode(std::str::from_utf8(creds.signature.as_ref().unwrap()).unwrap()).unwrap();
            let at = rng.below(sig.len());
            sig[at] ^= 1 << rng.below(8);
            creds.signature = Some(encode(&sig));
            "one bit of the signature flipped".to_owned()
        }
        2 => {
            let forged = SignedPolicy::new(custom(&format!("{HOST_URL}/*")), &keys.impostor).unwrap();
            creds = Creds::of(&forged);
            "signed by an impostor key with a trusted ID".to_owned()
        }
        3 => {
            // A genuine signature over other bytes: the policy was widened after signing.
            creds.policy = Some(encode(custom(&format!("{HOST_URL}/*")).to_json().as_bytes()));
            "policy swapped after signing".to_owned()
        }
        4 => {
            let h: &[u8] = rng.pick::<&[u8]>(&[
                b"MD5".as_slice(),
                b"sha256",
                b"SHA-256",
                b"SHA512",
                b"",
                b"SHA1 SHA256",
            ]);
            let h = if signer.hash_algorithm() == HashAlgorithm::Sha1 && rng.chance(50) {
                b"SHA256".as_slice()
            } else {
                h
            };
            creds.hash = Some(h.to_vec());
            format!("Hash-Algorithm {:?}", String::from_utf8_lossy(h))
        }
        5 => {
            let expired = CustomPolicy::builder()
                .resource(format!("{HOST_URL}/private/*"))
                .date_less_than(NOW)
                .build()
                .unwrap();
            creds = Creds::of(&SignedPolicy::new(expired, &signer).unwrap());
            "expired exactly now".to_owned()
        }
        6 => {
            let early = CustomPolicy::builder()
                .resource(format!("{HOST_URL}/private/*"))
                .date_less_than(EXP)
                .date_greater_than(NOW)
                .build()
                .unwrap();
            creds = Creds::of(&SignedPolicy::new(early, &signer).unwrap());
            "not valid until after now".to_owned()
        }
        7 => {
            let elsewhere = CustomPolicy::builder()
                .resource(format!("{HOST_URL}/private/*"))
                .date_less_than(EXP)
                .ip_address("192.0.2.0/24")
                .build()
                .unwrap();
            creds = Creds::of(&SignedPolicy::new(elsewhere, &signer).unwrap());
            "client outside the IP range".to_owned()
        }
        8 => {
            // Canned for a.txt, replayed against a look-alike URL: another URL in normal form
            // is denied; a spelling that is not normal form never reaches the check (400).
            let canned = cfsign::CannedPolicy::new(format!("{HOST_URL}{path}"), EXP).unwrap();
            creds = Creds::of(&SignedPolicy::new(canned, &signer).unwrap());
            let (look_alike, normal) = *rng.pick(&[
                ("/private/%61.txt", false),
                ("/private/a.txt/", true),
                ("/private//a.txt", false),
                ("/private/A.txt", true),
                ("/private/./a.txt", false),
                ("/private/a.txt%00", false),
                ("/private/a.txt;x", true),
            ]);
            target_path = look_alike.to_owned();
            if !normal {
                expect = Expect::Refused;
            }
            format!("canned replayed on {target_path}")
        }
        9 => {
            // Many `*`: no backtracking blow-up, and no match. (The NUL never occurs in a URL.)
            let pattern = format!("{HOST_URL}/private/{}\\u0000", "*a".repeat(1 + rng.below(400)));
            let p = format!(
                r#"{{"Statement":[{{"Resource":"{pattern}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{}}}}}}}]}}"#,
                EXP.as_secs()
            );
            creds.policy = Some(encode(p.as_bytes()));
            creds.signature = Some(encode(&signer_sign(&signer, p.as_bytes())));
            target_path = format!("/private/{}", "a".repeat(1 + rng.below(2000)));
            "many * and a NUL".to_owned()
        }
        10 | 11 => {
            // Appended after the request is built: a parameter given twice, or padding past
            // the limits (a 20 KB+ Cookie header, an 8 KB+ URL).
            let (mut target, mut cookies) = request(rng, c, path, &creds);
            let what = match c {
                Carrier::Url if rng.chance(50) => {
                    let (dup, _) = *rng.pick(&creds.pairs());
                    target.extend_from_slice(format!("&{dup}=AAAA").as_bytes());
                    format!("duplicate {dup}")
                }
                Carrier::Url => {
                    target.extend_from_slice(format!("&pad={}", "p".repeat(8_200)).as_bytes());
                    "URL over 8 KB".to_owned()
                }
                Carrier::Cookies => {
                    cookies.push(format!("pad={}", "p".repeat(20_481)).into_bytes());
                    "Cookie headers over 20 KB".to_owned()
                }
            };
            return Case {
                what: format!("{what} #{i}"),
                target,
                cookies,
                expect: Expect::Denied("AccessDenied"),
            };
        }
        _ => unreachable!(),
    };
    let (target, cookies) = request(rng, c, &target_path, &creds);
    Case { what: format!("access denied: {what} #{i}"), target, cookies, expect }
}

fn allowed(rng: &mut Rng, keys: &Keys, i: usize) -> Case {
    let c = carrier(rng);
    let signer = keys.any(rng);
    let path = *rng.pick(&["/private/a.txt", "/private/alice/pic.txt"]);
    let (what, signed) = match rng.below(4) {
        0 => (
            "canned",
            SignedPolicy::new(cfsign::CannedPolicy::new(format!("{HOST_URL}{path}"), EXP).unwrap(), &signer)
                .unwrap(),
        ),
        1 => ("custom", SignedPolicy::new(custom(&format!("{HOST_URL}/private/*")), &signer).unwrap()),
        2 => {
            let p = CustomPolicy::builder()
                .resource(format!("http*://*.example.com/{}", "*".repeat(1 + rng.below(50))))
                .date_less_than(EXP)
                .date_greater_than(EpochSeconds::new(NOW.as_secs() - 1))
                .ip_address("127.0.0.0/8")
                .build()
                .unwrap();
            ("custom, many * and every condition", SignedPolicy::new(p, &signer).unwrap())
        }
        _ => (
            "any resource",
            SignedPolicy::new(
                CustomPolicy::builder().any_resource().date_less_than(EXP).build().unwrap(),
                &signer,
            )
            .unwrap(),
        ),
    };
    let creds = Creds::of(&signed);
    // A canned policy covers the exact URL: other query parameters would change it.
    let (target, mut cookies) = request_with(rng, c, path, &creds, what != "canned");
    if c == Carrier::Cookies && rng.chance(30) {
        // A second, stale set under a less specific path comes after the fresh one.
        cookies.push(b"CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=XSTALE".to_vec());
    }
    Case {
        what: format!("allowed: {what} via {} #{i}", if c == Carrier::Url { "URL" } else { "cookies" }),
        target,
        cookies,
        expect: Expect::Allowed,
    }
}

fn tree() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cfsign-hardening-{}", std::process::id()));
    for (file, text) in [
        ("public/hello.txt", "hello"),
        ("private/a.txt", "PRIVATE-A"),
        ("private/alice/pic.txt", "PRIVATE-ALICE"),
        ("private/secret.txt", SECRET),
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn xml(code: &str) -> String {
    let message = match code {
        "MissingKey" => "Missing Key-Pair-Id query parameter or cookie value",
        "InvalidKey" => "Unknown Key",
        "MalformedPolicy" => "Malformed Policy",
        "MalformedSignature" => "Could not unencode Signature",
        _ => "Access denied",
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"#
    )
}

fn cookie_headers(case: &Case) -> Vec<(&'static str, Vec<u8>)> {
    case.cookies.iter().map(|c| ("Cookie", c.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_refuses_every_forgery_with_the_right_code() {
    let keys = Keys::new();
    let dir = tree();
    let addr = start_gate(&dir, keys.trusted(), || NOW).await;
    let cases = generate(&keys, 0x9E37_79B9_7F4A_7C15, 400);
    let mut counts: BTreeMap<Expect, usize> = BTreeMap::new();
    if std::env::var_os("HARDENING_HISTOGRAM").is_some() {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for c in &cases {
            *kinds.entry(c.what.split(" #").next().unwrap().to_owned()).or_default() += 1;
        }
        eprintln!("{kinds:#?}");
    }
    for case in &cases {
        let reply = raw_request(addr, &case.target, &cookie_headers(case)).await;
        let body = String::from_utf8_lossy(&reply.body);
        let show = || {
            let cookie_len: usize = case.cookies.iter().map(Vec::len).sum();
            // What the verifier itself says, to tell a generator slip from a gate bug.
            let url = format!("{HOST_URL}{}", String::from_utf8_lossy(&case.target));
            let joined = case.cookies.join(&b"; "[..]);
            let verdict = keys.trusted().verify(
                &cfsign_verify::Request::new(&url, [127, 0, 0, 1].into(), NOW).cookie_header(&joined),
            );
            let verdict = verdict.map_or_else(|d| format!("{:?}", d.reason()), |_| "allowed".to_owned());
            format!(
                "{} [verifier: {verdict}] ({} URL bytes, {cookie_len} cookie bytes): {:.300}",
                case.what,
                case.target.len(),
                String::from_utf8_lossy(&case.target)
            )
        };
        assert!(reply.status < 500, "5xx for {}", show());
        match case.expect {
            Expect::Denied(code) => {
                assert_eq!((reply.status, body.as_ref()), (403, xml(code).as_str()), "{}", show());
                assert_eq!(reply.header("content-type"), Some(&b"text/xml"[..]), "{}", show());
            }
            Expect::Allowed => {
                assert_eq!(reply.status, 200, "{} -> {body}", show());
                assert!(body.starts_with("PRIVATE-"), "{}", show());
            }
            Expect::Refused => {
                assert!((400..500).contains(&reply.status), "{} -> {}", show(), reply.status);
                assert!(!body.starts_with("PRIVATE-") && !body.contains(SECRET), "{}", show());
            }
            Expect::NotServed => {
                assert!(matches!(reply.status, 400 | 404), "{} -> {}", show(), reply.status);
                assert!(!body.contains(SECRET), "{}", show());
            }
        }
        *counts.entry(case.expect).or_default() += 1;
    }
    // The server is still there and still serves.
    let hello = raw_request(addr, b"/public/hello.txt", &[]).await;
    assert_eq!((hello.status, hello.body.as_slice()), (200, &b"hello"[..]));
    let _ = std::fs::remove_dir_all(dir);
    eprintln!("gate: {} hostile and genuine requests over loopback: {counts:?}", cases.len());
    assert!(counts.values().sum::<usize>() >= 2_400);
}

/// The session and the control: what a clean request gets.
struct Control {
    status: u16,
    body: Vec<u8>,
    issued: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_cookies_and_queries_change_nothing_in_the_apps() {
    let keys = Keys::new();
    let cases = generate(&keys, 0xD1B5_4A32_D192_ED03, 250);
    for fw in [Framework::Axum, Framework::Actix] {
        let clock = ManualClock::new(T0);
        let issuer = issuer(&clock, key());
        let addr: SocketAddr = start(fw, issuer.clone()).await;
        let session = || ("Cookie", b"session=alice.u".to_vec());
        let clean = raw_request(addr, b"/me", &[session()]).await;
        let control = Control { status: clean.status, body: clean.body.clone(), issued: clean.set_cookies() };
        assert_eq!((control.status, control.issued.len()), (200, 4), "{fw:?}");
        let control = Arc::new(control);
        let mut requests = 0;
        // (Raw bytes no request target may hold never reach an app: the HTTP parser refuses them.)
        for case in cases.iter().filter(|c| c.expect != Expect::Refused) {
            // The app sees the hostile query (its route ignores queries) and the hostile cookies,
            // next to the session cookie in its own header line.
            let query = case.target.iter().position(|b| *b == b'?').map_or(&[][..], |q| &case.target[q..]);
            let target = [b"/me".as_slice(), query].concat();
            let mut headers = vec![session()];
            headers.extend(cookie_headers(case));
            let reply = raw_request(addr, &target, &headers).await;
            requests += 1;
            let show = || format!("{fw:?} {}: {:.200}", case.what, String::from_utf8_lossy(&target));
            assert_eq!(reply.status, control.status, "{}", show());
            assert_eq!(reply.body, control.body, "{}", show());
            let (removed, issued): (Vec<String>, Vec<String>) =
                reply.set_cookies().into_iter().partition(|c| c.contains("Max-Age=0"));
            // Hostile cookies count as absent, valid ones for other scopes or keys as stale:
            // either way the session gets exactly the cookies a clean request gets.
            assert_eq!(issued, control.issued, "{}", show());
            for r in &removed {
                let name = r.split('=').next().unwrap();
                assert!(name.starts_with("CloudFront-"), "{}: {r}", show());
                assert!(
                    case.cookies.iter().any(|c| c.windows(name.len()).any(|w| w == name.as_bytes())),
                    "{}: {r}",
                    show()
                );
            }
        }
        // Requests without a session: untouched, nothing issued, whatever the cookies.
        for case in cases.iter().take(200) {
            let reply = raw_request(addr, b"/me", &cookie_headers(case)).await;
            assert_eq!((reply.status, reply.body.as_slice()), (200, &b"None"[..]), "{fw:?} {}", case.what);
            assert!(reply.set_cookies().is_empty(), "{fw:?} {}", case.what);
            requests += 1;
        }
        let c = issuer.counters();
        eprintln!(
            "{fw:?}: {requests} hostile requests, no 5xx, responses as for a clean request; \
             malformed cookie sets seen {}, signatures made {}",
            c.malformed_cookies, c.signatures_made
        );
        assert_eq!(c.signatures_made, 1, "{fw:?}: one scope, one window, one signature");
        assert!(c.malformed_cookies > 100, "{fw:?}: {}", c.malformed_cookies);
    }
}

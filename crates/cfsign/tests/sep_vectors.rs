//! AWS's cross-SDK CloudFront signer suite ("SEP" vectors, `tests/data/sep/`, Apache-2.0):
//! every case must give the same policy bytes, query parameters, cookies and signatures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

// The `rustcrypto` backend (what `cfsign::SigningKey` always is), named explicitly: its ECDSA
// is deterministic (RFC 6979), so the suite's ECDSA signatures compare byte for byte. The
// `aws-lc` backend takes the same keys, the suite's 1024-bit RSA key included, and signs RSA
// identically (tests/key_files.rs).
use cfsign::rustcrypto::{PublicKey, SigningKey};
use cfsign::{
    CannedPolicy, CustomPolicy, EpochSeconds, Error, HashAlgorithm, Policy, SignedPolicy, Signer, Verifier,
};
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sep");

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/{name}")).unwrap()).unwrap()
}

fn key(case: &Value, hash: HashAlgorithm) -> SigningKey {
    let input = &case["input"];
    let pem =
        std::fs::read_to_string(format!("{DATA}/{}", input["privateKeyFile"].as_str().unwrap())).unwrap();
    SigningKey::from_pem(&pem, input["keyPairId"].as_str().unwrap()).unwrap().with_hash(hash)
}

/// What every SDK does with the suite's inputs: a canned policy unless a start time, an IP range
/// or a wildcard asks for a custom one.
fn policy(case: &Value) -> Result<Policy, Error> {
    let input = &case["input"];
    let resource = input["resource"].as_str().unwrap();
    let expires = input["expirationDate"].as_u64().map(EpochSeconds::new);
    let active = input["activeDate"].as_u64().map(EpochSeconds::new);
    let ip = input["ipRange"].as_str();
    if active.is_none()
        && ip.is_none()
        && !resource.contains('*')
        && let Some(expires) = expires
    {
        return CannedPolicy::new(resource, expires).map(Policy::from);
    }
    let mut b = CustomPolicy::builder().resource(resource);
    if let Some(t) = expires {
        b = b.date_less_than(t);
    }
    if let Some(t) = active {
        b = b.date_greater_than(t);
    }
    if let Some(ip) = ip {
        b = b.ip_address(ip);
    }
    b.build().map(Policy::from)
}

fn query_params(url: &str) -> (String, BTreeMap<String, String>) {
    let (base, query) = url.split_once('?').unwrap();
    let params = query
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (base.to_owned(), params)
}

fn sha256_signatures() -> BTreeMap<String, String> {
    load("sha256-cases.json")["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["signature"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn every_case_of_the_cross_sdk_suite() {
    let cases = load("test-cases.json");
    let sha256 = sha256_signatures();
    let mut checked = 0;
    for case in cases.as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let expected = &case["expected"];
        if expected["error"] == true {
            let err = policy(case).expect_err(id).to_string().to_lowercase();
            for word in expected["errorContains"].as_array().unwrap() {
                assert!(err.contains(word.as_str().unwrap()), "{id}: {err:?} lacks {word}");
            }
            checked += 1;
            continue;
        }
        let want_json = expected["policyJson"].as_str().unwrap();
        if id == "json-injection-ip-range" {
            // Stricter than the SDKs: the IP condition must be an IPv4 CIDR, so the injection
            // attempt never reaches the JSON. The backend still signs the suite's bytes exactly.
            assert!(matches!(policy(case), Err(Error::InvalidSourceIp { .. })), "{id}");
            let sig = key(case, HashAlgorithm::Sha1).sign(want_json.as_bytes()).unwrap();
            assert_eq!(cfsign::encoding::encode(&sig), expected["signature"].as_str().unwrap(), "{id}");
            let sig = key(case, HashAlgorithm::Sha256).sign(want_json.as_bytes()).unwrap();
            assert_eq!(cfsign::encoding::encode(&sig), sha256[id], "{id} (SHA-256)");
            assert!(matches!(CustomPolicy::parse(want_json.as_bytes()), Err(Error::MalformedPolicy { .. })));
            checked += 1;
            continue;
        }
        let policy = policy(case).unwrap();
        assert_eq!(policy.to_json(), want_json, "{id}: policy bytes");

        for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
            let key = key(case, hash);
            let signed = SignedPolicy::new(policy.clone(), &key).unwrap();
            assert_eq!(signed.policy_json(), want_json);
            let ecdsa = expected["signatureAlgorithm"].as_str().unwrap().starts_with("ECDSA");
            let want_sig = match hash {
                HashAlgorithm::Sha1 => {
                    expected["signature"].as_str().or(expected["cookies"]["CloudFront-Signature"].as_str())
                }
                _ => sha256.get(id).map(String::as_str),
            };
            if ecdsa {
                // Randomized in the suite: check ours and theirs by verifying.
                let public = key.public_key();
                let raw = cfsign::encoding::decode(signed.signature()).unwrap();
                public.verify(hash, want_json.as_bytes(), &raw).unwrap();
                if hash == HashAlgorithm::Sha1 {
                    let theirs = cfsign::encoding::decode(want_sig.expect("ECDSA vector signature")).unwrap();
                    public.verify(HashAlgorithm::Sha1, want_json.as_bytes(), &theirs).unwrap();
                }
            } else {
                assert_eq!(Some(signed.signature()), want_sig, "{id}: {hash} signature");
            }

            if let Some(want_params) = expected["queryParams"].as_object() {
                let target =
                    expected["applyTo"].as_str().unwrap_or(case["input"]["resource"].as_str().unwrap());
                let url = signed.url(target).unwrap();
                let (base, params) = query_params(&url);
                assert_eq!(base, target.split('?').next().unwrap(), "{id}");
                for (k, v) in want_params {
                    assert_eq!(params.get(k).map(String::as_str), v.as_str(), "{id}: {k}");
                }
                assert_eq!(params["Signature"], signed.signature());
                assert_eq!(params.contains_key("Expires"), matches!(policy, Policy::Canned(_)), "{id}");
                assert_eq!(params.contains_key("Policy"), matches!(policy, Policy::Custom(_)), "{id}");
                if let Some(p) = params.get("Policy") {
                    assert_eq!(cfsign::encoding::decode(p).unwrap(), want_json.as_bytes());
                }
                assert_eq!(
                    params.get("Hash-Algorithm").map(String::as_str),
                    (hash == HashAlgorithm::Sha256).then_some("SHA256"),
                    "{id}"
                );
            }
            if let Some(want_cookies) = expected["cookies"].as_object() {
                let cookies: BTreeMap<_, _> =
                    signed.cookies().iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
                let mut want: BTreeMap<String, String> =
                    want_cookies.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
                if hash == HashAlgorithm::Sha256 {
                    want.insert("CloudFront-Signature".into(), sha256[id].clone());
                    want.insert("CloudFront-Hash-Algorithm".into(), "SHA256".into());
                }
                assert_eq!(cookies, want, "{id} {hash}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 12, "the suite has 12 cases");
}

#[test]
fn sha256_variants_sign_the_same_bytes() {
    let cases = load("sha256-cases.json");
    let pem = std::fs::read_to_string(format!("{DATA}/test-rsa-key.pem")).unwrap();
    let key = SigningKey::from_pem(&pem, "K1TESTKEY").unwrap();
    assert_eq!(key.hash_algorithm(), HashAlgorithm::Sha256);
    let public: PublicKey = key.public_key();
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let json = case["policyJson"].as_str().unwrap();
        let sig = key.sign(json.as_bytes()).unwrap();
        assert_eq!(cfsign::encoding::encode(&sig), case["signature"].as_str().unwrap(), "{}", case["id"]);
        public.verify(HashAlgorithm::Sha256, json.as_bytes(), &sig).unwrap();
        assert_eq!(public.verify(HashAlgorithm::Sha1, json.as_bytes(), &sig), Err(Error::BadSignature));
    }
}

#[test]
fn published_sha256_prefix() {
    // Published by the Ruby and .NET SDKs for canned-policy-url-basic with SHA-256.
    let pem = std::fs::read_to_string(format!("{DATA}/test-rsa-key.pem")).unwrap();
    let key = SigningKey::from_pem(&pem, "K1TESTKEY").unwrap();
    let url = cfsign::sign_url_canned(
        "https://d111111abcdef8.cloudfront.net/image.jpg",
        EpochSeconds::new(1_767_290_400),
        &key,
    )
    .unwrap();
    assert!(
        url.starts_with("https://d111111abcdef8.cloudfront.net/image.jpg?Expires=1767290400&Signature=LiC~LakvNvZtR~AsTcir"),
        "{url}"
    );
    assert!(url.ends_with("&Key-Pair-Id=K1TESTKEY&Hash-Algorithm=SHA256"), "{url}");
}

//! The two backends take the same keys: every key file — each kind, size and encoding CloudFront
//! takes or refuses, and damaged ones — is accepted by both or refused by both with the same
//! error. Accepted keys have the same kind and public key, and RSA keys sign byte-identically.
#![cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cfsign::{Error, HashAlgorithm, KeyKind, Signer, aws_lc, rustcrypto};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// Every PEM fixture, by name.
fn pem_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(DATA)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pem"))
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.push((
        "sep/test-rsa-key.pem".into(),
        std::fs::read_to_string(format!("{DATA}/sep/test-rsa-key.pem")).unwrap(),
    ));
    files.push((
        "sep/test-ecdsa-key.pem".into(),
        std::fs::read_to_string(format!("{DATA}/sep/test-ecdsa-key.pem")).unwrap(),
    ));
    files.sort();
    files
}

fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn pem_of(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn label_of(pem: &str) -> &str {
    pem.lines().next().unwrap().trim_start_matches("-----BEGIN ").trim_end_matches("-----")
}

/// Each fixture as given, as DER, and damaged in the ways key files get damaged.
fn inputs() -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, pem) in pem_files() {
        let der = der_of(&pem);
        let label = label_of(&pem).to_owned();
        out.push((name.clone(), pem.clone(), der.clone()));
        let mut variants: Vec<(String, Vec<u8>)> = vec![
            ("truncated".into(), der[..der.len() / 2].to_vec()),
            ("one byte short".into(), der[..der.len() - 1].to_vec()),
            ("trailing byte".into(), [&der[..], &[0]].concat()),
        ];
        // Flip one byte at a few places: inside the numbers (inconsistent RSA keys, points off
        // the curve) and inside the structure.
        for at in [der.len() / 3, der.len() / 2, der.len() - 3, 8] {
            let mut flipped = der.clone();
            flipped[at] ^= 0x10;
            variants.push((format!("byte {at} flipped"), flipped));
        }
        for (what, der) in variants {
            out.push((format!("{name} ({what})"), pem_of(&label, &der), der));
        }
        let swapped = if label.contains("PRIVATE") { "PUBLIC KEY" } else { "PRIVATE KEY" };
        out.push((format!("{name} (labelled {swapped})"), pem_of(swapped, &der), der.clone()));
        out.push((format!("{name} (as RSA PUBLIC KEY)"), pem_of("RSA PUBLIC KEY", &der), der.clone()));
        out.push((format!("{name} (damaged base64)"), pem.replacen('A', "*", 1), der));
    }
    out
}

/// What both backends say of a key, in comparable terms.
#[derive(Debug, PartialEq)]
enum Read {
    Private { kind: KeyKind, public: String, rsa_signature: Option<Vec<u8>> },
    Public { kind: KeyKind, pem: String },
    Refused(Error),
}

fn private<K: Signer>(key: Result<K, Error>, public: impl Fn(&K) -> String) -> Read {
    match key {
        Err(e) => Read::Refused(e),
        Ok(key) => Read::Private {
            kind: key.key_kind(),
            public: public(&key),
            rsa_signature: (key.key_kind() == KeyKind::Rsa).then(|| key.sign(b"policy").unwrap()),
        },
    }
}

fn rustcrypto_public(key: &rustcrypto::SigningKey) -> String {
    key.public_key().to_pem()
}

fn aws_lc_public(key: &aws_lc::SigningKey) -> String {
    key.public_key().to_pem()
}

#[test]
fn both_backends_accept_and_refuse_the_same_keys_with_the_same_errors() {
    let (mut accepted, mut refused) = (0, 0);
    for (name, pem, der) in inputs() {
        let hows =
            ["SigningKey::from_pem", "SigningKey::from_der", "PublicKey::from_pem", "PublicKey::from_der"];
        let cases = hows.into_iter().zip(both(&pem, &der)).map(|(how, (pure, fast))| (how, pure, fast));
        for (how, pure, fast) in cases {
            assert_eq!(pure, fast, "{how}: {name}");
            if matches!(pure, Read::Refused(_)) { refused += 1 } else { accepted += 1 }
        }
    }
    // The fixtures exercise both outcomes in number, not one example of each.
    assert!(accepted >= 30 && refused >= 300, "{accepted} accepted, {refused} refused");
}

/// What both backends make of `pem` and `der`, side by side.
fn both(pem: &str, der: &[u8]) -> [(Read, Read); 4] {
    [
        (
            private(rustcrypto::SigningKey::from_pem(pem, "K1"), rustcrypto_public),
            private(aws_lc::SigningKey::from_pem(pem, "K1"), aws_lc_public),
        ),
        (
            private(rustcrypto::SigningKey::from_der(der, "K1"), rustcrypto_public),
            private(aws_lc::SigningKey::from_der(der, "K1"), aws_lc_public),
        ),
        (
            public(rustcrypto::PublicKey::from_pem(pem).map(|k| (k.key_kind(), k.to_pem()))),
            public(aws_lc::PublicKey::from_pem(pem).map(|k| (k.key_kind(), k.to_pem()))),
        ),
        (
            public(rustcrypto::PublicKey::from_der(der).map(|k| (k.key_kind(), k.to_pem()))),
            public(aws_lc::PublicKey::from_der(der).map(|k| (k.key_kind(), k.to_pem()))),
        ),
    ]
}

proptest::proptest! {
    /// Beyond the fixed variants above: any fixture (the small ones: RSA 8192 makes each case
    /// slow) with up to three bytes changed anywhere, cut short, or grown.
    #[test]
    fn both_backends_agree_on_damaged_keys(
        file in proptest::sample::select(vec![
            "ecdsa-p256-pkcs8.pem", "ecdsa-p256-sec1.pem", "ecdsa-p256-public.pem",
            "sep/test-rsa-key.pem", "rsa-2048-public.pem", "rsa-512-pkcs1.pem", "ecdsa-p384-pkcs8.pem",
        ]),
        edits in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>()), 1..4),
        cut in proptest::option::of(proptest::prelude::any::<usize>()),
        grow in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3),
    ) {
        let pem = std::fs::read_to_string(format!("{DATA}/{file}")).unwrap();
        let mut der = der_of(&pem);
        for (at, byte) in edits {
            let at = at % der.len();
            der[at] = byte;
        }
        if let Some(cut) = cut {
            der.truncate(cut % (der.len() + 1));
        }
        der.extend(grow);
        let pem = pem_of(label_of(&pem), &der);
        for (pure, fast) in both(&pem, &der) {
            proptest::prop_assert_eq!(pure, fast);
        }
    }
}

fn public(key: Result<(KeyKind, String), Error>) -> Read {
    match key {
        Ok((kind, pem)) => Read::Public { kind, pem },
        Err(e) => Read::Refused(e),
    }
}

#[test]
fn the_size_rule_is_cloudfronts() {
    for (bits, taken) in [(512, false), (1024, true), (2048, true), (3072, true), (4096, true), (8192, false)]
    {
        let file =
            if bits == 1024 { "sep/test-rsa-key.pem".to_owned() } else { format!("rsa-{bits}-pkcs1.pem") };
        let pem = std::fs::read_to_string(format!("{DATA}/{file}")).unwrap();
        for read in [
            rustcrypto::SigningKey::from_pem(&pem, "K1").map(|_| ()),
            aws_lc::SigningKey::from_pem(&pem, "K1").map(|_| ()),
        ] {
            match read {
                Ok(()) => assert!(taken, "{bits}-bit RSA accepted"),
                Err(e) => {
                    assert!(!taken, "{bits}-bit RSA refused: {e}");
                    assert!(e.to_string().contains("1024 to 4096 bits"), "{e}");
                }
            }
        }
    }
    // Every size both take signs byte-identically with both hashes.
    for file in ["sep/test-rsa-key.pem", "rsa-3072-pkcs1.pem", "rsa-4096-pkcs1.pem"] {
        let pem = std::fs::read_to_string(format!("{DATA}/{file}")).unwrap();
        for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
            let pure = rustcrypto::SigningKey::from_pem(&pem, "K1").unwrap().with_hash(hash);
            let fast = aws_lc::SigningKey::from_pem(&pem, "K1").unwrap().with_hash(hash);
            assert_eq!(pure.sign(b"m").unwrap(), fast.sign(b"m").unwrap(), "{file} {hash}");
        }
    }
}

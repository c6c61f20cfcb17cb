//! The `aws-lc` backend against the `rustcrypto` one and `openssl`: RSA signatures byte-identical,
//! ECDSA signatures verifiable across backends, all four key × hash combinations, every key format.
#![cfg(all(feature = "aws-lc", feature = "rustcrypto"))]
#![allow(clippy::unwrap_used)]

use std::process::Command;

use cfsign::{
    CustomPolicy, EpochSeconds, Error, HashAlgorithm, KeyKind, Signer, Verifier, aws_lc, rustcrypto,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn text(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}/{name}")).unwrap()
}

fn policies() -> Vec<Vec<u8>> {
    (0..8u64)
        .map(|i| {
            CustomPolicy::builder()
                .resource(format!("https://cdn.example.com/u/{i}/*"))
                .date_less_than(EpochSeconds::new(1_767_290_400 + i))
                .build()
                .unwrap()
                .to_json()
                .into_bytes()
        })
        .chain([Vec::new(), vec![0u8; 10_000]])
        .collect()
}

const HASHES: [HashAlgorithm; 2] = [HashAlgorithm::Sha1, HashAlgorithm::Sha256];

#[test]
fn rsa_signatures_are_byte_identical_across_backends() {
    for file in ["rsa-2048-pkcs1.pem", "rsa-2048-pkcs8.pem"] {
        for hash in HASHES {
            let fast = aws_lc::SigningKey::from_pem(&text(file), "K1").unwrap().with_hash(hash);
            let pure = rustcrypto::SigningKey::from_pem(&text(file), "K1").unwrap().with_hash(hash);
            for msg in policies() {
                assert_eq!(fast.sign(&msg).unwrap(), pure.sign(&msg).unwrap(), "{file} {hash}");
            }
        }
    }
    let der = std::fs::read(format!("{DATA}/rsa-2048-pkcs8.der")).unwrap();
    let a = aws_lc::SigningKey::from_der(&der, "K1").unwrap();
    let r = rustcrypto::SigningKey::from_der(&der, "K1").unwrap();
    assert_eq!(a.sign(b"x").unwrap(), r.sign(b"x").unwrap());
}

#[test]
fn ecdsa_signatures_verify_across_backends() {
    let pem = text("ecdsa-p256-sec1.pem");
    let der = std::fs::read(format!("{DATA}/ecdsa-p256-sec1.der")).unwrap();
    let fast_keys = [
        aws_lc::SigningKey::from_pem(&pem, "K2").unwrap(),
        aws_lc::SigningKey::from_pem(&text("ecdsa-p256-pkcs8.pem"), "K2").unwrap(),
        aws_lc::SigningKey::from_der(&der, "K2").unwrap(),
    ];
    let pure = rustcrypto::SigningKey::from_pem(&pem, "K2").unwrap();
    let pure_public = pure.public_key();
    let fast_public = aws_lc::PublicKey::from_pem(&text("ecdsa-p256-public.pem")).unwrap();
    for fast in fast_keys {
        assert_eq!(fast.key_kind(), KeyKind::EcdsaP256);
        for hash in HASHES {
            let (fast, pure) = (fast.clone().with_hash(hash), pure.clone().with_hash(hash));
            for msg in policies() {
                let a = fast.sign(&msg).unwrap();
                let r = pure.sign(&msg).unwrap();
                pure_public.verify(hash, &msg, &a).unwrap();
                fast_public.verify(hash, &msg, &r).unwrap();
                fast.public_key().verify(hash, &msg, &a).unwrap();
                let other =
                    if hash == HashAlgorithm::Sha1 { HashAlgorithm::Sha256 } else { HashAlgorithm::Sha1 };
                assert_eq!(fast_public.verify(other, &msg, &a), Err(Error::BadSignature));
                let mut bad = a.clone();
                *bad.last_mut().unwrap() ^= 1;
                assert_eq!(fast_public.verify(hash, &msg, &bad), Err(Error::BadSignature));
            }
        }
    }
}

#[test]
fn rsa_public_keys_verify_both_hashes() {
    let key = aws_lc::SigningKey::from_pem(&text("rsa-2048-pkcs1.pem"), "K1").unwrap();
    let public = aws_lc::PublicKey::from_pem(&text("rsa-2048-public.pem")).unwrap();
    assert_eq!(public.to_pem(), key.public_key().to_pem());
    for hash in HASHES {
        let sig = key.clone().with_hash(hash).sign(b"policy").unwrap();
        public.verify(hash, b"policy", &sig).unwrap();
        assert_eq!(public.verify(hash, b"policy!", &sig), Err(Error::BadSignature));
        rustcrypto::PublicKey::from_pem(&text("rsa-2048-public.pem"))
            .unwrap()
            .verify(hash, b"policy", &sig)
            .unwrap();
    }
    assert_eq!(public.verify(HashAlgorithm::Sha256, b"policy", b"short"), Err(Error::BadSignature));
}

#[test]
fn openssl_verifies_aws_lc_signatures() {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "openssl is required on CI");
        eprintln!("SKIPPED: openssl not found");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cfsign-awslc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let msg = policies().remove(0);
    std::fs::write(dir.join("m"), &msg).unwrap();
    for (private, public) in
        [("rsa-2048-pkcs1.pem", "rsa-2048-public.pem"), ("ecdsa-p256-sec1.pem", "ecdsa-p256-public.pem")]
    {
        for (hash, flag) in [(HashAlgorithm::Sha1, "-sha1"), (HashAlgorithm::Sha256, "-sha256")] {
            let sig = aws_lc::SigningKey::from_pem(&text(private), "K")
                .unwrap()
                .with_hash(hash)
                .sign(&msg)
                .unwrap();
            std::fs::write(dir.join("s"), &sig).unwrap();
            let out = Command::new("openssl")
                .args(["dgst", flag, "-verify", &format!("{DATA}/{public}"), "-signature"])
                .arg(dir.join("s"))
                .arg(dir.join("m"))
                .output()
                .unwrap();
            assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"), "{private} {flag}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn key_errors_and_secrets() {
    let err = |pem: &str| aws_lc::SigningKey::from_pem(pem, "K1").unwrap_err();
    assert!(matches!(err(&text("ecdsa-p384-pkcs8.pem")), Error::UnsupportedKey { .. }));
    assert!(matches!(err(&text("ed25519.pem")), Error::UnsupportedKey { .. }));
    assert!(err(&text("rsa-2048-public.pem")).to_string().contains("public key"));
    assert!(matches!(
        aws_lc::SigningKey::from_der(b"\x30\x03\x02\x01\x00", "K1"),
        Err(Error::InvalidKey { .. })
    ));
    assert!(matches!(
        aws_lc::PublicKey::from_pem(&text("ecdsa-p384-public.pem")),
        Err(Error::UnsupportedKey { .. })
    ));
    assert!(matches!(aws_lc::PublicKey::from_der(b"junk"), Err(Error::InvalidKey { .. })));

    let pem = text("rsa-2048-pkcs1.pem");
    let key = aws_lc::SigningKey::from_pem(&pem, "K2JCJMDEHXQW5F").unwrap();
    let debug = format!("{key:?} {:?}", key.public_key());
    assert!(debug.contains("aws-lc") && debug.contains("K2JCJMDEHXQW5F"), "{debug}");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for chunk in body.as_bytes().chunks(12) {
        assert!(!debug.contains(std::str::from_utf8(chunk).unwrap()));
    }
    for kind in [KeyKind::EcdsaP256, KeyKind::Rsa] {
        let generated = aws_lc::SigningKey::generate(kind, "KGEN").unwrap();
        let again = rustcrypto::SigningKey::from_pem(&generated.to_pkcs8_pem().unwrap(), "KGEN").unwrap();
        let sig = again.sign(b"m").unwrap();
        generated.public_key().verify(HashAlgorithm::Sha256, b"m", &sig).unwrap();
    }
}

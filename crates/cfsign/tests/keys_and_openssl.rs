//! Key loading in every format, and interoperability with the `openssl` command line:
//! every key kind × hash signs what openssl verifies, and RSA signatures are byte-identical.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cfsign::{
    CustomPolicy, EpochSeconds, Error, HashAlgorithm, KeyKind, PublicKey, Signer, SigningKey, Verifier,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

fn policy_bytes() -> Vec<u8> {
    CustomPolicy::builder()
        .resource("https://cdn.example.com/u/alice/*")
        .date_less_than(EpochSeconds::new(1_767_290_400))
        .date_greater_than(EpochSeconds::new(1_767_200_000))
        .ip_address("192.0.2.0/24")
        .build()
        .unwrap()
        .to_json()
        .into_bytes()
}

#[test]
fn loads_every_private_key_format() {
    let msg = policy_bytes();
    let rsa_public = PublicKey::from_pem(&text("rsa-2048-public.pem")).unwrap();
    let ec_public = PublicKey::from_pem(&text("ecdsa-p256-public.pem")).unwrap();
    let keys = [
        (SigningKey::from_pem(&text("rsa-2048-pkcs1.pem"), "K1").unwrap(), &rsa_public, KeyKind::Rsa),
        (SigningKey::from_pem(&text("rsa-2048-pkcs8.pem"), "K1").unwrap(), &rsa_public, KeyKind::Rsa),
        (
            SigningKey::from_der(&std::fs::read(data("rsa-2048-pkcs8.der")).unwrap(), "K1").unwrap(),
            &rsa_public,
            KeyKind::Rsa,
        ),
        (SigningKey::from_pem(&text("ecdsa-p256-sec1.pem"), "K2").unwrap(), &ec_public, KeyKind::EcdsaP256),
        (SigningKey::from_pem(&text("ecdsa-p256-pkcs8.pem"), "K2").unwrap(), &ec_public, KeyKind::EcdsaP256),
        (
            SigningKey::from_der(&std::fs::read(data("ecdsa-p256-sec1.der")).unwrap(), "K2").unwrap(),
            &ec_public,
            KeyKind::EcdsaP256,
        ),
    ];
    for (key, public, kind) in keys {
        assert_eq!(key.key_kind(), kind);
        assert_eq!(public.key_kind(), kind);
        let sha1 = key.with_hash(HashAlgorithm::Sha1);
        let sig = sha1.sign(&msg).unwrap();
        public.verify(HashAlgorithm::Sha1, &msg, &sig).unwrap();
        assert_eq!(public.verify(HashAlgorithm::Sha256, &msg, &sig), Err(Error::BadSignature));
        let sha256 = sha1.with_hash(HashAlgorithm::Sha256);
        let sig = sha256.sign(&msg).unwrap();
        public.verify(HashAlgorithm::Sha256, &msg, &sig).unwrap();
        let mut tampered = msg.clone();
        tampered[10] ^= 1;
        assert_eq!(public.verify(HashAlgorithm::Sha256, &tampered, &sig), Err(Error::BadSignature));
    }
}

#[test]
fn key_errors_say_what_is_wrong() {
    let err = |pem: &str| SigningKey::from_pem(pem, "K1").unwrap_err();
    assert!(matches!(err(&text("ecdsa-p384-pkcs8.pem")), Error::UnsupportedKey { .. }));
    assert!(matches!(err(&text("ed25519.pem")), Error::UnsupportedKey { .. }));
    assert!(err(&text("rsa-2048-public.pem")).to_string().contains("public key"));
    assert!(matches!(err("not a key"), Error::InvalidKey { .. }));
    let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
    assert!(err(enc).to_string().contains("encrypted"));
    let truncated: String = text("rsa-2048-pkcs1.pem").lines().take(5).collect::<Vec<_>>().join("\n");
    assert!(matches!(err(&truncated), Error::InvalidKey { .. }));
    assert_eq!(
        SigningKey::from_pem(&text("rsa-2048-pkcs1.pem"), "bad id").unwrap_err(),
        Error::InvalidKeyPairId
    );
    assert!(matches!(SigningKey::from_der(b"\x30\x03\x02\x01\x00", "K1"), Err(Error::InvalidKey { .. })));
    assert!(matches!(PublicKey::from_pem(&text("ecdsa-p384-public.pem")), Err(Error::UnsupportedKey { .. })));
    assert!(
        PublicKey::from_pem(&text("rsa-2048-pkcs1.pem")).unwrap_err().to_string().contains("private key")
    );
    assert!(matches!(PublicKey::from_der(b"junk"), Err(Error::InvalidKey { .. })));
}

#[test]
fn debug_never_shows_key_material() {
    for name in ["rsa-2048-pkcs1.pem", "ecdsa-p256-sec1.pem"] {
        let pem = text(name);
        let key = SigningKey::from_pem(&pem, "K2JCJMDEHXQW5F").unwrap();
        let debug = format!("{key:?} {:?} {:#?}", key.public_key(), key);
        assert!(debug.contains("K2JCJMDEHXQW5F"), "{debug}");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        for chunk in body.as_bytes().chunks(12) {
            assert!(!debug.contains(std::str::from_utf8(chunk).unwrap()), "{debug}");
        }
        assert!(!debug.contains("modulus") && !debug.contains("secret"), "{debug}");
    }
}

/// openssl, which these tests compare against; a test that skipped without it would prove
/// nothing (`cargo xtask setup` installs it).
fn openssl() -> &'static str {
    let found = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    assert!(found, "`openssl` is not on PATH: install it (`cargo xtask setup` does)");
    "openssl"
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfsign-openssl-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn openssl_verifies_all_four_combinations() {
    let openssl = openssl();
    let dir = scratch("verify");
    let msg = policy_bytes();
    let msg_file = dir.join("policy.json");
    std::fs::write(&msg_file, &msg).unwrap();
    for (private, public) in
        [("rsa-2048-pkcs1.pem", "rsa-2048-public.pem"), ("ecdsa-p256-sec1.pem", "ecdsa-p256-public.pem")]
    {
        for (hash, flag) in [(HashAlgorithm::Sha1, "-sha1"), (HashAlgorithm::Sha256, "-sha256")] {
            let key = SigningKey::from_pem(&text(private), "K1").unwrap().with_hash(hash);
            let sig = key.sign(&msg).unwrap();
            let sig_file = dir.join("sig.bin");
            std::fs::write(&sig_file, &sig).unwrap();
            let out = Command::new(openssl)
                .args(["dgst", flag, "-verify"])
                .arg(data(public))
                .arg("-signature")
                .arg(&sig_file)
                .arg(&msg_file)
                .output()
                .unwrap();
            assert!(
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
                "{private} {flag}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );

            // And the other way: openssl signs, we verify; RSA must match byte for byte.
            let out = Command::new(openssl)
                .args(["dgst", flag, "-sign"])
                .arg(data(private))
                .arg(&msg_file)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            key.public_key().verify(hash, &msg, &out.stdout).unwrap();
            if key.key_kind() == KeyKind::Rsa {
                assert_eq!(out.stdout, sig, "{private} {flag}: RSA signatures are deterministic");
            }
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn openssl_reproduces_the_suite_signature() {
    let openssl = openssl();
    let dir = scratch("suite");
    let json = r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#;
    std::fs::write(dir.join("p.json"), json).unwrap();
    let out = Command::new(openssl)
        .args(["dgst", "-sha1", "-sign"])
        .arg(data("sep/test-rsa-key.pem"))
        .arg(dir.join("p.json"))
        .output()
        .unwrap();
    // RSA-1024: only the RustCrypto backend signs with it.
    let key = cfsign::rustcrypto::SigningKey::from_pem(&text("sep/test-rsa-key.pem"), "K1TESTKEY")
        .unwrap()
        .with_hash(HashAlgorithm::Sha1);
    assert_eq!(key.sign(json.as_bytes()).unwrap(), out.stdout);
    assert!(cfsign::encoding::encode(&out.stdout).starts_with("iONoMLnhiCy9q1~WB9GkR2DiHz18I85i3o6kZ64REf"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn generated_keys_round_trip_through_pem() {
    for kind in [KeyKind::EcdsaP256, KeyKind::Rsa] {
        let key = SigningKey::generate(kind, "K9GENERATED").unwrap();
        assert_eq!(key.key_kind(), kind);
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = SigningKey::from_pem(&pem, "K9GENERATED").unwrap();
        let public = PublicKey::from_pem(&key.public_key().to_pem()).unwrap();
        let msg = policy_bytes();
        public.verify(HashAlgorithm::Sha256, &msg, &again.sign(&msg).unwrap()).unwrap();
        assert!(!format!("{key:?}").contains(pem.lines().nth(1).unwrap()));
    }
    let a = SigningKey::generate(KeyKind::EcdsaP256, "K").unwrap().to_pkcs8_pem().unwrap();
    let b = SigningKey::generate(KeyKind::EcdsaP256, "K").unwrap().to_pkcs8_pem().unwrap();
    assert_ne!(*a, *b);
}

/// PEM files as tools and deployments really produce them, each refused with its own cause
/// (not "not a PEM document" for a file that plainly has a BEGIN line).
#[test]
fn pem_that_cannot_be_read_is_refused_naming_why() {
    let openssl = openssl();
    let dir = scratch("framing");
    let produce = |args: &[&str]| {
        let out = Command::new(openssl).args(args).current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // What `openssl ecparam -genkey` writes unless told `-noout`: EC PARAMETERS, then the key.
    let with_parameters = produce(&["ecparam", "-name", "prime256v1", "-genkey"]);
    // Legacy PEM encryption: Proc-Type and DEK-Info headers.
    std::fs::write(dir.join("rsa.pem"), text("rsa-2048-pkcs1.pem")).unwrap();
    let legacy_encrypted =
        produce(&["rsa", "-in", "rsa.pem", "-traditional", "-aes128", "-passout", "pass:secret"]);
    let plain = text("ecdsa-p256-pkcs8.pem");
    let cases = [
        (with_parameters.clone(), "more than one PEM block"),
        (format!("{plain}{}", text("ecdsa-p256-public.pem")), "more than one PEM block"),
        (legacy_encrypted, "the key is encrypted"),
        // A key kept in an environment variable with its line breaks escaped.
        (plain.trim().replace('\n', "\\n"), "line breaks are written as \\n"),
        (plain.replacen('M', "!", 1), "the base64 between the BEGIN and END lines is damaged"),
        ("K2JCJMDEHXQW5F".to_owned(), "not a PEM document"),
        (
            plain.replace("-----END PRIVATE KEY-----", "-----END EC PRIVATE KEY-----"),
            "the END line names another label",
        ),
        (plain.lines().map(|l| format!("  {l}\n")).collect(), "its lines are indented"),
    ];
    for (pem, cause) in cases {
        let err = SigningKey::from_pem(&pem, "K1").unwrap_err().to_string();
        assert!(err.contains(cause), "{cause:?} not in {err:?}");
    }
    assert!(
        PublicKey::from_pem(&with_parameters).unwrap_err().to_string().contains("more than one PEM block")
    );
    // A byte-order mark (Windows editors write one) is no part of the PEM.
    SigningKey::from_pem(&format!("\u{feff}{plain}"), "K1").unwrap();
    // The same key with -noout loads.
    let noout = produce(&["ecparam", "-name", "prime256v1", "-genkey", "-noout"]);
    SigningKey::from_pem(&noout, "K1").unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

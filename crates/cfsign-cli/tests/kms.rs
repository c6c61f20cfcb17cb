//! `--kms-key-id` and `kms-public-key` against a real KMS-compatible HTTP API (moto on
//! 127.0.0.1), configured the way users configure the AWS CLI: environment variables only.
#![cfg(feature = "kms")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use assert_cmd::Command;
use aws_sdk_kms::types::KeySpec;
use cfsign_conformance::kms::{Moto, client, create_key};

/// `cfsign` with an AWS configuration that points at `moto` and nowhere else: no profile
/// files, no instance metadata.
fn cfsign(moto: &Moto) -> Command {
    Command::from_std(cfsign_std(moto))
}

/// The same, as a `std::process::Command` (whose stdout can be any pipe).
fn cfsign_std(moto: &Moto) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cfsign"));
    cmd.env("AWS_ENDPOINT_URL", format!("http://{}", moto.addr))
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    cmd
}

fn run(moto: &Moto, args: &[&str]) -> Output {
    cfsign(moto).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_and_cookies_signed_in_kms_verify_with_the_public_key_it_prints() {
    let moto = Moto::start().await;
    let kms = client(moto.addr).await;
    let dir = std::env::temp_dir().join(format!("cfsign-cli-kms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    for (spec, kind) in [(KeySpec::Rsa2048, "RSA"), (KeySpec::EccNistP256, "ECDSA-P256")] {
        let key_id = create_key(&kms, spec).await;

        // The public key, as PEM and as JSON.
        let o = run(&moto, &["kms-public-key", &key_id]);
        assert!(o.status.success(), "{}", stderr(&o));
        let pem = stdout(&o);
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
        assert_eq!(cfsign::PublicKey::from_pem(&pem).unwrap().to_pem(), pem);
        let o = run(&moto, &["kms-public-key", &key_id, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(
            (v["key_id"].as_str(), v["public_key_pem"].as_str()),
            (Some(key_id.as_str()), Some(pem.as_str()))
        );
        assert_eq!(v["key_kind"].as_str(), Some(kind), "{v}");
        // A reader that has gone away ends it quietly, as every command (tests/misuse.rs).
        for json in [&[][..], &["--json"]] {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let o = cfsign_std(&moto)
                .args([&["kms-public-key", key_id.as_str()][..], json].concat())
                .stdout(writer)
                .output()
                .unwrap();
            assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""), "{json:?}");
        }
        let public = dir.join(format!("{}.pem", kind));
        std::fs::write(&public, &pem).unwrap();
        let pubkey = format!("KKMS={}", public.display());

        // A signed URL: verifies with that public key, and a tampered one does not.
        let o = run(
            &moto,
            &[
                "url",
                "https://cdn.example.com/a.jpg",
                "--kms-key-id",
                &key_id,
                "--key-pair-id",
                "KKMS",
                "--expires",
                "2000000000",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let url = stdout(&o).trim().to_owned();
        assert!(url.ends_with("&Key-Pair-Id=KKMS&Hash-Algorithm=SHA256"), "{url}");
        let verify = |target: &str, extra: &[&str]| {
            let o = run(
                &moto,
                &[&["verify", target, "--public-key", &pubkey, "--now", "1900000000"], extra].concat(),
            );
            (o.status.code(), stdout(&o))
        };
        assert_eq!(verify(&url, &[]).0, Some(0), "{}", verify(&url, &[]).1);
        assert_eq!(verify(&url.replace("a.jpg", "b.jpg"), &[]).0, Some(1));

        // Cookies for a wildcard scope (a custom policy).
        let o = run(
            &moto,
            &[
                "cookies",
                "https://cdn.example.com/u/alice/*",
                "--kms-key-id",
                &key_id,
                "--key-pair-id",
                "KKMS",
                "--expires",
                "2000000000",
                "--format",
                "header",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let header = stdout(&o).trim().to_owned();
        assert!(
            header.starts_with("CloudFront-Policy=") && header.ends_with("CloudFront-Hash-Algorithm=SHA256")
        );
        let (code, out) = verify("https://cdn.example.com/u/alice/cat.jpg", &["--cookie", &header]);
        assert_eq!(code, Some(0), "{out}");
        assert_eq!(verify("https://cdn.example.com/u/bob/cat.jpg", &["--cookie", &header]).0, Some(1));
    }

    // What KMS cannot do: one line, exit 2, saying what to do.
    let fails = |o: Output, needle: &str| {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    };
    let ecc = create_key(&kms, KeySpec::EccNistP256).await;
    let url_args = ["url", "https://cdn.example.com/a.jpg", "--key-pair-id", "KKMS", "--ttl", "5m"];
    fails(run(&moto, &[&url_args[..], &["--kms-key-id", &ecc, "--hash", "sha1"]].concat()), "SHA-256 only");
    let rsa4096 = create_key(&kms, KeySpec::Rsa4096).await;
    fails(run(&moto, &[&url_args[..], &["--kms-key-id", &rsa4096]].concat()), "RSA_2048 or ECC_NIST_P256");
    fails(run(&moto, &["kms-public-key", "no-such-key"]), "kms:GetPublicKey");
    let o = run(&moto, &[&url_args[..], &["--kms-key-id", &ecc, "--key", "k.pem"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

//! Keys in AWS KMS, against a real KMS-compatible HTTP API (moto in server mode on 127.0.0.1,
//! behind a proxy that counts, stalls and fails `Sign` calls): signatures from both key specs
//! verify with cfsign-verify, openssl and the gate; the middleware's login → refresh → logout
//! works through axum and actix-web with a KMS signer; 1,000 concurrent requests for one new
//! scope cost one `Sign` call; a stalled, failing or stopped KMS never turns into an error
//! response, and requests that need no signing are not held up by one that does.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::get_public_key::GetPublicKeyError;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use cfsign::{AsyncSigner, CannedPolicy, CustomPolicy, EpochSeconds, KeyKind, SignedPolicy};
use cfsign_conformance::kms::{KmsProxy, Moto, SignMode, client, create_key};
use cfsign_conformance::{Browser, Framework, T0, conform, issuer_with, start};
use cfsign_issuer::{Issuer, ManualClock};
use cfsign_kms::{KmsError, KmsSigner};

const CDN: &str = "https://cdn.example.com";

/// moto, the counting proxy in front of it, and a client that goes through the proxy.
async fn kms() -> (Moto, KmsProxy, aws_sdk_kms::Client) {
    let moto = Moto::start().await;
    let proxy = KmsProxy::start(moto.addr).await;
    let client = client(proxy.addr).await;
    (moto, proxy, client)
}

async fn signer(client: &aws_sdk_kms::Client, spec: KeySpec, key_pair_id: &str) -> KmsSigner {
    let key_id = create_key(client, spec).await;
    KmsSigner::new(client.clone(), key_id, key_pair_id).await.unwrap()
}

fn trusted(signer: &KmsSigner) -> cfsign_verify::TrustedKeyGroups {
    let group = cfsign_verify::KeyGroup::new()
        .with_key(signer.key_pair_id().as_str(), signer.public_key().clone())
        .unwrap();
    cfsign_verify::TrustedKeyGroups::from(group)
}

/// `openssl dgst -sha256 -verify` over the exact policy bytes.
fn openssl_verifies(public_pem: &str, policy: &str, signature: &[u8]) -> bool {
    let dir = std::env::temp_dir().join(format!("cfsign-kms-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, msg, sig) = (dir.join("public.pem"), dir.join("policy.json"), dir.join("signature.bin"));
    std::fs::write(&key, public_pem).unwrap();
    std::fs::write(&msg, policy).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&key)
        .arg("-signature")
        .arg(&sig)
        .arg(&msg)
        .output()
        .expect("openssl must be installed (`cargo xtask setup` installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_signatures_verify_with_cfsign_openssl_and_the_gate() {
    let (_moto, proxy, client) = kms().await;
    let site = std::env::temp_dir().join(format!("cfsign-kms-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("videos")).unwrap();
    std::fs::write(site.join("videos/a.mp4"), "frames").unwrap();
    let now = EpochSeconds::now();
    let expires = EpochSeconds::new(now.as_secs() + 600);

    for (spec, kind, id) in
        [(KeySpec::Rsa2048, KeyKind::Rsa, "KKMSRSA"), (KeySpec::EccNistP256, KeyKind::EcdsaP256, "KKMSECC")]
    {
        let signer = signer(&client, spec.clone(), id).await;
        assert_eq!(signer.key_kind(), kind);
        let pem = signer.public_key_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");

        // A signed URL (canned) and cookies (custom, wildcard).
        let url = format!("{CDN}/videos/a.mp4");
        let canned = SignedPolicy::new_async(CannedPolicy::new(url.as_str(), expires).unwrap(), &signer)
            .await
            .unwrap();
        let signed_url = canned.url(&url).unwrap();
        assert!(signed_url.ends_with(&format!("&Key-Pair-Id={id}&Hash-Algorithm=SHA256")), "{signed_url}");
        let custom = CustomPolicy::builder()
            .resource(format!("{CDN}/videos/*"))
            .date_less_than(expires)
            .build()
            .unwrap();
        let cookies = SignedPolicy::new_async(custom, &signer).await.unwrap();

        // cfsign-verify decides as CloudFront does.
        let client_ip = [192, 0, 2, 1].into();
        trusted(&signer).verify(&cfsign_verify::Request::new(&signed_url, client_ip, now)).unwrap();
        let cookie_header = cookies.cookies().cookie_header();
        trusted(&signer)
            .verify(&cfsign_verify::Request::new(&url, client_ip, now).cookie_header(&cookie_header))
            .unwrap();

        // openssl agrees, over the exact policy bytes.
        for signed in [&canned, &cookies] {
            let raw = cfsign::encoding::decode_bytes(signed.signature().as_bytes()).unwrap();
            assert!(openssl_verifies(&pem, signed.policy_json(), &raw), "{spec:?}: openssl refused");
        }

        // The gate serves the file for the URL and for the cookies, and refuses without.
        let gate = cfsign_conformance::start_gate(&site, trusted(&signer), EpochSeconds::now).await;
        let http = reqwest::Client::new();
        let local = |u: &str| u.replacen(CDN, &format!("http://{gate}"), 1);
        let by_url = http.get(local(&signed_url)).header("host", "cdn.example.com").send().await.unwrap();
        assert_eq!(by_url.status(), 200);
        assert_eq!(by_url.text().await.unwrap(), "frames");
        let by_cookies = http
            .get(local(&url))
            .header("host", "cdn.example.com")
            .header("cookie", &cookie_header)
            .send()
            .await
            .unwrap();
        assert_eq!(by_cookies.status(), 200);
        let without = http.get(local(&url)).header("host", "cdn.example.com").send().await.unwrap();
        assert_eq!(without.status(), 403);
    }
    assert_eq!(proxy.sign_calls(), 4, "one Sign call per signed policy");
    let _ = std::fs::remove_dir_all(&site);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_refuses_what_cloudfront_or_kms_cannot_do() {
    let (_moto, proxy, client) = kms().await;
    let rsa4096 = create_key(&client, KeySpec::Rsa4096).await;
    let err = KmsSigner::new(client.clone(), rsa4096, "KKMS").await.unwrap_err();
    assert!(matches!(err, KmsError::UnsupportedKeySpec { ref spec } if spec == "RSA_4096"), "{err}");
    assert!(err.to_string().contains("RSA_2048 or ECC_NIST_P256"), "{err}");

    let encryption = client
        .create_key()
        .key_spec(KeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap();
    let id = encryption.key_metadata().unwrap().key_id().to_owned();
    let err = KmsSigner::new(client.clone(), id, "KKMS").await.unwrap_err();
    assert!(matches!(err, KmsError::GetPublicKey(_) | KmsError::NotASigningKey { .. }), "{err}");
    assert!(err.to_string().contains("KeyUsage=SIGN_VERIFY"), "{err}");

    let err = KmsSigner::new(client.clone(), "no-such-key", "KKMS").await.unwrap_err();
    assert!(matches!(err, KmsError::GetPublicKey(_)), "{err}");
    assert!(err.to_string().contains("kms:GetPublicKey"), "{err}");
    // The SDK's error is kept, not flattened: code can match on KMS's own error.
    let sdk = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<SdkError<GetPublicKeyError>>());
    assert!(
        sdk.and_then(SdkError::as_service_error).is_some_and(GetPublicKeyError::is_not_found_exception),
        "{err:?}"
    );

    // A policy over KMS's 4,096-byte limit is refused before any call.
    let signer = signer(&client, KeySpec::EccNistP256, "KKMS").await;
    let long = format!("{CDN}/{}*", "a".repeat(4_100));
    let policy = CustomPolicy::builder()
        .resource(long)
        .date_less_than(EpochSeconds::new(2_000_000_000))
        .build()
        .unwrap();
    let calls = proxy.sign_calls();
    let err = SignedPolicy::new_async(policy, &signer).await.unwrap_err();
    assert!(err.to_string().contains("KMS signs at most 4096"), "{err}");
    assert_eq!(proxy.sign_calls(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refresh_logout_with_a_kms_key() {
    let (_moto, proxy, client) = kms().await;
    let kms_key = Arc::new(signer(&client, KeySpec::Rsa2048, "KKMSRSA").await);
    let check = trusted(&kms_key);
    let transcript = conform(|fw| {
        let (kms_key, check) = (kms_key.clone(), check.clone());
        async move {
            let clock = ManualClock::new(T0);
            let mut b = Browser::new(start(fw, issuer_with(&clock, kms_key)).await);
            let allows = |b: &Browser, at: EpochSeconds| {
                let cookies = b.cloudfront_cookies();
                let url = format!("{CDN}/u/alice/a.jpg");
                let request = cfsign_verify::Request::new(&url, [192, 0, 2, 1].into(), at);
                check.verify(&request.cookie_header(&cookies)).is_ok()
            };
            assert_eq!(b.send("POST", "/login", "user=alice", None).await.status, 303);
            assert!(allows(&b, T0));
            clock.advance(Duration::from_secs(30 * 60));
            assert!(b.send("GET", "/me", "", None).await.set_cookie.is_empty());
            clock.advance(Duration::from_secs(16 * 60));
            assert_eq!(b.send("GET", "/me", "", None).await.set_cookie.len(), 4);
            assert!(allows(&b, EpochSeconds::new(T0.as_secs() + 75 * 60)));
            b.send("POST", "/logout", "", None).await;
            assert_eq!(b.cloudfront_cookies(), "");
            b.transcript
        }
    })
    .await;
    assert!(transcript.iter().any(|l| l.contains("CloudFront-Key-Pair-Id=KKMSRSA;")), "{transcript:#?}");
    // Two policies (login, refresh), each signed once per framework by a fresh issuer.
    assert_eq!(proxy.sign_calls(), 4);
}

/// An issuer at `T0` that gives a signing `timeout`.
fn issuer_timing_out(signer: &Arc<dyn AsyncSigner>, timeout: Duration) -> Issuer {
    let clock = ManualClock::new(T0);
    Issuer::builder(signer.clone()).domain("example.com").clock(clock).sign_timeout(timeout).build().unwrap()
}

/// The soft limit on open files: 1,000 concurrent connections need two descriptors each here.
fn open_file_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_for_one_new_scope_cost_one_sign_call() {
    const REQUESTS: usize = 1_000;
    assert!(open_file_limit() >= 4_096, "raise the open-file limit (ulimit -n 4096; `cargo xtask ci` does)");
    let (_moto, proxy, client) = kms().await;
    let kms_key: Arc<dyn AsyncSigner> = Arc::new(signer(&client, KeySpec::EccNistP256, "KKMSECC").await);
    for fw in [Framework::Axum, Framework::Actix] {
        // Long enough for 1,000 connections to arrive on a slow machine.
        let issuer = issuer_timing_out(&kms_key, Duration::from_secs(120));
        let addr = start(fw, issuer.clone()).await;
        let before = proxy.sign_calls();
        // Hold the one Sign call until every request waits on it.
        proxy.set_mode(SignMode::Stall);
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let mut requests = tokio::task::JoinSet::new();
        for n in 0..REQUESTS {
            let (http, url) = (http.clone(), format!("http://{addr}/me"));
            requests.spawn(async move {
                let res =
                    http.get(url).header("cookie", format!("session=user{n}.shared")).send().await.unwrap();
                let status = res.status().as_u16();
                let cookies = res
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter(|c| c.as_bytes().starts_with(b"CloudFront-"))
                    .count();
                (status, cookies)
            });
        }
        // Every request but the first joins the signing in flight (a cache hit).
        tokio::time::timeout(Duration::from_secs(60), async {
            while issuer.counters().cache_hits < (REQUESTS - 1) as u64 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{fw:?}: not all requests reached the issuer: {:?}", issuer.counters()));
        assert_eq!(proxy.sign_calls() - before, 1, "{fw:?}");
        proxy.release();
        let mut served = 0;
        while let Some(result) = requests.join_next().await {
            assert_eq!(result.unwrap(), (200, 4), "{fw:?}");
            served += 1;
        }
        assert_eq!(served, REQUESTS);
        assert_eq!(proxy.sign_calls() - before, 1, "{fw:?}: exactly one Sign call for {REQUESTS} requests");
        let counters = issuer.counters();
        assert_eq!((counters.signatures_made, counters.sign_failures), (1, 0), "{fw:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_failing_or_stopped_kms_is_not_an_outage() {
    let (mut moto, proxy, client) = kms().await;
    let kms_key: Arc<dyn AsyncSigner> = Arc::new(signer(&client, KeySpec::EccNistP256, "KKMSECC").await);
    for fw in [Framework::Axum, Framework::Actix] {
        let issuer = issuer_timing_out(&kms_key, Duration::from_millis(1_500));
        let addr = start(fw, issuer.clone()).await;

        // Bob signs in while KMS works: his cookies need no signing from now on.
        let mut bob = Browser::new(addr);
        assert_eq!(bob.send("POST", "/login", "user=bob", None).await.set_cookie.len(), 5);

        // KMS stalls: alice's login waits for its signing...
        proxy.set_mode(SignMode::Stall);
        let calls = proxy.sign_calls();
        let alice = tokio::spawn(async move {
            let mut alice = Browser::new(addr);
            let reply = alice.send("POST", "/login", "user=alice", None).await;
            (reply.status, reply.set_cookie, reply.body)
        });
        while proxy.sign_calls() == calls {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // ...while bob's requests, which need no signing, complete, as does an anonymous one.
        let steady = bob.send("GET", "/me", "", None).await;
        assert_eq!((steady.status, steady.set_cookie.len()), (200, 0), "{fw:?}");
        assert!(steady.body.contains("bob"));
        let anonymous = Browser::new(addr).send("GET", "/me", "", None).await;
        assert_eq!((anonymous.status, anonymous.body.as_str()), (200, "None"), "{fw:?}");
        assert!(!alice.is_finished(), "{fw:?}: alice's signing should still be stalled");

        // The timeout: alice gets the handler's response, without CloudFront cookies.
        let (status, set_cookie, body) = alice.await.unwrap();
        assert_eq!((status, body.as_str()), (303, ""), "{fw:?}");
        assert_eq!(set_cookie, ["session=alice.u; Path=/; HttpOnly"], "{fw:?}");
        assert_eq!(issuer.counters().sign_failures, 1, "{fw:?}");
        proxy.release();

        // KMS fails: the same, at once.
        proxy.set_mode(SignMode::Fail);
        let mut carol = Browser::new(addr);
        let reply = carol.send("POST", "/login", "user=carol", None).await;
        assert_eq!((reply.status, reply.set_cookie.len()), (303, 1), "{fw:?}");
        assert_eq!(issuer.counters().sign_failures, 2, "{fw:?}");

        // KMS is back: the next request that needs cookies tries again, and gets them.
        proxy.set_mode(SignMode::Forward);
        let again = carol.send("GET", "/me", "", None).await;
        assert_eq!((again.status, again.set_cookie.len()), (200, 4), "{fw:?}");
    }

    // KMS stopped altogether (moto gone): still the handler's response, without cookies.
    moto.stop();
    let clock = ManualClock::new(T0);
    let issuer = issuer_with(&clock, kms_key);
    let addr = start(Framework::Axum, issuer.clone()).await;
    let reply = Browser::new(addr).send("POST", "/login", "user=dave", None).await;
    assert_eq!((reply.status, reply.set_cookie.len()), (303, 1));
    assert_eq!(issuer.counters().sign_failures, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_to_a_new_kms_key_reissues_each_session_on_its_next_request() {
    let (_moto, proxy, client) = kms().await;
    let old: Arc<KmsSigner> = Arc::new(signer(&client, KeySpec::Rsa2048, "KKMSOLD").await);
    let new: Arc<KmsSigner> = Arc::new(signer(&client, KeySpec::EccNistP256, "KKMSNEW").await);
    let both = cfsign_verify::TrustedKeyGroups::from(
        cfsign_verify::KeyGroup::new()
            .with_key("KKMSOLD", old.public_key().clone())
            .unwrap()
            .with_key("KKMSNEW", new.public_key().clone())
            .unwrap(),
    );
    for fw in [Framework::Axum, Framework::Actix] {
        let clock = ManualClock::new(T0);
        let issuer = issuer_with(&clock, old.clone());
        let mut b = Browser::new(start(fw, issuer.clone()).await);
        b.send("POST", "/login", "user=alice", None).await;
        assert!(b.cloudfront_cookies().contains("CloudFront-Key-Pair-Id=KKMSOLD"), "{fw:?}");

        issuer.rotate(new.clone());
        let calls = proxy.sign_calls();
        let r = b.send("GET", "/me", "", None).await;
        assert!(
            r.set_cookie.iter().any(|c| c.starts_with("CloudFront-Key-Pair-Id=KKMSNEW;")),
            "{fw:?}: {:?}",
            r.set_cookie
        );
        assert_eq!(proxy.sign_calls() - calls, 1, "{fw:?}: one Sign call with the new key");
        assert!(b.send("GET", "/me", "", None).await.set_cookie.is_empty(), "{fw:?}: the new set is current");
        let url = format!("{CDN}/u/alice/a.jpg");
        let request = cfsign_verify::Request::new(&url, [192, 0, 2, 1].into(), T0);
        let cookies = b.cloudfront_cookies();
        let grant = both.verify(&request.cookie_header(&cookies)).unwrap();
        assert_eq!(grant.key_pair_id().as_str(), "KKMSNEW", "{fw:?}");
    }
}

//! What a key in AWS KMS costs the middleware, against moto's KMS on 127.0.0.1 (never AWS):
//! `Sign` calls per N logins and per refresh storm (counted at the HTTP level by the proxy),
//! and the latency of one `Sign` call through the AWS SDK. Prints a Markdown table for
//! `docs/performance.md`. Run: `cargo bench -p cfsign-conformance --bench kms`.
//!
//! The latency is the SDK's request signing and HTTP plus moto's (Python) signing on this
//! machine: a floor for the client side, not a figure for AWS, where the network round trip
//! to the Region dominates.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_kms::types::KeySpec;
use cfsign::{AsyncSigner, CannedPolicy, EpochSeconds};
use cfsign_conformance::T0;
use cfsign_conformance::kms::{KmsProxy, Moto, client, create_key};
use cfsign_issuer::{Access, Directive, Issuer, ManualClock, RequestView};
use cfsign_kms::KmsSigner;

const LOGINS: usize = 1_000;
const SHARED_SCOPES: usize = 8;
const STORM: usize = 10_000;
const LATENCY_SAMPLES: usize = 300;

fn issuer(signer: Arc<dyn AsyncSigner>, clock: &ManualClock) -> Issuer {
    // Counting calls, not racing moto: 1,000 simultaneous RSA signings take moto seconds.
    let timeout = Duration::from_secs(120);
    Issuer::builder(signer).domain("example.com").clock(clock.clone()).sign_timeout(timeout).build().unwrap()
}

fn scope(name: &str) -> Access {
    Access::single(format!("https://cdn.example.com/{name}/*"), "/").unwrap()
}

/// The `Cookie` header a browser sends back for these `Set-Cookie` values.
fn cookie_header(set_cookie: &[String]) -> String {
    set_cookie.iter().map(|c| c.split(';').next().unwrap()).collect::<Vec<_>>().join("; ")
}

/// `Sign` calls for `LOGINS` concurrent logins whose scopes are `scope_of(n)`.
async fn logins(
    signer: &Arc<dyn AsyncSigner>,
    proxy: &KmsProxy,
    scope_of: impl Fn(usize) -> String,
) -> usize {
    let clock = ManualClock::new(T0);
    let issuer = issuer(signer.clone(), &clock);
    let before = proxy.sign_calls();
    let directives: Vec<Directive> = (0..LOGINS).map(|n| Directive::Issue(scope(&scope_of(n)))).collect();
    let logins = directives.iter().map(|d| issuer.decide(RequestView::new("/login"), Some(d), 303));
    for set_cookie in futures_util::future::join_all(logins).await {
        assert_eq!(set_cookie.len(), 4);
    }
    proxy.sign_calls() - before
}

/// `Sign` calls when `STORM` sessions over `SHARED_SCOPES` scopes all come back in the same
/// minute with cookies due for a refresh.
async fn refresh_storm(signer: &Arc<dyn AsyncSigner>, proxy: &KmsProxy) -> usize {
    let clock = ManualClock::new(T0);
    let issuer = issuer(signer.clone(), &clock);
    let mut held = Vec::new();
    for k in 0..SHARED_SCOPES {
        let access = scope(&format!("team{k}"));
        let set_cookie =
            issuer.decide(RequestView::new("/login"), Some(&Directive::Issue(access.clone())), 303).await;
        held.push((access, cookie_header(&set_cookie)));
    }
    clock.advance(Duration::from_secs(50 * 60));
    let before = proxy.sign_calls();
    let storm = (0..STORM).map(|n| {
        let (access, header) = &held[n % SHARED_SCOPES];
        issuer.decide(
            RequestView::new("/").cookie_header(header.as_bytes()).access(access.clone()),
            None,
            200,
        )
    });
    for set_cookie in futures_util::future::join_all(storm).await {
        assert_eq!(set_cookie.len(), 4, "every session is refreshed");
    }
    proxy.sign_calls() - before
}

/// p50 and p99 of one `Sign` call, in milliseconds.
async fn latency(signer: &KmsSigner) -> (f64, f64) {
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for n in 0..LATENCY_SAMPLES {
        let policy = CannedPolicy::json_for(
            &format!("https://cdn.example.com/{n}.jpg"),
            EpochSeconds::new(2_000_000_000),
        );
        let start = Instant::now();
        signer.sign(policy.as_bytes()).await.unwrap();
        samples.push(start.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[samples.len() * 99 / 100])
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this as a smoke test.
    let quick = !std::env::args().any(|a| a == "--bench");
    let moto = Moto::start().await;
    let proxy = KmsProxy::start(moto.addr).await;
    let kms = client(proxy.addr).await;
    println!(
        "| key | Sign p50 | Sign p99 | {LOGINS} logins, {LOGINS} per-user scopes | {LOGINS} logins, {SHARED_SCOPES} shared scopes | refresh storm: {STORM} sessions, {SHARED_SCOPES} scopes |"
    );
    println!("|---|---|---|---|---|---|");
    for (spec, name) in [(KeySpec::Rsa2048, "RSA_2048"), (KeySpec::EccNistP256, "ECC_NIST_P256")] {
        let key_id = create_key(&kms, spec).await;
        let signer = KmsSigner::new(kms.clone(), key_id, "KKMSBENCH").await.unwrap();
        let (p50, p99) = if quick { (f64::NAN, f64::NAN) } else { latency(&signer).await };
        let signer: Arc<dyn AsyncSigner> = Arc::new(signer);
        let per_user = logins(&signer, &proxy, |n| format!("u/user{n}")).await;
        let shared = logins(&signer, &proxy, |n| format!("team{}", n % SHARED_SCOPES)).await;
        let storm = refresh_storm(&signer, &proxy).await;
        println!(
            "| {name} | {p50:.1} ms | {p99:.1} ms | {per_user} Sign calls | {shared} Sign calls | {storm} Sign calls |"
        );
    }
    drop(moto);
}

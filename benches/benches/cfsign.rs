//! Benches: signing (backend × key kind × hash; raw, a signed URL, a cookie set), verifying,
//! policy parsing and the issuer's decision (the middleware beside its peers: `peers.rs`).
//! `cargo xtask bench-report` runs them beside `openssl speed` and writes
//! `target/bench-report.md`. Throughput is counted in operations, so criterion reports ops/s.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use cfsign::{
    CannedPolicy, CookieAttributes, CustomPolicy, EpochSeconds, HashAlgorithm, SignedPolicy, Signer,
    Verifier, aws_lc, rustcrypto,
};
use cfsign_issuer::{Access, Issuer, ManualClock, RequestView};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const RSA: &str = include_str!("../../crates/cfsign/tests/data/rsa-2048-pkcs8.pem");
const EC: &str = include_str!("../../crates/cfsign/tests/data/ecdsa-p256-pkcs8.pem");
const EXP: EpochSeconds = EpochSeconds::new(1_767_290_400);

fn policy() -> CustomPolicy {
    CustomPolicy::builder().resource("https://cdn.example.com/u/alice/*").date_less_than(EXP).build().unwrap()
}

/// A bench name (`backend/kind/hash`), the signing key and its public key.
type Case = (String, Box<dyn Signer>, Box<dyn Verifier>);

fn signers() -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    for (kind, pem) in [("rsa2048", RSA), ("p256", EC)] {
        for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
            let h = hash.as_str().to_lowercase();
            let rc = rustcrypto::SigningKey::from_pem(pem, "KBENCH").unwrap().with_hash(hash);
            let rc_pub = rc.public_key();
            out.push((format!("rustcrypto/{kind}/{h}"), Box::new(rc), Box::new(rc_pub)));
            let al = aws_lc::SigningKey::from_pem(pem, "KBENCH").unwrap().with_hash(hash);
            let al_pub = al.public_key();
            out.push((format!("aws-lc/{kind}/{h}"), Box::new(al), Box::new(al_pub)));
        }
    }
    out
}

fn signing(c: &mut Criterion) {
    let json = policy().to_json();
    let mut sign = c.benchmark_group("sign");
    sign.throughput(Throughput::Elements(1));
    for (name, signer, _) in signers() {
        sign.bench_function(&name, |b| b.iter(|| signer.sign(black_box(json.as_bytes())).unwrap()));
    }
    sign.finish();

    let mut verify = c.benchmark_group("verify");
    verify.throughput(Throughput::Elements(1));
    for (name, signer, verifier) in signers() {
        let sig = signer.sign(json.as_bytes()).unwrap();
        let hash = signer.hash_algorithm();
        verify.bench_function(&name, |b| {
            b.iter(|| verifier.verify(hash, black_box(json.as_bytes()), &sig).unwrap())
        });
    }
    verify.finish();

    // What users call: a canned signed URL, and a custom cookie set rendered as Set-Cookie.
    let mut url = c.benchmark_group("signed_url_canned");
    url.throughput(Throughput::Elements(1));
    for (name, signer, _) in signers() {
        url.bench_function(&name, |b| {
            b.iter(|| {
                let p = CannedPolicy::new("https://cdn.example.com/a.jpg?w=1", EXP).unwrap();
                SignedPolicy::new(p, &*signer).unwrap().url("https://cdn.example.com/a.jpg?w=1").unwrap()
            });
        });
    }
    url.finish();
    let mut set = c.benchmark_group("cookie_set_custom");
    set.throughput(Throughput::Elements(1));
    let attrs = CookieAttributes::new().domain("example.com");
    for (name, signer, _) in signers() {
        set.bench_function(&name, |b| {
            b.iter(|| {
                SignedPolicy::new(policy(), &*signer).unwrap().cookies().set_cookie_headers(&attrs).unwrap()
            });
        });
    }
    set.finish();
}

fn parsing(c: &mut Criterion) {
    let json = policy().to_json();
    let mut g = c.benchmark_group("policy");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| b.iter(|| CustomPolicy::parse(black_box(json.as_bytes())).unwrap()));
    g.bench_function("to_json", |b| b.iter(|| black_box(policy()).to_json()));
    g.finish();
}

fn issuer(c: &mut Criterion) {
    let clock = ManualClock::new(EpochSeconds::new(1_767_200_000));
    let key = rustcrypto::SigningKey::from_pem(EC, "KBENCH").unwrap();
    let issuer = Issuer::builder(Arc::new(key)).domain("example.com").clock(clock.clone()).build().unwrap();
    let access = Access::single("https://cdn.example.com/u/alice/*", "/").unwrap();
    let cookie = cfsign_benches::cookie_header(&issuer, &access);
    let cookie = format!("session=abc; {cookie}");
    let mut g = c.benchmark_group("issuer");
    g.throughput(Throughput::Elements(1));
    g.bench_function("no_refresh_due", |b| {
        b.iter(|| {
            assert!(
                issuer
                    .decide(
                        RequestView::new("/").cookie_header(cookie.as_bytes()).access(access.clone()),
                        None,
                        200
                    )
                    .now()
                    .unwrap()
                    .is_empty()
            )
        });
    });
    g.bench_function("anonymous", |b| {
        b.iter(|| {
            issuer.decide(RequestView::new("/").cookie_header(b"session=abc"), None, 200).now().unwrap()
        })
    });
    // Refresh due, signature already cached for this window: the cost of re-issuing.
    let due = issuer.clone();
    g.bench_function("refresh_due_cached", |b| {
        b.iter(|| {
            assert_eq!(
                due.decide(
                    RequestView::new("/").cookie_header(b"session=abc").access(access.clone()),
                    None,
                    200
                )
                .now()
                .unwrap()
                .len(),
                4
            )
        });
    });
    g.finish();
}

criterion_group!(benches, signing, parsing, issuer);
criterion_main!(benches);

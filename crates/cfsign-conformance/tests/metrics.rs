//! Every documented metric moves as documented (README, "Metrics"), read through
//! `metrics-util`'s debugging recorder: the issuer's through a login, a second login, a
//! refresh, malformed cookies, a logout and a signing failure over a real axum server; the
//! gate's for an allowed request and each kind of denial over raw HTTP. Each step checks the
//! exact set of metrics that moved (the recorder's snapshots reset counters), so a metric that
//! moves when it should not fails too. One test: the recorder is global.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cfsign::{CustomPolicy, EpochSeconds, sign_cookies};
use cfsign_conformance::{
    Browser, FailingSigner, Framework, T0, issuer, key, raw_request, start, start_gate, trusted,
};
use cfsign_issuer::ManualClock;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// What moved since the last snapshot: `name{label=value,…}` → counter increase, or the number
/// of histogram samples for `name{…}#samples`. Zeros left out.
fn moved(snapshotter: &Snapshotter) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        match value {
            DebugValue::Counter(0) => {}
            DebugValue::Counter(n) => {
                out.insert(name, n);
            }
            DebugValue::Histogram(samples) if samples.is_empty() => {}
            DebugValue::Histogram(samples) => {
                assert!(samples.iter().all(|s| s.into_inner() >= 0.0), "{name}: {samples:?}");
                out.insert(format!("{name}#samples"), samples.len() as u64);
            }
            DebugValue::Gauge(_) => panic!("no gauges are documented: {name}"),
        }
    }
    out
}

fn expect(entries: &[(&str, u64)]) -> BTreeMap<String, u64> {
    entries.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_metric_moves_as_documented() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();

    // ---- The issuer, through the axum app.
    let clock = ManualClock::new(T0);
    let issuer = issuer(&clock, key());
    let addr = start(Framework::Axum, issuer.clone()).await;
    let _ = moved(&snapshotter);

    let mut alice = Browser::new(addr);
    alice.send("POST", "/login", "user=alice", None).await;
    assert_eq!(
        moved(&snapshotter),
        expect(&[
            ("cfsign_cookie_sets_total{event=issued}", 1),
            ("cfsign_signatures_total{}", 1),
            ("cfsign_signing_duration_seconds{result=ok}#samples", 1),
        ]),
        "login"
    );

    // A second login for the same scope in the same window: the cached signature.
    Browser::new(addr).send("POST", "/login", "user=alice", None).await;
    assert_eq!(
        moved(&snapshotter),
        expect(&[("cfsign_cookie_sets_total{event=issued}", 1), ("cfsign_signature_cache_hits_total{}", 1)]),
        "second login"
    );

    // Nothing due: nothing moves.
    alice.send("GET", "/me", "", None).await;
    assert_eq!(moved(&snapshotter), expect(&[]), "steady state");

    // The refresh window: a refresh, and a new signature.
    clock.advance(Duration::from_secs(50 * 60));
    alice.send("GET", "/me", "", None).await;
    assert_eq!(
        moved(&snapshotter),
        expect(&[
            ("cfsign_cookie_sets_total{event=refreshed}", 1),
            ("cfsign_signatures_total{}", 1),
            ("cfsign_signing_duration_seconds{result=ok}#samples", 1),
        ]),
        "refresh"
    );

    // A malformed set: counted, treated as absent, so the session gets a fresh one (the
    // signature of this window is cached).
    let malformed = "session=alice.u; CloudFront-Policy=%%%; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F";
    Browser::new(addr).send("GET", "/me", "", Some(malformed)).await;
    assert_eq!(
        moved(&snapshotter),
        expect(&[
            ("cfsign_malformed_cookies_total{}", 1),
            ("cfsign_cookie_sets_total{event=refreshed}", 1),
            ("cfsign_signature_cache_hits_total{}", 1),
        ]),
        "malformed cookies"
    );

    // Logout.
    alice.send("POST", "/logout", "", None).await;
    assert_eq!(moved(&snapshotter), expect(&[("cfsign_cookie_sets_total{event=revoked}", 1)]), "logout");

    // A signer that fails: counted, timed, no cookies.
    issuer.rotate(Arc::new(FailingSigner::default()));
    let reply = Browser::new(addr).send("POST", "/login", "user=bob", None).await;
    assert!(reply.set_cookie.iter().all(|c| !c.starts_with("CloudFront-")));
    assert_eq!(
        moved(&snapshotter),
        expect(&[
            ("cfsign_signatures_total{}", 1),
            ("cfsign_signing_failures_total{}", 1),
            ("cfsign_signing_duration_seconds{result=error}#samples", 1),
        ]),
        "signing failure"
    );

    // ---- The gate, over raw HTTP: an allowed request and each kind of denial.
    let dir = std::env::temp_dir().join(format!("cfsign-metrics-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("u/alice")).unwrap();
    std::fs::create_dir_all(dir.join("public")).unwrap();
    std::fs::write(dir.join("u/alice/a.jpg"), "image").unwrap();
    std::fs::write(dir.join("public/p.txt"), "public").unwrap();
    let now = EpochSeconds::now();
    let gate = start_gate(&dir, trusted(&[&key()]), move || now).await;
    let _ = moved(&snapshotter);

    let cookies = |resource: &str, expires: u64, ip: Option<&str>| {
        let mut policy =
            CustomPolicy::builder().resource(resource).date_less_than(EpochSeconds::new(expires));
        if let Some(ip) = ip {
            policy = policy.ip_address(ip);
        }
        sign_cookies(policy.build().unwrap(), &key()).unwrap().cookie_header().into_bytes()
    };
    let later = now.as_secs() + 600;
    let alices = cookies("https://cdn.example.com/u/alice/*", later, None);
    let bad_signature =
        String::from_utf8(alices.clone()).unwrap().replace("Signature=", "Signature=AAAA").into_bytes();
    let unknown_key =
        String::from_utf8(alices.clone()).unwrap().replace("K2JCJMDEHXQW5F", "KUNKNOWN").into_bytes();
    let cases: [(&str, Option<Vec<u8>>, u16, &str); 9] = [
        ("/u/alice/a.jpg", Some(alices.clone()), 200, "cfsign_gate_requests_total{result=allowed}"),
        ("/public/p.txt", None, 200, "cfsign_gate_requests_total{result=public}"),
        ("/%70ublic/p.txt", None, 400, "cfsign_gate_requests_total{result=bad_request}"),
        (
            "/u/alice/a.jpg",
            None,
            403,
            "cfsign_gate_denials_total{code=MissingKey,reason=missing_key_pair_id}",
        ),
        (
            "/u/alice/a.jpg",
            Some(cookies("https://cdn.example.com/u/alice/*", now.as_secs() - 1, None)),
            403,
            "cfsign_gate_denials_total{code=AccessDenied,reason=expired}",
        ),
        (
            "/u/alice/a.jpg",
            Some(bad_signature),
            403,
            "cfsign_gate_denials_total{code=AccessDenied,reason=bad_signature}",
        ),
        (
            "/u/bob/a.jpg",
            Some(alices.clone()),
            403,
            "cfsign_gate_denials_total{code=AccessDenied,reason=resource_mismatch}",
        ),
        (
            "/u/alice/a.jpg",
            Some(cookies("https://cdn.example.com/u/alice/*", later, Some("192.0.2.0/24"))),
            403,
            "cfsign_gate_denials_total{code=AccessDenied,reason=ip_not_allowed}",
        ),
        (
            "/u/alice/a.jpg",
            Some(unknown_key),
            403,
            "cfsign_gate_denials_total{code=InvalidKey,reason=unknown_key_pair_id}",
        ),
    ];
    for (target, cookie, status, metric) in cases {
        let headers: Vec<(&str, Vec<u8>)> = cookie.into_iter().map(|c| ("Cookie", c)).collect();
        let reply = raw_request(gate, target.as_bytes(), &headers).await;
        assert_eq!(reply.status, status, "{target} {metric}: {}", String::from_utf8_lossy(&reply.body));
        let mut expected = expect(&[(metric, 1)]);
        if metric.starts_with("cfsign_gate_denials_total") {
            expected.insert("cfsign_gate_requests_total{result=denied}".to_owned(), 1);
        }
        assert_eq!(moved(&snapshotter), expected, "{target} → {metric}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

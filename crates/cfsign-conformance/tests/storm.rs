//! A refresh storm: 10,000 sessions over a few shared scopes log in within one expiry window,
//! then all come back at once after their cookies crossed the refresh point. Over a real server
//! on loopback (axum with `cfsign-tower`, then actix-web with `cfsign-actix`), every session must
//! get valid new cookies, with no errors, and the signatures made must stay within
//! scopes × windows (expiry rounding + the signature cache + single-flight).
//!
//! Latency p50/p99 is printed for the report (docs/security.md); nothing is asserted on time.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cfsign::EpochSeconds;
use cfsign_conformance::{Framework, T0, issuer, key, start, trusted};
use cfsign_issuer::ManualClock;
use cfsign_verify::Request;

const SESSIONS: usize = 10_000;
const SCOPES: usize = 8;
const IN_FLIGHT: usize = 256;

/// The `CloudFront-*` cookies a response set, by name.
fn cloudfront_cookies(res: &reqwest::Response) -> BTreeMap<String, String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next()?.split_once('='))
        .filter(|(n, _)| n.starts_with("CloudFront-"))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn header(jar: &BTreeMap<String, String>) -> String {
    jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

/// Sends `GET /me` for every session at once (at most `IN_FLIGHT` in flight), each with its
/// session cookie and its current CloudFront cookies; returns each session's new cookies and the
/// latency of every request.
async fn wave(
    http: &reqwest::Client,
    base: &str,
    jars: &[BTreeMap<String, String>],
) -> (Vec<BTreeMap<String, String>>, Vec<Duration>) {
    let limit = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, jar) in jars.iter().enumerate() {
        let (http, limit, url) = (http.clone(), limit.clone(), format!("{base}/me"));
        let mut cookie = format!("session=user{n}.group{}", n % SCOPES);
        if !jar.is_empty() {
            cookie = format!("{cookie}; {}", header(jar));
        }
        tasks.spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let started = Instant::now();
            let res = http.get(url).header("cookie", cookie).send().await.unwrap();
            let status = res.status().as_u16();
            let set = cloudfront_cookies(&res);
            let body = res.text().await.unwrap();
            let elapsed = started.elapsed();
            assert_eq!(status, 200, "session {n}: {body}");
            assert_eq!(body, format!("Some(\"user{n}\")"));
            (n, set, elapsed)
        });
    }
    let mut out = vec![BTreeMap::new(); jars.len()];
    let mut latencies = Vec::with_capacity(jars.len());
    while let Some(done) = tasks.join_next().await {
        let (n, set, elapsed) = done.unwrap();
        out[n] = set;
        latencies.push(elapsed);
    }
    latencies.sort();
    (out, latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sessions_cross_the_refresh_point_at_once() {
    let key = key();
    let trusted = trusted(&[&key]);
    for fw in [Framework::Axum, Framework::Actix] {
        let clock = ManualClock::new(T0);
        let issuer = issuer(&clock, key.clone());
        let base = format!("http://{}", start(fw, issuer.clone()).await);
        let http = reqwest::Client::builder().pool_max_idle_per_host(IN_FLIGHT).build().unwrap();

        // Window 1: everyone logs in (first visit with a session, no cookies yet).
        let (jars, _) = wave(&http, &base, &vec![BTreeMap::new(); SESSIONS]).await;
        assert!(jars.iter().all(|j| j.len() == 4), "{fw:?}: everyone gets a cookie set");
        let first = issuer.counters();
        assert!(first.signatures_made <= SCOPES as u64, "{fw:?}: {first:?}");

        // 46 minutes later every cookie has under 15 minutes left: all refresh at once.
        clock.advance(Duration::from_secs(46 * 60));
        let now = EpochSeconds::new(T0.as_secs() + 46 * 60);
        let storm_started = Instant::now();
        let (fresh, latencies) = wave(&http, &base, &jars).await;
        let storm = storm_started.elapsed();
        let after = issuer.counters();

        let storm_signatures = after.signatures_made - first.signatures_made;
        // Sessions of one scope get the very same bytes: check each distinct set once.
        let mut checked = std::collections::BTreeSet::new();
        for (n, jar) in fresh.iter().enumerate() {
            assert_eq!(jar.len(), 4, "{fw:?}: session {n} was refreshed");
            assert_ne!(jar, &jars[n], "{fw:?}: session {n} got new values");
            if !checked.insert((n % SCOPES, header(jar))) {
                continue;
            }
            // Valid at CloudFront for its own scope, and only for it.
            let own = format!("https://cdn.example.com/group{}/photo.jpg", n % SCOPES);
            let other = format!("https://cdn.example.com/group{}/photo.jpg", (n + 1) % SCOPES);
            let cookies = header(jar);
            let verify = |url: &str, at: EpochSeconds| {
                trusted.verify(&Request::new(url, [192, 0, 2, 1].into(), at).cookie_header(&cookies))
            };
            assert!(verify(&own, now).is_ok(), "{fw:?}: session {n}");
            assert!(verify(&other, now).is_err(), "{fw:?}: session {n}");
            // And for a full TTL from the storm, past the old cookies' expiry.
            assert!(verify(&own, EpochSeconds::new(now.as_secs() + 59 * 60)).is_ok(), "{fw:?}: session {n}");
        }
        assert!(storm_signatures <= SCOPES as u64, "{fw:?}: {storm_signatures} signatures in the storm");
        assert_eq!(after.cookies_issued, 2 * SESSIONS as u64, "{fw:?}: {after:?}");
        assert_eq!(after.malformed_cookies, 0, "{fw:?}");
        eprintln!(
            "{fw:?} refresh storm: {SESSIONS} sessions over {SCOPES} scopes, {IN_FLIGHT} in flight: \
             {:.0} ms, {:.0} req/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
             signatures made: {} at login, {storm_signatures} in the storm (limit {} = scopes × windows); \
             cache hits {}; {} distinct cookie sets verified",
            storm.as_secs_f64() * 1e3,
            SESSIONS as f64 / storm.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
            first.signatures_made,
            2 * SCOPES,
            after.cache_hits,
            checked.len(),
        );
    }
}

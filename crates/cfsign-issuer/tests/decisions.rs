//! The issuer's decisions, response by response.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use cfsign::{EpochSeconds, HashAlgorithm, KeyKind, SameSite, SigningKey};
use cfsign_issuer::{Access, Directive, Issuer, IssuerError, ManualClock, PolicyKind, Scope};
use cfsign_verify::{KeyGroup, Request, TrustedKeyGroups};

const T0: EpochSeconds = EpochSeconds::new(1_767_200_000);
const ID: &str = "K2JCJMDEHXQW5F";

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), ID).unwrap()
}

fn setup() -> (Issuer, ManualClock) {
    let clock = ManualClock::new(T0);
    let issuer = Issuer::builder(Arc::new(key())).domain("example.com").clock(clock.clone()).build().unwrap();
    (issuer, clock)
}

fn alice() -> Access {
    Access::single("https://cdn.example.com/u/alice/*", "/").unwrap()
}

/// What a browser would send back: the `name=value` of every cookie not being removed.
fn jar(set_cookie: &[String]) -> String {
    set_cookie
        .iter()
        .filter(|h| !h.contains("Max-Age=0"))
        .map(|h| h.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

fn names(set_cookie: &[String]) -> Vec<&str> {
    set_cookie.iter().map(|h| h.split('=').next().unwrap()).collect()
}

#[test]
fn login_steady_state_refresh_logout() {
    let (issuer, clock) = setup();
    // Login.
    let login = issuer.decide(None, "/login", None, Some(&Directive::Issue(alice())), 303);
    assert_eq!(
        names(&login),
        ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"]
    );
    for h in &login {
        assert!(h.ends_with("; Domain=example.com; Path=/; Expires=Wed, 31 Dec 2025 17:54:00 GMT; Secure; HttpOnly; SameSite=Lax"), "{h}");
    }
    let cookies = jar(&login);

    // The cookies verify for a file in scope, and not outside it.
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key(ID, key().public_key()).unwrap());
    let ok = Request::new("https://cdn.example.com/u/alice/cat.jpg", [192, 0, 2, 1].into(), T0)
        .cookie_header(&cookies);
    assert!(trusted.verify(&ok).is_ok());
    let other = Request::new("https://cdn.example.com/u/bob/cat.jpg", [192, 0, 2, 1].into(), T0)
        .cookie_header(&cookies);
    assert!(trusted.verify(&other).is_err());

    // Steady state: inside the window, nothing.
    clock.advance(Duration::from_secs(44 * 60));
    assert!(issuer.decide(Some(cookies.as_bytes()), "/", Some(alice()), None, 200).is_empty());
    assert_eq!(issuer.counters().signatures_made, 1);

    // Past the refresh point (under 15 min left): fresh cookies.
    clock.advance(Duration::from_secs(2 * 60));
    let refreshed = issuer.decide(Some(cookies.as_bytes()), "/", Some(alice()), None, 200);
    assert_eq!(refreshed.len(), 4);
    assert_ne!(jar(&refreshed), cookies);
    assert_eq!(issuer.counters().signatures_made, 2);

    // Logout: removal cookies with the same attributes.
    let logout = issuer.decide(
        Some(jar(&refreshed).as_bytes()),
        "/logout",
        Some(alice()),
        Some(&Directive::Revoke),
        303,
    );
    assert_eq!(names(&logout).len(), 5);
    for h in &logout {
        assert!(h.contains("=; Domain=example.com; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax"), "{h}");
    }
    let counters = issuer.counters();
    assert_eq!((counters.cookies_issued, counters.cookies_revoked), (2, 1));
}

#[test]
fn scope_change_rotation_and_hash_change_reissue() {
    let (issuer, _) = setup();
    let cookies = jar(&issuer.decide(None, "/", Some(alice()), None, 200));
    assert!(issuer.decide(Some(cookies.as_bytes()), "/", Some(alice()), None, 200).is_empty());

    // Scope change (the user was upgraded).
    let wider = Access::single("https://cdn.example.com/*", "/").unwrap();
    assert_eq!(issuer.decide(Some(cookies.as_bytes()), "/", Some(wider), None, 200).len(), 4);

    // Key rotation: an issuer with a new key-pair ID re-issues, even though the old cookies
    // are fresh.
    let new_key = SigningKey::generate(KeyKind::EcdsaP256, "KNEWKEY").unwrap();
    let rotated =
        Issuer::builder(Arc::new(new_key)).domain("example.com").clock(ManualClock::new(T0)).build().unwrap();
    let reissued = rotated.decide(Some(cookies.as_bytes()), "/", Some(alice()), None, 200);
    assert!(reissued.iter().any(|h| h.starts_with("CloudFront-Key-Pair-Id=KNEWKEY;")));

    // Hash change to SHA-1: re-issued, and the stale CloudFront-Hash-Algorithm cookie removed.
    let sha1 = Issuer::builder(Arc::new(key().with_hash(HashAlgorithm::Sha1)))
        .domain("example.com")
        .clock(ManualClock::new(T0))
        .build()
        .unwrap();
    let switched = sha1.decide(Some(cookies.as_bytes()), "/", Some(alice()), None, 200);
    assert_eq!(
        names(&switched),
        ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"]
    );
    assert!(switched[3].contains("Max-Age=0"), "{}", switched[3]);
    // And SHA-1 cookies are then steady.
    assert!(sha1.decide(Some(jar(&switched).as_bytes()), "/", Some(alice()), None, 200).is_empty());
}

#[test]
fn nothing_on_5xx_and_nothing_without_access() {
    let (issuer, _) = setup();
    assert!(issuer.decide(None, "/", Some(alice()), None, 500).is_empty());
    assert!(issuer.decide(None, "/", Some(alice()), Some(&Directive::Issue(alice())), 503).is_empty());
    assert!(issuer.decide(None, "/", Some(alice()), Some(&Directive::Revoke), 502).is_empty());
    assert!(issuer.decide(None, "/", None, None, 200).is_empty());
    assert_eq!(issuer.counters().signatures_made, 0);
    // 4xx still gets cookies (a 404 page is an authenticated response too).
    assert_eq!(issuer.decide(None, "/", Some(alice()), None, 404).len(), 4);
}

#[test]
fn scopes_are_judged_where_the_browser_sends_their_cookies() {
    let (issuer, _) = setup();
    let access = Access::new([
        Scope::new("https://cdn.example.com/u/alice/*", "/u/alice/").unwrap(),
        Scope::new("https://cdn.example.com/shared/*", "/").unwrap(),
    ])
    .unwrap();
    // At login both sets are issued, each under its path.
    let login = issuer.decide(None, "/login", None, Some(&Directive::Issue(access.clone())), 200);
    assert_eq!(login.len(), 8);
    assert!(login[..4].iter().all(|h| h.contains("; Path=/u/alice/;")));
    assert!(login[4..].iter().all(|h| h.contains("; Path=/;")));
    // At "/", only the "/" set is sent, and it is fresh: nothing.
    let root_set = jar(&login[4..]);
    assert!(issuer.decide(Some(root_set.as_bytes()), "/", Some(access.clone()), None, 200).is_empty());
    // Under /u/alice/ the browser sends both sets, longest path first: nothing.
    let both = format!("{}; {}", jar(&login[..4]), root_set);
    assert!(issuer.decide(Some(both.as_bytes()), "/u/alice/x", Some(access.clone()), None, 200).is_empty());
    // Under /u/alice/ with only the root set: the alice set is missing and is issued.
    let only_root = issuer.decide(Some(root_set.as_bytes()), "/u/alice/x", Some(access), None, 200);
    assert_eq!(only_root.len(), 4);
    assert!(only_root.iter().all(|h| h.contains("; Path=/u/alice/;")));
    assert_eq!(issuer.counters().signatures_made, 2);
}

#[test]
fn hostile_cookies_are_treated_as_absent() {
    let (issuer, _) = setup();
    let big = "A".repeat(10_000);
    let hostile = [
        "CloudFront-Policy=%%%; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F".to_owned(),
        format!("CloudFront-Policy={big}; CloudFront-Signature={big}; CloudFront-Key-Pair-Id={ID}"),
        "CloudFront-Expires=1; CloudFront-Policy=e30_; CloudFront-Signature=x".to_owned(),
        "CloudFront-Key-Pair-Id=\u{0}\u{1}; CloudFront-Hash-Algorithm=SHA512".to_owned(),
        "x".repeat(30_000),
    ];
    for h in &hostile {
        let out = issuer.decide(Some(h.as_bytes()), "/", Some(alice()), None, 200);
        assert!(out.iter().filter(|c| !c.contains("Max-Age=0")).count() == 4, "{:.80}", h);
    }
    let raw: &[u8] =
        b"CloudFront-Policy=\xff\xfe\x00; CloudFront-Signature=\x80; CloudFront-Key-Pair-Id=\xc3";
    assert!(!issuer.decide(Some(raw), "/", Some(alice()), None, 200).is_empty());
    assert_eq!(issuer.counters().malformed_cookies, 6);
    // A foreign key-pair ID is not malformed, just not ours: re-issue.
    let (other, _) = setup();
    let foreign = jar(&other.decide(None, "/", Some(alice()), None, 200)).replace(ID, "KFOREIGN");
    assert_eq!(issuer.decide(Some(foreign.as_bytes()), "/", Some(alice()), None, 200).len(), 4);
}

#[test]
fn same_scope_same_window_signs_once_across_threads() {
    let (issuer, clock) = setup();
    std::thread::scope(|s| {
        for i in 0..64 {
            let issuer = issuer.clone();
            let clock = &clock;
            s.spawn(move || {
                if i == 32 {
                    // Time moves inside the window: expiries still round to the same value.
                    clock.advance(Duration::from_secs(10));
                }
                for _ in 0..10 {
                    assert_eq!(issuer.decide(None, "/", Some(alice()), None, 200).len(), 4);
                }
            });
        }
    });
    let c = issuer.counters();
    assert_eq!(c.signatures_made, 1);
    assert_eq!(c.cache_hits, 639);
    assert_eq!(c.cookies_issued, 640);
}

#[test]
fn configuration_errors() {
    let b = || Issuer::builder(Arc::new(key()));
    let err = |r: Result<Issuer, IssuerError>| r.unwrap_err();
    assert!(matches!(err(b().same_site(SameSite::None).secure(false).build()), IssuerError::Cookie(_)));
    assert!(matches!(err(b().ttl(Duration::from_secs(600)).build()), IssuerError::Config(_)));
    assert!(matches!(err(b().granularity(Duration::ZERO).build()), IssuerError::Config(_)));
    assert!(matches!(err(b().domain("bad domain").build()), IssuerError::Cookie(_)));
    assert!(matches!(err(b().default_path("/x/*").build()), IssuerError::Cookie(_)));
    assert!(b().same_site(SameSite::None).build().is_ok());
    assert!(matches!(Scope::new("https://c/x/*", "/x/*"), Err(IssuerError::InvalidScope(_))));
    assert!(matches!(Scope::new("ftp://c/x", "/"), Err(IssuerError::InvalidScope(_))));
    assert!(Access::new([]).is_err());
    let dup = [Scope::new("https://c/a/*", "/").unwrap(), Scope::new("https://c/b/*", "/").unwrap()];
    assert!(Access::new(dup).is_err());
}

#[test]
fn canned_policies_for_exact_urls() {
    let clock = ManualClock::new(T0);
    let issuer =
        Issuer::builder(Arc::new(key())).policy_kind(PolicyKind::Canned).clock(clock).build().unwrap();
    let access = Access::single("https://cdn.example.com/report.pdf", "/").unwrap();
    let set = issuer.decide(None, "/", Some(access.clone()), None, 200);
    assert_eq!(names(&set)[0], "CloudFront-Expires");
    assert!(issuer.decide(Some(jar(&set).as_bytes()), "/", Some(access), None, 200).is_empty());
    // A wildcard scope cannot be canned: no cookies, logged as an error, response unharmed.
    assert!(issuer.decide(None, "/", Some(alice()), None, 200).is_empty());
}

//! The issuer's decisions, response by response.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use cfsign::{EpochSeconds, HashAlgorithm, KeyKind, SameSite, SigningKey};
use cfsign_issuer::{Access, Directive, Issuer, IssuerError, ManualClock, PolicyKind, RequestView, Scope};
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
    let login =
        issuer.decide(RequestView::new("/login"), Some(&Directive::Issue(alice())), 303).now().unwrap();
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
    assert!(
        issuer
            .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );
    assert_eq!(issuer.counters().signatures_made, 1);

    // Past the refresh point (under 15 min left): fresh cookies.
    clock.advance(Duration::from_secs(2 * 60));
    let refreshed = issuer
        .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
        .now()
        .unwrap();
    assert_eq!(refreshed.len(), 4);
    assert_ne!(jar(&refreshed), cookies);
    assert_eq!(issuer.counters().signatures_made, 2);

    // Logout: removal cookies with the same attributes.
    let logout = issuer
        .decide(
            RequestView::new("/logout").cookie_header(jar(&refreshed).as_bytes()).access(alice()),
            Some(&Directive::Revoke),
            303,
        )
        .now()
        .unwrap();
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
    let cookies = jar(&issuer.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap());
    assert!(
        issuer
            .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );

    // Scope change (the user was upgraded).
    let wider = Access::single("https://cdn.example.com/*", "/").unwrap();
    assert_eq!(
        issuer
            .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(wider), None, 200)
            .now()
            .unwrap()
            .len(),
        4
    );

    // Key rotation: an issuer with a new key-pair ID re-issues, even though the old cookies
    // are fresh.
    let new_key = SigningKey::generate(KeyKind::EcdsaP256, "KNEWKEY").unwrap();
    let rotated =
        Issuer::builder(Arc::new(new_key)).domain("example.com").clock(ManualClock::new(T0)).build().unwrap();
    let reissued = rotated
        .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
        .now()
        .unwrap();
    assert!(reissued.iter().any(|h| h.starts_with("CloudFront-Key-Pair-Id=KNEWKEY;")));

    // Hash change to SHA-1: re-issued, and the stale CloudFront-Hash-Algorithm cookie removed.
    let sha1 = Issuer::builder(Arc::new(key().with_hash(HashAlgorithm::Sha1)))
        .domain("example.com")
        .clock(ManualClock::new(T0))
        .build()
        .unwrap();
    let switched = sha1
        .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
        .now()
        .unwrap();
    assert_eq!(
        names(&switched),
        ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"]
    );
    assert!(switched[3].contains("Max-Age=0"), "{}", switched[3]);
    // And SHA-1 cookies are then steady.
    assert!(
        sha1.decide(
            RequestView::new("/").cookie_header(jar(&switched).as_bytes()).access(alice()),
            None,
            200
        )
        .now()
        .unwrap()
        .is_empty()
    );
}

#[test]
fn nothing_on_5xx_and_nothing_without_access() {
    let (issuer, _) = setup();
    assert!(issuer.decide(RequestView::new("/").access(alice()), None, 500).now().unwrap().is_empty());
    assert!(
        issuer
            .decide(RequestView::new("/").access(alice()), Some(&Directive::Issue(alice())), 503)
            .now()
            .unwrap()
            .is_empty()
    );
    assert!(
        issuer
            .decide(RequestView::new("/").access(alice()), Some(&Directive::Revoke), 502)
            .now()
            .unwrap()
            .is_empty()
    );
    assert!(issuer.decide(RequestView::new("/"), None, 200).now().unwrap().is_empty());
    assert_eq!(issuer.counters().signatures_made, 0);
    // 4xx still gets cookies (a 404 page is an authenticated response too).
    assert_eq!(issuer.decide(RequestView::new("/").access(alice()), None, 404).now().unwrap().len(), 4);
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
    let login = issuer
        .decide(RequestView::new("/login"), Some(&Directive::Issue(access.clone())), 200)
        .now()
        .unwrap();
    assert_eq!(login.len(), 8);
    assert!(login[..4].iter().all(|h| h.contains("; Path=/u/alice/;")));
    assert!(login[4..].iter().all(|h| h.contains("; Path=/;")));
    // At "/", only the "/" set is sent, and it is fresh: nothing.
    let root_set = jar(&login[4..]);
    assert!(
        issuer
            .decide(
                RequestView::new("/").cookie_header(root_set.as_bytes()).access(access.clone()),
                None,
                200
            )
            .now()
            .unwrap()
            .is_empty()
    );
    // Under /u/alice/ the browser sends both sets, longest path first: nothing.
    let both = format!("{}; {}", jar(&login[..4]), root_set);
    assert!(
        issuer
            .decide(
                RequestView::new("/u/alice/x").cookie_header(both.as_bytes()).access(access.clone()),
                None,
                200
            )
            .now()
            .unwrap()
            .is_empty()
    );
    // Under /u/alice/ with only the root set: the alice set is missing and is issued.
    let only_root = issuer
        .decide(RequestView::new("/u/alice/x").cookie_header(root_set.as_bytes()).access(access), None, 200)
        .now()
        .unwrap();
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
        let out = issuer
            .decide(RequestView::new("/").cookie_header(h.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap();
        assert!(out.iter().filter(|c| !c.contains("Max-Age=0")).count() == 4, "{:.80}", h);
    }
    let raw: &[u8] =
        b"CloudFront-Policy=\xff\xfe\x00; CloudFront-Signature=\x80; CloudFront-Key-Pair-Id=\xc3";
    assert!(
        !issuer
            .decide(RequestView::new("/").cookie_header(raw).access(alice()), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );
    assert_eq!(issuer.counters().malformed_cookies, 6);
    // A foreign key-pair ID is not malformed, just not ours: re-issue.
    let (other, _) = setup();
    let foreign = jar(&other.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap())
        .replace(ID, "KFOREIGN");
    assert_eq!(
        issuer
            .decide(RequestView::new("/").cookie_header(foreign.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap()
            .len(),
        4
    );
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
                    assert_eq!(
                        issuer.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap().len(),
                        4
                    );
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
    let set = issuer.decide(RequestView::new("/").access(access.clone()), None, 200).now().unwrap();
    assert_eq!(names(&set)[0], "CloudFront-Expires");
    assert!(
        issuer
            .decide(RequestView::new("/").cookie_header(jar(&set).as_bytes()).access(access), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );
    // A wildcard scope cannot be canned: no cookies, logged as an error, response unharmed.
    assert!(issuer.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap().is_empty());
}

/// A `CloudFront-Policy` cookie set for `resource` expiring at `expires`, signed by `key`.
fn set_for(key: &SigningKey, resource: &str, expires: EpochSeconds) -> String {
    let policy = cfsign::CustomPolicy::builder().resource(resource).date_less_than(expires).build().unwrap();
    cfsign::SignedPolicy::new(policy, key).unwrap().cookies().cookie_header()
}

fn value_of<'a>(header: &'a str, name: &str) -> &'a str {
    header.split("; ").find_map(|p| p.strip_prefix(name)?.strip_prefix('=')).unwrap()
}

/// Fresh cookies (not removals) in a decision.
fn issued(set_cookie: &[String]) -> usize {
    set_cookie.iter().filter(|c| !c.contains("Max-Age=0")).count()
}

#[test]
fn sets_the_issuer_cannot_vouch_for_count_as_absent() {
    let (issuer, clock) = setup();
    let resource = "https://cdn.example.com/u/alice/*";
    let far = EpochSeconds::new(T0.as_secs() + 30 * 24 * 3600);
    let genuine_far = set_for(&key(), resource, far);
    let impostor = SigningKey::generate(KeyKind::EcdsaP256, ID).unwrap();
    let other_policy = set_for(&key(), "https://cdn.example.com/u/*", EpochSeconds::new(T0.as_secs() + 600));
    let mut forged = vec![
        // A policy for the user's own scope, far-future, with a junk signature.
        genuine_far.replace(value_of(&genuine_far, "CloudFront-Signature"), "AAAA"),
        // ... with a genuine signature of another policy of the same key.
        genuine_far.replace(
            value_of(&genuine_far, "CloudFront-Signature"),
            value_of(&other_policy, "CloudFront-Signature"),
        ),
        // ... signed by another key under the trusted key-pair ID.
        set_for(&impostor, resource, far),
        // Genuinely signed by this key, but expiring later than this issuer would issue (a
        // leaked test key, another app, a misconfigured instance): not vouched for either.
        genuine_far.clone(),
    ];
    // Every one-character change of a genuine, fresh-looking set's policy or signature.
    let genuine = set_for(&key(), resource, EpochSeconds::new(T0.as_secs() + 3600));
    for name in ["CloudFront-Policy", "CloudFront-Signature"] {
        let value = value_of(&genuine, name);
        for at in 0..value.len() {
            for c in ['A', 'z', '0', '-', '~', '_'] {
                let mut changed = value.to_owned();
                changed.replace_range(at..=at, &c.to_string());
                if changed != value {
                    forged.push(genuine.replace(value, &changed));
                }
            }
        }
    }
    eprintln!("{} forged sets", forged.len());
    let before = issuer.counters().malformed_cookies;
    for (n, set) in forged.iter().enumerate() {
        let out = issuer
            .decide(RequestView::new("/").cookie_header(set.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap();
        assert_eq!(issued(&out), 4, "#{n}: {set}");
        // Beside a genuine set that is due for refresh, in either order: still refreshed.
        clock.set(T0);
        let due = jar(&issuer.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap());
        clock.advance(Duration::from_secs(50 * 60));
        for header in [format!("{set}; {due}"), format!("{due}; {set}")] {
            let out = issuer
                .decide(RequestView::new("/").cookie_header(header.as_bytes()).access(alice()), None, 200)
                .now()
                .unwrap();
            assert_eq!(issued(&out), 4, "#{n} beside a due set: {header}");
        }
        clock.set(T0);
    }
    // Each forged set that looked fresh was counted (the one-character changes that break the
    // encoding were already counted as unreadable).
    assert!(issuer.counters().malformed_cookies - before >= forged.len() as u64, "{:?}", issuer.counters());
    // The genuine set itself is vouched for (it verifies with the issuer's key).
    assert!(
        issuer
            .decide(RequestView::new("/").cookie_header(genuine.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );
}

/// A signer that counts how often its verifier is asked: the issuer checks a set once.
struct CountingKey {
    key: SigningKey,
    verifies: std::sync::atomic::AtomicUsize,
    can_verify: bool,
}

impl cfsign::Signer for CountingKey {
    fn key_pair_id(&self) -> &cfsign::KeyPairId {
        self.key.key_pair_id()
    }
    fn key_kind(&self) -> KeyKind {
        self.key.key_kind()
    }
    fn hash_algorithm(&self) -> HashAlgorithm {
        self.key.hash_algorithm()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, cfsign::Error> {
        cfsign::Signer::sign(&self.key, message)
    }
    fn verifier(&self) -> Option<&dyn cfsign::Verifier> {
        self.can_verify.then_some(self as &dyn cfsign::Verifier)
    }
}

impl cfsign::Verifier for CountingKey {
    fn key_kind(&self) -> KeyKind {
        self.key.key_kind()
    }
    fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), cfsign::Error> {
        self.verifies.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cfsign::Verifier::verify(&self.key, hash, message, signature)
    }
}

#[test]
fn another_instance_with_the_same_key_is_vouched_for_once() {
    let clock = ManualClock::new(T0);
    let counting =
        |can_verify| Arc::new(CountingKey { key: key(), verifies: Default::default(), can_verify });
    let build = |signer: Arc<CountingKey>| {
        Issuer::builder(signer).domain("example.com").clock(clock.clone()).build().unwrap()
    };
    let (a_key, b_key) = (counting(true), counting(true));
    let (a, b) = (build(a_key.clone()), build(b_key.clone()));
    // Logged in on instance B; the next requests land on A, then on either.
    let cookies =
        jar(&b.decide(RequestView::new("/login"), Some(&Directive::Issue(alice())), 303).now().unwrap());
    for n in 0..100 {
        let instance = if n % 3 == 0 { &b } else { &a };
        assert!(
            instance
                .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
                .now()
                .unwrap()
                .is_empty(),
            "#{n}"
        );
        clock.advance(Duration::from_secs(20));
    }
    assert_eq!(a_key.verifies.load(std::sync::atomic::Ordering::Relaxed), 1, "checked once, then remembered");
    assert_eq!(b_key.verifies.load(std::sync::atomic::Ordering::Relaxed), 0, "its own set: no check");
    assert_eq!((a.counters().signatures_made, a.counters().malformed_cookies), (0, 0));

    // A signer that cannot verify vouches only for what it signed itself.
    let blind = build(counting(false));
    assert_eq!(
        issued(
            &blind
                .decide(RequestView::new("/").cookie_header(cookies.as_bytes()).access(alice()), None, 200)
                .now()
                .unwrap()
        ),
        4
    );
    // Re-issued because it cannot be checked, not because anything is wrong with it.
    assert_eq!(blind.counters().malformed_cookies, 0, "a set it cannot check is not malformed");
    let own = jar(&blind.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap());
    assert!(
        blind
            .decide(RequestView::new("/").cookie_header(own.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn canned_sets_are_vouched_for_their_own_url_only() {
    let clock = ManualClock::new(T0);
    let issuer =
        Issuer::builder(Arc::new(key())).policy_kind(PolicyKind::Canned).clock(clock).build().unwrap();
    let report = Access::single("https://cdn.example.com/report.pdf", "/").unwrap();
    let other = Access::single("https://cdn.example.com/other.pdf", "/").unwrap();
    let for_other = jar(&issuer.decide(RequestView::new("/").access(other), None, 200).now().unwrap());
    // A genuine canned set for another URL says nothing about this one.
    assert_eq!(
        issued(
            &issuer
                .decide(
                    RequestView::new("/").cookie_header(for_other.as_bytes()).access(report.clone()),
                    None,
                    200
                )
                .now()
                .unwrap()
        ),
        4
    );
    // A canned set with a forged signature or a later expiry neither.
    let own = jar(&issuer.decide(RequestView::new("/").access(report.clone()), None, 200).now().unwrap());
    let expires = value_of(&own, "CloudFront-Expires");
    for forged in [
        own.replace(value_of(&own, "CloudFront-Signature"), "AAAA"),
        own.replace(expires, &(expires.parse::<u64>().unwrap() + 60).to_string()),
    ] {
        assert_eq!(
            issued(
                &issuer
                    .decide(
                        RequestView::new("/").cookie_header(forged.as_bytes()).access(report.clone()),
                        None,
                        200
                    )
                    .now()
                    .unwrap()
            ),
            4,
            "{forged}"
        );
    }
    assert!(
        issuer
            .decide(RequestView::new("/").cookie_header(own.as_bytes()).access(report), None, 200)
            .now()
            .unwrap()
            .is_empty()
    );
}

/// The issuer judges the set CloudFront will read — the first value of each name — so nothing
/// a client adds around a genuine set can leave the user with cookies the CDN refuses.
#[test]
fn the_set_judged_is_the_set_cloudfront_reads() {
    let (issuer, _) = setup();
    let genuine = jar(&issuer.decide(RequestView::new("/").access(alice()), None, 200).now().unwrap());
    let impostor = SigningKey::generate(KeyKind::EcdsaP256, ID).unwrap();
    let forged =
        set_for(&impostor, "https://cdn.example.com/u/alice/*", EpochSeconds::new(T0.as_secs() + 3000));
    let other_scope =
        set_for(&key(), "https://cdn.example.com/u/bob/*", EpochSeconds::new(T0.as_secs() + 3000));
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key(ID, key().public_key()).unwrap());
    let cdn_allows = |header: &str| {
        let request = Request::new("https://cdn.example.com/u/alice/a.jpg", [192, 0, 2, 1].into(), T0);
        trusted.verify(&request.cookie_header(header)).is_ok()
    };
    for (header, cdn_ok) in [
        // What CloudFront reads first is the genuine set: nothing to do.
        (format!("{genuine}; {forged}"), true),
        (format!("{genuine}; {other_scope}"), true),
        // Read first: a forged set, another scope's set, or a stray Expires beside the Policy
        // (CloudFront: MalformedPolicy) — the CDN refuses, so the issuer re-issues.
        (format!("{forged}; {genuine}"), false),
        (format!("{other_scope}; {genuine}"), false),
        (format!("{genuine}; CloudFront-Expires=1"), false),
        (format!("CloudFront-Key-Pair-Id=KOTHER; {genuine}"), false),
        (format!("CloudFront-Hash-Algorithm=SHA1; {genuine}"), false),
    ] {
        assert_eq!(cdn_allows(&header), cdn_ok, "{header}");
        let out = issuer
            .decide(RequestView::new("/").cookie_header(header.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap();
        assert_eq!(out.is_empty(), cdn_ok, "{header}: {out:?}");
        if !cdn_ok {
            // The fresh set is exactly what the CDN then reads (stray names removed).
            let fixed = jar(&out);
            assert!(cdn_allows(&fixed), "{header} -> {fixed}");
        }
    }
    // Split over two Cookie headers (HTTP/2): the same reading.
    let split = [forged.as_bytes(), genuine.as_bytes()];
    let pending = issuer.inspect(RequestView::new("/").cookie_headers(split).access(alice()));
    assert_eq!(issuer.finish(pending, None, 200).now().unwrap().len(), 4);
}

/// A genuine signature over a policy this issuer would not write — another tool's layout, or
/// a start time or IP range the CDN may refuse the user for — is re-issued, not left alone.
#[test]
fn only_the_policy_the_issuer_writes_is_left_alone() {
    let (issuer, _) = setup();
    let expires = T0.as_secs() + 3600;
    let r = "https://cdn.example.com/u/alice/*";
    for json in [
        format!(
            r#"{{"Statement": [{{"Resource":"{r}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
        ),
        format!(
            r#"{{"Statement":[{{"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}},"Resource":"{r}"}}]}}"#
        ),
        format!(
            r#"{{"Statement":[{{"Resource":"{r}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}},"IpAddress":{{"AWS:SourceIp":"192.0.2.0/24"}}}}}}]}}"#
        ),
    ] {
        let signature = cfsign::Signer::sign(&key(), json.as_bytes()).unwrap();
        let header = format!(
            "CloudFront-Policy={}; CloudFront-Signature={}; CloudFront-Key-Pair-Id={ID}; CloudFront-Hash-Algorithm=SHA256",
            cfsign::encoding::encode(json.as_bytes()),
            cfsign::encoding::encode(&signature)
        );
        let out = issuer
            .decide(RequestView::new("/").cookie_header(header.as_bytes()).access(alice()), None, 200)
            .now()
            .unwrap();
        assert_eq!(issued(&out), 4, "{json}");
    }
}

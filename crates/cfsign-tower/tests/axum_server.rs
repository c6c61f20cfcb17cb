//! The layer through a real axum server on 127.0.0.1 and a cookie-keeping HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cfsign::{EpochSeconds, KeyKind, SigningKey};
use cfsign_issuer::{Access, Issuer, ManualClock};
use cfsign_tower::{CloudFrontCookieLayer, CloudFrontCookies};
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

const T0: EpochSeconds = EpochSeconds::new(1_767_200_000);
const ID: &str = "K2JCJMDEHXQW5F";

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), ID).unwrap()
}

/// The demo session: cookie `session=<user>.<tier>` (no security: this is a test double for
/// a real auth layer, which would put the user into the request extensions the same way).
#[derive(Clone, Debug)]
struct User {
    name: String,
    tier: String,
}

fn access(user: &User) -> Option<Access> {
    let resource = match user.tier.as_str() {
        "shared" => "https://cdn.example.com/shared/*".to_owned(),
        tier => format!("https://cdn.example.com/{tier}/{}/*", user.name),
    };
    Access::single(resource, "/").ok()
}

async fn auth(mut request: Request, next: Next) -> Response {
    let session = request
        .headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("session=").map(str::to_owned));
    if let Some((name, tier)) = session.as_deref().and_then(|s| s.split_once('.')) {
        request.extensions_mut().insert(User { name: name.to_owned(), tier: tier.to_owned() });
    }
    next.run(request).await
}

async fn login(body: String) -> impl IntoResponse {
    let user = body.strip_prefix("user=").unwrap_or("anonymous").to_owned();
    let u = User { name: user.clone(), tier: "u".to_owned() };
    (
        CloudFrontCookies::issue(access(&u).unwrap()),
        [("set-cookie", format!("session={user}.u; Path=/; HttpOnly"))],
        Redirect::to("/"),
    )
}

async fn logout() -> impl IntoResponse {
    (CloudFrontCookies::revoke(), [("set-cookie", "session=; Path=/; Max-Age=0")], Redirect::to("/"))
}

fn app(issuer: Issuer) -> Router {
    Router::new()
        .route("/me", get(|req: Request| async move { format!("{:?}", req.extensions().get::<User>()) }))
        .route("/boom", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .layer(CloudFrontCookieLayer::new(issuer, |parts: &http::request::Parts| {
            parts.extensions.get::<User>().and_then(access)
        }))
        .layer(middleware::from_fn(auth))
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn issuer(clock: &ManualClock, signer: SigningKey) -> Issuer {
    Issuer::builder(Arc::new(signer)).domain("example.com").clock(clock.clone()).build().unwrap()
}

/// A client that keeps cookies like a browser would (by name; Max-Age=0 deletes).
struct Browser {
    http: reqwest::Client,
    base: String,
    jar: BTreeMap<String, String>,
}

struct Reply {
    status: u16,
    set_cookie: Vec<String>,
    body: String,
}

impl Browser {
    fn new(addr: SocketAddr) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, base: format!("http://{addr}"), jar: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, method: &str, path: &str, body: &str) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "POST" => self
                .http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_owned()),
            _ => self.http.get(url),
        };
        if !self.jar.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let set_cookie: Vec<String> =
            res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for c in &set_cookie {
            let (name, value) = c.split(';').next().unwrap().split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Reply { status, set_cookie, body: res.text().await.unwrap() }
    }

    fn cloudfront_cookies(&self) -> String {
        self.jar
            .iter()
            .filter(|(k, _)| k.starts_with("CloudFront-"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn cloudfront(set_cookie: &[String]) -> Vec<&String> {
    set_cookie.iter().filter(|c| c.starts_with("CloudFront-")).collect()
}

fn verifies(browser: &Browser, url: &str, now: EpochSeconds) -> bool {
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key(ID, key().public_key()).unwrap());
    let cookies = browser.cloudfront_cookies();
    trusted
        .verify(&cfsign_verify::Request::new(url, [192, 0, 2, 1].into(), now).cookie_header(&cookies))
        .is_ok()
}

#[tokio::test]
async fn login_steady_refresh_logout_over_http() {
    let clock = ManualClock::new(T0);
    let issuer = issuer(&clock, key());
    let addr = serve(app(issuer.clone())).await;
    let mut browser = Browser::new(addr);

    // Anonymous: nothing.
    let r = browser.send("GET", "/me", "").await;
    assert_eq!((r.status, r.set_cookie.len()), (200, 0));

    // Login: the four CloudFront cookies with every configured attribute.
    let r = browser.send("POST", "/login", "user=alice").await;
    assert_eq!(r.status, 303);
    let cf = cloudfront(&r.set_cookie);
    assert_eq!(cf.len(), 4, "{:?}", r.set_cookie);
    for (c, name) in cf.iter().zip([
        "CloudFront-Policy",
        "CloudFront-Signature",
        "CloudFront-Key-Pair-Id",
        "CloudFront-Hash-Algorithm",
    ]) {
        assert!(c.starts_with(&format!("{name}=")), "{c}");
        assert!(c.ends_with("; Domain=example.com; Path=/; Expires=Wed, 31 Dec 2025 17:54:00 GMT; Secure; HttpOnly; SameSite=Lax"), "{c}");
    }
    assert!(verifies(&browser, "https://cdn.example.com/u/alice/photo.jpg", T0));
    assert!(!verifies(&browser, "https://cdn.example.com/u/bob/photo.jpg", T0));

    // Inside the window: no Set-Cookie at all.
    clock.advance(Duration::from_secs(30 * 60));
    let r = browser.send("GET", "/me", "").await;
    assert!(r.body.contains("alice"));
    assert!(r.set_cookie.is_empty(), "{:?}", r.set_cookie);
    let before = issuer.counters().signatures_made;

    // Past the refresh point: fresh cookies that verify with cfsign-verify.
    clock.advance(Duration::from_secs(16 * 60));
    let now = EpochSeconds::new(T0.as_secs() + 46 * 60);
    let r = browser.send("GET", "/me", "").await;
    assert_eq!(cloudfront(&r.set_cookie).len(), 4);
    assert_eq!(issuer.counters().signatures_made, before + 1);
    assert!(verifies(
        &browser,
        "https://cdn.example.com/u/alice/photo.jpg",
        EpochSeconds::new(now.as_secs() + 30 * 60)
    ));

    // Logout: removal cookies with matching attributes, and the jar is empty again.
    let r = browser.send("POST", "/logout", "").await;
    let removals = cloudfront(&r.set_cookie);
    assert_eq!(removals.len(), 5);
    for c in removals {
        assert!(c.ends_with("=; Domain=example.com; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax"), "{c}");
    }
    assert_eq!(browser.cloudfront_cookies(), "");
}

#[tokio::test]
async fn scope_change_key_rotation_and_5xx() {
    let clock = ManualClock::new(T0);
    let addr = serve(app(issuer(&clock, key()))).await;
    let mut browser = Browser::new(addr);
    browser.send("POST", "/login", "user=alice").await;
    assert!(browser.send("GET", "/me", "").await.set_cookie.is_empty());

    // 5xx: nothing, even when cookies would be due.
    browser.jar.insert("session".into(), "alice.gold".into());
    let r = browser.send("GET", "/boom", "").await;
    assert_eq!((r.status, r.set_cookie.len()), (500, 0));

    // Scope change (the session moved to another tier): re-issued for the new scope.
    let r = browser.send("GET", "/me", "").await;
    assert_eq!(cloudfront(&r.set_cookie).len(), 4);
    assert!(verifies(&browser, "https://cdn.example.com/gold/alice/x.jpg", T0));
    assert!(!verifies(&browser, "https://cdn.example.com/u/alice/x.jpg", T0));

    // Key rotation: the app restarts with a new key; the same browser is re-issued at once.
    let new_key = SigningKey::generate(KeyKind::EcdsaP256, "KROTATED").unwrap();
    let rotated = serve(app(issuer(&clock, new_key))).await;
    browser.base = format!("http://{rotated}");
    let r = browser.send("GET", "/me", "").await;
    assert!(
        r.set_cookie.iter().any(|c| c.starts_with("CloudFront-Key-Pair-Id=KROTATED;")),
        "{:?}",
        r.set_cookie
    );
    assert!(browser.send("GET", "/me", "").await.set_cookie.is_empty());
}

#[tokio::test]
async fn garbage_cookies_get_a_normal_response() {
    let clock = ManualClock::new(T0);
    let issuer = issuer(&clock, key());
    let addr = serve(app(issuer.clone())).await;
    let big = "A".repeat(10 * 1024);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = |n: usize| -> String {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from(b' ' + (seed % 95) as u8)
            })
            .collect()
    };
    let headers = [
        format!("session=alice.u; {}", random(300)),
        format!("session=alice.u; CloudFront-Policy={}; CloudFront-Signature={}", random(200), random(40)),
        format!("session=alice.u; CloudFront-Policy={big}; CloudFront-Signature={big}; CloudFront-Key-Pair-Id={ID}"),
        format!("session=alice.u; CloudFront-Policy=not*base64; CloudFront-Signature=x; CloudFront-Key-Pair-Id={ID}"),
        "session=alice.u; CloudFront-Policy=e30_; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=KWRONG".to_owned(),
        "session=alice.u; CloudFront-Expires=-5; CloudFront-Expires=1e9; CloudFront-Signature=; CloudFront-Key-Pair-Id=".to_owned(),
    ];
    let http = reqwest::Client::new();
    for h in &headers {
        let res = http.get(format!("http://{addr}/me")).header("cookie", h).send().await.unwrap();
        assert_eq!(res.status(), 200, "{h:.60}");
        let issued = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter(|v| !v.to_str().unwrap().contains("Max-Age=0"))
            .count();
        assert_eq!(issued, 4, "{h:.60}");
        assert!(res.text().await.unwrap().contains("alice"));
    }
    assert!(issuer.counters().malformed_cookies >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_in_one_window_sign_once() {
    let clock = ManualClock::new(T0);
    let issuer = issuer(&clock, key());
    let addr = serve(app(issuer.clone())).await;
    let http = reqwest::Client::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(100));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..1000 {
        let (http, limit) = (http.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let res = http
                .get(format!("http://{addr}/me"))
                .header("cookie", format!("session=user{n}.shared"))
                .send()
                .await
                .unwrap();
            res.headers().get_all("set-cookie").iter().count()
        });
    }
    while let Some(count) = tasks.join_next().await {
        assert_eq!(count.unwrap(), 4);
    }
    let c = issuer.counters();
    assert_eq!((c.signatures_made, c.cookies_issued, c.cache_hits), (1, 1000, 999));
}

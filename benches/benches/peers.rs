//! The middleware beside the peers a user already runs: the same `GET` with the same `Cookie`
//! header — an auth cookie, a session id and a fresh CloudFront cookie set — through axum with
//!
//! 1. auth only (the baseline),
//! 2. auth + a no-op tower layer (what any layer costs),
//! 3. auth + `CloudFrontCookieLayer` (cookies fresh: nothing to sign),
//! 4. auth + tower-cookies' `CookieManagerLayer`, the handler reading one cookie,
//! 5. auth + axum-extra's `CookieJar` extractor reading one cookie,
//! 6. auth + tower-sessions' `SessionManagerLayer` (memory store), the handler reading one value.
//!
//! Interleaved rounds (every variant once per round, in a rotating order), each a loop of
//! `oneshot` requests on one thread; per variant the median of the rounds and the median of
//! its per-round difference to auth only ("added"). Printed, and written as Markdown to
//! `$PEER_BENCH_OUT` when set (`cargo xtask bench-report` sets `target/peer-bench.md`).
//! `PEER_BENCH_ROUNDS` and `PEER_BENCH_REQUESTS` change the defaults (31 × 2,000).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use cfsign::EpochSeconds;
use cfsign_issuer::{Access, Issuer, ManualClock};
use tower::{ServiceBuilder, ServiceExt};

const EC: &str = include_str!("../../crates/cfsign/tests/data/ecdsa-p256-pkcs8.pem");

/// A signed-in user as an auth layer keeps it: with what they may see on the CDN, worked out
/// once at sign-in (as `cfsign-tower`'s docs advise; a clone is one atomic increment).
#[derive(Clone)]
struct User {
    access: Access,
}

/// The auth every variant runs first: the user the `auth` cookie names, from the app's user
/// store (a map here).
async fn auth(
    axum::extract::State(users): axum::extract::State<Arc<HashMap<String, User>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let user = request
        .headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| users.get(c.trim().strip_prefix("auth=")?).cloned());
    if let Some(user) = user {
        request.extensions_mut().insert(user);
    }
    next.run(request).await
}

type Variant = (&'static str, Router);

fn variants(
    issuer: &Issuer,
    users: Arc<HashMap<String, User>>,
    session_store: tower_sessions::MemoryStore,
) -> Vec<Variant> {
    let auth = || middleware::from_fn_with_state(users.clone(), auth);
    let ok = || get(|| async { "ok" });
    let cloudfront = cfsign_tower::CloudFrontCookieLayer::new(issuer.clone(), |req: &Request| {
        req.extensions().get::<User>().map(|u| u.access.clone())
    });
    vec![
        ("auth only", Router::new().route("/", ok()).layer(ServiceBuilder::new().layer(auth()))),
        (
            "auth + no-op layer",
            Router::new()
                .route("/", ok())
                .layer(ServiceBuilder::new().layer(auth()).layer(tower::layer::layer_fn(|s| s))),
        ),
        (
            "auth + cfsign CloudFrontCookieLayer",
            Router::new().route("/", ok()).layer(ServiceBuilder::new().layer(auth()).layer(cloudfront)),
        ),
        (
            "auth + tower-cookies (read one cookie)",
            Router::new()
                .route(
                    "/",
                    get(|cookies: tower_cookies::Cookies| async move {
                        cookies.get("id").map(|c| c.value().len()).unwrap_or_default().to_string()
                    }),
                )
                .layer(ServiceBuilder::new().layer(auth()).layer(tower_cookies::CookieManagerLayer::new())),
        ),
        (
            "auth + axum-extra CookieJar (read one cookie)",
            Router::new()
                .route(
                    "/",
                    get(|jar: axum_extra::extract::CookieJar| async move {
                        jar.get("id").map(|c| c.value().len()).unwrap_or_default().to_string()
                    }),
                )
                .layer(ServiceBuilder::new().layer(auth())),
        ),
        (
            "auth + tower-sessions (read one value)",
            Router::new()
                .route(
                    "/",
                    get(|session: tower_sessions::Session| async move {
                        session.get::<String>("name").await.ok().flatten().unwrap_or_default()
                    }),
                )
                .layer(ServiceBuilder::new().layer(auth()).layer(session_layer(session_store))),
        ),
    ]
}

fn session_layer(
    store: tower_sessions::MemoryStore,
) -> tower_sessions::SessionManagerLayer<tower_sessions::MemoryStore> {
    tower_sessions::SessionManagerLayer::new(store).with_name("id").with_secure(false)
}

/// A session in the store, made through the layer itself: its `id` cookie value.
async fn session_id(store: tower_sessions::MemoryStore) -> String {
    let app = Router::new()
        .route(
            "/",
            get(|session: tower_sessions::Session| async move {
                session.insert("name", "alice").await.unwrap();
                "started"
            }),
        )
        .layer(session_layer(store));
    let response = app.oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().strip_prefix("id=").unwrap().to_owned()
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once, quickly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let (rounds, requests) =
        if quick { (1, 10) } else { (env_or("PEER_BENCH_ROUNDS", 31), env_or("PEER_BENCH_REQUESTS", 2_000)) };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let clock = ManualClock::new(EpochSeconds::new(1_767_200_000));
    let key = cfsign::rustcrypto::SigningKey::from_pem(EC, "KBENCH").unwrap();
    let issuer = Issuer::builder(Arc::new(key)).domain("example.com").clock(clock).build().unwrap();
    let alice = Access::single("https://cdn.example.com/u/alice/*", "/").unwrap();
    let cloudfront = cfsign_benches::cookie_header(&issuer, &alice);
    let users = Arc::new(HashMap::from([("alice".to_owned(), User { access: alice })]));
    let store = tower_sessions::MemoryStore::default();
    let id = rt.block_on(session_id(store.clone()));
    let cookie = format!("auth=alice; id={id}; {cloudfront}");
    let variants = variants(&issuer, users, store);

    let request = || Request::get("/").header("cookie", cookie.as_str()).body(Body::empty()).unwrap();
    // Every variant answers 200 and sets no cookie (the CloudFront set is fresh).
    for (name, router) in &variants {
        let response = rt.block_on(router.clone().oneshot(request())).unwrap();
        assert_eq!(response.status(), 200, "{name}");
        assert!(response.headers().get("set-cookie").is_none(), "{name} set a cookie");
    }

    let mut times: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let v = (round + k) % variants.len();
            let router = variants[v].1.clone();
            let elapsed = rt.block_on(async {
                let start = Instant::now();
                for _ in 0..requests {
                    let response: Result<Response, Infallible> = router.clone().oneshot(request()).await;
                    std::hint::black_box(response.unwrap());
                }
                start.elapsed()
            });
            times[v].push(elapsed.as_nanos() as f64 / requests as f64);
        }
    }

    let baseline = times[0].clone();
    let mut table = String::from(
        "| variant | ns per request (median) | added over auth only (median of per-round differences) |\n|---|---|---|\n",
    );
    for ((name, _), t) in variants.iter().zip(&times) {
        let mut added: Vec<f64> = t.iter().zip(&baseline).map(|(a, b)| a - b).collect();
        let mut t = t.clone();
        table.push_str(&format!("| {name} | {:.0} | {:+.0} |\n", median(&mut t), median(&mut added)));
    }
    let md = format!(
        "# Middleware beside its peers\n\n`GET /` through axum (`oneshot`, one thread), `Cookie: auth=…; id=…; CloudFront-Policy=…; \
         CloudFront-Signature=…; CloudFront-Key-Pair-Id=…; CloudFront-Hash-Algorithm=SHA256` ({} bytes). \
         {rounds} interleaved rounds of {requests} requests per variant.\n\n{table}",
        cookie.len()
    );
    println!("{md}");
    if let Ok(path) = std::env::var("PEER_BENCH_OUT") {
        std::fs::write(&path, &md).unwrap();
        eprintln!("wrote {path}");
    }
}

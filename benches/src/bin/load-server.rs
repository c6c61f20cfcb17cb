//! The load-test server of `cargo xtask load`. Serves three pairs of twins on their own ports,
//! the same runtime for all (one worker thread):
//!
//! - `example`: the axum example app (`examples/axum-app`: demo auth, `GET /me` as JSON) with
//!   `CloudFrontCookieLayer` and without it (auth only) — the test the issue asks for;
//! - `minimal`: a handler returning a constant string, with and without the layer — the worst
//!   case for the layer's share of a request;
//! - `noop`: the same handler with and without a layer that does nothing (`tower`'s `Identity`):
//!   what any layer added with `Router::layer` costs in axum itself, for comparison.
//!
//! Prints `<pair>-bare <addr>`, `<pair>-layered <addr>` and `<pair>-cookie <Cookie header>` for
//! each pair: cookies that are valid and fresh, so the layered path is the no-refresh path every
//! steady-state request takes.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use axum_app::{CdnOrigin, SESSION_COOKIE};
use cfsign_benches::cookie_header;
use cfsign_issuer::{Access, Issuer};

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> std::io::Result<()> {
    let key = cfsign::rustcrypto::SigningKey::from_pem(
        include_str!("../../../crates/cfsign/tests/data/ecdsa-p256-pkcs8.pem"),
        "KLOAD",
    )
    .map_err(std::io::Error::other)?;
    let issuer = Issuer::builder(Arc::new(key)).build().map_err(std::io::Error::other)?;

    let cdn = CdnOrigin("http://127.0.0.1:9".to_owned());
    let alice = axum_app::access_for(&cdn, "alice").ok_or_else(|| std::io::Error::other("no access"))?;
    let example = (
        axum_app::app_without_cookies(cdn.clone()),
        axum_app::app(issuer.clone(), cdn),
        format!("{SESSION_COOKIE}=alice; {}", cookie_header(&issuer, &alice)),
    );

    let access = Access::single("https://cdn.example.com/u/alice/*", "/").map_err(std::io::Error::other)?;
    let bare: Router = Router::new().route("/me", get(|| async { "{\"user\":\"alice\"}" }));
    let cookie = cookie_header(&issuer, &access);
    let noop = (bare.clone(), bare.clone().layer(tower::layer::util::Identity::new()), cookie.clone());
    let layered = bare
        .clone()
        .layer(cfsign_tower::CloudFrontCookieLayer::new(issuer, move |_: &axum::extract::Request| {
            Some(access.clone())
        }));
    let minimal = (bare, layered, cookie);

    let mut servers = Vec::new();
    for (name, (bare, layered, cookie)) in [("example", example), ("minimal", minimal), ("noop", noop)] {
        for (kind, router) in [("bare", bare), ("layered", layered)] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            println!("{name}-{kind} {}", listener.local_addr()?);
            servers.push(tokio::spawn(async move { axum::serve(listener, router).await }));
        }
        println!("{name}-cookie {cookie}");
    }
    for server in servers {
        server.await.map_err(std::io::Error::other)??;
    }
    Ok(())
}

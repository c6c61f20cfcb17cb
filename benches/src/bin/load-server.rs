//! The load-test server of `cargo xtask load`: `GET /me` served twice, bare on one port and
//! behind `CloudFrontCookieLayer` on another (same handler, same runtime settings). Prints
//! `bare <addr>`, `layered <addr>` and `cookie <Cookie header>` — cookies that are valid and
//! fresh, so the layered path is the no-refresh path every steady-state request takes.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use cfsign_issuer::{Access, Directive, Issuer};

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> std::io::Result<()> {
    let key = cfsign::rustcrypto::SigningKey::from_pem(
        include_str!("../../../crates/cfsign/tests/data/ecdsa-p256-pkcs8.pem"),
        "KLOAD",
    )
    .map_err(std::io::Error::other)?;
    let issuer = Issuer::builder(Arc::new(key)).build().map_err(std::io::Error::other)?;
    let access = Access::single("https://cdn.example.com/u/alice/*", "/").map_err(std::io::Error::other)?;
    let issued = issuer.decide(None, "/", None, Some(&Directive::Issue(access.clone())), 200);
    let cookie: Vec<&str> = issued.iter().filter_map(|h| h.split(';').next()).collect();

    let bare: Router = Router::new().route("/me", get(|| async { "{\"user\":\"alice\"}" }));
    let layered = bare
        .clone()
        .layer(cfsign_tower::CloudFrontCookieLayer::new(issuer, move |_: &axum::http::request::Parts| {
            Some(access.clone())
        }));
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let layered_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("bare {}", bare_listener.local_addr()?);
    println!("layered {}", layered_listener.local_addr()?);
    println!("cookie {}", cookie.join("; "));
    let a = tokio::spawn(async move { axum::serve(bare_listener, bare).await });
    let b = tokio::spawn(async move { axum::serve(layered_listener, layered).await });
    let _ = tokio::join!(a, b);
    Ok(())
}

//! The actix demo end to end over HTTP (the flow is shared with `axum-app`, in
//! `cfsign-demo-support`).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cfsign::{KeyKind, SigningKey};
use cfsign_demo_support::{CdnOrigin, flow};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

/// The app and the CDN on free ports of 127.0.0.1, with a fresh key.
fn start() -> (std::net::SocketAddr, std::net::SocketAddr) {
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KDEMO").unwrap();
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key("KDEMO", key.public_key()).unwrap());
    let issuer = Issuer::builder(Arc::new(key)).secure(false).build().unwrap();
    let app_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let cdn_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (app_addr, cdn_addr) = (app_l.local_addr().unwrap(), cdn_l.local_addr().unwrap());
    actix_app::spawn_cdn(cdn_l, trusted, None).unwrap();
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    std::thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { actix_app::serve(app_l, issuer, origin, false, None).unwrap().await })
    });
    (app_addr, cdn_addr)
}

#[tokio::test]
async fn sign_in_images_load_sign_out_refused() {
    let (app_addr, cdn_addr) = start();
    flow::sign_in_images_load_sign_out_refused(app_addr, cdn_addr).await;
}

#[tokio::test]
async fn forged_and_replayed_sessions_get_nothing() {
    let (app_addr, _) = start();
    flow::forged_and_replayed_sessions_get_nothing(app_addr).await;
}

#[tokio::test]
async fn sign_in_always_gets_a_new_session() {
    let (app_addr, _) = start();
    flow::sign_in_always_gets_a_new_session(app_addr).await;
}

//! The axum demo end to end over HTTP (the flow is shared with `actix-app`).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum_app::{CdnOrigin, app, cdn};
use cfsign::{KeyKind, SigningKey};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

async fn start() -> (SocketAddr, SocketAddr) {
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KDEMO").unwrap();
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key("KDEMO", key.public_key()).unwrap());
    let issuer = Issuer::builder(Arc::new(key)).secure(false).build().unwrap();
    let app_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cdn_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app_addr, cdn_addr) = (app_l.local_addr().unwrap(), cdn_l.local_addr().unwrap());
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    tokio::spawn(async move { axum::serve(app_l, app(issuer, origin)).await.unwrap() });
    tokio::spawn(async move {
        let svc = cdn(trusted, cfsign::EpochSeconds::now)
            .unwrap()
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(cdn_l, svc).await.unwrap()
    });
    (app_addr, cdn_addr)
}

#[path = "common/flow.rs"]
mod flow;

#[tokio::test]
async fn sign_in_images_load_sign_out_refused() {
    let (app_addr, cdn_addr) = start().await;
    flow::sign_in_images_load_sign_out_refused(app_addr, cdn_addr).await;
}

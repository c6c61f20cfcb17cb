//! The axum demo end to end over HTTP (the flow is shared with `actix-app`, in
//! `cfsign-demo-support`).
#![allow(clippy::unwrap_used)]

#[path = "common/servers.rs"]
mod servers;

use cfsign_demo_support::flow;

#[tokio::test]
async fn sign_in_images_load_sign_out_refused() {
    let (app_addr, cdn_addr) = servers::start(|app| app).await;
    flow::sign_in_images_load_sign_out_refused(app_addr, cdn_addr).await;
}

#[tokio::test]
async fn forged_and_replayed_sessions_get_nothing() {
    let (app_addr, _) = servers::start(|app| app).await;
    flow::forged_and_replayed_sessions_get_nothing(app_addr).await;
}

#[tokio::test]
async fn sign_in_always_gets_a_new_session() {
    let (app_addr, _) = servers::start(|app| app).await;
    flow::sign_in_always_gets_a_new_session(app_addr).await;
}

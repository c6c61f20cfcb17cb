//! The demo's app and CDN on free ports of 127.0.0.1, with a fresh key; `wrap` adds to the
//! app's router (e.g. `/metrics`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum_app::app;
use cfsign::{KeyKind, SigningKey};
use cfsign_demo_support::video::Video;
use cfsign_demo_support::{CdnOrigin, cdn};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

/// The app's and the CDN's addresses.
pub(crate) async fn start(wrap: impl FnOnce(Router) -> Router) -> (SocketAddr, SocketAddr) {
    start_with_video(None, wrap).await
}

/// The same, the CDN publishing `video` and answering CORS for the app's origin.
pub(crate) async fn start_with_video(
    video: Option<Video>,
    wrap: impl FnOnce(Router) -> Router,
) -> (SocketAddr, SocketAddr) {
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KDEMO").unwrap();
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key("KDEMO", key.public_key()).unwrap());
    let issuer = Issuer::builder(Arc::new(key)).secure(false).build().unwrap();
    let app_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cdn_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app_addr, cdn_addr) = (app_l.local_addr().unwrap(), cdn_l.local_addr().unwrap());
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    let app_origin = format!("http://{app_addr}");
    let cdn = cdn(trusted, cfsign::EpochSeconds::now, false, Some(&app_origin), video.as_ref()).unwrap();
    let router = wrap(app(issuer, origin, false, video));
    tokio::spawn(async move { axum::serve(app_l, router).await.unwrap() });
    tokio::spawn(async move {
        let svc = cdn.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(cdn_l, svc).await.unwrap()
    });
    (app_addr, cdn_addr)
}

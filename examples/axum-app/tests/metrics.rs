//! `GET /metrics` serves the issuer's and the gate's metrics as Prometheus text after a sign-in
//! and an image load, over real servers on 127.0.0.1. Its own test binary: the recorder is
//! global.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum_app::{CdnOrigin, app, cdn, with_metrics};
use cfsign::{KeyKind, SigningKey};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

#[tokio::test]
async fn prometheus_text_at_metrics() {
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder().unwrap();
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KDEMO").unwrap();
    let trusted = TrustedKeyGroups::from(KeyGroup::new().with_key("KDEMO", key.public_key()).unwrap());
    let issuer = Issuer::builder(Arc::new(key)).secure(false).build().unwrap();
    let app_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cdn_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app_addr, cdn_addr) = (app_l.local_addr().unwrap(), cdn_l.local_addr().unwrap());
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    tokio::spawn(async move { axum::serve(app_l, with_metrics(app(issuer, origin), handle)).await.unwrap() });
    tokio::spawn(async move {
        let svc = cdn(trusted, cfsign::EpochSeconds::now)
            .unwrap()
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(cdn_l, svc).await.unwrap()
    });

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = http
        .post(format!("http://{app_addr}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=alice")
        .send()
        .await
        .unwrap();
    let cookie: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let cookie = cookie.join("; ");
    let image = http
        .get(format!("http://{cdn_addr}/u/alice/photo-1.svg"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);
    let refused = http
        .get(format!("http://{cdn_addr}/u/bob/photo-1.svg"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let text = http.get(format!("http://{app_addr}/metrics")).send().await.unwrap().text().await.unwrap();
    for line in [
        "cfsign_cookie_sets_total{event=\"issued\"} 1",
        "cfsign_signatures_total 1",
        "cfsign_gate_requests_total{result=\"allowed\"} 1",
        "cfsign_gate_requests_total{result=\"denied\"} 1",
        "cfsign_gate_denials_total{code=\"AccessDenied\",reason=\"resource_mismatch\"} 1",
        "# HELP cfsign_cookie_sets_total CloudFront cookie sets put on responses",
        "# TYPE cfsign_signing_duration_seconds summary",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
}

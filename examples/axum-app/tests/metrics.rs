//! `GET /metrics` serves the issuer's and the gate's metrics as Prometheus text after a sign-in
//! and an image load, over real servers on 127.0.0.1. Its own test binary: the recorder is
//! global.
#![allow(clippy::unwrap_used)]

use axum_app::with_metrics;

#[path = "common/servers.rs"]
mod servers;

#[tokio::test]
async fn prometheus_text_at_metrics() {
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder().unwrap();
    let (app_addr, cdn_addr) = servers::start(|app| with_metrics(app, handle)).await;

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = http
        .post(format!("http://{app_addr}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=alice&password=alice-demo")
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

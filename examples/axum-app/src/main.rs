//! `cargo run -p axum-app -- [--app-addr 127.0.0.1:3000] [--cdn-addr 127.0.0.1:3001]
//! [--key FILE --key-pair-id ID] [--secure-cookies]`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum_app::{CdnOrigin, app, cdn, cli, with_metrics};
use cfsign_issuer::Issuer;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum-app: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let args = cli::parse()?;
    let (key, trusted) = args.keys()?;
    let issuer = Issuer::builder(Arc::new(key)).secure(args.secure).build().map_err(|e| e.to_string())?;

    let bind = |addr: SocketAddr| async move {
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("{addr}: {e}"))
    };
    let (app_listener, cdn_listener) = (bind(args.app_addr).await?, bind(args.cdn_addr).await?);
    let app_addr = app_listener.local_addr().map_err(|e| e.to_string())?;
    let cdn_addr = cdn_listener.local_addr().map_err(|e| e.to_string())?;
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    args.announce(app_addr, &origin);

    // The issuer's and the gate's metrics, as Prometheus text at /metrics on the app.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    let app_server = axum::serve(app_listener, with_metrics(app(issuer, origin, args.secure), metrics));
    let cdn_server = axum::serve(
        cdn_listener,
        cdn(trusted, cfsign::EpochSeconds::now)
            .map_err(|e| format!("cannot write the CDN's images: {e}"))?
            .into_make_service_with_connect_info::<SocketAddr>(),
    );
    tokio::select! {
        r = app_server => r.map_err(|e| e.to_string()),
        r = cdn_server => r.map_err(|e| e.to_string()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

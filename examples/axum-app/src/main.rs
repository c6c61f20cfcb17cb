//! `cargo run -p axum-app -- [--app-addr 127.0.0.1:3000] [--cdn-addr 127.0.0.1:3001]
//! [--key FILE --key-pair-id ID] [--https] [--secure-cookies] [--cookie-domain DOMAIN]
//! [--cookie-ttl SECONDS] [--video DIR --hls-js FILE]`

use std::net::SocketAddr;
use std::process::ExitCode;

use axum_app::{app, with_metrics};
use cfsign_demo_support::{cdn, cli, tls};
use cfsign_gate::Server;

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
    // The library's warnings, such as cookies that can never reach the CDN, on stderr.
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).init();
    let (key, trusted) = args.keys()?;
    let issuer = args.issuer(key)?;
    let video = args.video()?;

    let bind = |addr: SocketAddr| async move {
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("{addr}: {e}"))
    };
    let (app_listener, cdn_listener) = (bind(args.app_addr).await?, bind(args.cdn_addr).await?);
    let app_addr = app_listener.local_addr().map_err(|e| e.to_string())?;
    let cdn_addr = cdn_listener.local_addr().map_err(|e| e.to_string())?;
    let (app_url, origin) = args.origins(app_addr, cdn_addr);

    // The issuer's and the gate's metrics, as Prometheus text at /metrics on the app.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    // The CDN is published first: it copies the video's files, which the app's copy of the
    // playlists was read from.
    let cdn = cdn(
        trusted,
        cfsign::EpochSeconds::now,
        args.https,
        Some(app_url.trim_end_matches('/')),
        video.as_ref(),
    )
    .map_err(|e| format!("cannot set up the CDN: {e}"))?;
    let app = with_metrics(app(issuer, origin.clone(), args.secure_cookies(), video), metrics);

    // Every server here disconnects a client that stalls in the middle of a request head
    // (cfsign_gate::Server, 5 s).
    if args.https {
        let certificate = tls::self_signed()?;
        args.announce(&app_url, &origin, Some(&certificate.spki_sha256));
        tokio::select! {
            () = tls::serve(app_listener, certificate.clone(), app) => {}
            () = tls::serve(cdn_listener, certificate, cdn) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    } else {
        args.announce(&app_url, &origin, None);
        tokio::select! {
            () = Server::new().serve(app_listener, app) => {}
            () = Server::new().serve(cdn_listener, cdn) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    Ok(())
}

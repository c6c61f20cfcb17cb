//! `cargo run -p actix-app -- [--app-addr 127.0.0.1:3000] [--cdn-addr 127.0.0.1:3001]
//! [--key FILE --key-pair-id ID] [--https] [--secure-cookies] [--cookie-domain DOMAIN]`

use std::process::ExitCode;

use cfsign_demo_support::{cli, tls};

#[actix_web::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("actix-app: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let args = cli::parse()?;
    if args.video.is_some() {
        return Err("--video: the video page is in axum-app (cargo run -p axum-app -- --video …)".to_owned());
    }
    // The library's warnings, such as cookies that can never reach the CDN, on stderr.
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).init();
    let (key, trusted) = args.keys()?;
    let issuer = args.issuer(key)?;
    let bind = |addr| std::net::TcpListener::bind(addr).map_err(|e| format!("{addr}: {e}"));
    let (app_listener, cdn_listener) = (bind(args.app_addr)?, bind(args.cdn_addr)?);
    let app_addr = app_listener.local_addr().map_err(|e| e.to_string())?;
    let cdn_addr = cdn_listener.local_addr().map_err(|e| e.to_string())?;
    let (app_url, origin) = args.origins(app_addr, cdn_addr);
    let certificate = if args.https { Some(tls::self_signed()?) } else { None };
    args.announce(&app_url, &origin, certificate.as_ref().map(|c| c.spki_sha256.as_str()));
    actix_app::spawn_cdn(cdn_listener, trusted, certificate.clone()).map_err(|e| e.to_string())?;
    actix_app::serve(app_listener, issuer, origin, args.secure_cookies(), certificate.as_ref())
        .map_err(|e| e.to_string())?
        .await
        .map_err(|e| e.to_string())
}

//! `cargo run -p actix-app -- [--app-addr 127.0.0.1:3000] [--cdn-addr 127.0.0.1:3001]
//! [--key FILE --key-pair-id ID] [--secure-cookies]`

use std::process::ExitCode;
use std::sync::Arc;

use actix_app::demo::{CdnOrigin, cli};
use cfsign_issuer::Issuer;

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
    let (key, trusted) = args.keys()?;
    let issuer = Issuer::builder(Arc::new(key)).secure(args.secure).build().map_err(|e| e.to_string())?;
    let bind = |addr| std::net::TcpListener::bind(addr).map_err(|e| format!("{addr}: {e}"));
    let (app_listener, cdn_listener) = (bind(args.app_addr)?, bind(args.cdn_addr)?);
    let app_addr = app_listener.local_addr().map_err(|e| e.to_string())?;
    let cdn_addr = cdn_listener.local_addr().map_err(|e| e.to_string())?;
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    args.announce(app_addr, &origin);
    actix_app::spawn_cdn(cdn_listener, trusted).map_err(|e| e.to_string())?;
    actix_app::serve(app_listener, issuer, origin, args.secure)
        .map_err(|e| e.to_string())?
        .await
        .map_err(|e| e.to_string())
}

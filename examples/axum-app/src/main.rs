//! `cargo run -p axum-app -- [--app-addr 127.0.0.1:3000] [--cdn-addr 127.0.0.1:3001]
//! [--key FILE --key-pair-id ID] [--secure-cookies]`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum_app::{CdnOrigin, app, cdn};
use cfsign::{KeyKind, SigningKey};
use cfsign_issuer::Issuer;
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

const USAGE: &str =
    "usage: axum-app [--app-addr ADDR] [--cdn-addr ADDR] [--key FILE --key-pair-id ID] [--secure-cookies]

  --app-addr ADDR     where the app listens (default 127.0.0.1:3000)
  --cdn-addr ADDR     where the local CloudFront stand-in listens (default 127.0.0.1:3001)
  --key FILE          private key (PEM); default: a throwaway P-256 key generated at start
  --key-pair-id ID    its CloudFront key-pair ID (default KDEMO)
  --secure-cookies    mark the CloudFront cookies Secure (off by default: the demo serves plain HTTP)";

struct Args {
    app_addr: SocketAddr,
    cdn_addr: SocketAddr,
    key: Option<String>,
    key_pair_id: String,
    secure: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        app_addr: ([127, 0, 0, 1], 3000).into(),
        cdn_addr: ([127, 0, 0, 1], 3001).into(),
        key: None,
        key_pair_id: "KDEMO".to_owned(),
        secure: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--app-addr" => args.app_addr = value()?.parse().map_err(|e| format!("--app-addr: {e}"))?,
            "--cdn-addr" => args.cdn_addr = value()?.parse().map_err(|e| format!("--cdn-addr: {e}"))?,
            "--key" => args.key = Some(value()?),
            "--key-pair-id" => args.key_pair_id = value()?,
            "--secure-cookies" => args.secure = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

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
    let args = parse_args()?;
    let key = match &args.key {
        Some(file) => {
            let pem = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            SigningKey::from_pem(&pem, &args.key_pair_id).map_err(|e| format!("{file}: {e}"))?
        }
        None => SigningKey::generate(KeyKind::EcdsaP256, &args.key_pair_id).map_err(|e| e.to_string())?,
    };
    let trusted = TrustedKeyGroups::from(
        KeyGroup::new().with_key(&args.key_pair_id, key.public_key()).map_err(|e| e.to_string())?,
    );
    let issuer = Issuer::builder(Arc::new(key)).secure(args.secure).build().map_err(|e| e.to_string())?;

    let app_listener =
        tokio::net::TcpListener::bind(args.app_addr).await.map_err(|e| format!("{}: {e}", args.app_addr))?;
    let cdn_listener =
        tokio::net::TcpListener::bind(args.cdn_addr).await.map_err(|e| format!("{}: {e}", args.cdn_addr))?;
    let (app_addr, cdn_addr) = (
        app_listener.local_addr().map_err(|e| e.to_string())?,
        cdn_listener.local_addr().map_err(|e| e.to_string())?,
    );
    let origin = CdnOrigin(format!("http://{cdn_addr}"));
    println!("app: http://{app_addr}/");
    println!("cdn: {}/  (local CloudFront stand-in, key-pair ID {})", origin.0, args.key_pair_id);
    if !args.secure {
        println!("note: CloudFront cookies are not marked Secure because this demo serves plain HTTP");
    }

    let app_server = axum::serve(app_listener, app(issuer, origin));
    let cdn_server = axum::serve(
        cdn_listener,
        cdn(trusted, cfsign::EpochSeconds::now).into_make_service_with_connect_info::<SocketAddr>(),
    );
    tokio::select! {
        r = app_server => r.map_err(|e| e.to_string()),
        r = cdn_server => r.map_err(|e| e.to_string()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

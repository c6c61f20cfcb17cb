//! `cfsign serve`: a directory served like a CloudFront distribution with restricted viewer
//! access.

use std::process::ExitCode;

use cfsign_gate::{Gate, GateLayer, PathPattern, Server};
use serde_json::json;

use super::{Outcome, trusted};
use crate::ServeArgs;
use crate::output::{self, Stop, print};

pub(crate) fn serve(args: &ServeArgs) -> Outcome {
    if !args.dir.is_dir() {
        return Err(format!("{} is not a directory", args.dir.display()).into());
    }
    let trusted = trusted(&args.public_keys)?;
    // Patterns and domain names are checked before anything listens: a typo must not leave
    // files unprotected.
    let gate = if args.protect.is_empty() {
        Gate::new().default_protected(trusted)
    } else {
        args.protect
            .iter()
            .try_fold(Gate::new(), |g, p| g.protect(p, trusted.clone()))
            .map_err(|e| format!("--protect: {e}"))?
    };
    let gate = gate.domain_names(&args.domain_names).map_err(|e| format!("--domain-name: {e}"))?;
    let gate = gate.cors_allow_origins(&args.cors_origins).map_err(|e| format!("--cors-origin: {e}"))?;
    let protected: Vec<String> = if args.protect.is_empty() {
        vec!["*".to_owned()]
    } else {
        args.protect.iter().filter_map(|p| PathPattern::new(p).ok()).map(|p| p.to_string()).collect()
    };
    let app = axum::Router::new().fallback_service(GateLayer::new(gate).serve_dir(&args.dir));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let url = format!("http://{addr}/");
        if args.json {
            output::print_json_line(
                &json!({ "url": url, "dir": args.dir.display().to_string(), "protected": protected }),
            )?;
        } else {
            print(&format!(
                "serving {} at {url} like CloudFront; signatures required for: {}\n",
                output::field(&args.dir.display().to_string()),
                protected.join(", ")
            ))?;
        }
        let server = Server::new().header_read_timeout(args.header_read_timeout);
        tokio::select! {
            () = server.serve(listener, app) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<(), Stop>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

//! [`start_gate`]: `cfsign serve` (the gate from `cfsign-gate` in front of a directory) on
//! 127.0.0.1:0.

use std::net::SocketAddr;

use cfsign::EpochSeconds;

/// `cfsign serve` in a test: the gate (public `/public/*`, everything else protected by
/// `trusted`, time from `now`, client IP from the connection, `https://` URLs as behind a TLS
/// terminator) in front of `ServeDir(dir)`, on 127.0.0.1:0.
pub async fn start_gate(
    dir: &std::path::Path,
    trusted: cfsign_verify::TrustedKeyGroups,
    now: impl Fn() -> EpochSeconds + Send + Sync + 'static,
) -> SocketAddr {
    let gate = cfsign_gate::Gate::new().public("/public/*").unwrap().default_protected(trusted);
    start_gate_with(dir, gate, now).await
}

/// [`start_gate`] with the given behaviours and domain names.
pub async fn start_gate_with(
    dir: &std::path::Path,
    gate: cfsign_gate::Gate,
    now: impl Fn() -> EpochSeconds + Send + Sync + 'static,
) -> SocketAddr {
    // The client's address comes from axum's `ConnectInfo` (the gate's default).
    let site = cfsign_gate::GateLayer::new(gate).https().clock(now).serve_dir(dir);
    let app = axum::Router::new().fallback_service(site);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Replies go out at once (a reply's head and body are two writes; with Nagle's algorithm
    // the second waits for the client's delayed ACK on a kept-alive connection).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    addr
}

//! The demo as a user runs it — the binary, over plain HTTP and with `--https` — against
//! clients that stall in the middle of a request head or a TLS handshake: the app (actix-web)
//! answers 408 and closes, the CDN stand-in (cfsign-gate's server) closes, both after five
//! seconds instead of holding the connection forever.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/stall.rs"]
mod stall;

use std::time::Duration;

use stall::{Answer, Demo, Server, Stall};

#[test]
fn the_app_and_the_cdn_drop_clients_that_stall() {
    let plain = Demo::start(env!("CARGO_BIN_EXE_actix-app"), &[]);
    let https = Demo::start(env!("CARGO_BIN_EXE_actix-app"), &["--https"]);
    let outcomes = stall::run_all([
        (Server::App, plain.app, Stall::HalfRequestLine),
        (Server::Cdn, plain.cdn, Stall::HalfRequestLine),
        (Server::App, https.app, Stall::NoHandshake),
        (Server::Cdn, https.cdn, Stall::NoHandshake),
        (Server::App, https.app, Stall::HalfRequestOverTls("app.cfsign.test")),
        (Server::Cdn, https.cdn, Stall::HalfRequestOverTls("cdn.cfsign.test")),
    ]);
    for (server, stall, outcome) in outcomes {
        let what = format!("{server:?} {stall:?}");
        let Answer::Closed { after, said } = outcome else {
            panic!("{what}: still open after {:?}", stall::LIMIT);
        };
        stall::assert_about(after, Duration::from_secs(5), &what);
        match (server, stall) {
            // actix-web says why before it closes a connection whose request it began to read.
            (Server::App, Stall::HalfRequestLine | Stall::HalfRequestOverTls(_)) => {
                assert!(said.starts_with("HTTP/1.1 408 Request Timeout"), "{what}: {said}");
            }
            _ => assert_eq!(said, "", "{what}"),
        }
    }
}

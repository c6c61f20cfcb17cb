//! The demo as a user runs it — the binary, over plain HTTP and with `--https` — against
//! clients that stall in the middle of a request head or a TLS handshake: the app and the
//! CDN stand-in disconnect them after five seconds instead of holding the connection forever.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/stall.rs"]
mod stall;

use std::time::Duration;

use stall::{Answer, Demo, Server, Stall};

#[test]
fn the_app_and_the_cdn_drop_clients_that_stall() {
    let plain = Demo::start(env!("CARGO_BIN_EXE_axum-app"), &[]);
    let https = Demo::start(env!("CARGO_BIN_EXE_axum-app"), &["--https"]);
    let outcomes = stall::run_all([
        (Server::App, plain.app, Stall::HalfRequestLine),
        (Server::Cdn, plain.cdn, Stall::HalfRequestLine),
        (Server::App, https.app, Stall::NoHandshake),
        (Server::Cdn, https.cdn, Stall::NoHandshake),
        (Server::App, https.app, Stall::HalfRequestOverTls("app.cfsign.test")),
        (Server::Cdn, https.cdn, Stall::HalfRequestOverTls("cdn.cfsign.test")),
    ]);
    for (server, stall, outcome) in outcomes {
        match outcome {
            // hyper closes without a word.
            Answer::Closed { after, said } => {
                assert_eq!(said, "", "{server:?} {stall:?}");
                stall::assert_about(after, Duration::from_secs(5), &format!("{server:?} {stall:?}"));
            }
            Answer::StillOpen => panic!("{server:?} {stall:?}: still open after {:?}", stall::LIMIT),
        }
    }
}

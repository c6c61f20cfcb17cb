//! The demo as a user runs it — the binary, over plain HTTP and with `--https` — against
//! clients that stall in the middle of a request head or a TLS handshake: the app (actix-web)
//! answers 408 and closes, the CDN stand-in (cfsign-gate's server) closes, both after five
//! seconds instead of holding the connection forever.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

// One copy for both demos (test scaffolding, not something a user copies).
use cfsign_demo_support::stall::{self, Answer, Server, Stall};

#[test]
fn the_app_and_the_cdn_drop_clients_that_stall() {
    let outcomes = stall::stall_every_server(env!("CARGO_BIN_EXE_actix-app"));
    for (server, stall, outcome) in outcomes {
        let what = format!("{server:?} {stall:?}");
        let Answer::Closed { after, said } = outcome else {
            panic!("{what}: still open after {:?}", stall::LIMIT);
        };
        match (server, stall) {
            // actix-web times out only a connection's first request head, so the app closes
            // every connection after one response (no keep-alive): a second request cannot
            // stall.
            (Server::App, stall) if stall.follows_a_request() => {
                assert!(after < Duration::from_secs(4), "{what}: closed after {after:?}");
                assert!(said.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{what}: {said}");
            }
            // actix-web says why before it closes a connection whose request it began to read.
            (Server::App, Stall::HalfRequestLine | Stall::HalfRequestOverTls(_)) => {
                stall::assert_about(after, Duration::from_secs(5), &what);
                assert!(said.starts_with("HTTP/1.1 408 Request Timeout"), "{what}: {said}");
            }
            (_, stall) => {
                stall::assert_about(after, Duration::from_secs(5), &what);
                if stall.follows_a_request() {
                    assert_eq!(said.matches("HTTP/1.1 ").count(), 1, "{what}: {said}");
                } else {
                    assert_eq!(said, "", "{what}");
                }
            }
        }
    }
}

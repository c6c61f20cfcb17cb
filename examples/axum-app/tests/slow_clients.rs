//! The demo as a user runs it — the binary, over plain HTTP and with `--https` — against
//! clients that stall in the middle of a request head or a TLS handshake: the app and the
//! CDN stand-in disconnect them after five seconds instead of holding the connection forever.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cfsign_demo_support::stall::{self, Answer};

#[test]
fn the_app_and_the_cdn_drop_clients_that_stall() {
    let outcomes = stall::stall_every_server(env!("CARGO_BIN_EXE_axum-app"));
    for (server, stall, outcome) in outcomes {
        let what = format!("{server:?} {stall:?}");
        let Answer::Closed { after, said } = outcome else {
            panic!("{what}: still open after {:?}", stall::LIMIT);
        };
        // hyper closes without a word, five seconds after the connection became ready for a
        // request head — also after a first response, keep-alive or not.
        stall::assert_about(after, Duration::from_secs(5), &what);
        if stall.follows_a_request() {
            assert!(said.starts_with("HTTP/1.1 "), "{what}: {said}");
            assert_eq!(said.matches("HTTP/1.1 ").count(), 1, "{what}: {said}");
        } else {
            assert_eq!(said, "", "{what}");
        }
    }
}

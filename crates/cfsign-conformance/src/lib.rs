//! The conformance suite of the cfsign middleware: each scenario is written once
//! (`tests/conformance.rs`) and run against a real axum server with `cfsign-tower` and a real
//! actix-web `HttpServer` with `cfsign-actix`, both on 127.0.0.1:0, through a cookie-keeping
//! client. Both must produce the same statuses and the same `Set-Cookie` headers, byte for
//! byte (the clock is shared and ECDSA signatures are deterministic, RFC 6979).
//!
//! The two apps are the same: `GET /me`, `GET /boom` (500), `POST /login` (`user=NAME`),
//! `POST /logout`; the session is a plain `session=<user>.<tier>` cookie standing in for a real
//! auth layer. Tier `shared` and tiers `group*` are scopes shared by their users; any other tier
//! gives each user a scope of their own.
//!
//! Where things are (everything is re-exported here, the `kms` module aside):
//!
//! - `fixtures`: [`T0`], [`key`], [`FailingSigner`], [`trusted`], [`issuer`].
//! - `apps`: the two apps ([`start`]) and [`conform`], which runs a scenario against both.
//! - `browser`: [`Browser`], the cookie-keeping client; `raw`: [`raw_request`], bytes on the wire.
//! - `gate`: [`start_gate`], `cfsign serve` in front of a directory.
//! - `capture`: [`Capture`], a `tracing` subscriber; `rng`: [`Rng`], seeded input.
//! - [`kms`]: moto as a local KMS, and a proxy in front of it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

// The suite signs with the `rustcrypto` backend, named explicitly: its ECDSA is deterministic
// (RFC 6979), which makes the two frameworks' transcripts comparable byte for byte.
// `cfsign::SigningKey` is this same type whatever features are on; this crate's `aws-lc` feature
// only adds checks of `cfsign::aws_lc::SigningKey` to `tests/secrets.rs` (AWS-LC takes the same
// keys and signs RSA identically, but its ECDSA nonces are random).
pub use cfsign::rustcrypto::SigningKey;

mod apps;
mod browser;
mod capture;
mod fixtures;
mod gate;
pub mod kms;
mod raw;
mod rng;

pub use apps::{Framework, PLAYLIST, User, access, conform, start};
pub use browser::{Browser, Reply};
pub use capture::{Capture, Fields};
pub use fixtures::{FailingSigner, KEY_PAIR_ID, T0, issuer, issuer_with, key, trusted};
pub use gate::{start_gate, start_gate_with};
pub use raw::{RawReply, raw_request};
pub use rng::Rng;

//! # cfsign-gate — a local CloudFront distribution to test against
//!
//! [`GateLayer`] puts any tower service — or, with [`GateLayer::serve_dir`], a directory —
//! behind the checks of an Amazon CloudFront distribution with restricted viewer access: cache
//! behaviours by path pattern, signed URLs and signed cookies verified with `cfsign-verify`
//! against trusted key groups, CloudFront's 403 XML on denial, the signing parameters stripped
//! before the origin sees the request. `cfsign serve` is this crate on the command line.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! # let public = include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem");
//! use cfsign_gate::{Gate, GateLayer, Server};
//! use cfsign_verify::{KeyGroup, TrustedKeyGroups};
//!
//! let trusted = TrustedKeyGroups::from(KeyGroup::new().with_pem("K2JCJMDEHXQW5F", public)?);
//! let gate = Gate::new()
//!     .protect("/private/*", trusted)?
//!     .public("public/*")? // the leading '/' is optional, as at CloudFront
//!     .domain_names(["cdn.example.com", "127.0.0.1"])?;
//! let site = axum::Router::new().fallback_service(GateLayer::new(gate).serve_dir("./site"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! // HTTP/1.1, the client's address (for policies with an IP condition) in every request,
//! // and a client that stalls in the middle of a request disconnected after 5 s.
//! Server::new().serve(listener, site).await;
//! # Ok(()) }
//! ```
//!
//! Every request first has to name one resource unambiguously: its `Host` (or absolute-form
//! authority) must be a valid `host[:port]` and its path must be in normal form
//! ([`RequestUrl`]); otherwise the gate answers `400 Bad Request` and nothing else happens.
//! That way the path the behaviours match and the signature is checked against is exactly the
//! path the inner service acts on, whatever decoding the inner service does. With
//! [`Gate::domain_names`], requests for any other host get CloudFront's 403. The rules, and
//! what they rely on about CloudFront, are in `docs/verifying.md`.
//!
//! Requests are then matched against ordered [`PathPattern`]s, like CloudFront cache
//! behaviours; the first match decides. A protected behaviour verifies the signed URL or
//! cookies against up to four trusted key groups: on denial it answers 403 with CloudFront's
//! XML body (`Content-Type: text/xml`), on success it calls the inner service with the URL
//! CloudFront forwards (the signing parameters gone).
//!
//! With [`Gate::cors_allow_origins`], the gate answers CORS as a CloudFront response headers
//! policy that allows credentials: the exact allowed origin echoed with
//! `Access-Control-Allow-Credentials: true`, preflights only after the behaviour's checks
//! (`docs/cloudfront-format.md §12`). [`serve_dir`] serves HLS and DASH files with the media
//! types players expect, byte ranges (206, 416) behind the same checks, and nothing reached
//! through a symbolic link.
//!
//! Features (both default): `axum` — the default client-IP lookup also reads axum's
//! `ConnectInfo<SocketAddr>`; `server` — [`Server`], HTTP/1.1 on a Tokio listener that
//! disconnects clients too slow to send a request head ([`server`] module).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod body;
mod config;
mod cors;
mod domain;
mod fs;
mod future;
mod gate;
mod layer;
mod metrics;
mod pattern;
#[cfg(feature = "server")]
pub mod server;
mod service;

pub use body::GateBody;
pub use cfsign_verify::target::{BadRequest, RequestUrl};
pub use cors::InvalidCorsOrigin;
pub use domain::InvalidDomainName;
pub use fs::{ServeDirectory, serve_dir};
pub use future::GateFuture;
pub use gate::Gate;
pub use layer::GateLayer;
pub use pattern::{InvalidPathPattern, PathPattern};
#[cfg(feature = "server")]
pub use server::Server;
pub use service::GateService;

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

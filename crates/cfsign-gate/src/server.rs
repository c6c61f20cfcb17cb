//! Serving a gate — or any tower service — on a socket, the way a server that faces strangers
//! must (feature `server`, on by default).
//!
//! `axum::serve` waits for a request head as long as the client cares to take: a client that
//! sends half a request line and nothing more holds its connection, a task and a file
//! descriptor open for good, and a few thousand of them exhaust the server. [`Server`] gives
//! every connection [`Server::header_read_timeout`] to send each request head (default
//! [`Server::DEFAULT_HEADER_READ_TIMEOUT`]): a client that takes longer is disconnected. The
//! same limit holds for a connection idle between two requests (a keep-alive timeout) and, with
//! [`Server::serve_with`], for a TLS handshake. Bodies are not limited: a large download
//! takes as long as it takes.
//!
//! Each connection runs in its own task (a slow client holds up only itself), over HTTP/1.1
//! with keep-alive, and every request carries the client's address as axum's
//! `ConnectInfo<SocketAddr>`, where [`GateLayer`](crate::GateLayer)'s default client-IP lookup
//! finds it.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! # let public = include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem");
//! use std::time::Duration;
//! use cfsign_gate::{Gate, GateLayer, Server};
//! use cfsign_verify::{KeyGroup, TrustedKeyGroups};
//!
//! let trusted = TrustedKeyGroups::from(KeyGroup::new().with_pem("K2JCJMDEHXQW5F", public)?);
//! let gate = Gate::new().protect("/private/*", trusted)?;
//! let site = axum::Router::new().fallback_service(GateLayer::new(gate).serve_dir("./site"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! Server::new().header_read_timeout(Duration::from_secs(10)).serve(listener, site).await;
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::extract::ConnectInfo;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

/// An HTTP/1.1 server with a deadline for every request head (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Server {
    header_read_timeout: Duration,
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

impl Server {
    /// Five seconds: ample for any client on a working network (a request head is one packet),
    /// short enough that idle and stalled connections do not pile up.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

    /// A server with the [default](Self::DEFAULT_HEADER_READ_TIMEOUT) header-read timeout.
    pub const fn new() -> Self {
        Server { header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT }
    }

    /// The longest header-read timeout: a day. A longer one is taken as a day (the clock
    /// could not add an arbitrary duration to now without overflowing).
    pub const MAX_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

    /// How long a client may take to send a request head — from the moment the connection
    /// is ready for one (accepted, or done with the previous response) to the blank line that
    /// ends the head — and to complete a TLS handshake; at most
    /// [`MAX_HEADER_READ_TIMEOUT`](Self::MAX_HEADER_READ_TIMEOUT). (Zero gives no client any
    /// time at all.)
    pub const fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = if timeout.as_secs() > Self::MAX_HEADER_READ_TIMEOUT.as_secs() {
            Self::MAX_HEADER_READ_TIMEOUT
        } else {
            timeout
        };
        self
    }

    /// Serves `service` over plain HTTP on `listener` until the returned future is dropped.
    pub async fn serve<S, B>(self, listener: TcpListener, service: S)
    where
        S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Clone + Send + 'static,
        S::Future: Send + 'static,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.serve_with(listener, |tcp| std::future::ready(Ok(tcp)), service).await;
    }

    /// Serves `service` on `listener` over the stream `accept` makes of each TCP connection —
    /// a TLS session, say (`tokio_rustls::TlsAcceptor::accept`) — until the returned future is
    /// dropped. `accept` runs in the connection's own task and must finish within the
    /// header-read timeout; a connection it fails is closed.
    pub async fn serve_with<A, F, I, S, B>(self, listener: TcpListener, accept: A, service: S)
    where
        A: Fn(TcpStream) -> F + Clone + Send + 'static,
        F: Future<Output = std::io::Result<I>> + Send,
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Clone + Send + 'static,
        S::Future: Send + 'static,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: back off, as `axum::serve` does,
                // rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let (accept, service) = (accept.clone(), service.clone());
            tokio::spawn(async move {
                let Ok(Ok(stream)) = tokio::time::timeout(self.header_read_timeout, accept(tcp)).await else {
                    return;
                };
                let per_request = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let mut service = service.clone();
                    async move {
                        std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
                        service.call(request).await
                    }
                });
                // A client that goes away, or is timed out, ends its connection; nothing to
                // report.
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(self.header_read_timeout)
                    .serve_connection(TokioIo::new(stream), per_request)
                    .await;
            });
        }
    }
}

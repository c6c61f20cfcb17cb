//! [`GateLayer`]: a [`Gate`] and how to read requests for it, as a tower layer.

use std::net::IpAddr;
use std::sync::Arc;

use cfsign::EpochSeconds;
use tower_layer::Layer;

use crate::config::{Config, connection_ip};
use crate::fs::{ServeDirectory, serve_dir};
use crate::gate::Gate;
use crate::metrics;
use crate::service::GateService;

/// The layer; see the [crate docs](crate).
#[derive(Clone)]
#[must_use]
pub struct GateLayer {
    config: Arc<Config>,
}

impl std::fmt::Debug for GateLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateLayer")
            .field("gate", &self.config.gate)
            .field("scheme", &self.config.scheme)
            .finish()
    }
}

impl GateLayer {
    /// A gate with the given behaviours; the request URL's scheme is `http`, the client IP is
    /// the connection's — axum's `ConnectInfo<SocketAddr>` (feature `axum`, on by default) or
    /// a `SocketAddr` request extension — the clock is the system's.
    pub fn new(gate: Gate) -> Self {
        metrics::describe();
        GateLayer {
            config: Arc::new(Config {
                gate,
                scheme: "http",
                client_ip: Arc::new(connection_ip),
                forwarded_header: None,
                now: Arc::new(EpochSeconds::now),
            }),
        }
    }

    /// This gate in front of the directory `dir` (see [`serve_dir`]): a local distribution
    /// whose origin is a folder of files, as `cfsign serve` runs it.
    pub fn serve_dir(self, dir: impl AsRef<std::path::Path>) -> GateService<ServeDirectory> {
        self.layer(serve_dir(dir))
    }

    fn config(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// The scheme of the URL CloudFront would see: `https` behind a TLS-terminating proxy.
    pub fn https(self) -> Self {
        self.config(|c| c.scheme = "https")
    }

    /// How to find the client's IP address, when not from the connection (see [`new`](Self::new)).
    pub fn client_ip_from(
        self,
        f: impl Fn(&http::request::Parts) -> Option<IpAddr> + Send + Sync + 'static,
    ) -> Self {
        self.config(|c| c.client_ip = Arc::new(f))
    }

    /// Take the client IP from the last address in this header (e.g. `x-forwarded-for`), as
    /// appended by a proxy you trust. Only when such a proxy is always in front: clients can
    /// send the header themselves.
    pub fn trust_forwarded_header(self, name: http::HeaderName) -> Self {
        self.config(|c| c.forwarded_header = Some(name))
    }

    /// The clock expiry is judged with (tests).
    pub fn clock(self, now: impl Fn() -> EpochSeconds + Send + Sync + 'static) -> Self {
        self.config(|c| c.now = Arc::new(now))
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GateService { inner, config: self.config.clone() }
    }
}

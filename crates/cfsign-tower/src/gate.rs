//! [`GateLayer`]: a local stand-in for a CloudFront distribution with restricted viewer
//! access, in front of any service (for example tower-http's `ServeDir`).
//!
//! Requests are matched against ordered path patterns, like CloudFront cache behaviours; the
//! first match decides. A protected behaviour verifies the signed URL or cookies with
//! `cfsign-verify` against up to four trusted key groups: on denial it answers 403 with
//! CloudFront's XML body (`Content-Type: text/xml`), on success it strips the signing
//! parameters from the query and calls the inner service.
//!
//! ```
//! # let public = include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem");
//! use cfsign_tower::gate::{Gate, GateLayer};
//! use cfsign_verify::{KeyGroup, TrustedKeyGroups};
//!
//! let trusted = TrustedKeyGroups::from(KeyGroup::new().with_pem("K2JCJMDEHXQW5F", public)?);
//! let gate = Gate::new().protect("/private/*", trusted.clone()).public("/public/*").default_protected(trusted);
//! let layer = GateLayer::new(gate).client_ip_from(|parts: &http::request::Parts| {
//!     // e.g. axum's ConnectInfo<SocketAddr>
//!     parts.extensions.get::<std::net::SocketAddr>().map(|a| a.ip())
//! });
//! # let _ = layer;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use cfsign::EpochSeconds;
use cfsign_verify::{Denial, TrustedKeyGroups};
use http::header::{CONTENT_TYPE, COOKIE, HOST};
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use tower_layer::Layer;
use tower_service::Service;

/// Ordered behaviours: path pattern → public or protected by trusted key groups.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Gate {
    behaviours: Vec<(String, Option<Arc<TrustedKeyGroups>>)>,
    default: Option<Arc<TrustedKeyGroups>>,
}

impl Gate {
    /// No behaviours; the default behaviour is public until set otherwise.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests whose path matches `pattern` (`*` any run, `?` one character, case-sensitive,
    /// e.g. `/images/*.jpg`) need a valid signature from `trusted`.
    pub fn protect(mut self, pattern: impl Into<String>, trusted: TrustedKeyGroups) -> Self {
        self.behaviours.push((pattern.into(), Some(Arc::new(trusted))));
        self
    }

    /// Requests whose path matches `pattern` are served without a signature.
    pub fn public(mut self, pattern: impl Into<String>) -> Self {
        self.behaviours.push((pattern.into(), None));
        self
    }

    /// Paths no behaviour matches need a valid signature from `trusted`.
    pub fn default_protected(mut self, trusted: TrustedKeyGroups) -> Self {
        self.default = Some(Arc::new(trusted));
        self
    }

    /// The key groups guarding `path`, or `None` when it is public.
    #[must_use]
    pub fn behaviour_for(&self, path: &str) -> Option<&TrustedKeyGroups> {
        self.behaviours
            .iter()
            .find(|(pattern, _)| cfsign::policy::wildcard_match(pattern, path))
            .map_or(self.default.as_deref(), |(_, t)| t.as_deref())
    }
}

type ClientIpFn = Arc<dyn Fn(&http::request::Parts) -> Option<IpAddr> + Send + Sync>;
type ClockFn = Arc<dyn Fn() -> EpochSeconds + Send + Sync>;

#[derive(Clone)]
struct Config {
    gate: Gate,
    scheme: &'static str,
    client_ip: ClientIpFn,
    forwarded_header: Option<http::HeaderName>,
    now: ClockFn,
}

/// The layer; see the [module docs](self).
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
    /// read from a `SocketAddr` request extension, the clock is the system's.
    pub fn new(gate: Gate) -> Self {
        GateLayer {
            config: Arc::new(Config {
                gate,
                scheme: "http",
                client_ip: Arc::new(|parts| {
                    parts.extensions.get::<std::net::SocketAddr>().map(std::net::SocketAddr::ip)
                }),
                forwarded_header: None,
                now: Arc::new(EpochSeconds::now),
            }),
        }
    }

    fn config(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(Arc::make_mut(&mut self.config));
        self
    }

    /// The scheme of the URL CloudFront would see: `https` behind a TLS-terminating proxy.
    pub fn https(self) -> Self {
        self.config(|c| c.scheme = "https")
    }

    /// How to find the client's IP address (e.g. axum's `ConnectInfo<SocketAddr>`).
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

/// The service [`GateLayer`] wraps around yours.
#[derive(Clone)]
pub struct GateService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> std::fmt::Debug for GateService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateService").field("gate", &self.config.gate).finish_non_exhaustive()
    }
}

impl Config {
    fn client_ip(&self, parts: &http::request::Parts) -> IpAddr {
        let forwarded = self.forwarded_header.as_ref().and_then(|name| {
            let last = parts.headers.get_all(name).iter().next_back()?;
            last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
        });
        // Unknown: an address no IP condition can match.
        forwarded.or_else(|| (self.client_ip)(parts)).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    /// Verifies a protected request; on success returns the URI without signing parameters.
    fn check(&self, trusted: &TrustedKeyGroups, parts: &http::request::Parts) -> Result<Option<Uri>, Denial> {
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(http::uri::Authority::as_str))
            .unwrap_or("");
        let target = parts.uri.path_and_query().map_or("/", http::uri::PathAndQuery::as_str);
        let url = format!("{}://{host}{target}", self.scheme);
        let cookies: Vec<&[u8]> = parts.headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes).collect();
        let cookies = cookies.join(&b"; "[..]);
        let request =
            cfsign_verify::Request::new(&url, self.client_ip(parts), (self.now)()).cookie_header(&cookies);
        trusted.verify(&request)?;
        let stripped = cfsign_verify::strip_signing_parameters(target);
        if stripped.len() == target.len() {
            return Ok(None);
        }
        let mut uri = http::uri::Parts::from(parts.uri.clone());
        uri.path_and_query = stripped.parse().ok();
        Ok(Uri::from_parts(uri).ok())
    }
}

fn denied<B>(denial: &Denial) -> Response<GateBody<B>> {
    let mut response = Response::new(GateBody::Denied { body: Some(Bytes::from(denial.xml_body())) });
    *response.status_mut() = StatusCode::FORBIDDEN;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(Denial::CONTENT_TYPE));
    response
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for GateService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<GateBody<ResBody>>;
    type Error = S::Error;
    type Future = GateFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        if let Some(trusted) = self.config.gate.behaviour_for(parts.uri.path()) {
            match self.config.check(trusted, &parts) {
                Ok(Some(stripped)) => parts.uri = stripped,
                Ok(None) => {}
                Err(denial) => return GateFuture::Denied { response: Some(denied(&denial)) },
            }
        }
        GateFuture::Inner { future: self.inner.call(Request::from_parts(parts, body)) }
    }
}

pub use types::{GateBody, GateFuture};

// pin-project-lite cannot document the fields of enum variants; the variants are documented.
#[allow(missing_docs)]
mod types {
    use super::*;

    pin_project_lite::pin_project! {
        /// Response future of [`GateService`].
        #[project = GateFutureProj]
        pub enum GateFuture<F, B> {
            /// Passed to the inner service.
            Inner { #[pin] future: F },
            /// Refused with CloudFront's 403 (until returned).
            Denied { response: Option<Response<GateBody<B>>> },
        }
    }

    impl<F, B, E> std::future::Future for GateFuture<F, B>
    where
        F: std::future::Future<Output = Result<Response<B>, E>>,
    {
        type Output = Result<Response<GateBody<B>>, E>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            match self.project() {
                GateFutureProj::Inner { future } => {
                    future.poll(cx).map_ok(|r| r.map(|body| GateBody::Inner { body }))
                }
                GateFutureProj::Denied { response } => match response.take() {
                    Some(r) => Poll::Ready(Ok(r)),
                    None => Poll::Pending,
                },
            }
        }
    }

    pin_project_lite::pin_project! {
        /// The inner service's body, or CloudFront's 403 XML.
        #[project = GateBodyProj]
        pub enum GateBody<B> {
            /// The inner service's body.
            Inner { #[pin] body: B },
            /// CloudFront's XML (until sent).
            Denied { body: Option<Bytes> },
        }
    }

    impl<B> http_body::Body for GateBody<B>
    where
        B: http_body::Body<Data = Bytes>,
    {
        type Data = Bytes;
        type Error = B::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            match self.project() {
                GateBodyProj::Inner { body } => body.poll_frame(cx),
                GateBodyProj::Denied { body } => {
                    Poll::Ready(body.take().map(|b| Ok(http_body::Frame::data(b))))
                }
            }
        }

        fn is_end_stream(&self) -> bool {
            match self {
                GateBody::Inner { body } => body.is_end_stream(),
                GateBody::Denied { body } => body.is_none(),
            }
        }

        fn size_hint(&self) -> http_body::SizeHint {
            match self {
                GateBody::Inner { body } => body.size_hint(),
                GateBody::Denied { body } => {
                    http_body::SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
                }
            }
        }
    }
}

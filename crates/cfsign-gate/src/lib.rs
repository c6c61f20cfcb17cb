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
//! Features (both default): `axum` — the default client-IP lookup also reads axum's
//! `ConnectInfo<SocketAddr>`; `server` — [`Server`], HTTP/1.1 on a Tokio listener that
//! disconnects clients too slow to send a request head ([`server`] module).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use cfsign::EpochSeconds;
pub use cfsign_verify::target::{BadRequest, RequestUrl};
use cfsign_verify::{Denial, TrustedKeyGroups};
use http::header::{CONTENT_TYPE, COOKIE, HOST};
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use tower_layer::Layer;
use tower_service::Service;

#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub use server::Server;

/// A cache behaviour's path pattern, as CloudFront takes it: `*` matches any run of
/// characters, `?` exactly one, everything else itself, case-sensitively. The leading `/` is
/// optional (`images/*` and `/images/*` are the same pattern, as at CloudFront).
///
/// Patterns hold only the characters CloudFront allows in them — `A-Z a-z 0-9 _ - . * ? $ / ~
/// " ' @ : + &` — and at most 255 of them. They are matched against the request's path
/// decoded (the path the origin opens), so a pattern names files as they are called: other
/// characters of a path (a space, `é`, `%`, `!`) can only be matched by `?` (one character)
/// or `*`.
///
/// ```
/// use cfsign_gate::PathPattern;
///
/// let pattern: PathPattern = "images/*.jpg".parse()?;
/// assert_eq!(pattern.as_str(), "/images/*.jpg");
/// assert!(pattern.matches("/images/a/b.jpg"));
/// assert!(PathPattern::new("/sp?ce/*")?.matches("/sp%20ce/x")); // the decoded path: "/sp ce/x"
/// assert!("/images/%2A".parse::<PathPattern>().unwrap_err().to_string().contains("'%'"));
/// # Ok::<(), cfsign_gate::InvalidPathPattern>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathPattern {
    /// With its leading `/`.
    pattern: String,
}

/// CloudFront's limit on a path pattern's length.
const MAX_PATTERN_LEN: usize = 255;

impl PathPattern {
    /// Checks `pattern` and adds the leading `/` if it has none.
    ///
    /// # Errors
    /// [`InvalidPathPattern`] for an empty or too long pattern, a character CloudFront does
    /// not allow in path patterns (the error says which and where), or an empty, `.` or `..`
    /// segment, which no request path the gate accepts can have.
    pub fn new(pattern: &str) -> Result<Self, InvalidPathPattern> {
        let invalid = |why| InvalidPathPattern { pattern: pattern.to_owned(), why };
        if pattern.is_empty() {
            return Err(invalid(PatternProblem::Empty));
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(invalid(PatternProblem::TooLong { len: pattern.len() }));
        }
        if let Some((at, c)) = pattern.char_indices().find(|&(_, c)| !is_pattern_char(c)) {
            return Err(invalid(PatternProblem::Character { at, c }));
        }
        let pattern = if pattern.starts_with('/') { pattern.to_owned() } else { format!("/{pattern}") };
        let segments: Vec<&str> = pattern[1..].split('/').collect();
        let last = segments.len() - 1;
        if segments.iter().enumerate().any(|(i, s)| matches!(*s, "." | "..") || (s.is_empty() && i != last)) {
            return Err(invalid(PatternProblem::NeverMatches));
        }
        Ok(PathPattern { pattern })
    }

    /// Whether a path in normal form (e.g. [`RequestUrl::path`]) matches.
    #[must_use]
    pub fn matches(&self, path: &str) -> bool {
        self.matches_decoded(&MatchablePath::of(path))
    }

    fn matches_decoded(&self, path: &MatchablePath) -> bool {
        cfsign::policy::wildcard_match(&self.pattern, &path.0)
    }

    /// The pattern as matched, with its leading `/`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

/// `A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &`: the characters CloudFront takes in path patterns.
fn is_pattern_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.*?$/~\"'@:+&".contains(c)
}

/// A path as patterns see it: percent-decoded, with every character a pattern cannot name
/// written as one placeholder that no pattern holds — so `?` stands for one character of the
/// file's name, whatever its encoding took on the wire.
struct MatchablePath(String);

impl MatchablePath {
    fn of(normal_form: &str) -> Self {
        let decoded = cfsign::wire::percent_decode(normal_form.as_bytes());
        let text = String::from_utf8_lossy(&decoded)
            .chars()
            .map(|c| if is_pattern_char(c) && c != '*' && c != '?' { c } else { '\u{1}' })
            .collect();
        MatchablePath(text)
    }
}

impl std::str::FromStr for PathPattern {
    type Err = InvalidPathPattern;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PathPattern::new(s)
    }
}

impl std::fmt::Display for PathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.pattern)
    }
}

/// A path pattern CloudFront would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPathPattern {
    pattern: String,
    why: PatternProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatternProblem {
    Empty,
    TooLong { len: usize },
    Character { at: usize, c: char },
    NeverMatches,
}

impl std::fmt::Display for InvalidPathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pattern = &self.pattern;
        match self.why {
            PatternProblem::Empty => f.write_str("a path pattern cannot be empty (use '*' for every path)"),
            PatternProblem::TooLong { len } => write!(
                f,
                "path pattern '{pattern}' has {len} characters; CloudFront allows at most {MAX_PATTERN_LEN}"
            ),
            PatternProblem::Character { at, c } => write!(
                f,
                "path pattern '{pattern}' holds {c:?} at {at}, which CloudFront does not allow in path patterns \
                 (allowed: A-Z a-z 0-9 _ - . * ? $ / ~ \" ' @ : + &; match other characters of a file name \
                 with '?' for one character or '*')"
            ),
            PatternProblem::NeverMatches => write!(
                f,
                "path pattern '{pattern}' has an empty, '.' or '..' segment, which no request path the gate \
                 accepts has: it would never match"
            ),
        }
    }
}

impl std::error::Error for InvalidPathPattern {}

/// A distribution's domain name (its own or an alternate one) was not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDomainName {
    name: String,
}

impl std::fmt::Display for InvalidDomainName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is not a domain name a distribution can serve: use a DNS name such as \
             cdn.example.com, a wildcard such as *.example.com, or an IP address (IPv6 in brackets: [::1])",
            self.name
        )
    }
}

impl std::error::Error for InvalidDomainName {}

/// A domain name, lowercased; `*.parent` covers exactly one more label.
fn domain_name(name: &str) -> Result<String, InvalidDomainName> {
    let lower = name.to_ascii_lowercase();
    let labels = lower.strip_prefix("*.").unwrap_or(&lower);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let ipv6 = labels
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok() && labels == lower);
    if ipv6 || (labels.len() <= 253 && labels.split('.').all(label_ok)) {
        Ok(lower)
    } else {
        Err(InvalidDomainName { name: name.to_owned() })
    }
}

/// Ordered behaviours (path pattern → public or protected by trusted key groups), and the
/// domain names the distribution serves.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Gate {
    behaviours: Vec<(PathPattern, Option<Arc<TrustedKeyGroups>>)>,
    default: Option<Arc<TrustedKeyGroups>>,
    domain_names: Vec<String>,
}

impl Gate {
    /// No behaviours; the default behaviour is public until set otherwise; every host is
    /// served.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests whose path matches `pattern` (a [`PathPattern`], e.g. `/images/*.jpg`) need a
    /// valid signature from `trusted`.
    ///
    /// # Errors
    /// [`InvalidPathPattern`] for a pattern CloudFront would refuse.
    pub fn protect(mut self, pattern: &str, trusted: TrustedKeyGroups) -> Result<Self, InvalidPathPattern> {
        self.behaviours.push((PathPattern::new(pattern)?, Some(Arc::new(trusted))));
        Ok(self)
    }

    /// Requests whose path matches `pattern` are served without a signature.
    ///
    /// # Errors
    /// [`InvalidPathPattern`] for a pattern CloudFront would refuse.
    pub fn public(mut self, pattern: &str) -> Result<Self, InvalidPathPattern> {
        self.behaviours.push((PathPattern::new(pattern)?, None));
        Ok(self)
    }

    /// Paths no behaviour matches need a valid signature from `trusted`.
    pub fn default_protected(mut self, trusted: TrustedKeyGroups) -> Self {
        self.default = Some(Arc::new(trusted));
        self
    }

    /// The distribution's domain names — its own (`d111111abcdef8.cloudfront.net`) and its
    /// alternate ones (`cdn.example.com`, `*.example.com`), or an IP address for local use.
    /// Like CloudFront, the gate then answers requests for any other host with 403 before
    /// any behaviour sees them. Ports are not compared. Without this call, every valid host is
    /// served (the URL a signature is checked against still carries the request's host).
    ///
    /// # Errors
    /// [`InvalidDomainName`] for a name that is neither a DNS name, a `*.` wildcard nor an IP
    /// address.
    pub fn domain_names<I, N>(mut self, names: I) -> Result<Self, InvalidDomainName>
    where
        I: IntoIterator<Item = N>,
        N: AsRef<str>,
    {
        for name in names {
            self.domain_names.push(domain_name(name.as_ref())?);
        }
        Ok(self)
    }

    /// Whether the distribution serves `host` (lowercase, without port, as
    /// [`RequestUrl::host`] gives it).
    #[must_use]
    pub fn serves_host(&self, host: &str) -> bool {
        self.domain_names.is_empty()
            || self.domain_names.iter().any(|name| match name.strip_prefix("*.") {
                Some(parent) => host
                    .strip_suffix(parent)
                    .and_then(|sub| sub.strip_suffix('.'))
                    .is_some_and(|label| !label.is_empty() && !label.contains('.')),
                None => name == host,
            })
    }

    /// The key groups guarding `path` (in normal form, see [`RequestUrl`]), or `None` when it
    /// is public.
    #[must_use]
    pub fn behaviour_for(&self, path: &str) -> Option<&TrustedKeyGroups> {
        let path = MatchablePath::of(path);
        self.behaviours
            .iter()
            .find(|(pattern, _)| pattern.matches_decoded(&path))
            .map_or(self.default.as_deref(), |(_, t)| t.as_deref())
    }
}

/// The connection's address: axum's `ConnectInfo<SocketAddr>`, or a `SocketAddr` extension.
fn connection_ip(parts: &http::request::Parts) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(addr)) =
        parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        return Some(addr.ip());
    }
    parts.extensions.get::<std::net::SocketAddr>().map(std::net::SocketAddr::ip)
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

    /// The URL the request names, from a valid authority and a target in normal form.
    fn request_url(&self, parts: &http::request::Parts) -> Result<RequestUrl, BadRequest> {
        let mut hosts = parts.headers.get_all(HOST).iter();
        let host = hosts.next().map(HeaderValue::as_bytes);
        if hosts.next().is_some() {
            return Err(BadRequest::DuplicateHost);
        }
        // Absolute form (and HTTP/2, whose `:authority` hyper puts in the URI): the URI as
        // sent; origin form: the path and query as sent.
        match parts.uri.authority() {
            Some(_) => RequestUrl::new(self.scheme, host, parts.uri.to_string().as_bytes()),
            None => RequestUrl::new(
                self.scheme,
                host,
                parts.uri.path_and_query().map_or("", http::uri::PathAndQuery::as_str).as_bytes(),
            ),
        }
    }

    /// Verifies a protected request for `url`; on success returns the URI CloudFront forwards
    /// (without the signing parameters) when it differs from the one sent.
    fn check(
        &self,
        trusted: &TrustedKeyGroups,
        parts: &http::request::Parts,
        url: &RequestUrl,
    ) -> Result<Option<Uri>, Denial> {
        let cookies = cfsign::wire::join_cookie_headers(
            parts.headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes),
        );
        let request = cfsign_verify::Request::new(url.as_str(), self.client_ip(parts), (self.now)())
            .cookie_header(&cookies);
        let grant = trusted.verify(&request)?;
        if grant.forwarded_url() == url.as_str() {
            return Ok(None);
        }
        // Stripping changes only the query: the forwarded URL keeps the scheme and authority.
        let prefix = url.as_str().len() - url.path_and_query().len();
        let mut uri = http::uri::Parts::from(parts.uri.clone());
        uri.path_and_query = grant.forwarded_url().get(prefix..).and_then(|t| t.parse().ok());
        Ok(Uri::from_parts(uri).ok())
    }
}

/// The gate's requests through the `metrics` facade (feature `metrics`; a no-op without it or
/// without a recorder). Labels are bounded: an outcome, a CloudFront code and a reason kind —
/// never a URL, a host, a user or a key-pair ID from the request.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
mod metrics {
    use cfsign_verify::Denial;

    /// `cfsign_gate_requests_total{result}`.
    pub(crate) const REQUESTS: &str = "cfsign_gate_requests_total";
    /// `cfsign_gate_denials_total{code, reason}`.
    pub(crate) const DENIALS: &str = "cfsign_gate_denials_total";

    pub(crate) enum Outcome<'a> {
        /// A protected behaviour, and the request's signature verified.
        Allowed,
        /// A protected behaviour, refused with CloudFront's 403.
        Denied(&'a Denial),
        /// A behaviour without restricted viewer access.
        Public,
        /// A target or `Host` not in normal form: 400.
        BadRequest,
        /// A host the distribution does not serve: 403.
        UnknownHost,
    }

    #[cfg_attr(not(feature = "metrics"), allow(clippy::needless_pass_by_value))]
    pub(crate) fn request(_outcome: Outcome<'_>) {
        #[cfg(feature = "metrics")]
        {
            let result = match &_outcome {
                Outcome::Allowed => "allowed",
                Outcome::Denied(_) => "denied",
                Outcome::Public => "public",
                Outcome::BadRequest => "bad_request",
                Outcome::UnknownHost => "unknown_host",
            };
            ::metrics::counter!(REQUESTS, "result" => result).increment(1);
            if let Outcome::Denied(denial) = _outcome {
                let labels = [("code", denial.code().as_str()), ("reason", denial.reason().kind())];
                ::metrics::counter!(DENIALS, &labels).increment(1);
            }
        }
    }

    /// Describes the metrics to the installed recorder; called when a gate is built.
    pub(crate) fn describe() {
        #[cfg(feature = "metrics")]
        {
            ::metrics::describe_counter!(
                REQUESTS,
                "Requests through the gate by result: allowed, denied (CloudFront's 403), public (no restricted viewer access), bad_request, unknown_host"
            );
            ::metrics::describe_counter!(
                DENIALS,
                "Denied requests by CloudFront code (AccessDenied, MissingKey, ...) and reason (expired, bad_signature, resource_mismatch, ip_not_allowed, unknown_key_pair_id, ...)"
            );
        }
    }
}

fn denied<B>(denial: &Denial) -> Response<GateBody<B>> {
    refused(StatusCode::FORBIDDEN, Denial::CONTENT_TYPE, denial.xml_body())
}

fn refused<B>(status: StatusCode, content_type: &'static str, body: String) -> Response<GateBody<B>> {
    let mut response = Response::new(GateBody::Denied { body: Some(Bytes::from(body)) });
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
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
        let refuse = |response| GateFuture::Denied { response: Some(response) };
        // Every request, public or not: the behaviour is chosen on the same path the inner
        // service will act on, and the URL checked carries a valid authority.
        let config = &*self.config;
        let url = match config.request_url(&parts) {
            Ok(url) => url,
            Err(bad) => {
                metrics::request(metrics::Outcome::BadRequest);
                let body = format!("400 Bad Request: {bad} (cfsign gate; see docs/verifying.md)\n");
                return refuse(refused(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", body));
            }
        };
        if !config.gate.serves_host(url.host()) {
            metrics::request(metrics::Outcome::UnknownHost);
            let body = "403 Forbidden: the request could not be satisfied: this distribution does not \
                        serve the requested host (cfsign gate)\n";
            return refuse(refused(StatusCode::FORBIDDEN, "text/plain; charset=utf-8", body.to_owned()));
        }
        if let Some(trusted) = config.gate.behaviour_for(url.path()) {
            match config.check(trusted, &parts, &url) {
                Ok(Some(stripped)) => parts.uri = stripped,
                Ok(None) => {}
                Err(denial) => {
                    metrics::request(metrics::Outcome::Denied(&denial));
                    return refuse(denied(&denial));
                }
            }
            metrics::request(metrics::Outcome::Allowed);
        } else {
            metrics::request(metrics::Outcome::Public);
        }
        GateFuture::Inner { future: self.inner.call(Request::from_parts(parts, body)) }
    }
}

/// A directory as the origin behind a gate, as `cfsign serve` serves it: tower-http's `ServeDir` for
/// `dir`, with every file-system error a request itself can cause — no such file, no
/// permission, a name or path too long for the file system, a file where a directory was
/// expected — answered `404 Not Found`. `ServeDir` answers some of those with 500, and a
/// client must never be able to make a 5xx. Other I/O errors are the server's own and stay 500.
///
/// [`GateLayer::serve_dir`] puts it behind a gate.
pub fn serve_dir(dir: impl AsRef<std::path::Path>) -> ServeDirectory {
    ServeDirectory(tower_http::services::ServeDir::new(dir))
}

/// The service [`serve_dir`] makes.
#[derive(Clone, Debug)]
pub struct ServeDirectory(tower_http::services::ServeDir);

type FileBody = tower_http::services::fs::ServeFileSystemResponseBody;

impl<B: Send + 'static> Service<Request<B>> for ServeDirectory {
    type Response = Response<GateBody<FileBody>>;
    type Error = std::convert::Infallible;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let file = self.0.try_call(request);
        Box::pin(async move {
            Ok(match file.await {
                Ok(response) => response.map(|body| GateBody::Inner { body }),
                Err(error) => {
                    let status = if caused_by_request(&error) {
                        StatusCode::NOT_FOUND
                    } else {
                        tracing::error!(%error, "cfsign gate: could not read a file");
                        StatusCode::INTERNAL_SERVER_ERROR
                    };
                    let mut response = Response::new(GateBody::Denied { body: None });
                    *response.status_mut() = status;
                    response
                }
            })
        })
    }
}

/// Whether a file-system error comes from the path the client asked for.
fn caused_by_request(error: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        error.kind(),
        K::NotFound
            | K::PermissionDenied
            | K::NotADirectory
            | K::IsADirectory
            | K::InvalidFilename
            | K::InvalidInput
    )
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
            /// A body of the gate's own: CloudFront's XML, a 400 or 404 (until sent).
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

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

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
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

// RustCrypto's ECDSA is deterministic (RFC 6979), which makes the two frameworks' transcripts
// comparable byte for byte; name it explicitly (with `aws-lc`, `cfsign::SigningKey` is AWS-LC's).
use cfsign::EpochSeconds;
pub use cfsign::rustcrypto::SigningKey;
use cfsign_issuer::{Access, Issuer, ManualClock, Scope};

pub mod kms;

/// A seeded xorshift generator: the hostile-input tests are repeatable from their seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
    /// `min + below(spread)` bytes from `alphabet`.
    pub fn some_bytes(&mut self, min: usize, spread: usize, alphabet: &[u8]) -> Vec<u8> {
        let n = min + self.below(spread);
        self.bytes(n, alphabet)
    }
}

pub const T0: EpochSeconds = EpochSeconds::new(1_767_200_000);
pub const KEY_PAIR_ID: &str = "K2JCJMDEHXQW5F";

pub fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), KEY_PAIR_ID).unwrap()
}

/// A signer whose every signing fails, as an unreachable HSM or KMS does (`KHSM`).
pub struct FailingSigner(pub cfsign::KeyPairId);

impl Default for FailingSigner {
    fn default() -> Self {
        FailingSigner(cfsign::KeyPairId::new("KHSM").unwrap())
    }
}

impl cfsign::Signer for FailingSigner {
    fn key_pair_id(&self) -> &cfsign::KeyPairId {
        &self.0
    }
    fn key_kind(&self) -> cfsign::KeyKind {
        cfsign::KeyKind::EcdsaP256
    }
    fn hash_algorithm(&self) -> cfsign::HashAlgorithm {
        cfsign::HashAlgorithm::Sha256
    }
    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, cfsign::Error> {
        Err(cfsign::Error::Signing { reason: "HSM unreachable".into() })
    }
}

/// One key group holding the public halves of `keys`, as the CDN's trusted groups.
pub fn trusted(keys: &[&SigningKey]) -> cfsign_verify::TrustedKeyGroups {
    let group = keys.iter().fold(cfsign_verify::KeyGroup::new(), |g, k| {
        g.with_key(k.key_pair_id().as_str(), k.public_key()).unwrap()
    });
    cfsign_verify::TrustedKeyGroups::from(group)
}

pub fn issuer(clock: &ManualClock, key: SigningKey) -> Issuer {
    issuer_with(clock, Arc::new(key))
}

/// [`issuer`] with any signer (a KMS key in `tests/kms.rs`).
pub fn issuer_with(clock: &ManualClock, signer: Arc<dyn cfsign::AsyncSigner>) -> Issuer {
    Issuer::builder(signer).domain("example.com").clock(clock.clone()).build().unwrap()
}

/// Runs `scenario` against both frameworks and requires identical, non-empty transcripts (RSA
/// and the tests' fixed clocks make them deterministic).
pub async fn conform<F, Fut>(scenario: F) -> Vec<String>
where
    F: Fn(Framework) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    let axum = scenario(Framework::Axum).await;
    let actix = scenario(Framework::Actix).await;
    assert!(!axum.is_empty());
    assert_eq!(axum, actix, "axum and actix-web disagree");
    axum
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Axum,
    Actix,
}

#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub tier: String,
}

/// `session=<user>.<tier>` from a Cookie header.
fn session(cookie_headers: impl Iterator<Item = Vec<u8>>) -> Option<User> {
    cookie_headers.into_iter().find_map(|h| {
        let h = String::from_utf8(h).ok()?;
        let s = h.split(';').find_map(|c| c.trim().strip_prefix("session=").map(str::to_owned))?;
        let (name, tier) = s.split_once('.')?;
        Some(User { name: name.to_owned(), tier: tier.to_owned() })
    })
}

pub fn access(user: &User) -> Option<Access> {
    // Tier and name come from the session cookie: segments under a fixed base, never text
    // in a pattern.
    let scope = match user.tier.as_str() {
        "shared" => Scope::prefix("https://cdn.example.com/", ["shared"]),
        // A scope shared by everyone in the group (e.g. `group3`).
        group if group.starts_with("group") => Scope::prefix("https://cdn.example.com/", [group]),
        tier => Scope::prefix("https://cdn.example.com/", [tier, user.name.as_str()]),
    };
    scope.and_then(|s| s.with_cookie_path("/")).map(Access::from).ok()
}

fn login_user(body: &str) -> User {
    User { name: body.strip_prefix("user=").unwrap_or("anonymous").to_owned(), tier: "u".to_owned() }
}

const LOGOUT_SESSION: &str = "session=; Path=/; Max-Age=0";

fn session_cookie(user: &User) -> String {
    format!("session={}.{}; Path=/; HttpOnly", user.name, user.tier)
}

mod axum_app {
    use axum::Extension;
    use axum::Router;
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::{get, post};
    use cfsign_issuer::Directive;
    use cfsign_tower::CloudFrontCookieLayer;

    use super::*;

    async fn login(body: String) -> impl IntoResponse {
        let user = login_user(&body);
        (
            Extension(Directive::issue(access(&user).unwrap())),
            [("set-cookie", session_cookie(&user))],
            Redirect::to("/"),
        )
    }

    async fn logout() -> impl IntoResponse {
        (Extension(Directive::revoke()), [("set-cookie", LOGOUT_SESSION)], Redirect::to("/"))
    }

    pub(crate) fn app(issuer: Issuer) -> Router {
        Router::new()
            .route(
                "/me",
                get(|req: Request| async move {
                    format!("{:?}", req.extensions().get::<User>().map(|u| &u.name))
                }),
            )
            .route("/boom", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
            .route("/login", post(login))
            .route("/logout", post(logout))
            .layer(CloudFrontCookieLayer::new(issuer, |req: &Request| {
                req.extensions().get::<User>().and_then(access)
            }))
            .layer(axum::middleware::from_fn(|mut req: Request, next: axum::middleware::Next| async move {
                let user = session(req.headers().get_all("cookie").iter().map(|v| v.as_bytes().to_vec()));
                if let Some(user) = user {
                    req.extensions_mut().insert(user);
                }
                next.run(req).await
            }))
    }
}

mod actix_app {
    use actix_web::dev::ServiceRequest;
    use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, web};
    use cfsign_actix::{CloudFrontCookieMiddleware, CloudFrontResponseExt};

    use super::*;

    async fn me(req: HttpRequest) -> String {
        format!("{:?}", req.extensions().get::<User>().map(|u| u.name.clone()).as_ref())
    }

    async fn login(body: String) -> HttpResponse {
        let user = login_user(&body);
        HttpResponse::SeeOther()
            .append_header(("set-cookie", session_cookie(&user)))
            .cloudfront_issue(access(&user).unwrap())
            .insert_header(("location", "/"))
            .finish()
    }

    async fn logout() -> HttpResponse {
        HttpResponse::SeeOther()
            .append_header(("set-cookie", LOGOUT_SESSION))
            .cloudfront_revoke()
            .insert_header(("location", "/"))
            .finish()
    }

    pub(crate) fn serve(issuer: Issuer) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                actix_web::HttpServer::new(move || {
                    App::new()
                        .route("/me", web::get().to(me))
                        .route(
                            "/boom",
                            web::get().to(|| async { HttpResponse::InternalServerError().body("boom") }),
                        )
                        .route("/login", web::post().to(login))
                        .route("/logout", web::post().to(logout))
                        // Registered first = inner: runs after the session middleware below.
                        .wrap(CloudFrontCookieMiddleware::new(issuer.clone(), |req: &ServiceRequest| {
                            req.extensions().get::<User>().and_then(access)
                        }))
                        .wrap(actix_web::middleware::from_fn(
                            |req: ServiceRequest, next: actix_web::middleware::Next<_>| async move {
                                let user =
                                    session(req.headers().get_all("cookie").map(|v| v.as_bytes().to_vec()));
                                if let Some(user) = user {
                                    req.extensions_mut().insert(user);
                                }
                                next.call(req).await
                            },
                        ))
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run()
                .await
                .unwrap();
            });
        });
        addr
    }
}

/// Starts the app of `framework` on 127.0.0.1:0.
pub async fn start(framework: Framework, issuer: Issuer) -> SocketAddr {
    match framework {
        Framework::Axum => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = axum_app::app(issuer);
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            addr
        }
        Framework::Actix => actix_app::serve(issuer),
    }
}

/// A client keeping cookies like a browser (by name; `Max-Age=0` deletes), recording every
/// exchange into a transcript.
pub struct Browser {
    http: reqwest::Client,
    pub base: String,
    pub jar: BTreeMap<String, String>,
    pub transcript: Vec<String>,
}

pub struct Reply {
    pub status: u16,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, base: format!("http://{addr}"), jar: BTreeMap::new(), transcript: Vec::new() }
    }

    pub fn cookie_header(&self) -> String {
        self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// Sends a request with the jar's cookies (or `cookie_override` instead) and records it.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
        cookie_override: Option<&str>,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "POST" => self.http.post(url).body(body.to_owned()),
            _ => self.http.get(url),
        };
        let cookie = cookie_override.map_or_else(|| self.cookie_header(), str::to_owned);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let set_cookie: Vec<String> =
            res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for c in &set_cookie {
            let (name, value) = c.split(';').next().unwrap().split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        self.transcript.push(format!("{method} {path} -> {status}"));
        self.transcript.extend(set_cookie.iter().map(|c| format!("  set-cookie: {c}")));
        Reply { status, set_cookie, body: res.text().await.unwrap() }
    }

    pub fn cloudfront_cookies(&self) -> String {
        self.jar
            .iter()
            .filter(|(k, _)| k.starts_with("CloudFront-"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether the jar's CloudFront cookies get `url` through CloudFront's checks at `now`.
    pub fn cloudfront_allows(&self, key: &SigningKey, url: &str, now: EpochSeconds) -> bool {
        let cookies = self.cloudfront_cookies();
        trusted(&[key])
            .verify(&cfsign_verify::Request::new(url, [192, 0, 2, 1].into(), now).cookie_header(&cookies))
            .is_ok()
    }
}

/// A reply read off the wire by [`raw_request`].
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }
}

/// Sends `GET <target>` with the given extra header lines (raw bytes: any URL bytes, invalid
/// UTF-8, huge values) over a fresh HTTP/1.1 connection with `Connection: close`, and reads
/// the reply to the end. No client library in between normalises anything.
pub async fn raw_request(addr: SocketAddr, target: &[u8], headers: &[(&str, Vec<u8>)]) -> RawReply {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut req = Vec::with_capacity(256 + target.len());
    req.extend_from_slice(b"GET ");
    req.extend_from_slice(target);
    req.extend_from_slice(b" HTTP/1.1\r\nHost: cdn.example.com\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.extend_from_slice(name.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(&req).await.unwrap();
    let mut raw = Vec::new();
    // A server may reset after answering a request it refused; what was read still counts.
    let _ = stream.read_to_end(&mut raw).await;
    parse_reply(&raw).unwrap_or_else(|| panic!("no HTTP reply: {:?}", String::from_utf8_lossy(&raw)))
}

fn parse_reply(raw: &[u8]) -> Option<RawReply> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, Vec<u8>)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.trim().as_bytes().to_vec()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case(b"chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = body.as_slice();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).ok()?.trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(line_end + 2..line_end + 2 + size)?);
            rest = rest.get(line_end + 4 + size..)?;
        }
        body = out;
    }
    Some(RawReply { status, headers, body })
}

/// `cfsign serve` in a test: the gate (public `/public/*`, everything else protected by
/// `trusted`, time from `now`, client IP from the connection, `https://` URLs as behind a TLS
/// terminator) in front of `ServeDir(dir)`, on 127.0.0.1:0.
pub async fn start_gate(
    dir: &std::path::Path,
    trusted: cfsign_verify::TrustedKeyGroups,
    now: impl Fn() -> EpochSeconds + Send + Sync + 'static,
) -> SocketAddr {
    let gate = cfsign_gate::Gate::new().public("/public/*").unwrap().default_protected(trusted);
    start_gate_with(dir, gate, now).await
}

/// [`start_gate`] with the given behaviours and domain names.
pub async fn start_gate_with(
    dir: &std::path::Path,
    gate: cfsign_gate::Gate,
    now: impl Fn() -> EpochSeconds + Send + Sync + 'static,
) -> SocketAddr {
    // The client's address comes from axum's `ConnectInfo` (the gate's default).
    let site = cfsign_gate::GateLayer::new(gate).https().clock(now).serve_dir(dir);
    let app = axum::Router::new().fallback_service(site);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Replies go out at once (a reply's head and body are two writes; with Nagle's algorithm
    // the second waits for the client's delayed ACK on a kept-alive connection).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    addr
}

/// A `tracing` subscriber that keeps every event and span, one line each (`LEVEL target
/// field=value…`), enabled at TRACE: what the tests scan logs with.
#[derive(Clone, Default)]
pub struct Capture {
    pub text: Arc<std::sync::Mutex<String>>,
    next_span: Arc<std::sync::atomic::AtomicU64>,
}

pub struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = std::fmt::Write::write_fmt(self.0, format_args!(" {}={value:?}", field.name()));
    }
}

impl Capture {
    fn line(&self, head: String, fill: impl FnOnce(&mut Fields<'_>)) {
        let mut line = head;
        fill(&mut Fields(&mut line));
        line.push('\n');
        self.text.lock().unwrap().push_str(&line);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let m = span.metadata();
        self.line(format!("SPAN {} {} {}", m.level(), m.target(), m.name()), |f| span.record(f));
        tracing::span::Id::from_u64(self.next_span.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.line("RECORD".to_owned(), |f| values.record(f));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let m = event.metadata();
        self.line(format!("{} {}", m.level(), m.target()), |f| event.record(f));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

//! A real KMS-compatible HTTP API for the tests: moto in server mode on 127.0.0.1, and a proxy
//! in front of it that counts `Sign` calls at the HTTP level and can stall them or refuse
//! them, to show what the middleware does when KMS is slow or down. No test talks to AWS.
//!
//! moto is installed into `target/moto-venv` (outside the tracked files) by `cargo xtask setup`,
//! which `cargo xtask ci` runs. `$CFSIGN_MOTO_SERVER` names another `moto_server` executable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

/// The moto release the tests are written against (`cargo xtask setup` installs it; it reads
/// this line).
pub const MOTO_VERSION: &str = "5.2.5";

/// moto in server mode on a free port of 127.0.0.1; stopped when dropped.
pub struct Moto {
    child: Option<Child>,
    pub addr: SocketAddr,
}

impl Moto {
    /// Starts `moto_server` and waits until it accepts connections.
    pub async fn start() -> Moto {
        let server = std::env::var_os("CFSIGN_MOTO_SERVER").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/moto-venv/bin/moto_server"),
            PathBuf::from,
        );
        assert!(
            server.exists(),
            "moto is not installed at {}: run `cargo xtask setup` (it installs moto {MOTO_VERSION} \
             into target/moto-venv), or set CFSIGN_MOTO_SERVER",
            server.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let moto = Moto { child: Some(child), addr };
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not listen on {addr} within 30 s");
    }

    /// Stops the server (KMS down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A KMS client for `endpoint` with dummy credentials, as an application would build one
/// (`aws_config`), except for the endpoint and credentials. One attempt per call: the tests
/// decide about retries.
pub async fn client(endpoint: SocketAddr) -> aws_sdk_kms::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(format!("http://{endpoint}"))
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "cfsign-tests",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    aws_sdk_kms::Client::new(&config)
}

/// Creates a signing key of `spec` and returns its key ID.
pub async fn create_key(client: &aws_sdk_kms::Client, spec: KeySpec) -> String {
    let out = client.create_key().key_spec(spec).key_usage(KeyUsageType::SignVerify).send().await.unwrap();
    out.key_metadata().unwrap().key_id().to_owned()
}

/// What the proxy does with `Sign` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SignMode {
    /// Forward them.
    Forward = 0,
    /// Hold them until [`KmsProxy::release`] (KMS stalled).
    Stall = 1,
    /// Answer 503 at once (KMS failing).
    Fail = 2,
}

struct ProxyState {
    upstream: SocketAddr,
    http: reqwest::Client,
    sign_calls: AtomicUsize,
    mode: AtomicU8,
    released: Notify,
}

/// A proxy in front of moto that counts `Sign` calls (header `X-Amz-Target:
/// TrentService.Sign`) and can stall or fail them.
#[derive(Clone)]
pub struct KmsProxy {
    state: Arc<ProxyState>,
    pub addr: SocketAddr,
}

impl KmsProxy {
    pub async fn start(upstream: SocketAddr) -> KmsProxy {
        let state = Arc::new(ProxyState {
            upstream,
            http: reqwest::Client::new(),
            sign_calls: AtomicUsize::new(0),
            mode: AtomicU8::new(SignMode::Forward as u8),
            released: Notify::new(),
        });
        let app = axum::Router::new().fallback(forward).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        KmsProxy { state, addr }
    }

    /// `Sign` calls seen so far (forwarded, stalled or failed).
    pub fn sign_calls(&self) -> usize {
        self.state.sign_calls.load(Ordering::SeqCst)
    }

    pub fn set_mode(&self, mode: SignMode) {
        self.state.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Lets every stalled `Sign` call through (and switches back to forwarding).
    pub fn release(&self) {
        self.set_mode(SignMode::Forward);
        self.state.released.notify_waiters();
    }
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_sign = headers.get("x-amz-target").is_some_and(|t| t == "TrentService.Sign");
    if is_sign {
        state.sign_calls.fetch_add(1, Ordering::SeqCst);
        loop {
            // Register before reading the mode, so a release in between is not missed.
            let released = state.released.notified();
            match state.mode.load(Ordering::SeqCst) {
                m if m == SignMode::Stall as u8 => released.await,
                m if m == SignMode::Fail as u8 => {
                    return (StatusCode::SERVICE_UNAVAILABLE, "KMS unavailable (test proxy)").into_response();
                }
                _ => break,
            }
        }
    }
    let url = format!("http://{}{}", state.upstream, uri.path_and_query().map_or("/", |p| p.as_str()));
    let mut request = state.http.request(method, url).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(reply) => {
            let status = reply.status();
            let headers = reply.headers().clone();
            let body = reply.bytes().await.unwrap_or_default();
            let mut response = (status, body).into_response();
            for (name, value) in &headers {
                if name != "content-length" && name != "transfer-encoding" && name != "connection" {
                    response.headers_mut().append(name, value.clone());
                }
            }
            response
        }
        Err(e) => (StatusCode::BAD_GATEWAY, format!("moto unreachable: {e}")).into_response(),
    }
}

//! The demo's HTTPS mode (`--https`): the app and the CDN on two names under one parent
//! domain, as in production (`app.example.com`, `cdn.example.com`), with a certificate
//! for both made at start-up — nothing committed, nothing downloaded.

use std::sync::Arc;

use axum::Router;
use base64::Engine as _;
use rcgen::PublicKeyData as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::Digest as _;

/// The app's host name in HTTPS mode (map it to 127.0.0.1 to use it).
pub const APP_HOST: &str = "app.cfsign.test";
/// The CDN's host name in HTTPS mode.
pub const CDN_HOST: &str = "cdn.cfsign.test";
/// Their parent: the CloudFront cookies' `Domain`, so that the browser sends the cookies
/// the app sets to the CDN.
pub const PARENT_DOMAIN: &str = "cfsign.test";

/// A self-signed certificate for [`APP_HOST`] and [`CDN_HOST`], as a rustls server
/// configuration.
#[derive(Clone)]
pub struct SelfSigned {
    /// The configuration both servers use.
    pub config: Arc<rustls::ServerConfig>,
    /// Base64 of the SHA-256 of the certificate's public key (SubjectPublicKeyInfo), the
    /// form Chromium's `--ignore-certificate-errors-spki-list` takes to trust it.
    pub spki_sha256: String,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned").field("spki_sha256", &self.spki_sha256).finish_non_exhaustive()
    }
}

/// Makes a fresh key pair and certificate.
///
/// # Errors
/// If the key or the certificate cannot be made.
pub fn self_signed() -> Result<SelfSigned, String> {
    let certified = rcgen::generate_simple_self_signed([APP_HOST.to_owned(), CDN_HOST.to_owned()])
        .map_err(|e| format!("cannot make the certificate: {e}"))?;
    let spki = certified.signing_key.subject_public_key_info();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let cert = CertificateDer::from(certified.cert.der().to_vec());
    // The provider named here, not the process default: none may be installed, or two.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(vec![cert], key))
        .map_err(|e| format!("TLS configuration: {e}"))?;
    Ok(SelfSigned {
        config: Arc::new(config),
        spki_sha256: base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(spki)),
    })
}

/// Serves `router` over TLS on `listener` with the gate's [`Server`](cfsign_gate::Server):
/// a task per connection, the handshake inside it, HTTP/1.1, the client's address in the
/// request extensions as `ConnectInfo<SocketAddr>` (the gate reads it), and a client too
/// slow with its handshake or request head disconnected.
pub async fn serve(listener: tokio::net::TcpListener, tls: SelfSigned, router: Router) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config);
    cfsign_gate::Server::new().serve_with(listener, move |tcp| acceptor.accept(tcp), router).await;
}

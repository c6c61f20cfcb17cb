//! The demo's pieces that are not about actix-web: users and passwords, the page, the local
//! CDN and the command line. (`examples/axum-app` has its own: examples stand alone.)

use std::collections::HashMap;

use axum::Router;
use cfsign_gate::{Gate, GateLayer};
use cfsign_issuer::{Access, Scope};
use cfsign_verify::TrustedKeyGroups;

/// Where the local CDN lives, e.g. `http://127.0.0.1:3001`.
#[derive(Clone, Debug)]
pub struct CdnOrigin(pub String);

/// The demo's users and their passwords (shown on the sign-in page: this is a demo). Only
/// Argon2 hashes of the passwords are kept, made at start-up.
pub const DEMO_USERS: [(&str, &str); 3] =
    [("alice", "alice-demo"), ("bob", "bob-demo"), ("carol", "carol-demo")];

/// The app's users: names and Argon2 hashes of their passwords (PHC strings), in memory, as
/// the demo needs nothing but Rust. A real app keeps its users in its database.
pub struct Users {
    hashes: HashMap<String, String>,
    /// Checked for unknown names, so that they take as long to refuse as a wrong password.
    decoy_hash: String,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").field("names", &self.hashes.keys()).finish_non_exhaustive()
    }
}

impl Users {
    /// The [`DEMO_USERS`], their passwords hashed now.
    #[must_use]
    pub fn demo() -> Self {
        let hashes = DEMO_USERS
            .iter()
            .map(|(name, password)| ((*name).to_owned(), password_auth::generate_hash(password)))
            .collect();
        Users { hashes, decoy_hash: password_auth::generate_hash("decoy") }
    }

    /// The user `name` if `password` is theirs. Argon2 takes tens of milliseconds of CPU on
    /// purpose: call it off the async workers (`web::block`).
    #[must_use]
    pub fn verify(&self, name: &str, password: &str) -> Option<String> {
        let name = name.trim();
        let hash = self.hashes.get(name);
        let verified = password_auth::verify_password(password, hash.unwrap_or(&self.decoy_hash)).is_ok();
        (verified && hash.is_some()).then(|| name.to_owned())
    }

    /// Whether `name` is a user.
    #[must_use]
    pub fn exists(&self, name: &str) -> bool {
        self.hashes.contains_key(name)
    }
}

/// What a user may see on the CDN: their own folder, `<cdn>/u/<user>/*`. The user name is
/// one percent-encoded path segment (`Scope::prefix`), so no name can widen the scope; the
/// cookies go to every path so that the app sees them come back and refreshes them.
#[must_use]
pub fn access_for(cdn: &CdnOrigin, user: &str) -> Option<Access> {
    let scope = Scope::prefix(&format!("{}/u/", cdn.0), [user]).ok()?;
    scope.with_cookie_path("/").map(Access::from).ok()
}

/// The URL of one of `user`'s files on the CDN, built the same way.
#[must_use]
pub fn media_url(cdn: &CdnOrigin, user: &str, file: &str) -> String {
    cfsign::ResourceBase::new(&format!("{}/u/", cdn.0))
        .and_then(|base| base.url([user, file]))
        .unwrap_or_default()
}

/// What the sign-in page says after a failed sign-in.
pub const BAD_LOGIN: &str = "Unknown user or wrong password.";

/// The `/me` document.
#[must_use]
pub fn me_json(user: Option<&str>, cdn: &CdnOrigin) -> serde_json::Value {
    let access = user.and_then(|u| access_for(cdn, u));
    let resource = access.as_ref().and_then(|a| a.scopes().first()).map(|scope| scope.resource().to_owned());
    serde_json::json!({ "user": user, "resource": resource })
}

/// The demo page for a signed-in `user` (images from the CDN) or the sign-in form, with
/// `notice` above it.
#[must_use]
pub fn page(user: Option<&str>, cdn: &CdnOrigin, notice: Option<&str>) -> String {
    let body = match user {
        Some(user) => format!(
            r#"<h1>Hello, {user}</h1>
<p>These images come from the CDN at <code>{cdn}</code>, which lets them through only with valid
CloudFront signed cookies.</p>
<div>{images}</div>
<p>This one is someone else's, so the CDN refuses it:</p>
<img id="foreign" alt="refused" src="{foreign}" width="120" height="120">
<form method="post" action="/logout"><button id="logout">Sign out</button></form>"#,
            cdn = cdn.0,
            images = (1..=3)
                .map(|n| {
                    let src = media_url(cdn, user, &format!("photo-{n}.svg"));
                    format!(r#"<img class="private" alt="photo {n}" src="{src}" width="120" height="120">"#)
                })
                .collect::<String>(),
            foreign = media_url(cdn, if user == "bob" { "alice" } else { "bob" }, "photo-1.svg"),
        ),
        None => format!(
            r#"<h1>cfsign demo</h1>
{notice}<form method="post" action="/login">
  <label>User <input id="username" name="username" autocomplete="username" required></label>
  <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
  <button id="login">Sign in</button>
</form>
<p>Demo users (user / password): {users}.</p>"#,
            notice = notice.map(|n| format!(r#"<p id="notice">{n}</p>"#)).unwrap_or_default(),
            users = DEMO_USERS
                .iter()
                .map(|(name, password)| format!("<code>{name}</code> / <code>{password}</code>"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cfsign demo</title></head><body>{body}</body></html>"
    )
}

/// A demo image: a coloured square naming its user and file.
fn image(user: &str, file: &str) -> String {
    let hue =
        user.bytes().chain(file.bytes()).fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            % 360;
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><rect width="120" height="120" fill="hsl({hue},70%,60%)"/><text x="60" y="64" font-size="14" text-anchor="middle" font-family="sans-serif">{user}/{file}</text></svg>"#
    )
}

/// The local CDN: a directory of the demo users' images (`u/{user}/photo-{n}.svg`, written at
/// start-up under the system's temporary directory) behind the `cfsign-gate` stand-in for
/// CloudFront, which asks for signed cookies under `/u/`. `now` is its clock. With `https`,
/// it checks signatures against `https://` URLs and, like a distribution with one alternate
/// domain name, serves only [`tls::CDN_HOST`]. Serve it with
/// [`cfsign_gate::Server`] (or [`tls::serve`]), which hands the gate the client's address (for
/// IP conditions).
///
/// # Errors
/// If the images cannot be written.
pub fn cdn(
    trusted: TrustedKeyGroups,
    now: impl Fn() -> cfsign::EpochSeconds + Send + Sync + 'static,
    https: bool,
) -> std::io::Result<Router> {
    let dir = std::env::temp_dir().join(format!("cfsign-actix-demo-cdn-{}", std::process::id()));
    for (user, _) in DEMO_USERS {
        std::fs::create_dir_all(dir.join("u").join(user))?;
        for n in 1..=3 {
            let file = format!("photo-{n}.svg");
            std::fs::write(dir.join("u").join(user).join(&file), image(user, &file))?;
        }
    }
    std::fs::write(dir.join("index.html"), "cfsign local CDN: files under /u/{user}/ need signed cookies\n")?;
    let gate = Gate::new().protect("/u/*", trusted).map_err(std::io::Error::other)?;
    if https {
        let gate = gate.domain_names([tls::CDN_HOST]).map_err(std::io::Error::other)?;
        return Ok(Router::new().fallback_service(GateLayer::new(gate).https().clock(now).serve_dir(dir)));
    }
    Ok(Router::new().fallback_service(GateLayer::new(gate).clock(now).serve_dir(dir)))
}

pub mod tls {
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
}

pub mod cli {
    //! The demo's command line.

    use std::net::SocketAddr;
    use std::sync::Arc;

    use cfsign::{KeyKind, SigningKey};
    use cfsign_issuer::Issuer;
    use cfsign_verify::{KeyGroup, TrustedKeyGroups};

    use super::CdnOrigin;
    use super::tls::{APP_HOST, CDN_HOST, PARENT_DOMAIN};

    /// Usage text.
    pub const USAGE: &str = "usage: [--app-addr ADDR] [--cdn-addr ADDR] [--key FILE --key-pair-id ID]
       [--https] [--secure-cookies] [--cookie-domain DOMAIN]

  --app-addr ADDR         where the app listens (default 127.0.0.1:3000)
  --cdn-addr ADDR         where the local CloudFront stand-in listens (default 127.0.0.1:3001)
  --key FILE              private key (PEM); default: a throwaway P-256 key generated at start
  --key-pair-id ID        its CloudFront key-pair ID (default KDEMO)
  --https                 serve the app as https://app.cfsign.test:PORT and the CDN as
                          https://cdn.cfsign.test:PORT with a certificate made at start-up;
                          the CloudFront cookies get Domain=cfsign.test, Secure, SameSite=Lax.
                          Map both names to 127.0.0.1 (/etc/hosts, or Chromium's
                          --host-resolver-rules) and trust the certificate (its SPKI hash is printed)
  --secure-cookies        mark the cookies Secure without --https (off by default: plain HTTP)
  --cookie-domain DOMAIN  the CloudFront cookies' Domain (default: cfsign.test with --https,
                          none otherwise); another parent shows what a wrong one does";

    /// The parsed flags.
    #[derive(Debug, Clone)]
    pub struct Args {
        /// `--app-addr`.
        pub app_addr: SocketAddr,
        /// `--cdn-addr`.
        pub cdn_addr: SocketAddr,
        /// `--key`.
        pub key: Option<String>,
        /// `--key-pair-id`.
        pub key_pair_id: String,
        /// `--https`.
        pub https: bool,
        /// `--secure-cookies`.
        pub secure: bool,
        /// `--cookie-domain`.
        pub cookie_domain: Option<String>,
    }

    /// Parses the process arguments; `--help` prints the usage and exits.
    ///
    /// # Errors
    /// A message for an unknown flag or a bad value.
    pub fn parse() -> Result<Args, String> {
        let mut args = Args {
            app_addr: ([127, 0, 0, 1], 3000).into(),
            cdn_addr: ([127, 0, 0, 1], 3001).into(),
            key: None,
            key_pair_id: "KDEMO".to_owned(),
            https: false,
            secure: false,
            cookie_domain: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            let mut value = || it.next().ok_or(format!("{a} needs a value"));
            match a.as_str() {
                "--app-addr" => args.app_addr = value()?.parse().map_err(|e| format!("--app-addr: {e}"))?,
                "--cdn-addr" => args.cdn_addr = value()?.parse().map_err(|e| format!("--cdn-addr: {e}"))?,
                "--key" => args.key = Some(value()?),
                "--key-pair-id" => args.key_pair_id = value()?,
                "--https" => args.https = true,
                "--secure-cookies" => args.secure = true,
                "--cookie-domain" => args.cookie_domain = Some(value()?),
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other}\n{USAGE}")),
            }
        }
        Ok(args)
    }

    impl Args {
        /// Whether the cookies (CloudFront's and the session's) are marked `Secure`.
        #[must_use]
        pub fn secure_cookies(&self) -> bool {
            self.https || self.secure
        }

        /// The CloudFront cookies' `Domain`, if any.
        #[must_use]
        pub fn cookie_domain(&self) -> Option<&str> {
            self.cookie_domain.as_deref().or(self.https.then_some(PARENT_DOMAIN))
        }

        /// The app's URL and the CDN's origin for servers listening on `app` and `cdn`.
        #[must_use]
        pub fn origins(&self, app: SocketAddr, cdn: SocketAddr) -> (String, CdnOrigin) {
            if self.https {
                (
                    format!("https://{APP_HOST}:{}/", app.port()),
                    CdnOrigin(format!("https://{CDN_HOST}:{}", cdn.port())),
                )
            } else {
                (format!("http://{app}/"), CdnOrigin(format!("http://{cdn}")))
            }
        }

        /// The issuer for `key`, with these cookie settings (`SameSite=Lax`, the default).
        ///
        /// # Errors
        /// An invalid `--cookie-domain`, for one.
        pub fn issuer(&self, key: SigningKey) -> Result<Issuer, String> {
            let mut issuer = Issuer::builder(Arc::new(key)).secure(self.secure_cookies());
            if let Some(domain) = self.cookie_domain() {
                issuer = issuer.domain(domain);
            }
            issuer.build().map_err(|e| format!("cannot build the issuer: {e}"))
        }

        /// Prints where the app and the CDN listen, and how the cookies are set.
        pub fn announce(&self, app_url: &str, cdn: &CdnOrigin, spki_sha256: Option<&str>) {
            println!("app: {app_url}");
            println!("cdn: {}/  (local CloudFront stand-in, key-pair ID {})", cdn.0, self.key_pair_id);
            if let Some(spki) = spki_sha256 {
                println!(
                    "tls: certificate for {APP_HOST} and {CDN_HOST} made at start-up, SPKI SHA-256 {spki}"
                );
            }
            if !self.secure_cookies() {
                println!(
                    "note: CloudFront cookies are not marked Secure because this demo serves plain HTTP"
                );
            }
        }

        /// The signing key (from `--key`, or a throwaway P-256 key) and the key group the CDN
        /// trusts.
        ///
        /// # Errors
        /// An unreadable or invalid key file.
        pub fn keys(&self) -> Result<(SigningKey, TrustedKeyGroups), String> {
            // The ID first: an error in it is not an error in the key file.
            cfsign::KeyPairId::new(&self.key_pair_id).map_err(|e| format!("--key-pair-id: {e}"))?;
            let key = match &self.key {
                Some(file) => {
                    let pem = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
                    SigningKey::from_pem(&pem, &self.key_pair_id).map_err(|e| format!("{file}: {e}"))?
                }
                None => {
                    SigningKey::generate(KeyKind::EcdsaP256, &self.key_pair_id).map_err(|e| e.to_string())?
                }
            };
            let group =
                KeyGroup::new().with_key(&self.key_pair_id, key.public_key()).map_err(|e| e.to_string())?;
            Ok((key, TrustedKeyGroups::from(group)))
        }
    }
}

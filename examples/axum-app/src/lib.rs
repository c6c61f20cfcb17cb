//! The demo behind `cargo run -p axum-app`: an app that signs users in and a local stand-in
//! for CloudFront that serves each user's private images only with valid signed cookies.
//!
//! - app: `GET /` (HTML; images load from the CDN), `POST /login` (form field `user`),
//!   `POST /logout`, `GET /me` (JSON).
//! - CDN: the demo users' images under `/u/{user}/` behind `cfsign-gate` (CloudFront's checks
//!   via `cfsign-verify`); 403 with CloudFront's XML body otherwise.
//!
//! The sign-in is a demo (a plain `demo_user` cookie, no password): put your real
//! authentication in its place — the CloudFront layer only needs the user in the request
//! extensions.

use axum::Extension;
use axum::extract::{Form, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cfsign_gate::{Gate, GateLayer};
use cfsign_issuer::{Access, Directive, Issuer, Scope};
use cfsign_tower::CloudFrontCookieLayer;
use cfsign_verify::TrustedKeyGroups;
use tower::ServiceBuilder;

/// The signed-in user, put into the request extensions by [`demo_auth`].
#[derive(Clone, Debug)]
pub struct User(pub String);

/// Where the local CDN lives, e.g. `http://127.0.0.1:3001`.
#[derive(Clone, Debug)]
pub struct CdnOrigin(pub String);

/// Whether `name` is one of the [`DEMO_USERS`].
#[must_use]
pub fn valid_user(name: &str) -> bool {
    DEMO_USERS.contains(&name)
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

/// Demo authentication: the `demo_user` cookie names the user. Replace with real auth.
pub async fn demo_auth(mut request: Request, next: Next) -> Response {
    let user = session_user(request.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()));
    if let Some(user) = user {
        request.extensions_mut().insert(User(user));
    }
    next.run(request).await
}

#[derive(serde::Deserialize)]
struct LoginForm {
    user: String,
}

/// The demo session cookie for `user`, and the one that removes it.
pub const SESSION_COOKIE: &str = "demo_user";

/// `Set-Cookie` value starting the demo session.
#[must_use]
pub fn session_cookie(user: &str) -> String {
    format!("{SESSION_COOKIE}={user}; Path=/; HttpOnly; SameSite=Lax")
}

/// `Set-Cookie` value ending the demo session.
pub const SESSION_REMOVAL: &str = "demo_user=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";

/// The signed-in user named by a `Cookie` header, if any.
#[must_use]
pub fn session_user<'a>(cookie_headers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    cookie_headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("demo_user="))
        .filter(|u| valid_user(u))
        .map(str::to_owned)
}

/// A sign-in form's user, normalised and checked.
#[must_use]
pub fn login_user(form_user: &str) -> Option<String> {
    let user = form_user.trim().to_ascii_lowercase();
    valid_user(&user).then_some(user)
}

/// What the app says to an invalid sign-in.
pub const BAD_USER: &str = "user: one of alice, bob, carol";

async fn login(State(cdn): State<CdnOrigin>, Form(form): Form<LoginForm>) -> Response {
    let user = login_user(&form.user).unwrap_or_default();
    let Some(access) = access_for(&cdn, &user).filter(|_| valid_user(&user)) else {
        return (StatusCode::BAD_REQUEST, BAD_USER).into_response();
    };
    (Extension(Directive::issue(access)), [(header::SET_COOKIE, session_cookie(&user))], Redirect::to("/"))
        .into_response()
}

async fn logout() -> impl IntoResponse {
    (Extension(Directive::revoke()), [(header::SET_COOKIE, SESSION_REMOVAL)], Redirect::to("/"))
}

/// The `/me` document.
#[must_use]
pub fn me_json(user: Option<&str>, cdn: &CdnOrigin) -> serde_json::Value {
    let access = user.and_then(|u| access_for(cdn, u));
    let resource = access.as_ref().and_then(|a| a.scopes().first()).map(|scope| scope.resource().to_owned());
    serde_json::json!({ "user": user, "resource": resource })
}

async fn me(State(cdn): State<CdnOrigin>, request: Request) -> Json<serde_json::Value> {
    Json(me_json(request.extensions().get::<User>().map(|u| u.0.as_str()), &cdn))
}

/// The demo page for a signed-in `user` (images from the CDN) or the sign-in form.
#[must_use]
pub fn page(user: Option<&str>, cdn: &CdnOrigin) -> String {
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
        None => r#"<h1>cfsign demo</h1>
<form method="post" action="/login">
  <label>User <input id="user" name="user" value="alice" pattern="[a-z0-9]{1,32}"></label>
  <button id="login">Sign in</button>
</form>"#
            .to_owned(),
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cfsign demo</title></head><body>{body}</body></html>"
    )
}

async fn index(State(cdn): State<CdnOrigin>, request: Request) -> Html<String> {
    Html(page(request.extensions().get::<User>().map(|u| u.0.as_str()), &cdn))
}

/// The app, with the CloudFront cookie layer inside the demo auth layer (both in one
/// `ServiceBuilder`, as axum recommends for several middleware).
pub fn app(issuer: Issuer, cdn: CdnOrigin) -> Router {
    let cloudfront = CloudFrontCookieLayer::new(issuer, {
        let cdn = cdn.clone();
        move |req: &Request| req.extensions().get::<User>().and_then(|u| access_for(&cdn, &u.0))
    });
    Router::new()
        .route("/", get(index))
        .route("/me", get(me))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .with_state(cdn)
        .layer(ServiceBuilder::new().layer(middleware::from_fn(demo_auth)).layer(cloudfront))
}

/// `router` with `GET /metrics`: the issuer's and the gate's metrics (and anything else
/// recorded through the `metrics` facade) as Prometheus text, from the recorder `handle`
/// belongs to (installed once per process, in `main`).
pub fn with_metrics(router: Router, handle: metrics_exporter_prometheus::PrometheusHandle) -> Router {
    router.route("/metrics", get(move || std::future::ready(handle.render())))
}

/// The demo's users: the local CDN holds three images for each.
pub const DEMO_USERS: [&str; 3] = ["alice", "bob", "carol"];

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
/// CloudFront, which asks for signed cookies under `/u/`. `now` is its clock. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so the gate knows the client IP.
///
/// # Errors
/// If the images cannot be written.
pub fn cdn(
    trusted: TrustedKeyGroups,
    now: impl Fn() -> cfsign::EpochSeconds + Send + Sync + 'static,
) -> std::io::Result<Router> {
    let dir = std::env::temp_dir().join(format!("cfsign-axum-demo-cdn-{}", std::process::id()));
    for user in DEMO_USERS {
        std::fs::create_dir_all(dir.join("u").join(user))?;
        for n in 1..=3 {
            let file = format!("photo-{n}.svg");
            std::fs::write(dir.join("u").join(user).join(&file), image(user, &file))?;
        }
    }
    std::fs::write(dir.join("index.html"), "cfsign local CDN: files under /u/{user}/ need signed cookies\n")?;
    let gate = Gate::new().protect("/u/*", trusted).map_err(std::io::Error::other)?;
    Ok(Router::new().fallback_service(GateLayer::new(gate).clock(now).serve_dir(dir)))
}

pub mod cli {
    //! The demo's command line.

    use std::net::SocketAddr;

    use cfsign::{KeyKind, SigningKey};
    use cfsign_verify::{KeyGroup, TrustedKeyGroups};

    /// Usage text.
    pub const USAGE: &str =
        "usage: [--app-addr ADDR] [--cdn-addr ADDR] [--key FILE --key-pair-id ID] [--secure-cookies]

  --app-addr ADDR     where the app listens (default 127.0.0.1:3000)
  --cdn-addr ADDR     where the local CloudFront stand-in listens (default 127.0.0.1:3001)
  --key FILE          private key (PEM); default: a throwaway P-256 key generated at start
  --key-pair-id ID    its CloudFront key-pair ID (default KDEMO)
  --secure-cookies    mark the CloudFront cookies Secure (off by default: the demo serves plain HTTP)";

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
        /// `--secure-cookies`.
        pub secure: bool,
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
            secure: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            let mut value = || it.next().ok_or(format!("{a} needs a value"));
            match a.as_str() {
                "--app-addr" => args.app_addr = value()?.parse().map_err(|e| format!("--app-addr: {e}"))?,
                "--cdn-addr" => args.cdn_addr = value()?.parse().map_err(|e| format!("--cdn-addr: {e}"))?,
                "--key" => args.key = Some(value()?),
                "--key-pair-id" => args.key_pair_id = value()?,
                "--secure-cookies" => args.secure = true,
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
        /// Prints where the app and the CDN listen.
        pub fn announce(&self, app: SocketAddr, cdn: &super::CdnOrigin) {
            println!("app: http://{app}/");
            println!("cdn: {}/  (local CloudFront stand-in, key-pair ID {})", cdn.0, self.key_pair_id);
            if !self.secure {
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

//! The demo behind `cargo run -p axum-app`: an app that signs users in and a local stand-in
//! for CloudFront that serves each user's private images only with valid signed cookies.
//!
//! - app: `GET /` (HTML; images load from the CDN), `POST /login` (form fields `username`,
//!   `password`), `POST /logout`, `GET /me` (JSON).
//! - CDN: the demo users' images under `/u/{user}/` behind `cfsign-gate` (CloudFront's checks
//!   via `cfsign-verify`); 403 with CloudFront's XML body otherwise.
//!
//! Sign-in is `axum-login` over `tower-sessions` (sessions held in memory, the cookie carries
//! only the session ID), passwords checked against Argon2 hashes (`password-auth`). The
//! CloudFront layer asks `axum-login`'s session who is signed in: a session it does not know
//! — forged, or ended by sign-out — gets no CloudFront cookies.
//!
//! This file is the part to copy into an app: the sign-in and sign-out handlers, the
//! sessions, and the CloudFront cookie layer in [`app`]. The page, the demo users' password
//! table, the local CDN, HTTPS mode and the command line are demo scaffolding shared with
//! `actix-app`, in `cfsign-demo-support` (`examples/demo-support`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_login::tower_sessions::cookie::SameSite;
use axum_login::tower_sessions::cookie::time::Duration;
use axum_login::tower_sessions::{Expiry, MemoryStore, SessionManagerLayer};
use axum_login::{AuthManagerLayerBuilder, AuthUser, AuthnBackend};
use cfsign_demo_support::{BAD_LOGIN, CdnOrigin, Users, access_for, me_json, page};
use cfsign_issuer::{Directive, Issuer};
use cfsign_tower::CloudFrontCookieLayer;
use tower::ServiceBuilder;

/// A user of the app: a name and the Argon2 hash of their password (a PHC string).
#[derive(Clone)]
pub struct User {
    name: String,
    password_hash: String,
}

impl User {
    /// The user's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("name", &self.name).finish_non_exhaustive()
    }
}

impl AuthUser for User {
    type Id = String;

    fn id(&self) -> String {
        self.name.clone()
    }

    // A session stays valid only while the password it was opened with does.
    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_bytes()
    }
}

/// The sign-in form.
#[derive(Clone, serde::Deserialize)]
pub struct Credentials {
    /// The user's name.
    pub username: String,
    /// The password, as typed.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// The user store `axum-login` authenticates against: the demo's password table
/// ([`Users`]: in memory, as the demo needs nothing but Rust). A real app puts its own user
/// database behind `AuthnBackend`.
#[derive(Clone, Debug)]
pub struct Backend {
    users: Arc<Users>,
}

impl Backend {
    /// The demo users, their passwords hashed now.
    #[must_use]
    pub fn demo() -> Self {
        Backend { users: Arc::new(Users::demo()) }
    }

    /// The user `name`, if there is one.
    fn user(&self, name: &str) -> Option<User> {
        let password_hash = self.users.password_hash(name)?.to_owned();
        Some(User { name: name.to_owned(), password_hash })
    }
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = tokio::task::JoinError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, Self::Error> {
        let users = Arc::clone(&self.users);
        // Argon2 is tens of milliseconds of CPU on purpose: off the async workers. An unknown
        // name takes as long to refuse as a wrong password.
        let name =
            tokio::task::spawn_blocking(move || users.verify(&creds.username, &creds.password)).await?;
        Ok(name.and_then(|name| self.user(&name)))
    }

    async fn get_user(&self, name: &String) -> Result<Option<User>, Self::Error> {
        Ok(self.user(name))
    }
}

/// `axum-login`'s view of a request's session.
pub type AuthSession = axum_login::AuthSession<Backend>;

/// The signed-in user of a request that went through `axum-login`'s layer.
fn signed_in(request: &Request) -> Option<&User> {
    request.extensions().get::<AuthSession>()?.user.as_ref()
}

/// The name of the app's session cookie (it holds only the session ID).
pub const SESSION_COOKIE: &str = "session";

async fn login(
    mut auth: AuthSession,
    State(cdn): State<CdnOrigin>,
    Form(creds): Form<Credentials>,
) -> Response {
    let user = match auth.authenticate(creds).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return (StatusCode::UNAUTHORIZED, Html(page(None, &cdn, Some(BAD_LOGIN)))).into_response();
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let Some(access) = access_for(&cdn, user.name()) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // A new session ID at every sign-in, also when the browser brings a signed-in session of
    // its own (axum-login renews the ID only for a session without a user): an ID planted
    // before the sign-in is never the one signed in. The old ID is deleted from the store.
    if auth.session.cycle_id().await.is_err() || auth.login(&user).await.is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (Extension(Directive::issue(access)), Redirect::to("/")).into_response()
}

async fn logout(mut auth: AuthSession) -> Response {
    match auth.logout().await {
        Ok(_) => (Extension(Directive::revoke()), Redirect::to("/")).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn me(State(cdn): State<CdnOrigin>, request: Request) -> Json<serde_json::Value> {
    Json(me_json(signed_in(&request).map(User::name), &cdn))
}

async fn index(State(cdn): State<CdnOrigin>, request: Request) -> Html<String> {
    Html(page(signed_in(&request).map(User::name), &cdn, None))
}

/// The app: `axum-login`'s layer (over a `tower-sessions` layer) outside the CloudFront
/// cookie layer, which reads the signed-in user from it (both in one `ServiceBuilder`, as
/// axum recommends for several middleware). `secure` marks the session cookie `Secure`
/// (serve the app over HTTPS then).
pub fn app(issuer: Issuer, cdn: CdnOrigin, secure: bool) -> Router {
    let sessions = SessionManagerLayer::new(MemoryStore::default())
        .with_name(SESSION_COOKIE)
        .with_secure(secure)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(Duration::hours(8)));
    let auth = AuthManagerLayerBuilder::new(Backend::demo(), sessions).build();
    let cloudfront = CloudFrontCookieLayer::new(issuer, {
        let cdn = cdn.clone();
        move |req: &Request| signed_in(req).and_then(|u| access_for(&cdn, u.name()))
    });
    Router::new()
        .route("/", get(index))
        .route("/me", get(me))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .with_state(cdn)
        .layer(ServiceBuilder::new().layer(auth).layer(cloudfront))
}

/// `router` with `GET /metrics`: the issuer's and the gate's metrics (and anything else
/// recorded through the `metrics` facade) as Prometheus text, from the recorder `handle`
/// belongs to (installed once per process, in `main`).
pub fn with_metrics(router: Router, handle: metrics_exporter_prometheus::PrometheusHandle) -> Router {
    router.route("/metrics", get(move || std::future::ready(handle.render())))
}

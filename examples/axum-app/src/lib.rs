//! The demo behind `cargo run -p axum-app`: an app that signs users in and a local stand-in
//! for CloudFront that serves each user's private images only with valid signed cookies.
//!
//! - app: `GET /` (HTML; images load from the CDN), `POST /login` (form fields `username`,
//!   `password`), `POST /logout`, `GET /me` (JSON); with `--video`, `GET /watch` (the private
//!   video, `?mode=signed` or `?mode=cookies`) and `GET /video/{playlist}` (the stream's
//!   playlists, signed for the viewer).
//! - CDN: the demo users' images (and videos) under `/u/{user}/` behind `cfsign-gate`
//!   (CloudFront's checks via `cfsign-verify`); 403 with CloudFront's XML body otherwise.
//!
//! Sign-in is `axum-login` over `tower-sessions` (sessions held in memory, the cookie carries
//! only the session ID), passwords checked against Argon2 hashes (`password-auth`). The
//! CloudFront layer asks `axum-login`'s session who is signed in: a session it does not know
//! — forged, or ended by sign-out — gets no CloudFront cookies.
//!
//! This file is the part to copy into an app: the sign-in and sign-out handlers, the
//! sessions, the CloudFront cookie layer in [`app`], and the signed playlist route. The page, the demo users' password
//! table, the local CDN, HTTPS mode and the command line are demo scaffolding shared with
//! `actix-app`, in `cfsign-demo-support` (`examples/demo-support`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, FromRef, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_login::tower_sessions::cookie::SameSite;
use axum_login::tower_sessions::cookie::time::Duration;
use axum_login::tower_sessions::{Expiry, MemoryStore, SessionManagerLayer};
use axum_login::{AuthManagerLayerBuilder, AuthUser, AuthnBackend};
use cfsign_demo_support::video::{Mode, Video, video_url, watch_page};
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

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    cdn: CdnOrigin,
    /// The one that sets the CloudFront cookies, also signing the playlists: a playlist's
    /// policy is then the cookies' policy, and shares their signature.
    issuer: Issuer,
    video: Option<Arc<Video>>,
}

impl FromRef<AppState> for CdnOrigin {
    fn from_ref(state: &AppState) -> Self {
        state.cdn.clone()
    }
}

async fn watch(State(state): State<AppState>, request: Request) -> Response {
    let Some(user) = signed_in(&request) else { return Redirect::to("/").into_response() };
    let mode = Mode::from_query(request.uri().query());
    Html(watch_page(user.name(), &state.cdn, mode, state.video.is_some())).into_response()
}

/// `GET /video/{playlist}`: one of the stream's playlists, signed for the viewer's scope —
/// every URI an absolute CloudFront URL with its signature, except the media playlists a
/// multivariant playlist names, which the player asks this route for too. 403 when signed
/// out. The path is looked up exactly as sent among the playlists read at start-up: no
/// spelling of it reaches anything else, and the URL signed for is built from the name found.
async fn playlist(State(state): State<AppState>, request: Request) -> Response {
    let file = request.uri().path().strip_prefix("/video/").unwrap_or_default();
    let Some(text) = state.video.as_ref().and_then(|video| video.playlist(file)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = signed_in(&request).map(User::name);
    let access = user.and_then(|user| access_for(&state.cdn, user));
    let url = user.and_then(|user| video_url(&state.cdn, user, file)).unwrap_or_default();
    cfsign_tower::signed_playlist(&state.issuer, access.as_ref(), &url, text).await.into_response()
}

async fn hls_js(State(state): State<AppState>) -> Response {
    match &state.video {
        Some(video) => (
            [(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")],
            video.hls_js(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The app: `axum-login`'s layer (over a `tower-sessions` layer) outside the CloudFront
/// cookie layer, which reads the signed-in user from it (both in one `ServiceBuilder`, as
/// axum recommends for several middleware). `secure` marks the session cookie `Secure`
/// (serve the app over HTTPS then). With `video`, the watch page and the signed playlists.
pub fn app(issuer: Issuer, cdn: CdnOrigin, secure: bool, video: Option<Video>) -> Router {
    let sessions = SessionManagerLayer::new(MemoryStore::default())
        .with_name(SESSION_COOKIE)
        .with_secure(secure)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(Duration::hours(8)));
    let auth = AuthManagerLayerBuilder::new(Backend::demo(), sessions).build();
    let cloudfront = CloudFrontCookieLayer::new(issuer.clone(), {
        let cdn = cdn.clone();
        move |req: &Request| signed_in(req).and_then(|u| access_for(&cdn, u.name()))
    });
    let state = AppState { cdn, issuer, video: video.map(Arc::new) };
    Router::new()
        .route("/", get(index))
        .route("/me", get(me))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/watch", get(watch))
        .route("/video/{*playlist}", get(playlist))
        .route(cfsign_demo_support::video::HLS_JS_PATH, get(hls_js))
        .with_state(state)
        .layer(ServiceBuilder::new().layer(auth).layer(cloudfront))
}

/// `router` with `GET /metrics`: the issuer's and the gate's metrics (and anything else
/// recorded through the `metrics` facade) as Prometheus text, from the recorder `handle`
/// belongs to (installed once per process, in `main`).
pub fn with_metrics(router: Router, handle: metrics_exporter_prometheus::PrometheusHandle) -> Router {
    router.route("/metrics", get(move || std::future::ready(handle.render())))
}

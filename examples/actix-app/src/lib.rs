//! The cfsign demo on actix-web: an app that signs users in with a password (`actix-identity`
//! over `actix-session`) and, through `cfsign-actix`, gives them CloudFront signed cookies for
//! their images on a local stand-in for CloudFront.
//!
//! This file is the part to copy into an app: the sign-in and sign-out handlers, the
//! sessions ([`MemorySessions`]) and the CloudFront cookie middleware in [`serve`]. The page,
//! the demo users' password table, the local CDN, HTTPS mode and the command line are demo
//! scaffolding shared with `axum-app`, in `cfsign-demo-support` (`examples/demo-support`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use actix_identity::{Identity, IdentityMiddleware};
use actix_session::SessionMiddleware;
use actix_session::config::CookieContentSecurity;
use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use cfsign_actix::{CloudFrontCookieMiddleware, CloudFrontResponseExt};
use cfsign_demo_support::{BAD_LOGIN, CdnOrigin, Users, access_for, me_json, page};
use cfsign_issuer::Issuer;

/// The name of the app's session cookie (it holds only the session key).
pub const SESSION_COOKIE: &str = "session";

#[derive(serde::Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

fn user(identity: Option<&Identity>) -> Option<String> {
    identity.and_then(|i| i.id().ok())
}

fn html(mut response: actix_web::HttpResponseBuilder, body: String) -> HttpResponse {
    response.content_type("text/html; charset=utf-8").body(body)
}

async fn index(identity: Option<Identity>, cdn: web::Data<CdnOrigin>) -> HttpResponse {
    html(HttpResponse::Ok(), page(user(identity.as_ref()).as_deref(), &cdn, None))
}

async fn me(identity: Option<Identity>, cdn: web::Data<CdnOrigin>) -> HttpResponse {
    HttpResponse::Ok().json(me_json(user(identity.as_ref()).as_deref(), &cdn))
}

async fn login(
    req: HttpRequest,
    form: web::Form<Credentials>,
    cdn: web::Data<CdnOrigin>,
    users: web::Data<Users>,
) -> HttpResponse {
    let Credentials { username, password } = form.into_inner();
    let verified = web::block(move || users.verify(&username, &password)).await;
    let Ok(Some(user)) = verified else {
        return html(HttpResponse::Unauthorized(), page(None, &cdn, Some(BAD_LOGIN)));
    };
    let Some(access) = access_for(&cdn, &user) else {
        return HttpResponse::InternalServerError().finish();
    };
    // Stores the user in the session and renews its key (no session fixation).
    if Identity::login(&req.extensions(), user).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::SeeOther().cloudfront_issue(access).insert_header((header::LOCATION, "/")).finish()
}

async fn logout(identity: Option<Identity>) -> HttpResponse {
    // Deletes the session from the store: a copy of the session cookie opens nothing.
    if let Some(identity) = identity {
        identity.logout();
    }
    HttpResponse::SeeOther().cloudfront_revoke().insert_header((header::LOCATION, "/")).finish()
}

/// The app on `listener`: sessions (outermost) → identity → CloudFront cookies → routes.
/// `secure` marks the session cookie `Secure`; with `tls` the app is served over HTTPS.
///
/// # Errors
/// If the listener cannot be used.
pub fn serve(
    listener: std::net::TcpListener,
    issuer: Issuer,
    cdn: CdnOrigin,
    secure: bool,
    tls: Option<&cfsign_demo_support::tls::SelfSigned>,
) -> std::io::Result<Server> {
    let users = web::Data::new(Users::demo());
    let sessions = MemorySessions::default();
    // Signs the session cookie; made anew at each start, as the sessions live in memory.
    let key = Key::generate();
    let server = HttpServer::new(move || {
        let (access_cdn, access_users) = (cdn.clone(), users.clone());
        App::new()
            .app_data(web::Data::new(cdn.clone()))
            .app_data(users.clone())
            .route("/", web::get().to(index))
            .route("/me", web::get().to(me))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            // actix-web runs the last `wrap` first: the CloudFront middleware sees the identity.
            .wrap(CloudFrontCookieMiddleware::with_identity(issuer.clone(), move |id: &str| {
                access_users.exists(id).then(|| access_for(&access_cdn, id)).flatten()
            }))
            .wrap(IdentityMiddleware::default())
            .wrap(
                SessionMiddleware::builder(sessions.clone(), key.clone())
                    .cookie_name(SESSION_COOKIE.to_owned())
                    .cookie_secure(secure)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_http_only(true)
                    .cookie_content_security(CookieContentSecurity::Signed)
                    .build(),
            )
    })
    .workers(2)
    // A client that stalls in the middle of a request head (or a TLS handshake) is answered
    // 408 and disconnected, after the same time the local CDN gives (actix-web's defaults,
    // written out). actix-web times out only the first request head of a connection: on a
    // kept-alive connection, half of a second request would hold it open for good. So no
    // keep-alive: one request per connection (a sign-in page and a few form posts; the
    // images come from the CDN).
    .client_request_timeout(cfsign_gate::Server::DEFAULT_HEADER_READ_TIMEOUT)
    .tls_handshake_timeout(cfsign_gate::Server::DEFAULT_HEADER_READ_TIMEOUT)
    .keep_alive(actix_web::http::KeepAlive::Disabled);
    Ok(match tls {
        Some(tls) => server.listen_rustls_0_23(listener, (*tls.config).clone())?,
        None => server.listen(listener)?,
    }
    .run())
}

/// Sessions held in this process's memory, the cookie carrying only a signed random key.
/// (`actix-session` ships a cookie store and a Redis store: a cookie store cannot forget a
/// session at sign-out — a copy of the cookie would stay valid — and the demo needs nothing
/// but Rust.) Entries end with their time to live.
#[derive(Clone, Default)]
pub struct MemorySessions(Arc<Mutex<HashMap<String, (SessionState, Instant)>>>);

/// What `actix-session` keeps for a session.
type SessionState = HashMap<String, String>;

/// A time to live as actix-session gives it.
type Ttl = actix_web::cookie::time::Duration;

impl MemorySessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (SessionState, Instant)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deadline(ttl: &Ttl) -> Instant {
        Instant::now() + std::time::Duration::try_from(*ttl).unwrap_or_default()
    }

    /// Stores `state` under `key` if that key is still in the store, else under a fresh key,
    /// in one critical section: a session deleted at sign-out is never brought back by an
    /// update racing with it (the Redis store also gives a vanished key's state a new key).
    fn write(&self, key: Option<SessionKey>, state: SessionState, ttl: &Ttl) -> SessionKey {
        let until = Self::deadline(ttl);
        let now = Instant::now();
        let mut sessions = self.lock();
        sessions.retain(|_, (_, until)| *until > now);
        let key = key.filter(|k| sessions.contains_key(k.as_ref())).unwrap_or_else(generate_session_key);
        sessions.insert(key.as_ref().to_owned(), (state, until));
        key
    }
}

impl SessionStore for MemorySessions {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let sessions = self.lock();
        Ok(sessions.get(key.as_ref()).filter(|(_, until)| *until > Instant::now()).map(|(s, _)| s.clone()))
    }

    async fn save(&self, state: SessionState, ttl: &Ttl) -> Result<SessionKey, SaveError> {
        Ok(self.write(None, state, ttl))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &Ttl,
    ) -> Result<SessionKey, UpdateError> {
        Ok(self.write(Some(key), state, ttl))
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Ttl) -> Result<(), anyhow::Error> {
        if let Some(entry) = self.lock().get_mut(key.as_ref()) {
            entry.1 = Self::deadline(ttl);
        }
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.lock().remove(key.as_ref());
        Ok(())
    }
}

/// Runs the local CDN ([`cfsign_demo_support::cdn`]) on its own thread and runtime (actix-web
/// runs its own); over HTTPS with `tls`.
///
/// # Errors
/// If the runtime cannot start.
pub fn spawn_cdn(
    listener: std::net::TcpListener,
    trusted: cfsign_verify::TrustedKeyGroups,
    tls: Option<cfsign_demo_support::tls::SelfSigned>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    Ok(std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            let Ok(cdn) =
                cfsign_demo_support::cdn(trusted, cfsign::EpochSeconds::now, tls.is_some(), None, None)
            else {
                eprintln!("actix-app: cannot write the CDN's images");
                return;
            };
            match tls {
                Some(tls) => cfsign_demo_support::tls::serve(listener, tls, cdn).await,
                None => cfsign_gate::Server::new().serve(listener, cdn).await,
            }
        });
    }))
}

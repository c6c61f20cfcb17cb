//! # cfsign-actix — CloudFront cookies for actix-web
//!
//! [`CloudFrontCookieMiddleware`] is an actix-web middleware that attaches fresh `CloudFront-*` signed
//! cookies to authenticated responses, refreshes them before they expire and clears them on
//! logout. It is thin glue: every decision is made by [`cfsign_issuer::Issuer`], exactly as in
//! `cfsign-tower` — one conformance suite runs the same scenarios against both and requires
//! the same `Set-Cookie` headers.
//!
//! ```
//! use std::sync::Arc;
//! use actix_web::{App, HttpResponse, dev::ServiceRequest, web};
//! use cfsign_actix::{CloudFrontCookieMiddleware, CloudFrontResponseExt};
//! use cfsign_issuer::{Access, Issuer, Scope};
//!
//! fn access_for(user: &str) -> Option<Access> {
//!     // The user ID is one percent-encoded path segment: whatever it holds, the scope is
//!     // that user's folder (`format!` into a pattern would let `*` or `/` widen it).
//!     let scope = Scope::prefix("https://cdn.example.com/u/", [user]).ok()?;
//!     // Cookies on every path, so the app sees them come back and refreshes them.
//!     scope.with_cookie_path("/").map(Access::from).ok()
//! }
//!
//! async fn login() -> HttpResponse {
//!     // ... check the password, start the session ...
//!     HttpResponse::SeeOther()
//!         .cloudfront_issue(access_for("alice").unwrap())
//!         .insert_header(("location", "/"))
//!         .finish()
//! }
//!
//! async fn logout() -> HttpResponse {
//!     HttpResponse::SeeOther().cloudfront_revoke().insert_header(("location", "/")).finish()
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
//! let key = cfsign::rustcrypto::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let issuer = Issuer::builder(Arc::new(key)).domain("example.com").build()?;
//!
//! let app = App::new()
//!     .route("/login", web::post().to(login))
//!     .route("/logout", web::post().to(logout))
//!     // Read the signed-in user however your auth does it (here: a request header).
//!     .wrap(CloudFrontCookieMiddleware::new(issuer, |req: &ServiceRequest| {
//!         req.headers().get("x-user").and_then(|u| u.to_str().ok()).and_then(access_for)
//!     }));
//! # let _ = app; Ok(()) }
//! ```
//!
//! ## Registration order
//!
//! In actix-web the **last** `.wrap()` is the **outermost** middleware and runs first. The
//! CloudFront middleware needs to see who is signed in, so register it *before* (inside) the
//! middleware that establishes the user:
//!
//! ```text
//! App::new()
//!     .wrap(CloudFrontCookieMiddleware::with_identity(issuer, access_for)) // innermost: sees the identity
//!     .wrap(IdentityMiddleware::default())                        // reads the identity from the session
//!     .wrap(SessionMiddleware::new(store, session_key))           // outermost: loads the session
//! ```
//!
//! With the `identity` feature, [`CloudFrontCookieMiddleware::with_identity`] reads the user ID from
//! `actix-identity` and asks your function which [`Access`] it has.
//!
//! Errors returned by handlers (`Err(actix_web::Error)`) pass through untouched and get no
//! cookies; return an `HttpResponse` with the status instead when a 4xx page should still
//! refresh them.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{COOKIE, HeaderValue, SET_COOKIE};
use actix_web::{Error, HttpResponseBuilder};
use cfsign_issuer::{Access, Issuer, RequestView};
pub use cfsign_issuer::{AccessFn, Directive};

/// [`AccessFn`] that reads the user ID from `actix-identity`; see
/// [`CloudFrontCookieMiddleware::with_identity`].
#[cfg(feature = "identity")]
#[derive(Debug, Clone)]
pub struct FromIdentity<G>(G);

#[cfg(feature = "identity")]
impl<G> AccessFn<ServiceRequest> for FromIdentity<G>
where
    G: Fn(&str) -> Option<Access>,
{
    fn access(&self, request: &ServiceRequest) -> Option<Access> {
        use actix_identity::IdentityExt;
        let id = request.get_identity().ok()?.id().ok()?;
        (self.0)(&id)
    }
}

/// The middleware; see the [crate docs](crate).
pub struct CloudFrontCookieMiddleware<F> {
    issuer: Issuer,
    access: Rc<F>,
}

impl<F> Clone for CloudFrontCookieMiddleware<F> {
    fn clone(&self) -> Self {
        CloudFrontCookieMiddleware { issuer: self.issuer.clone(), access: self.access.clone() }
    }
}

impl<F> std::fmt::Debug for CloudFrontCookieMiddleware<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudFrontCookieMiddleware").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

impl<F: AccessFn<ServiceRequest> + 'static> CloudFrontCookieMiddleware<F> {
    /// A middleware issuing with `issuer`, asking `access` (an [`AccessFn`], e.g.
    /// `|req: &ServiceRequest| ...`) what each request's session may see.
    pub fn new(issuer: Issuer, access: F) -> Self {
        CloudFrontCookieMiddleware { issuer, access: Rc::new(access) }
    }
}

#[cfg(feature = "identity")]
impl<G> CloudFrontCookieMiddleware<FromIdentity<G>>
where
    G: Fn(&str) -> Option<Access> + 'static,
{
    /// A middleware for apps using `actix-identity`: `access` maps the signed-in user's ID to
    /// what they may see. Register it before `IdentityMiddleware` (see the crate docs).
    pub fn with_identity(issuer: Issuer, access: G) -> Self {
        CloudFrontCookieMiddleware::new(issuer, FromIdentity(access))
    }
}

impl<S, B, F> Transform<S, ServiceRequest> for CloudFrontCookieMiddleware<F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    F: AccessFn<ServiceRequest> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = CloudFrontCookieMiddlewareService<S, F>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CloudFrontCookieMiddlewareService {
            service: Rc::new(service),
            issuer: self.issuer.clone(),
            access: self.access.clone(),
        }))
    }
}

/// The service [`CloudFrontCookieMiddleware`] wraps around yours (what actix-web builds from
/// the middleware; apps never name it). Not `cfsign_tower::CloudFrontCookieService`, the tower
/// one.
pub struct CloudFrontCookieMiddlewareService<S, F> {
    service: Rc<S>,
    issuer: Issuer,
    access: Rc<F>,
}

impl<S, B, F> Service<ServiceRequest> for CloudFrontCookieMiddlewareService<S, F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    F: AccessFn<ServiceRequest> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let view = RequestView::new(request.path())
            .cookie_headers(request.headers().get_all(COOKIE).map(HeaderValue::as_bytes))
            .access(self.access.access(&request));
        let pending = self.issuer.inspect(view);
        let issuer = self.issuer.clone();
        let service = self.service.clone();
        Box::pin(async move {
            let mut response = service.call(request).await?;
            let directive = response.response_mut().extensions_mut().remove::<Directive>();
            let status = response.status().as_u16();
            // Waits only when cookies have to be signed by a signer that waits (AWS KMS).
            for value in issuer.finish(pending, directive.as_ref(), status).await {
                // Rendered by cfsign from validated parts, so always a valid header value.
                if let Ok(value) = HeaderValue::try_from(value) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            Ok(response)
        })
    }
}

/// Sets an explicit CloudFront cookie [`Directive`] on a response being built (or insert one
/// into a response's extensions yourself).
pub trait CloudFrontResponseExt {
    /// Issue cookies for `access` on this response (at login).
    fn cloudfront_issue(&mut self, access: Access) -> &mut Self;
    /// Remove the cookies on this response (at logout).
    fn cloudfront_revoke(&mut self) -> &mut Self;
}

impl CloudFrontResponseExt for HttpResponseBuilder {
    fn cloudfront_issue(&mut self, access: Access) -> &mut Self {
        self.extensions_mut().insert(Directive::Issue(access));
        self
    }

    fn cloudfront_revoke(&mut self) -> &mut Self {
        self.extensions_mut().insert(Directive::Revoke);
        self
    }
}

/// The response to a playlist route (feature `playlist`): `playlist`, which the app serves at
/// `playlist_url` (its CloudFront URL), signed for the session's `access` by
/// [`Issuer::playlist_response`](cfsign_issuer::Issuer::playlist_response) — one signature and
/// one rewrite per stream and window, shared by every viewer — with its media type and
/// `Cache-Control: private`; 403 when signed out or for another scope. Register the handler
/// for `HEAD` too (actix-web sends a `HEAD` response without its body).
///
/// ```
/// use std::sync::Arc;
/// use actix_web::{App, HttpResponse, guard, web};
/// use cfsign_issuer::{Access, Issuer};
///
/// async fn playlist(issuer: web::Data<Issuer>, path: web::Path<(String, String)>) -> HttpResponse {
///     let (video, file) = path.into_inner();
///     let Ok(text) = std::fs::read_to_string(format!("media/{video}/{file}")) else {
///         return HttpResponse::NotFound().finish();
///     };
///     let url = format!("https://cdn.example.com/videos/{video}/{file}");
///     let access: Option<Access> = None; // from your session
///     cfsign_actix::signed_playlist(&issuer, access.as_ref(), &url, Arc::from(text)).await
/// }
///
/// let app = App::new().route(
///     "/videos/{video}/{file}",
///     web::route().guard(guard::Any(guard::Get()).or(guard::Head())).to(playlist),
/// );
/// ```
#[cfg(feature = "playlist")]
pub async fn signed_playlist(
    issuer: &Issuer,
    access: Option<&cfsign_issuer::Access>,
    playlist_url: &str,
    playlist: std::sync::Arc<str>,
) -> actix_web::HttpResponse {
    let answer = issuer.playlist_response(access, playlist_url, playlist).await;
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = actix_web::HttpResponse::build(status);
    for &(name, value) in &answer.headers {
        response.insert_header((name, value));
    }
    response.body(answer.body_bytes())
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

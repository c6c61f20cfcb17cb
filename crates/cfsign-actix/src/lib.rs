//! # cfsign-actix — CloudFront cookies for actix-web
//!
//! [`CloudFrontCookies`] is an actix-web middleware that attaches fresh `CloudFront-*` signed
//! cookies to authenticated responses, refreshes them before they expire and clears them on
//! logout. It is thin glue: every decision is made by [`cfsign_issuer::Issuer`], exactly as in
//! `cfsign-tower` — one conformance suite runs the same scenarios against both and requires
//! the same `Set-Cookie` headers.
//!
//! ```
//! use std::sync::Arc;
//! use actix_web::{App, HttpResponse, dev::ServiceRequest, web};
//! use cfsign_actix::{CloudFrontCookies, CloudFrontResponseExt};
//! use cfsign_issuer::{Access, Issuer};
//!
//! fn access_for(user: &str) -> Option<Access> {
//!     Access::single(format!("https://cdn.example.com/u/{user}/*"), "/").ok()
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
//! let key = cfsign::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let issuer = Issuer::builder(Arc::new(key)).domain("example.com").build()?;
//!
//! let app = App::new()
//!     .route("/login", web::post().to(login))
//!     .route("/logout", web::post().to(logout))
//!     // Read the signed-in user however your auth does it (here: a request header).
//!     .wrap(CloudFrontCookies::new(issuer, |req: &ServiceRequest| {
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
//!     .wrap(CloudFrontCookies::with_identity(issuer, access_for)) // innermost: sees the identity
//!     .wrap(IdentityMiddleware::default())                        // reads the identity from the session
//!     .wrap(SessionMiddleware::new(store, session_key))           // outermost: loads the session
//! ```
//!
//! With the `identity` feature, [`CloudFrontCookies::with_identity`] reads the user ID from
//! `actix-identity` and asks your function which [`Access`] it has.
//!
//! Errors returned by handlers (`Err(actix_web::Error)`) pass through untouched and get no
//! cookies; return an `HttpResponse` with the status instead when a 4xx page should still
//! refresh them.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{COOKIE, HeaderValue, SET_COOKIE};
use actix_web::{Error, HttpResponseBuilder};
use cfsign_issuer::{Access, Directive, Issuer};

/// Decides what a request's session may see; implemented for every
/// `Fn(&ServiceRequest) -> Option<Access> + 'static`.
pub trait AccessFn: 'static {
    /// The session's access, or `None` for an anonymous request.
    fn access(&self, request: &ServiceRequest) -> Option<Access>;
}

impl<F> AccessFn for F
where
    F: Fn(&ServiceRequest) -> Option<Access> + 'static,
{
    fn access(&self, request: &ServiceRequest) -> Option<Access> {
        self(request)
    }
}

/// [`AccessFn`] that reads the user ID from `actix-identity`; see
/// [`CloudFrontCookies::with_identity`].
#[cfg(feature = "identity")]
#[derive(Debug, Clone)]
pub struct FromIdentity<G>(G);

#[cfg(feature = "identity")]
impl<G> AccessFn for FromIdentity<G>
where
    G: Fn(&str) -> Option<Access> + 'static,
{
    fn access(&self, request: &ServiceRequest) -> Option<Access> {
        use actix_identity::IdentityExt;
        let id = request.get_identity().ok()?.id().ok()?;
        (self.0)(&id)
    }
}

/// The middleware; see the [crate docs](crate).
pub struct CloudFrontCookies<F> {
    issuer: Issuer,
    access: Rc<F>,
}

impl<F> Clone for CloudFrontCookies<F> {
    fn clone(&self) -> Self {
        CloudFrontCookies { issuer: self.issuer.clone(), access: self.access.clone() }
    }
}

impl<F: AccessFn> CloudFrontCookies<F> {
    /// A middleware issuing with `issuer`, asking `access` what each request's session may see.
    pub fn new(issuer: Issuer, access: F) -> Self {
        CloudFrontCookies { issuer, access: Rc::new(access) }
    }
}

#[cfg(feature = "identity")]
impl<G> CloudFrontCookies<FromIdentity<G>>
where
    G: Fn(&str) -> Option<Access> + 'static,
{
    /// A middleware for apps using `actix-identity`: `access` maps the signed-in user's ID to
    /// what they may see. Register it before `IdentityMiddleware` (see the crate docs).
    pub fn with_identity(issuer: Issuer, access: G) -> Self {
        CloudFrontCookies::new(issuer, FromIdentity(access))
    }
}

impl<S, B, F> Transform<S, ServiceRequest> for CloudFrontCookies<F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    F: AccessFn,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = CloudFrontCookiesMiddleware<S, F>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CloudFrontCookiesMiddleware {
            service: Rc::new(service),
            issuer: self.issuer.clone(),
            access: self.access.clone(),
        }))
    }
}

/// The service [`CloudFrontCookies`] wraps around yours.
#[doc(hidden)]
pub struct CloudFrontCookiesMiddleware<S, F> {
    service: Rc<S>,
    issuer: Issuer,
    access: Rc<F>,
}

impl<S, B, F> Service<ServiceRequest> for CloudFrontCookiesMiddleware<S, F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    F: AccessFn,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let access = self.access.access(&request);
        let cookies = request.headers().get_all(COOKIE).map(HeaderValue::as_bytes);
        let pending = self.issuer.inspect_headers(cookies, request.path(), access);
        let issuer = self.issuer.clone();
        let service = self.service.clone();
        Box::pin(async move {
            let mut response = service.call(request).await?;
            let directive = response.response_mut().extensions_mut().remove::<Directive>();
            let status = response.status().as_u16();
            for value in issuer.finish(pending, directive.as_ref(), status) {
                // Rendered by cfsign from validated parts, so always a valid header value.
                if let Ok(value) = HeaderValue::try_from(value) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            Ok(response)
        })
    }
}

/// Sets an explicit CloudFront cookie directive on a response being built.
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

/// The directive can also be inserted directly:
/// `response.extensions_mut().insert(Directive::Revoke)`.
pub use cfsign_issuer::Directive as CloudFrontDirective;

//! # cfsign-tower — CloudFront cookies for tower and axum
//!
//! [`CloudFrontCookieLayer`] attaches fresh `CloudFront-*` signed cookies to authenticated
//! responses, refreshes them before they expire and clears them on logout — no handler signs
//! anything. Every decision is made by [`cfsign_issuer::Issuer`]; this crate is the glue.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Extension, Router, response::Redirect, routing::{get, post}};
//! use cfsign_issuer::{Access, Issuer};
//! use cfsign_tower::{CloudFrontCookieLayer, CloudFrontCookies};
//!
//! /// What your auth layer puts into the request extensions.
//! #[derive(Clone)]
//! struct User(String);
//!
//! fn access_for(user: &str) -> Option<Access> {
//!     Access::single(format!("https://cdn.example.com/u/{user}/*"), "/").ok()
//! }
//!
//! async fn login() -> (CloudFrontCookies, Redirect) {
//!     // ... check the password, start the session ...
//!     (CloudFrontCookies::issue(access_for("alice").unwrap()), Redirect::to("/"))
//! }
//!
//! async fn logout() -> (CloudFrontCookies, Redirect) {
//!     (CloudFrontCookies::revoke(), Redirect::to("/"))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
//! let key = cfsign::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let issuer = Issuer::builder(Arc::new(key)).domain("example.com").build()?;
//!
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "private media below" }))
//!     .route("/login", post(login))
//!     .route("/logout", post(logout))
//!     // Every response to a signed-in user carries valid cookies, refreshed when due.
//!     .layer(CloudFrontCookieLayer::new(issuer, |req: &axum::extract::Request| {
//!         req.extensions().get::<User>().and_then(|u| access_for(&u.0))
//!     }));
//! # let _ = app; Ok(()) }
//! ```
//!
//! Order matters: the layer reads the authenticated user from the request extensions, so add
//! it *before* (inside) your auth layer in axum's `.layer` chain — `.layer(cloudfront)` then
//! `.layer(auth)`, so that auth runs first.
//!
//! ## Keeping it cheap
//!
//! On a request whose cookies are fresh the layer reads the `Cookie` header and compares; it
//! signs nothing. Two habits keep that path at its cheapest (see `docs/performance.md`):
//!
//! - Return a stored `Access` from the closure (keep one per session, e.g. in the session
//!   record) rather than building one per request: cloning is an atomic increment, and each
//!   [`Scope`](cfsign_issuer::Scope) keeps work the issuer does for it. If you look it up in a
//!   map keyed by user, a fast hasher (e.g. `foldhash`) costs far less than std's SipHash.
//! - Add this layer and your other middleware in **one** `tower::ServiceBuilder`, as axum
//!   recommends — `.layer(ServiceBuilder::new().layer(auth).layer(cloudfront))`, auth first —
//!   since every `Router::layer` call wraps each route in one more boxed service.
//!
//! Features: `axum` — `CloudFrontCookies` implements `IntoResponseParts` (without it, insert
//! the directive into the response extensions yourself); `gate` — [`gate::GateLayer`], a
//! local CloudFront stand-in in front of any service.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "gate")]
pub mod gate;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use cfsign_issuer::{Access, Directive, Issuer, Pending};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

/// Decides what a request's session may see; implemented for every
/// `Fn(&http::Request<B>) -> Option<Access> + Clone` (with axum, `B` is `axum::body::Body`:
/// `|req: &axum::extract::Request| ...`). Called once per request, before the inner service,
/// with the request as your auth layer left it: return a clone of a stored `Access` where you
/// can (see [Keeping it cheap](crate#keeping-it-cheap)).
pub trait AccessFn<B>: Clone {
    /// The session's access, or `None` for an anonymous request.
    fn access(&self, request: &Request<B>) -> Option<Access>;
}

impl<F, B> AccessFn<B> for F
where
    F: Fn(&Request<B>) -> Option<Access> + Clone,
{
    fn access(&self, request: &Request<B>) -> Option<Access> {
        self(request)
    }
}

/// An explicit decision from a handler, carried in the response extensions: issue cookies
/// now (login) or remove them (logout).
///
/// With the `axum` feature, return it as part of the response:
/// `(CloudFrontCookies::issue(access), Redirect::to("/"))`. Otherwise:
/// `response.extensions_mut().insert(CloudFrontCookies::revoke())`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudFrontCookies(Directive);

impl CloudFrontCookies {
    /// Issue cookies for `access` on this response.
    #[must_use]
    pub fn issue(access: Access) -> Self {
        CloudFrontCookies(Directive::Issue(access))
    }

    /// Remove the cookies on this response.
    #[must_use]
    pub fn revoke() -> Self {
        CloudFrontCookies(Directive::Revoke)
    }

    /// The directive.
    #[must_use]
    pub fn directive(&self) -> &Directive {
        &self.0
    }
}

#[cfg(feature = "axum")]
impl axum_core::response::IntoResponseParts for CloudFrontCookies {
    type Error = std::convert::Infallible;

    fn into_response_parts(
        self,
        mut res: axum_core::response::ResponseParts,
    ) -> Result<axum_core::response::ResponseParts, Self::Error> {
        res.extensions_mut().insert(self);
        Ok(res)
    }
}

/// The layer; see the [crate docs](crate).
#[derive(Debug, Clone)]
#[must_use]
pub struct CloudFrontCookieLayer<F> {
    issuer: Issuer,
    access: F,
}

impl<F> CloudFrontCookieLayer<F> {
    /// A layer issuing with `issuer`, asking `access` (an [`AccessFn`]) what each request's
    /// session may see.
    pub fn new(issuer: Issuer, access: F) -> Self {
        CloudFrontCookieLayer { issuer, access }
    }
}

impl<S, F: Clone> Layer<S> for CloudFrontCookieLayer<F> {
    type Service = CloudFrontCookieService<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        CloudFrontCookieService {
            inner,
            shared: Arc::new(Shared { issuer: self.issuer.clone(), access: self.access.clone() }),
        }
    }
}

/// The service [`CloudFrontCookieLayer`] wraps around yours.
///
/// Frameworks clone a service for each request (axum once, twice under a `from_fn`
/// middleware), so the issuer and the access function sit behind one `Arc`: a clone is one
/// atomic increment, whatever the access function captures.
#[derive(Debug)]
pub struct CloudFrontCookieService<S, F> {
    inner: S,
    shared: Arc<Shared<F>>,
}

#[derive(Debug)]
struct Shared<F> {
    issuer: Issuer,
    access: F,
}

impl<S: Clone, F> Clone for CloudFrontCookieService<S, F> {
    fn clone(&self) -> Self {
        CloudFrontCookieService { inner: self.inner.clone(), shared: Arc::clone(&self.shared) }
    }
}

impl<S, F, ReqBody, ResBody> Service<Request<ReqBody>> for CloudFrontCookieService<S, F>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    F: AccessFn<ReqBody>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The request is read in place: splitting it into parts and back moves its head (a few
        // hundred bytes) twice, ~180 instructions per request (`cargo xtask instr`).
        let Shared { issuer, access } = &*self.shared;
        let access = access.access(&request);
        let cookies = request.headers().get_all(COOKIE).iter().map(HeaderValue::as_bytes);
        let pending = issuer.inspect_headers(cookies, request.uri().path(), access);
        ResponseFuture { inner: self.inner.call(request), state: Some((issuer.clone(), pending)) }
    }
}

pin_project_lite::pin_project! {
    /// Response future of [`CloudFrontCookieService`]: adds the `Set-Cookie` headers when the
    /// inner response is ready.
    pub struct ResponseFuture<Fut> {
        #[pin]
        inner: Fut,
        state: Option<(Issuer, Pending)>,
    }
}

impl<Fut, ResBody, E> Future for ResponseFuture<Fut>
where
    Fut: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some((issuer, pending)) = this.state.take() {
            let directive = response.extensions_mut().remove::<CloudFrontCookies>();
            let status = response.status().as_u16();
            for value in issuer.finish(pending, directive.as_ref().map(CloudFrontCookies::directive), status)
            {
                // Rendered by cfsign from validated parts, so always a valid header value.
                if let Ok(value) = HeaderValue::try_from(value) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
        }
        Poll::Ready(Ok(response))
    }
}

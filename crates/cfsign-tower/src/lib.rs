//! # cfsign-tower — CloudFront cookies for tower and axum
//!
//! [`CloudFrontCookieLayer`] attaches fresh `CloudFront-*` signed cookies to authenticated
//! responses, refreshes them before they expire and clears them on logout — no handler signs
//! anything. Every decision is made by [`cfsign_issuer::Issuer`]; this crate is the glue.
//!
//! A handler asks for cookies explicitly (at login) or for their removal (at logout) by
//! putting a [`Directive`] into the response extensions — with axum, by returning
//! `Extension(Directive::issue(access))`.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Extension, Router, response::Redirect, routing::{get, post}};
//! use cfsign_issuer::{Access, Directive, Issuer, Scope};
//! use cfsign_tower::CloudFrontCookieLayer;
//!
//! /// What your auth layer puts into the request extensions.
//! #[derive(Clone)]
//! struct User(String);
//!
//! fn access_for(user: &str) -> Option<Access> {
//!     // The user ID is one percent-encoded path segment: whatever it holds, the scope is
//!     // that user's folder (`format!` into a pattern would let `*` or `/` widen it).
//!     let scope = Scope::prefix("https://cdn.example.com/u/", [user]).ok()?;
//!     // Cookies on every path, so the app sees them come back and refreshes them.
//!     scope.with_cookie_path("/").map(Access::from).ok()
//! }
//!
//! async fn login() -> (Extension<Directive>, Redirect) {
//!     // ... check the password, start the session ...
//!     (Extension(Directive::issue(access_for("alice").unwrap())), Redirect::to("/"))
//! }
//!
//! async fn logout() -> (Extension<Directive>, Redirect) {
//!     (Extension(Directive::revoke()), Redirect::to("/"))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
//! let key = cfsign::rustcrypto::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
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
//! `.layer(auth)`, so that auth runs first. Adding several layers in one
//! `tower::ServiceBuilder`, as axum recommends, saves a boxed service per route.
//!
//! With the `playlist` feature, `signed_playlist` answers a playlist route: the stream's
//! HLS playlist or DASH MPD signed for the session, for players that carry no cookies.
//!
//! A local CloudFront stand-in to test against lives in its own crate, `cfsign-gate`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

pub use cfsign_issuer::{AccessFn, Directive};
use cfsign_issuer::{Finish, Issuer, Pending, RequestView};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

/// The layer; see the [crate docs](crate).
#[must_use]
pub struct CloudFrontCookieLayer<F> {
    shared: Arc<Shared<F>>,
}

impl<F> Clone for CloudFrontCookieLayer<F> {
    fn clone(&self) -> Self {
        CloudFrontCookieLayer { shared: Arc::clone(&self.shared) }
    }
}

impl<F> std::fmt::Debug for CloudFrontCookieLayer<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudFrontCookieLayer").field("issuer", &self.shared.issuer).finish_non_exhaustive()
    }
}

impl<F> CloudFrontCookieLayer<F> {
    /// A layer issuing with `issuer`, asking `access` (an [`AccessFn`] of `http::Request<B>`,
    /// e.g. `|req: &axum::extract::Request| ...`) what each request's session may see.
    pub fn new(issuer: Issuer, access: F) -> Self {
        CloudFrontCookieLayer { shared: Arc::new(Shared { issuer, access }) }
    }
}

impl<S, F> Layer<S> for CloudFrontCookieLayer<F> {
    type Service = CloudFrontCookieService<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        CloudFrontCookieService { inner, shared: Arc::clone(&self.shared) }
    }
}

/// The service [`CloudFrontCookieLayer`] wraps around yours.
///
/// Frameworks clone a service for each request, so the issuer and the access function sit
/// behind one `Arc`: a clone is one atomic increment, whatever the access function captures.
pub struct CloudFrontCookieService<S, F> {
    inner: S,
    shared: Arc<Shared<F>>,
}

struct Shared<F> {
    issuer: Issuer,
    access: F,
}

impl<S: Clone, F> Clone for CloudFrontCookieService<S, F> {
    fn clone(&self) -> Self {
        CloudFrontCookieService { inner: self.inner.clone(), shared: Arc::clone(&self.shared) }
    }
}

impl<S: std::fmt::Debug, F> std::fmt::Debug for CloudFrontCookieService<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudFrontCookieService").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<S, F> CloudFrontCookieService<S, F> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, F, ReqBody, ResBody> Service<Request<ReqBody>> for CloudFrontCookieService<S, F>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    F: AccessFn<Request<ReqBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let Shared { issuer, access } = &*self.shared;
        let view = RequestView::new(request.uri().path())
            .cookie_headers(request.headers().get_all(COOKIE).iter().map(HeaderValue::as_bytes))
            .access(access.access(&request));
        let pending = issuer.inspect(view);
        ResponseFuture {
            inner: self.inner.call(request),
            state: State::Running(Some((issuer.clone(), pending))),
        }
    }
}

pin_project_lite::pin_project! {
    /// Response future of [`CloudFrontCookieService`]: when the inner response is ready, adds
    /// the `Set-Cookie` headers — at once, or after the signer has answered when cookies have
    /// to be signed by one that waits (AWS KMS). The executor thread is never blocked.
    pub struct ResponseFuture<Fut, ResBody> {
        #[pin]
        inner: Fut,
        state: State<ResBody>,
    }
}

enum State<B> {
    /// The inner service is running.
    Running(Option<(Issuer, Pending)>),
    /// The response is ready; the cookies are being signed.
    Finishing(Option<(Response<B>, Finish)>),
}

impl<Fut, ResBody, E> Future for ResponseFuture<Fut, ResBody>
where
    Fut: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match &mut *this.state {
                State::Running(pending) => {
                    let mut response = ready!(this.inner.as_mut().poll(cx))?;
                    let Some((issuer, pending)) = pending.take() else { return Poll::Ready(Ok(response)) };
                    let directive = response.extensions_mut().remove::<Directive>();
                    let status = response.status().as_u16();
                    let finish = issuer.finish(pending, directive.as_ref(), status);
                    *this.state = State::Finishing(Some((response, finish)));
                }
                State::Finishing(slot) => {
                    // Polled again after completion: the contract allows anything; stay pending.
                    let Some((_, finish)) = slot.as_mut() else { return Poll::Pending };
                    let headers = ready!(Pin::new(finish).poll(cx));
                    let Some((mut response, _)) = slot.take() else { return Poll::Pending };
                    for value in headers {
                        // Rendered by cfsign from validated parts, so always a valid header value.
                        if let Ok(value) = HeaderValue::try_from(value) {
                            response.headers_mut().append(SET_COOKIE, value);
                        }
                    }
                    return Poll::Ready(Ok(response));
                }
            }
        }
    }
}

/// The response to a playlist route (feature `playlist`): `playlist`, which the app serves at
/// `playlist_url` (its CloudFront URL), signed for the session's `access` by
/// [`Issuer::playlist_response`](cfsign_issuer::Issuer::playlist_response) — one signature and
/// one rewrite per stream and window, shared by every viewer — with its media type and
/// `Cache-Control: private`; 403 when signed out or for another scope. axum answers `HEAD`
/// from the same route without the body.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Extension, Router, extract::Path, response::IntoResponse, routing::get};
/// use cfsign_issuer::{Access, Issuer};
///
/// async fn playlist(
///     Extension(issuer): Extension<Issuer>,
///     access: Option<Extension<Access>>, // put there by your auth layer
///     Path((video, file)): Path<(String, String)>,
/// ) -> impl IntoResponse {
///     // Playlists from the app's own copy of the bucket (or fetched from the origin).
///     let text: Arc<str> = match std::fs::read_to_string(format!("media/{video}/{file}")) {
///         Ok(text) => text.into(),
///         Err(_) => return axum::http::StatusCode::NOT_FOUND.into_response(),
///     };
///     let url = format!("https://cdn.example.com/videos/{video}/{file}");
///     let access = access.map(|Extension(a)| a);
///     cfsign_tower::signed_playlist(&issuer, access.as_ref(), &url, text).await.into_response()
/// }
///
/// let app: Router = Router::new().route("/videos/{video}/{file}", get(playlist));
/// ```
#[cfg(feature = "playlist")]
pub async fn signed_playlist(
    issuer: &cfsign_issuer::Issuer,
    access: Option<&cfsign_issuer::Access>,
    playlist_url: &str,
    playlist: std::sync::Arc<str>,
) -> http::Response<http_body_util::Full<bytes::Bytes>> {
    let answer = issuer.playlist_response(access, playlist_url, playlist).await;
    let mut response = http::Response::new(http_body_util::Full::new(answer.body_bytes()));
    *response.status_mut() =
        http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        response.headers_mut().insert(name, http::HeaderValue::from_static(value));
    }
    response
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

//! [`GateFuture`]: the inner service's response, or the gate's own.

// pin-project-lite cannot document the fields of enum variants; the variants are documented.
#![allow(missing_docs)]

use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Response};

use crate::body::GateBody;

pin_project_lite::pin_project! {
    /// Response future of [`GateService`](crate::GateService).
    #[project = GateFutureProj]
    pub enum GateFuture<F, B> {
        /// Passed to the inner service; its response gets the CORS headers of
        /// [`Gate::cors_allow_origins`](crate::Gate::cors_allow_origins) when `cors` is set
        /// (with the request's origin when it is allowed).
        Inner { #[pin] future: F, cors: Option<Option<HeaderValue>> },
        /// Refused with CloudFront's 403 (until returned).
        Denied { response: Option<Response<GateBody<B>>> },
    }
}

impl<F, B, E> std::future::Future for GateFuture<F, B>
where
    F: std::future::Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<GateBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GateFutureProj::Inner { future, cors } => future.poll(cx).map_ok(|mut r| {
                if let Some(origin) = cors {
                    crate::cors::add_headers(r.headers_mut(), origin.as_ref());
                }
                r.map(|body| GateBody::Inner { body })
            }),
            GateFutureProj::Denied { response } => match response.take() {
                Some(r) => Poll::Ready(Ok(r)),
                None => Poll::Pending,
            },
        }
    }
}

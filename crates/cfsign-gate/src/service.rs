//! [`GateService`]: the checks of every request, before the inner service sees it.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use cfsign_verify::Denial;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use crate::body::GateBody;
use crate::config::Config;
use crate::cors;
use crate::future::GateFuture;
use crate::metrics;

/// The service [`GateLayer`](crate::GateLayer) wraps around yours.
#[derive(Clone)]
pub struct GateService<S> {
    pub(crate) inner: S,
    pub(crate) config: Arc<Config>,
}

impl<S> std::fmt::Debug for GateService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateService").field("gate", &self.config.gate).finish_non_exhaustive()
    }
}

fn denied<B>(denial: &Denial) -> Response<GateBody<B>> {
    refused(StatusCode::FORBIDDEN, Denial::CONTENT_TYPE, denial.xml_body())
}

fn refused<B>(status: StatusCode, content_type: &'static str, body: String) -> Response<GateBody<B>> {
    let mut response = Response::new(GateBody::Denied { body: Some(Bytes::from(body)) });
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for GateService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<GateBody<ResBody>>;
    type Error = S::Error;
    type Future = GateFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let config = &*self.config;
        // CORS as a response headers policy adds it: `None` when the gate answers no CORS.
        let cors = (!config.gate.cors_origins().is_empty())
            .then(|| cors::allowed_origin(config.gate.cors_origins(), &parts.headers));
        let refuse = |mut response: Response<GateBody<ResBody>>| {
            if let Some(origin) = &cors {
                cors::add_headers(response.headers_mut(), origin.as_ref());
            }
            GateFuture::Denied { response: Some(response) }
        };
        // Every request, public or not: the behaviour is chosen on the same path the inner
        // service will act on, and the URL checked carries a valid authority.
        let url = match config.request_url(&parts) {
            Ok(url) => url,
            Err(bad) => {
                metrics::request(metrics::Outcome::BadRequest);
                let body = format!("400 Bad Request: {bad} (cfsign gate; see docs/verifying.md)\n");
                return refuse(refused(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", body));
            }
        };
        if !config.gate.serves_host(url.host()) {
            metrics::request(metrics::Outcome::UnknownHost);
            let body = "403 Forbidden: the request could not be satisfied: this distribution does not \
                        serve the requested host (cfsign gate)\n";
            return refuse(refused(StatusCode::FORBIDDEN, "text/plain; charset=utf-8", body.to_owned()));
        }
        if let Some(trusted) = config.gate.behaviour_for(url.path()) {
            match config.check(trusted, &parts, &url) {
                Ok(Some(stripped)) => parts.uri = stripped,
                Ok(None) => {}
                Err(denial) => {
                    metrics::request(metrics::Outcome::Denied(&denial));
                    return refuse(denied(&denial));
                }
            }
            metrics::request(metrics::Outcome::Allowed);
        } else {
            metrics::request(metrics::Outcome::Public);
        }
        // A preflight from an allowed origin that passed the checks: answered here, as an
        // origin with CORS configured (S3's) answers it.
        if let Some(Some(origin)) = &cors
            && cors::is_preflight(&parts)
        {
            return GateFuture::Denied { response: Some(cors::preflight(origin)) };
        }
        GateFuture::Inner { future: self.inner.call(Request::from_parts(parts, body)), cors }
    }
}

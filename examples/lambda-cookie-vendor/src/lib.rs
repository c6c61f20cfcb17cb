//! The cookie vending machine of a common AWS setup, in Rust: a Lambda function behind API
//! Gateway (HTTP API) with a JWT authorizer. API Gateway checks the caller's token; the
//! function reads the verified `sub` claim from the authorizer context and answers
//! `GET /cookies` with CloudFront signed cookies for `https://<cdn>/images/<sub>/*` — that
//! user's prefix and nothing else, whatever the claim holds (`Scope::prefix`).
//!
//! Only claims API Gateway verified are read (the request context's authorizer); headers and
//! the body are never trusted for identity. No claims: `401`, no cookies.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cfsign::{AsyncSigner, SameSite};
use cfsign_issuer::{Access, Directive, Issuer, IssuerError, RequestView, Scope};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

/// What the function needs to know, from its environment in production.
#[derive(Clone, Debug)]
pub struct Config {
    /// The CloudFront distribution's (alternate) domain name, e.g. `cdn.example.com`.
    pub cdn_host: String,
    /// The cookie `Domain`: a parent of both the API's and the CDN's host, e.g. `example.com`.
    pub cookie_domain: String,
}

impl Config {
    /// From `CDN_HOST` and `COOKIE_DOMAIN`.
    ///
    /// # Errors
    /// A message naming the missing variable.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name} (see the README)"));
        Ok(Config { cdn_host: var("CDN_HOST")?, cookie_domain: var("COOKIE_DOMAIN")? })
    }
}

/// The vendor's state: the issuer and where the images live.
#[derive(Clone)]
struct Vendor {
    issuer: Issuer,
    images: String,
}

/// The issuer for `config`: cookies with `Domain`, `Secure`, `HttpOnly`, `SameSite=Lax`
/// (the app's pages and the CDN are one site), valid for an hour.
///
/// # Errors
/// An inconsistent configuration (e.g. a `Domain` that is not a host name).
pub fn issuer(signer: Arc<dyn AsyncSigner>, config: &Config) -> Result<Issuer, IssuerError> {
    Issuer::builder(signer).domain(config.cookie_domain.as_str()).same_site(SameSite::Lax).build()
}

/// The function's router: `GET /cookies`.
pub fn router(issuer: Issuer, config: &Config) -> Router {
    let images = format!("https://{}/images/", config.cdn_host);
    Router::new().route("/cookies", get(cookies)).with_state(Vendor { issuer, images })
}

/// The `sub` claim API Gateway's JWT authorizer verified, if any.
fn verified_subject(request: &Request) -> Option<String> {
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return None;
    };
    let jwt = context.authorizer.as_ref()?.jwt.as_ref()?;
    jwt.claims.get("sub").filter(|sub| !sub.is_empty()).cloned()
}

async fn cookies(State(vendor): State<Vendor>, request: Request) -> Response {
    let Some(subject) = verified_subject(&request) else {
        return (StatusCode::UNAUTHORIZED, "no verified identity: call through the JWT authorizer\n")
            .into_response();
    };
    // The claim is one path segment under a fixed base: it cannot widen the scope. Cookies
    // go with requests under the user's prefix only.
    let access = match Scope::prefix(&vendor.images, [subject.as_str()]) {
        Ok(scope) => Access::from(scope),
        Err(e) => return (StatusCode::FORBIDDEN, format!("{e}\n")).into_response(),
    };
    let headers = vendor
        .issuer
        .decide(RequestView::new(request.uri().path()), Some(&Directive::issue(access)), 204)
        .await;
    if headers.is_empty() {
        // Signing failed (logged and counted by the issuer): the client may retry.
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    for value in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

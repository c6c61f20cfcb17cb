//! What a gate holds once built, and its checks of one request: the URL it names, the client's
//! IP address, the signature.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use cfsign::EpochSeconds;
use cfsign_verify::target::{BadRequest, RequestUrl};
use cfsign_verify::{Denial, TrustedKeyGroups};
use http::header::{COOKIE, HOST};
use http::{HeaderValue, Uri};

use crate::gate::Gate;

/// The connection's address: axum's `ConnectInfo<SocketAddr>`, or a `SocketAddr` extension.
pub(crate) fn connection_ip(parts: &http::request::Parts) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(addr)) =
        parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        return Some(addr.ip());
    }
    parts.extensions.get::<std::net::SocketAddr>().map(std::net::SocketAddr::ip)
}

pub(crate) type ClientIpFn = Arc<dyn Fn(&http::request::Parts) -> Option<IpAddr> + Send + Sync>;
pub(crate) type ClockFn = Arc<dyn Fn() -> EpochSeconds + Send + Sync>;

#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) gate: Gate,
    pub(crate) scheme: &'static str,
    pub(crate) client_ip: ClientIpFn,
    pub(crate) forwarded_header: Option<http::HeaderName>,
    pub(crate) now: ClockFn,
}

impl Config {
    fn client_ip(&self, parts: &http::request::Parts) -> IpAddr {
        let forwarded = self.forwarded_header.as_ref().and_then(|name| {
            let last = parts.headers.get_all(name).iter().next_back()?;
            last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
        });
        // Unknown: an address no IP condition can match.
        forwarded.or_else(|| (self.client_ip)(parts)).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    /// The URL the request names, from a valid authority and a target in normal form.
    pub(crate) fn request_url(&self, parts: &http::request::Parts) -> Result<RequestUrl, BadRequest> {
        let mut hosts = parts.headers.get_all(HOST).iter();
        let host = hosts.next().map(HeaderValue::as_bytes);
        if hosts.next().is_some() {
            return Err(BadRequest::DuplicateHost);
        }
        // Absolute form (and HTTP/2, whose `:authority` hyper puts in the URI): the URI as
        // sent; origin form: the path and query as sent.
        match parts.uri.authority() {
            Some(_) => RequestUrl::new(self.scheme, host, parts.uri.to_string().as_bytes()),
            None => RequestUrl::new(
                self.scheme,
                host,
                parts.uri.path_and_query().map_or("", http::uri::PathAndQuery::as_str).as_bytes(),
            ),
        }
    }

    /// Verifies a protected request for `url`; on success returns the URI CloudFront forwards
    /// (without the signing parameters) when it differs from the one sent.
    pub(crate) fn check(
        &self,
        trusted: &TrustedKeyGroups,
        parts: &http::request::Parts,
        url: &RequestUrl,
    ) -> Result<Option<Uri>, Denial> {
        let cookies = cfsign::wire::join_cookie_headers(
            parts.headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes),
        );
        let request = cfsign_verify::Request::new(url.as_str(), self.client_ip(parts), (self.now)())
            .cookie_header(&cookies);
        let grant = trusted.verify(&request)?;
        if grant.forwarded_url() == url.as_str() {
            return Ok(None);
        }
        // Stripping changes only the query: the forwarded URL keeps the scheme and authority.
        let prefix = url.as_str().len() - url.path_and_query().len();
        let mut uri = http::uri::Parts::from(parts.uri.clone());
        uri.path_and_query = grant.forwarded_url().get(prefix..).and_then(|t| t.parse().ok());
        Ok(Uri::from_parts(uri).ok())
    }
}

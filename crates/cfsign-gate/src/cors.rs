//! CORS as a CloudFront response headers policy answers it when it allows credentials for a
//! list of origins (`docs/cloudfront-format.md §12`): the exact request origin echoed with
//! `Access-Control-Allow-Credentials: true`, and nothing for any other origin.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};

use crate::body::GateBody;

/// A CORS origin the gate was asked to allow was not one a browser sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCorsOrigin {
    origin: String,
}

impl std::fmt::Display for InvalidCorsOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is not an origin a browser sends: use scheme://host[:port] such as https://app.example.com, \
             without a path; '*' cannot be used, since credentialed requests need the exact origin",
            self.origin.escape_debug()
        )
    }
}

impl std::error::Error for InvalidCorsOrigin {}

/// An origin as browsers serialise it (`https://app.example.com`, `http://127.0.0.1:8080`),
/// lowercased, since the `Origin` header is compared byte for byte.
pub(crate) fn cors_origin(origin: &str) -> Result<HeaderValue, InvalidCorsOrigin> {
    let invalid = || InvalidCorsOrigin { origin: origin.to_owned() };
    let lower = origin.to_ascii_lowercase();
    let authority =
        lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).ok_or_else(invalid)?;
    let (host, port) = if authority.starts_with('[') {
        let (address, rest) = authority.split_once(']').ok_or_else(invalid)?;
        let port = if rest.is_empty() { None } else { Some(rest.strip_prefix(':').ok_or_else(invalid)?) };
        (&authority[..=address.len()], port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = crate::domain::domain_name(host).is_ok_and(|h| !h.starts_with("*."));
    if !(port_ok && host_ok) {
        return Err(invalid());
    }
    HeaderValue::from_str(&lower).map_err(|_| invalid())
}

/// The request's `Origin` when it is one of `allowed` (one header, byte for byte).
pub(crate) fn allowed_origin(allowed: &[HeaderValue], headers: &HeaderMap) -> Option<HeaderValue> {
    let mut origins = headers.get_all(ORIGIN).iter();
    let origin = origins.next()?;
    if origins.next().is_some() {
        return None;
    }
    allowed.contains(origin).then(|| origin.clone())
}

/// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
pub(crate) fn is_preflight(parts: &http::request::Parts) -> bool {
    parts.method == Method::OPTIONS
        && parts.headers.contains_key(ORIGIN)
        && parts.headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// The policy's headers on any response: `Vary: Origin` (a response differs by origin), and
/// for an allowed origin, that origin with credentials allowed.
pub(crate) fn add_headers(headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
    headers.append(VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
}

/// The answer to an allowed preflight that passed the behaviour's checks: what a player's
/// requests need (`GET`, `HEAD`, a `Range`), for ten minutes.
pub(crate) fn preflight<B>(origin: &HeaderValue) -> Response<GateBody<B>> {
    let mut response = Response::new(GateBody::Denied { body: None });
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    add_headers(headers, Some(origin));
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD"));
    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Range"));
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

#[cfg(test)]
mod tests {
    use super::cors_origin;

    #[test]
    fn origins_are_what_browsers_send() {
        for ok in [
            "https://app.example.com",
            "http://127.0.0.1:8080",
            "HTTPS://App.Example.com",
            "http://[::1]:3000",
            "http://[::1]",
        ] {
            assert!(cors_origin(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            cors_origin("HTTPS://App.Example.com").ok().as_ref().map(|v| v.as_bytes()),
            Some(&b"https://app.example.com"[..])
        );
        for bad in [
            "*",
            "null",
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://*.example.com",
            "https://app.example.com:",
            "https://app.example.com:http",
            "ftp://app.example.com",
            "https://",
            "https://a b",
        ] {
            assert!(cors_origin(bad).is_err(), "{bad}");
        }
    }
}

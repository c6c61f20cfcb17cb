//! Cookies that can never reach CloudFront are refused where the information is there and
//! named once at run time where it is not, with what to change.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cfsign::SameSite;
use cfsign_conformance::{Capture, T0, key};
use cfsign_issuer::{Access, Directive, Issuer, IssuerError, ManualClock, RequestView, Scope};

#[test]
fn a_cookie_path_outside_the_resource_is_refused_when_the_scope_is_made() {
    let err = Scope::new("https://cdn.example.com/u/alice/*", "/images/").unwrap_err();
    assert!(matches!(err, IssuerError::Unreachable(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid scope: cookies with Path=/images/ are never sent with requests for \
         https://cdn.example.com/u/alice/*: use a Path that the resource's path starts with (e.g. Path=/ or \
         Path=/u/alice/)"
    );
    assert!(Scope::new("https://cdn.example.com/u/alice/*", "/u/").is_ok());
    assert!(Scope::new("https://cdn.example.com/u/alice/*", "/u/alice/").is_ok());
}

/// Issues cookies for `resource` twice with an issuer for `Domain=example.com`, and returns the
/// `Set-Cookie` values of the first response and the log.
fn issue_twice(same_site: SameSite, resource: &str) -> (Vec<String>, String) {
    let capture = Capture::default();
    let issuer = Issuer::builder(Arc::new(key()))
        .domain("example.com")
        .same_site(same_site)
        .clock(ManualClock::new(T0))
        .build()
        .unwrap();
    let access = Access::single(resource, "/").unwrap();
    let headers = tracing::subscriber::with_default(capture.clone(), || {
        let first =
            issuer.decide(RequestView::new("/login"), Some(&Directive::Issue(access.clone())), 303).now();
        let second = issuer.decide(RequestView::new("/login"), Some(&Directive::Issue(access)), 303).now();
        assert_eq!(first, second);
        first.unwrap()
    });
    let log = capture.text.lock().unwrap().clone();
    (headers, log)
}

#[test]
fn a_domain_that_does_not_cover_the_cdn_is_named_once_at_run_time() {
    let (headers, log) = issue_twice(SameSite::Lax, "https://d111111abcdef8.cloudfront.net/u/alice/*");
    assert_eq!(headers.len(), 4, "the cookies are still set");
    let warnings: Vec<&str> = log.lines().filter(|l| l.starts_with("WARN cfsign_issuer")).collect();
    assert_eq!(warnings.len(), 1, "once per issuer:\n{log}");
    assert!(
        warnings[0].contains(
            "cookies with Domain=example.com are never sent to d111111abcdef8.cloudfront.net: serve the files \
             under an alternate domain name of the distribution below example.com (e.g. cdn.example.com) and sign \
             that host, or set Domain to a parent of both the app and d111111abcdef8.cloudfront.net"
        ),
        "{}",
        warnings[0]
    );

    // SameSite=Strict towards another site says so too.
    let (_, log) = issue_twice(SameSite::Strict, "https://media.example.net/*");
    assert!(log.contains("and SameSite=Strict cookies are never sent to another site"), "{log}");

    // A CDN under the cookie domain: nothing to say, with either SameSite.
    for same_site in [SameSite::Lax, SameSite::Strict] {
        let (headers, log) = issue_twice(same_site, "https://cdn.example.com/u/alice/*");
        assert_eq!(headers.len(), 4);
        assert!(!log.contains("WARN"), "{log}");
    }
}

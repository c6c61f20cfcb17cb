//! The gate in front of a service, with `tower::ServiceExt::oneshot`.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::net::SocketAddr;

use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, SigningKey};
use cfsign_gate::{Gate, GateLayer};
use cfsign_verify::{KeyGroup, TrustedKeyGroups};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use tower::{ServiceBuilder, ServiceExt};

const NOW: EpochSeconds = EpochSeconds::new(1_767_250_000);
const EXP: EpochSeconds = EpochSeconds::new(1_767_290_400);

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), "K2JCJMDEHXQW5F")
        .unwrap()
}

fn trusted() -> TrustedKeyGroups {
    TrustedKeyGroups::from(KeyGroup::new().with_key("K2JCJMDEHXQW5F", key().public_key()).unwrap())
}

/// Sends `uri` (with `cookie`) from 192.0.2.1 through a gate; returns status, content type, body.
async fn send(
    layer: GateLayer,
    uri: &str,
    cookie: Option<&str>,
    extra: Option<(&str, &str)>,
) -> (u16, String, String) {
    let inner = tower::service_fn(|req: Request<()>| async move {
        Ok::<_, Infallible>(Response::new(Full::new(bytes::Bytes::from(format!("inner saw {}", req.uri())))))
    });
    let svc = ServiceBuilder::new().layer(layer).service(inner);
    let mut req = Request::builder().uri(uri).header("host", "cdn.example.com");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let mut req = req.body(()).unwrap();
    if let Some((k, v)) = extra {
        // Replaces: a second Host header would be refused for being a second one.
        req.headers_mut().insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
    }
    req.extensions_mut().insert(SocketAddr::from(([192, 0, 2, 1], 50_000)));
    let res = svc.oneshot(req).await.unwrap();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let status = res.status().as_u16();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, ct, body)
}

fn layer() -> GateLayer {
    GateLayer::new(Gate::new().public("/public/*").unwrap().default_protected(trusted())).clock(|| NOW)
}

#[tokio::test]
async fn public_paths_pass_protected_paths_need_a_signature() {
    assert_eq!(send(layer(), "/public/a.txt", None, None).await.2, "inner saw /public/a.txt");
    let (status, ct, body) = send(layer(), "/private/a.txt", None, None).await;
    assert_eq!((status, ct.as_str()), (403, "text/xml"));
    assert_eq!(
        body,
        r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>"#
    );
}

#[tokio::test]
async fn signed_urls_pass_with_signing_parameters_stripped() {
    let url = cfsign::sign_url_canned("http://cdn.example.com/private/a.txt?w=1", EXP, &key()).unwrap();
    let target = url.strip_prefix("http://cdn.example.com").unwrap();
    assert_eq!(
        send(layer(), target, None, None).await,
        (200, String::new(), "inner saw /private/a.txt?w=1".into())
    );
    // Expired: CloudFront's AccessDenied.
    let expired = GateLayer::new(Gate::new().default_protected(trusted())).clock(|| EXP);
    let (status, _, body) = send(expired, target, None, None).await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"));
    // Behind TLS, the URL CloudFront sees is https: an http signature does not fit.
    let https = GateLayer::new(Gate::new().default_protected(trusted())).clock(|| NOW).https();
    assert_eq!(send(https, target, None, None).await.0, 403);
}

#[tokio::test]
async fn cookies_and_ip_conditions() {
    let policy = CustomPolicy::builder()
        .resource("http://cdn.example.com/private/*")
        .date_less_than(EXP)
        .ip_address("192.0.2.0/24")
        .build()
        .unwrap();
    let cookies = SignedPolicy::new(policy, &key()).unwrap().cookies().cookie_header();
    assert_eq!(send(layer(), "/private/x/y.txt", Some(&cookies), None).await.0, 200);
    // From a forwarded client outside the range, when the gate trusts that header.
    let forwarded = layer().trust_forwarded_header(http::HeaderName::from_static("x-forwarded-for"));
    let (status, _, body) = send(
        forwarded.clone(),
        "/private/y.txt",
        Some(&cookies),
        Some(("x-forwarded-for", "192.0.2.7, 198.51.100.9")),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("AccessDenied"));
    assert_eq!(
        send(
            forwarded,
            "/private/y.txt",
            Some(&cookies),
            Some(("x-forwarded-for", "198.51.100.9, 192.0.2.7"))
        )
        .await
        .0,
        200
    );
    // Without the trust, the header is ignored.
    assert_eq!(
        send(layer(), "/private/y.txt", Some(&cookies), Some(("x-forwarded-for", "198.51.100.9"))).await.0,
        200
    );
}

#[tokio::test]
async fn behaviours_are_ordered() {
    let gate = Gate::new()
        .protect("/docs/secret/*", trusted())
        .unwrap()
        .public("docs/*")
        .unwrap()
        .default_protected(trusted());
    let l = || GateLayer::new(gate.clone()).clock(|| NOW);
    assert_eq!(send(l(), "/docs/secret/a", None, None).await.0, 403);
    assert_eq!(send(l(), "/docs/a", None, None).await.0, 200);
    assert_eq!(send(l(), "/other", None, None).await.0, 403);
    assert!(Gate::new().public("/x/*").unwrap().behaviour_for("/y").is_none(), "default is public");
}

#[test]
fn path_patterns_as_cloudfront_takes_them() {
    use cfsign_gate::PathPattern;
    for (written, matched) in
        [("private/*", "/private/*"), ("/private/*", "/private/*"), ("*", "/*"), ("a\"b", "/a\"b")]
    {
        assert_eq!(PathPattern::new(written).unwrap().as_str(), matched);
    }
    let matches = |pattern: &str, path: &str| PathPattern::new(pattern).unwrap().matches(path);
    assert!(matches("images/*.jpg", "/images/a/b.jpg"));
    assert!(matches("/a?c", "/abc"));
    assert!(!matches("/Images/*", "/images/a"), "case-sensitive");
    // Matched on the decoded path: '?' is one character of the file's name, however encoded.
    for path in ["/sp%20ce/f", "/sp%C3%A9ce/f", "/sp%25ce/f", "/sp!ce/f", "/sp%E2%82%ACce/f"] {
        assert!(matches("/sp?ce/*", path), "{path}");
        assert!(!matches("/sp??ce/*", path), "{path}");
    }
    assert!(matches("/a\"b/*", "/a%22b/x"));
    // A literal '*' or '?' in a file name is matched only by wildcards.
    assert!(matches("/a?b", "/a%3Fb") && matches("/a*", "/a*b"));
    for (bad, says) in [
        ("/private/%2A", "'%' at 9"),
        ("/a b", "' ' at 2"),
        ("/a\\b", "'\\\\' at 2"),
        ("/é", "'é' at 1"),
        ("/a#b", "'#' at 2"),
        ("", "cannot be empty"),
        ("//private/*", "would never match"),
        ("/private/../x", "would never match"),
        ("/a/./b", "would never match"),
        ("/a/..", "would never match"),
    ] {
        let err = PathPattern::new(bad).unwrap_err().to_string();
        assert!(err.contains(says), "{bad:?}: {err}");
    }
    assert!(PathPattern::new(&format!("/{}", "a".repeat(254))).is_ok());
    assert!(
        PathPattern::new(&format!("/{}", "a".repeat(255))).unwrap_err().to_string().contains("at most 255")
    );
}

#[test]
fn domain_names_as_cloudfront_serves_them() {
    let gate = Gate::new().domain_names(["CDN.example.com", "*.media.example.com", "127.0.0.1"]).unwrap();
    for host in ["cdn.example.com", "a.media.example.com", "127.0.0.1"] {
        assert!(gate.serves_host(host), "{host}");
    }
    for host in ["example.com", "x.cdn.example.com", "media.example.com", "a.b.media.example.com", "evil.com"]
    {
        assert!(!gate.serves_host(host), "{host}");
    }
    assert!(Gate::new().serves_host("anything.example"), "no names: every valid host");
    for bad in ["cdn.example.com/x", "", "a..b", "-a.com", "cdn example", "*", "a.*.com"] {
        assert!(Gate::new().domain_names([bad]).is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn requests_naming_no_single_resource_are_refused_before_any_behaviour() {
    let url = cfsign::sign_url_canned("http://cdn.example.com/private/a.txt", EXP, &key()).unwrap();
    let signed = url.strip_prefix("http://cdn.example.com").unwrap();
    for target in [
        "/%70rivate/a.txt",
        "//private/a.txt",
        "/./private/a.txt",
        "/private%2Fa.txt",
        "/public/../private/a.txt",
    ] {
        let (status, ct, body) = send(layer(), target, None, None).await;
        assert_eq!((status, ct.as_str()), (400, "text/plain; charset=utf-8"), "{target}");
        assert!(body.starts_with("400 Bad Request: "), "{body}");
    }
    // A public path too: which behaviour applies is only known on the normal form.
    assert_eq!(send(layer(), "/public/%61.txt", None, None).await.0, 400);
    // The Host decides the URL checked: anything but host[:port] is refused.
    for host in ["cdn.example.com/private/", "cdn.example.com#", "a@cdn.example.com", "cdn.example.com:x"] {
        assert_eq!(send(layer(), signed, None, Some(("host", host))).await.0, 400, "{host}");
    }
    // Two Host headers: which one would the URL carry? Neither — and the answer says so, for
    // the target forms and whether or not the two agree.
    for (target, second) in [
        (signed.to_owned(), "cdn.example.com"),
        (signed.to_owned(), "CDN.example.com"),
        (signed.to_owned(), "other.example.com"),
        (format!("http://cdn.example.com{signed}"), "cdn.example.com"),
    ] {
        let twice = tower::service_fn(|_: Request<()>| async {
            Ok::<_, Infallible>(Response::new(Full::new(bytes::Bytes::new())))
        });
        let mut req = Request::builder().uri(&target).header("host", "cdn.example.com").body(()).unwrap();
        req.headers_mut().append("host", second.parse().unwrap());
        let res = ServiceBuilder::new().layer(layer()).service(twice).oneshot(req).await.unwrap();
        assert_eq!(res.status(), 400, "{target} {second}");
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        assert!(body.contains("more than one Host header"), "{target} {second}: {body}");
    }
    // An absolute-form target: its authority is used; a Host naming another one is refused.
    let absolute = format!("http://cdn.example.com{signed}");
    assert_eq!(send(layer(), &absolute, None, None).await.0, 200);
    let (status, _, body) = send(layer(), &absolute, None, Some(("host", "other.example.com"))).await;
    assert_eq!(status, 400);
    assert!(body.contains("the Host header and the request target name different hosts"), "{body}");
    // Domain names: other hosts get 403 before any behaviour.
    let named = || {
        GateLayer::new(Gate::new().default_protected(trusted()).domain_names(["cdn.example.com"]).unwrap())
            .clock(|| NOW)
    };
    assert_eq!(send(named(), signed, None, None).await.0, 200);
    let (status, _, body) = send(named(), signed, None, Some(("host", "cdn.example.net"))).await;
    assert_eq!(status, 403);
    assert!(body.contains("does not serve the requested host"), "{body}");
}

/// By default the client's address is the connection's as axum records it (`ConnectInfo`).
#[tokio::test]
async fn the_default_client_ip_is_axums_connect_info() {
    let policy = CustomPolicy::builder()
        .resource("http://cdn.example.com/private/*")
        .date_less_than(EXP)
        .ip_address("192.0.2.0/24")
        .build()
        .unwrap();
    let cookies = SignedPolicy::new(policy, &key()).unwrap().cookies().cookie_header();
    for (from, status) in [([192, 0, 2, 9], 200), ([198, 51, 100, 9], 403)] {
        let inner = tower::service_fn(|_: Request<()>| async {
            Ok::<_, Infallible>(Response::new(Full::new(bytes::Bytes::from_static(b"file"))))
        });
        let svc = ServiceBuilder::new().layer(layer()).service(inner);
        let mut req = Request::builder()
            .uri("/private/x")
            .header("host", "cdn.example.com")
            .header("cookie", &cookies)
            .body(())
            .unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::from((from, 50_000))));
        assert_eq!(svc.oneshot(req).await.unwrap().status(), status, "{from:?}");
    }
}

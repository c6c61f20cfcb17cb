//! The function through API Gateway HTTP API events (payload 2.0) parsed by `lambda_http`,
//! the router called with `oneshot`: a verified `sub` gets cookies for exactly its prefix; no
//! authorizer claims, a 401 and no cookies; a claim that would widen a pattern stays one
//! segment.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cfsign::{EpochSeconds, KeyKind, SigningKey};
use cfsign_verify::{KeyGroup, Reason, Request, TrustedKeyGroups};
use lambda_cookie_vendor::{Config, issuer, router};
use tower::ServiceExt;

const FIXTURE: &str = include_str!("fixtures/apigw-v2-jwt.json");

fn config() -> Config {
    Config { cdn_host: "cdn.example.com".into(), cookie_domain: "example.com".into() }
}

/// The function's answer to `event`: status and `Set-Cookie` values.
async fn call(key: &SigningKey, event: &str) -> (u16, Vec<String>) {
    let request = lambda_http::request::from_str(event).unwrap();
    let app = router(issuer(Arc::new(key.clone()), &config()).unwrap(), &config());
    let response = app.oneshot(request).await.unwrap();
    let set_cookie =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    (response.status().as_u16(), set_cookie)
}

/// The fixture with the `sub` claim replaced (or the authorizer removed, for `None`).
fn event_for(sub: Option<&str>) -> String {
    let mut event: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    match sub {
        Some(sub) => event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub.into(),
        None => {
            event["requestContext"].as_object_mut().unwrap().remove("authorizer");
        }
    }
    event.to_string()
}

fn trusted(key: &SigningKey) -> TrustedKeyGroups {
    TrustedKeyGroups::from(KeyGroup::new().with_key(key.key_pair_id().as_str(), key.public_key()).unwrap())
}

fn cookie_header(set_cookie: &[String]) -> String {
    set_cookie.iter().map(|c| c.split(';').next().unwrap()).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn a_signed_in_user_gets_cookies_for_exactly_their_prefix() {
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KLAMBDA").unwrap();
    let (status, set_cookie) = call(&key, FIXTURE).await;
    assert_eq!(status, 204);
    assert_eq!(set_cookie.len(), 4, "{set_cookie:#?}");
    for c in &set_cookie {
        assert!(c.starts_with("CloudFront-"), "{c}");
        assert!(c.contains("; Domain=example.com; Path=/images/user-42/;"), "{c}");
        assert!(c.contains("; Secure; HttpOnly; SameSite=Lax"), "{c}");
    }

    // What CloudFront decides with them, an hour ahead at most.
    let cookies = cookie_header(&set_cookie);
    let now = EpochSeconds::now();
    let decide = |url: &str| {
        trusted(&key).verify(&Request::new(url, [192, 0, 2, 10].into(), now).cookie_header(&cookies))
    };
    decide("https://cdn.example.com/images/user-42/cat.jpg").unwrap();
    decide("https://cdn.example.com/images/user-42/2026/01/dog.jpg").unwrap();
    for other in [
        "https://cdn.example.com/images/user-43/cat.jpg",
        "https://cdn.example.com/images/user-4/x.jpg",
        "https://cdn.example.com/videos/user-42/a.mp4",
    ] {
        assert_eq!(decide(other).unwrap_err().reason(), &Reason::ResourceMismatch, "{other}");
    }
    let later = EpochSeconds::new(now.as_secs() + 3_700);
    let expired = trusted(&key).verify(
        &Request::new("https://cdn.example.com/images/user-42/cat.jpg", [192, 0, 2, 10].into(), later)
            .cookie_header(&cookies),
    );
    assert!(matches!(expired.unwrap_err().reason(), Reason::Expired { .. }));
}

#[tokio::test]
async fn no_authorizer_claims_get_a_401_and_no_cookies() {
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KLAMBDA").unwrap();
    let (status, set_cookie) = call(&key, &event_for(None)).await;
    assert_eq!((status, set_cookie.len()), (401, 0));
    let (status, set_cookie) = call(&key, &event_for(Some(""))).await;
    assert_eq!((status, set_cookie.len()), (401, 0));
}

#[tokio::test]
async fn a_claim_cannot_widen_the_prefix() {
    let key = SigningKey::generate(KeyKind::EcdsaP256, "KLAMBDA").unwrap();
    // `*` stays one literal segment: the cookies open that user's folder, nobody else's.
    let (status, set_cookie) = call(&key, &event_for(Some("user-*"))).await;
    assert_eq!(status, 204);
    let cookies = cookie_header(&set_cookie);
    let denied = trusted(&key).verify(
        &Request::new(
            "https://cdn.example.com/images/user-42/cat.jpg",
            [192, 0, 2, 10].into(),
            EpochSeconds::now(),
        )
        .cookie_header(&cookies),
    );
    assert_eq!(denied.unwrap_err().reason(), &Reason::ResourceMismatch);
    // A claim naming another folder is refused outright.
    let (status, set_cookie) = call(&key, &event_for(Some("../videos"))).await;
    assert_eq!((status, set_cookie.len()), (403, 0));
}

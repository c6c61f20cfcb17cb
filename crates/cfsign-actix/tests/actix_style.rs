//! actix-web's own testing style: `test::init_service` + `TestRequest::cookie`, asserting every
//! cookie attribute; and the registration order with actix-session and actix-identity.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use actix_identity::{Identity, IdentityMiddleware};
use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Cookie, Key, SameSite};
use actix_web::dev::ServiceRequest;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, test, web};
use cfsign::{EpochSeconds, SigningKey};
use cfsign_actix::{CloudFrontCookieMiddleware, CloudFrontResponseExt};
use cfsign_issuer::{Access, Issuer, ManualClock};

const T0: EpochSeconds = EpochSeconds::new(1_767_200_000);

fn issuer(clock: &ManualClock) -> Issuer {
    let key =
        SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), "K2JCJMDEHXQW5F")
            .unwrap();
    Issuer::builder(Arc::new(key)).domain("example.com").clock(clock.clone()).build().unwrap()
}

fn access_for(user: &str) -> Option<Access> {
    Access::single(format!("https://cdn.example.com/u/{user}/*"), "/").ok()
}

fn from_header(req: &ServiceRequest) -> Option<Access> {
    req.headers().get("x-user").and_then(|u| u.to_str().ok()).and_then(access_for)
}

#[actix_web::test]
async fn cookie_attributes_and_steady_state() {
    let clock = ManualClock::new(T0);
    let app = test::init_service(
        App::new()
            .wrap(CloudFrontCookieMiddleware::new(issuer(&clock), from_header))
            .route("/me", web::get().to(|| async { HttpResponse::Ok().body("me") }))
            .route("/logout", web::post().to(|| async { HttpResponse::Ok().cloudfront_revoke().finish() })),
    )
    .await;

    let res = test::call_service(
        &app,
        test::TestRequest::get().uri("/me").insert_header(("x-user", "alice")).to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let cookies: Vec<Cookie<'static>> = res.response().cookies().map(Cookie::into_owned).collect();
    let names: Vec<&str> = cookies.iter().map(Cookie::name).collect();
    assert_eq!(
        names,
        ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"]
    );
    for c in &cookies {
        assert_eq!(c.domain(), Some("example.com"));
        assert_eq!(c.path(), Some("/"));
        assert_eq!(c.secure(), Some(true));
        assert_eq!(c.http_only(), Some(true));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
        let expires = c.expires_datetime().unwrap().unix_timestamp();
        assert_eq!(expires, 1_767_203_640, "TTL 1 h rounded up to the minute");
    }
    assert_eq!(cookies[2].value(), "K2JCJMDEHXQW5F");
    assert_eq!(cookies[3].value(), "SHA256");

    // Sending them back inside the window: nothing.
    clock.advance(Duration::from_secs(600));
    let mut again = test::TestRequest::get().uri("/me").insert_header(("x-user", "alice"));
    for c in &cookies {
        again = again.cookie(Cookie::new(c.name().to_owned(), c.value().to_owned()));
    }
    let res = test::call_service(&app, again.to_request()).await;
    assert_eq!(res.response().cookies().count(), 0);

    // Anonymous: nothing. Logout: removal cookies with the same attributes.
    let res = test::call_service(&app, test::TestRequest::get().uri("/me").to_request()).await;
    assert_eq!(res.response().cookies().count(), 0);
    let res = test::call_service(
        &app,
        test::TestRequest::post().uri("/logout").insert_header(("x-user", "alice")).to_request(),
    )
    .await;
    let removed: Vec<Cookie<'static>> = res.response().cookies().map(Cookie::into_owned).collect();
    assert_eq!(removed.len(), 5);
    for c in &removed {
        assert_eq!((c.value(), c.max_age().map(|d| d.whole_seconds())), ("", Some(0)));
        assert_eq!(
            (c.domain(), c.path(), c.secure(), c.same_site()),
            (Some("example.com"), Some("/"), Some(true), Some(SameSite::Lax))
        );
    }
}

#[actix_web::test]
async fn with_actix_session_and_identity() {
    let clock = ManualClock::new(T0);
    let session_key = Key::generate();
    let app = test::init_service(
        App::new()
            .route(
                "/login",
                web::post().to(|req: HttpRequest| async move {
                    Identity::login(&req.extensions(), "alice".into()).unwrap();
                    HttpResponse::Ok().cloudfront_issue(access_for("alice").unwrap()).finish()
                }),
            )
            .route(
                "/me",
                web::get().to(|id: Option<Identity>| async move {
                    id.and_then(|i| i.id().ok()).unwrap_or_default()
                }),
            )
            // Innermost first: the CloudFront middleware must see the identity...
            .wrap(CloudFrontCookieMiddleware::with_identity(issuer(&clock), access_for))
            // ...which the identity middleware reads from the session...
            .wrap(IdentityMiddleware::default())
            // ...which the outermost session middleware loads.
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), session_key)
                    .cookie_secure(false)
                    .build(),
            ),
    )
    .await;

    let res = test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
    let cookies: Vec<Cookie<'static>> = res.response().cookies().map(Cookie::into_owned).collect();
    assert!(cookies.iter().any(|c| c.name() == "id"), "session cookie");
    assert_eq!(cookies.iter().filter(|c| c.name().starts_with("CloudFront-")).count(), 4);

    // With only the session cookie (CloudFront cookies lost): the identity is found and fresh
    // cookies are issued; with all cookies: nothing.
    let session = cookies.iter().find(|c| c.name() == "id").unwrap().clone();
    let res =
        test::call_service(&app, test::TestRequest::get().uri("/me").cookie(session.clone()).to_request())
            .await;
    let fresh: Vec<Cookie<'static>> = res.response().cookies().map(Cookie::into_owned).collect();
    assert_eq!(fresh.iter().filter(|c| c.name().starts_with("CloudFront-")).count(), 4);
    assert_eq!(test::read_body(res).await, "alice");

    let mut all = test::TestRequest::get().uri("/me");
    for c in &cookies {
        all = all.cookie(c.clone());
    }
    let res = test::call_service(&app, all.to_request()).await;
    assert_eq!(res.response().cookies().filter(|c| c.name().starts_with("CloudFront-")).count(), 0);
}

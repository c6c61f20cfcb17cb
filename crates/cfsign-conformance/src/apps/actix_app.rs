//! The app on actix-web's `HttpServer`, with `cfsign-actix`'s `CloudFrontCookieMiddleware`.

use std::net::SocketAddr;

use actix_web::dev::ServiceRequest;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, web};
use cfsign_actix::{CloudFrontCookieMiddleware, CloudFrontResponseExt};
use cfsign_issuer::Issuer;

use super::{LOGOUT_SESSION, PLAYLIST, User, access, login_user, session, session_cookie};

async fn me(req: HttpRequest) -> String {
    format!("{:?}", req.extensions().get::<User>().map(|u| u.name.clone()).as_ref())
}

async fn playlist(req: HttpRequest, issuer: web::Data<Issuer>, path: web::Path<String>) -> HttpResponse {
    let access = req.extensions().get::<User>().and_then(access);
    let url = format!("https://cdn.example.com/{path}");
    cfsign_actix::signed_playlist(&issuer, access.as_ref(), &url, PLAYLIST.into()).await
}

async fn login(body: String) -> HttpResponse {
    let user = login_user(&body);
    HttpResponse::SeeOther()
        .append_header(("set-cookie", session_cookie(&user)))
        .cloudfront_issue(access(&user).unwrap())
        .insert_header(("location", "/"))
        .finish()
}

async fn logout() -> HttpResponse {
    HttpResponse::SeeOther()
        .append_header(("set-cookie", LOGOUT_SESSION))
        .cloudfront_revoke()
        .insert_header(("location", "/"))
        .finish()
}

pub(crate) fn serve(issuer: Issuer) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(issuer.clone()))
                    .route("/me", web::get().to(me))
                    .route(
                        "/playlist/{path:.*}",
                        web::route()
                            .guard(
                                actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()),
                            )
                            .to(playlist),
                    )
                    .route(
                        "/boom",
                        web::get().to(|| async { HttpResponse::InternalServerError().body("boom") }),
                    )
                    .route("/login", web::post().to(login))
                    .route("/logout", web::post().to(logout))
                    // Registered first = inner: runs after the session middleware below.
                    .wrap(CloudFrontCookieMiddleware::new(issuer.clone(), |req: &ServiceRequest| {
                        req.extensions().get::<User>().and_then(access)
                    }))
                    .wrap(actix_web::middleware::from_fn(
                        |req: ServiceRequest, next: actix_web::middleware::Next<_>| async move {
                            let user =
                                session(req.headers().get_all("cookie").map(|v| v.as_bytes().to_vec()));
                            if let Some(user) = user {
                                req.extensions_mut().insert(user);
                            }
                            next.call(req).await
                        },
                    ))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    addr
}

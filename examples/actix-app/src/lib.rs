//! The cfsign demo on actix-web: an app that signs users in and, through `cfsign-actix`, gives
//! them CloudFront signed cookies for their images on a local stand-in for CloudFront.

use std::net::SocketAddr;

use actix_web::dev::{Server, ServiceRequest};
use actix_web::http::header;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
pub mod demo;

use cfsign_actix::{CloudFrontCookieMiddleware, CloudFrontResponseExt};
use cfsign_issuer::Issuer;
use demo::{
    BAD_USER, CdnOrigin, SESSION_REMOVAL, User, access_for, login_user, me_json, page, session_cookie,
};

#[derive(serde::Deserialize)]
struct LoginForm {
    user: String,
}

fn user(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<User>().map(|u| u.0.clone())
}

async fn index(req: HttpRequest, cdn: web::Data<CdnOrigin>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page(user(&req).as_deref(), &cdn))
}

async fn me(req: HttpRequest, cdn: web::Data<CdnOrigin>) -> HttpResponse {
    HttpResponse::Ok().json(me_json(user(&req).as_deref(), &cdn))
}

async fn login(form: web::Form<LoginForm>, cdn: web::Data<CdnOrigin>) -> HttpResponse {
    match login_user(&form.user).and_then(|u| access_for(&cdn, &u).map(|a| (u, a))) {
        Some((user, access)) => HttpResponse::SeeOther()
            .append_header((header::SET_COOKIE, session_cookie(&user)))
            .cloudfront_issue(access)
            .insert_header((header::LOCATION, "/"))
            .finish(),
        None => HttpResponse::BadRequest().body(BAD_USER),
    }
}

async fn logout() -> HttpResponse {
    HttpResponse::SeeOther()
        .append_header((header::SET_COOKIE, SESSION_REMOVAL))
        .cloudfront_revoke()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

/// The app on `listener`: demo auth (outermost) → CloudFront cookies → routes.
///
/// # Errors
/// If the listener cannot be used.
pub fn serve(listener: std::net::TcpListener, issuer: Issuer, cdn: CdnOrigin) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        let access_cdn = cdn.clone();
        App::new()
            .app_data(web::Data::new(cdn.clone()))
            .route("/", web::get().to(index))
            .route("/me", web::get().to(me))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            // Registered first = innermost: runs after the auth middleware below.
            .wrap(CloudFrontCookieMiddleware::new(issuer.clone(), move |req: &ServiceRequest| {
                req.extensions().get::<User>().and_then(|u| access_for(&access_cdn, &u.0))
            }))
            .wrap(actix_web::middleware::from_fn(
                |req: ServiceRequest, next: actix_web::middleware::Next<_>| async move {
                    let cookies = req.headers().get_all(header::COOKIE).filter_map(|v| v.to_str().ok());
                    if let Some(user) = demo::session_user(cookies) {
                        req.extensions_mut().insert(User(user));
                    }
                    next.call(req).await
                },
            ))
    })
    .workers(2)
    .listen(listener)?
    .run())
}

/// Runs the local CDN ([`demo::cdn`]) on its own thread and runtime.
///
/// # Errors
/// If the runtime cannot start.
pub fn spawn_cdn(
    listener: std::net::TcpListener,
    trusted: cfsign_verify::TrustedKeyGroups,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_io().build()?;
    Ok(std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            let Ok(cdn) = demo::cdn(trusted, cfsign::EpochSeconds::now) else {
                eprintln!("actix-app: cannot write the CDN's images");
                return;
            };
            let svc = cdn.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, svc).await {
                eprintln!("actix-app: local CDN stopped: {e}");
            }
        });
    }))
}

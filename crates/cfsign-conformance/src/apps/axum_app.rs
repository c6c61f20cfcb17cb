//! The app on axum, with `cfsign-tower`'s `CloudFrontCookieLayer`.

use axum::Extension;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use cfsign_issuer::{Directive, Issuer};
use cfsign_tower::CloudFrontCookieLayer;

use super::{LOGOUT_SESSION, PLAYLIST, User, access, login_user, session, session_cookie};

async fn login(body: String) -> impl IntoResponse {
    let user = login_user(&body);
    (
        Extension(Directive::issue(access(&user).unwrap())),
        [("set-cookie", session_cookie(&user))],
        Redirect::to("/"),
    )
}

async fn logout() -> impl IntoResponse {
    (Extension(Directive::revoke()), [("set-cookie", LOGOUT_SESSION)], Redirect::to("/"))
}

pub(crate) fn app(issuer: Issuer) -> Router {
    let playlists = issuer.clone();
    Router::new()
        .route(
            "/playlist/{*path}",
            get(move |axum::extract::Path(path): axum::extract::Path<String>, req: Request| async move {
                let access = req.extensions().get::<User>().and_then(access);
                let url = format!("https://cdn.example.com/{path}");
                cfsign_tower::signed_playlist(&playlists, access.as_ref(), &url, PLAYLIST.into()).await
            }),
        )
        .route(
            "/me",
            get(|req: Request| async move { format!("{:?}", req.extensions().get::<User>().map(|u| &u.name)) }),
        )
        .route("/boom", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .layer(CloudFrontCookieLayer::new(issuer, |req: &Request| req.extensions().get::<User>().and_then(access)))
        .layer(axum::middleware::from_fn(|mut req: Request, next: axum::middleware::Next| async move {
            let user = session(req.headers().get_all("cookie").iter().map(|v| v.as_bytes().to_vec()));
            if let Some(user) = user {
                req.extensions_mut().insert(user);
            }
            next.run(req).await
        }))
}

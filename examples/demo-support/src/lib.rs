//! Scaffolding shared by the demo apps (`examples/axum-app`, `examples/actix-app`): not part
//! of what a user copies — see each demo's `src/lib.rs` for the cfsign wiring (sign-in and
//! sign-out, the sessions, the CloudFront cookie layer or middleware).
//!
//! What both demos show the same way lives here once:
//!
//! - the page ([`page`], [`me_json`], [`BAD_LOGIN`]), the demo users ([`DEMO_USERS`], their
//!   password table [`Users`]) and what each may see on the CDN ([`access_for`],
//!   [`media_url`]);
//! - the local CloudFront stand-in ([`cdn`], [`CdnOrigin`]);
//! - HTTPS mode ([`tls`]) and the command line ([`cli`]);
//! - the private video and its watch page ([`video`]);
//! - with the `test-support` feature, for the demos' tests: the end-to-end flow (`flow`) and
//!   the slow-client checks against a demo binary (`stall`).

use std::collections::HashMap;

use axum::Router;
use cfsign_gate::{Gate, GateLayer};
use cfsign_issuer::{Access, Scope};
use cfsign_verify::TrustedKeyGroups;

pub mod cli;
#[cfg(feature = "test-support")]
pub mod flow;
#[cfg(feature = "test-support")]
pub mod stall;
pub mod tls;
pub mod video;

/// Where the local CDN lives, e.g. `http://127.0.0.1:3001`.
#[derive(Clone, Debug)]
pub struct CdnOrigin(pub String);

/// The demo's users and their passwords (shown on the sign-in page: this is a demo). Only
/// Argon2 hashes of the passwords are kept, made at start-up.
pub const DEMO_USERS: [(&str, &str); 3] =
    [("alice", "alice-demo"), ("bob", "bob-demo"), ("carol", "carol-demo")];

/// The app's users: names and Argon2 hashes of their passwords (PHC strings), in memory, as
/// the demo needs nothing but Rust. A real app keeps its users in its database.
pub struct Users {
    hashes: HashMap<String, String>,
    /// Checked for unknown names, so that they take as long to refuse as a wrong password.
    decoy_hash: String,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").field("names", &self.hashes.keys()).finish_non_exhaustive()
    }
}

impl Users {
    /// The [`DEMO_USERS`], their passwords hashed now.
    #[must_use]
    pub fn demo() -> Self {
        let hashes = DEMO_USERS
            .iter()
            .map(|(name, password)| ((*name).to_owned(), password_auth::generate_hash(password)))
            .collect();
        Users { hashes, decoy_hash: password_auth::generate_hash("decoy") }
    }

    /// The user `name` (trimmed) if `password` is theirs. Argon2 takes tens of milliseconds
    /// of CPU on purpose: call it off the async workers (actix-web's `web::block`, tokio's
    /// `spawn_blocking`).
    #[must_use]
    pub fn verify(&self, name: &str, password: &str) -> Option<String> {
        let name = name.trim();
        let hash = self.hashes.get(name);
        let verified = password_auth::verify_password(password, hash.unwrap_or(&self.decoy_hash)).is_ok();
        (verified && hash.is_some()).then(|| name.to_owned())
    }

    /// Whether `name` is a user.
    #[must_use]
    pub fn exists(&self, name: &str) -> bool {
        self.hashes.contains_key(name)
    }

    /// The Argon2 hash of `name`'s password (a PHC string), if `name` is a user: what a
    /// session can be tied to, so that it ends when the password changes (`axum-login`'s
    /// `AuthUser::session_auth_hash`).
    #[must_use]
    pub fn password_hash(&self, name: &str) -> Option<&str> {
        self.hashes.get(name).map(String::as_str)
    }
}

/// What a user may see on the CDN: their own folder, `<cdn>/u/<user>/*`. The user name is
/// one percent-encoded path segment (`Scope::prefix`), so no name can widen the scope; the
/// cookies go to every path so that the app sees them come back and refreshes them.
#[must_use]
pub fn access_for(cdn: &CdnOrigin, user: &str) -> Option<Access> {
    let scope = Scope::prefix(&users_folder(cdn), [user]).ok()?;
    scope.with_cookie_path("/").map(Access::from).ok()
}

/// The folder of the users' folders on the CDN, `<cdn>/u/`.
fn users_folder(cdn: &CdnOrigin) -> String {
    format!("{}/u/", cdn.0)
}

/// The URL of a file in `user`'s folder on the CDN, `path` its segments below the folder,
/// each percent-encoded as in [`access_for`]; `None` for a segment that cannot be one.
pub(crate) fn user_file_url<'a>(
    cdn: &CdnOrigin,
    user: &'a str,
    path: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let base = cfsign::ResourceBase::new(&users_folder(cdn)).ok()?;
    base.url(std::iter::once(user).chain(path)).ok()
}

/// The URL of one of `user`'s files on the CDN, built the same way.
#[must_use]
pub fn media_url(cdn: &CdnOrigin, user: &str, file: &str) -> String {
    user_file_url(cdn, user, [file]).unwrap_or_default()
}

/// What the sign-in page says after a failed sign-in.
pub const BAD_LOGIN: &str = "Unknown user or wrong password.";

/// The `/me` document.
#[must_use]
pub fn me_json(user: Option<&str>, cdn: &CdnOrigin) -> serde_json::Value {
    let access = user.and_then(|u| access_for(cdn, u));
    let resource = access.as_ref().and_then(|a| a.scopes().first()).map(|scope| scope.resource().to_owned());
    serde_json::json!({ "user": user, "resource": resource })
}

/// The demo page for a signed-in `user` (images from the CDN) or the sign-in form, with
/// `notice` above it.
#[must_use]
pub fn page(user: Option<&str>, cdn: &CdnOrigin, notice: Option<&str>) -> String {
    let body = match user {
        Some(user) => format!(
            r#"<h1>Hello, {user}</h1>
<p>These images come from the CDN at <code>{cdn}</code>, which lets them through only with valid
CloudFront signed cookies.</p>
<div>{images}</div>
<p>This one is someone else's, so the CDN refuses it:</p>
<img id="foreign" alt="refused" src="{foreign}" width="120" height="120">
<form method="post" action="/logout"><button id="logout">Sign out</button></form>"#,
            cdn = cdn.0,
            images = (1..=3)
                .map(|n| {
                    let src = media_url(cdn, user, &format!("photo-{n}.svg"));
                    format!(r#"<img class="private" alt="photo {n}" src="{src}" width="120" height="120">"#)
                })
                .collect::<String>(),
            foreign = media_url(cdn, if user == "bob" { "alice" } else { "bob" }, "photo-1.svg"),
        ),
        None => format!(
            r#"<h1>cfsign demo</h1>
{notice}<form method="post" action="/login">
  <label>User <input id="username" name="username" autocomplete="username" required></label>
  <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
  <button id="login">Sign in</button>
</form>
<p>Demo users (user / password): {users}.</p>"#,
            notice = notice.map(|n| format!(r#"<p id="notice">{n}</p>"#)).unwrap_or_default(),
            users = DEMO_USERS
                .iter()
                .map(|(name, password)| format!("<code>{name}</code> / <code>{password}</code>"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cfsign demo</title></head><body>{body}</body></html>"
    )
}

/// A demo image: a coloured square naming its user and file.
fn image(user: &str, file: &str) -> String {
    let hue =
        user.bytes().chain(file.bytes()).fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            % 360;
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><rect width="120" height="120" fill="hsl({hue},70%,60%)"/><text x="60" y="64" font-size="14" text-anchor="middle" font-family="sans-serif">{user}/{file}</text></svg>"#
    )
}

/// The local CDN: a directory of the demo users' images (`u/{user}/photo-{n}.svg`, written at
/// start-up under the system's temporary directory) and, with `video`, each user's copy of the
/// stream (`u/{user}/video/`), behind the `cfsign-gate` stand-in for CloudFront, which asks for
/// signed cookies or a signed URL under `/u/`. `now` is its clock. With `https`, it checks
/// signatures against `https://` URLs and, like a distribution with one alternate domain name,
/// serves only [`tls::CDN_HOST`]. `app_origin` (`scheme://host[:port]`) is answered with CORS
/// that allows credentials, as a CloudFront response headers policy for the app would: what a
/// player on the app's page needs to read the stream. Serve it with [`cfsign_gate::Server`]
/// (or [`tls::serve`]), which hands the gate the client's address (for IP conditions).
///
/// # Errors
/// If the files cannot be written, or `app_origin` is not an origin.
pub fn cdn(
    trusted: TrustedKeyGroups,
    now: impl Fn() -> cfsign::EpochSeconds + Send + Sync + 'static,
    https: bool,
    app_origin: Option<&str>,
    video: Option<&video::Video>,
) -> std::io::Result<Router> {
    // One directory per process: two demos running at once do not share one.
    let dir = std::env::temp_dir().join(format!("cfsign-demo-cdn-{}", std::process::id()));
    for (user, _) in DEMO_USERS {
        std::fs::create_dir_all(dir.join("u").join(user))?;
        for n in 1..=3 {
            let file = format!("photo-{n}.svg");
            std::fs::write(dir.join("u").join(user).join(&file), image(user, &file))?;
        }
    }
    if let Some(video) = video {
        video.publish(&dir)?;
    }
    std::fs::write(dir.join("index.html"), "cfsign local CDN: files under /u/{user}/ need signed cookies\n")?;
    let mut gate = Gate::new().protect("/u/*", trusted).map_err(std::io::Error::other)?;
    if let Some(origin) = app_origin {
        gate = gate.cors_allow_origins([origin]).map_err(std::io::Error::other)?;
    }
    if https {
        let gate = gate.domain_names([tls::CDN_HOST]).map_err(std::io::Error::other)?;
        return Ok(Router::new().fallback_service(GateLayer::new(gate).https().clock(now).serve_dir(dir)));
    }
    Ok(Router::new().fallback_service(GateLayer::new(gate).clock(now).serve_dir(dir)))
}

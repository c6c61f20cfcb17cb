//! The two apps under test (see the crate docs): the same routes and session cookie on axum with
//! `cfsign-tower` (`axum_app`) and on actix-web with `cfsign-actix` (`actix_app`); [`start`]
//! serves one, [`conform`] runs a scenario against both.

use std::net::SocketAddr;

use cfsign_issuer::{Access, Issuer, Scope};

mod actix_app;
mod axum_app;

/// Runs `scenario` against both frameworks and requires identical, non-empty transcripts (RSA
/// and the tests' fixed clocks make them deterministic).
pub async fn conform<F, Fut>(scenario: F) -> Vec<String>
where
    F: Fn(Framework) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    let axum = scenario(Framework::Axum).await;
    let actix = scenario(Framework::Actix).await;
    assert!(!axum.is_empty());
    assert_eq!(axum, actix, "axum and actix-web disagree");
    axum
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Axum,
    Actix,
}

#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub tier: String,
}

/// `session=<user>.<tier>` from a Cookie header.
fn session(cookie_headers: impl Iterator<Item = Vec<u8>>) -> Option<User> {
    cookie_headers.into_iter().find_map(|h| {
        let h = String::from_utf8(h).ok()?;
        let s = h.split(';').find_map(|c| c.trim().strip_prefix("session=").map(str::to_owned))?;
        let (name, tier) = s.split_once('.')?;
        Some(User { name: name.to_owned(), tier: tier.to_owned() })
    })
}

pub fn access(user: &User) -> Option<Access> {
    // Tier and name come from the session cookie: segments under a fixed base, never text
    // in a pattern.
    let scope = match user.tier.as_str() {
        "shared" => Scope::prefix("https://cdn.example.com/", ["shared"]),
        // A scope shared by everyone in the group (e.g. `group3`).
        group if group.starts_with("group") => Scope::prefix("https://cdn.example.com/", [group]),
        tier => Scope::prefix("https://cdn.example.com/", [tier, user.name.as_str()]),
    };
    scope.and_then(|s| s.with_cookie_path("/")).map(Access::from).ok()
}

/// The playlist both apps serve at `/playlist/<path>`, for `https://cdn.example.com/<path>`.
pub const PLAYLIST: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg-0.m4s\n#EXTINF:4,\nseg-1.m4s\n#EXT-X-ENDLIST\n";

fn login_user(body: &str) -> User {
    User { name: body.strip_prefix("user=").unwrap_or("anonymous").to_owned(), tier: "u".to_owned() }
}

const LOGOUT_SESSION: &str = "session=; Path=/; Max-Age=0";

fn session_cookie(user: &User) -> String {
    format!("session={}.{}; Path=/; HttpOnly", user.name, user.tier)
}

/// Starts the app of `framework` on 127.0.0.1:0.
pub async fn start(framework: Framework, issuer: Issuer) -> SocketAddr {
    match framework {
        Framework::Axum => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = axum_app::app(issuer);
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            addr
        }
        Framework::Actix => actix_app::serve(issuer),
    }
}

//! The demo flows, run by both demos' tests against their app and CDN (the two demos serve
//! the same routes, page and cookies): sign in with a password, the private images load from
//! the local CDN, a foreign one is refused, sign out and the images are refused with
//! CloudFront's 403; and sessions the app did not open, or closed, never get CloudFront
//! cookies. Each function panics on the first thing that is not as it should be.

use std::collections::BTreeMap;
use std::net::SocketAddr;

/// A cookie jar shared by both ports, as a browser's is for one host.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    fn take(&mut self, res: &reqwest::Response) {
        for c in res.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (name, value) = c.split(';').next().unwrap().split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.into(), value.into());
            }
        }
    }
}

/// The demo flow, for an app and CDN already listening.
pub async fn sign_in_images_load_sign_out_refused(app_addr: SocketAddr, cdn_addr: SocketAddr) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut jar = Jar::default();
    let image = format!("http://{cdn_addr}/u/alice/photo-1.svg");

    // Before signing in: the CDN refuses with CloudFront's MissingKey body.
    let res = http.get(&image).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "text/xml");
    assert!(res.text().await.unwrap().contains("<Code>MissingKey</Code>"));

    let res = login(&http, app_addr, "alice", "alice-demo").await;
    assert_eq!(res.status(), 303);
    jar.take(&res);
    assert!(jar.0.contains_key("CloudFront-Policy") && jar.0.contains_key(SESSION), "{:?}", jar.0);

    let page = http.get(format!("http://{app_addr}/")).header("cookie", jar.header()).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains(&image), "{page}");
    let me: serde_json::Value = http
        .get(format!("http://{app_addr}/me"))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"], "alice");

    // The private image loads; bob's is refused (resource mismatch → AccessDenied).
    let res = http.get(&image).header("cookie", jar.header()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().await.unwrap().starts_with("<svg"));
    let res = http
        .get(format!("http://{cdn_addr}/u/bob/photo-1.svg"))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("<Code>AccessDenied</Code>"));

    // Every byte of a request is the client's: a Host that would move the checked path under
    // alice's signed prefix (or cut it off), and spellings of bob's path that the CDN's router
    // would read as bob's, never get bob's image with alice's cookies.
    let alice_prefix = format!("{cdn_addr}/u/alice/");
    let bob = "/u/bob/photo-1.svg";
    for (host, target) in [
        (alice_prefix.as_str(), bob),
        (&format!("{alice_prefix}#"), bob),
        (&format!("{alice_prefix}?"), bob),
        (&format!("user@{cdn_addr}"), bob),
        (&cdn_addr.to_string(), "/u/%62ob/photo-1.svg"),
        (&cdn_addr.to_string(), "/u/alice/../bob/photo-1.svg"),
        (&cdn_addr.to_string(), "/u/alice/%2e%2e/bob/photo-1.svg"),
        (&cdn_addr.to_string(), "//u/bob/photo-1.svg"),
        (&cdn_addr.to_string(), &format!("http://{alice_prefix}..{bob}")),
    ] {
        let (status, body) = raw_get(cdn_addr, host, target, &jar.header()).await;
        assert!(matches!(status, 400 | 403), "Host {host:?} {target:?} -> {status} {body}");
        assert!(!body.contains("bob/photo-1.svg"), "Host {host:?} {target:?} -> {body}");
    }

    // Sign out: the cookies are removed, and the image is refused again.
    let res =
        http.post(format!("http://{app_addr}/logout")).header("cookie", jar.header()).send().await.unwrap();
    jar.take(&res);
    assert!(jar.0.is_empty(), "{:?}", jar.0);
    let res = http.get(&image).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

/// The name of the demo's session cookie.
const SESSION: &str = "session";

async fn login(
    http: &reqwest::Client,
    app_addr: SocketAddr,
    user: &str,
    password: &str,
) -> reqwest::Response {
    http.post(format!("http://{app_addr}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={password}"))
        .send()
        .await
        .unwrap()
}

/// The `CloudFront-*` cookies a response sets with a value (removals left out).
fn cloudfront_cookies_set(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .filter(|c| c.starts_with("CloudFront-") && !c.contains("Max-Age=0"))
        .collect()
}

/// What the app answers `cookie` with on `/` and `/me`: the CloudFront cookies it sets and
/// the user `/me` names.
async fn answer(
    http: &reqwest::Client,
    app_addr: SocketAddr,
    cookie: &str,
) -> (Vec<String>, serde_json::Value) {
    let page = http.get(format!("http://{app_addr}/")).header("cookie", cookie).send().await.unwrap();
    let mut set = cloudfront_cookies_set(&page);
    assert!(page.text().await.unwrap().contains(r#"id="login""#), "{cookie}: not the sign-in page");
    let me = http.get(format!("http://{app_addr}/me")).header("cookie", cookie).send().await.unwrap();
    set.extend(cloudfront_cookies_set(&me));
    (set, me.json().await.unwrap())
}

/// Wrong passwords, session cookies the app never made, the old demo's `demo_user` cookie,
/// and a session replayed after sign-out: no CloudFront cookies, nobody signed in.
pub async fn forged_and_replayed_sessions_get_nothing(app_addr: SocketAddr) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (user, password) in
        [("alice", "bob-demo"), ("alice", ""), ("alice", "ALICE-DEMO"), ("mallory", "x"), ("", "")]
    {
        let res = login(&http, app_addr, user, password).await;
        assert_eq!(res.status(), 401, "{user}/{password}");
        assert_eq!(cloudfront_cookies_set(&res), Vec::<String>::new(), "{user}/{password}");
        assert!(res.text().await.unwrap().contains("wrong password"));
    }

    // A real session, to replay and to forge from.
    let res = login(&http, app_addr, "alice", "alice-demo").await;
    assert_eq!(res.status(), 303);
    let mut jar = Jar::default();
    jar.take(&res);
    let session = jar.0[SESSION].clone();
    let signed_in = format!("{SESSION}={session}");
    let me = http.get(format!("http://{app_addr}/me")).header("cookie", &signed_in).send().await.unwrap();
    assert_eq!(me.json::<serde_json::Value>().await.unwrap()["user"], "alice");

    let mut forged = vec![
        "demo_user=alice".to_owned(),
        "demo_user=bob".to_owned(),
        format!("{SESSION}="),
        format!("{SESSION}=alice"),
        format!("{SESSION}={}", "A".repeat(session.len())),
        format!("{SESSION}={session}x"),
        format!("{SESSION}=x{session}"),
        format!("{SESSION}={}", &session[..session.len() - 1]),
    ];
    // Every one-character change of the real session ID.
    for i in 0..session.len() {
        let mut changed = session.clone().into_bytes();
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        forged.push(format!("{SESSION}={}", String::from_utf8(changed).unwrap()));
    }
    for cookie in &forged {
        let (set, me) = answer(&http, app_addr, cookie).await;
        assert!(set.is_empty(), "{cookie}: {set:?}");
        assert_eq!(me["user"], serde_json::Value::Null, "{cookie}");
    }

    // Sign out, then replay the session cookie (alone, and with the old CloudFront cookies).
    let res =
        http.post(format!("http://{app_addr}/logout")).header("cookie", jar.header()).send().await.unwrap();
    assert_eq!(res.status(), 303);
    for cookie in [signed_in.clone(), jar.header()] {
        let (set, me) = answer(&http, app_addr, &cookie).await;
        assert!(set.is_empty(), "replayed {cookie}: {set:?}");
        assert_eq!(me["user"], serde_json::Value::Null, "replayed {cookie}");
    }
}

/// Every sign-in gets a session ID of its own: the ID the browser brought (signed in as
/// someone else, as the same user, or one the client made up) is never the one signed in,
/// and it opens nothing afterwards. (Otherwise whoever planted the cookie — another service on
/// a sibling host or port can — would share the victim's session and CloudFront cookies.)
pub async fn sign_in_always_gets_a_new_session(app_addr: SocketAddr) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let session_of = |res: &reqwest::Response| {
        let mut jar = Jar::default();
        jar.take(res);
        jar.0.get(SESSION).cloned()
    };
    let sign_in = |cookie: String, user: &'static str| {
        let http = http.clone();
        async move {
            let res = http
                .post(format!("http://{app_addr}/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie)
                .body(format!("username={user}&password={user}-demo"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303);
            res
        }
    };
    let bob = session_of(&login(&http, app_addr, "bob", "bob-demo").await).unwrap();
    let made_up = "A".repeat(bob.len());
    for (planted, user) in [(bob.clone(), "alice"), (bob, "bob"), (made_up, "alice")] {
        let res = sign_in(format!("{SESSION}={planted}"), user).await;
        let fresh = session_of(&res).unwrap_or_else(|| panic!("no new session for {user} over {planted}"));
        assert_ne!(fresh, planted, "{user} signed in on the planted session");
        let (set, me) = answer(&http, app_addr, &format!("{SESSION}={planted}")).await;
        assert!(
            set.is_empty() && me["user"].is_null(),
            "planted {planted} after {user}'s sign-in: {me} {set:?}"
        );
        let me =
            http.get(format!("http://{app_addr}/me")).header("cookie", format!("{SESSION}={fresh}")).send();
        assert_eq!(me.await.unwrap().json::<serde_json::Value>().await.unwrap()["user"], user);
    }
}

/// `GET target` with the given raw `Host` and `Cookie` values over a fresh connection: no client
/// library in between to refuse or normalise them. Returns the status and the body.
pub async fn raw_get(addr: SocketAddr, host: &str, target: &str, cookie: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n");
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        String::from_utf8_lossy(&reply).into_owned()
    })
    .await
    .unwrap();
    let status = reply.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

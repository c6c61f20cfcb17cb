//! Each scenario once; run against axum and actix-web; same transcript required.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cfsign::{CustomPolicy, EpochSeconds, KeyKind};
use cfsign_conformance::{Browser, Framework, KEY_PAIR_ID, SigningKey, T0, conform, issuer, key, start};
use cfsign_issuer::{Access, ManualClock, RequestView};

fn cloudfront_lines(transcript: &[String]) -> usize {
    transcript.iter().filter(|l| l.starts_with("  set-cookie: CloudFront-")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_steady_state_refresh_logout() {
    let transcript = conform(|fw| async move {
        let clock = ManualClock::new(T0);
        let mut b = Browser::new(start(fw, issuer(&clock, key())).await);
        let login = b.send("POST", "/login", "user=alice", None).await;
        assert_eq!(login.status, 303);
        assert!(b.cloudfront_allows(&key(), "https://cdn.example.com/u/alice/a.jpg", T0));

        clock.advance(Duration::from_secs(30 * 60));
        let steady = b.send("GET", "/me", "", None).await;
        assert!(steady.set_cookie.is_empty() && steady.body.contains("alice"));

        clock.advance(Duration::from_secs(16 * 60));
        let refreshed = b.send("GET", "/me", "", None).await;
        assert_eq!(refreshed.set_cookie.len(), 4);
        let later = EpochSeconds::new(T0.as_secs() + 75 * 60);
        assert!(b.cloudfront_allows(&key(), "https://cdn.example.com/u/alice/a.jpg", later));

        b.send("POST", "/logout", "", None).await;
        assert_eq!(b.cloudfront_cookies(), "");
        b.transcript
    })
    .await;
    // login: session + 4; steady: 0; refresh: 4; logout: session removal + 5.
    assert_eq!(cloudfront_lines(&transcript), 13, "{transcript:#?}");
    for line in transcript.iter().filter(|l| l.starts_with("  set-cookie: CloudFront-")) {
        assert!(line.contains("; Domain=example.com; Path=/; "), "{line}");
        assert!(line.ends_with("; Secure; HttpOnly; SameSite=Lax"), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_change() {
    conform(|fw| async move {
        let clock = ManualClock::new(T0);
        let mut b = Browser::new(start(fw, issuer(&clock, key())).await);
        b.send("POST", "/login", "user=alice", None).await;
        b.jar.insert("session".into(), "alice.gold".into());
        let r = b.send("GET", "/me", "", None).await;
        assert_eq!(r.set_cookie.len(), 4);
        assert!(b.cloudfront_allows(&key(), "https://cdn.example.com/gold/alice/a.jpg", T0));
        assert!(!b.cloudfront_allows(&key(), "https://cdn.example.com/u/alice/a.jpg", T0));
        assert!(b.send("GET", "/me", "", None).await.set_cookie.is_empty());
        b.transcript
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation() {
    // One new key for both frameworks, so their transcripts can be compared.
    let new_key = SigningKey::generate(KeyKind::EcdsaP256, "KROTATED").unwrap();
    let transcript = conform(|fw| {
        let new_key = new_key.clone();
        async move {
            let clock = ManualClock::new(T0);
            let mut b = Browser::new(start(fw, issuer(&clock, key())).await);
            b.send("POST", "/login", "user=alice", None).await;
            // The app restarts with the new key.
            b.base = format!("http://{}", start(fw, issuer(&clock, new_key.clone())).await);
            let r = b.send("GET", "/me", "", None).await;
            assert!(r.set_cookie.iter().any(|c| c.starts_with("CloudFront-Key-Pair-Id=KROTATED;")));
            assert!(b.cloudfront_allows(&new_key, "https://cdn.example.com/u/alice/a.jpg", T0));
            assert!(b.send("GET", "/me", "", None).await.set_cookie.is_empty());
            b.transcript
        }
    })
    .await;
    assert_eq!(cloudfront_lines(&transcript), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_get_nothing() {
    conform(|fw| async move {
        let clock = ManualClock::new(T0);
        let mut b = Browser::new(start(fw, issuer(&clock, key())).await);
        b.jar.insert("session".into(), "alice.u".into());
        let r = b.send("GET", "/boom", "", None).await;
        assert_eq!((r.status, r.set_cookie.len()), (500, 0));
        let r = b.send("GET", "/me", "", None).await;
        assert_eq!((r.status, r.set_cookie.len()), (200, 4));
        b.transcript
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_cookies() {
    let big = "A".repeat(10 * 1024);
    let hostile = vec![
        "session=alice.u; CloudFront-Policy=%%%; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F".to_owned(),
        format!("session=alice.u; CloudFront-Policy={big}; CloudFront-Signature={big}; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F"),
        "session=alice.u; CloudFront-Policy=e30_; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=KWRONG".to_owned(),
        "session=alice.u; CloudFront-Expires=-5; CloudFront-Expires=1e9; CloudFront-Signature=; CloudFront-Key-Pair-Id=".to_owned(),
        "session=alice.u; CloudFront-Hash-Algorithm=MD5; CloudFront-Policy=; ;;; =; CloudFront-Key-Pair-Id=\"K2\"".to_owned(),
        format!("session=alice.u; {}", "CloudFront-Signature=AAAA; ".repeat(500)),
    ];
    conform(|fw| {
        let hostile = hostile.clone();
        async move {
            let clock = ManualClock::new(T0);
            let mut b = Browser::new(start(fw, issuer(&clock, key())).await);
            for h in &hostile {
                let r = b.send("GET", "/me", "", Some(h)).await;
                assert_eq!(r.status, 200, "{h:.60}");
                assert!(r.body.contains("alice"));
                assert_eq!(r.set_cookie.iter().filter(|c| !c.contains("Max-Age=0")).count(), 4, "{h:.60}");
            }
            b.transcript
        }
    })
    .await;
}

/// Cookie sets that look fresh but that the app never signed: the middleware issues genuine
/// ones instead (and a set signed with the same key by another instance is as good as its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_sets_are_never_taken_as_fresh() {
    conform(|fw| async move {
        let clock = ManualClock::new(T0);
        let app_issuer = issuer(&clock, key());
        let mut b = Browser::new(start(fw, app_issuer.clone()).await);
        b.send("POST", "/login", "user=alice", None).await;
        let alice = "https://cdn.example.com/u/alice/a.jpg";
        let far = EpochSeconds::new(T0.as_secs() + 30 * 24 * 3600);
        let forged_policy = CustomPolicy::builder()
            .resource("https://cdn.example.com/u/alice/*")
            .date_less_than(far)
            .build()
            .unwrap();
        let forged_value = cfsign::encoding::encode(forged_policy.to_json().as_bytes());
        let forged = format!(
            "CloudFront-Policy={forged_value}; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id={KEY_PAIR_ID}; \
             CloudFront-Hash-Algorithm=SHA256"
        );

        // Alone, in place of the user's cookies: treated as absent, genuine cookies issued.
        let r = b.send("GET", "/me", "", Some(&format!("session=alice.u; {forged}"))).await;
        assert_eq!(r.set_cookie.iter().filter(|c| !c.contains("Max-Age=0")).count(), 4);
        assert!(b.cloudfront_allows(&key(), alice, T0));

        // Read by CloudFront before a genuine fresh set — a forged set, or a stray Expires
        // beside its Policy — the CDN would refuse: refreshed (the stray name removed).
        let genuine = b.cloudfront_cookies();
        for header in [format!("session=alice.u; {forged}; {genuine}"), format!("session=alice.u; {genuine}; CloudFront-Expires=1")] {
            let r = b.send("GET", "/me", "", Some(&header)).await;
            assert_eq!(r.set_cookie.iter().filter(|c| !c.contains("Max-Age=0")).count(), 4, "{header:.80}");
            assert!(b.cloudfront_allows(&key(), alice, T0));
        }

        // Beside the genuine set when that is due for refresh, before or after it: refreshed.
        clock.advance(Duration::from_secs(50 * 60));
        let genuine = b.cloudfront_cookies();
        for header in [format!("session=alice.u; {forged}; {genuine}"), format!("session=alice.u; {genuine}; {forged}")] {
            let r = b.send("GET", "/me", "", Some(&header)).await;
            assert_eq!(r.set_cookie.iter().filter(|c| !c.contains("Max-Age=0")).count(), 4, "{header:.80}");
        }
        let later = EpochSeconds::new(T0.as_secs() + 75 * 60);
        assert!(b.cloudfront_allows(&key(), alice, later));

        // Signed with the app's key by another instance, in a window this one never signed:
        // vouched for (verified once), nothing to do.
        clock.advance(Duration::from_secs(5 * 60));
        let other = issuer(&clock, key());
        let access = Access::single("https://cdn.example.com/u/alice/*", "/").unwrap();
        let theirs = other.decide(RequestView::new("/").access(access), None, 200).now().unwrap();
        let theirs: Vec<&str> = theirs.iter().map(|c| c.split(';').next().unwrap()).collect();
        let r = b.send("GET", "/me", "", Some(&format!("session=alice.u; {}", theirs.join("; ")))).await;
        assert!(r.set_cookie.is_empty(), "{:?}", r.set_cookie);
        // Counted: each forged set CloudFront would have read (not the one behind a genuine set).
        assert_eq!(app_issuer.counters().malformed_cookies, 4);
        b.transcript
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_garbage_cookies_get_a_normal_response() {
    // Deterministic pseudo-random printable bytes (xorshift), the same for both frameworks.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = |n: usize| -> String {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from(b' ' + (seed % 95) as u8)
            })
            .collect()
    };
    let headers: Vec<String> = (0..20)
        .map(|i| match i % 3 {
            0 => format!("session=alice.u; {}", random(300)),
            1 => format!(
                "session=alice.u; CloudFront-Policy={}; CloudFront-Signature={}",
                random(200),
                random(40)
            ),
            _ => format!(
                "session=alice.u; CloudFront-Key-Pair-Id={}; CloudFront-Expires={}",
                random(20),
                random(12)
            ),
        })
        .map(|h| h.replace(';', "").replacen("session=alice.u ", "session=alice.u; ", 1))
        .collect();
    conform(|fw| {
        let headers = headers.clone();
        async move {
            let clock = ManualClock::new(T0);
            let mut b = Browser::new(start(fw, issuer(&clock, key())).await);
            for h in &headers {
                let r = b.send("GET", "/me", "", Some(h)).await;
                assert_eq!(r.status, 200, "{h:.60}");
                assert!(r.body.contains("alice"));
            }
            b.transcript
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_in_one_window_sign_once() {
    for fw in [Framework::Axum, Framework::Actix] {
        let clock = ManualClock::new(T0);
        let issuer = issuer(&clock, key());
        let addr = start(fw, issuer.clone()).await;
        let http = reqwest::Client::new();
        let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(100));
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..1000 {
            let (http, limit) = (http.clone(), limit.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire().await.unwrap();
                let res = http
                    .get(format!("http://{addr}/me"))
                    .header("cookie", format!("session=user{n}.shared"))
                    .send()
                    .await
                    .unwrap();
                res.headers().get_all("set-cookie").iter().count()
            });
        }
        while let Some(count) = tasks.join_next().await {
            assert_eq!(count.unwrap(), 4);
        }
        let c = issuer.counters();
        assert_eq!((c.signatures_made, c.cookies_issued, c.cache_hits), (1, 1000, 999), "{fw:?}");
    }
}

/// A playlist route: signed per viewer with the session's scope, the same bytes and headers
/// from both frameworks, 403 signed out or for another user's stream, `HEAD` without a body,
/// and one rewrite for many requests in a window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playlists_are_signed_for_the_viewer() {
    let transcript = conform(|fw| async move {
        let clock = ManualClock::new(T0);
        let issuer = issuer(&clock, key());
        let mut b = Browser::new(start(fw, issuer.clone()).await);
        let alice = "/playlist/u/alice/720p/index.m3u8";
        let signed_out = b.send("GET", alice, "", None).await;
        assert_eq!(signed_out.status, 403);
        b.send("POST", "/login", "user=alice", None).await;
        let ok = b.send("GET", alice, "", None).await;
        assert_eq!(ok.status, 200);
        // Every URI a player fetches from it is granted by CloudFront's rules.
        let url = "https://cdn.example.com/u/alice/720p/index.m3u8";
        let uris = cfsign_playlist::uris(&ok.body, url).unwrap();
        assert_eq!(uris.len(), 3);
        for uri in &uris {
            // Absolute CloudFront URLs: served by the app, the playlist still sends the player
            // to the CDN.
            assert!(uri.uri.starts_with("https://cdn.example.com/u/alice/720p/"), "{}", uri.uri);
            let request = cfsign_verify::Request::new(&uri.url, std::net::IpAddr::from([192, 0, 2, 1]), T0);
            assert!(cfsign_conformance::trusted(&[&key()]).verify(&request).is_ok(), "{}", uri.url);
        }
        assert_eq!(b.send("GET", "/playlist/u/bob/720p/index.m3u8", "", None).await.status, 403);
        for _ in 0..5 {
            assert_eq!(b.send("GET", alice, "", None).await.body, ok.body);
        }
        // One rewrite; and the playlist's policy is the cookies' policy (same scope, same
        // window), so the signature made at login serves both.
        assert_eq!((issuer.counters().playlists_signed, issuer.counters().signatures_made), (1, 1));
        // Headers and HEAD, over plain reqwest with the browser's cookies.
        let http = reqwest::Client::new();
        for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
            let r = http
                .request(method.clone(), format!("{}{alice}", b.base))
                .header("cookie", b.cookie_header())
                .send()
                .await
                .unwrap();
            let header = |name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
            b.transcript.push(format!(
                "{method} {alice} -> {} {:?} {:?}",
                r.status(),
                header("content-type"),
                header("cache-control")
            ));
            let body = r.text().await.unwrap();
            assert_eq!(body.is_empty(), method == reqwest::Method::HEAD);
        }
        b.transcript.push(format!("  body: {}", ok.body));
        b.transcript
    })
    .await;
    assert!(
        transcript
            .iter()
            .any(|l| l.ends_with("-> 200 OK Some(\"application/vnd.apple.mpegurl\") Some(\"private\")")
                && l.starts_with("HEAD")),
        "{transcript:#?}"
    );
}

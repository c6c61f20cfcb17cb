//! Key rotation without downtime, the whole story in one test, over real servers on loopback
//! (the app with the middleware, axum and actix-web in turn, and the gate as the CDN):
//!
//! 1. the CDN trusts the old key; 40 sessions log in and load their images;
//! 2. the new public key is added to the CDN's key group (old and new trusted);
//! 3. the running app switches to the new private key (`Issuer::rotate`, no restart);
//! 4. every session that comes back is re-issued new-key cookies on that request, and every
//!    session — moved over or not yet — keeps loading images throughout: no refusal at all;
//! 5. one TTL after the switch, the old key is removed from the key group: no session that made
//!    a request after the switch is refused; the ones that did not had expired cookies anyway
//!    (refused with or without the old key).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use cfsign::KeyKind;
use cfsign_conformance::{
    Browser, Framework, SigningKey, T0, issuer, key, raw_request, start, start_gate, trusted,
};
use cfsign_issuer::{Clock, ManualClock};

const SESSIONS: usize = 40;

/// What the CDN answers for `browser`'s own image: the status and, when refused, the code.
async fn image(cdn: std::net::SocketAddr, n: usize, browser: &Browser) -> (u16, String) {
    let target = format!("/u/user{n}/a.jpg");
    let cookies = browser.cloudfront_cookies();
    let headers: Vec<(&str, Vec<u8>)> =
        if cookies.is_empty() { vec![] } else { vec![("Cookie", cookies.into_bytes())] };
    let reply = raw_request(cdn, target.as_bytes(), &headers).await;
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    let code = body.split("<Code>").nth(1).and_then(|r| r.split('<').next()).unwrap_or_default().to_owned();
    (reply.status, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_the_signing_key_without_refusing_anyone() {
    let old = key();
    let new = SigningKey::generate(KeyKind::EcdsaP256, "KNEWKEYROTATED").unwrap();
    let dir = std::env::temp_dir().join(format!("cfsign-rotation-{}", std::process::id()));
    for n in 0..SESSIONS {
        std::fs::create_dir_all(dir.join(format!("u/user{n}"))).unwrap();
        std::fs::write(dir.join(format!("u/user{n}/a.jpg")), format!("image of user{n}")).unwrap();
    }

    for fw in [Framework::Axum, Framework::Actix] {
        let clock = ManualClock::new(T0);
        let now = {
            let clock = clock.clone();
            move || clock.now()
        };
        let issuer = issuer(&clock, old.clone());
        let app = start(fw, issuer.clone()).await;

        // 1. Old key only. Everyone logs in and sees their image.
        let cdn_old = start_gate(&dir, trusted(&[&old]), now.clone()).await;
        let mut browsers = Vec::new();
        for n in 0..SESSIONS {
            let mut b = Browser::new(app);
            assert_eq!(b.send("POST", "/login", &format!("user=user{n}"), None).await.status, 303);
            assert_eq!(image(cdn_old, n, &b).await, (200, String::new()), "{fw:?} user{n}");
            browsers.push(b);
        }

        // 2. The CDN trusts both keys; 3. the app switches to the new key, live.
        let cdn_both = start_gate(&dir, trusted(&[&old, &new]), now.clone()).await;
        clock.advance(Duration::from_secs(10 * 60));
        issuer.rotate(Arc::new(new.clone()));
        let switched_at = clock.now();
        assert_eq!(issuer.key_pair_id().as_str(), "KNEWKEYROTATED");

        // 4. Sessions come back over the next 20 minutes; odd ones never do. Everyone keeps
        //    loading images through it all.
        let mut moved = [false; SESSIONS];
        for step in 0..4 {
            clock.advance(Duration::from_secs(5 * 60));
            for (n, b) in browsers.iter_mut().enumerate() {
                if n % 2 == 0 && n % 8 == step * 2 {
                    let r = b.send("GET", "/me", "", None).await;
                    assert_eq!(r.status, 200);
                    assert!(
                        r.set_cookie.iter().any(|c| c.starts_with("CloudFront-Key-Pair-Id=KNEWKEYROTATED;")),
                        "{fw:?} user{n} is re-issued on its first request after the switch: {:?}",
                        r.set_cookie
                    );
                    moved[n] = true;
                    // The next request changes nothing: the new cookies are current.
                    assert!(b.send("GET", "/me", "", None).await.set_cookie.is_empty(), "{fw:?} user{n}");
                }
                assert_eq!(
                    image(cdn_both, n, b).await,
                    (200, String::new()),
                    "{fw:?} user{n} at step {step}"
                );
            }
        }
        assert_eq!(moved.iter().filter(|m| **m).count(), SESSIONS / 2);

        // 5. One TTL after the switch the old key goes. Nobody who made a request after the
        //    switch is refused; the idle sessions' old-key cookies had expired by then anyway.
        clock.advance(
            Duration::from_secs(3600) - Duration::from_secs(clock.now().as_secs() - switched_at.as_secs()),
        );
        let cdn_new = start_gate(&dir, trusted(&[&new]), now.clone()).await;
        for (n, b) in browsers.iter().enumerate() {
            let with_old_key_still_trusted = image(cdn_both, n, b).await;
            let after_removal = image(cdn_new, n, b).await;
            if moved[n] {
                assert_eq!(after_removal, (200, String::new()), "{fw:?} user{n} moved over");
            } else {
                assert_eq!(
                    with_old_key_still_trusted,
                    (403, "AccessDenied".into()),
                    "{fw:?} user{n} had expired"
                );
                assert_eq!(after_removal, (403, "InvalidKey".into()), "{fw:?} user{n}");
            }
        }
        // An idle session that comes back now is simply re-issued, with the new key.
        let r = browsers[1].send("GET", "/me", "", None).await;
        assert!(r.set_cookie.iter().any(|c| c.starts_with("CloudFront-Key-Pair-Id=KNEWKEYROTATED;")));
        assert_eq!(image(cdn_new, 1, &browsers[1]).await, (200, String::new()), "{fw:?}");

        let c = issuer.counters();
        eprintln!(
            "{fw:?} rotation: {SESSIONS} sessions, {} re-issued with the new key after the switch, \
             0 refused while both keys were trusted, 0 of them refused after the old key was removed; \
             signatures made {}",
            moved.iter().filter(|m| **m).count(),
            c.signatures_made
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

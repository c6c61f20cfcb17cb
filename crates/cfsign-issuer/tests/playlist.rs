//! `Issuer::signed_playlist`: a thousand concurrent viewers of one stream cost one signature
//! and one rewrite; another scope, another window or another key costs one more; every URI
//! verifies; what cannot be signed is an error that is not kept.
#![cfg(feature = "playlist")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use cfsign::{EpochSeconds, SigningKey};
use cfsign_issuer::{Access, Issuer, ManualClock, SignedPlaylistError};
use cfsign_verify::{KeyGroup, Request, TrustedKeyGroups};

const PEM: &str = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
const ID: &str = "K2JCJMDEHXQW5F";
const START: u64 = 1_767_200_000;

fn playlist(segments: usize) -> Arc<str> {
    let mut p = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n");
    for i in 0..segments {
        p.push_str(&format!("#EXTINF:4,\nseg-{i:05}.m4s\n"));
    }
    p.push_str("#EXT-X-ENDLIST\n");
    p.into()
}

fn issuer(clock: &ManualClock) -> Issuer {
    let key = SigningKey::from_pem(PEM, ID).unwrap();
    Issuer::builder(Arc::new(key)).clock(clock.clone()).build().unwrap()
}

fn access(video: &str) -> Access {
    Access::single(format!("https://cdn.example.com/videos/{video}/*"), "/").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_viewers_cost_one_signature_and_one_rewrite() {
    let clock = ManualClock::new(EpochSeconds::new(START));
    let issuer = issuer(&clock);
    let playlist = playlist(1_000);
    let url = "https://cdn.example.com/videos/123/720p/index.m3u8";
    let viewers: Vec<_> = (0..1_000)
        .map(|_| {
            let (issuer, playlist, access) = (issuer.clone(), Arc::clone(&playlist), access("123"));
            tokio::spawn(async move { issuer.signed_playlist(&access, url, playlist).await })
        })
        .collect();
    let mut answers = Vec::new();
    for viewer in viewers {
        answers.push(viewer.await.unwrap().unwrap());
    }
    assert!(answers.iter().all(|a| Arc::ptr_eq(a, &answers[0])), "one rewrite, shared");
    let counters = issuer.counters();
    assert_eq!((counters.signatures_made, counters.playlists_signed), (1, 1));

    // Every URI a player fetches from it is granted, as CloudFront would judge it.
    let key = SigningKey::from_pem(PEM, ID).unwrap();
    let trusted: TrustedKeyGroups = KeyGroup::new().with_key(ID, key.public_key()).unwrap().into();
    let uris = cfsign_playlist::uris(&answers[0], url).unwrap();
    assert_eq!(uris.len(), 1_001);
    for uri in &uris {
        let request =
            Request::new(&uri.url, std::net::IpAddr::from([192, 0, 2, 1]), EpochSeconds::new(START + 60));
        assert!(trusted.verify(&request).is_ok(), "{}", uri.url);
    }

    // Later in the same window: from the cache. Another video: one more of each. The next
    // window: one more of each.
    issuer.signed_playlist(&access("123"), url, Arc::clone(&playlist)).await.unwrap();
    assert_eq!(issuer.counters().playlists_signed, 1);
    let other = "https://cdn.example.com/videos/456/720p/index.m3u8";
    let bob = issuer.signed_playlist(&access("456"), other, Arc::clone(&playlist)).await.unwrap();
    assert_ne!(bob, answers[0]);
    clock.advance(Duration::from_secs(61));
    let later = issuer.signed_playlist(&access("123"), url, Arc::clone(&playlist)).await.unwrap();
    assert_ne!(later, answers[0]);
    let counters = issuer.counters();
    assert_eq!((counters.signatures_made, counters.playlists_signed), (3, 3));
}

#[tokio::test]
async fn what_cannot_be_signed_is_an_error_and_is_not_kept() {
    let clock = ManualClock::new(EpochSeconds::new(START));
    let issuer = issuer(&clock);
    // A playlist of another video: the viewer's access does not cover it.
    let e = issuer
        .signed_playlist(&access("123"), "https://cdn.example.com/videos/456/index.m3u8", playlist(2))
        .await
        .unwrap_err();
    assert_eq!(e, SignedPlaylistError::NotInScope);
    // A URI outside the scope: named, and tried again (not kept) next time.
    let bad: Arc<str> = "#EXTM3U\n#EXTINF:4,\n../../456/seg.ts\n".into();
    let url = "https://cdn.example.com/videos/123/hls/index.m3u8";
    for _ in 0..2 {
        let e = issuer.signed_playlist(&access("123"), url, Arc::clone(&bad)).await.unwrap_err();
        assert!(matches!(e, SignedPlaylistError::Playlist(_)), "{e}");
        assert!(e.to_string().contains("../../456/seg.ts"), "{e}");
    }
    assert_eq!(issuer.counters().playlists_signed, 0);
    // The first of several scopes that covers the URL signs it.
    let both = Access::new([
        cfsign_issuer::Scope::new("https://cdn.example.com/videos/9/*", "/videos/9/").unwrap(),
        cfsign_issuer::Scope::new("https://cdn.example.com/videos/123/*", "/videos/123/").unwrap(),
    ])
    .unwrap();
    let signed = issuer.signed_playlist(&both, url, playlist(1)).await.unwrap();
    assert!(signed.contains("\nhttps://cdn.example.com/videos/123/hls/seg-00000.m4s?Policy="), "{signed}");
}

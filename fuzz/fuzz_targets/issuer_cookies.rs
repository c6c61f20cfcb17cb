#![no_main]
// The issuer's reading of a request's Cookie header (the middleware's parser of untrusted
// input): never panics, whatever it sets is a well-formed CloudFront cookie, and it vouches for
// every set it leaves alone — when it sets nothing for a signed-in user, CloudFront (the
// verifier) accepts that very header for the user's scope.
use std::sync::{Arc, OnceLock};

use cfsign::EpochSeconds;
use cfsign_issuer::{Access, Issuer, ManualClock, RequestView};
use cfsign_verify::{KeyGroup, Request, TrustedKeyGroups};

const NOW: EpochSeconds = EpochSeconds::new(1_767_250_000);

struct Setup {
    issuer: Issuer,
    access: Access,
    trusted: TrustedKeyGroups,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let key = cfsign_fuzz_keys::signing_keys()[0].clone();
        let trusted = TrustedKeyGroups::from(
            KeyGroup::new().with_key(key.key_pair_id().as_str(), key.public_key()).unwrap(),
        );
        let clock = ManualClock::new(NOW);
        let issuer = Issuer::builder(Arc::new(key)).domain("example.com").clock(clock).build().unwrap();
        // The scope of the seed corpus's cookies, so that valid sets are recognised as fresh.
        let access = Access::single("https://cdn.example.com/private/*", "/").unwrap();
        Setup { issuer, access, trusted }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Setup { issuer, access, trusted } = setup();
    let set_cookie = issuer
        .decide(RequestView::new("/").cookie_header(data).access(access.clone()), None, 200)
        .now()
        .unwrap();
    for header in &set_cookie {
        assert!(header.starts_with("CloudFront-"), "{header}");
        assert!(header.contains("; Domain=example.com; Path=/"), "{header}");
    }
    if set_cookie.is_empty() {
        let request = Request::new("https://cdn.example.com/private/x.jpg", [192, 0, 2, 1].into(), NOW);
        assert!(trusted.verify(&request.cookie_header(data)).is_ok(), "left alone, yet CloudFront refuses");
    }
    // Without a session only the names are read (for removals at login).
    let _ = issuer.decide(RequestView::new("/").cookie_header(data), None, 200).now().unwrap();
});

#[path = "keys.rs"]
mod cfsign_fuzz_keys;

#![no_main]
// The issuer's reading of a request's Cookie header (the middleware's parser of untrusted
// input): never panics, whatever it decides is a well-formed CloudFront cookie set, and its
// one-pass reading of its own cookie set agrees with the full reader.
use std::sync::{Arc, OnceLock};

use cfsign_issuer::{Access, Issuer, ManualClock};

fn issuer() -> &'static (Issuer, Access) {
    static ISSUER: OnceLock<(Issuer, Access)> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let key = cfsign_fuzz_keys::signing_keys()[0].clone();
        let clock = ManualClock::new(cfsign::EpochSeconds::new(1_767_250_000));
        let issuer = Issuer::builder(Arc::new(key)).domain("example.com").clock(clock).build().unwrap();
        // The scope of the seed corpus's cookies, so that valid sets are recognised as fresh.
        let access = Access::single("https://cdn.example.com/private/*", "/").unwrap();
        (issuer, access)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (issuer, access) = issuer();
    assert!(cfsign_issuer::fuzz_own_set_agrees(data, issuer.key_pair_id().as_str(), access));
    for set_cookie in issuer.decide(Some(data), "/", Some(access.clone()), None, 200) {
        assert!(set_cookie.starts_with("CloudFront-"), "{set_cookie}");
        assert!(set_cookie.contains("; Domain=example.com; Path=/"), "{set_cookie}");
    }
    // Without a session only the names are read (for removals at login).
    let _ = issuer.decide(Some(data), "/", None, None, 200);
});

#[path = "keys.rs"]
mod cfsign_fuzz_keys;

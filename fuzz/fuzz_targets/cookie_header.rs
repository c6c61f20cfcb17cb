#![no_main]
// Cookie-header reading (cfsign::wire, shared by the verifier and the issuer) and full
// verification of cookie credentials: never panics; the first cookie set read is what CloudFront
// reads; `explain` (no keys) never finds a fault `verify` does not.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let first = cfsign::wire::cookie_credentials(data);
    assert_eq!(cfsign::wire::cookie_sets(data).next().unwrap_or_default(), first);
    assert!(cfsign::wire::cookie_sets(data).count() <= data.len());
    assert_eq!(cfsign::wire::cookie_names(data), first.names());
    let trusted = cfsign_fuzz_keys::trusted();
    let request = cfsign_verify::Request::new(
        "https://cdn.example.com/a.jpg",
        [192, 0, 2, 1].into(),
        cfsign::EpochSeconds::new(1_767_250_000),
    )
    .cookie_header(data);
    let verdict = trusted.verify(&request);
    if let Err(denial) = &verdict {
        let _ = denial.xml_body();
    }
    if let Some(explained) = cfsign_verify::explain(&request).denial() {
        assert!(verdict.is_err(), "explain refuses what verify grants: {explained:?}");
    }
});

#[path = "keys.rs"]
mod cfsign_fuzz_keys;

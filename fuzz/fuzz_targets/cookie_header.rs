#![no_main]
// Cookie-header parsing and full verification of cookie credentials: never panics, never grants.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = cfsign_verify::credentials::cookie_credentials(data);
    let trusted = cfsign_fuzz_keys::trusted();
    let request = cfsign_verify::Request::new(
        "https://cdn.example.com/a.jpg",
        [192, 0, 2, 1].into(),
        cfsign::EpochSeconds::new(1_767_250_000),
    )
    .cookie_header(data);
    if let Err(denial) = trusted.verify(&request) {
        let _ = denial.xml_body();
    }
});

#[path = "keys.rs"]
mod cfsign_fuzz_keys;

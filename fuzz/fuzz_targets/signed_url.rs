#![no_main]
// Signed-URL parsing: finding the signing parameters and stripping them never panics, and a
// stripped URL carries no signing parameter any more.
libfuzzer_sys::fuzz_target!(|url: &str| {
    let _ = cfsign_verify::credentials::url_credentials(url);
    let stripped = cfsign_verify::strip_signing_parameters(url);
    assert!(cfsign::wire::signing_parameter_in(stripped.split('#').next().unwrap_or("")).is_none());
    let _ = cfsign::resource_matches(url, &stripped);
});

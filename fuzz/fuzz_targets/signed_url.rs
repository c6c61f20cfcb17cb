#![no_main]
// Signed-URL parsing: finding the signing parameters and stripping them never panics, and a
// stripped URL carries no signing parameter any more.
libfuzzer_sys::fuzz_target!(|url: &str| {
    if let Some(query) = cfsign::wire::query_of(url) {
        let _ = cfsign::wire::query_credentials(query);
    }
    let stripped = cfsign::wire::strip_signing_parameters(url);
    assert!(cfsign::wire::signing_parameter_in(stripped.split('#').next().unwrap_or("")).is_none());
    let _ = cfsign::resource_matches(url, &stripped);
});

#![no_main]
// Policy JSON parsing: never panics; whatever parses re-serialises to something that parses
// back to the same policy.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(p) = cfsign::CustomPolicy::parse(data) {
        assert_eq!(cfsign::CustomPolicy::parse(p.to_json().as_bytes()).as_ref(), Ok(&p));
    }
    if let Ok(decoded) = cfsign::encoding::decode_bytes(data) {
        assert_eq!(cfsign::encoding::encode(&decoded).as_bytes(), data);
    }
});

#![no_main]
// DASH MPD signing: any text and any MPD URL get an answer, never a panic; a signed MPD
// differs from its input only by the parameters after its URLs.
mod keys;

use std::sync::OnceLock;

fn signed() -> &'static (cfsign::SignedPolicy, String) {
    static SIGNED: OnceLock<(cfsign::SignedPolicy, String)> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let policy = cfsign::CustomPolicy::builder()
            .resource("https://cdn.example.com/videos/*")
            .date_less_than(cfsign::EpochSeconds::new(2_000_000_000))
            .build()
            .unwrap();
        let signed = cfsign::SignedPolicy::new(policy, keys::signer(false, true)).unwrap();
        let parameters = signed.query().replace('&', "&amp;");
        (signed, parameters)
    })
}

libfuzzer_sys::fuzz_target!(|input: (&str, &str)| {
    let (text, url) = input;
    let (signed, parameters) = signed();
    for mpd_url in [url, "https://cdn.example.com/videos/1/stream.mpd"] {
        if let Ok(out) = cfsign_playlist::sign_dash(text, mpd_url, signed) {
            let back = out.replace(&format!("?{parameters}"), "").replace(&format!("&amp;{parameters}"), "");
            assert_eq!(back, text);
        }
    }
});

#![no_main]
// HLS playlist signing: any text and any playlist URL get an answer, never a panic; a signed
// playlist differs from its input only by the parameters after its URIs.
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
        let parameters = signed.query();
        (signed, parameters)
    })
}

libfuzzer_sys::fuzz_target!(|input: (&str, &str)| {
    let (text, url) = input;
    let (signed, parameters) = signed();
    for playlist_url in [url, "https://cdn.example.com/videos/1/index.m3u8"] {
        let playlist = format!("#EXTM3U\n{text}");
        if let Ok(out) = cfsign_playlist::sign_hls(&playlist, playlist_url, signed) {
            let back = out.replace(&format!("?{parameters}"), "").replace(&format!("&{parameters}"), "");
            assert_eq!(back, playlist);
        }
    }
});

#![no_main]
// DASH MPD signing: any text and any MPD URL get an answer, never a panic; a signed MPD
// differs from its input only by the parameters after its URLs.
mod keys;

libfuzzer_sys::fuzz_target!(|input: (&str, &str)| {
    let (text, url) = input;
    let signed = keys::stream_policy();
    // As XML writes them: `&` escaped.
    let parameters = signed.query().replace('&', "&amp;");
    for mpd_url in [url, "https://cdn.example.com/videos/1/stream.mpd"] {
        if let Ok(out) = cfsign_playlist::sign_dash(text, mpd_url, signed) {
            let back = out.replace(&format!("?{parameters}"), "").replace(&format!("&amp;{parameters}"), "");
            assert_eq!(back, text);
        }
    }
});

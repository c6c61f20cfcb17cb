#![no_main]
// HLS playlist signing: any text and any playlist URL get an answer, never a panic; a signed
// playlist differs from its input only by the parameters after its URIs.
mod keys;

libfuzzer_sys::fuzz_target!(|input: (&str, &str)| {
    let (text, url) = input;
    let signed = keys::stream_policy();
    let parameters = signed.query();
    for playlist_url in [url, "https://cdn.example.com/videos/1/index.m3u8"] {
        let playlist = format!("#EXTM3U\n{text}");
        if let Ok(out) = cfsign_playlist::sign_hls(&playlist, playlist_url, signed) {
            let back = out.replace(&format!("?{parameters}"), "").replace(&format!("&{parameters}"), "");
            assert_eq!(back, playlist);
        }
    }
});

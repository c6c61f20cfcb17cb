#![no_main]
// The gate's reading of a request (`Host` and request target, both the client's): never
// panics, and whatever it accepts names one resource — the URL it builds carries the authority
// unchanged and cannot be re-split by it, and a path-decoding origin (tower-http's `ServeDir`:
// percent-decode, split on `/`, drop `.` and empty segments, refuse `..`) reads the path as the
// very segments the gate judged. Input: `host\ntarget`, or a target alone (no `Host`).
use cfsign_verify::target::RequestUrl;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (host, target) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (Some(&data[..at]), &data[at + 1..]),
        None => (None, data),
    };
    let Ok(url) = RequestUrl::new("https", host, target) else { return };
    let authority = url.authority();
    assert!(!authority.is_empty());
    assert!(!authority.bytes().any(|b| b"/?#@\\".contains(&b) || !b.is_ascii_graphic()), "{authority:?}");
    assert_eq!(url.as_str(), format!("https://{authority}{}", url.path_and_query()));
    // The section split every resource match uses finds this authority and this path.
    let pattern = format!("https://{authority}{}", url.path());
    assert!(cfsign::resource_matches(&pattern, url.as_str().split('?').next().unwrap_or_default()));
    // Reading it again changes nothing.
    assert_eq!(
        RequestUrl::new("https", Some(authority.as_bytes()), url.path_and_query().as_bytes()).as_ref(),
        Ok(&url)
    );
    // The origin's segments are the gate's segments, one for one.
    let path = url.path().as_bytes();
    assert_eq!(path.first(), Some(&b'/'));
    let judged: Vec<&[u8]> = path[1..].split(|&b| b == b'/').collect();
    for (i, segment) in judged.iter().enumerate() {
        assert!(i + 1 == judged.len() || !segment.is_empty(), "{path:?}");
        assert!(*segment != b"." && *segment != b"..", "{path:?}");
    }
    let gate: Vec<Vec<u8>> = judged.iter().filter(|s| !s.is_empty()).map(|s| decode(s)).collect();
    for segment in &gate {
        assert!(!segment.contains(&b'/') && !segment.contains(&b'\\') && !segment.contains(&0), "{path:?}");
    }
    assert_eq!(origin_reads(path), Some(gate), "{path:?}");
});

fn decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (s[i], s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn origin_reads(path: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for segment in decode(path).split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            b".." => return None,
            s => out.push(s.to_vec()),
        }
    }
    Some(out)
}

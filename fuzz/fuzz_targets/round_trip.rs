#![no_main]
// Structured round trip: build any valid policy, sign it with either key and hash, present it
// as a URL or cookies, and the verifier must grant it — and refuse it once expired.
use arbitrary::Arbitrary;
use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds, HashAlgorithm, Policy, SignedPolicy};

#[derive(Arbitrary, Debug)]
struct Input {
    rsa: bool,
    sha256: bool,
    cookies: bool,
    custom: bool,
    wildcard: bool,
    path: String,
    query: Option<String>,
    start: u32,
    len: u32,
    ip: Option<(u32, u8)>,
    with_start: bool,
}

libfuzzer_sys::fuzz_target!(|input: Input| {
    let url = match &input.query {
        Some(q) => format!("https://cdn.example.com/{}?{q}", input.path),
        None => format!("https://cdn.example.com/{}", input.path),
    };
    let start = u64::from(input.start);
    let expires = EpochSeconds::new(start + u64::from(input.len) + 2);
    let policy: Policy = if !input.custom && input.ip.is_none() && !input.with_start {
        match CannedPolicy::new(url.clone(), expires) {
            Ok(p) => p.into(),
            Err(_) => return, // not a signable URL: validation said so, fine
        }
    } else {
        let resource =
            if input.wildcard { format!("https://cdn.example.com/{}*", input.path) } else { url.clone() };
        let mut b = CustomPolicy::builder().resource(resource).date_less_than(expires);
        if input.with_start {
            b = b.date_greater_than(EpochSeconds::new(start));
        }
        if let Some((addr, prefix)) = input.ip {
            let prefix = prefix % 33;
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            b = b.source_ip(cfsign::SourceIp::new((addr & mask).into(), prefix).unwrap());
        }
        match b.build() {
            Ok(p) => p.into(),
            Err(_) => return,
        }
    };
    let signed = SignedPolicy::new(policy, keys::signer(input.rsa, input.sha256)).unwrap();
    assert_eq!(signed.hash_algorithm() == HashAlgorithm::Sha256, input.sha256);
    let client: std::net::IpAddr = match input.ip {
        Some((addr, _)) => std::net::Ipv4Addr::from(addr).into(),
        None => [192, 0, 2, 1].into(),
    };
    let now = EpochSeconds::new(start + 1);
    let (request_url, cookie) = if input.cookies {
        if cfsign::wire::signing_parameter_in(&url).is_some() {
            // The page's own query names a signing parameter (say `?Expires`): CloudFront judges
            // it as a signed URL and never looks at the cookies (docs/cloudfront-format.md §6
            // step 1), so they cannot grant it. Found by this target; see the regression test in cfsign-verify.
            let cookie = signed.cookies().cookie_header();
            let request = cfsign_verify::Request::new(&url, client, now).cookie_header(&cookie);
            assert!(keys::trusted().verify(&request).is_err(), "{input:?}");
            return;
        }
        (url.clone(), Some(signed.cookies().cookie_header()))
    } else {
        match signed.url(&url) {
            Ok(u) => (u, None),
            // The policy is built to cover the URL: refusing it as not covered is a bug.
            Err(e @ cfsign::Error::UrlNotCovered { .. }) => panic!("{input:?}: {e}"),
            // The URL itself is not signable (e.g. a control byte in its query): correct refusal.
            Err(_) => return,
        }
    };
    let request = cfsign_verify::Request::new(&request_url, client, now);
    let request = match &cookie {
        Some(c) => request.cookie_header(c),
        None => request,
    };
    if request_url.len() <= cfsign_verify::MAX_URL_LEN
        && cookie.as_ref().is_none_or(|c| c.len() <= cfsign_verify::MAX_COOKIE_HEADER_LEN)
    {
        if let Err(d) = keys::trusted().verify(&request) {
            panic!("{input:?}: signed but refused: {d}");
        }
        let expired = cfsign_verify::Request::new(&request_url, client, expires);
        let expired = match &cookie {
            Some(c) => expired.cookie_header(c),
            None => expired,
        };
        assert!(keys::trusted().verify(&expired).is_err());
    }
});

#[path = "keys.rs"]
mod keys;

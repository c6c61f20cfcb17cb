#![no_main]
// Full request verification on arbitrary input: 4 bytes of client IPv4, 8 bytes of time,
// then the URL and the Cookie header separated by a NUL. Never panics; a grant (possible from
// the valid seeds) is always consistent: unexpired, from a trusted key, refused once expired.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let ip = std::net::Ipv4Addr::new(data[0], data[1], data[2], data[3]);
    let now = u64::from_le_bytes(data[4..12].try_into().unwrap());
    let rest = &data[12..];
    let (url, cookie) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let url = String::from_utf8_lossy(url);
    let mut request = cfsign_verify::Request::new(&url, ip.into(), cfsign::EpochSeconds::new(now));
    if let Some(c) = cookie {
        request = request.cookie_header(c);
    }
    match keys::trusted().verify(&request) {
        Ok(grant) => {
            assert!(now < grant.expires().as_secs(), "{grant:?} at {now}");
            assert!([keys::EC_ID, keys::RSA_ID].contains(&grant.key_pair_id().as_str()));
            let expired = cfsign_verify::Request::new(&url, ip.into(), grant.expires());
            let expired = match cookie {
                Some(c) => expired.cookie_header(c),
                None => expired,
            };
            assert!(keys::trusted().verify(&expired).is_err(), "{grant:?} still valid at expiry");
        }
        Err(denial) => {
            let _ = (denial.to_string(), denial.xml_body());
        }
    }
});

#[path = "keys.rs"]
mod keys;

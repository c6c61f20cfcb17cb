//! Table tests: every row of docs/cloudfront-format.md §6 with its exact code and message,
//! every wildcard example of docs/cloudfront-format.md §7, policies in every AWS SDK's style,
//! and the precedence rules.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use cfsign::encoding::encode;
use cfsign::{
    CannedPolicy, CustomPolicy, EpochSeconds, HashAlgorithm, KeyKind, SignedPolicy, Signer, SigningKey,
};
use cfsign_verify::{
    DenialCode, GrantedPolicy, KeyConfigError, KeyGroup, MAX_COOKIE_HEADER_LEN, MAX_URL_LEN, Reason, Request,
    Source, TrustedKeyGroups,
};

const ID: &str = "K2JCJMDEHXQW5F";
const NOW: EpochSeconds = EpochSeconds::new(1_767_250_000);
const EXP: EpochSeconds = EpochSeconds::new(1_767_290_400);
const START: EpochSeconds = EpochSeconds::new(1_767_200_000);

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), ID).unwrap()
}

fn trusted() -> TrustedKeyGroups {
    let group = KeyGroup::new()
        .with_pem(ID, include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem"))
        .unwrap()
        .with_pem("KRSA", include_str!("../../cfsign/tests/data/rsa-2048-public.pem"))
        .unwrap();
    TrustedKeyGroups::from(group)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn check(url: &str, cookie: Option<&str>) -> Result<cfsign_verify::Grant, cfsign_verify::Denial> {
    let mut r = Request::new(url, ip("192.0.2.10"), NOW);
    if let Some(c) = cookie {
        r = r.cookie_header(c);
    }
    trusted().verify(&r)
}

fn denied(url: &str, cookie: Option<&str>) -> (DenialCode, &'static str, Reason) {
    let d = check(url, cookie).unwrap_err();
    (d.code(), d.message(), d.reason().clone())
}

const U: &str = "https://cdn.example.com/a.jpg";

fn canned_url() -> String {
    cfsign::sign_url_canned(U, EXP, &key()).unwrap()
}

#[test]
fn section_6_rows_with_codes_and_messages() {
    let good = canned_url();
    assert!(check(&good, None).is_ok());
    let sig = good.split("Signature=").nth(1).unwrap().split('&').next().unwrap().to_owned();

    type Row = (String, Option<String>, DenialCode, &'static str, Reason);
    let rows: Vec<Row> = vec![
        // 2. Key-Pair-Id missing or empty.
        (
            U.to_owned(),
            None,
            DenialCode::MissingKey,
            "Missing Key-Pair-Id query parameter or cookie value",
            Reason::MissingKeyPairId,
        ),
        (
            format!("{U}?Expires={EXP}&Signature={sig}"),
            None,
            DenialCode::MissingKey,
            "Missing Key-Pair-Id query parameter or cookie value",
            Reason::MissingKeyPairId,
        ),
        (
            format!("{U}?Expires={EXP}&Signature={sig}&Key-Pair-Id="),
            None,
            DenialCode::MissingKey,
            "Missing Key-Pair-Id query parameter or cookie value",
            Reason::MissingKeyPairId,
        ),
        // 3. Unknown key.
        (
            format!("{U}?Expires={EXP}&Signature={sig}&Key-Pair-Id=KOTHER"),
            None,
            DenialCode::InvalidKey,
            "Unknown Key",
            Reason::UnknownKeyPairId { id: "KOTHER".into() },
        ),
        // 4. Malformed policy.
        (
            format!("{U}?Signature={sig}&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedPolicy,
            "Malformed Policy",
            Reason::MissingPolicy,
        ),
        (
            format!("{U}?Expires=1.5&Signature={sig}&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedPolicy,
            "Malformed Policy",
            Reason::InvalidExpires,
        ),
        (
            format!("{U}?Expires=-1&Signature={sig}&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedPolicy,
            "Malformed Policy",
            Reason::InvalidExpires,
        ),
        (
            format!("{U}?Policy=e30=&Signature={sig}&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedPolicy,
            "Malformed Policy",
            Reason::PolicyNotBase64,
        ),
        (
            format!("{U}?Expires={EXP}&Policy=e30_&Signature={sig}&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedPolicy,
            "Malformed Policy",
            Reason::BothExpiresAndPolicy,
        ),
        // 5. Signature undecodable.
        (
            format!("{U}?Expires={EXP}&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedSignature,
            "Could not unencode Signature",
            Reason::MissingSignature,
        ),
        (
            format!("{U}?Expires={EXP}&Signature=a+b/c==&Key-Pair-Id={ID}"),
            None,
            DenialCode::MalformedSignature,
            "Could not unencode Signature",
            Reason::SignatureNotBase64,
        ),
        // 6. Signature does not verify (here: another URL, so another canned policy).
        (
            format!("https://cdn.example.com/b.jpg?Expires={EXP}&Signature={sig}&Key-Pair-Id={ID}"),
            None,
            DenialCode::AccessDenied,
            "Access denied",
            Reason::BadSignature,
        ),
        (
            format!("{U}?Expires={}&Signature={sig}&Key-Pair-Id={ID}", EXP.as_secs() + 1),
            None,
            DenialCode::AccessDenied,
            "Access denied",
            Reason::BadSignature,
        ),
        (
            format!("{good}&Hash-Algorithm=MD5").replace("&Hash-Algorithm=SHA256&", "&"),
            None,
            DenialCode::AccessDenied,
            "Access denied",
            Reason::UnsupportedHash,
        ),
        (
            good.replace("&Hash-Algorithm=SHA256", ""),
            None,
            DenialCode::AccessDenied,
            "Access denied",
            Reason::BadSignature,
        ),
    ];
    for (url, cookie, code, message, reason) in rows {
        assert_eq!(denied(&url, cookie.as_deref()), (code, message, reason), "{url}");
    }

    // Malformed custom policies: not JSON, no DateLessThan, two statements, non-integer epoch.
    for json in [
        "not json".to_owned(),
        r#"{"Statement":[{"Resource":"https://cdn.example.com/*","Condition":{}}]}"#.to_owned(),
        format!(
            r#"{{"Statement":[{{"Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXP}}}}}}},{{"Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXP}}}}}}}]}}"#
        ),
        r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"1767290400"}}}]}"#.to_owned(),
    ] {
        let sig = encode(&key().sign(json.as_bytes()).unwrap());
        let url = format!(
            "{U}?Policy={}&Signature={sig}&Key-Pair-Id={ID}&Hash-Algorithm=SHA256",
            encode(json.as_bytes())
        );
        let (code, message, reason) = denied(&url, None);
        assert_eq!((code, message), (DenialCode::MalformedPolicy, "Malformed Policy"), "{json}");
        assert!(matches!(reason, Reason::InvalidPolicy(_)), "{json}: {reason:?}");
    }
}

#[test]
fn section_6_step_7_conditions() {
    let key = key();
    let policy = |b: cfsign::CustomPolicyBuilder| SignedPolicy::new(b.build().unwrap(), &key).unwrap();
    let base = || CustomPolicy::builder().resource("https://cdn.example.com/v/*").date_less_than(EXP);
    let at = |url: &str, client: &str, now: u64| {
        trusted()
            .verify(&Request::new(url, ip(client), EpochSeconds::new(now)))
            .map_err(|d| d.reason().clone())
    };
    let full = policy(base().date_greater_than(START).ip_address("192.0.2.0/24"));
    let url = full.url("https://cdn.example.com/v/1.mp4").unwrap();
    assert!(at(&url, "192.0.2.200", NOW.as_secs()).is_ok());
    // Expiry is strict: now must be < DateLessThan.
    assert!(at(&url, "192.0.2.200", EXP.as_secs() - 1).is_ok());
    assert_eq!(at(&url, "192.0.2.200", EXP.as_secs()), Err(Reason::Expired { at: EXP }));
    // Start is strict: now must be > DateGreaterThan.
    assert!(at(&url, "192.0.2.200", START.as_secs() + 1).is_ok());
    assert_eq!(at(&url, "192.0.2.200", START.as_secs()), Err(Reason::NotYetValid { until: START }));
    // IP range; an IPv4-mapped IPv6 address is the IPv4 client; a real IPv6 client never matches.
    let allowed = "192.0.2.0/24".parse().unwrap();
    assert_eq!(
        at(&url, "192.0.3.1", NOW.as_secs()),
        Err(Reason::IpNotAllowed { allowed, client: ip("192.0.3.1") })
    );
    assert!(at(&url, "::ffff:192.0.2.7", NOW.as_secs()).is_ok());
    assert_eq!(
        at(&url, "2001:db8::1", NOW.as_secs()),
        Err(Reason::IpNotAllowed { allowed, client: ip("2001:db8::1") })
    );
    // Resource: the same signature on another path is refused.
    let moved = url.replace("/v/1.mp4", "/w/1.mp4");
    assert_eq!(at(&moved, "192.0.2.200", NOW.as_secs()), Err(Reason::ResourceMismatch));
    // Leeway, for tests only.
    let late = Request::new(&url, ip("192.0.2.1"), EXP).leeway(std::time::Duration::from_secs(5));
    assert!(trusted().verify(&late).is_ok());
    let early = Request::new(&url, ip("192.0.2.1"), START).leeway(std::time::Duration::from_secs(5));
    assert!(trusted().verify(&early).is_ok());
    let too_early = Request::new(&url, ip("192.0.2.1"), EpochSeconds::new(START.as_secs() - 5))
        .leeway(std::time::Duration::from_secs(5));
    assert_eq!(trusted().verify(&too_early).unwrap_err().reason(), &Reason::NotYetValid { until: START });
}

#[test]
fn section_7_wildcard_examples() {
    let key = key();
    let cases: &[(&str, &str, bool)] = &[
        (
            "https://d111111abcdef8.cloudfront.net/images/*",
            "https://d111111abcdef8.cloudfront.net/images/photo1.jpg",
            true,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/images/*",
            "https://d111111abcdef8.cloudfront.net/images/a/b.jpg?size=l",
            true,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/images/*",
            "https://d111111abcdef8.cloudfront.net/videos/1.mp4",
            false,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/*game_download.zip*",
            "https://d111111abcdef8.cloudfront.net/example_game_download.zip?license=yes",
            true,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/*game_download.zip*",
            "https://d111111abcdef8.cloudfront.net/example_game_download.zip.sig",
            true,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/*.jpg",
            "https://d111111abcdef8.cloudfront.net/a.jpg?x=1",
            false,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/a.jpg?size=*",
            "https://d111111abcdef8.cloudfront.net/a.jpg?size=large",
            true,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/a.jpg?size=?????",
            "https://d111111abcdef8.cloudfront.net/a.jpg?size=large",
            true,
        ),
        (
            "https://d111111abcdef8.cloudfront.net/a.jpg?size=????",
            "https://d111111abcdef8.cloudfront.net/a.jpg?size=large",
            false,
        ),
        ("https://*.cloudfront.net/a.jpg", "https://d111111abcdef8.cloudfront.net/a.jpg", true),
        (
            "https://d111111abcdef8.cloudfront.net*",
            "https://d111111abcdef8.cloudfront.net/any/path?q=1",
            true,
        ),
        ("*://d111111abcdef8.cloudfront.net/a.jpg", "http://d111111abcdef8.cloudfront.net/a.jpg", true),
        ("http*://d111111abcdef8.cloudfront.net/a.jpg", "https://d111111abcdef8.cloudfront.net/a.jpg", true),
        ("http://d111111abcdef8.cloudfront.net/a.jpg", "https://d111111abcdef8.cloudfront.net/a.jpg", false),
        ("*d111111abcdef8.cloudfront.net/a.jpg", "https://d111111abcdef8.cloudfront.net/a.jpg", true),
        ("*", "https://anything.example/at/all?x", true),
    ];
    for &(pattern, url, ok) in cases {
        let signed = SignedPolicy::new(
            CustomPolicy::builder().resource(pattern).date_less_than(EXP).build().unwrap(),
            &key,
        )
        .unwrap();
        let cookies = signed.cookies().cookie_header();
        let result = trusted().verify(&Request::new(url, ip("192.0.2.1"), NOW).cookie_header(&cookies));
        assert_eq!(result.is_ok(), ok, "{pattern} vs {url}: {result:?}");
        if !ok {
            assert_eq!(result.unwrap_err().reason(), &Reason::ResourceMismatch);
        }
    }
}

#[test]
fn policies_in_every_sdk_style_verify_over_their_exact_bytes() {
    let styles = [
        // botocore: `\u` escapes, order DateLessThan, IpAddress, DateGreaterThan
        format!(
            r#"{{"Statement":[{{"Resource":"https:\/\/cdn.example.com\/v\/\u002a","Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXP}}},"IpAddress":{{"AWS:SourceIp":"192.0.2.0/24"}},"DateGreaterThan":{{"AWS:EpochTime":{START}}}}}}}]}}"#
        ),
        // Go: IpAddress, DateGreaterThan, DateLessThan
        format!(
            r#"{{"Statement":[{{"Resource":"https://cdn.example.com/v/*","Condition":{{"IpAddress":{{"AWS:SourceIp":"192.0.2.0/24"}},"DateGreaterThan":{{"AWS:EpochTime":{START}}},"DateLessThan":{{"AWS:EpochTime":{EXP}}}}}}}]}}"#
        ),
        // Java: a space after "Statement":
        format!(
            r#"{{"Statement": [{{"Resource":"https://cdn.example.com/v/*","Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXP}}},"DateGreaterThan":{{"AWS:EpochTime":{START}}},"IpAddress":{{"AWS:SourceIp":"192.0.2.0/24"}}}}}}]}}"#
        ),
        // pretty-printed
        format!(
            "{{\n  \"Statement\": [\n    {{\n      \"Resource\": \"https://cdn.example.com/v/*\",\n      \"Condition\": {{\n        \"DateLessThan\": {{ \"AWS:EpochTime\": {EXP} }},\n        \"DateGreaterThan\": {{ \"AWS:EpochTime\": {START} }},\n        \"IpAddress\": {{ \"AWS:SourceIp\": \"192.0.2.0/24\" }}\n      }}\n    }}\n  ]\n}}\n"
        ),
    ];
    let rsa =
        SigningKey::from_pem(include_str!("../../cfsign/tests/data/rsa-2048-pkcs1.pem"), "KRSA").unwrap();
    for json in &styles {
        for (signer, kid) in [(key().with_hash(HashAlgorithm::Sha1), ID), (rsa.clone(), "KRSA")] {
            let sig = encode(&signer.sign(json.as_bytes()).unwrap());
            let hash =
                if signer.hash_algorithm() == HashAlgorithm::Sha256 { "&Hash-Algorithm=SHA256" } else { "" };
            let url = format!(
                "https://cdn.example.com/v/1.mp4?Policy={}&Signature={sig}&Key-Pair-Id={kid}{hash}",
                encode(json.as_bytes())
            );
            let grant = check(&url, None).unwrap_or_else(|d| panic!("{json}: {d}"));
            let GrantedPolicy::Custom(p) = grant.policy() else { panic!("custom expected") };
            assert_eq!(p.resource(), Some("https://cdn.example.com/v/*"));
            assert_eq!(grant.expires(), EXP);
        }
    }
}

#[test]
fn url_parameters_take_precedence_over_cookies() {
    let key = key();
    let cookies = cfsign::sign_cookies(
        CustomPolicy::builder().resource("https://cdn.example.com/*").date_less_than(EXP).build().unwrap(),
        &key,
    )
    .unwrap()
    .cookie_header();
    // Valid cookies alone: allowed, from cookies.
    assert_eq!(check(U, Some(&cookies)).unwrap().source(), Source::Cookies);
    // Any signing parameter in the URL: judged as a signed URL, cookies ignored.
    let (code, _, reason) = denied(&format!("{U}?Expires={EXP}"), Some(&cookies));
    assert_eq!((code, reason), (DenialCode::MissingKey, Reason::MissingKeyPairId));
    // Regression (fuzz/artifacts round_trip crash-8f8c56c4…, kept as a seed in
    // fuzz/corpus/round_trip/): a page whose own query names a signing parameter, even bare and
    // without a value, is a signed-URL request too; its cookies are never consulted.
    for query in ["Expires", "Signature=", "Key-Pair-Id", "Hash-Algorithm", "a=1&Policy"] {
        let (code, _, reason) = denied(&format!("https://cdn.example.com/?{query}"), Some(&cookies));
        assert_eq!((code, reason), (DenialCode::MissingKey, Reason::MissingKeyPairId), "?{query}");
    }
    // A valid signed URL with garbage cookies: allowed, from the URL.
    let grant = check(&canned_url(), Some("CloudFront-Policy=%%%; CloudFront-Key-Pair-Id=nope")).unwrap();
    assert_eq!(grant.source(), Source::Url);
    assert!(matches!(grant.policy(), GrantedPolicy::Canned { .. }));
}

#[test]
fn canned_policies_are_rebuilt_without_signing_parameters() {
    let key = key();
    let url = "https://cdn.example.com/a.jpg?w=100&h=50";
    let signed = cfsign::sign_url_canned(url, EXP, &key).unwrap();
    let grant = check(&signed, None).unwrap();
    assert_eq!(
        grant.policy(),
        &GrantedPolicy::Canned { json: CannedPolicy::new(url, EXP).unwrap().to_json(), expires: EXP }
    );
    // Parameters in another order (the JS SDK puts Key-Pair-Id first) are fine.
    let (base, query) = signed.split_once("&Expires=").unwrap();
    let mut params: Vec<&str> = format!("Expires={query}").leak().split('&').collect();
    params.reverse();
    assert!(check(&format!("{base}&{}", params.join("&")), None).is_ok());
    // Canned cookies cover exactly their URL.
    let c = cfsign::sign_cookies(CannedPolicy::new(U, EXP).unwrap(), &key).unwrap().cookie_header();
    assert!(check(U, Some(&c)).is_ok());
    assert_eq!(denied("https://cdn.example.com/b.jpg", Some(&c)).2, Reason::BadSignature);
}

#[test]
fn limits_and_duplicates() {
    let long = format!("{U}?x={}", "a".repeat(MAX_URL_LEN));
    assert!(matches!(denied(&long, None).2, Reason::TooLarge { what: "URL", .. }));
    let cookie = format!("a={}", "b".repeat(MAX_COOKIE_HEADER_LEN));
    assert!(matches!(denied(U, Some(&cookie)).2, Reason::TooLarge { what: "Cookie header", .. }));
    let dup = format!("{}&Signature=AAAA", canned_url());
    assert_eq!(denied(&dup, None).2, Reason::DuplicateParameter { name: "Signature" });
}

#[test]
fn key_group_limits_and_rotation() {
    let public = include_str!("../../cfsign/tests/data/ecdsa-p256-public.pem");
    let mut group = KeyGroup::new();
    for i in 0..5 {
        group = group.with_pem(&format!("K{i}"), public).unwrap();
    }
    assert_eq!(group.clone().with_pem("K5", public).unwrap_err(), KeyConfigError::TooManyKeys);
    assert!(matches!(
        KeyGroup::new().with_pem("K", public).unwrap().with_pem("K", public),
        Err(KeyConfigError::DuplicateKeyPairId(_))
    ));
    let mut groups = TrustedKeyGroups::new();
    for _ in 0..4 {
        groups = groups.with_group(KeyGroup::new()).unwrap();
    }
    assert_eq!(groups.with_group(KeyGroup::new()).unwrap_err(), KeyConfigError::TooManyGroups);

    // Rotation: the new key in a second group; both verify; removing the old one refuses it.
    let new_key = SigningKey::generate(KeyKind::EcdsaP256, "KNEW").unwrap();
    let mut trusted =
        trusted().with_group(KeyGroup::new().with_key("KNEW", new_key.public_key()).unwrap()).unwrap();
    let old_url = canned_url();
    let new_url = cfsign::sign_url_canned(U, EXP, &new_key).unwrap();
    let verify = |t: &TrustedKeyGroups, u: &str| t.verify(&Request::new(u, ip("192.0.2.1"), NOW));
    assert_eq!(verify(&trusted, &new_url).unwrap().key_pair_id().as_str(), "KNEW");
    assert!(verify(&trusted, &old_url).is_ok());
    assert!(trusted.groups_mut()[0].remove(ID));
    assert_eq!(verify(&trusted, &old_url).unwrap_err().code(), DenialCode::InvalidKey);
    assert!(verify(&trusted, &new_url).is_ok());
}

#[test]
fn xml_body_for_every_code() {
    let cases = [
        (U.to_owned(), "MissingKey", "Missing Key-Pair-Id query parameter or cookie value"),
        (format!("{U}?Expires=1&Signature=AAAA&Key-Pair-Id=KX"), "InvalidKey", "Unknown Key"),
        (format!("{U}?Expires=x&Signature=AAAA&Key-Pair-Id={ID}"), "MalformedPolicy", "Malformed Policy"),
        (
            format!("{U}?Expires=1&Signature=!!!!&Key-Pair-Id={ID}"),
            "MalformedSignature",
            "Could not unencode Signature",
        ),
        (format!("{U}?Expires=1&Signature=AAAA&Key-Pair-Id={ID}"), "AccessDenied", "Access denied"),
    ];
    for (url, code, message) in cases {
        let d = check(&url, None).unwrap_err();
        assert_eq!(d.status(), 403);
        assert_eq!(
            d.xml_body(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"#
            )
        );
    }
}

//! Property tests: policy JSON round trips, the parser and decoder never panic, base64 agrees
//! with an independent implementation, signed URLs keep their shape.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use cfsign::{CannedPolicy, CustomPolicy, EpochSeconds, SignedPolicy, SigningKey, SourceIp};
use proptest::prelude::*;

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        "[a-z0-9*?.-]{0,12}\\.example/[a-zA-Z0-9._~%*\"\\\\/-]{0,30}".prop_map(|s| format!("*{s}")),
        "(https?|\\*|http\\*)://[a-z0-9.*?-]{1,20}(/[a-zA-Z0-9._~%*\"\\\\/!$'()+,;:@-]{0,30}(\\?[a-z0-9=&*?%/-]{0,20})?)?",
    ]
}

fn concrete_url() -> impl Strategy<Value = String> {
    "https?://[a-z0-9.-]{1,20}(/[a-zA-Z0-9._~%\"\\\\/!$'()+,;:@-]{0,30}(\\?[a-z0-9=&%/-]{0,20})?)?"
}

prop_compose! {
    fn custom_policy()(
        resource in proptest::option::weighted(0.9, pattern()),
        dlt in 1u64..,
        start_frac in proptest::option::of(0.0f64..1.0),
        ip in proptest::option::of((any::<u32>(), 0u8..=32)),
    ) -> CustomPolicy {
        let mut b = match resource {
            Some(r) => CustomPolicy::builder().resource(r),
            None => CustomPolicy::builder().any_resource(),
        };
        b = b.date_less_than(EpochSeconds::new(dlt));
        if let Some(f) = start_frac {
            b = b.date_greater_than(EpochSeconds::new(((dlt - 1) as f64 * f) as u64));
        }
        if let Some((addr, prefix)) = ip {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            b = b.source_ip(SourceIp::new((addr & mask).into(), prefix).unwrap());
        }
        b.build().unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn custom_policy_json_round_trips(p in custom_policy()) {
        let json = p.to_json();
        prop_assert_eq!(CustomPolicy::parse(json.as_bytes()), Ok(p.clone()));
        prop_assert!(!json.contains(char::is_whitespace) || p.resource().is_some_and(|r| r.contains(char::is_whitespace)));
    }

    #[test]
    fn canned_policy_json_round_trips(url in concrete_url(), t in any::<u64>()) {
        let c = CannedPolicy::new(url.clone(), EpochSeconds::new(t)).unwrap();
        let json = c.to_json();
        let escaped = url.replace('\\', "\\\\").replace('"', "\\\"");
        prop_assert_eq!(
            &json,
            &format!(r#"{{"Statement":[{{"Resource":"{escaped}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{t}}}}}}}]}}"#)
        );
        prop_assert_eq!(CustomPolicy::parse(json.as_bytes()), Ok(CustomPolicy::from(c)));
    }

    #[test]
    fn serde_json_reads_what_we_write(p in custom_policy()) {
        let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        let st = &v["Statement"][0];
        prop_assert_eq!(st["Resource"].as_str(), p.resource());
        prop_assert_eq!(st["Condition"]["DateLessThan"]["AWS:EpochTime"].as_u64(), Some(p.date_less_than().as_secs()));
        // And we read what serde_json writes, pretty or not.
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(CustomPolicy::parse(pretty.as_bytes()), Ok(p));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = CustomPolicy::parse(&bytes);
    }

    #[test]
    fn parse_survives_mutations(p in custom_policy(), edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut bytes = p.to_json().into_bytes();
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(q) = CustomPolicy::parse(&bytes) {
            // Whatever parses must re-serialise to something that parses to the same policy.
            prop_assert_eq!(CustomPolicy::parse(q.to_json().as_bytes()), Ok(q));
        }
    }

    #[test]
    fn base64_round_trips_and_matches_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let ours = cfsign::encoding::encode(&bytes);
        let theirs = base64::engine::general_purpose::STANDARD
            .encode(&bytes)
            .replace('+', "-")
            .replace('=', "_")
            .replace('/', "~");
        prop_assert_eq!(&ours, &theirs);
        prop_assert_eq!(cfsign::encoding::decode(&ours), Ok(bytes));
    }

    #[test]
    fn base64_decode_is_strict_and_canonical(text in "[A-Za-z0-9~_+/=-]{0,24}") {
        match cfsign::encoding::decode(&text) {
            Ok(bytes) => prop_assert_eq!(cfsign::encoding::encode(&bytes), text),
            Err(_) => {
                let standard = text.replace('-', "+").replace('_', "=").replace('~', "/");
                let strict = base64::engine::general_purpose::STANDARD.decode(&standard);
                let ok_elsewhere = strict.is_ok() && !text.contains(['+', '/', '=']);
                prop_assert!(!ok_elsewhere, "{text} decodes with the standard engine");
            }
        }
    }

    #[test]
    fn base64_decode_into_agrees_with_a_plain_decoder(
        text in prop_oneof![
            "[A-Za-z0-9~_+/=-]{0,40}".boxed(),
            // Valid encodings, some with one character replaced: errors in every position.
            (proptest::collection::vec(any::<u8>(), 0..30), any::<usize>(), "[A-Za-z0-9~_+/= -]", any::<bool>())
                .prop_map(|(bytes, at, c, change)| {
                    let mut text = cfsign::encoding::encode(&bytes);
                    if change && !text.is_empty() {
                        let at = at % text.len();
                        text.replace_range(at..=at, &c);
                    }
                    text
                })
                .boxed(),
        ],
        spare in 0usize..4,
        short in any::<bool>(),
    ) {
        let want = reference_decode(text.as_bytes());
        prop_assert_eq!(cfsign::encoding::decode_bytes(text.as_bytes()).map_err(position), want.clone());
        let needed = cfsign::encoding::decoded_len_max(text.len());
        let mut out = vec![0xAA; needed + spare];
        let got = cfsign::encoding::decode_into(text.as_bytes(), &mut out);
        prop_assert_eq!(got.map(|n| out[..n].to_vec()).map_err(position), want.clone());
        if short && needed > 0 && text.len().is_multiple_of(4) {
            let mut small = vec![0; needed - 1];
            prop_assert_eq!(
                cfsign::encoding::decode_into(text.as_bytes(), &mut small),
                Err(cfsign::Error::OutputTooSmall { needed })
            );
        }
    }

    #[test]
    fn signed_urls_keep_the_url_and_order_parameters(url in concrete_url(), t in 1u64..4_000_000_000) {
        let key = key();
        let signed = SignedPolicy::new(CannedPolicy::new(url.clone(), EpochSeconds::new(t)).unwrap(), &key).unwrap();
        let out = signed.url(&url).unwrap();
        prop_assert!(out.starts_with(&url));
        let tail = &out[url.len()..];
        let sep = if url.contains('?') { '&' } else { '?' };
        let expected = format!("{sep}Expires={t}&Signature={}&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256", signed.signature());
        prop_assert_eq!(tail, expected);
        prop_assert!(!out.contains("Policy="));
    }

    #[test]
    fn urls_with_signing_parameters_are_refused(
        base in concrete_url(),
        name in prop::sample::select(cfsign::wire::SigningParameter::ALL.map(|p| p.query_name()).to_vec()),
        value in "[a-z0-9]{0,5}",
    ) {
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}{name}={value}");
        let refused = matches!(
            CannedPolicy::new(url, EpochSeconds::new(1)),
            Err(cfsign::Error::SigningParameterInUrl { .. })
        );
        prop_assert!(refused);
    }
}

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("data/ecdsa-p256-pkcs8.pem"), "K2JCJMDEHXQW5F").unwrap()
}

/// The error position of a base64 error.
fn position(e: cfsign::Error) -> usize {
    match e {
        cfsign::Error::InvalidBase64 { position } => position,
        other => panic!("unexpected {other:?}"),
    }
}

/// CloudFront base64, one character at a time: what `cfsign::encoding` must agree with,
/// error positions included.
fn reference_decode(text: &[u8]) -> Result<Vec<u8>, usize> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
    if !text.len().is_multiple_of(4) {
        return Err(text.len());
    }
    let groups = text.len() / 4;
    let mut out = Vec::new();
    for (g, quad) in text.chunks(4).enumerate() {
        let base = g * 4;
        let pads = if g + 1 == groups { quad.iter().rev().take_while(|&&c| c == b'_').count() } else { 0 };
        if pads > 2 {
            // The first offending character: one outside the alphabet before the run of pads,
            // else the pad that is one too many.
            let bad = quad[..4 - pads].iter().position(|c| !ALPHABET.contains(c));
            return Err(base + bad.unwrap_or(4 - pads));
        }
        let mut n = 0u32;
        for (i, c) in quad[..4 - pads].iter().enumerate() {
            let v = ALPHABET.iter().position(|a| a == c).ok_or(base + i)?;
            n |= (v as u32) << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        match pads {
            1 if n & 0xff != 0 => return Err(base + 2),
            2 if n & 0xffff != 0 => return Err(base + 1),
            _ => out.extend_from_slice(&bytes[..3 - pads]),
        }
    }
    Ok(out)
}

//! Private keys are never printed: not by `Debug` or `Display` of any type that holds or
//! touches one, not in error messages, not in logs at any level. A global `tracing` subscriber
//! enabled at TRACE captures every event and span field while real traffic runs through both
//! apps and the gate — logins, refreshes, hostile cookies, a rotation, a failing signer — and
//! everything captured or formatted is scanned for the keys' material.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::sync::Arc;

use cfsign::{HashAlgorithm, KeyKind};
use cfsign_conformance::{
    Browser, Capture, FailingSigner, Framework, SigningKey, T0, issuer, key, raw_request, start, start_gate,
    trusted,
};
use cfsign_issuer::{Access, Directive, Issuer, ManualClock, RequestView};
use cfsign_verify::{KeyGroup, TrustedKeyGroups};

// ------------------------------------------------------------------------------ key material

/// Standard base64 (a PEM body) to bytes, through cfsign's CloudFront-alphabet decoder.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let cloudfront: String = body
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect();
    cfsign::encoding::decode(&cloudfront).unwrap()
}

/// The DER TLVs directly inside the SEQUENCE at the start of `der` (content of each).
fn sequence_items(der: &[u8]) -> Vec<&[u8]> {
    fn tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
        let (tag, len_byte) = (b[0], b[1]);
        let (len, head) = if len_byte < 0x80 {
            (usize::from(len_byte), 2)
        } else {
            let n = usize::from(len_byte & 0x7F);
            (b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | usize::from(*x)), 2 + n)
        };
        (tag, &b[head..head + len], &b[head + len..])
    }
    let (_, mut rest, _) = tlv(der);
    let mut items = Vec::new();
    while !rest.is_empty() {
        let (_, content, tail) = tlv(rest);
        items.push(content);
        rest = tail;
    }
    items
}

/// The secret numbers of a private key: the P-256 scalar, or RSA's d, p, q, dp, dq, qinv.
fn secret_numbers(pem: &str) -> Vec<Vec<u8>> {
    let der = pem_der(pem);
    if let Some(at) = der.windows(5).position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20]) {
        return vec![der[at + 5..at + 37].to_vec()];
    }
    let pkcs1 = if pem.contains("BEGIN RSA PRIVATE KEY") {
        der
    } else {
        // PKCS#8: SEQUENCE { version, algorithm, OCTET STRING { RSAPrivateKey } }.
        sequence_items(&der)[2].to_vec()
    };
    sequence_items(&pkcs1)[3..9].iter().map(|n| n.strip_prefix(&[0u8][..]).unwrap_or(n).to_vec()).collect()
}

/// Strings that would show a key: its PEM lines (and their halves), the label, and for each
/// secret number its hex (whole, and in 64-bit limbs as bignum `Debug` prints them) and runs
/// of its bytes as `Debug` prints a byte slice.
fn needles(pem: &str) -> Vec<String> {
    let mut out = vec!["PRIVATE KEY-----".to_owned()];
    for line in pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 32) {
        out.extend([line.to_owned(), line[..24].to_owned(), line[line.len() - 24..].to_owned()]);
    }
    for n in secret_numbers(pem) {
        assert!(n.len() >= 32, "a secret of {} bytes?", n.len());
        let hex: String = n.iter().map(|b| format!("{b:02x}")).collect();
        out.extend([hex.clone(), hex.to_uppercase()]);
        for limb in n.rchunks(8).filter(|l| l.len() == 8) {
            let h: String = limb.iter().map(|b| format!("{b:02x}")).collect();
            out.extend([h.clone(), h.to_uppercase()]);
        }
        for run in n.chunks(8).filter(|r| r.len() == 8) {
            out.push(format!("{run:?}").trim_matches(['[', ']']).to_owned());
        }
    }
    out
}

// --------------------------------------------------------------------------------- the test

const PEMS: [&str; 4] = [
    include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"),
    include_str!("../../cfsign/tests/data/ecdsa-p256-sec1.pem"),
    include_str!("../../cfsign/tests/data/rsa-2048-pkcs1.pem"),
    include_str!("../../cfsign/tests/data/rsa-2048-pkcs8.pem"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_material_in_debug_errors_or_logs_at_any_level() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    let generated = SigningKey::generate(KeyKind::EcdsaP256, "KGENERATED").unwrap();
    let generated_pem = generated.to_pkcs8_pem().unwrap().to_string();
    let mut all_pems: Vec<String> = PEMS.iter().map(|p| (*p).to_owned()).collect();
    all_pems.push(generated_pem);
    let mut formatted = String::new();

    // Debug and Display of everything that holds or touches a key, and of key errors.
    for pem in &all_pems {
        let k = SigningKey::from_pem(pem, "KFMT").unwrap();
        let _ = writeln!(
            formatted,
            "{k:?} {:?} {:?}",
            k.public_key(),
            k.clone().with_hash(HashAlgorithm::Sha256)
        );
        #[cfg(feature = "aws-lc")]
        {
            let a = cfsign::aws_lc::SigningKey::from_pem(pem, "KFMT").unwrap();
            let _ = writeln!(formatted, "{a:?} {:?}", a.public_key());
        }
        let group = KeyGroup::new().with_key("KFMT", k.public_key()).unwrap();
        let _ = writeln!(formatted, "{group:?} {:?}", TrustedKeyGroups::from(group.clone()));
        let builder = Issuer::builder(Arc::new(k.clone()));
        let _ = writeln!(formatted, "{builder:?}");
        let issuer = builder.build().unwrap();
        let _ = writeln!(formatted, "{issuer:?}");
        let layer = cfsign_tower::CloudFrontCookieLayer::new(
            issuer.clone(),
            (|_: &axum::extract::Request| None) as fn(&axum::extract::Request) -> Option<Access>,
        );
        let _ = writeln!(formatted, "{layer:?}");
        // Damaged keys: one character changed, cut in half, the wrong label, as DER.
        let mut damaged = pem.clone().into_bytes();
        let at = damaged.len() / 2;
        damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
        let damaged = String::from_utf8(damaged).unwrap();
        let der = pem_der(pem);
        for e in [
            SigningKey::from_pem(&damaged, "KFMT").err(),
            SigningKey::from_pem(&pem[..pem.len() / 2], "KFMT").err(),
            SigningKey::from_pem(&pem.replace("PRIVATE KEY", "PUBLIC KEY"), "KFMT").err(),
            SigningKey::from_der(&der[..der.len() - 3], "KFMT").err(),
            cfsign::PublicKey::from_pem(pem).err(),
        ]
        .into_iter()
        .flatten()
        {
            let _ = writeln!(formatted, "{e} {e:?}");
        }
    }

    // Traffic: both apps and the gate, with every path that logs.
    let gate_dir = std::env::temp_dir().join(format!("cfsign-secrets-{}", std::process::id()));
    std::fs::create_dir_all(gate_dir.join("u/alice")).unwrap();
    std::fs::write(gate_dir.join("u/alice/a.jpg"), "image").unwrap();
    let cdn = start_gate(&gate_dir, trusted(&[&key()]), || T0).await;
    for fw in [Framework::Axum, Framework::Actix] {
        let clock = ManualClock::new(T0);
        let issuer = issuer(&clock, key());
        let mut b = Browser::new(start(fw, issuer.clone()).await);
        b.send("POST", "/login", "user=alice", None).await;
        let cookies = b.cloudfront_cookies().into_bytes();
        assert_eq!(raw_request(cdn, b"/u/alice/a.jpg", &[("Cookie", cookies)]).await.status, 200);
        assert_eq!(raw_request(cdn, b"/u/alice/a.jpg?Signature=x", &[]).await.status, 403);
        clock.advance(std::time::Duration::from_secs(50 * 60));
        b.send("GET", "/me", "", None).await;
        for hostile in [
            "CloudFront-Policy=%%%; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F",
            "CloudFront-Expires=-5; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F",
        ] {
            b.send("GET", "/me", "", Some(&format!("session=alice.u; {hostile}"))).await;
        }
        issuer.rotate(Arc::new(generated.clone()));
        b.send("GET", "/me", "", None).await;
        // A signer in an HSM that fails: its error must be logged without anything secret.
        issuer.rotate(Arc::new(FailingSigner::default()));
        b.send("GET", "/me", "", None).await;
        b.send("POST", "/logout", "", None).await;
    }
    // And the issuer directly, at its edges.
    let direct = Issuer::builder(Arc::new(key())).build().unwrap();
    let alice = Access::single("https://cdn.example.com/u/alice/*", "/").unwrap();
    let _ = direct
        .decide(
            RequestView::new("/").cookie_header(b"CloudFront-Policy=\xff\xfe").access(alice.clone()),
            Some(&Directive::Issue(alice)),
            200,
        )
        .now()
        .unwrap();

    let logs = capture.text.lock().unwrap().clone();
    // A failing signer is a warning (the response goes out without new cookies); no path
    // reachable from traffic logs at ERROR.
    for level in ["WARN", "INFO", "DEBUG"] {
        assert!(
            logs.lines().any(|l| l.starts_with(&format!("{level} cfsign"))),
            "no {level} event from cfsign was captured:\n{logs}"
        );
    }
    // The detector detects: each key's own PEM, its secret numbers as Debug, and as hex.
    for pem in &all_pems {
        let found = |text: &str| needles(pem).iter().any(|n| text.contains(n.as_str()));
        let numbers = secret_numbers(pem);
        let hex: String = numbers[0].iter().map(|b| format!("{b:02X}")).collect();
        assert!(found(pem) && found(&format!("{numbers:?}")) && found(&hex));
    }
    let scanned = format!("{formatted}\n{logs}");
    let mut checked = 0;
    for pem in &all_pems {
        for needle in needles(pem) {
            assert!(!scanned.contains(&needle), "key material {needle:?} appears in:\n{scanned}");
            checked += 1;
        }
    }
    eprintln!(
        "secrets: {} bytes of logs ({} events and spans) and {} bytes of Debug/Display scanned for \
         {checked} needles from {} private keys: none found",
        logs.len(),
        logs.lines().count(),
        formatted.len(),
        all_pems.len()
    );
    let _ = std::fs::remove_dir_all(gate_dir);
}

//! User data can never widen a scope: for arbitrary segment strings, the cookies the issuer
//! signs for `Scope::prefix(base, [segment])` open that user's folder and nothing else, as
//! the verifier (CloudFront's resource matching) decides — or the segment is refused, saying
//! why. And the `format!` form it replaces, widened, kept as the reason it exists.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, LazyLock};

use cfsign::{EpochSeconds, KeyKind, ResourceBase, SigningKey, resource_matches};
use cfsign_issuer::{Access, Directive, Issuer, IssuerError, ManualClock, RequestView, Scope};
use cfsign_verify::target::RequestUrl;
use cfsign_verify::{KeyGroup, Reason, Request, TrustedKeyGroups};
use proptest::prelude::*;

const BASE: &str = "https://cdn.example.com/u/";
const NOW: EpochSeconds = EpochSeconds::new(1_767_200_000);

static KEY: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::generate(KeyKind::EcdsaP256, "KSCOPES").unwrap());
static TRUSTED: LazyLock<TrustedKeyGroups> =
    LazyLock::new(|| TrustedKeyGroups::from(KeyGroup::new().with_key("KSCOPES", KEY.public_key()).unwrap()));

/// The `Cookie` header a browser sends back after the issuer granted `access`.
fn cookies_for(access: Access) -> String {
    let issuer = Issuer::builder(Arc::new(KEY.clone())).clock(ManualClock::new(NOW)).build().unwrap();
    let set_cookie =
        issuer.decide(RequestView::new("/login"), Some(&Directive::Issue(access)), 303).now().unwrap();
    assert_eq!(set_cookie.len(), 4);
    set_cookie.iter().map(|c| c.split(';').next().unwrap()).collect::<Vec<_>>().join("; ")
}

/// What CloudFront decides for `url` with `cookies`: allowed, or why not.
fn decide(url: &str, cookies: &str) -> Result<(), Reason> {
    let request = Request::new(url, [192, 0, 2, 1].into(), NOW).cookie_header(cookies);
    TRUSTED.verify(&request).map(|_| ()).map_err(|d| d.reason().clone())
}

/// Why a segment is refused, when it is: the classes that name another folder.
fn must_refuse(segment: &str) -> bool {
    matches!(segment, "" | "." | "..") || segment.contains(['/', '\\', '\0', ';'])
}

/// Segment strings users could pick: any Unicode, and the characters and sequences that
/// widened or moved a `format!` scope, mixed in.
fn segment() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        "*", "?", "/", "%2A", "%2a", "%3F", "%2F", "..", ".", "%2E%2E", "\\", "%", "#", " ", "\0", ";", "a",
        "b", "é",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![
                tricky.prop_map(str::to_owned),
                "[a-z0-9]{1,3}",
                any::<char>().prop_map(String::from)
            ],
            0..6
        )
        .prop_map(|parts| parts.concat()),
        prop::sample::select(vec!["", ".", "..", "*", "?", "a*", "*/", "x/../y", "%2A", "a%2F..%2Fb"])
            .prop_map(str::to_owned),
    ]
}

/// Request paths an attacker holding the cookies could ask for: raw text after the base.
fn request_tail() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec!["/", "*", "?", "%2A", "%2F", "..", "a", "b", "x.jpg", "%20", "é"])
                .prop_map(str::to_owned),
            "[!-~]{0,4}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

/// The path segments a decoding origin (S3, a file server) reads from `path`: each
/// percent-decoded once. `None` when a `%` starts no escape.
fn decoded_segments(path: &str) -> Option<Vec<Vec<u8>>> {
    path.trim_start_matches('/')
        .split('/')
        .map(|segment| {
            let (bytes, mut out, mut i) = (segment.as_bytes(), Vec::new(), 0);
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    let hex = segment.get(i + 1..i + 3)?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            Some(out)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_built_scope_covers_its_folder_and_nothing_else(
        user in prop::collection::vec(segment(), 0..3),
        other in prop::collection::vec(segment(), 1..3),
        file in "[a-z]{1,8}\\.jpg",
        tail in request_tail(),
        inside in any::<bool>(),
    ) {
        let built = Scope::prefix(BASE, &user);
        if user.is_empty() || user.iter().any(|u| must_refuse(u)) {
            let err = built.unwrap_err();
            prop_assert!(matches!(err, IssuerError::InvalidScope(cfsign::Error::InvalidPathSegment { .. })), "{err}");
            prop_assert!(err.to_string().contains("cannot be used"), "{err}");
            return Ok(());
        }
        let scope = built.unwrap();
        let base = ResourceBase::new(BASE).unwrap();
        let folder = base.folder(&user).unwrap();
        prop_assert_eq!(scope.resource(), format!("{folder}*"));
        prop_assert!(!folder[BASE.len()..].contains(['*', '?']));
        prop_assert_eq!(folder[BASE.len()..].matches('/').count(), user.len());
        prop_assert_eq!(scope.cookie_path(), &folder["https://cdn.example.com".len()..]);

        // The user's own files: allowed.
        let cookies = cookies_for(Access::from(scope.clone()));
        let mut own = user.clone();
        own.push(file.clone());
        prop_assert_eq!(decide(&base.url(&own).unwrap(), &cookies), Ok(()));

        // Another user's files, however that user is named (any list that is not the user's
        // own folder or a folder inside it): refused for the resource.
        if !other.starts_with(&user) && !other.iter().any(|o| must_refuse(o)) {
            let mut theirs = other.clone();
            theirs.push(file);
            let theirs = base.url(&theirs).unwrap();
            prop_assert_eq!(decide(&theirs, &cookies), Err(Reason::ResourceMismatch), "{}", theirs);
        }

        // Any request the gate accepts (normal form) that the policy matches names, once
        // decoded as the origin decodes it, a path inside the user's folder. Half the tails
        // start inside the folder, so that matches happen.
        let target = if inside { format!("{}{tail}", &folder["https://cdn.example.com".len()..]) } else { format!("/{tail}") };
        if let Ok(url) = RequestUrl::new("https", Some(b"cdn.example.com"), target.as_bytes())
            && resource_matches(scope.resource(), url.as_str())
        {
            let wanted: Vec<Vec<u8>> =
                std::iter::once(b"u".to_vec()).chain(user.iter().map(|u| u.as_bytes().to_vec())).collect();
            let read = decoded_segments(url.path()).unwrap();
            prop_assert!(read.len() > wanted.len() && read[..wanted.len()] == wanted[..], "{} read as {:?}", url, read);
        }
    }
}

/// The hole `Scope::prefix` closes, written the way the docs used to teach it: user data
/// interpolated into a pattern widens it. Kept as documentation; if this test ever fails,
/// CloudFront's matching (or ours) has changed.
#[test]
fn interpolating_user_data_into_a_pattern_widens_it() {
    let pattern = |name: &str| format!("https://cdn.example.com/u/{name}/*");
    let bobs = "https://cdn.example.com/u/bob/cat.jpg";
    let albas = "https://cdn.example.com/u/alba/x/cat.jpg";

    // A user named `a*` opens every folder starting with `a`; one named `*` opens all.
    let cookies = cookies_for(Access::single(pattern("a*"), "/").unwrap());
    assert_eq!(decide(albas, &cookies), Ok(()));
    let cookies = cookies_for(Access::single(pattern("*"), "/").unwrap());
    assert_eq!(decide(bobs, &cookies), Ok(()));
    // A user named `bob/private` opens a folder inside bob's.
    let bobs_private = "https://cdn.example.com/u/bob/private/cat.jpg";
    let cookies = cookies_for(Access::single(pattern("bob/private"), "/").unwrap());
    assert_eq!(decide(bobs_private, &cookies), Ok(()));

    // The same names through Scope::prefix: their own folder, nobody else's.
    for name in ["a*", "*", "bob/private"] {
        match Scope::prefix("https://cdn.example.com/u/", [name]) {
            Ok(scope) => {
                let cookies = cookies_for(Access::from(scope));
                assert_eq!(decide(albas, &cookies), Err(Reason::ResourceMismatch), "{name}");
                assert_eq!(decide(bobs, &cookies), Err(Reason::ResourceMismatch), "{name}");
                assert_eq!(decide(bobs_private, &cookies), Err(Reason::ResourceMismatch), "{name}");
            }
            Err(e) => assert!(e.to_string().contains('/'), "{name}: {e}"),
        }
    }
}

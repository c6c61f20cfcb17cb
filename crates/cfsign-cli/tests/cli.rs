//! The `cfsign` binary: every command, round trips, and every error path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn cfsign() -> Command {
    Command::cargo_bin("cfsign").unwrap()
}

fn run(args: &[&str]) -> Output {
    cfsign().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A fresh directory with a key pair made by `cfsign keygen`.
fn keys(kind: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("cfsign-cli-{}-{kind}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = run(&["keygen", "--kind", kind, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

/// Asserts exit code 2 with exactly one line on stderr, containing `needle`.
fn fails_cleanly(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "stdout: {} stderr: {}", stdout(o), stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
}

#[test]
fn keygen_writes_a_private_key_0600_and_prints_the_public_key() {
    for kind in ["ecdsa", "rsa"] {
        let dir = keys(kind);
        let private = std::fs::read_to_string(dir.join("private_key.pem")).unwrap();
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("private_key.pem")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let public = std::fs::read_to_string(dir.join("public_key.pem")).unwrap();
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        cfsign::PublicKey::from_pem(&public).unwrap();
        // Never overwrites.
        fails_cleanly(&run(&["keygen", "--out", dir.to_str().unwrap()]), "already exists");
    }
    // The public PEM goes to stdout (to paste), the private key never does.
    let dir = std::env::temp_dir().join(format!("cfsign-cli-{}-print", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = run(&["keygen", "--out", dir.to_str().unwrap()]);
    assert_eq!(stdout(&o), std::fs::read_to_string(dir.join("public_key.pem")).unwrap());
    assert!(!stdout(&o).contains("PRIVATE") && !stderr(&o).contains("BEGIN PRIVATE"));
    // A directory that cannot be created (a file is in the way): one line, no key written.
    let o = run(&["keygen", "--out", dir.join("public_key.pem/keys").to_str().unwrap()]);
    fails_cleanly(&o, "cannot create");
}

#[test]
fn url_then_verify_allowed_tampered_denied() {
    for kind in ["ecdsa", "rsa"] {
        let dir = keys(kind);
        let key = p(&dir, "private_key.pem");
        let pubkey = format!("KCLI={}", p(&dir, "public_key.pem"));
        let o = run(&[
            "url",
            "https://cdn.example.com/a.jpg?w=1",
            "--key",
            &key,
            "--key-pair-id",
            "KCLI",
            "--expires",
            "2000000000",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let url = stdout(&o).trim().to_owned();
        assert!(url.starts_with("https://cdn.example.com/a.jpg?w=1&Expires=2000000000&Signature="), "{url}");
        assert!(url.ends_with("&Key-Pair-Id=KCLI&Hash-Algorithm=SHA256"));

        let o = run(&["verify", &url, "--public-key", &pubkey, "--now", "1900000000"]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(stdout(&o).starts_with("allowed:"));

        let tampered = url.replace("a.jpg", "b.jpg");
        let o = run(&["verify", &tampered, "--public-key", &pubkey, "--now", "1900000000", "--json"]);
        assert_eq!(o.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(
            (v["allowed"].as_bool(), v["code"].as_str(), v["message"].as_str()),
            (Some(false), Some("AccessDenied"), Some("Access denied"))
        );
        assert!(v["reason"].as_str().unwrap().contains("does not verify"));

        let o = run(&["verify", &url, "--public-key", &pubkey, "--now", "2000000000"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stdout(&o).contains("denied: AccessDenied (Access denied): expired at 2000000000"));

        let o =
            run(&["verify", &url.replace("KCLI", "KOTHER"), "--public-key", &pubkey, "--now", "1900000000"]);
        assert!(stdout(&o).contains("InvalidKey (Unknown Key)"));
    }
}

#[test]
fn url_json_schema_and_custom_policies() {
    let dir = keys("ecdsa");
    let key = p(&dir, "private_key.pem");
    let o = run(&[
        "url",
        "https://cdn.example.com/v/1.mp4",
        "--key",
        &key,
        "--key-pair-id",
        "KCLI",
        "--expires",
        "2000000000",
        "--not-before",
        "1900000000",
        "--ip",
        "192.0.2.0/24",
        "--policy-resource",
        "https://cdn.example.com/v/*",
        "--hash",
        "sha1",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["url", "policy", "signature", "key_pair_id", "hash_algorithm"]);
    assert_eq!(
        v["policy"],
        r#"{"Statement":[{"Resource":"https://cdn.example.com/v/*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000},"DateGreaterThan":{"AWS:EpochTime":1900000000},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#
    );
    assert_eq!((v["key_pair_id"].as_str(), v["hash_algorithm"].as_str()), (Some("KCLI"), Some("SHA1")));
    let url = v["url"].as_str().unwrap();
    assert!(url.contains("?Policy=") && !url.contains("Expires=") && !url.contains("Hash-Algorithm"));
    let pubkey = format!("KCLI={}", p(&dir, "public_key.pem"));
    let ok = run(&["verify", url, "--public-key", &pubkey, "--now", "1950000000", "--ip", "192.0.2.9"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let far = run(&["verify", url, "--public-key", &pubkey, "--now", "1950000000", "--ip", "198.51.100.1"]);
    assert!(stdout(&far).contains("client IP 198.51.100.1 is outside 192.0.2.0/24"));
}

#[test]
fn cookies_in_every_format_verify() {
    let dir = keys("ecdsa");
    let key = p(&dir, "private_key.pem");
    let base = [
        "cookies",
        "https://cdn.example.com/u/alice/*",
        "--key",
        &key,
        "--key-pair-id",
        "KCLI",
        "--expires",
        "2000000000",
    ];
    let o = run(&[&base[..], &["--domain", "example.com", "--path", "/u/alice/"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4);
    for l in &lines {
        assert!(l.starts_with("Set-Cookie: CloudFront-"), "{l}");
        assert!(l.contains("; Domain=example.com; Path=/u/alice/; Expires=Wed, 18 May 2033 03:33:20 GMT; Secure; HttpOnly; SameSite=Lax"), "{l}");
    }
    let header = stdout(&run(&[&base[..], &["--format", "header"]].concat())).trim().to_owned();
    assert!(
        header.starts_with("CloudFront-Policy=")
            && header.contains("; CloudFront-Key-Pair-Id=KCLI; CloudFront-Hash-Algorithm=SHA256")
    );
    let pubkey = format!("KCLI={}", p(&dir, "public_key.pem"));
    let o = run(&[
        "verify",
        "https://cdn.example.com/u/alice/cat.jpg",
        "--cookie",
        &header,
        "--public-key",
        &pubkey,
        "--now",
        "1900000000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("signed cookies"));
    let o = run(&[
        "verify",
        "https://cdn.example.com/u/bob/cat.jpg",
        "--cookie",
        &header,
        "--public-key",
        &pubkey,
        "--now",
        "1900000000",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["reason_kind"], "resource_mismatch");

    let v: serde_json::Value =
        serde_json::from_str(&stdout(&run(&[&base[..], &["--json"]].concat()))).unwrap();
    let names: Vec<&str> = v["cookies"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"]
    );
    assert_eq!(v["expires"], 2_000_000_000u64);

    fails_cleanly(&run(&[&base[..], &["--path", "/u/alice/*"]].concat()), "/images/");
    let canned = run(&[
        "cookies",
        "https://cdn.example.com/a.jpg",
        "--key",
        &key,
        "--key-pair-id",
        "KCLI",
        "--ttl",
        "10m",
        "--format",
        "header",
    ]);
    assert!(stdout(&canned).starts_with("CloudFront-Expires="));
}

#[test]
fn decode_explains_without_a_key() {
    let dir = keys("ecdsa");
    let key = p(&dir, "private_key.pem");
    let url = stdout(&run(&[
        "url",
        "https://cdn.example.com/v/1.mp4",
        "--key",
        &key,
        "--key-pair-id",
        "KCLI",
        "--expires",
        "2000000000",
        "--ip",
        "192.0.2.0/24",
    ]));
    let o = run(&["decode", url.trim(), "--now", "1999989200"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for needle in [
        "source:       signed URL",
        "key-pair ID:  KCLI",
        "hash:         SHA256",
        "policy:       custom",
        "expires:      Wed, 18 May 2033 03:33:20 GMT (expires in 3 h)",
        "viewer IP:    192.0.2.0/24",
        "\"AWS:SourceIp\": \"192.0.2.0/24\"",
        "warning:      has an IP condition: viewers reaching CloudFront over IPv6 never match it",
    ] {
        assert!(out.contains(needle), "{needle:?} not in\n{out}");
    }
    let o = run(&["decode", url.trim(), "--now", "2000000120", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["expires"], 2_000_000_000u64);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("expired 2 min ago"))
    );

    let both = "Cookie: CloudFront-Expires=5; CloudFront-Policy=e30_; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=K";
    let out = stdout(&run(&["decode", both]));
    assert!(out.contains("both Expires and Policy are present"), "{out}");
    let path =
        "CloudFront-Expires=2000000000; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=K; Path=/images/*";
    let out = stdout(&run(&["decode", path, "--now", "1"]));
    assert!(out.contains("Path contains `*`") && out.contains("policy:       canned"), "{out}");

    // A wildcard inside a path segment: the usual sign of user data interpolated into a pattern.
    let cookies = |resource: &str| {
        let o = run(&[
            "cookies",
            resource,
            "--key",
            &key,
            "--key-pair-id",
            "KCLI",
            "--expires",
            "2000000000",
            "--format",
            "header",
        ]);
        stdout(&o).trim().to_owned()
    };
    let out = stdout(&run(&["decode", &cookies("https://cdn.example.com/u/a*/*"), "--now", "1"]));
    assert!(
        out.contains("wildcard inside the path segment \"a*\"") && out.contains("Scope::prefix"),
        "{out}"
    );
    for fine in [
        "https://cdn.example.com/u/a%2A/*",
        "https://cdn.example.com/videos/*.mp4",
        "https://cdn.example.com/u/*/public/*",
    ] {
        let out = stdout(&run(&["decode", &cookies(fine), "--now", "1"]));
        assert!(!out.contains("wildcard inside"), "{fine}: {out}");
    }

    // Set-Cookie attributes that keep the cookies from the resource: the same lessons as the
    // issuer's (cookies on another domain, a Path outside the resource, Strict to another site).
    let set_cookie = |resource: &str, attrs: &str| format!("{}; {attrs}", cookies(resource));
    for (resource, attrs, needle) in [
        (
            "https://d111111abcdef8.cloudfront.net/u/a/*",
            "Domain=example.com; Path=/",
            "never sent to d111111abcdef8.cloudfront.net",
        ),
        (
            "https://cdn.example.com/u/a/*",
            "Domain=example.com; Path=/images/",
            "Path=/images/ are never sent",
        ),
        (
            "https://media.example.net/u/a/*",
            "Domain=example.com; SameSite=Strict",
            "SameSite=Strict cookies are never sent to another site",
        ),
    ] {
        let out = stdout(&run(&["decode", &set_cookie(resource, attrs), "--now", "1"]));
        assert!(out.contains(needle), "{resource} {attrs}: {out}");
    }
    let out = stdout(&run(&[
        "decode",
        &set_cookie("https://cdn.example.com/u/a/*", "Domain=example.com; Path=/u/"),
        "--now",
        "1",
    ]));
    assert!(!out.contains("never sent"), "{out}");

    // What verify refuses, decode reports the same way (one reader of the wire format).
    let zero = "CloudFront-Expires=02000000000; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=K";
    let out = stdout(&run(&["decode", zero, "--now", "1"]));
    assert!(out.contains("CloudFront answers MalformedPolicy (Malformed Policy)"), "{out}");
    fails_cleanly(&run(&["decode", "https://cdn.example.com/a.jpg"]), "no signing parameters");
    fails_cleanly(&run(&["decode", "session=abc"]), "no CloudFront-* cookies");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = keys("ecdsa");
    let key = p(&dir, "private_key.pem");
    let public = p(&dir, "public_key.pem");
    let sign = |url: &str, key: &str, ttl: &str| {
        run(&["url", url, "--key", key, "--key-pair-id", "KCLI", "--ttl", ttl])
    };
    fails_cleanly(
        &sign("https://cdn.example.com/a.jpg", "/no/such/key.pem", "1h"),
        "cannot read /no/such/key.pem",
    );
    fails_cleanly(&sign("https://cdn.example.com/a.jpg", &public, "1h"), "this is a public key");
    std::fs::write(dir.join("garbage.pem"), "not a key").unwrap();
    fails_cleanly(
        &sign("https://cdn.example.com/a.jpg", &p(&dir, "garbage.pem"), "1h"),
        "not a PEM document",
    );
    fails_cleanly(&sign("https://cdn.example.com/caf\u{e9}.jpg", &key, "1h"), "percent-encode it");
    fails_cleanly(&sign("https://cdn.example.com/a.jpg", &key, "one hour"), "invalid duration");
    fails_cleanly(&sign("https://cdn.example.com/a.jpg?Signature=x", &key, "1h"), "signing parameter");
    fails_cleanly(&sign("ftp://cdn.example.com/a.jpg", &key, "1h"), "http:// or https://");
    fails_cleanly(
        &run(&["url", "https://c/a", "--key", &key, "--key-pair-id", "bad id", "--ttl", "1h"]),
        "key-pair ID",
    );
    fails_cleanly(
        &run(&[
            "url",
            "https://c/*",
            "--key",
            &key,
            "--key-pair-id",
            "K",
            "--ttl",
            "1h",
            "--ip",
            "2001:db8::/32",
        ]),
        "only IPv4",
    );
    fails_cleanly(&run(&["verify", "https://c/a", "--public-key", "nofile"]), "expected ID=FILE");
    fails_cleanly(
        &run(&["verify", "https://c/a", "--public-key", &format!("K={key}")]),
        "this is a private key",
    );
    // Usage errors (clap): exit 2 too.
    let o = run(&["url", "https://c/a", "--key", &key]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert!(stdout(&run(&["url", "--help"])).contains("Canned policy"));
}

#[test]
fn serve_is_a_local_cloudfront() {
    let dir = keys("ecdsa");
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("private")).unwrap();
    std::fs::create_dir_all(site.join("public")).unwrap();
    std::fs::write(site.join("private/secret.txt"), "secret").unwrap();
    std::fs::write(site.join("public/hello.txt"), "hello").unwrap();
    // No leading '/': CloudFront reads the pattern as '/private/*', and so does serve.
    let serve = Serve::start(&site, &dir, &["--protect", "private/*"]);
    assert_eq!(serve.started["protected"], serde_json::json!(["/private/*"]));
    let base = serve.base.clone();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let get = |url: String| {
        rt.block_on(async move {
            let r = reqwest::get(url).await.unwrap();
            let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), ct, r.text().await.unwrap())
        })
    };
    assert_eq!(get(format!("{base}/public/hello.txt")), (200, Some("text/plain".into()), "hello".into()));
    let (status, ct, body) = get(format!("{base}/private/secret.txt"));
    assert_eq!((status, ct.as_deref()), (403, Some("text/xml")));
    assert!(body.contains("<Code>MissingKey</Code>"));
    let signed = stdout(&run(&[
        "url",
        &format!("{base}/private/secret.txt"),
        "--key",
        &p(&dir, "private_key.pem"),
        "--key-pair-id",
        "KCLI",
        "--ttl",
        "5m",
    ]));
    assert_eq!(get(signed.trim().to_owned()).2, "secret");
    let (status, _, body) = get(signed.trim().replace("Signature=", "Signature=AA"));
    assert_eq!(status, 403, "{body}");
    // Spellings of the protected path that the file server would open are refused, not served.
    for trick in ["/%70rivate/secret.txt", "/private%2Fsecret.txt", "/private%2fsecret.txt"] {
        let (status, _, body) = get(format!("{base}{trick}"));
        assert_eq!(status, 400, "{trick}: {body}");
        assert!(body.starts_with("400 Bad Request: "), "{body}");
    }
    // Names the file system cannot hold are files that do not exist, not server errors.
    for missing in [
        format!("/public/{}", "a".repeat(256)),
        format!("/public/{}", "%C3%A9".repeat(128)),
        format!("/public/{}y", "x/".repeat(2100)),
        "/public/hello.txt/x".to_owned(),
    ] {
        assert_eq!(get(format!("{base}{missing}")).0, 404, "{missing:.60}");
    }
}

#[test]
fn serve_refuses_what_cloudfront_would_refuse_at_start_up() {
    let dir = keys("ecdsa");
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    let public = format!("KCLI={}", p(&dir, "public_key.pem"));
    let serve = |extra: &[&str]| {
        let mut args =
            vec!["serve", site.to_str().unwrap(), "--public-key", &public, "--addr", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        run(&args)
    };
    fails_cleanly(&serve(&["--protect", "/private/%2A"]), "holds '%' at 9, which CloudFront does not allow");
    fails_cleanly(&serve(&["--protect", "/private/\\x"]), "holds '\\\\' at 9");
    fails_cleanly(&serve(&["--protect", ""]), "cannot be empty");
    fails_cleanly(&serve(&["--domain-name", "cdn.example.com/x"]), "is not a domain name");
}

/// What would give a private key away in some output: each line of its PEM body, and the PEM
/// label. (The DER inside is only ever printed as that base64.)
fn private_key_needles(pem: &str) -> Vec<String> {
    let mut needles: Vec<String> = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .flat_map(|l| [l.to_owned(), l[..16].to_owned(), l[l.len() - 16..].to_owned()])
        .collect();
    needles.push("PRIVATE KEY".to_owned());
    needles
}

#[test]
fn no_command_prints_the_private_key() {
    for kind in ["ecdsa", "rsa"] {
        let dir = keys(kind);
        let key = p(&dir, "private_key.pem");
        let pem = std::fs::read_to_string(&key).unwrap();
        let pubkey = format!("KCLI={}", p(&dir, "public_key.pem"));
        // A damaged copy of the key (one base64 character changed), and the key in the wrong
        // place: error messages must name the problem, not echo the contents.
        let mut damaged = pem.clone().into_bytes();
        let at = damaged.len() / 2;
        damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(dir.join("damaged.pem"), &damaged).unwrap();
        let damaged = p(&dir, "damaged.pem");
        let truncated = &pem[..pem.len() / 2];
        std::fs::write(dir.join("truncated.pem"), truncated).unwrap();
        let truncated = p(&dir, "truncated.pem");
        let url = "https://cdn.example.com/a.jpg";
        let sign = |cmd: &str, key: &str, extra: &[&str]| {
            let mut args = vec![cmd, url, "--key", key, "--key-pair-id", "KCLI", "--ttl", "1h"];
            args.extend_from_slice(extra);
            run(&args)
        };
        let signed = stdout(&sign("url", &key, &[])).trim().to_owned();
        let cookie_header = stdout(&sign("cookies", &key, &["--format", "header"])).trim().to_owned();
        let outputs = [
            sign("url", &key, &[]),
            sign("url", &key, &["--json", "--policy-resource", "https://cdn.example.com/*"]),
            sign("cookies", &key, &[]),
            sign("cookies", &key, &["--format", "json", "--hash", "sha1"]),
            sign("url", &damaged, &[]),
            sign("url", &truncated, &["--json"]),
            sign("cookies", &damaged, &["--format", "json"]),
            run(&["verify", &signed, "--public-key", &pubkey]),
            run(&["verify", &signed, "--public-key", &pubkey, "--json"]),
            run(&["verify", &signed, "--public-key", &format!("KCLI={key}")]),
            run(&["verify", &signed, "--public-key", &format!("KCLI={key}"), "--json"]),
            run(&["verify", url, "--cookie", &cookie_header, "--public-key", &pubkey]),
            run(&["decode", &signed]),
            run(&["decode", &signed, "--json"]),
            run(&["decode", &cookie_header]),
            run(&["decode", &pem]),
            run(&["serve", &key, "--public-key", &pubkey]),
            run(&["serve", &dir.to_string_lossy(), "--public-key", &format!("KCLI={key}")]),
        ];
        let needles = private_key_needles(&pem);
        for (i, o) in outputs.iter().enumerate() {
            let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            assert!(!all.is_empty(), "{kind} output {i} is empty");
            for needle in &needles {
                assert!(
                    !all.contains(needle.as_str()),
                    "{kind} output {i} shows key material {needle:?}:\n{all}"
                );
            }
        }
        // A key pasted as an argument is refused without being shown, whatever the command.
        fails_cleanly(&outputs[15], "argument 2 holds a private key");
        fails_cleanly(&sign("url", &pem, &[]), "argument 4 holds a private key");
        // The failures among them failed cleanly.
        for i in [4, 5, 6, 9, 10, 16, 17] {
            assert_eq!(outputs[i].status.code(), Some(2), "{kind} output {i}: {}", stderr(&outputs[i]));
        }
    }
}

/// The README's "Test without AWS" commands, verbatim, in an empty directory: a new user's
/// first minute with the tool.
#[test]
fn the_readme_test_without_aws_runs_as_written() {
    let readme = include_str!("../../../README.md");
    let section = readme.split("## Test without AWS").nth(1).unwrap();
    let block = section.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let dir = std::env::temp_dir().join(format!("cfsign-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("cfsign");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    assert!(
        std::process::Command::new("curl").arg("--version").output().is_ok_and(|o| o.status.success()),
        "the README uses curl; install it (`cargo xtask setup` does)"
    );
    let sh = |line: &str| {
        let mut c = std::process::Command::new("sh");
        c.args(["-c", line]).current_dir(&dir).env("PATH", &path);
        c
    };
    let mut server = None;
    let mut outputs = Vec::new();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(background) = line.strip_suffix(" &") {
            // `exec`: the shell becomes the server, so that killing it stops the server.
            let spawned = sh(&format!("exec {background}"))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            server = Some(spawned);
            let up = (0..100).any(|_| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                std::net::TcpStream::connect("127.0.0.1:8787").is_ok()
            });
            assert!(up, "{line}: nothing listens on 127.0.0.1:8787");
            continue;
        }
        let out = sh(line).output().unwrap();
        assert!(out.status.success(), "{line}: {}", stderr(&out));
        outputs.push((line, stdout(&out)));
    }
    if let Some(mut server) = server {
        let _ = server.kill();
        let _ = server.wait();
    }
    let _ = std::fs::remove_dir_all(&dir);
    let curls: Vec<&String> = outputs.iter().filter(|(l, _)| l.starts_with("curl")).map(|(_, o)| o).collect();
    assert_eq!(curls.len(), 2, "{outputs:?}");
    assert!(curls[0].starts_with("HTTP/1.1 200") && curls[0].contains("quarterly figures"), "{}", curls[0]);
    assert!(
        curls[1].starts_with("HTTP/1.1 403") && curls[1].contains("<Code>MissingKey</Code>"),
        "{}",
        curls[1]
    );
}

#[test]
fn the_aws_cli_flags_and_a_keys_directory_that_does_not_exist_yet() {
    let dir = std::env::temp_dir().join(format!("cfsign-aws-flags-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = dir.join("new/keys");
    let o = run(&["keygen", "--out", keys.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let key = format!("file://{}", keys.join("private_key.pem").display());
    // `aws cloudfront sign --url … --key-pair-id … --private-key file://… --date-less-than …`
    let url = stdout(&run(&[
        "url",
        "--url",
        "https://cdn.example.com/a.jpg",
        "--key-pair-id",
        "KCLI",
        "--private-key",
        &key,
        "--date-less-than",
        "2030-01-01",
    ]));
    assert!(url.starts_with("https://cdn.example.com/a.jpg?Expires=1893456000&Signature="), "{url}");
    let cookies = stdout(&run(&[
        "cookies",
        "https://cdn.example.com/v/*",
        "--key-pair-id",
        "KCLI",
        "--private-key",
        &key,
        "--date-less-than",
        "2030-01-01T01:00:00+01:00",
        "--date-greater-than",
        "2026-01-01",
        "--ip-address",
        "192.0.2.0/24",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&cookies).unwrap();
    assert_eq!(
        v["policy"],
        r#"{"Statement":[{"Resource":"https://cdn.example.com/v/*","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000},"DateGreaterThan":{"AWS:EpochTime":1767225600},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#
    );
    // An error names what the user asked for: here a signed URL, not a canned policy.
    fails_cleanly(
        &run(&[
            "url",
            "http*://cdn.example.com/a",
            "--not-before",
            "1",
            "--expires",
            "2000000000",
            "--key",
            &key,
            "--key-pair-id",
            "K",
        ]),
        "a signed URL is the http:// or https:// URL viewers request",
    );
    // A usage error (clap's, exit 2) that says which forms a time takes.
    let o = run(&["url", "https://c/a", "--key", &key, "--key-pair-id", "K", "--date-less-than", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use seconds since 1970, YYYY-MM-DD"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn playlist_signs_every_uri_and_each_verifies() {
    let dir = keys("ecdsa");
    let playlist = "#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:4.0,\r\nseg-0.m4s\r\n#EXTINF:4.0,\r\nseg-1.m4s?v=2\r\n#EXT-X-ENDLIST\r\n";
    let url = "https://cdn.example.com/videos/123/720p/index.m3u8";
    let o = cfsign()
        .args(["playlist", "-", "--url", url, "--key", &p(&dir, "private_key.pem"), "--key-pair-id", "KPLAY"])
        .args(["--expires", "2000000000"])
        .write_stdin(playlist)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // CRLF and every non-URI byte kept; one parameter set, shared by every URI.
    let parameters = out.lines().nth(3).unwrap().trim_end().strip_prefix("seg-0.m4s?").unwrap().to_owned();
    assert!(parameters.starts_with("Policy=") && parameters.contains("&Key-Pair-Id=KPLAY"), "{parameters}");
    assert_eq!(out.replace(&format!("?{parameters}"), "").replace(&format!("&{parameters}"), ""), playlist);
    // The default resource is the playlist's folder: each URI, as the player requests it,
    // verifies with the public key.
    for uri in ["init.mp4", "seg-0.m4s", "seg-1.m4s?v=2"] {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let request = format!("https://cdn.example.com/videos/123/720p/{uri}{sep}{parameters}");
        let o = run(&[
            "verify",
            &request,
            "--public-key",
            &format!("KPLAY={}", p(&dir, "public_key.pem")),
            "--now",
            "1900000000",
        ]);
        assert!(o.status.success(), "{uri}: {}{}", stdout(&o), stderr(&o));
    }
    // A URI outside the resource is named, with its line; nothing is printed.
    let o = cfsign()
        .args(["playlist", "-", "--url", url, "--key", &p(&dir, "private_key.pem"), "--key-pair-id", "KPLAY"])
        .args(["--expires", "2000000000"])
        .write_stdin("#EXTM3U\n../../other/seg.ts\n")
        .output()
        .unwrap();
    fails_cleanly(&o, "line 2");
    assert!(stderr(&o).contains("../../other/seg.ts") && o.stdout.is_empty(), "{}", stderr(&o));
    // ... unless asked to leave it unsigned, with a resource that covers the rest.
    let o = cfsign()
        .args(["playlist", "-", "--url", url, "--key", &p(&dir, "private_key.pem"), "--key-pair-id", "KPLAY"])
        .args([
            "--expires",
            "2000000000",
            "--leave-uncovered",
            "--policy-resource",
            "https://cdn.example.com/videos/123/*",
        ])
        .write_stdin("#EXTM3U\n../../other/seg.ts\n../seg.ts\n")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\n../../other/seg.ts\n") && out.contains("\n../seg.ts?Policy="), "{out}");
    // Not a playlist, not UTF-8, a bad URL: one line each.
    for (input, needle) in [
        (&b"seg.ts\n"[..], "#EXTM3U"),
        (b"<Period/>", "root element must be MPD"),
        (b"#EXTM3U\n\xff\xfe\n", "not UTF-8"),
    ] {
        let o = cfsign()
            .args([
                "playlist",
                "-",
                "--url",
                url,
                "--key",
                &p(&dir, "private_key.pem"),
                "--key-pair-id",
                "KPLAY",
            ])
            .args(["--expires", "2000000000"])
            .write_stdin(input)
            .output()
            .unwrap();
        fails_cleanly(&o, needle);
    }
    let o = run(&[
        "playlist",
        "-",
        "--url",
        "cdn.example.com/x.m3u8",
        "--key",
        &p(&dir, "private_key.pem"),
        "--key-pair-id",
        "KPLAY",
        "--expires",
        "2000000000",
    ]);
    fails_cleanly(&o, "expected https://host/path/playlist.m3u8");
}

/// The README's "Sign a playlist" commands, verbatim, in an empty directory.
#[test]
fn the_readme_playlist_example_runs_as_written() {
    let readme = include_str!("../../../README.md");
    let section = readme.split("## Sign a playlist").nth(1).unwrap();
    let block = section.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let dir = std::env::temp_dir().join(format!("cfsign-readme-playlist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("cfsign");
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("sh")
        .args(["-ec", block])
        .current_dir(&dir)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).ends_with("1\n"), "{}", stdout(&out));
    let signed = std::fs::read_to_string(dir.join("signed.m3u8")).unwrap();
    assert!(
        signed.starts_with("#EXTM3U\n#EXT-X-TARGETDURATION:4\n") && signed.ends_with("#EXT-X-ENDLIST\n"),
        "{signed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cfsign serve` for a site, with the test key trusted and `args` (its behaviours, CORS),
/// answering until dropped.
struct Serve {
    child: std::process::Child,
    base: String,
    /// Its start-up line.
    started: serde_json::Value,
}

impl Serve {
    fn start(site: &Path, dir: &Path, extra: &[&str]) -> Serve {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cfsign"))
            .args([
                "serve",
                site.to_str().unwrap(),
                "--public-key",
                &format!("KCLI={}", p(dir, "public_key.pem")),
            ])
            .args(["--addr", "127.0.0.1:0", "--json"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut line)
            .unwrap();
        let started: serde_json::Value = serde_json::from_str(&line).unwrap();
        let base = started["url"].as_str().unwrap().trim_end_matches('/').to_owned();
        Serve { child, base, started }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two videos' files: HLS playlists with every kind of URI, a DASH MPD with a template and a
/// segment list, and the media files they name.
fn stream_site(dir: &Path) -> PathBuf {
    let site = dir.join("site");
    let files: &[(&str, &str)] = &[
        (
            "videos/123/master.m3u8",
            "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8\"\n\
             #EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO=\"a\"\n720p/index.m3u8\n",
        ),
        (
            "videos/123/720p/index.m3u8",
            "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n\
             #EXT-X-KEY:METHOD=AES-128,URI=\"../keys/k.bin\"\r\n#EXTINF:4,\r\nseg-0.m4s\r\n\
             #EXTINF:4,\r\nseg-1.m4s?v=2\r\n#EXT-X-ENDLIST\r\n",
        ),
        ("videos/123/audio/en.m3u8", "#EXTM3U\n#EXTINF:4,\n/videos/123/audio/a-0.aac\n#EXT-X-ENDLIST\n"),
        (
            "videos/123/stream.mpd",
            r#"<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
  <BaseURL>dash/</BaseURL>
  <Period>
    <AdaptationSet mimeType="video/mp4">
      <SegmentTemplate media="$RepresentationID$/$Number%03d$.m4s" initialization="$RepresentationID$/init.mp4" startNumber="1"/>
      <Representation id="v" bandwidth="1"/>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4"><Representation id="a" bandwidth="1"><SegmentList>
      <Initialization sourceURL="a/init.mp4"/><SegmentURL media="a/1.m4s?x=1&amp;y=2"/>
    </SegmentList></Representation></AdaptationSet>
  </Period>
</MPD>
"#,
        ),
        ("videos/456/master.m3u8", "#EXTM3U\n#EXTINF:4,\nseg-0.m4s\n"),
    ];
    for (path, text) in files {
        std::fs::create_dir_all(site.join(path).parent().unwrap()).unwrap();
        std::fs::write(site.join(path), text).unwrap();
    }
    for media in [
        "720p/init.mp4",
        "720p/seg-0.m4s",
        "720p/seg-1.m4s",
        "keys/k.bin",
        "audio/a-0.aac",
        "dash/v/init.mp4",
        "dash/v/001.m4s",
        "dash/v/002.m4s",
        "dash/a/init.mp4",
        "dash/a/1.m4s",
    ] {
        let path = site.join("videos/123").join(media);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("bytes of {media}")).unwrap();
    }
    site
}

/// The URIs a player fetches from a signed playlist, resolved against its URL (templates
/// filled in for two segments).
fn uris_in(signed: &str, playlist_url: &str) -> Vec<String> {
    let base = reqwest::Url::parse(playlist_url).unwrap();
    if signed.starts_with("#EXTM3U") {
        let mut uris = Vec::new();
        for line in signed.lines() {
            if let Some((_, rest)) = line.split_once("URI=\"") {
                uris.push(rest.split('"').next().unwrap().to_owned());
            } else if !line.starts_with('#') && !line.is_empty() {
                uris.push(line.to_owned());
            }
        }
        return uris.iter().map(|u| base.join(u).unwrap().to_string()).collect();
    }
    let base_url = signed.split("<BaseURL>").nth(1).unwrap().split('<').next().unwrap();
    let base = base.join(&base_url.replace("&amp;", "&")).unwrap();
    let mut uris = Vec::new();
    for attribute in ["media=\"", "initialization=\"", "sourceURL=\""] {
        for value in signed.split(attribute).skip(1) {
            let value = value.split('"').next().unwrap().replace("&amp;", "&");
            let (representation, numbers) = if value.starts_with("$RepresentationID$") {
                ("v", vec!["001", "002"])
            } else {
                ("a", vec!["1"])
            };
            for number in numbers {
                let filled =
                    value.replace("$RepresentationID$", representation).replace("$Number%03d$", number);
                uris.push(base.join(&filled).unwrap().to_string());
            }
        }
    }
    uris.sort();
    uris.dedup();
    uris
}

#[test]
fn every_uri_of_a_signed_playlist_is_served_and_nothing_else() {
    let dir = keys("ecdsa");
    let site = stream_site(&dir);
    let serve = Serve::start(&site, &dir, &["--protect", "videos/*"]);
    let base = &serve.base;
    // One policy for the whole video: its folder, whatever playlist is signed.
    let sign = |path: &str| {
        let url = format!("{base}/{path}");
        let video = path.split('/').take(2).collect::<Vec<_>>().join("/");
        let o = run(&[
            "playlist",
            site.join(path).to_str().unwrap(),
            "--policy-resource",
            &format!("{base}/{video}/*"),
            "--url",
            &url,
            "--key",
            &p(&dir, "private_key.pem"),
            "--key-pair-id",
            "KCLI",
            "--ttl",
            "5m",
        ]);
        assert!(o.status.success(), "{path}: {}", stderr(&o));
        (stdout(&o), url)
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let get = |url: &str, range: Option<&str>| {
        let mut request = client.get(url);
        if let Some(range) = range {
            request = request.header("range", range);
        }
        rt.block_on(async {
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let mut fetched = 0;
    for playlist in [
        "videos/123/master.m3u8",
        "videos/123/720p/index.m3u8",
        "videos/123/audio/en.m3u8",
        "videos/123/stream.mpd",
    ] {
        let (signed, url) = sign(playlist);
        let uris = uris_in(&signed, &url);
        assert!(!uris.is_empty(), "{signed}");
        for uri in uris {
            let (status, body) = get(&uri, None);
            assert_eq!(status, 200, "{uri}: {body}");
            assert!(!body.contains("<Error>"), "{uri}");
            // A byte range of the same URL: 206 behind the same check; past the end, 416.
            if !uri.contains(".m3u8") {
                assert_eq!(get(&uri, Some("bytes=0-4")), (206, "bytes".to_owned()), "{uri}");
                assert_eq!(get(&uri, Some("bytes=9999-")).0, 416, "{uri}");
            }
            // Without the parameters: MissingKey, with or without a range.
            let unsigned = uri.split("Policy=").next().unwrap().trim_end_matches(['?', '&']);
            for range in [None, Some("bytes=0-4")] {
                let (status, body) = get(unsigned, range);
                assert_eq!(status, 403, "{unsigned}");
                assert!(body.contains("<Code>MissingKey</Code>"), "{unsigned}: {body}");
            }
            fetched += 1;
        }
    }
    assert_eq!(fetched, 12, "every URI of the four playlists");
    // Another video's parameters open nothing of this one: AccessDenied, not a 200.
    let (other, _) = sign("videos/456/master.m3u8");
    let parameters =
        other.lines().find(|l| l.starts_with("seg-0.m4s?")).unwrap().trim_start_matches("seg-0.m4s?");
    assert_eq!(get(&format!("{base}/videos/456/seg-0.m4s?{parameters}"), None).0, 404);
    let (status, body) = get(&format!("{base}/videos/123/720p/seg-0.m4s?{parameters}"), Some("bytes=0-4"));
    assert_eq!(status, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
}

#[test]
fn serve_answers_cors_for_the_exact_origin_only() {
    let dir = keys("ecdsa");
    let site = stream_site(&dir);
    let allowed = ["http://app.test:8080", "https://player.example.com"];
    let serve = Serve::start(
        &site,
        &dir,
        &["--cors-origin", allowed[0], "--cors-origin", "HTTPS://Player.Example.com"],
    );
    let base = &serve.base;
    let o = run(&[
        "url",
        &format!("{base}/videos/123/720p/seg-0.m4s"),
        "--key",
        &p(&dir, "private_key.pem"),
        "--key-pair-id",
        "KCLI",
        "--ttl",
        "5m",
    ]);
    let signed = stdout(&o).trim().to_owned();
    let unsigned = format!("{base}/videos/123/720p/seg-0.m4s");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    // status, Access-Control-Allow-Origin, -Allow-Credentials, Vary, body
    let send = |method: reqwest::Method, url: &str, origins: &[&str], preflight: bool| {
        let mut request = client.request(method, url);
        for origin in origins {
            request = request.header("origin", *origin);
        }
        if preflight {
            request = request.header("access-control-request-method", "GET");
        }
        rt.block_on(async {
            let r = request.send().await.unwrap();
            let h = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
            let heads = (
                r.status().as_u16(),
                h("access-control-allow-origin"),
                h("access-control-allow-credentials"),
                h("vary"),
            );
            (heads, r.text().await.unwrap())
        })
    };
    // An allowed origin is echoed exactly, with credentials, on the file and on a denial.
    for origin in allowed {
        let ((status, acao, acac, vary), _) = send(reqwest::Method::GET, &signed, &[origin], false);
        assert_eq!(
            (status, acao.as_deref(), acac.as_deref(), vary.as_deref()),
            (200, Some(origin), Some("true"), Some("Origin"))
        );
        let ((status, acao, ..), body) = send(reqwest::Method::GET, &unsigned, &[origin], false);
        assert_eq!((status, acao.as_deref()), (403, Some(origin)));
        assert!(body.contains("<Code>MissingKey</Code>"), "{body}");
    }
    // Anything else is not: spellings, neighbours, several origins at once.
    let mut others: Vec<String> = Vec::new();
    for origin in allowed {
        others.push(origin.to_uppercase());
        others.push(format!("{origin}/"));
        others.push(format!("{origin}.evil.example"));
        others.push(format!("{origin}:1"));
        others.push(origin.replacen("://", "://x.", 1));
        others.push(origin.replacen("http", "https", 1).replacen("httpss", "http", 1));
        others.push(origin[..origin.len() - 1].to_owned());
    }
    others.extend(["null".to_owned(), "*".to_owned(), String::new()]);
    for other in &others {
        let ((status, acao, acac, vary), _) = send(reqwest::Method::GET, &signed, &[other], false);
        assert_eq!((status, acao, acac, vary.as_deref()), (200, None, None, Some("Origin")), "{other:?}");
    }
    let ((_, acao, ..), _) = send(reqwest::Method::GET, &signed, &allowed, false);
    assert_eq!(acao, None, "two Origin headers");
    // Preflights: a signed URL's passes the check and is answered; a cookie request's has no
    // cookies (browsers never send them on a preflight) and is refused like CloudFront does.
    let ((status, acao, acac, _), _) = send(reqwest::Method::OPTIONS, &signed, &[allowed[1]], true);
    assert_eq!((status, acao.as_deref(), acac.as_deref()), (204, Some(allowed[1]), Some("true")));
    let ((status, acao, ..), body) = send(reqwest::Method::OPTIONS, &unsigned, &[allowed[1]], true);
    assert_eq!((status, acao.as_deref()), (403, Some(allowed[1])));
    assert!(body.contains("<Code>MissingKey</Code>"), "{body}");
    // A preflight from another origin reaches the origin server, which allows no OPTIONS.
    let ((status, acao, ..), _) = send(reqwest::Method::OPTIONS, &signed, &["https://evil.example"], true);
    assert_eq!((status, acao), (405, None));
    // The flag refuses what no browser sends, before anything listens.
    for bad in ["*", "https://app.example.com/", "app.example.com"] {
        let o = run(&[
            "serve",
            site.to_str().unwrap(),
            "--public-key",
            &format!("KCLI={}", p(&dir, "public_key.pem")),
            "--addr",
            "127.0.0.1:0",
            "--cors-origin",
            bad,
        ]);
        fails_cleanly(&o, "--cors-origin");
    }
}

#[test]
fn decode_lists_what_each_uri_of_a_playlist_grants() {
    let dir = keys("ecdsa");
    let site = stream_site(&dir);
    let url = "https://cdn.example.com/videos/123/stream.mpd";
    let o = run(&[
        "playlist",
        site.join("videos/123/stream.mpd").to_str().unwrap(),
        "--url",
        url,
        "--key",
        &p(&dir, "private_key.pem"),
        "--key-pair-id",
        "KCLI",
        "--expires",
        "2000000000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let signed = dir.join("signed.mpd");
    std::fs::write(&signed, stdout(&o)).unwrap();
    let decode = |url: &str| {
        let o = run(&[
            "decode",
            "--playlist",
            signed.to_str().unwrap(),
            "--url",
            url,
            "--now",
            "1900000000",
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let report = decode(url);
    assert_eq!(report["format"], "dash");
    assert_eq!(report["signatures"].as_array().unwrap().len(), 1, "one signature for the whole MPD");
    assert_eq!(report["signatures"][0]["resource"], "https://cdn.example.com/videos/123/*");
    let uris = report["uris"].as_array().unwrap();
    // BaseURL, the template's media and initialization, the list's Initialization and segment.
    assert_eq!(uris.len(), 5, "{report:#}");
    assert!(uris.iter().all(|u| u["grants"] == true && u["signature"] == 0), "{report:#}");
    assert_eq!(uris[1]["uri"], "$RepresentationID$/$Number%03d$.m4s");
    assert_eq!(uris[4]["uri"], "a/1.m4s?x=1&y=2");
    assert_eq!(
        uris[4]["url"].as_str().unwrap().split("&Policy=").next(),
        Some("https://cdn.example.com/videos/123/dash/a/1.m4s?x=1&y=2")
    );
    // Served under another video's URL, the same MPD grants nothing, and says why.
    let report = decode("https://cdn.example.com/videos/456/stream.mpd");
    for uri in report["uris"].as_array().unwrap() {
        assert_eq!(
            (uri["grants"].as_bool(), uri["denial"]["code"].as_str()),
            (Some(false), Some("AccessDenied")),
            "{uri}"
        );
    }
    // Text: a summary, the signature, a line per URI.
    let o = run(&["decode", "--playlist", signed.to_str().unwrap(), "--url", url, "--now", "1900000000"]);
    let text = stdout(&o);
    assert!(text.starts_with("playlist:     DASH, 5 URIs: 5 granted, 0 not; 1 signature\n"), "{text}");
    assert!(text.contains("  resource:   https://cdn.example.com/videos/123/*\n"), "{text}");
    assert!(
        text.contains("\nline 10     a/1.m4s?x=1&y=2 ") && text.contains("granted by signature 1"),
        "{text}"
    );
    // An unsigned playlist: every URI answers MissingKey.
    let o =
        run(&["decode", "--playlist", site.join("videos/123/master.m3u8").to_str().unwrap(), "--url", url]);
    assert!(
        stdout(&o).contains("2 URIs: 0 granted, 2 not; 0 signatures") && stdout(&o).contains("MissingKey"),
        "{}",
        stdout(&o)
    );
    let o = run(&["decode", "--playlist", "x.m3u8"]);
    assert!(o.status.code() == Some(2) && stderr(&o).contains("--url <URL>"), "{}", stderr(&o));
    fails_cleanly(
        &run(&["decode", "--playlist", dir.join("nope").to_str().unwrap(), "--url", url]),
        "cannot read",
    );
}

#[test]
fn a_playlist_url_is_a_url_not_a_pattern() {
    let dir = keys("ecdsa");
    let o = cfsign()
        .args(["playlist", "-", "--url", "https://cdn.example.com/videos/*/index.m3u8"])
        .args(["--key", &p(&dir, "private_key.pem"), "--key-pair-id", "K", "--ttl", "5m"])
        .write_stdin("#EXTM3U\nseg.ts\n")
        .output()
        .unwrap();
    fails_cleanly(&o, "has no '*'");
    // What browsers read differently is refused, naming the URI.
    let o = cfsign()
        .args(["playlist", "-", "--url", "https://cdn.example.com/videos/123/index.m3u8"])
        .args(["--key", &p(&dir, "private_key.pem"), "--key-pair-id", "K", "--ttl", "5m"])
        .write_stdin("#EXTM3U\n%2e%2e/456/seg.ts\n")
        .output()
        .unwrap();
    fails_cleanly(&o, "%2e%2e/456/seg.ts");
}

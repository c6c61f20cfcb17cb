//! The `cfsign` binary under ordinary misuse: readers that stop reading, input copied from
//! logs with control characters in it, clients that stall, requests and URLs that break a
//! rule — each must get a quiet end or a message naming what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("cfsign")
}

/// A fresh directory with a key pair from `cfsign keygen` and a site to serve.
fn workdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfsign-misuse-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site/private")).unwrap();
    std::fs::write(dir.join("site/private/a.txt"), "a").unwrap();
    let o = Command::new(bin()).args(["keygen", "--out"]).arg(dir.join("keys")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

/// Runs `cfsign args` with a stdout whose reader has already gone away: every write fails
/// with EPIPE.
fn run_with_stdout_closed(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(bin()).args(args).stdout(writer).stderr(Stdio::piped()).output().unwrap()
}

fn signed_url(dir: &Path) -> String {
    let o = run(&[
        "url",
        "https://cdn.example.com/private/a.txt",
        "--key",
        &path(dir, "keys/private_key.pem"),
        "--key-pair-id",
        "KCLI",
        "--ttl",
        "1h",
    ]);
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

#[test]
fn every_command_ends_quietly_with_its_own_status_when_its_reader_goes_away() {
    let dir = workdir("pipe");
    let (key, public) =
        (path(&dir, "keys/private_key.pem"), format!("KCLI={}", path(&dir, "keys/public_key.pem")));
    let url = signed_url(&dir);
    let sign = ["--key", key.as_str(), "--key-pair-id", "KCLI", "--ttl", "1h"];
    let resource = "https://cdn.example.com/private/*";
    let cookies =
        ["cookies", resource, "--format", "header"].iter().chain(&sign).copied().collect::<Vec<_>>();
    let cookie_header = String::from_utf8(run(&cookies).stdout).unwrap().trim().to_owned();
    let keygen_out = path(&dir, "more-keys");
    let other_keygen_out = path(&dir, "even-more-keys");
    let site = path(&dir, "site");
    let playlist = path(&dir, "index.m3u8");
    std::fs::write(&playlist, "#EXTM3U\n#EXTINF:4,\nseg-0.ts\n").unwrap();
    let playlist_url = "https://cdn.example.com/private/index.m3u8";
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["keygen", "--out", &keygen_out], 0),
        (vec!["keygen", "--json", "--out", &other_keygen_out], 0),
        ([&["url", "https://cdn.example.com/a.txt"][..], &sign].concat(), 0),
        ([&["url", "https://cdn.example.com/a.txt", "--json"][..], &sign].concat(), 0),
        ([&["cookies", resource][..], &sign].concat(), 0),
        ([&["cookies", resource, "--format", "header"][..], &sign].concat(), 0),
        ([&["cookies", resource, "--json"][..], &sign].concat(), 0),
        ([&["playlist", &playlist, "--url", playlist_url][..], &sign].concat(), 0),
        (vec!["decode", &url], 0),
        (vec!["decode", &url, "--json"], 0),
        (vec!["decode", &cookie_header], 0),
        (vec!["verify", &url, "--public-key", &public], 0),
        (vec!["verify", &url, "--public-key", &public, "--json"], 0),
        (vec!["verify", "https://cdn.example.com/private/a.txt", "--public-key", &public], 1),
        (vec!["verify", "https://cdn.example.com/private/a.txt", "--public-key", &public, "--json"], 1),
        (vec!["serve", &site, "--public-key", &public, "--addr", "127.0.0.1:0"], 0),
        (vec!["serve", &site, "--public-key", &public, "--addr", "127.0.0.1:0", "--json"], 0),
        (vec!["--help"], 0),
        (vec!["decode", "--help"], 0),
        (vec!["--version"], 0),
    ];
    for (args, status) in cases {
        let o = run_with_stdout_closed(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(!stderr.contains("internal error") && !stderr.contains("panicked"), "{args:?}: {stderr}");
        if !args.contains(&"keygen") {
            assert_eq!(stderr, "", "{args:?}");
        }
    }
}

#[test]
fn a_shell_pipe_into_head_ends_quietly_every_time() {
    let dir = workdir("head");
    let url = signed_url(&dir);
    let public = format!("KCLI={}", path(&dir, "keys/public_key.pem"));
    let bin = bin();
    for (command, status) in [
        (format!("'{}' decode '{url}' | head -c1", bin.display()), "0"),
        (format!("'{}' verify '{url}' --public-key '{public}' | head -c1", bin.display()), "0"),
        (
            format!(
                "'{}' verify https://cdn.example.com/private/a.txt --public-key '{public}' | head -c1",
                bin.display()
            ),
            "1",
        ),
    ] {
        for _ in 0..20 {
            let o = Command::new("bash")
                .args(["-c", &format!("{command} >/dev/null; echo \"${{PIPESTATUS[0]}}\"")])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), status, "{command}: {stderr}");
            assert_eq!(stderr, "", "{command}");
        }
    }
}

#[test]
fn a_failing_stdout_is_an_error_not_a_panic() {
    let dir = workdir("full");
    let url = signed_url(&dir);
    for args in
        [&["decode", url.as_str()][..], &["--help"], &["--version"], &["url", "-h"], &["help", "verify"]]
    {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let o = Command::new(bin()).args(args).stdout(full).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.starts_with("cfsign: cannot write to stdout: No space left"), "{args:?}: {stderr}");
    }
}

/// Every character that must not reach a terminal raw, as CloudFront base64 or a query value
/// would carry it: C0 (ESC, BEL, CR, BS, LF, NUL), DEL, C1 (CSI), a bidirectional override, a
/// line separator.
const CONTROLS: [char; 10] =
    ['\u{1b}', '\u{7}', '\r', '\u{8}', '\n', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2028}', '\u{0}'];

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Whether `text` holds anything a terminal would act on (the line feed aside).
fn reaches_terminal_raw(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c) || c == '\u{2028}')
}

#[test]
fn decode_and_verify_never_print_control_characters_from_their_input() {
    let dir = workdir("controls");
    let public = format!("KCLI={}", path(&dir, "keys/public_key.pem"));
    for c in CONTROLS {
        // FORGED after each: a line of output starting with it was started by the input.
        let evil = format!("K{c}[2J{c}FORGED");
        // In a signed URL's Key-Pair-Id, percent-encoded (how a URL in a log carries it).
        let in_id = format!(
            "https://cdn.example.com/a.txt?Expires=2000000000&Signature=c2ln&Key-Pair-Id={}",
            percent_encode(&evil)
        );
        // In a custom policy's Resource, JSON-escaped, in a cookie.
        let policy = json_escaped_resource_policy(c);
        let in_policy = format!(
            "CloudFront-Policy={}; CloudFront-Signature=c2ln; CloudFront-Key-Pair-Id=KCLI",
            cfsign::encoding::encode(policy.as_bytes())
        );
        // In the URL itself, raw (as a pasted line can hold it).
        let raw = format!(
            "https://cdn.example.com/{c}FORGED.txt?Expires=2000000000&Signature=c2ln&Key-Pair-Id=K{c}FORGED"
        );
        for args in [
            vec!["decode", in_id.as_str(), "--now", "1"],
            vec!["decode", in_policy.as_str(), "--now", "1"],
            vec!["decode", raw.as_str(), "--now", "1"],
            vec!["verify", in_id.as_str(), "--public-key", &public, "--now", "1"],
            vec!["verify", "https://cdn.example.com/x", "--cookie", &in_policy, "--public-key", &public],
            vec!["verify", raw.as_str(), "--public-key", &public, "--now", "1"],
        ] {
            // An argument cannot hold a raw NUL; its encoded forms are tried.
            if c == '\0' && args.contains(&raw.as_str()) {
                continue;
            }
            let o = run(&args);
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let (stdout, stderr) =
                (String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap());
            assert_eq!(reaches_terminal_raw(&stdout), None, "{c:?} {args:?}:\n{stdout}");
            assert_eq!(reaches_terminal_raw(&stderr), None, "{c:?} {args:?}:\n{stderr}");
            assert!(!starts_a_line(&stdout), "{c:?} {args:?}:\n{stdout}");
            // Shown, escaped — not dropped — wherever the output repeats the input (a denial
            // for a bad signature names no part of it).
            let shown = format!("\\u{{{:x}}}", u32::from(c));
            let repeats_input = args[0] == "decode" || !args.contains(&"--cookie");
            // (A reason that quotes a key-pair ID writes it as Rust does: `\r`, `\u{1b}`.)
            let quoted = c.escape_debug().to_string();
            assert!(
                !repeats_input || stdout.contains(&shown) || stdout.contains(&quoted),
                "{c:?} {args:?}: {shown} not in\n{stdout}"
            );
            if args[0] == "decode" {
                assert!(stdout.contains("control characters from the input are shown escaped"), "{stdout}");
                // JSON output escapes them as JSON does, and is still the same value.
                let json = run(&[args.as_slice(), &["--json"]].concat());
                let json = String::from_utf8(json.stdout).unwrap();
                assert_eq!(reaches_terminal_raw(&json), None, "{c:?} {args:?}:\n{json}");
                serde_json::from_str::<serde_json::Value>(&json).unwrap();
            }
        }
    }
}

/// Whether the input began a line of the output (one starting with its `FORGED`, or with what
/// came between two of its characters).
fn starts_a_line(output: &str) -> bool {
    output.lines().any(|line| line.starts_with("FORGED") || line.starts_with("[2J"))
}

/// A custom policy whose `Resource` holds `c`, escaped as JSON escapes it (`\u001b`).
fn json_escaped_resource_policy(c: char) -> String {
    let resource = serde_json::to_string(&format!("https://cdn.example.com/{c}FORGED*")).unwrap();
    format!(
        r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":2000000000}}}}}}]}}"#
    )
}

#[test]
fn decode_names_an_oversized_url_or_cookie_header_as_such() {
    let long_url = format!(
        "https://cdn.example.com/{}?Expires=2000000000&Signature=c2ln&Key-Pair-Id=KCLI",
        "a".repeat(8_200)
    );
    let long_cookies = format!(
        "CloudFront-Expires=2000000000; CloudFront-Signature=c2ln; CloudFront-Key-Pair-Id=KCLI; pad={}",
        "b".repeat(20_500)
    );
    for (input, needle) in
        [(long_url, "over CloudFront's limit of 8192"), (long_cookies, "over CloudFront's limit of 20480")]
    {
        let o = run(&["decode", &input]);
        assert_eq!(o.status.code(), Some(2));
        let stderr = String::from_utf8(o.stderr).unwrap();
        assert!(stderr.contains(needle) && !stderr.contains("no signing parameters"), "{stderr}");
        assert!(!stderr.contains("no CloudFront-* cookies"), "{stderr}");
    }
}

/// `cfsign serve` on a free port; killed when dropped.
struct Serve {
    child: std::process::Child,
    addr: String,
}

impl Serve {
    fn start(dir: &Path, extra: &[&str]) -> Serve {
        let public = format!("KCLI={}", path(dir, "keys/public_key.pem"));
        let mut child = Command::new(bin())
            .args(["serve", &path(dir, "site"), "--public-key", &public, "--addr", "127.0.0.1:0", "--json"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        let start: serde_json::Value = serde_json::from_str(&line).unwrap();
        let addr =
            start["url"].as_str().unwrap().trim_start_matches("http://").trim_end_matches('/').to_owned();
        Serve { child, addr }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `sent` and waits for the server to close the connection; returns what it answered
/// and after how long, or `None` if it was still open after `limit`.
fn stall(addr: &str, sent: &[u8], limit: Duration) -> Option<(String, Duration)> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(sent).unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(start.elapsed())?;
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some((String::from_utf8_lossy(&answer).into_owned(), start.elapsed())),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return None;
            }
            Err(_) => return Some((String::from_utf8_lossy(&answer).into_owned(), start.elapsed())),
        }
    }
}

#[test]
fn serve_disconnects_clients_that_stall_in_a_request_head() {
    let dir = workdir("slow");
    // The default: five seconds.
    let default = Serve::start(&dir, &[]);
    let configured = Serve::start(&dir, &["--header-read-timeout", "1s"]);
    let halves: [&[u8]; 3] = [b"GET /private/a.txt HTT", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b""];
    let waits: Vec<_> = halves
        .iter()
        .flat_map(|half| [(default.addr.clone(), *half, 5), (configured.addr.clone(), *half, 1)])
        .map(|(addr, half, secs)| {
            std::thread::spawn(move || (secs, half, stall(&addr, half, Duration::from_secs(20))))
        })
        .collect();
    for wait in waits {
        let (secs, half, outcome) = wait.join().unwrap();
        let (answer, after) = outcome.unwrap_or_else(|| panic!("{half:?}: still open after 20 s"));
        assert_eq!(answer, "", "{half:?}");
        let expected = Duration::from_secs(secs);
        assert!(
            after >= expected.mul_f32(0.9) && after < expected + Duration::from_secs(3),
            "{half:?}: {after:?}"
        );
    }
    // A client that behaves is served, and its connection is kept between requests.
    let mut stream = TcpStream::connect(&configured.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..2 {
        stream.write_all(b"GET /private/a.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 403 Forbidden"));
    }
    for bad in ["0", "0s", "soon"] {
        let o = run(&["serve", &path(&dir, "site"), "--public-key", "K=x", "--header-read-timeout", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn serve_names_a_duplicate_host_header_as_such() {
    let dir = workdir("hosts");
    let serve = Serve::start(&dir, &[]);
    for (first, second) in [("127.0.0.1", "127.0.0.1"), ("127.0.0.1", "example.com"), ("a", "A")] {
        let request = format!(
            "GET /private/a.txt HTTP/1.1\r\nHost: {first}\r\nHost: {second}\r\nConnection: close\r\n\r\n"
        );
        let (answer, _) = stall(&serve.addr, request.as_bytes(), Duration::from_secs(10)).unwrap();
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert!(answer.contains("more than one Host header"), "{answer}");
        assert!(!answer.contains("request target"), "{answer}");
    }
}

#[test]
fn a_line_feed_in_an_argument_never_starts_a_line_of_a_message() {
    let dir = workdir("lf-args");
    for args in [
        vec!["decode", "https://cdn.example.com/a?Expires=1", "--now", "1\nFORGED"],
        vec!["verify", "https://cdn.example.com/a", "--public-key", "K=no-such-file\nFORGED"],
        vec![
            "url",
            "https://cdn.example.com/a",
            "--key",
            "none\nFORGED",
            "--key-pair-id",
            "K",
            "--ttl",
            "1h",
        ],
        vec!["serve", "no-such-dir\nFORGED", "--public-key", "K=x"],
        vec!["decode", "--no-such-flag\nFORGED", "x"],
        vec!["cookies", "https://cdn.example.com/*", "--format", "set\nFORGED"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(o.stderr).unwrap();
        assert!(!starts_a_line(&stderr) && stderr.contains("FORGED"), "{args:?}:\n{stderr}");
    }
    let site = path(&dir, "site");
    let o = run(&["serve", &site, "--public-key", "K=x", "--header-read-timeout", "213503982334601d"]);
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(o.status.code() == Some(2) && stderr.contains("at most 1d"), "{stderr}");
}

#[test]
fn keys_in_der_are_read_as_well_as_pem() {
    let dir = workdir("der");
    let convert = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is installed (`cargo xtask setup` does)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (private_der, public_der) = (path(&dir, "keys/private_key.der"), path(&dir, "keys/public_key.der"));
    convert(&["pkey", "-in", &path(&dir, "keys/private_key.pem"), "-outform", "DER", "-out", &private_der]);
    convert(&[
        "pkey",
        "-pubin",
        "-in",
        &path(&dir, "keys/public_key.pem"),
        "-outform",
        "DER",
        "-out",
        &public_der,
    ]);
    let o = run(&[
        "url",
        "https://cdn.example.com/a.txt",
        "--key",
        &private_der,
        "--key-pair-id",
        "KCLI",
        "--ttl",
        "1h",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = String::from_utf8(o.stdout).unwrap();
    let o = run(&["verify", url.trim(), "--public-key", &format!("KCLI={public_der}")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    // Neither PEM nor a key: named as what it is not, not as an unreadable file.
    std::fs::write(dir.join("junk.bin"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    let o = run(&[
        "url",
        "https://cdn.example.com/a",
        "--key",
        &path(&dir, "junk.bin"),
        "--key-pair-id",
        "K",
        "--ttl",
        "1h",
    ]);
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(
        stderr.contains("not a PKCS#8, PKCS#1 or SEC1 DER private key") && !stderr.contains("UTF-8"),
        "{stderr}"
    );
}

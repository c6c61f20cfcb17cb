//! The gate judges exactly what its origin serves. Generated request targets and hostile `Host`
//! values go over raw HTTP/1.1 on loopback to the gate in front of the real tower-http
//! `ServeDir` (as `cfsign serve --protect '/private/*'` runs it); every answer is checked
//! against what the request was entitled to:
//!
//! - a protected file is only ever served to a request carrying a valid signature for **that
//!   file's** URL (whatever spelling of the path or host the request used);
//! - a genuine signed request for a URL in normal form is always served.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy};
use cfsign_conformance::{Rng, T0, key, start_gate_with, trusted};
use cfsign_gate::Gate;

const NOW: EpochSeconds = T0;
const EXP: EpochSeconds = EpochSeconds::new(T0.as_secs() + 3600);
const HOST: &str = "cdn.example.com";
const BASE: &str = "https://cdn.example.com";

/// The tree behind the gate (decoded paths); each file holds `FILE:<its path>`.
const FILES: &[&str] = &[
    "top.txt",
    "public/index.txt",
    "public/a b.txt",
    "privatex/y.txt",
    "private/x",
    "private/alice/pic.txt",
    "private/bob/pic.txt",
    "private/a!b/c.txt",
    "private/\u{fc}.txt",
    "private/50%.txt",
    "private/q\"uote.txt",
    "private/semi;colon=1.txt",
    "sp ce/f.txt",
    "sp\u{e9}ce/f.txt",
    "sp\u{e9}\u{e9}ce/f.txt",
];

/// What `--protect private/* --protect 'sp?ce/*'` protects: '?' is one character of the name.
fn protected(file: &str) -> bool {
    file.starts_with("private/") || file.starts_with("sp ce/") || file.starts_with("sp\u{e9}ce/")
}

/// The tree in a directory of its own per test (tests of one binary run at once).
fn tree(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cfsign-gate-{test}-{}", std::process::id()));
    for file in FILES {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("FILE:{file}")).unwrap();
    }
    dir
}

/// RFC 3986 `pchar` without escapes: what a normal-form path holds as itself.
fn is_pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// The one normal-form spelling of a decoded path.
fn normal(decoded: &str) -> String {
    decoded
        .bytes()
        .map(|b| if is_pchar(b) || b == b'/' { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn url_of(file: &str) -> String {
    format!("{BASE}/{}", normal(file))
}

/// What a request carries, and which resource pattern it is genuinely signed for.
#[derive(Clone)]
enum Cred {
    None,
    Cookies { resource: String, header: String },
    Url { resource: String, params: String },
}

impl Cred {
    fn resource(&self) -> Option<&str> {
        match self {
            Cred::None => None,
            Cred::Cookies { resource, .. } | Cred::Url { resource, .. } => Some(resource),
        }
    }

    /// Whether this credential is genuinely valid for the file's URL (no extra query).
    fn covers(&self, file: &str) -> bool {
        self.resource().is_some_and(|r| cfsign::resource_matches(r, &url_of(file)))
    }
}

fn cookies_for(resource: &str) -> Cred {
    let policy = CustomPolicy::builder().resource(resource).date_less_than(EXP).build().unwrap();
    let header = SignedPolicy::new(policy, &key()).unwrap().cookies().cookie_header();
    Cred::Cookies { resource: resource.to_owned(), header }
}

fn url_params_for(resource: &str) -> Cred {
    let policy = CustomPolicy::builder().resource(resource).date_less_than(EXP).build().unwrap();
    let signed = SignedPolicy::new(policy, &key()).unwrap().url(&resource.replace('*', "x")).unwrap();
    Cred::Url { resource: resource.to_owned(), params: signed.split_once('?').unwrap().1.to_owned() }
}

/// A canned URL for one file: its resource is that exact URL.
fn canned_for(file: &str) -> Cred {
    let signed = cfsign::sign_url_canned(&url_of(file), EXP, &key()).unwrap();
    Cred::Url { resource: url_of(file), params: signed.split_once('?').unwrap().1.to_owned() }
}

/// One generated request.
struct Case {
    target: Vec<u8>,
    host: Option<Vec<u8>>,
    cred: Cred,
    /// The file the unmutated target names; `None` when the spelling was changed in any way.
    clean: Option<&'static str>,
}

/// Spells one byte of a path — as itself or percent-encoded in either case — when `mangle`;
/// returns whether the spelling differs from the normal form.
fn spell(rng: &mut Rng, b: u8, mangle: bool, out: &mut Vec<u8>) -> bool {
    let normal = if is_pchar(b) { vec![b] } else { format!("%{b:02X}").into_bytes() };
    let encode = if is_pchar(b) { mangle && rng.chance(8) } else { !(mangle && rng.chance(10)) };
    let spelled = if !encode {
        vec![b]
    } else if !mangle || rng.chance(50) {
        format!("%{b:02X}").into_bytes()
    } else {
        format!("%{b:02x}").into_bytes()
    };
    let changed = spelled != normal;
    out.extend(spelled);
    changed
}

const DOT_TRICKS: &[&str] =
    &[".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2e%2e", "%2E%2E", "..%2f", "..%5c", "..\\"];
const SEPARATOR_TRICKS: &[&str] = &["%2F", "%2f", "\\", "%5C", "%5c", "/./", "//", "/%2e/", "/%2E/"];
const QUERY_TRICKS: &[&str] = &[
    "?",
    "?x=1",
    "?x=/../public/index.txt",
    "?%2F..%2Fprivate",
    "?a=%zz",
    "?#",
    "#frag/../../private/x",
    "?x=%00",
    "?Policy",
    "?;/private/x",
];

fn generate(rng: &mut Rng, creds: &[Cred]) -> Case {
    let files: Vec<&'static str> =
        FILES.iter().copied().chain(["private/nope.txt", "public/nope.txt"]).collect();
    let file = *rng.pick(&files);
    let covering: Vec<&Cred> = creds.iter().filter(|c| c.covers(file)).collect();
    let cred = match rng.below(3) {
        0 => Cred::None,
        1 if !covering.is_empty() => (*rng.pick(&covering)).clone(),
        _ => rng.pick(creds).clone(),
    };
    // Half the requests keep the normal spelling of every byte (dot, separator and query
    // tricks still apply); the other half spell bytes every way.
    let mangle = rng.chance(50);
    let mut path = Vec::new();
    let mut changed = false;
    let segments: Vec<&str> = file.split('/').collect();
    if rng.chance(4) {
        path.push(b'/');
        changed = true;
    }
    for (i, segment) in segments.iter().enumerate() {
        if rng.chance(8) {
            // A dot segment, after a decoy segment when it climbs.
            let trick = *rng.pick(DOT_TRICKS);
            if trick.contains("..") || trick.contains("%2e%2e") || trick.contains("%2E%2E") {
                path.extend_from_slice(b"/");
                path.extend_from_slice(rng.pick(&["public", "zz", "private", "privatex"]).as_bytes());
            }
            path.extend_from_slice(b"/");
            path.extend_from_slice(trick.as_bytes());
            changed = true;
        }
        if i > 0 && rng.chance(6) {
            path.extend_from_slice(rng.pick(SEPARATOR_TRICKS).as_bytes());
            changed = true;
        } else {
            path.push(b'/');
        }
        for b in segment.bytes() {
            changed |= spell(rng, b, mangle, &mut path);
        }
    }
    if rng.chance(4) {
        path.push(b'/');
        changed = true;
    }
    let mut target = path;
    let mut query_junk = false;
    if rng.chance(15) {
        target.extend_from_slice(rng.pick(QUERY_TRICKS).as_bytes());
        query_junk = true;
    }
    if let Cred::Url { params, .. } = &cred {
        target.push(if target.contains(&b'?') { b'&' } else { b'?' });
        target.extend_from_slice(params.as_bytes());
    }
    let mut host = Some(HOST.as_bytes().to_vec());
    let mut absolute = false;
    if rng.chance(10) {
        let scheme = if rng.chance(50) { "https://" } else { "http://" };
        target = [scheme.as_bytes(), HOST.as_bytes(), &target].concat();
        absolute = true;
        host = match rng.below(4) {
            0 => None,
            1 => Some(b"evil.example.com".to_vec()),
            _ => Some(HOST.to_ascii_uppercase().into_bytes()),
        };
    }
    let clean = (!changed && !query_junk && !absolute).then_some(file);
    Case { target, host, cred, clean }
}

/// A keep-alive HTTP/1.1 client over raw bytes: nothing normalises the target on the way.
struct Client {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Client {
    fn send(&mut self, case: &Case) -> Reply {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(&case.target);
        request.extend_from_slice(b" HTTP/1.1\r\n");
        if let Some(host) = &case.host {
            request.extend_from_slice(b"Host: ");
            request.extend_from_slice(host);
            request.extend_from_slice(b"\r\n");
        }
        if let Cred::Cookies { header, .. } = &case.cred {
            request.extend_from_slice(format!("Cookie: {header}\r\n").as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        let addr = self.addr;
        let stream = self.stream.get_or_insert_with(|| {
            let stream = TcpStream::connect(addr).unwrap();
            stream.set_nodelay(true).unwrap();
            BufReader::new(stream)
        });
        stream.get_mut().write_all(&request).unwrap();
        let (reply, keep) = read_reply(stream);
        if !keep {
            self.stream = None;
        }
        reply.unwrap_or(Reply { status: 0, body: Vec::new() })
    }
}

/// One reply (status and body by `Content-Length`), and whether the connection stays open.
fn read_reply(stream: &mut BufReader<TcpStream>) -> (Option<Reply>, bool) {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return (None, false),
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let header = |name: &str| {
        head.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_owned()))
    };
    let len: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    if stream.read_exact(&mut body).is_err() {
        return (None, false);
    }
    let keep = header("connection").is_none_or(|v| v != "close");
    (Some(Reply { status, body }), keep)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_gate_lets_through_is_what_the_signature_covers() {
    let dir = tree("targets");
    let trusted = trusted(&[&key()]);
    let gate =
        Gate::new().protect("private/*", trusted.clone()).unwrap().protect("sp?ce/*", trusted).unwrap();
    let addr = start_gate_with(&dir, gate, || NOW).await;
    let creds = vec![
        cookies_for(&format!("{BASE}/private/alice/*")),
        cookies_for(&format!("{BASE}/public/*")),
        cookies_for(&format!("{BASE}/private/x")),
        cookies_for(&format!("{BASE}/sp%C3%A9ce/*")),
        url_params_for(&format!("{BASE}/private/a!b/*")),
        url_params_for(&format!("{BASE}/private/%C3%BC.txt")),
        canned_for("private/bob/pic.txt"),
        canned_for("private/q\"uote.txt"),
        canned_for("private/semi;colon=1.txt"),
    ];
    let tally = tokio::task::spawn_blocking(move || {
        let mut client = Client { addr, stream: None };
        let mut rng = Rng(0x005E_ED0F_6A7E);
        let mut tally: BTreeMap<String, usize> = BTreeMap::new();
        for n in 0..20_000 {
            let case = generate(&mut rng, &creds);
            let reply = client.send(&case);
            let shown = || {
                format!(
                    "#{n} {:?} host {:?}",
                    String::from_utf8_lossy(&case.target),
                    case.host.as_ref().map(|h| String::from_utf8_lossy(h))
                )
            };
            assert!(reply.status < 500, "{} -> {}", shown(), reply.status);
            let served = std::str::from_utf8(&reply.body).ok().and_then(|b| b.strip_prefix("FILE:"));
            if let Some(file) = served {
                assert_eq!(reply.status, 200, "{}", shown());
                assert!(
                    !protected(file) || case.cred.covers(file),
                    "{} served the protected {file} without a signature for it",
                    shown()
                );
            }
            if let Some(file) = case.clean {
                let exists = FILES.contains(&file);
                let entitled = !protected(file) || case.cred.covers(file);
                let expected = match (exists, entitled) {
                    (true, true) => 200,
                    (false, true) => 404,
                    (_, false) => 403,
                };
                assert_eq!(reply.status, expected, "{} (clean, for {file})", shown());
                if expected == 200 {
                    assert_eq!(served, Some(file), "{}", shown());
                }
            }
            let kind = match (served.map(protected), case.clean.is_some()) {
                (Some(true), _) => "served a protected file",
                (Some(false), _) => "served a public file",
                (None, true) => "clean, not served",
                (None, false) => "changed, not served",
            };
            *tally.entry(format!("{kind}: {}", reply.status)).or_default() += 1;
        }
        // Every covered file, in its normal-form spelling, with each credential: served.
        for cred in &creds {
            for file in FILES.iter().filter(|f| cred.covers(f) || !protected(f)) {
                let case = Case {
                    target: normal_target(file, cred),
                    host: Some(HOST.into()),
                    cred: cred.clone(),
                    clean: Some(file),
                };
                let reply = client.send(&case);
                assert_eq!((reply.status, reply.body), (200, format!("FILE:{file}").into_bytes()), "{file}");
            }
        }
        tally
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    eprintln!("gate targets over loopback (seeded): {tally:#?}");
    let count =
        |prefix: &str| tally.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, n)| n).sum::<usize>();
    // The generator reaches every kind of outcome.
    assert!(count("served a protected file") > 500, "{tally:?}");
    assert!(count("changed, not served: 400") > 5_000, "{tally:?}");
    assert!(count("clean, not served: 403") > 500, "{tally:?}");
}

fn normal_target(file: &str, cred: &Cred) -> Vec<u8> {
    let mut target = format!("/{}", normal(file));
    if let Cred::Url { params, .. } = cred {
        target = format!("{target}?{params}");
    }
    target.into_bytes()
}

/// `Host` values that would move the checked path under alice's signed prefix, cut it off,
/// or smuggle another authority; alice's genuine cookies; bob's file. Never served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_host_header_moves_the_checked_path() {
    let dir = tree("hosts");
    let trusted = trusted(&[&key()]);
    let open =
        start_gate_with(&dir, Gate::new().protect("/private/*", trusted.clone()).unwrap(), || NOW).await;
    let named = Gate::new().protect("/private/*", trusted).unwrap().domain_names([HOST]).unwrap();
    let named = start_gate_with(&dir, named, || NOW).await;
    let alice = cookies_for(&format!("{BASE}/private/alice/*"));
    let results = tokio::task::spawn_blocking(move || {
        let hosts =
            ["cdn.example.com", "CDN.Example.com", "cdn.example.com:443", "127.0.0.1", "[::1]", "cdn"];
        let tails = [
            "/private/alice/",
            "/private/alice",
            "/private/alice/x#",
            "#",
            "?",
            "/private/alice/*?",
            "/private/alice/?a=",
            "@evil.example.com",
            "\\private\\alice\\",
            " /private/alice/",
            "\t",
            "/private/alice/%2e%2e/",
            ":443/private/alice/",
            ":99999",
            ":",
            ".",
            "%2Fprivate%2Falice%2F",
            "/./private/alice/",
            "/private/alice/../",
            ";/private/alice/",
        ];
        let heads = ["", "user@", "alice:pw@", "cdn.example.com/private/alice/../"];
        let targets: [&[u8]; 6] = [
            b"/private/bob/pic.txt",
            b"/bob/pic.txt",
            b"/pic.txt",
            b"http://cdn.example.com/private/bob/pic.txt",
            b"http://cdn.example.com/private/alice/../bob/pic.txt",
            b"http://evil.example.com/private/bob/pic.txt",
        ];
        let mut tried = 0;
        let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
        for addr in [open, named] {
            let mut client = Client { addr, stream: None };
            for host in hosts {
                for tail in tails {
                    for head in heads {
                        for target in targets {
                            let value = format!("{head}{host}{tail}");
                            let case = Case {
                                target: target.to_vec(),
                                host: Some(value.clone().into_bytes()),
                                cred: alice.clone(),
                                clean: None,
                            };
                            let reply = client.send(&case);
                            assert!(
                                reply.status != 200 && !reply.body.starts_with(b"FILE:private/bob"),
                                "Host {value:?} {:?} -> {} {:?}",
                                String::from_utf8_lossy(target),
                                reply.status,
                                String::from_utf8_lossy(&reply.body)
                            );
                            assert!(reply.status < 500 || reply.status == 0);
                            *statuses.entry(reply.status).or_default() += 1;
                            tried += 1;
                        }
                    }
                }
            }
            // The control: alice's own file with a proper Host, and hosts the gate does not serve.
            let own = Case {
                target: b"/private/alice/pic.txt".to_vec(),
                host: Some(HOST.into()),
                cred: alice.clone(),
                clean: None,
            };
            assert_eq!(client.send(&own).status, 200);
            let other = Case { host: Some(b"other.example.com".to_vec()), ..own };
            let reply = client.send(&other);
            let body = String::from_utf8_lossy(&reply.body);
            assert_eq!(reply.status, 403);
            if addr == named {
                assert!(body.contains("does not serve the requested host"), "{body}");
            } else {
                assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
            }
        }
        (tried, statuses)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    eprintln!("hostile Host values (each with alice's cookies, for bob's file): {results:?}");
}

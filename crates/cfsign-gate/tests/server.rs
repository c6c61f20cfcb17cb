//! `Server` over raw TCP on 127.0.0.1: clients that stall are disconnected, clients that
//! behave keep their connections and their downloads, and a gate behind it sees the client's
//! address.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cfsign::{CustomPolicy, EpochSeconds, SignedPolicy, SigningKey};
use cfsign_gate::{Gate, GateLayer, Server};
use cfsign_verify::{KeyGroup, TrustedKeyGroups};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_millis(800);

fn key() -> SigningKey {
    SigningKey::from_pem(include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem"), "K2JCJMDEHXQW5F")
        .unwrap()
}

/// A directory with `small.txt` and a 32 MiB `big.bin` behind a gate that protects
/// `/private/*`, served by `server` on a free port.
async fn start(server: Server) -> SocketAddr {
    // A directory of its own: tests run at once, and one rewriting `big.bin` under another's
    // download would cut it short.
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cfsign-gate-server-{}-{n}", std::process::id()));
    std::fs::create_dir_all(dir.join("private")).unwrap();
    std::fs::write(dir.join("small.txt"), "small\n").unwrap();
    std::fs::write(dir.join("private/x.txt"), "private\n").unwrap();
    std::fs::write(dir.join("big.bin"), vec![7u8; 32 << 20]).unwrap();
    let trusted =
        TrustedKeyGroups::from(KeyGroup::new().with_key("K2JCJMDEHXQW5F", key().public_key()).unwrap());
    let gate = Gate::new().protect("/private/*", trusted).unwrap();
    let site = axum::Router::new().fallback_service(GateLayer::new(gate).serve_dir(&dir));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve(listener, site));
    addr
}

/// Reads until the server closes the connection (or `limit` passes); returns what was read
/// and when the connection ended, if it did.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Option<Duration>) {
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 65_536];
    loop {
        let Some(left) = limit.checked_sub(start.elapsed()) else { return (seen, None) };
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return (seen, Some(start.elapsed())),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return (seen, None),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stall_before_the_end_of_a_request_head_are_disconnected() {
    let addr = start(Server::new().header_read_timeout(TIMEOUT)).await;
    let stalls: [&[u8]; 5] = [
        b"",                                          // connects, says nothing
        b"GET /small.txt HTT",                        // half a request line
        b"GET /small.txt HTTP/1.1\r\n",               // a request line, no headers
        b"GET /small.txt HTTP/1.1\r\nHost: a\r\n",    // headers without the blank line
        b"GET /small.txt HTTP/1.1\r\nHost: a\r\nX-A", // half a header
    ];
    for sent in stalls {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(sent).await.unwrap();
        let (_, closed) = read_until_closed(&mut stream, TIMEOUT * 6).await;
        let closed = closed.unwrap_or_else(|| panic!("{:?} still open after {:?}", sent, TIMEOUT * 6));
        assert!(closed >= TIMEOUT.mul_f32(0.9), "{sent:?} closed too early: {closed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_dribbled_a_byte_at_a_time_gets_no_more_time_in_total() {
    let addr = start(Server::new().header_read_timeout(TIMEOUT)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    for &b in b"GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: yes\r\n" {
        if stream.write_all(&[b]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (answer, closed) = read_until_closed(&mut stream, TIMEOUT * 6).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(closed.is_some() && start.elapsed() < TIMEOUT * 8, "held for {:?}", start.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let addr = start(Server::new().header_read_timeout(TIMEOUT)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..3 {
        stream.write_all(b"GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !answer.ends_with(b"small\n") {
            let n = tokio::time::timeout(TIMEOUT * 4, stream.read(&mut buf)).await.unwrap().unwrap();
            assert!(n > 0, "closed after {}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&buf[..n]);
        }
        assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"), "{}", String::from_utf8_lossy(&answer));
        // Pauses shorter than the timeout between requests keep the connection.
        tokio::time::sleep(TIMEOUT / 2).await;
    }
    // A connection idle for longer is closed, like one that never sent anything.
    let (_, closed) = read_until_closed(&mut stream, TIMEOUT * 6).await;
    assert!(closed.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_may_take_longer_than_the_head_timeout() {
    let addr = start(Server::new().header_read_timeout(TIMEOUT)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
    let start = Instant::now();
    let mut received = 0usize;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        received += n;
        // A slow reader: at least 128 reads of at most 256 KiB, 30 ms apart, so about 4 s,
        // several times the head timeout.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(start.elapsed() > TIMEOUT * 3, "too fast to show anything: {:?}", start.elapsed());
    assert!(received > 32 << 20, "the download was cut after {received} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_behind_it_checks_every_request_and_names_what_is_wrong() {
    let addr = start(Server::new()).await;
    let ask = |request: &'static str| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
        String::from_utf8_lossy(&answer).into_owned()
    };
    let unsigned = ask("GET /private/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await;
    assert!(unsigned.starts_with("HTTP/1.1 403 "), "{unsigned}");
    assert!(unsigned.contains("<Code>MissingKey</Code>"), "{unsigned}");
    let twice =
        ask("GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await;
    assert!(twice.starts_with("HTTP/1.1 400 "), "{twice}");
    assert!(twice.contains("more than one Host header"), "{twice}");
    // The client's address reaches the gate: an IP condition is judged against 127.0.0.1.
    for (range, status) in [("127.0.0.1/32", "200"), ("192.0.2.0/24", "403")] {
        let policy = CustomPolicy::builder()
            .resource(format!("http://{addr}/private/*").as_str())
            .date_less_than(EpochSeconds::now().checked_add(Duration::from_secs(600)).unwrap())
            .ip_address(range)
            .build()
            .unwrap();
        let cookies = SignedPolicy::new(policy, &key()).unwrap().cookies().cookie_header();
        let request = format!(
            "GET /private/x.txt HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
        );
        let answer = ask(Box::leak(request.into_boxed_str())).await;
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "{range}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_too_long_for_the_clock_is_taken_as_a_day() {
    assert_eq!(
        Server::new().header_read_timeout(Duration::MAX),
        Server::new().header_read_timeout(Server::MAX_HEADER_READ_TIMEOUT)
    );
    let addr = start(Server::new().header_read_timeout(Duration::MAX)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(
        closed.is_some() && answer.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

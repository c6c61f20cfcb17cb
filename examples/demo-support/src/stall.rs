//! Stalling clients against a demo binary (`axum-app`'s or `actix-app`'s, each demo's
//! `tests/slow_clients.rs`): raw TCP for plain HTTP and a TLS handshake that never starts,
//! `openssl s_client` for half a request over a finished handshake.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a stalled connection is watched at most.
pub const LIMIT: Duration = Duration::from_secs(20);

/// The demo binary on free ports of 127.0.0.1; killed when dropped.
struct Demo {
    child: Child,
    app: u16,
    cdn: u16,
}

impl Demo {
    fn start(bin: &str, args: &[&str]) -> Demo {
        let mut child = Command::new(bin)
            .args(["--app-addr", "127.0.0.1:0", "--cdn-addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = |line: &str| -> u16 {
            let url = line.split_whitespace().nth(1).unwrap();
            url.trim_end_matches('/').rsplit(':').next().unwrap().parse().unwrap()
        };
        let (mut app, mut cdn) = (None, None);
        while app.is_none() || cdn.is_none() {
            let line = lines.next().expect("the demo printed its addresses").unwrap();
            if line.starts_with("app: ") {
                app = Some(port(&line));
            } else if line.starts_with("cdn: ") {
                cdn = Some(port(&line));
            }
        }
        // Keep reading what it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Demo { child, app: app.unwrap(), cdn: cdn.unwrap() }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which of the demo's two servers a connection went to.
#[derive(Debug, Clone, Copy)]
pub enum Server {
    /// The app (sign-in, the page).
    App,
    /// The local CloudFront stand-in.
    Cdn,
}

/// How a client stalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// Plain HTTP: half a request line, then nothing.
    HalfRequestLine,
    /// Plain HTTP: a whole request, its response, then half of the next request.
    HalfSecondRequest,
    /// HTTPS: a TCP connection that never starts the handshake.
    NoHandshake,
    /// HTTPS: a finished handshake (SNI `host`), then half a request.
    HalfRequestOverTls(&'static str),
    /// HTTPS: a whole request, its response, then half of the next request.
    HalfSecondRequestOverTls(&'static str),
}

impl Stall {
    /// Whether a server may end it by closing after its first response (no keep-alive).
    pub fn follows_a_request(self) -> bool {
        matches!(self, Stall::HalfSecondRequest | Stall::HalfSecondRequestOverTls(_))
    }
}

/// What a server did with a stalled connection.
#[derive(Debug)]
pub enum Answer {
    /// The server closed the connection `after` the client began, having said `said` (the
    /// response to a first request included).
    Closed {
        /// How long after the client began the server closed.
        after: Duration,
        /// Everything the server sent, as text.
        said: String,
    },
    /// Still open after [`LIMIT`].
    StillOpen,
}

/// Starts the demo `bin` over plain HTTP and with `--https`, and stalls each of its servers
/// in every way that applies, all at once (each takes as long as the server's timeout).
/// `bin` is the demo's binary, `env!("CARGO_BIN_EXE_<demo>")` in its tests.
pub fn stall_every_server(bin: &str) -> Vec<(Server, Stall, Answer)> {
    let plain = Demo::start(bin, &[]);
    let https = Demo::start(bin, &["--https"]);
    let (app, cdn) = ("app.cfsign.test", "cdn.cfsign.test");
    run_all([
        (Server::App, plain.app, Stall::HalfRequestLine),
        (Server::Cdn, plain.cdn, Stall::HalfRequestLine),
        (Server::App, plain.app, Stall::HalfSecondRequest),
        (Server::Cdn, plain.cdn, Stall::HalfSecondRequest),
        (Server::App, https.app, Stall::NoHandshake),
        (Server::Cdn, https.cdn, Stall::NoHandshake),
        (Server::App, https.app, Stall::HalfRequestOverTls(app)),
        (Server::Cdn, https.cdn, Stall::HalfRequestOverTls(cdn)),
        (Server::App, https.app, Stall::HalfSecondRequestOverTls(app)),
        (Server::Cdn, https.cdn, Stall::HalfSecondRequestOverTls(cdn)),
    ])
}

fn run_all<const N: usize>(stalls: [(Server, u16, Stall); N]) -> Vec<(Server, Stall, Answer)> {
    let waits: Vec<_> = stalls
        .into_iter()
        .map(|(server, port, stall)| std::thread::spawn(move || (server, stall, run(port, stall))))
        .collect();
    waits.into_iter().map(|w| w.join().unwrap()).collect()
}

const HALF: &[u8] = b"GET / HTTP/1.1\r\nHost: ";

fn run(port: u16, stall: Stall) -> Answer {
    let whole = |host: &str| format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes();
    match stall {
        Stall::HalfRequestLine => raw(port, b"", b"GET / HTT"),
        Stall::HalfSecondRequest => raw(port, &whole("127.0.0.1"), HALF),
        Stall::NoHandshake => raw(port, b"", b""),
        Stall::HalfRequestOverTls(host) => over_tls(port, host, b"", HALF),
        Stall::HalfSecondRequestOverTls(host) => over_tls(port, host, &whole(host), HALF),
    }
}

/// Sends `first` (a whole request, or nothing), gives the server a moment to answer it, sends
/// `then` and waits for the server to close the connection.
fn raw(port: u16, first: &[u8], then: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut said = Vec::new();
    // From the start: a server's timer for the next request starts with its first response.
    let start = Instant::now();
    if !first.is_empty() {
        stream.write_all(first).unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    // A server without keep-alive may have closed already: then this write fails.
    let _ = stream.write_all(then);
    let mut buf = [0u8; 4096];
    loop {
        let Some(left) = LIMIT.checked_sub(start.elapsed()) else { return Answer::StillOpen };
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => said.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Answer::StillOpen;
            }
            Err(_) => break,
        }
    }
    Answer::Closed { after: start.elapsed(), said: String::from_utf8_lossy(&said).into_owned() }
}

/// `openssl s_client` finishes the handshake, sends `first` (a whole request, or nothing),
/// waits for the answer, sends `then` and keeps its input open; it ends when the server
/// closes the connection.
fn over_tls(port: u16, host: &str, first: &[u8], then: &[u8]) -> Answer {
    let mut client = Command::new("openssl")
        .args(["s_client", "-quiet", "-connect", &format!("127.0.0.1:{port}"), "-servername", host])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed (`cargo xtask setup` does)");
    let mut input = client.stdin.take().unwrap();
    let start = Instant::now();
    if !first.is_empty() {
        input.write_all(first).unwrap();
        input.flush().unwrap();
        std::thread::sleep(Duration::from_millis(800));
    }
    let _ = input.write_all(then).and_then(|()| input.flush());
    while start.elapsed() < LIMIT {
        if client.try_wait().unwrap().is_some() {
            let mut said = String::new();
            let _ = client.stdout.take().unwrap().read_to_string(&mut said);
            return Answer::Closed { after: start.elapsed(), said };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = client.kill();
    let _ = client.wait();
    drop(input);
    Answer::StillOpen
}

/// `after` is the server's timeout, give or take what a loaded test machine adds.
pub fn assert_about(after: Duration, timeout: Duration, what: &str) {
    assert!(
        after >= timeout.mul_f32(0.9) && after < timeout + Duration::from_secs(4),
        "{what}: closed after {after:?}, expected about {timeout:?}"
    );
}

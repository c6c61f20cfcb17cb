//! Which URL a request names: the authority and request target, checked before anything is
//! decided on them.
//!
//! A verifier in front of an origin protects only what it judges, so it must judge the very
//! resource the origin will act on. Two parts of a request decide that resource and both are
//! attacker-controlled:
//!
//! - **The path.** File servers such as tower-http's `ServeDir` percent-decode the path and
//!   drop `.` and empty segments, so `/%70rivate/x`, `//private/x` and `/./private/x` all
//!   open `private/x` — while a check on the raw text sees three paths no `/private/*`
//!   pattern matches. [`RequestUrl`] accepts a path only in its **normal form**, the one
//!   spelling every decoding origin reads the same way, and refuses anything else (400): then
//!   the text the gate matches and verifies and the file the origin opens are one resource.
//! - **The authority.** The URL a signature is checked against is `scheme://authority/path`.
//!   A `Host` holding `/`, `?` or `#` would move the real path under a signed prefix or cut it
//!   off, so only a syntactically valid `host[:port]` is accepted.
//!
//! The rules, and why refusing beats normalising here, are in `docs/verifying.md` ("Which
//! request is checked").
//!
//! ```
//! use cfsign_verify::target::{BadRequest, RequestUrl};
//!
//! let url = RequestUrl::new("https", Some(b"CDN.example.com"), b"/u/alice/a%20b.jpg?size=2")?;
//! assert_eq!(url.as_str(), "https://cdn.example.com/u/alice/a%20b.jpg?size=2");
//! assert_eq!(url.path(), "/u/alice/a%20b.jpg");
//!
//! // Spellings a decoding origin would read as another file are refused, not guessed at.
//! assert!(matches!(RequestUrl::new("https", Some(b"cdn.example.com"), b"/u/%61lice/a.jpg"),
//!     Err(BadRequest::NeedlessPercentEncoding { .. })));
//! assert!(matches!(RequestUrl::new("https", Some(b"cdn.example.com/u/alice/"), b"/u/bob/a.jpg"),
//!     Err(BadRequest::InvalidHost { .. })));
//! # Ok::<(), BadRequest>(())
//! ```

use alloc::string::String;
use core::fmt;

/// Why a request names no resource that can be judged. A gate answers it with
/// `400 Bad Request`; the message says what a client would have to send instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadRequest {
    /// Neither a `Host` header nor an absolute-form target names the host.
    MissingHost,
    /// More than one `Host` header (HTTP/1.1 allows exactly one), even if they agree.
    DuplicateHost,
    /// A `Host` header and an absolute-form target that name different authorities.
    ConflictingHost,
    /// The authority is not `host[:port]`: the byte at `at` (of the authority) is not allowed
    /// there (userinfo, `/ ? # \`, whitespace, control bytes, …) or the host is empty.
    InvalidHost {
        /// Offset in the authority.
        at: usize,
    },
    /// The port is empty, not decimal or over 65535.
    InvalidPort,
    /// The target is neither origin-form (`/path?query`) nor an absolute `http` or `https`
    /// URL (asterisk-form `*` and authority-form `host:port` name no resource).
    UnsupportedTarget,
    /// A byte no request target may hold as itself (space, `"`, `#`, `\`, `<`, `{`, control
    /// or non-ASCII bytes): percent-encode it.
    InvalidByte {
        /// Offset in the target.
        at: usize,
    },
    /// `%` not followed by two hexadecimal digits.
    InvalidPercentEncoding {
        /// Offset in the target.
        at: usize,
    },
    /// `%` followed by lowercase hexadecimal digits in the path (`%2f`): normal form writes
    /// them in uppercase (docs/cloudfront-format.md §10).
    LowercasePercentEncoding {
        /// Offset in the target.
        at: usize,
    },
    /// A percent-encoded character that a path holds as itself (`%61` for `a`, `%2E` for
    /// `.`, `%21` for `!`): decoding origins read both spellings as one file.
    NeedlessPercentEncoding {
        /// Offset in the target.
        at: usize,
    },
    /// `%2F` or `%5C` in the path: a decoding origin reads them as separators, the URL as
    /// part of a segment.
    EncodedSeparator {
        /// Offset in the target.
        at: usize,
    },
    /// `%00` in the path.
    EncodedNul {
        /// Offset in the target.
        at: usize,
    },
    /// A `.` or `..` segment.
    DotSegment {
        /// Offset in the target.
        at: usize,
    },
    /// An empty segment (`//`); only the last segment may be empty (a trailing `/`).
    EmptySegment {
        /// Offset in the target.
        at: usize,
    },
}

impl fmt::Display for BadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRequest::MissingHost => f.write_str("the request names no host (no Host header)"),
            BadRequest::DuplicateHost => f.write_str("the request carries more than one Host header"),
            BadRequest::ConflictingHost => {
                f.write_str("the Host header and the request target name different hosts")
            }
            BadRequest::InvalidHost { at } => {
                write!(f, "the host is not a valid host[:port] (byte {at} of the authority)")
            }
            BadRequest::InvalidPort => f.write_str("the port is not a number from 0 to 65535"),
            BadRequest::UnsupportedTarget => {
                f.write_str("the request target is neither a path nor an absolute http(s) URL")
            }
            BadRequest::InvalidByte { at } => {
                write!(f, "byte {at} of the request target may not appear unencoded: percent-encode it")
            }
            BadRequest::InvalidPercentEncoding { at } => {
                write!(f, "the '%' at byte {at} of the request target is not followed by two hex digits")
            }
            BadRequest::LowercasePercentEncoding { at } => {
                write!(
                    f,
                    "the percent-encoding at byte {at} of the path uses lowercase hex: write %XX in uppercase"
                )
            }
            BadRequest::NeedlessPercentEncoding { at } => write!(
                f,
                "the percent-encoding at byte {at} of the path encodes a character paths hold as itself: send it unencoded"
            ),
            BadRequest::EncodedSeparator { at } => write!(
                f,
                "the path holds an encoded '/' or '\\' at byte {at}: origins that decode paths read it as a separator"
            ),
            BadRequest::EncodedNul { at } => write!(f, "the path holds %00 at byte {at}"),
            BadRequest::DotSegment { at } => {
                write!(f, "the path holds a '.' or '..' segment at byte {at}: resolve it before sending")
            }
            BadRequest::EmptySegment { at } => {
                write!(f, "the path holds an empty segment ('//') at byte {at}")
            }
        }
    }
}

impl core::error::Error for BadRequest {}

/// The URL a request names — `scheme://host[:port]/path?query` — built only from a valid
/// authority and a request target in normal form (see the [module docs](self)). This is the
/// URL to hand to [`Request::new`](crate::Request::new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUrl {
    url: String,
    /// Where the authority starts and ends, and where the host part of it ends.
    authority: (usize, usize),
    host_end: usize,
    /// Where the query's `?` is, if any.
    query: Option<usize>,
}

impl RequestUrl {
    /// The URL of a request made over `scheme` (`http` or `https`: what the viewer's
    /// connection used, not what the target claims), with the `Host` header `host` (`None`
    /// when absent) and the request target `target` as sent: origin-form `/path?query`, or
    /// absolute-form `http://host/path?query`, whose authority must then agree with `Host`
    /// (ASCII case ignored).
    ///
    /// The host is lowercased (host names are case-insensitive); the path and query are kept
    /// byte for byte.
    ///
    /// # Errors
    /// A [`BadRequest`] saying which rule the request breaks.
    pub fn new(scheme: &str, host: Option<&[u8]>, target: &[u8]) -> Result<Self, BadRequest> {
        let (authority, path_and_query) = match target.first() {
            Some(b'/') => (host.ok_or(BadRequest::MissingHost)?, target),
            _ => {
                let (own, rest) = split_absolute(target)?;
                // An authority that is no host[:port] (userinfo, say) is refused as such, not
                // as one that differs from the Host header.
                let host_len = check_authority(own)?;
                if host.is_some_and(|h| !h.eq_ignore_ascii_case(own)) {
                    return Err(BadRequest::ConflictingHost);
                }
                // The path's offsets are reported relative to the whole target.
                let base = target.len() - rest.len();
                let (path, query) = split_query(rest);
                check_path(path).map_err(|e| e.shifted(base))?;
                check_query(query).map_err(|e| e.shifted(base + path.len()))?;
                return Ok(Self::build(scheme, own, host_len, rest));
            }
        };
        let (path, query) = split_query(path_and_query);
        check_path(path)?;
        check_query(query).map_err(|e| e.shifted(path.len()))?;
        let host_len = check_authority(authority)?;
        Ok(Self::build(scheme, authority, host_len, path_and_query))
    }

    /// The URL of a checked authority (its host `host_len` bytes long) and target.
    fn build(scheme: &str, authority: &[u8], host_len: usize, path_and_query: &[u8]) -> Self {
        let mut url = String::with_capacity(scheme.len() + 3 + authority.len() + path_and_query.len());
        url.push_str(scheme);
        url.push_str("://");
        let start = url.len();
        // Checked above: every byte is ASCII.
        url.extend(authority.iter().map(|b| char::from(b.to_ascii_lowercase())));
        let end = url.len();
        url.extend(path_and_query.iter().map(|&b| char::from(b)));
        let query = url.get(end..).and_then(|p| p.find('?')).map(|at| end + at);
        RequestUrl { url, authority: (start, end), host_end: start + host_len, query }
    }

    /// The whole URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `host[:port]`, the host lowercased.
    #[must_use]
    pub fn authority(&self) -> &str {
        self.url.get(self.authority.0..self.authority.1).unwrap_or_default()
    }

    /// The host without the port, lowercased (an IPv6 literal keeps its brackets).
    #[must_use]
    pub fn host(&self) -> &str {
        self.url.get(self.authority.0..self.host_end).unwrap_or_default()
    }

    /// The path, as sent (normal form).
    #[must_use]
    pub fn path(&self) -> &str {
        let end = self.query.unwrap_or(self.url.len());
        self.url.get(self.authority.1..end).unwrap_or_default()
    }

    /// The path and query, as sent.
    #[must_use]
    pub fn path_and_query(&self) -> &str {
        self.url.get(self.authority.1..).unwrap_or_default()
    }

    /// The query without its `?`, if the target has one.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        self.query.and_then(|at| self.url.get(at + 1..))
    }
}

impl fmt::Display for RequestUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl BadRequest {
    /// The same error with offsets into the target moved by `by` bytes.
    fn shifted(self, by: usize) -> Self {
        use BadRequest as B;
        match self {
            B::InvalidByte { at } => B::InvalidByte { at: at + by },
            B::InvalidPercentEncoding { at } => B::InvalidPercentEncoding { at: at + by },
            B::LowercasePercentEncoding { at } => B::LowercasePercentEncoding { at: at + by },
            B::NeedlessPercentEncoding { at } => B::NeedlessPercentEncoding { at: at + by },
            B::EncodedSeparator { at } => B::EncodedSeparator { at: at + by },
            B::EncodedNul { at } => B::EncodedNul { at: at + by },
            B::DotSegment { at } => B::DotSegment { at: at + by },
            B::EmptySegment { at } => B::EmptySegment { at: at + by },
            other => other,
        }
    }
}

/// `http://authority/path?query` → (authority, `/path?query`); a missing path is `/`'s
/// business, so it is refused rather than invented.
fn split_absolute(target: &[u8]) -> Result<(&[u8], &[u8]), BadRequest> {
    let colon = target.iter().position(|&b| b == b':').ok_or(BadRequest::UnsupportedTarget)?;
    let (scheme, rest) = target.split_at(colon);
    let is_http = scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"https");
    let rest = rest.strip_prefix(b"://").filter(|_| is_http).ok_or(BadRequest::UnsupportedTarget)?;
    let end = rest.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if !path.starts_with(b"/") {
        return Err(BadRequest::UnsupportedTarget);
    }
    Ok((authority, path))
}

fn split_query(path_and_query: &[u8]) -> (&[u8], Option<&[u8]>) {
    match path_and_query.iter().position(|&b| b == b'?') {
        Some(at) => (path_and_query.get(..at).unwrap_or_default(), path_and_query.get(at..)),
        None => (path_and_query, None),
    }
}

/// RFC 3986 `unreserved`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `sub-delims`.
fn is_sub_delim(b: u8) -> bool {
    matches!(b, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=')
}

/// The byte `%XX` at `at` encodes, checking the two digits (`cfsign::wire::percent_escape`).
fn percent_byte(s: &[u8], at: usize) -> Result<u8, BadRequest> {
    s.get(at..).and_then(cfsign::wire::percent_escape).ok_or(BadRequest::InvalidPercentEncoding { at })
}

/// The path in normal form: starts with `/`; holds pchars, `/` and `%XX` with uppercase
/// digits encoding a byte that is not a pchar, `/`, `\` or NUL; no `.`, `..` or empty
/// segment except an empty last one.
fn check_path(path: &[u8]) -> Result<(), BadRequest> {
    if path.first() != Some(&b'/') {
        return Err(BadRequest::UnsupportedTarget);
    }
    let mut segment_start = 1;
    let mut i = 1;
    while let Some(&b) = path.get(i) {
        match b {
            b'/' => {
                check_segment(path.get(segment_start..i).unwrap_or_default(), segment_start, false)?;
                segment_start = i + 1;
                i += 1;
            }
            b'%' => {
                let byte = percent_byte(path, i)?;
                let lowercase =
                    path.get(i + 1..i + 3).is_some_and(|d| d.iter().any(|c| c.is_ascii_lowercase()));
                if lowercase {
                    return Err(BadRequest::LowercasePercentEncoding { at: i });
                }
                match byte {
                    0 => return Err(BadRequest::EncodedNul { at: i }),
                    b'/' | b'\\' => return Err(BadRequest::EncodedSeparator { at: i }),
                    b if cfsign::policy::is_pchar(b) => {
                        return Err(BadRequest::NeedlessPercentEncoding { at: i });
                    }
                    _ => {}
                }
                i += 3;
            }
            b if cfsign::policy::is_pchar(b) => i += 1,
            _ => return Err(BadRequest::InvalidByte { at: i }),
        }
    }
    check_segment(path.get(segment_start..).unwrap_or_default(), segment_start, true)
}

fn check_segment(segment: &[u8], at: usize, last: bool) -> Result<(), BadRequest> {
    match segment {
        b"." | b".." => Err(BadRequest::DotSegment { at }),
        b"" if !last => Err(BadRequest::EmptySegment { at }),
        _ => Ok(()),
    }
}

/// The query (from its `?`): any visible ASCII byte but `#`. It is compared raw, as CloudFront
/// compares it — no normal form (file origins ignore it, signed policies name it as sent, and
/// a `%` that starts no escape is the origin's business, as at CloudFront).
fn check_query(query: Option<&[u8]>) -> Result<(), BadRequest> {
    let Some(query) = query else { return Ok(()) };
    match query.iter().position(|&b| !b.is_ascii_graphic() || b == b'#') {
        Some(at) => Err(BadRequest::InvalidByte { at }),
        None => Ok(()),
    }
}

/// `host[:port]` (docs/cloudfront-format.md §10): an IP literal in brackets (IPv6, or `v…`
/// IPvFuture), or a non-empty reg-name (unreserved, sub-delims, well-formed `%XX`; IPv4 addresses are
/// reg-names by syntax); the port 1 to 5 digits, at most 65535. No userinfo. Returns the
/// host's length.
fn check_authority(authority: &[u8]) -> Result<usize, BadRequest> {
    // Userinfo (`user:password@`) names no host: refused at its `@`, before a `:` in it could
    // pass for a port's.
    if let Some(at) = authority.iter().position(|&b| b == b'@') {
        return Err(BadRequest::InvalidHost { at });
    }
    let host_len = if authority.first() == Some(&b'[') {
        let close = authority.iter().position(|&b| b == b']').ok_or(BadRequest::InvalidHost { at: 0 })?;
        let inside = authority.get(1..close).unwrap_or_default();
        if !is_ip_literal(inside) {
            return Err(BadRequest::InvalidHost { at: 1 });
        }
        close + 1
    } else {
        let end = authority.iter().position(|&b| b == b':').unwrap_or(authority.len());
        let mut i = 0;
        while i < end {
            match authority.get(i) {
                Some(b'%') => {
                    percent_byte(authority, i).map_err(|_| BadRequest::InvalidHost { at: i })?;
                    if i + 3 > end {
                        return Err(BadRequest::InvalidHost { at: i });
                    }
                    i += 3;
                }
                Some(&b) if is_unreserved(b) || is_sub_delim(b) => i += 1,
                _ => return Err(BadRequest::InvalidHost { at: i }),
            }
        }
        if end == 0 {
            return Err(BadRequest::InvalidHost { at: 0 });
        }
        end
    };
    match authority.get(host_len..) {
        None | Some([]) => Ok(host_len),
        Some([b':', port @ ..]) => {
            let digits = !port.is_empty() && port.len() <= 5 && port.iter().all(u8::is_ascii_digit);
            let value = || port.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
            if digits && value() <= 65_535 { Ok(host_len) } else { Err(BadRequest::InvalidPort) }
        }
        Some(_) => Err(BadRequest::InvalidHost { at: host_len }),
    }
}

/// The inside of `[…]`: an IPv6 address (no zone) or an IPvFuture (`v` hex `.` chars).
fn is_ip_literal(inside: &[u8]) -> bool {
    if let Some(rest) = inside.strip_prefix(b"v").or_else(|| inside.strip_prefix(b"V")) {
        let dot = rest.iter().position(|&b| b == b'.').unwrap_or(0);
        let (version, tail) = rest.split_at(dot);
        let tail = tail.get(1..).unwrap_or_default();
        return !version.is_empty()
            && version.iter().all(u8::is_ascii_hexdigit)
            && !tail.is_empty()
            && tail.iter().all(|&b| is_unreserved(b) || is_sub_delim(b) || b == b':');
    }
    core::str::from_utf8(inside).is_ok_and(|s| s.parse::<core::net::Ipv6Addr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec::Vec;

    fn url(host: &str, target: &str) -> Result<String, BadRequest> {
        RequestUrl::new("https", Some(host.as_bytes()), target.as_bytes()).map(|u| u.url)
    }

    #[test]
    fn normal_form_paths_are_kept_byte_for_byte() {
        for target in [
            "/",
            "/a",
            "/a/",
            "/private/x.txt",
            "/a%20b/c%22d%25e%3Fg%23h%C3%BC",
            "/!$&'()*+,;=:@-._~/x",
            "/...",
            "/a/.b/..c/d..",
            "/x?",
            "/x?a=%2f&b=/../&c=?",
            "/x?a%G0&%&\"{}|^`\\",
            "/x?Policy=abc~-_&Signature=x",
        ] {
            assert_eq!(
                url("cdn.example.com", target).as_deref(),
                Ok(&*format!("https://cdn.example.com{target}"))
            );
        }
    }

    #[test]
    fn paths_not_in_normal_form_are_refused_with_the_rule_they_break() {
        use BadRequest as B;
        for (target, expected) in [
            ("/%70rivate/x", B::NeedlessPercentEncoding { at: 1 }),
            ("/private%2fx", B::LowercasePercentEncoding { at: 8 }),
            ("/private%2Fx", B::EncodedSeparator { at: 8 }),
            ("/private%5Cx", B::EncodedSeparator { at: 8 }),
            ("/private\\x", B::InvalidByte { at: 8 }),
            ("//private/x", B::EmptySegment { at: 1 }),
            ("/private//x", B::EmptySegment { at: 9 }),
            ("/./private/x", B::DotSegment { at: 1 }),
            ("/a/../private/x", B::DotSegment { at: 3 }),
            ("/private/..", B::DotSegment { at: 9 }),
            ("/%2e/private/x", B::LowercasePercentEncoding { at: 1 }),
            ("/%2E/private/x", B::NeedlessPercentEncoding { at: 1 }),
            ("/a%21b", B::NeedlessPercentEncoding { at: 2 }),
            ("/a%00b", B::EncodedNul { at: 2 }),
            ("/a%zz", B::InvalidPercentEncoding { at: 2 }),
            ("/a%4", B::InvalidPercentEncoding { at: 2 }),
            ("/a%", B::InvalidPercentEncoding { at: 2 }),
            ("/a b", B::InvalidByte { at: 2 }),
            ("/a#b", B::InvalidByte { at: 2 }),
            ("/a\"b", B::InvalidByte { at: 2 }),
            ("/a\u{fc}", B::InvalidByte { at: 2 }),
            ("/x?a#b", B::InvalidByte { at: 4 }),
            ("/x?a b", B::InvalidByte { at: 4 }),
            ("*", B::UnsupportedTarget),
            ("cdn.example.com:443", B::UnsupportedTarget),
            ("", B::UnsupportedTarget),
            ("ftp://cdn.example.com/x", B::UnsupportedTarget),
            ("https://cdn.example.com", B::UnsupportedTarget),
            ("https://cdn.example.com/%70", B::NeedlessPercentEncoding { at: 24 }),
        ] {
            assert_eq!(url("cdn.example.com", target), Err(expected), "{target}");
        }
    }

    #[test]
    fn hosts_must_be_host_and_port() {
        for good in [
            "cdn.example.com",
            "CDN.Example.COM:8443",
            "127.0.0.1:3001",
            "[::1]:80",
            "[2001:db8::7]",
            "a_b-c~d",
            "x%41y",
            "[v1.fe:80]",
            "h:0",
        ] {
            let u = RequestUrl::new("http", Some(good.as_bytes()), b"/p").unwrap();
            assert_eq!(u.authority(), good.to_ascii_lowercase(), "{good}");
            assert_eq!(u.path(), "/p");
        }
        for bad in [
            "",
            "cdn/u/alice/",
            "cdn#",
            "cdn?x",
            "user@cdn",
            "cdn\\x",
            "cdn x",
            "cdn\t",
            "cdn\0",
            "cdn\r",
            "cdn:",
            "cdn:65536",
            "cdn:123456",
            "cdn:8o",
            "cdn:80:80",
            "[::1",
            "[::1]x",
            "[fe80::1%25eth0]",
            "[1.2.3.4]",
            "%zz",
            "x%4",
            "cdn\u{e9}.com",
            ":80",
            "[]",
        ] {
            assert!(RequestUrl::new("http", Some(bad.as_bytes()), b"/p").is_err(), "{bad:?}");
        }
        assert_eq!(RequestUrl::new("http", None, b"/p"), Err(BadRequest::MissingHost));
        let u = RequestUrl::new("https", Some(b"Cdn.Example.com:8443"), b"/a?b").unwrap();
        assert_eq!(
            (u.host(), u.authority(), u.path(), u.query()),
            ("cdn.example.com", "cdn.example.com:8443", "/a", Some("b"))
        );
        assert_eq!(RequestUrl::new("https", Some(b"[::1]:1"), b"/").unwrap().host(), "[::1]");
    }

    #[test]
    fn absolute_form_uses_its_authority_and_must_agree_with_host() {
        let abs = b"http://CDN.example.com/private/x?y";
        let u = RequestUrl::new("https", None, abs).unwrap();
        assert_eq!(u.as_str(), "https://cdn.example.com/private/x?y");
        assert_eq!(RequestUrl::new("https", Some(b"cdn.EXAMPLE.com"), abs).unwrap(), u);
        for other in [&b"evil.example.com"[..], b"cdn.example.com:80", b"cdn.example.com/private/"] {
            assert_eq!(RequestUrl::new("https", Some(other), abs), Err(BadRequest::ConflictingHost));
        }
        assert!(RequestUrl::new("https", None, b"http://user@cdn/x").is_err());
        // Userinfo is refused for itself, also beside a Host header naming the same host.
        for with_userinfo in [
            &b"http://u@cdn.example.com/x"[..],
            b"http://u:p@cdn.example.com/x",
            b"http://@cdn.example.com/x",
        ] {
            for host in [None, Some(&b"cdn.example.com"[..]), Some(b"u@cdn.example.com")] {
                assert!(
                    matches!(
                        RequestUrl::new("https", host, with_userinfo),
                        Err(BadRequest::InvalidHost { .. })
                    ),
                    "{:?}",
                    String::from_utf8_lossy(with_userinfo)
                );
            }
        }
        assert!(RequestUrl::new("https", None, b"http://cdn#x/y").is_err());
        assert!(RequestUrl::new("https", None, b"http:///x").is_err());
        assert_eq!(
            RequestUrl::new("https", None, b"HTTPS://cdn//x"),
            Err(BadRequest::EmptySegment { at: 12 })
        );
    }

    /// What `ServeDir` (and any origin that percent-decodes, then splits on `/` and drops `.`
    /// and empty segments) opens for a path.
    fn decoding_origin_reads(path: &[u8]) -> Option<Vec<Vec<u8>>> {
        let decoded = cfsign::wire::percent_decode(path);
        let mut out = Vec::new();
        for segment in decoded.split(|&b| b == b'/') {
            match segment {
                b"" | b"." => {}
                b".." => return None,
                s => out.push(s.to_vec()),
            }
        }
        Some(out)
    }

    #[test]
    fn every_accepted_path_is_read_by_a_decoding_origin_segment_for_segment() {
        // Every path of up to three bytes from an alphabet of the interesting ones, and every
        // %XX: an accepted path's segments decode one to one to what the origin opens.
        let alphabet: Vec<&[u8]> = Vec::from([
            &b"/"[..],
            b".",
            b"a",
            b"%",
            b"2",
            b"F",
            b"f",
            b"E",
            b"%2F",
            b"%2E",
            b"%2e",
            b"%20",
            b"%5C",
            b"%41",
            b"%00",
            b"\\",
            b"!",
        ]);
        let mut accepted = 0;
        for a in &alphabet {
            for b in &alphabet {
                for c in &alphabet {
                    let path = [&b"/"[..], a, b, c].concat();
                    if let Ok(u) = RequestUrl::new("http", Some(b"h"), &path) {
                        accepted += 1;
                        let gate: Vec<Vec<u8>> = u.path()[1..]
                            .split('/')
                            .filter(|s| !s.is_empty())
                            .map(|s| decoding_origin_reads(s.as_bytes()).unwrap().concat())
                            .collect();
                        assert_eq!(
                            decoding_origin_reads(&path),
                            Some(gate),
                            "{}",
                            String::from_utf8_lossy(&path)
                        );
                    }
                }
            }
        }
        assert!(accepted > 100, "{accepted}");
        // And the normal form is one spelling per decoded path: all 256 bytes, once each.
        let spellings: Vec<u8> = (0..=255u8)
            .filter(|&b| {
                let raw = [b'/', b];
                let enc = format!("/%{b:02X}");
                // A raw '?' starts the query: it is not a path byte.
                let ok_raw = b != b'?' && RequestUrl::new("http", Some(b"h"), &raw).is_ok();
                let ok_enc = RequestUrl::new("http", Some(b"h"), enc.as_bytes()).is_ok();
                assert!(!(ok_raw && ok_enc), "byte {b:#x} has two spellings");
                ok_raw || ok_enc
            })
            .collect();
        // Every byte but NUL, '/', '\\' and '.' (a one-byte '.' segment) is expressible.
        assert_eq!(spellings.len(), 256 - 4);
    }
}

//! Policy JSON: exact serialisation and a lenient, panic-free parser.
//!
//! The parser accepts any JSON that encodes the one-statement policy shape — any key order,
//! insignificant whitespace, every escape including `\uXXXX` and surrogate pairs — because the
//! AWS SDKs all serialise differently (docs/cloudfront-format.md §1). It refuses everything else:
//! unknown or duplicate keys, more than one statement, missing `DateLessThan`, non-integer or
//! negative epochs, invalid UTF-8, trailing bytes, nesting deeper than the policy shape allows.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use super::{CustomPolicy, SourceIp};
use crate::{EpochSeconds, Error};

/// Writes `s` as a JSON string literal: quotes, backslashes and control characters escaped,
/// `/` and non-ASCII left as they are.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f | 0x7f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The one place a policy's bytes are written (docs/cloudfront-format.md §1): no whitespace,
/// conditions in the order `DateLessThan, DateGreaterThan, IpAddress`. A canned policy is the
/// same text with a resource and `DateLessThan` only.
pub(crate) fn write_policy(out: &mut String, p: PolicyParts<'_>) {
    out.push_str("{\"Statement\":[{");
    if let Some(r) = p.resource {
        out.push_str("\"Resource\":");
        write_string(out, r);
        out.push(',');
    }
    let _ =
        write!(out, "\"Condition\":{{\"DateLessThan\":{{\"AWS:EpochTime\":{}}}", p.date_less_than.as_secs());
    if let Some(t) = p.date_greater_than {
        let _ = write!(out, ",\"DateGreaterThan\":{{\"AWS:EpochTime\":{}}}", t.as_secs());
    }
    if let Some(ip) = p.source_ip {
        let _ = write!(out, ",\"IpAddress\":{{\"AWS:SourceIp\":\"{ip}\"}}");
    }
    out.push_str("}}]}");
}

/// What a policy's bytes say, borrowed.
#[derive(Clone, Copy)]
pub(crate) struct PolicyParts<'a> {
    pub(crate) resource: Option<&'a str>,
    pub(crate) date_less_than: EpochSeconds,
    pub(crate) date_greater_than: Option<EpochSeconds>,
    pub(crate) source_ip: Option<&'a SourceIp>,
}

/// Deepest nesting a policy has: object > array > object > object > object.
const MAX_DEPTH: usize = 5;

enum Value<'a> {
    Str(String),
    /// The raw text of a number.
    Num(&'a str),
    Obj(Vec<(String, usize, Value<'a>)>),
    Arr(Vec<(usize, Value<'a>)>),
    Other,
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

fn err(position: usize, reason: &'static str) -> Error {
    Error::MalformedPolicy { position, reason }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8, reason: &'static str) -> Result<(), Error> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(err(self.pos, reason))
        }
    }

    fn value(&mut self, depth: usize) -> Result<(usize, Value<'a>), Error> {
        self.skip_ws();
        let start = self.pos;
        let v = match self.peek() {
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(err(start, "nested deeper than a policy can be"));
                }
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let key_pos = self.pos;
                        if self.peek() != Some(b'"') {
                            return Err(err(key_pos, "expected a quoted key"));
                        }
                        let key = self.string()?;
                        if members.iter().any(|(k, _, _)| *k == key) {
                            return Err(err(key_pos, "duplicate key"));
                        }
                        self.expect(b':', "expected `:` after a key")?;
                        let (_, v) = self.value(depth + 1)?;
                        members.push((key, key_pos, v));
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(err(self.pos, "expected `,` or `}`")),
                        }
                    }
                }
                Value::Obj(members)
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(err(start, "nested deeper than a policy can be"));
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(err(self.pos, "expected `,` or `]`")),
                        }
                    }
                }
                Value::Arr(items)
            }
            Some(b'"') => Value::Str(self.string()?),
            Some(b'-' | b'0'..=b'9') => Value::Num(self.number()?),
            Some(_) => {
                for lit in ["true", "false", "null"] {
                    if self.text[self.pos..].starts_with(lit) {
                        self.pos += lit.len();
                        return Ok((start, Value::Other));
                    }
                }
                return Err(err(start, "expected a JSON value"));
            }
            None => return Err(err(start, "unexpected end of policy")),
        };
        Ok((start, v))
    }

    fn number(&mut self) -> Result<&'a str, Error> {
        let start = self.pos;
        let b = self.text.as_bytes();
        let digits = |p: &mut usize| {
            let s = *p;
            while b.get(*p).is_some_and(u8::is_ascii_digit) {
                *p += 1;
            }
            *p - s
        };
        let mut p = self.pos;
        if b.get(p) == Some(&b'-') {
            p += 1;
        }
        let int_start = p;
        let n = digits(&mut p);
        if n == 0 || (n > 1 && b[int_start] == b'0') {
            return Err(err(start, "invalid number"));
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            if digits(&mut p) == 0 {
                return Err(err(start, "invalid number"));
            }
        }
        if let Some(b'e' | b'E') = b.get(p) {
            p += 1;
            if let Some(b'+' | b'-') = b.get(p) {
                p += 1;
            }
            if digits(&mut p) == 0 {
                return Err(err(start, "invalid number"));
            }
        }
        self.pos = p;
        Ok(&self.text[start..p])
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let s = self.text.get(self.pos..self.pos + 4).ok_or(err(self.pos, "truncated \\u escape"))?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(err(self.pos, "invalid \\u escape"));
        }
        self.pos += 4;
        u32::from_str_radix(s, 16).map_err(|_| err(self.pos, "invalid \\u escape"))
    }

    /// A string literal; `self.pos` is at the opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let stop = rest
                .find(|c: char| c == '"' || c == '\\' || c < ' ')
                .ok_or(err(self.text.len(), "unterminated string"))?;
            out.push_str(&rest[..stop]);
            self.pos += stop;
            let at = self.pos;
            match self.text.as_bytes()[at] {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let c = self.peek().ok_or(err(at, "unterminated escape"))?;
                    self.pos += 1;
                    let decoded = match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) {
                                if !self.text[self.pos..].starts_with("\\u") {
                                    return Err(err(at, "unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(err(at, "unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or(err(at, "unpaired surrogate in \\u escape"))?
                        }
                        _ => return Err(err(at, "invalid escape")),
                    };
                    out.push(decoded);
                }
                _ => return Err(err(at, "control character in string")),
            }
        }
    }
}

fn fields<'a, 'v>(
    v: (usize, &'v Value<'a>),
    allowed: &[&str],
    what: &'static str,
) -> Result<&'v [(String, usize, Value<'a>)], Error> {
    let Value::Obj(members) = v.1 else { return Err(err(v.0, what)) };
    if let Some((_, pos, _)) = members.iter().find(|(k, _, _)| !allowed.contains(&k.as_str())) {
        return Err(err(*pos, "unknown key"));
    }
    Ok(members)
}

fn get<'v, 'a>(members: &'v [(String, usize, Value<'a>)], key: &str) -> Option<(usize, &'v Value<'a>)> {
    members.iter().find(|(k, _, _)| k == key).map(|(_, pos, v)| (*pos, v))
}

fn epoch(v: (usize, &Value<'_>)) -> Result<EpochSeconds, Error> {
    const WHAT: &str = "expected {\"AWS:EpochTime\": <seconds>}";
    let m = fields(v, &["AWS:EpochTime"], WHAT)?;
    let (pos, t) = get(m, "AWS:EpochTime").ok_or(err(v.0, WHAT))?;
    match t {
        Value::Num(n) => match crate::wire::parse_epoch(n.as_bytes()) {
            Some(t) => Ok(t),
            None if n.bytes().all(|b| b.is_ascii_digit()) => Err(err(pos, "AWS:EpochTime is too large")),
            None => Err(err(pos, "AWS:EpochTime must be a non-negative whole number of seconds")),
        },
        _ => Err(err(pos, "AWS:EpochTime must be a non-negative whole number of seconds")),
    }
}

pub(crate) fn parse(bytes: &[u8]) -> Result<CustomPolicy, Error> {
    let text = core::str::from_utf8(bytes).map_err(|e| err(e.valid_up_to(), "policy is not valid UTF-8"))?;
    let mut parser = Parser { text, pos: 0 };
    let root = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != text.len() {
        return Err(err(parser.pos, "unexpected bytes after the policy"));
    }
    let top = fields((root.0, &root.1), &["Statement"], "policy must be a JSON object")?;
    let (pos, statements) = get(top, "Statement").ok_or(err(0, "missing \"Statement\""))?;
    let Value::Arr(items) = statements else {
        return Err(err(pos, "\"Statement\" must be an array"));
    };
    let [(spos, statement)] = items.as_slice() else {
        return Err(err(pos, "a policy must hold exactly one statement"));
    };
    let st = fields((*spos, statement), &["Resource", "Condition"], "statement must be an object")?;
    let resource = match get(st, "Resource") {
        None => None,
        Some((_, Value::Str(s))) => Some(s.clone()),
        Some((p, _)) => return Err(err(p, "\"Resource\" must be a string")),
    };
    let (cpos, cond) = get(st, "Condition").ok_or(err(*spos, "missing \"Condition\""))?;
    let cond = fields(
        (cpos, cond),
        &["DateLessThan", "DateGreaterThan", "IpAddress"],
        "\"Condition\" must be an object",
    )?;
    let date_less_than = epoch(get(cond, "DateLessThan").ok_or(err(cpos, "missing \"DateLessThan\""))?)?;
    let date_greater_than = get(cond, "DateGreaterThan").map(epoch).transpose()?;
    let source_ip = match get(cond, "IpAddress") {
        None => None,
        Some(v) => {
            const WHAT: &str = "expected {\"AWS:SourceIp\": \"a.b.c.d/n\"}";
            let m = fields(v, &["AWS:SourceIp"], WHAT)?;
            match get(m, "AWS:SourceIp") {
                Some((p, Value::Str(s))) => {
                    Some(SourceIp::parse_lenient(s).map_err(|_| err(p, "invalid AWS:SourceIp"))?)
                }
                _ => return Err(err(v.0, WHAT)),
            }
        }
    };
    Ok(CustomPolicy { resource, date_less_than, date_greater_than, source_ip })
}

//! Everything the commands write goes through here, under two rules:
//!
//! - **A reader that stops early is not an error.** `cfsign decode "$URL" | head -c1` closes
//!   the pipe before decode is done; the command then ends quietly with the status it would
//!   have had had its output been read — for `verify`, its decision (0 allowed, 1 denied) —
//!   the way `grep -q` and `head` expect their writers to behave. Any other failure to write
//!   (a full disk) is an error: one line on stderr, exit status 2.
//! - **No control character reaches the terminal.** URLs and cookies come from logs and
//!   strangers; a `%1B` in a `Key-Pair-Id` or a `\u001b` in a policy's `Resource` must not
//!   move the cursor, rewrite lines or hide the warnings that follow. Text output shows every
//!   control character except the line feed — C0, DEL, C1, and the Unicode characters that
//!   reorder or separate lines — escaped as `\u{1b}`; JSON output escapes them as JSON does
//!   (`\u001b`).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{ErrorKind, Write as _};
use std::process::ExitCode;

/// Why a command stopped before its end.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A usage or input error, or a failed write: one line on stderr, exit status 2.
    Error(String),
    /// Whoever read stdout has gone away: nothing more to say to anyone.
    ReaderGone,
}

impl From<String> for Stop {
    fn from(message: String) -> Self {
        Stop::Error(message)
    }
}

impl From<&str> for Stop {
    fn from(message: &str) -> Self {
        Stop::Error(message.to_owned())
    }
}

/// Writes `text` to stdout, control characters escaped.
pub(crate) fn print(text: &str) -> Result<(), Stop> {
    write_stdout(&escape_controls(text))
}

/// Writes `value` to stdout as pretty JSON and a line feed.
pub(crate) fn print_json(value: &serde_json::Value) -> Result<(), Stop> {
    let json = serde_json::to_string_pretty(value).map_err(|e| format!("cannot write JSON: {e}"))?;
    write_stdout(&format!("{}\n", escape_json_controls(&json)))
}

/// Writes `value` to stdout as JSON on one line.
pub(crate) fn print_json_line(value: &serde_json::Value) -> Result<(), Stop> {
    write_stdout(&format!("{}\n", escape_json_controls(&value.to_string())))
}

/// The exit status `code` once `written` is done, even when the reader has gone away: for
/// commands whose status means something on its own (`verify`'s decision).
pub(crate) fn keeping(code: ExitCode, written: Result<(), Stop>) -> Result<ExitCode, Stop> {
    match written {
        Ok(()) | Err(Stop::ReaderGone) => Ok(code),
        Err(error) => Err(error),
    }
}

/// Writes `text` to stderr, control characters escaped. A stderr nobody reads any more is
/// ignored: there is nowhere else to say anything.
pub(crate) fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(escape_controls(text).as_bytes());
}

fn write_stdout(text: &str) -> Result<(), Stop> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Stop::ReaderGone),
        Err(e) => Err(Stop::Error(format!("cannot write to stdout: {e}"))),
    }
}

/// Whether `c` may not reach a terminal as itself: every control character but the line
/// feed, and the characters that reorder text or break lines without looking like it
/// (bidirectional marks, embeddings, overrides and isolates; line and paragraph separators).
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether [`print`] would show anything of `text` escaped.
pub(crate) fn has_controls(text: &str) -> bool {
    text.chars().any(is_unsafe)
}

/// `text` with every [unsafe](is_unsafe) character written `\u{…}`, as Rust writes it.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !has_controls(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with the unsafe characters serde_json leaves as they are (DEL, C1, bidirectional
/// and separator characters) escaped as `\uXXXX`. They can only stand inside strings (JSON's
/// own syntax is printable ASCII), so the result is the same JSON value.
fn escape_json_controls(json: &str) -> Cow<'_, str> {
    if !has_controls(json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) {
            // All of them are in the Basic Multilingual Plane: one `\u` escape each.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{escape_controls, escape_json_controls};

    #[test]
    fn controls_are_shown_escaped_and_the_rest_untouched() {
        assert_eq!(escape_controls("K2JC\u{1b}[2J\u{1b}[1;1H"), "K2JC\\u{1b}[2J\\u{1b}[1;1H");
        assert_eq!(escape_controls("a\rb\u{7}\u{7f}\u{9b}c\td"), "a\\u{d}b\\u{7}\\u{7f}\\u{9b}c\\u{9}d");
        assert_eq!(escape_controls("evil\u{202e}gpj.exe\u{2028}"), "evil\\u{202e}gpj.exe\\u{2028}");
        assert_eq!(escape_controls("line one\nline two é ✓"), "line one\nline two é ✓");
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({ "id": "a\u{7f}b\u{9b}c\u{202e}d\u{1b}" });
        let json = serde_json::to_string_pretty(&value).unwrap();
        let escaped = escape_json_controls(&json);
        assert!(!super::has_controls(&escaped), "{escaped}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&escaped).unwrap(), value);
    }
}

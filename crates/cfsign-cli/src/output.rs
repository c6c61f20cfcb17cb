//! Everything the commands write goes through here, under two rules:
//!
//! - **A reader that stops early is not an error.** `cfsign decode "$URL" | head -c1` closes
//!   the pipe before decode is done; the command then ends quietly with the status it would
//!   have had had its output been read — for `verify`, its decision (0 allowed, 1 denied) —
//!   the way `grep -q` and `head` expect their writers to behave. Any other failure to write
//!   (a full disk) is an error: one line on stderr, exit status 2.
//! - **Nothing from the input steers the terminal.** URLs and cookies come from logs and
//!   strangers; a `%1B` in a `Key-Pair-Id` or a `\u001b` in a policy's `Resource` must not move
//!   the cursor, rewrite lines or hide the warnings that follow, and a `%0A` must not start a
//!   line that looks like the command's own. A value from the input is written through
//!   [`field`], which escapes every control character — the line feed included — and the
//!   Unicode characters that reorder or separate lines, as `\u{1b}`; a whole text is checked
//!   again on its way out ([`print`], [`eprint`]), where only the line feeds the command
//!   itself wrote pass. JSON output escapes them as JSON does (`\u001b`).

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

/// Writes `text` (lines the command composed, values in them through [`field`]) to stdout.
pub(crate) fn print(text: &str) -> Result<(), Stop> {
    write_stdout(&escape(text, Keep::LineFeeds))
}

/// Writes a file the command made (a signed playlist) to stdout byte for byte, as `cat` would:
/// it is meant for a file or a pipe, and escaping would change it. Its errors (the messages
/// about the input) still go through [`field`].
pub(crate) fn write_file(contents: &str) -> Result<(), Stop> {
    write_stdout(contents)
}

/// Writes `value` to stdout as pretty JSON and a line feed.
pub(crate) fn print_json(value: &serde_json::Value) -> Result<(), Stop> {
    let json = serde_json::to_string_pretty(value).map_err(|e| format!("cannot write JSON: {e}"))?;
    write_stdout(&format!("{}\n", escape_json(&json)))
}

/// Writes `value` to stdout as JSON on one line.
pub(crate) fn print_json_line(value: &serde_json::Value) -> Result<(), Stop> {
    write_stdout(&format!("{}\n", escape_json(&value.to_string())))
}

/// The exit status `code` once `written` is done, even when the reader has gone away: for
/// commands whose status means something on its own (`verify`'s decision).
pub(crate) fn keeping(code: ExitCode, written: Result<(), Stop>) -> Result<ExitCode, Stop> {
    match written {
        Ok(()) | Err(Stop::ReaderGone) => Ok(code),
        Err(error) => Err(error),
    }
}

/// How a command ends: its exit code, or for an error one line on stderr and exit status 2.
pub(crate) fn finish(result: Result<ExitCode, Stop>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(Stop::ReaderGone) => ExitCode::SUCCESS,
        Err(Stop::Error(message)) => {
            error(&message);
            ExitCode::from(2)
        }
    }
}

/// `cfsign: message` as one line on stderr, whatever `message` holds.
pub(crate) fn error(message: &str) {
    eprint(&format!("cfsign: {}\n", field(message)));
}

/// Writes `text` (lines the command composed) to stderr. A stderr nobody reads any more is
/// ignored: there is nowhere else to say anything.
pub(crate) fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(escape(text, Keep::LineFeeds).as_bytes());
}

fn write_stdout(text: &str) -> Result<(), Stop> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Stop::ReaderGone),
        Err(e) => Err(Stop::Error(format!("cannot write to stdout: {e}"))),
    }
}

/// A value from the input, to stand inside a line: every control character (the line feed
/// too) and every character that reorders or separates text written `\u{…}`, as Rust writes
/// it. Borrowed when there was nothing to escape.
pub(crate) fn field(value: &str) -> Cow<'_, str> {
    escape(value, Keep::Nothing)
}

/// Whether [`print`] would show anything of `text` (a whole text) escaped.
pub(crate) fn escapes(text: &str) -> bool {
    matches!(escape(text, Keep::LineFeeds), Cow::Owned(_))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Whole texts: the line feeds that separate their lines.
    LineFeeds,
    /// Values: nothing.
    Nothing,
}

/// Whether `c` may not reach a terminal as itself: a control character, or a character that
/// reorders text or breaks lines without looking like it (bidirectional marks, embeddings,
/// overrides and isolates; line and paragraph separators).
fn is_unsafe(c: char, keep: Keep) -> bool {
    (c.is_control() && !(c == '\n' && keep == Keep::LineFeeds))
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

fn escape(text: &str, keep: Keep) -> Cow<'_, str> {
    escape_with(text, keep, |out, c| write!(out, "\\u{{{c:x}}}"))
}

/// JSON text with the unsafe characters serde_json leaves as they are (DEL, C1, bidirectional
/// and separator characters) escaped as `\uXXXX`. They can only stand inside strings (JSON's
/// own syntax is printable ASCII, and serde_json escapes the line feeds inside strings), so
/// the result is the same JSON value.
fn escape_json(json: &str) -> Cow<'_, str> {
    // All of them are in the Basic Multilingual Plane: one `\u` escape each.
    escape_with(json, Keep::LineFeeds, |out, c| write!(out, "\\u{c:04x}"))
}

fn escape_with(text: &str, keep: Keep, escape: fn(&mut String, u32) -> std::fmt::Result) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c, keep)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c, keep) {
            // Writing to a String cannot fail.
            let _ = escape(&mut out, u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{Keep, escape, escape_json, field};

    #[test]
    fn values_are_shown_escaped_and_the_rest_untouched() {
        assert_eq!(field("K2JC\u{1b}[2J\u{1b}[1;1H"), "K2JC\\u{1b}[2J\\u{1b}[1;1H");
        assert_eq!(field("a\rb\u{7}\u{7f}\u{9b}c\td"), "a\\u{d}b\\u{7}\\u{7f}\\u{9b}c\\u{9}d");
        assert_eq!(field("evil\u{202e}gpj.exe\u{2028}"), "evil\\u{202e}gpj.exe\\u{2028}");
        assert_eq!(field("KZQ\ndenied: nothing"), "KZQ\\u{a}denied: nothing");
        assert_eq!(field("line two é ✓"), "line two é ✓");
        // A whole text keeps the line feeds between its lines.
        assert_eq!(escape("one\ntwo\u{1b}\n", Keep::LineFeeds), "one\ntwo\\u{1b}\n");
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({ "id": "a\u{7f}b\u{9b}c\u{202e}d\u{1b}e\nf" });
        let json = serde_json::to_string_pretty(&value).unwrap();
        let escaped = escape_json(&json);
        assert!(!escaped.chars().any(|c| c.is_control() && c != '\n'), "{escaped}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&escaped).unwrap(), value);
    }
}

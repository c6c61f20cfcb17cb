//! `cargo xtask doc-pointers`: the code points to the rules it implements as
//! `docs/<page>.md §N` (several as `docs/<page>.md §4–§6`, `§4, §5` or `§1 and §7`). Each such pointer must name a
//! heading `## §N …` of that page, so a reader who follows it finds the rule. A section sign
//! written any other way is refused: outside sources (RFCs, AWS pages) are cited by the
//! sections of `docs/cloudfront-format.md`, not by the code.

use std::path::{Path, PathBuf};

use crate::cmd::root;

/// Where the code lives (xtask itself is left out: this file describes the syntax).
const SCANNED: [&str; 4] = ["crates", "examples", "benches", "fuzz/fuzz_targets"];

pub fn check() -> Result<(), String> {
    let root = root();
    let mut files = Vec::new();
    for dir in SCANNED {
        rust_and_markdown_files(&root.join(dir), &mut files);
    }
    let (mut pointers, mut problems) = (0, Vec::new());
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let shown = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        for (n, line) in text.lines().enumerate() {
            for pointer in pointers_in(line) {
                pointers += 1;
                let problem = match pointer {
                    Ok((page, section)) if has_section(&root, page, section) => continue,
                    Ok((page, section)) => format!("{page} has no section §{section}"),
                    Err(text) => format!("`{text}`: not written as docs/<page>.md §N"),
                };
                problems.push(format!("{shown}:{}: {problem}", n + 1));
            }
        }
    }
    if problems.is_empty() {
        eprintln!("doc-pointers: {pointers} § pointers in {} files, all resolve in docs/", files.len());
        Ok(())
    } else {
        Err(format!("§ pointers that do not resolve:\n  {}", problems.join("\n  ")))
    }
}

/// Every `§` of a line as `(page, section number)`, or the text around it when it does not
/// follow `docs/<page>.md ` or continue such a pointer (`§4–§6`, `§4, §5`, `§1 and §7`).
fn pointers_in(line: &str) -> Vec<Result<(&str, &str), &str>> {
    let mut out = Vec::new();
    let mut page: Option<&str> = None;
    for (at, _) in line.match_indices('§') {
        let before = &line[..at];
        let after = &line[at + '§'.len_utf8()..];
        let number = &after[..after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len())];
        let named = before.strip_suffix(".md ").and_then(|b| b.rfind("docs/").map(|s| &before[s..at - 1]));
        let continued = page.filter(|_| ["–", ", ", " and "].iter().any(|s| before.ends_with(s)));
        match named.or(continued) {
            Some(p) if !number.is_empty() => {
                page = Some(p);
                out.push(Ok((p, number)));
            }
            _ => out.push(Err(around(line, at))),
        }
    }
    out
}

/// Up to 30 characters before byte `at` and 40 from there on, cut at character boundaries
/// (lines hold `–`, `§` and other multibyte characters).
fn around(line: &str, at: usize) -> &str {
    let start = line[..at].char_indices().rev().nth(29).map_or(0, |(i, _)| i);
    let rest = &line[start..];
    let end = rest.char_indices().nth(40).map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

/// Whether `page` has a heading whose text starts with `§N `.
fn has_section(root: &Path, page: &str, number: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(root.join(page)) else { return false };
    let wanted = format!("§{number} ");
    text.lines().any(|l| l.starts_with('#') && l.trim_start_matches('#').trim_start().starts_with(&wanted))
}

fn rust_and_markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") {
                rust_and_markdown_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs" || e == "md") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pointers_in;

    #[test]
    fn pointers_are_read_as_written() {
        assert_eq!(
            pointers_in("x (docs/cloudfront-format.md §6)."),
            [Ok(("docs/cloudfront-format.md", "6"))]
        );
        assert_eq!(
            pointers_in("//! epochs (docs/cloudfront-format.md §4–§6)."),
            [Ok(("docs/cloudfront-format.md", "4")), Ok(("docs/cloudfront-format.md", "6"))]
        );
        assert_eq!(pointers_in("`docs/verifying.md §2` in"), [Ok(("docs/verifying.md", "2"))]);
        assert_eq!(
            pointers_in("(docs/cloudfront-format.md §1 and §7, §9)"),
            [
                Ok(("docs/cloudfront-format.md", "1")),
                Ok(("docs/cloudfront-format.md", "7")),
                Ok(("docs/cloudfront-format.md", "9"))
            ]
        );
        assert!(pointers_in("(RFC 6265 §5.2)")[0].is_err());
        // Multibyte characters anywhere around a `§` that is not a pointer: quoted, never cut.
        for filler in ["", "é", "–", "§", "日本", "🦀"] {
            for n in 0..45 {
                let line = format!("{}RFC §2{}", filler.repeat(n), filler.repeat(n));
                let quoted: Vec<&str> = pointers_in(&line).into_iter().map(Result::unwrap_err).collect();
                assert!(
                    quoted.iter().all(|q| line.contains(q) && q.chars().count() <= 70),
                    "{line}: {quoted:?}"
                );
                assert!(quoted.iter().any(|q| q.contains("RFC §2")), "{line}: {quoted:?}");
            }
        }
        assert!(pointers_in("RFC 6265 §5.2 and §4.1")[1].is_err());
        assert!(pointers_in("example of its §7")[0].is_err());
        assert!(pointers_in("docs/cloudfront-format.md §").first().is_some_and(Result::is_err));
        assert!(pointers_in("no section sign here").is_empty());
    }
}

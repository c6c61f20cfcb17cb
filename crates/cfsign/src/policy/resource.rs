//! Resources: validation of URLs and URL patterns, and CloudFront's matching rules
//! (docs/cloudfront-format.md §1 and §7).

use alloc::string::ToString;

use crate::{Error, ResourceUse};

/// What a resource string is used as.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// A canned policy's URL: `http`/`https`, no `*`.
    Canned,
    /// A concrete URL the signing parameters are appended to: `http`/`https`.
    Url,
    /// A custom policy's pattern.
    Pattern,
}

/// Checks a URL or pattern before it goes into a policy or gets signing parameters.
pub(crate) fn validate(resource: &str, kind: Use) -> Result<(), Error> {
    if resource.is_empty() {
        return Err(Error::EmptyResource);
    }
    if let Some((position, &byte)) =
        resource.as_bytes().iter().enumerate().find(|&(_, &b)| !(b'!'..=b'~').contains(&b))
    {
        return Err(Error::InvalidResourceByte { position, byte });
    }
    if resource.contains('#') {
        return Err(Error::FragmentInUrl);
    }
    check_scheme(resource, kind)?;
    if kind == Use::Canned && resource.contains('*') {
        return Err(Error::WildcardInCannedPolicy);
    }
    if let Some(p) = crate::wire::signing_parameter_in(resource) {
        return Err(Error::SigningParameterInUrl { name: p.query_name() });
    }
    Ok(())
}

fn check_scheme(resource: &str, kind: Use) -> Result<(), Error> {
    let canned = kind != Use::Pattern;
    match split_scheme(resource).map(|(scheme, _)| scheme) {
        Some("http" | "https") => Ok(()),
        Some("*" | "http*") if !canned => Ok(()),
        // `*example.com/…` and `*` alone: a host pattern without a scheme
        // (docs/cloudfront-format.md §7).
        None if !canned && resource.starts_with('*') => Ok(()),
        _ => {
            let found = resource.get(..resource.len().min(16)).unwrap_or(resource).to_string();
            let used_as = match kind {
                Use::Canned => ResourceUse::CannedPolicy,
                Use::Url => ResourceUse::SignedUrl,
                Use::Pattern => ResourceUse::CustomPolicy,
            };
            Err(Error::UnsupportedScheme { found, used_as })
        }
    }
}

/// Whether `url` (the raw request URL, `scheme://host/path?query`) is covered by the policy
/// resource `pattern`, following CloudFront's rules (docs/cloudfront-format.md §7):
///
/// - pattern and URL are compared section by section — scheme `://` host `/` path `?` query —
///   as raw text, never decoded;
/// - `*` matches zero or more characters and `?` exactly one, within a section; since sections
///   are split at the first `?` in both, a `?` wildcard is only possible in the host or query;
/// - a trailing `*` in the path also matches any query; a trailing `*` in the host (a pattern
///   with no path) also matches any path and query;
/// - a pattern may omit the scheme when its host starts with `*` (`*example.com/…`); `*`
///   alone matches everything; the scheme may be `http`, `https`, `*` or `http*`.
///
/// Matching takes time proportional to the product of the section lengths at worst, never
/// exponential, whatever the number of `*`.
///
/// ```
/// use cfsign::resource_matches;
/// assert!(resource_matches("https://cdn.example.com/videos/*", "https://cdn.example.com/videos/a.mp4?x=1"));
/// assert!(!resource_matches("https://cdn.example.com/videos/*.mp4", "https://cdn.example.com/videos/a.mp4?x=1"));
/// assert!(resource_matches("*://*.example.com/*", "http://cdn.example.com/a"));
/// ```
#[must_use]
pub fn resource_matches(pattern: &str, url: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((u_scheme, u_rest)) = split_scheme(url) else { return false };
    let p_rest = match split_scheme(pattern) {
        Some((p_scheme, rest)) => {
            if !glob(p_scheme.as_bytes(), u_scheme.as_bytes()) {
                return false;
            }
            rest
        }
        None if pattern.starts_with('*') => pattern,
        None => return false,
    };
    let (u_host, u_path_query) = split_host(u_rest);
    let (p_host, p_path_query) = split_host(p_rest);
    if !glob(p_host.as_bytes(), u_host.as_bytes()) {
        return false;
    }
    if p_path_query.is_empty() {
        return u_path_query.is_empty() || p_host.ends_with('*');
    }
    let (u_path, u_query) = split_query(u_path_query);
    let (p_path, p_query) = split_query(p_path_query);
    if !glob(p_path.as_bytes(), u_path.as_bytes()) {
        return false;
    }
    match (p_query, u_query) {
        (None, None) => true,
        (None, Some(_)) => p_path.ends_with('*'),
        (Some(_), None) => false,
        (Some(p), Some(u)) => glob(p.as_bytes(), u.as_bytes()),
    }
}

/// The host section (with any port) and the path section (without the query) of a URL or
/// pattern, split as [`resource_matches`] splits them.
pub(crate) fn host_and_path(s: &str) -> (&str, &str) {
    let rest = split_scheme(s).map_or(s, |(_, rest)| rest);
    let (host, path_query) = split_host(rest);
    (host, split_query(path_query).0)
}

/// `scheme://rest`, when `://` comes before any `/`: that is, when the first `/` follows a
/// `:` and precedes another `/` (a byte search, not a substring search: this runs for every
/// URL a playlist signs).
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let slash = s.find('/')?;
    let colon = slash.checked_sub(1)?;
    let bytes = s.as_bytes();
    (bytes[colon] == b':' && bytes.get(slash + 1) == Some(&b'/')).then(|| (&s[..colon], &s[slash + 2..]))
}

/// `host` and what follows it (starting with `/` or `?`, or empty).
fn split_host(s: &str) -> (&str, &str) {
    let end = s.find(['/', '?']).unwrap_or(s.len());
    s.split_at(end)
}

fn split_query(s: &str) -> (&str, Option<&str>) {
    match s.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (s, None),
    }
}

/// Wildcard match of a whole `text` by `pattern`: `*` matches any run of bytes, `?` exactly
/// one; everything else literally (case-sensitive). Linear-time for literal segments, without
/// backtracking. This is also how CloudFront matches cache-behaviour path patterns.
///
/// ```
/// assert!(cfsign::policy::wildcard_match("/images/*.jpg", "/images/a/b.jpg"));
/// assert!(!cfsign::policy::wildcard_match("/images/?.jpg", "/images/ab.jpg"));
/// ```
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    glob(pattern.as_bytes(), text.as_bytes())
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    glob_counted(pattern, text, &mut 0)
}

/// [`glob`], adding the number of elementary steps taken to `steps`.
///
/// Segment-greedy: the pattern is split at `*` into segments; the first must match at the
/// start, the last at the end, and each middle one at its leftmost occurrence after the
/// previous one (for `*`/`?` globs the leftmost occurrence is always a safe choice, so there
/// is no backtracking). Literal segments are found with `memchr::memmem` (linear); segments
/// holding `?` with a bit-parallel scan, linear for segments up to 64 bytes and
/// O(text × segment / 64) beyond.
pub(crate) fn glob_counted(pattern: &[u8], text: &[u8], steps: &mut usize) -> bool {
    let (Some(first_star), Some(last_star)) =
        (pattern.iter().position(|&c| c == b'*'), pattern.iter().rposition(|&c| c == b'*'))
    else {
        // No `*`: the whole text must match the single segment.
        *steps += text.len();
        return pattern.len() == text.len() && at(pattern, text);
    };
    let (first, last) = (&pattern[..first_star], &pattern[last_star + 1..]);
    if first.len() + last.len() > text.len() {
        return false;
    }
    *steps += first.len() + last.len();
    let end = text.len() - last.len();
    if !at(first, text) || !at(last, &text[end..]) {
        return false;
    }
    let mut pos = first.len();
    for seg in pattern[first_star..last_star].split(|&c| c == b'*').filter(|s| !s.is_empty()) {
        match find(seg, &text[pos..end], steps) {
            Some(i) => pos += i + seg.len(),
            None => return false,
        }
    }
    true
}

/// Whether `seg` (no `*`) matches the start of `text`.
fn at(seg: &[u8], text: &[u8]) -> bool {
    seg.len() <= text.len() && seg.iter().zip(text).all(|(&p, &t)| p == b'?' || p == t)
}

/// Leftmost occurrence of `seg` (no `*`, possibly `?`) in `text`.
fn find(seg: &[u8], text: &[u8], steps: &mut usize) -> Option<usize> {
    if seg.len() > text.len() {
        return None;
    }
    if !seg.contains(&b'?') {
        let found = memchr::memmem::find(text, seg);
        *steps += found.map_or(text.len(), |i| i + seg.len());
        return found;
    }
    if seg.len() <= 64 {
        // Shift-And: bit j of `state` is set when seg[..=j] matches the text ending here.
        let mut masks = [0u64; 256];
        let mut wildcard = 0u64;
        for (j, &c) in seg.iter().enumerate() {
            if c == b'?' {
                wildcard |= 1 << j;
            } else {
                masks[usize::from(c)] |= 1 << j;
            }
        }
        let done = 1u64 << (seg.len() - 1);
        let mut state = 0u64;
        for (i, &c) in text.iter().enumerate() {
            *steps += 1;
            state = ((state << 1) | 1) & (masks[usize::from(c)] | wildcard);
            if state & done != 0 {
                return Some(i + 1 - seg.len());
            }
        }
        return None;
    }
    (0..=text.len() - seg.len()).find(|&i| {
        *steps += seg.len();
        at(seg, &text[i..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The byte search finds what "the first `://`, with no `/` before it" means.
        #[test]
        fn split_scheme_is_the_first_scheme_separator(s in "[a-z:/]{0,12}") {
            let reading = s.find("://").filter(|&i| !s[..i].contains('/')).map(|i| (&s[..i], &s[i + 3..]));
            proptest::prop_assert_eq!(split_scheme(&s), reading);
        }
    }

    #[test]
    fn validation_errors() {
        assert_eq!(validate("", Use::Pattern), Err(Error::EmptyResource));
        assert_eq!(
            validate("https://d.net/caf\u{e9}.jpg", Use::Canned),
            Err(Error::InvalidResourceByte { position: 17, byte: 0xc3 })
        );
        assert_eq!(
            validate("https://d.net/a b", Use::Canned),
            Err(Error::InvalidResourceByte { position: 15, byte: b' ' })
        );
        assert_eq!(
            validate("https://d.net/a\nb", Use::Pattern),
            Err(Error::InvalidResourceByte { position: 15, byte: b'\n' })
        );
        assert_eq!(validate("https://d.net/a#x", Use::Canned), Err(Error::FragmentInUrl));
        assert_eq!(validate("https://d.net/*", Use::Canned), Err(Error::WildcardInCannedPolicy));
        assert!(validate("https://d.net/*", Use::Pattern).is_ok());
        for (url, name) in [
            ("https://d.net/a?Expires=1", "Expires"),
            ("https://d.net/a?x=1&Policy=e30_", "Policy"),
            ("https://d.net/a?Signature", "Signature"),
            ("https://d.net/a?a=b&Key-Pair-Id=K", "Key-Pair-Id"),
            ("https://d.net/a?Hash-Algorithm=SHA256", "Hash-Algorithm"),
        ] {
            assert_eq!(validate(url, Use::Canned), Err(Error::SigningParameterInUrl { name }), "{url}");
        }
        assert!(validate("https://d.net/a?expires=1&MyPolicy=2", Use::Canned).is_ok());
        for bad in ["ftp://d.net/a", "d.net/a", "//d.net/a", "HTTPS://d.net/a"] {
            assert!(matches!(validate(bad, Use::Pattern), Err(Error::UnsupportedScheme { .. })), "{bad}");
        }
        for canned_bad in ["*://d.net/a", "http*://d.net/a"] {
            assert!(matches!(
                validate(canned_bad, Use::Canned),
                Err(Error::UnsupportedScheme { used_as: ResourceUse::CannedPolicy, .. })
            ));
            assert!(validate(canned_bad, Use::Pattern).is_ok());
        }
        assert!(validate("*example.com/a/*", Use::Pattern).is_ok());
        assert!(validate("*", Use::Pattern).is_ok());
    }

    #[test]
    fn matching_examples() {
        let yes = [
            ("https://d.net/image.jpg", "https://d.net/image.jpg"),
            ("https://d.net/images/*", "https://d.net/images/photo1.jpg"),
            ("https://d.net/images/*", "https://d.net/images/a/b.jpg?size=large"),
            ("https://d.net/*game_download.zip*", "https://d.net/example_game_download.zip?license=yes"),
            ("https://d.net/a.jpg?size=*", "https://d.net/a.jpg?size=large"),
            ("https://d.net/a.jpg?size=????e", "https://d.net/a.jpg?size=large"),
            ("https://*.net/a", "https://d.net/a"),
            ("https://d.net*", "https://d.net/a/b?c=d"),
            ("https://d.net*", "https://d.network"),
            ("*://d.net/a", "http://d.net/a"),
            ("http*://d.net/a", "https://d.net/a"),
            ("*d.net/a", "https://d.net/a"),
            ("*", "https://anything/at?all"),
            ("https://d.net/a*b*c", "https://d.net/aXbYc"),
        ];
        for (p, u) in yes {
            assert!(resource_matches(p, u), "{p} should match {u}");
        }
        let no = [
            ("https://d.net/image.jpg", "https://d.net/image.jpg?x=1"),
            ("https://d.net/image.jpg", "http://d.net/image.jpg"),
            ("https://d.net/images/*.jpg", "https://d.net/images/a.jpg?x=1"),
            ("https://d.net/a.jpg?size=*", "https://d.net/a.jpg"),
            ("https://*.net/a", "https://d.com/a"),
            ("https://d.net", "https://d.net/a"),
            ("https://d.net/*", "https://e.net/a"),
            ("http*://d.net/a", "ftp://d.net/a"),
            ("d.net/a", "https://d.net/a"),
            ("https://d.net/a", "not a url"),
            ("https://d.net/%41", "https://d.net/A"),
            ("https://d*/x", "https://d.net/y/x"),
        ];
        for (p, u) in no {
            assert!(!resource_matches(p, u), "{p} should not match {u}");
        }
    }

    #[test]
    fn work_is_linear_in_the_input() {
        // Patterns that make backtracking matchers explode: many `*`, near-misses at the end.
        let cases = [
            (alloc::format!("{}b", "a*".repeat(4000)), "a".repeat(8000)),
            (alloc::format!("*{}*b", "a".repeat(60)), "a".repeat(8000)),
            (alloc::format!("*{}b*", "a?".repeat(30)), "a".repeat(8000)),
            (alloc::format!("{}*{}", "?".repeat(100), "*?".repeat(3000)), "x".repeat(8000)),
            ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b".into(), "a".repeat(8000)),
        ];
        for (pattern, text) in cases {
            let mut steps = 0;
            let matched = glob_counted(pattern.as_bytes(), text.as_bytes(), &mut steps);
            assert!(
                steps <= 2 * (pattern.len() + text.len()),
                "{steps} steps for {} + {} bytes",
                pattern.len(),
                text.len()
            );
            assert_eq!(matched, reference(pattern.as_bytes(), text.as_bytes()));
        }
    }

    /// Dynamic-programming matcher: obviously correct, quadratic.
    fn reference(p: &[u8], t: &[u8]) -> bool {
        let mut row = alloc::vec![false; t.len() + 1];
        row[0] = true;
        for &c in p {
            let mut next = alloc::vec![false; t.len() + 1];
            for j in 0..=t.len() {
                next[j] = match c {
                    b'*' => row[j] || (j > 0 && next[j - 1]),
                    b'?' => j > 0 && row[j - 1],
                    c => j > 0 && row[j - 1] && t[j - 1] == c,
                };
            }
            row = next;
        }
        row[t.len()]
    }

    #[test]
    fn glob_agrees_with_reference() {
        let alphabet = [b'a', b'b', b'?', b'*'];
        // Every pattern up to 5 symbols against every text over {a, b} up to 6 bytes.
        let mut patterns = alloc::vec![alloc::vec![]];
        for _ in 0..5 {
            let longer: alloc::vec::Vec<_> = patterns
                .iter()
                .filter(|p: &&alloc::vec::Vec<u8>| p.len() == patterns.last().map_or(0, |l| l.len()))
                .flat_map(|p| alphabet.iter().map(move |&c| [p.as_slice(), &[c]].concat()))
                .collect();
            patterns.extend(longer);
        }
        let mut texts = alloc::vec![alloc::vec![]];
        for len in 1..=6 {
            for n in 0..(1u32 << len) {
                texts.push((0..len).map(|i| if n >> i & 1 == 1 { b'b' } else { b'a' }).collect());
            }
        }
        for p in &patterns {
            for t in &texts {
                assert_eq!(
                    glob(p, t),
                    reference(p, t),
                    "{:?} {:?}",
                    core::str::from_utf8(p),
                    core::str::from_utf8(t)
                );
            }
        }
    }
}

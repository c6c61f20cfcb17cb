//! RFC 3986 section 5.2: a URI reference resolved against a base URI. Players resolve a
//! playlist's relative URIs this way — the playlist URL's query is not inherited — so this is
//! the URL CloudFront will be asked for, and the one the policy must cover.

/// The five components of a URI (RFC 3986 section 3), borrowed; `None` for an absent one (an
/// empty query `?` is `Some("")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

/// Splits a URI reference by the regular expression of RFC 3986 appendix B.
pub(crate) fn parts(uri: &str) -> Parts<'_> {
    let (rest, fragment) = match uri.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (uri, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let scheme_end = rest.find([':', '/', '?', '#']);
    let (scheme, rest) = match scheme_end {
        Some(at) if at > 0 && rest.as_bytes().get(at) == Some(&b':') => (Some(&rest[..at]), &rest[at + 1..]),
        _ => (None, rest),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    Parts { scheme, authority, path, query, fragment }
}

/// Whether a path holds a `.` or `..` segment.
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| segment == "." || segment == "..")
}

/// RFC 3986 section 5.2.4, written onto `output`. Most paths hold no dot segment: they are
/// copied as they are.
fn remove_dot_segments(path: &str, output: &mut String) {
    if !has_dot_segment(path) {
        output.push_str(path);
        return;
    }
    let start = output.len();
    let mut input = path;
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../").or_else(|| input.strip_prefix("./")) {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." { "/" } else { &input[3..] };
            let cut = output[start..].rfind('/').map_or(start, |i| start + i);
            output.truncate(cut);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            let first = usize::from(input.starts_with('/'));
            let end = input[first..].find('/').map_or(input.len(), |i| i + first);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
}

/// RFC 3986 section 5.2.3, the merged path written onto `output` without its dot segments.
fn merge_into(base: &Parts<'_>, reference_path: &str, output: &mut String) {
    if base.authority.is_some() && base.path.is_empty() {
        let mut merged = String::with_capacity(reference_path.len() + 1);
        merged.push('/');
        merged.push_str(reference_path);
        remove_dot_segments(&merged, output);
        return;
    }
    match base.path.rfind('/') {
        // Two pieces, one path: only a dot segment needs them joined first.
        Some(at) if !has_dot_segment(reference_path) => {
            remove_dot_segments(&base.path[..=at], output);
            output.push_str(reference_path);
        }
        Some(at) => remove_dot_segments(&format!("{}{reference_path}", &base.path[..=at]), output),
        None => remove_dot_segments(reference_path, output),
    }
}

/// `reference` resolved against `base` (RFC 3986 section 5.2.2, strict) and recomposed as in
/// section 5.3, written into `out` (cleared first: one buffer serves a whole playlist). The
/// fragment is kept; the caller decides what to make of one.
pub(crate) fn resolve_into(base: &Parts<'_>, reference: &str, out: &mut String) {
    out.clear();
    let r = parts(reference);
    let (scheme, authority) = match (r.scheme, r.authority) {
        (Some(_), _) => (r.scheme, r.authority),
        (None, Some(_)) => (base.scheme, r.authority),
        (None, None) => (base.scheme, base.authority),
    };
    if let Some(s) = scheme {
        out.push_str(s);
        out.push(':');
    }
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    let query = if r.scheme.is_some() || r.authority.is_some() {
        remove_dot_segments(r.path, out);
        r.query
    } else if r.path.is_empty() {
        out.push_str(base.path);
        r.query.or(base.query)
    } else {
        if r.path.starts_with('/') {
            remove_dot_segments(r.path, out);
        } else {
            merge_into(base, r.path, out);
        }
        r.query
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = r.fragment {
        out.push('#');
        out.push_str(f);
    }
}

/// A base URI with the URL its relative paths start from: a playlist's URIs are resolved
/// against one base thousands of times, and most are a plain name in its folder.
pub(crate) struct Base {
    url: String,
    /// `scheme://authority/folder/`: the merge of section 5.2.3 up to the reference's path,
    /// without dot segments.
    folder: String,
}

impl Base {
    pub(crate) fn new(url: &str) -> Self {
        // A one-segment reference merged, and taken off again: the folder, resolved once.
        let mut folder = String::with_capacity(url.len() + 1);
        resolve_into(&parts(url), "x", &mut folder);
        folder.pop();
        Base { url: url.to_owned(), folder }
    }

    /// [`resolve_into`] against this base. A relative path without dot segments (what most
    /// playlists hold) resolves to the folder followed by the reference as written.
    pub(crate) fn resolve_into(&self, reference: &str, out: &mut String) {
        let path = reference.split(['?', '#']).next().unwrap_or(reference);
        let first = path.split('/').next().unwrap_or(path);
        if !first.is_empty() && !first.contains(':') && !has_dot_segment(path) {
            out.clear();
            out.push_str(&self.folder);
            out.push_str(reference);
        } else {
            resolve_into(&parts(&self.url), reference, out);
        }
    }
}

/// [`resolve_into`] a new string.
#[cfg(test)]
pub(crate) fn resolve(base: &str, reference: &str) -> String {
    let mut out = String::new();
    resolve_into(&parts(base), reference, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Base, parts, resolve, resolve_into};

    proptest! {
        /// The folder shortcut gives what the full algorithm gives, for any reference.
        #[test]
        fn the_folder_shortcut_is_the_algorithm(
            base in "(https?://[a-z.]{1,8})?(/[a-z.]{0,3}){0,4}(\\?[a-z=]{0,3})?",
            reference in "[a-z:./?#=]{0,10}",
        ) {
            let (mut fast, mut full) = (String::new(), String::new());
            Base::new(&base).resolve_into(&reference, &mut fast);
            resolve_into(&parts(&base), &reference, &mut full);
            prop_assert_eq!(fast, full);
        }
    }

    /// RFC 3986 section 5.4: every normal and abnormal example.
    #[test]
    fn the_rfc_examples() {
        let base = "http://a/b/c/d;p?q";
        for (reference, want) in [
            ("g:h", "g:h"),
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            ("g?y#s", "http://a/b/c/g?y#s"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("g;x?y#s", "http://a/b/c/g;x?y#s"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g?y/../x", "http://a/b/c/g?y/../x"),
            ("g#s/./x", "http://a/b/c/g#s/./x"),
            ("g#s/../x", "http://a/b/c/g#s/../x"),
            ("http:g", "http:g"),
        ] {
            assert_eq!(resolve(base, reference), want, "{reference:?}");
        }
    }

    #[test]
    fn a_playlists_query_is_not_inherited() {
        let playlist = "https://cdn.example.com/v/1/720p.m3u8?Policy=p&Signature=s&Key-Pair-Id=K";
        assert_eq!(resolve(playlist, "seg-1.ts"), "https://cdn.example.com/v/1/seg-1.ts");
        assert_eq!(resolve(playlist, "../audio/a.m3u8?x=1"), "https://cdn.example.com/v/audio/a.m3u8?x=1");
        assert_eq!(resolve("https://cdn.example.com", "a.ts"), "https://cdn.example.com/a.ts");
    }
}

//! Resources built from a trusted base URL and untrusted path segments, so that user data can
//! never widen what a policy grants (docs/cloudfront-format.md §7).
//!
//! In a policy's resource `*` and `?` are wildcards that cannot be escaped, and CloudFront
//! compares the URL as sent. `format!("https://cdn.example.com/u/{name}/*")` therefore grants
//! a user named `a*` every folder starting with `a`, and one named `x/../y` another folder.
//! [`ResourceBase`] writes each segment as one RFC 3986 path segment in the single spelling
//! CloudFront and cfsign's gate compare: `*` and every byte that is not a path character
//! percent-encoded, segments that would name another folder refused.

use alloc::string::String;
use core::fmt::Write as _;

use super::resource::{Use, validate};
use crate::Error;

/// RFC 3986 `pchar` without `pct-encoded`: the bytes a path segment holds as themselves
/// (`unreserved`, `sub-delims`, `:` and `@`). Every other byte is written `%XX`.
#[must_use]
pub fn is_pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

/// Appends `segment` to `out` as one path segment: bytes that are path characters as
/// themselves, except `*` (a wildcard in a policy); every other byte (`?`, `%`, space,
/// non-ASCII, …) as `%XX` with uppercase digits.
///
/// # Errors
/// [`Error::InvalidPathSegment`] when the segment is empty, `.` or `..`, or holds `/`, `\`,
/// `;` or NUL: an origin would read it as another folder (or no file at all), whatever the
/// encoding.
pub fn push_path_segment(out: &mut String, segment: &str) -> Result<(), Error> {
    let reason = match segment {
        "" => Some("it is empty (a URL with `//` names the folder above at most origins)"),
        "." | ".." => Some("it is `.` or `..`, which names this folder or the one above"),
        s if s.contains('/') => {
            Some("it holds `/`, which makes two segments (encoded as %2F, origins such as S3 decode it back)")
        }
        s if s.contains('\\') => Some("it holds `\\`, which some origins read as `/`"),
        s if s.contains('\0') => Some("it holds a NUL byte, which no file name holds"),
        s if s.contains(';') => Some(
            "it holds `;`, after which some origins (Tomcat, Jetty, Spring) ignore the rest of the segment",
        ),
        _ => None,
    };
    if let Some(reason) = reason {
        return Err(Error::InvalidPathSegment { reason });
    }
    for &b in segment.as_bytes() {
        if is_pchar(b) && b != b'*' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Ok(())
}

/// A fixed, trusted base URL (`https://cdn.example.com/u/`) under which resources are built
/// from untrusted path segments (a user ID, a file name, a tenant slug, a JWT claim). Whatever
/// the segments hold, the result names exactly those segments under the base: every wildcard
/// and every byte outside RFC 3986's path characters is percent-encoded, and a segment that
/// would name another folder (`..`, `a/b`, empty) is refused.
///
/// ```
/// use cfsign::ResourceBase;
///
/// let users = ResourceBase::new("https://cdn.example.com/u/")?;
/// // Everything under one user's folder: the resource of a custom policy (cookies).
/// assert_eq!(users.prefix(["alice"])?, "https://cdn.example.com/u/alice/*");
/// // A user named `a*` gets their own folder, not every folder starting with `a`.
/// assert_eq!(users.prefix(["a*"])?, "https://cdn.example.com/u/a%2A/*");
/// // One file: the URL of a signed URL or a canned policy.
/// assert_eq!(users.url(["bob", "cat photo?.jpg"])?, "https://cdn.example.com/u/bob/cat%20photo%3F.jpg");
/// // A segment that would reach another folder is refused, with the reason.
/// assert!(users.prefix(["x/../y"]).unwrap_err().to_string().contains("`/`"));
/// # Ok::<(), cfsign::Error>(())
/// ```
///
/// What it relies on: the origin reads a path segment as its percent-decoded bytes, once,
/// and resolves no dot segments after CloudFront's matching (S3, and cfsign's gate, which
/// refuses targets not in normal form). Origins that fold case, normalise Unicode, trim
/// trailing dots or decode twice make more names equal than the policy does: map user data to
/// stable IDs (`[a-z0-9-]`) before it becomes a path when such an origin is in play.
///
/// Everything a built resource covers lies under `base` + the encoded segments + `/`: the
/// encoded segments hold no `*`, `?` or `/`, so CloudFront's matching (`resource_matches`) can
/// only match them literally. Note that cfsign's gate, which accepts one spelling per file a
/// decoding origin opens, refuses request paths holding `%2A`; a segment with `*` is safe but
/// its files are served only by CloudFront itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceBase {
    base: String,
}

impl ResourceBase {
    /// A base URL: `http://` or `https://`, a host without wildcards, and a path that ends with
    /// `/` and holds only RFC 3986 path characters other than `*` (no `%`, no `.`, `..` or
    /// empty segments), no query.
    ///
    /// # Errors
    /// [`Error::InvalidResourceBase`] saying which rule the base breaks, or the error of an
    /// invalid URL.
    pub fn new(base: &str) -> Result<Self, Error> {
        validate(base, Use::Url)?;
        let invalid = |reason| Err(Error::InvalidResourceBase { reason });
        let Some((_, rest)) = base.split_once("://") else {
            return invalid("it has no `://`");
        };
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if host.is_empty() || host.contains(['*', '?', '@']) {
            return invalid("its host must be a host name or address, without wildcards or user info");
        }
        if path.contains('?') {
            return invalid("it has a query: a base is a folder");
        }
        if !path.ends_with('/') {
            return invalid("its path must end with `/` (e.g. https://cdn.example.com/u/)");
        }
        if let Some(b) = path.bytes().find(|&b| b != b'/' && (!is_pchar(b) || b == b'*' || b == b';')) {
            return Err(Error::InvalidResourceBase {
                reason: match b {
                    b'*' => {
                        "its path holds `*`: write the base without wildcards; `prefix` adds the trailing one"
                    }
                    b'%' => "its path holds `%`: write the base's folders as plain path characters",
                    b';' => "its path holds `;`, which some origins read as the start of path parameters",
                    _ => "its path holds a byte that is not an RFC 3986 path character",
                },
            });
        }
        if path.len() > 1 && path[1..path.len() - 1].split('/').any(|s| matches!(s, "" | "." | "..")) {
            return invalid("its path has an empty, `.` or `..` segment");
        }
        // Hosts are compared in lowercase (the gate lowercases the request's): one spelling.
        let scheme_len = base.len() - rest.len();
        let mut normal = String::from(&base[..scheme_len]);
        normal.push_str(&host.to_ascii_lowercase());
        normal.push_str(path);
        Ok(ResourceBase { base: normal })
    }

    /// The base URL, its host in lowercase.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The path of the base (`/u/` for `https://cdn.example.com/u/`).
    #[must_use]
    pub fn path(&self) -> &str {
        // A base always has a path (checked in `new`).
        super::resource::host_and_path(&self.base).1
    }

    /// The URL of one object: the base, then `segments` joined with `/` (the last is usually a
    /// file name). For a signed URL or a canned policy.
    ///
    /// # Errors
    /// [`Error::InvalidPathSegment`] for no segments at all, or a segment that is empty, `.`,
    /// `..`, or holds `/`, `\`, `;` or NUL.
    pub fn url<S: AsRef<str>>(&self, segments: impl IntoIterator<Item = S>) -> Result<String, Error> {
        let mut url = self.base.clone();
        let mut segments = segments.into_iter().peekable();
        // An empty list of untrusted values must not grant the whole base.
        if segments.peek().is_none() {
            return Err(Error::InvalidPathSegment {
                reason: "there are no segments, and the whole base is not a per-user resource (write that pattern by hand)",
            });
        }
        for (i, segment) in segments.enumerate() {
            if i > 0 {
                url.push('/');
            }
            push_path_segment(&mut url, segment.as_ref())?;
        }
        Ok(url)
    }

    /// The URL of the folder `segments` name under the base, ending with `/`.
    ///
    /// # Errors
    /// As [`url`](Self::url).
    pub fn folder<S: AsRef<str>>(&self, segments: impl IntoIterator<Item = S>) -> Result<String, Error> {
        let mut folder = self.url(segments)?;
        if !folder.ends_with('/') {
            folder.push('/');
        }
        Ok(folder)
    }

    /// Everything under the folder `segments` name: [`folder`](Self::folder) + `*`. For a
    /// custom policy's resource. (A pattern for the whole base is one you write by hand.)
    ///
    /// # Errors
    /// As [`url`](Self::url).
    pub fn prefix<S: AsRef<str>>(&self, segments: impl IntoIterator<Item = S>) -> Result<String, Error> {
        let mut pattern = self.folder(segments)?;
        pattern.push('*');
        Ok(pattern)
    }
}

/// A non-final path segment of a policy resource that holds a wildcard beside other characters
/// (`a*` in `https://cdn.example.com/u/a*/*`): rarely meant, and the usual sign of user data
/// interpolated into a pattern (see [`ResourceBase`]). `None` for patterns such as
/// `…/videos/*`, `…/u/*/public/*` or `…/videos/*.mp4`.
#[must_use]
pub fn wildcard_inside_segment(resource: &str) -> Option<&str> {
    let (_, path) = super::resource::host_and_path(resource);
    let mut segments = path.strip_prefix('/')?.split('/').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_some() && segment.contains('*') && segment != "*" {
            return Some(segment);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn segments_are_encoded_once_in_the_one_spelling() {
        let base = ResourceBase::new("https://cdn.example.com/u/").unwrap();
        for (segment, encoded) in [
            ("alice", "alice"),
            ("a*", "a%2A"),
            ("a?", "a%3F"),
            ("%2A", "%252A"),
            ("..x", "..x"),
            ("Zoë", "Zo%C3%AB"),
            ("a b", "a%20b"),
            ("b=c:d@e!$&'()+,", "b=c:d@e!$&'()+,"),
            ("~-._", "~-._"),
            ("#frag", "%23frag"),
            ("\u{7f}\t", "%7F%09"),
        ] {
            assert_eq!(
                base.prefix([segment]).unwrap(),
                alloc::format!("https://cdn.example.com/u/{encoded}/*")
            );
        }
        assert!(base.prefix::<&str>([]).unwrap_err().to_string().contains("no segments"));
        assert_eq!(
            ResourceBase::new("https://CDN.Example.com/u/").unwrap().as_str(),
            "https://cdn.example.com/u/"
        );
        assert_eq!(base.url(["a", "b.jpg"]).unwrap(), "https://cdn.example.com/u/a/b.jpg");
        assert_eq!(base.path(), "/u/");
        assert_eq!(ResourceBase::new("https://cdn.example.com/").unwrap().path(), "/");
    }

    #[test]
    fn segments_naming_another_folder_are_refused_with_why() {
        let base = ResourceBase::new("https://cdn.example.com/u/").unwrap();
        for (segment, why) in [
            ("", "empty"),
            (".", "`..`"),
            ("..", "`..`"),
            ("x/../y", "`/`"),
            ("*/", "`/`"),
            ("a\\b", "`\\`"),
            ("a\0", "NUL"),
            ("bob;x", "Tomcat"),
        ] {
            let err = base.prefix([segment]).unwrap_err();
            assert!(matches!(err, Error::InvalidPathSegment { .. }), "{segment:?}");
            assert!(err.to_string().contains(why), "{segment:?}: {err}");
        }
        assert!(base.url(["ok", ".."]).is_err());
    }

    #[test]
    fn bases_are_checked_once() {
        for (base, why) in [
            ("https://cdn.example.com/u", "end with `/`"),
            ("https://cdn.example.com", "end with `/`"),
            ("https://*.example.com/u/", "wildcards"),
            ("https://cdn.example.com/u*/", "`*`"),
            ("https://cdn.example.com/u/?a=b/", "query"),
            ("https://cdn.example.com/u/?a=b", "query"),
            ("https://cdn.example.com/u?a=b", "query"),
            ("https://cdn.example.com/%75/", "`%`"),
            ("https://cdn.example.com/a//", "`..`"),
            ("https://cdn.example.com/a/../", "`..`"),
            ("https://cdn.example.com/a;b/", "`;`"),
            ("https://user@cdn.example.com/u/", "user info"),
        ] {
            let err = ResourceBase::new(base).unwrap_err();
            assert!(err.to_string().contains(why), "{base}: {err}");
        }
        assert!(matches!(
            ResourceBase::new("ftp://cdn.example.com/u/"),
            Err(Error::UnsupportedScheme { .. })
        ));
        assert!(matches!(ResourceBase::new("https://cdn.example.com/u/#x"), Err(Error::FragmentInUrl)));
        ResourceBase::new("http://127.0.0.1:8080/media/u/").unwrap();
    }

    #[test]
    fn wildcards_inside_a_segment_are_pointed_out() {
        for (resource, found) in [
            ("https://cdn.example.com/u/a*/*", Some("a*")),
            ("https://cdn.example.com/u/*a/x.jpg", Some("*a")),
            ("https://cdn.example.com/u/alice/*", None),
            ("https://cdn.example.com/u/*/public/*", None),
            ("https://cdn.example.com/videos/*.mp4", None),
            ("https://*.example.com/*", None),
            ("*", None),
            ("https://cdn.example.com/a?b*/c", None),
        ] {
            assert_eq!(wildcard_inside_segment(resource), found, "{resource}");
        }
    }
}

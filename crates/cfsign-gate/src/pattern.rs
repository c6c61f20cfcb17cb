//! Cache behaviours' path patterns, as CloudFront takes them.

/// A cache behaviour's path pattern, as CloudFront takes it: `*` matches any run of
/// characters, `?` exactly one, everything else itself, case-sensitively. The leading `/` is
/// optional (`images/*` and `/images/*` are the same pattern, as at CloudFront).
///
/// Patterns hold only the characters CloudFront allows in them — `A-Z a-z 0-9 _ - . * ? $ / ~
/// " ' @ : + &` — and at most 255 of them. They are matched against the request's path
/// decoded (the path the origin opens), so a pattern names files as they are called: other
/// characters of a path (a space, `é`, `%`, `!`) can only be matched by `?` (one character)
/// or `*`.
///
/// ```
/// use cfsign_gate::PathPattern;
///
/// let pattern: PathPattern = "images/*.jpg".parse()?;
/// assert_eq!(pattern.as_str(), "/images/*.jpg");
/// assert!(pattern.matches("/images/a/b.jpg"));
/// assert!(PathPattern::new("/sp?ce/*")?.matches("/sp%20ce/x")); // the decoded path: "/sp ce/x"
/// assert!("/images/%2A".parse::<PathPattern>().unwrap_err().to_string().contains("'%'"));
/// # Ok::<(), cfsign_gate::InvalidPathPattern>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathPattern {
    /// With its leading `/`.
    pattern: String,
}

/// CloudFront's limit on a path pattern's length.
const MAX_PATTERN_LEN: usize = 255;

impl PathPattern {
    /// Checks `pattern` and adds the leading `/` if it has none.
    ///
    /// # Errors
    /// [`InvalidPathPattern`] for an empty or too long pattern, a character CloudFront does
    /// not allow in path patterns (the error says which and where), or an empty, `.` or `..`
    /// segment, which no request path the gate accepts can have.
    pub fn new(pattern: &str) -> Result<Self, InvalidPathPattern> {
        let invalid = |why| InvalidPathPattern { pattern: pattern.to_owned(), why };
        if pattern.is_empty() {
            return Err(invalid(PatternProblem::Empty));
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(invalid(PatternProblem::TooLong { len: pattern.len() }));
        }
        if let Some((at, c)) = pattern.char_indices().find(|&(_, c)| !is_pattern_char(c)) {
            return Err(invalid(PatternProblem::Character { at, c }));
        }
        let pattern = if pattern.starts_with('/') { pattern.to_owned() } else { format!("/{pattern}") };
        let segments: Vec<&str> = pattern[1..].split('/').collect();
        let last = segments.len() - 1;
        if segments.iter().enumerate().any(|(i, s)| matches!(*s, "." | "..") || (s.is_empty() && i != last)) {
            return Err(invalid(PatternProblem::NeverMatches));
        }
        Ok(PathPattern { pattern })
    }

    /// Whether a path in normal form (e.g. [`RequestUrl::path`](crate::RequestUrl::path)) matches.
    #[must_use]
    pub fn matches(&self, path: &str) -> bool {
        self.matches_decoded(&MatchablePath::of(path))
    }

    pub(crate) fn matches_decoded(&self, path: &MatchablePath) -> bool {
        cfsign::policy::wildcard_match(&self.pattern, &path.0)
    }

    /// The pattern as matched, with its leading `/`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

/// `A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &`: the characters CloudFront takes in path patterns.
fn is_pattern_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-.*?$/~\"'@:+&".contains(c)
}

/// A path as patterns see it: percent-decoded, with every character a pattern cannot name
/// written as one placeholder that no pattern holds — so `?` stands for one character of the
/// file's name, whatever its encoding took on the wire.
pub(crate) struct MatchablePath(String);

impl MatchablePath {
    pub(crate) fn of(normal_form: &str) -> Self {
        let decoded = cfsign::wire::percent_decode(normal_form.as_bytes());
        let text = String::from_utf8_lossy(&decoded)
            .chars()
            .map(|c| if is_pattern_char(c) && c != '*' && c != '?' { c } else { '\u{1}' })
            .collect();
        MatchablePath(text)
    }
}

impl std::str::FromStr for PathPattern {
    type Err = InvalidPathPattern;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PathPattern::new(s)
    }
}

impl std::fmt::Display for PathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.pattern)
    }
}

/// A path pattern CloudFront would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPathPattern {
    pattern: String,
    why: PatternProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatternProblem {
    Empty,
    TooLong { len: usize },
    Character { at: usize, c: char },
    NeverMatches,
}

impl std::fmt::Display for InvalidPathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pattern = &self.pattern;
        match self.why {
            PatternProblem::Empty => f.write_str("a path pattern cannot be empty (use '*' for every path)"),
            PatternProblem::TooLong { len } => write!(
                f,
                "path pattern '{pattern}' has {len} characters; CloudFront allows at most {MAX_PATTERN_LEN}"
            ),
            PatternProblem::Character { at, c } => write!(
                f,
                "path pattern '{pattern}' holds {c:?} at {at}, which CloudFront does not allow in path patterns \
                 (allowed: A-Z a-z 0-9 _ - . * ? $ / ~ \" ' @ : + &; match other characters of a file name \
                 with '?' for one character or '*')"
            ),
            PatternProblem::NeverMatches => write!(
                f,
                "path pattern '{pattern}' has an empty, '.' or '..' segment, which no request path the gate \
                 accepts has: it would never match"
            ),
        }
    }
}

impl std::error::Error for InvalidPathPattern {}

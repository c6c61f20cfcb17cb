//! Signed cookies and their `Set-Cookie` headers (docs/cloudfront-format.md §5).
//!
//! ```
//! # let pem = include_str!("../tests/data/ecdsa-p256-pkcs8.pem");
//! use cfsign::{CookieAttributes, CustomPolicy, EpochSeconds, SigningKey, sign_cookies};
//!
//! let key = SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let policy = CustomPolicy::builder()
//!     .resource("https://cdn.example.com/u/alice/*")
//!     .date_less_than(EpochSeconds::new(1767290400))
//!     .build()?;
//! let cookies = sign_cookies(policy, &key)?;
//! let attrs = CookieAttributes::new().domain("example.com").path("/u/alice/");
//! for header in cookies.set_cookie_headers(&attrs)? {
//!     assert!(header.ends_with("; Domain=example.com; Path=/u/alice/; Expires=Thu, 01 Jan 2026 18:00:00 GMT; Secure; HttpOnly; SameSite=Lax"));
//! }
//! # Ok::<(), cfsign::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::wire::{ParameterSet, SigningParameter};
use crate::{EpochSeconds, Error, HashAlgorithm, KeyPairId};

/// The values of a signed cookie set: `CloudFront-Expires` (canned) or `CloudFront-Policy`
/// (custom), `CloudFront-Signature`, `CloudFront-Key-Pair-Id`, and
/// `CloudFront-Hash-Algorithm=SHA256` when signed with SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCookies {
    canned: bool,
    policy_value: String,
    signature: String,
    key_pair_id: KeyPairId,
    hash: HashAlgorithm,
    expires: EpochSeconds,
}

impl SignedCookies {
    pub(crate) fn new(
        canned: bool,
        policy_value: String,
        signature: String,
        key_pair_id: KeyPairId,
        hash: HashAlgorithm,
        expires: EpochSeconds,
    ) -> Self {
        SignedCookies { canned, policy_value, signature, key_pair_id, hash, expires }
    }

    /// `(name, value)` pairs in the order `Policy|Expires, Signature, Key-Pair-Id[, Hash-Algorithm]`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.parameters().map(|p| (p.cookie_name(), self.value(p)))
    }

    /// The parameters the set carries: `Expires` or `Policy`, `Signature`, `Key-Pair-Id`, and
    /// `Hash-Algorithm` when signed with SHA-256.
    pub fn parameters(&self) -> impl Iterator<Item = SigningParameter> + use<> {
        SigningParameter::carried(self.canned, self.hash)
    }

    /// The value of a parameter the set carries (empty for one it does not carry).
    #[must_use]
    pub fn value(&self, p: SigningParameter) -> &str {
        match p {
            SigningParameter::Expires if self.canned => &self.policy_value,
            SigningParameter::Policy if !self.canned => &self.policy_value,
            SigningParameter::Signature => &self.signature,
            SigningParameter::KeyPairId => self.key_pair_id.as_str(),
            SigningParameter::HashAlgorithm if self.hash == HashAlgorithm::Sha256 => self.hash.as_str(),
            _ => "",
        }
    }

    /// The policy's `DateLessThan`.
    #[must_use]
    pub fn expires(&self) -> EpochSeconds {
        self.expires
    }

    /// The hash the signature was made with.
    #[must_use]
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The key-pair ID.
    #[must_use]
    pub fn key_pair_id(&self) -> &KeyPairId {
        &self.key_pair_id
    }

    /// The cookies as a request `Cookie` header value (`a=1; b=2`), e.g. for `curl -H`.
    #[must_use]
    pub fn cookie_header(&self) -> String {
        let mut out = String::new();
        for (name, value) in self.iter() {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
        out
    }

    /// One `Set-Cookie` header value per cookie.
    ///
    /// # Errors
    /// [`Error::InvalidCookieAttribute`] when the attributes are invalid
    /// (see [`CookieAttributes::validate`]).
    pub fn set_cookie_headers(&self, attrs: &CookieAttributes) -> Result<Vec<String>, Error> {
        attrs.validate()?;
        Ok(self.iter().map(|(n, v)| attrs.render(n, v, Some(self.expires))).collect())
    }

    /// `Set-Cookie` values that delete every `CloudFront-*` cookie set with `attrs`
    /// (`Max-Age=0`, same Domain, Path, Secure and SameSite, or browsers keep the cookie).
    ///
    /// # Errors
    /// As [`set_cookie_headers`](Self::set_cookie_headers).
    pub fn removal_headers(attrs: &CookieAttributes) -> Result<Vec<String>, Error> {
        Self::removal_headers_for(attrs, SigningParameter::ALL.into_iter().collect())
    }

    /// [`removal_headers`](Self::removal_headers) for the given cookies only.
    ///
    /// # Errors
    /// As [`set_cookie_headers`](Self::set_cookie_headers).
    pub fn removal_headers_for(attrs: &CookieAttributes, names: ParameterSet) -> Result<Vec<String>, Error> {
        attrs.validate()?;
        let removal = CookieAttributes { lifetime: CookieLifetime::Remove, ..attrs.clone() };
        Ok(names.iter().map(|p| removal.render(p.cookie_name(), "", None)).collect())
    }
}

/// The `SameSite` cookie attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SameSite {
    /// Sent only to the same site.
    Strict,
    /// Sent to the same site and on top-level navigations (the default; fine when the app and
    /// the CDN share a registrable domain, e.g. `app.example.com` and `cdn.example.com`).
    #[default]
    Lax,
    /// Sent cross-site too; requires `Secure`.
    None,
}

impl SameSite {
    fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// How long the browser keeps the cookies. CloudFront ignores this; it only reads the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CookieLifetime {
    /// `Expires` set to the policy's expiry, so browsers drop cookies that no longer work.
    #[default]
    MatchPolicy,
    /// No `Expires`/`Max-Age`: a session cookie.
    Session,
    /// `Expires` at a fixed time.
    Expires(EpochSeconds),
    /// `Max-Age` in seconds.
    MaxAge(u64),
    /// `Max-Age=0` and `Expires` in 1970: delete the cookie.
    Remove,
}

/// Attributes of the `Set-Cookie` headers. The defaults are the secure ones: `Path=/`,
/// `Secure`, `HttpOnly`, `SameSite=Lax`, expiring with the policy, no `Domain` (host-only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[must_use]
pub struct CookieAttributes {
    domain: Option<String>,
    path: String,
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    lifetime: CookieLifetime,
}

impl Default for CookieAttributes {
    fn default() -> Self {
        CookieAttributes {
            domain: None,
            path: String::from("/"),
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            lifetime: CookieLifetime::MatchPolicy,
        }
    }
}

impl CookieAttributes {
    /// The secure defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Domain`: the parent domain shared by the app and the CloudFront alternate domain
    /// (e.g. `example.com` for `app.example.com` and `cdn.example.com`).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// `Path`, matched literally by browsers: `/images/`, never `/images/*`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// `Secure` (default on). Turn off only for plain-http local testing.
    pub fn secure(mut self, on: bool) -> Self {
        self.secure = on;
        self
    }

    /// `HttpOnly` (default on): scripts cannot read the signature.
    pub fn http_only(mut self, on: bool) -> Self {
        self.http_only = on;
        self
    }

    /// `SameSite` (default `Lax`).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// How long the browser keeps the cookies.
    pub fn lifetime(mut self, lifetime: CookieLifetime) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The `Domain`, if any.
    #[must_use]
    pub fn get_domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The `Path`.
    #[must_use]
    pub fn get_path(&self) -> &str {
        &self.path
    }

    /// Checks the attributes.
    ///
    /// # Errors
    /// [`Error::InvalidCookieAttribute`] for `SameSite=None` without `Secure`, a `Path` that
    /// does not start with `/` or holds `*`, `;`, spaces or control or non-ASCII bytes, and a
    /// `Domain` that is not a plain host name.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason| Err(Error::InvalidCookieAttribute { reason });
        if self.same_site == SameSite::None && !self.secure {
            return bad("SameSite=None requires Secure (browsers reject it otherwise)");
        }
        if !self.path.starts_with('/') {
            return bad("Path must start with `/`");
        }
        if self.path.contains('*') {
            return bad("Path is matched literally by browsers: use `/images/`, not `/images/*`");
        }
        if !self.path.bytes().all(|b| (b'!'..=b'~').contains(&b) && b != b';') {
            return bad("Path may hold only printable ASCII without `;` or spaces");
        }
        if let Some(d) = &self.domain {
            let d = d.strip_prefix('.').unwrap_or(d);
            let ok = !d.is_empty()
                && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                && !d.starts_with(['.', '-'])
                && !d.ends_with('.')
                && !d.contains("..");
            if !ok {
                return bad("Domain must be a host name such as example.com");
            }
        }
        Ok(())
    }

    /// Why cookies with these attributes would never go with a request for the files of the
    /// policy resource `resource`, when that is certain from the two alone
    /// (docs/cloudfront-format.md §5): a `Domain` that does not cover the resource's host
    /// (CloudFront needs an alternate domain name under the app's domain; a
    /// `*.cloudfront.net` host can never get the app's cookies), a `Path` outside the
    /// resource's path, `SameSite=Strict` towards a host outside `Domain` (another site). The
    /// message says what to change. `None` when the cookies can reach some of the files, or
    /// when it cannot be known (host-only cookies: the app's own host is not known here).
    ///
    /// ```
    /// use cfsign::CookieAttributes;
    ///
    /// let app = CookieAttributes::new().domain("example.com");
    /// assert!(app.reaches("https://cdn.example.com/u/alice/*").is_none());
    /// let why = app.reaches("https://d111111abcdef8.cloudfront.net/u/alice/*").unwrap();
    /// assert!(why.contains("alternate domain name"));
    /// let why = app.path("/images/").reaches("https://cdn.example.com/u/alice/*").unwrap();
    /// assert!(why.contains("Path=/images/"));
    /// ```
    #[must_use]
    pub fn reaches(&self, resource: &str) -> Option<String> {
        let (host, path) = resource_host_and_path(resource);
        if let (Some(domain), Some(host)) = (&self.domain, host) {
            let domain = domain.strip_prefix('.').unwrap_or(domain).to_ascii_lowercase();
            // A host pattern `*.example.com` covers hosts ending with what follows its last `*`.
            let (pattern, literal) = match host.rfind('*') {
                Some(i) => (true, &host[i + 1..]),
                None => (false, host),
            };
            let literal = literal.to_ascii_lowercase();
            let dot_domain = alloc::format!(".{domain}");
            // Cookies go to the domain and the hosts below it. A host that is neither covers
            // none of them; a pattern covers one when what follows its last `*` could end one:
            // `*.example.com`, `*example.com` (example.com itself), `*ample.com`, `cdn.example.*`.
            let covered = literal.ends_with(&dot_domain)
                || if pattern { dot_domain.ends_with(&literal) } else { literal == domain };
            if !covered {
                let strict = if self.same_site == SameSite::Strict {
                    ", and SameSite=Strict cookies are never sent to another site"
                } else {
                    ""
                };
                return Some(alloc::format!(
                    "cookies with Domain={domain} are never sent to {host}{strict}: serve the files under an \
                     alternate domain name of the distribution below {domain} (e.g. cdn.{domain}) and sign \
                     that host, or set Domain to a parent of both the app and {host}"
                ));
            }
        }
        if let Some(path) = path {
            // What every file of the resource starts with.
            let prefix = path.split(['*', '?']).next().unwrap_or(path);
            if !path_matches(&self.path, prefix) && !self.path.starts_with(prefix) {
                return Some(alloc::format!(
                    "cookies with Path={} are never sent with requests for {resource}: use a Path that \
                     the resource's path starts with (e.g. Path=/ or Path={prefix})",
                    self.path
                ));
            }
        }
        None
    }

    fn render(&self, name: &str, value: &str, policy_expiry: Option<EpochSeconds>) -> String {
        let mut s = String::with_capacity(name.len() + value.len() + 120);
        s.push_str(name);
        s.push('=');
        s.push_str(value);
        if let Some(d) = &self.domain {
            s.push_str("; Domain=");
            s.push_str(d);
        }
        s.push_str("; Path=");
        s.push_str(&self.path);
        let expires_at = |s: &mut String, t: EpochSeconds| {
            s.push_str("; Expires=");
            let _ = t.fmt_http_date(s);
        };
        match self.lifetime {
            CookieLifetime::MatchPolicy => {
                if let Some(t) = policy_expiry {
                    expires_at(&mut s, t);
                }
            }
            CookieLifetime::Session => {}
            CookieLifetime::Expires(t) => expires_at(&mut s, t),
            CookieLifetime::MaxAge(n) => {
                let _ = write!(s, "; Max-Age={n}");
            }
            CookieLifetime::Remove => {
                s.push_str("; Max-Age=0");
                expires_at(&mut s, EpochSeconds::UNIX_EPOCH);
            }
        }
        if self.secure {
            s.push_str("; Secure");
        }
        if self.http_only {
            s.push_str("; HttpOnly");
        }
        s.push_str("; SameSite=");
        s.push_str(self.same_site.as_str());
        s
    }
}

/// Whether a browser sends a cookie with `cookie_path` along with a request for
/// `request_path` (the browser's path-match, docs/cloudfront-format.md §5): the paths are
/// equal, or the cookie path is a prefix that ends with `/` or is followed by `/`.
#[must_use]
pub fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

/// The host (without port) and the path of a policy resource or URL; `None` for a part that is
/// absent or only a wildcard (`*` alone, `*://*/*`).
fn resource_host_and_path(resource: &str) -> (Option<&str>, Option<&str>) {
    if resource == "*" {
        return (None, None);
    }
    let (authority, path) = crate::policy::resource::host_and_path(resource);
    let path = (!path.is_empty()).then_some(path);
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(']') || host.ends_with(']') => {
            if port.bytes().all(|b| b.is_ascii_digit() || b == b'*') { host } else { authority }
        }
        _ => authority,
    };
    let host = (!host.is_empty() && host != "*").then_some(host);
    (host, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn cookies_that_can_never_reach_the_resource_are_named() {
        let app = CookieAttributes::new().domain("example.com");
        for fine in [
            "https://cdn.example.com/u/alice/*",
            "https://CDN.Example.com:443/u/*",
            "https://example.com/x.jpg",
            "https://*.example.com/*",
            "*://*/*",
            "*",
            "https://cdn.example.*/a",
        ] {
            assert_eq!(app.reaches(fine), None, "{fine}");
        }
        for (resource, needle) in [
            (
                "https://d111111abcdef8.cloudfront.net/u/alice/*",
                "alternate domain name of the distribution below example.com",
            ),
            ("https://badexample.com/*", "never sent to badexample.com"),
            ("https://*.cloudfront.net/*", "never sent to *.cloudfront.net"),
        ] {
            let why = app.reaches(resource).unwrap();
            assert!(why.contains(needle), "{resource}: {why}");
            assert!(!why.contains("Strict"), "{why}");
        }
        let strict = app
            .clone()
            .same_site(SameSite::Strict)
            .reaches("https://d111111abcdef8.cloudfront.net/*")
            .unwrap();
        assert!(strict.contains("SameSite=Strict cookies are never sent to another site"), "{strict}");
        assert_eq!(app.clone().same_site(SameSite::Strict).reaches("https://cdn.example.com/*"), None);

        // Path: the browser's path-match against what every file of the resource starts with.
        for (path, resource, reaches) in [
            ("/", "https://cdn.example.com/u/alice/*", true),
            ("/u/", "https://cdn.example.com/u/alice/*", true),
            ("/u/alice/", "https://cdn.example.com/u/alice/*", true),
            ("/u/alice/public/", "https://cdn.example.com/u/alice/*", true),
            ("/images/", "https://cdn.example.com/u/alice/*", false),
            ("/u/al", "https://cdn.example.com/u/alice/*", false),
            ("/u/bob/", "https://cdn.example.com/u/alice/a.jpg", false),
            ("/images/", "https://*.example.com*", true),
        ] {
            let why = CookieAttributes::new().path(path).reaches(resource);
            assert_eq!(why.is_none(), reaches, "{path} {resource}: {why:?}");
            if let Some(why) = why {
                assert!(why.contains(&alloc::format!("Path={path} are never sent")), "{why}");
            }
        }
        assert!(
            path_matches("/u/", "/u/alice") && path_matches("/u", "/u/alice") && !path_matches("/u", "/ux")
        );
    }

    #[test]
    fn host_patterns_are_judged_like_a_browser_sending_cookies() {
        // A warning exactly when no host the pattern covers gets the cookies: the domain itself
        // or a host below it, tried with fills a pattern could stand for.
        let fills = ["", "cdn", "x", "cdnx", "cdn.x", "a.cdn", "cxn", "e", "ex", "example"];
        for domain in ["example.com", "cdn.example.com"] {
            let mut hosts = alloc::vec![domain.to_string()];
            hosts.extend(fills.iter().filter(|f| !f.is_empty()).map(|f| alloc::format!("{f}.{domain}")));
            for prefix in ["", "*", "*.", "cdn.", "cdn*", "c*n.", "*x"] {
                for rest in [
                    "example.com",
                    "ample.com",
                    ".example.com",
                    "xample.com",
                    "com",
                    "example.co",
                    "cdn.example.com",
                    "badexample.com",
                    "",
                    "*",
                    "example.*",
                    "x.example.com",
                ] {
                    let host = alloc::format!("{prefix}{rest}");
                    if host.is_empty() || host.starts_with('.') || host.contains("**") || host.contains("..")
                    {
                        continue;
                    }
                    // Earlier stars stand for `x`, the last one for a fill or the domain's end.
                    let (head, tail) = host.rsplit_once('*').unwrap_or(("", &host));
                    let head = head.replace('*', "x");
                    let ends =
                        [domain.to_string(), alloc::format!(".{domain}"), alloc::format!("x.{domain}")];
                    let filled = fills
                        .iter()
                        .map(|f| f.to_string())
                        .chain(ends)
                        .map(|f| {
                            if host.contains('*') { alloc::format!("{head}{f}{tail}") } else { host.clone() }
                        })
                        .collect::<alloc::vec::Vec<_>>();
                    let some_host_gets_them = hosts.iter().cloned().chain(filled).any(|h| {
                        let gets_them = h == domain || h.ends_with(&alloc::format!(".{domain}"));
                        gets_them && crate::policy::wildcard_match(&host, &h)
                    });
                    let warned = CookieAttributes::new()
                        .domain(domain)
                        .reaches(&alloc::format!("https://{host}/a"))
                        .is_some();
                    assert_eq!(warned, !some_host_gets_them, "Domain={domain}, host {host}");
                }
            }
        }
    }

    fn sample(canned: bool, hash: HashAlgorithm) -> SignedCookies {
        SignedCookies::new(
            canned,
            if canned { "1767290400".into() } else { "eyJ9_".into() },
            "c2ln".into(),
            KeyPairId::new("K1").unwrap(),
            hash,
            EpochSeconds::new(1_767_290_400),
        )
    }

    #[test]
    fn names_and_order() {
        let c = sample(true, HashAlgorithm::Sha1);
        let names: Vec<_> = c.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]);
        let c = sample(false, HashAlgorithm::Sha256);
        assert_eq!(
            c.cookie_header(),
            "CloudFront-Policy=eyJ9_; CloudFront-Signature=c2ln; CloudFront-Key-Pair-Id=K1; CloudFront-Hash-Algorithm=SHA256"
        );
    }

    #[test]
    fn set_cookie_rendering() {
        let c = sample(false, HashAlgorithm::Sha1);
        let h = c.set_cookie_headers(&CookieAttributes::new()).unwrap();
        assert_eq!(
            h[0],
            "CloudFront-Policy=eyJ9_; Path=/; Expires=Thu, 01 Jan 2026 18:00:00 GMT; Secure; HttpOnly; SameSite=Lax"
        );
        let attrs = CookieAttributes::new()
            .domain("example.com")
            .path("/media/")
            .same_site(SameSite::None)
            .http_only(false)
            .lifetime(CookieLifetime::MaxAge(600));
        assert_eq!(
            c.set_cookie_headers(&attrs).unwrap()[2],
            "CloudFront-Key-Pair-Id=K1; Domain=example.com; Path=/media/; Max-Age=600; Secure; SameSite=None"
        );
        let session = CookieAttributes::new().lifetime(CookieLifetime::Session).same_site(SameSite::Strict);
        assert_eq!(
            c.set_cookie_headers(&session).unwrap()[1],
            "CloudFront-Signature=c2ln; Path=/; Secure; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn removal() {
        let attrs = CookieAttributes::new().domain("example.com").path("/u/");
        let h = SignedCookies::removal_headers(&attrs).unwrap();
        assert_eq!(h.len(), 5);
        assert_eq!(
            h[0],
            "CloudFront-Policy=; Domain=example.com; Path=/u/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn attribute_errors() {
        let c = sample(true, HashAlgorithm::Sha1);
        for attrs in [
            CookieAttributes::new().same_site(SameSite::None).secure(false),
            CookieAttributes::new().path("/images/*"),
            CookieAttributes::new().path("images/"),
            CookieAttributes::new().path("/a b/"),
            CookieAttributes::new().path("/a;b/"),
            CookieAttributes::new().domain("exa mple.com"),
            CookieAttributes::new().domain("example.com; Secure"),
            CookieAttributes::new().domain(""),
            CookieAttributes::new().domain("a..b"),
        ] {
            assert!(
                matches!(c.set_cookie_headers(&attrs), Err(Error::InvalidCookieAttribute { .. })),
                "{attrs:?}"
            );
        }
        let msg = CookieAttributes::new().path("/i/*").validate().unwrap_err().to_string();
        assert!(msg.contains("/images/"), "{msg}");
        assert!(CookieAttributes::new().same_site(SameSite::None).validate().is_ok());
        assert!(CookieAttributes::new().domain(".example.com").validate().is_ok());
    }
}

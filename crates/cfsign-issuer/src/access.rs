//! What a session may see, and what a handler asks for.

use std::borrow::Cow;
use std::sync::Arc;

use cfsign::{CookieAttributes, CustomPolicy, EpochSeconds};

use crate::IssuerError;

/// One protected tree: a resource pattern and the cookie `Path` its cookie set is sent under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    resource: String,
    cookie_path: String,
}

impl Scope {
    /// A scope for `resource` (e.g. `https://cdn.example.com/u/alice/*`), whose cookies are
    /// sent under `cookie_path` (e.g. `/u/alice/`; browsers match it literally, so no `*`).
    ///
    /// # Errors
    /// [`IssuerError::InvalidScope`] when the resource is not a valid custom-policy resource
    /// or the path is not a valid cookie path.
    pub fn new(resource: impl Into<String>, cookie_path: impl Into<String>) -> Result<Self, IssuerError> {
        let (resource, cookie_path) = (resource.into(), cookie_path.into());
        CustomPolicy::builder()
            .resource(resource.as_str())
            .date_less_than(EpochSeconds::new(1))
            .build()
            .map_err(IssuerError::InvalidScope)?;
        CookieAttributes::new().path(cookie_path.as_str()).validate().map_err(IssuerError::InvalidScope)?;
        Ok(Scope { resource, cookie_path })
    }

    /// The resource pattern signed into the policy.
    #[must_use]
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The cookie `Path`.
    #[must_use]
    pub fn cookie_path(&self) -> &str {
        &self.cookie_path
    }

    /// Whether the browser sends this scope's cookies with a request for `request_path`
    /// (the browser's path-match, docs/cloudfront-format.md §5).
    #[must_use]
    pub fn visible_at(&self, request_path: &str) -> bool {
        let p = self.cookie_path.as_str();
        // The usual path, without a string comparison.
        if p == "/" {
            return request_path.starts_with('/');
        }
        request_path == p
            || (request_path.starts_with(p)
                && (p.ends_with('/') || request_path.as_bytes().get(p.len()) == Some(&b'/')))
    }
}

/// What a session may see: one or more [`Scope`]s (several scopes = several cookie sets under
/// different paths). Cheap to clone (one atomic increment).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access(Arc<[Scope]>);

impl Access {
    /// At most this many scopes per session.
    pub const MAX_SCOPES: usize = 32;

    /// Access to the given scopes.
    ///
    /// # Errors
    /// [`IssuerError::InvalidScope`] for no scope, more than [`Access::MAX_SCOPES`], or two
    /// scopes with the same cookie path (their cookies would overwrite each other).
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, IssuerError> {
        let scopes: Vec<Scope> = scopes.into_iter().collect();
        if scopes.is_empty() || scopes.len() > Self::MAX_SCOPES {
            return Err(IssuerError::Config("an Access needs 1 to 32 scopes"));
        }
        for (i, s) in scopes.iter().enumerate() {
            if scopes.iter().skip(i + 1).any(|t| t.cookie_path == s.cookie_path) {
                return Err(IssuerError::Config("two scopes of one Access share a cookie path"));
            }
        }
        Ok(Access(scopes.into()))
    }

    /// Access to one scope.
    ///
    /// # Errors
    /// As [`Scope::new`].
    pub fn single(resource: impl Into<String>, cookie_path: impl Into<String>) -> Result<Self, IssuerError> {
        Ok(Access(Arc::new([Scope::new(resource, cookie_path)?])))
    }

    /// The scopes.
    #[must_use]
    pub fn scopes(&self) -> &[Scope] {
        &self.0
    }
}

/// What a handler asks for explicitly, overriding the automatic decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// Issue fresh cookies for this access now (at login, or after a permission change).
    Issue(Access),
    /// Remove the cookies (at logout).
    Revoke,
}

impl Directive {
    /// [`Directive::Issue`]: cookies for `access` on this response.
    #[must_use]
    pub fn issue(access: Access) -> Self {
        Directive::Issue(access)
    }

    /// [`Directive::Revoke`]: remove the cookies on this response.
    #[must_use]
    pub fn revoke() -> Self {
        Directive::Revoke
    }
}

/// What a middleware asks of the app for each request: what the request's session may see, or
/// `None` for an anonymous request. Implemented for every `Fn(&R) -> Option<Access>`, where `R`
/// is the framework's request type (`http::Request<B>` for tower, `ServiceRequest` for
/// actix-web). Called once per request, before the handler, with the request as the app's
/// auth layer left it.
pub trait AccessFn<R: ?Sized> {
    /// The session's access, or `None` for an anonymous request.
    fn access(&self, request: &R) -> Option<Access>;
}

impl<R: ?Sized, F> AccessFn<R> for F
where
    F: Fn(&R) -> Option<Access>,
{
    fn access(&self, request: &R) -> Option<Access> {
        self(request)
    }
}

/// What the issuer reads from a request: its path, its `Cookie` header(s), and what its
/// session may see.
///
/// ```
/// use cfsign_issuer::{Access, RequestView};
///
/// let alice = Access::single("https://cdn.example.com/u/alice/*", "/")?;
/// // HTTP/2 may split cookies over several headers (docs/cloudfront-format.md §5): pass them all.
/// let request = RequestView::new("/")
///     .cookie_headers([&b"a=1"[..], b"CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F"])
///     .access(alice);
/// # let _ = request;
/// # Ok::<(), cfsign_issuer::IssuerError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct RequestView<'a> {
    pub(crate) path: &'a str,
    pub(crate) cookie_header: Cow<'a, [u8]>,
    pub(crate) access: Option<Access>,
}

impl<'a> RequestView<'a> {
    /// A request for `path` (the URL path, which cookie paths are matched against), with no
    /// cookies and no session.
    pub fn new(path: &'a str) -> Self {
        RequestView { path, cookie_header: Cow::Borrowed(&[]), access: None }
    }

    /// The request's `Cookie` header.
    pub fn cookie_header(mut self, header: &'a [u8]) -> Self {
        self.cookie_header = Cow::Borrowed(header);
        self
    }

    /// The request's `Cookie` headers, in order: joined with `; ` when there are several (one is
    /// read in place).
    pub fn cookie_headers(mut self, headers: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut headers = headers.into_iter();
        self.cookie_header = match (headers.next(), headers.next()) {
            (None, _) => Cow::Borrowed(&[]),
            (Some(one), None) => Cow::Borrowed(one),
            (Some(first), Some(second)) => {
                let all: Vec<&[u8]> = [first, second].into_iter().chain(headers).collect();
                Cow::Owned(all.join(&b"; "[..]))
            }
        };
        self
    }

    /// What the request's session may see (`None`: anonymous).
    pub fn access(mut self, access: impl Into<Option<Access>>) -> Self {
        self.access = access.into();
        self
    }
}

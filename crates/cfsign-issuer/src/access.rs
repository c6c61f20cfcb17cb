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
    /// For patterns a developer writes. **Never interpolate user data into `resource`**: `*`
    /// and `?` are wildcards CloudFront offers no escape for, so `format!(".../u/{name}/*")`
    /// grants a user named `a*` every folder starting with `a`. Build per-user scopes with
    /// [`Scope::prefix`].
    ///
    /// # Errors
    /// [`IssuerError::InvalidScope`] when the resource is not a valid custom-policy resource
    /// or the path is not a valid cookie path; [`IssuerError::Unreachable`] when browsers would
    /// never send cookies with that path along with requests for the resource's files
    /// (`Path=/images/` for `https://cdn.example.com/u/alice/*`).
    pub fn new(resource: impl Into<String>, cookie_path: impl Into<String>) -> Result<Self, IssuerError> {
        let (resource, cookie_path) = (resource.into(), cookie_path.into());
        CustomPolicy::builder()
            .resource(resource.as_str())
            .date_less_than(EpochSeconds::new(1))
            .build()
            .map_err(IssuerError::InvalidScope)?;
        let attributes = CookieAttributes::new().path(cookie_path.as_str());
        attributes.validate().map_err(IssuerError::InvalidScope)?;
        // A cookie path outside the resource: the browser would never send the cookies there.
        if let Some(why) = attributes.reaches(&resource) {
            return Err(IssuerError::Unreachable(why));
        }
        Ok(Scope { resource, cookie_path })
    }

    /// Everything under the folder that `segments` (untrusted: user IDs, tenant slugs, claims)
    /// name under the trusted `base`, with the cookie path of that folder: each segment is
    /// percent-encoded as one path segment (`*` and `?` included), and a segment that would
    /// name another folder (empty, `.`, `..`, holding `/`, `\`, `;` or NUL) is refused, as is
    /// an empty list (the whole base is a pattern you write by hand). See
    /// [`cfsign::ResourceBase`].
    ///
    /// ```
    /// use cfsign_issuer::{Access, Scope};
    ///
    /// let scope = Scope::prefix("https://cdn.example.com/u/", ["alice"])?;
    /// assert_eq!(scope.resource(), "https://cdn.example.com/u/alice/*");
    /// assert_eq!(scope.cookie_path(), "/u/alice/");
    /// // Whatever the user is called, the scope is their folder and nothing else.
    /// assert_eq!(Scope::prefix("https://cdn.example.com/u/", ["a*"])?.resource(), "https://cdn.example.com/u/a%2A/*");
    /// assert!(Scope::prefix("https://cdn.example.com/u/", ["../bob"]).is_err());
    ///
    /// // The app reads its cookies back on its own paths: send them everywhere on the domain.
    /// let access = Access::from(Scope::prefix("https://cdn.example.com/u/", ["alice"])?.with_cookie_path("/")?);
    /// # let _ = access;
    /// # Ok::<(), cfsign_issuer::IssuerError>(())
    /// ```
    ///
    /// # Errors
    /// [`IssuerError::InvalidScope`] with [`cfsign::Error::InvalidResourceBase`] or
    /// [`cfsign::Error::InvalidPathSegment`] saying why.
    pub fn prefix<S: AsRef<str>>(
        base: &str,
        segments: impl IntoIterator<Item = S>,
    ) -> Result<Self, IssuerError> {
        let base = cfsign::ResourceBase::new(base).map_err(IssuerError::InvalidScope)?;
        let folder = base.folder(segments).map_err(IssuerError::InvalidScope)?;
        // The folder's path: the base's, then the encoded segments (the one spelling browsers
        // send, so the cookie path matches their requests).
        let cookie_path = format!("{}{}", base.path(), &folder[base.as_str().len()..]);
        Scope::new(format!("{folder}*"), cookie_path)
    }

    /// This scope with its cookies sent under `cookie_path` instead, e.g. `/` when the app
    /// reads its cookies back on its own pages (the issuer only sees, and refreshes, cookies
    /// the browser sends it). The resource is unchanged.
    ///
    /// # Errors
    /// [`IssuerError::InvalidScope`] when the path is not a valid cookie path.
    pub fn with_cookie_path(self, cookie_path: impl Into<String>) -> Result<Self, IssuerError> {
        Scope::new(self.resource, cookie_path)
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
        cfsign::cookie::path_matches(&self.cookie_path, request_path)
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
    /// [`IssuerError::InvalidAccess`] for no scope, more than [`Access::MAX_SCOPES`], or two
    /// scopes with the same cookie path (their cookies would overwrite each other).
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, IssuerError> {
        let scopes: Vec<Scope> = scopes.into_iter().collect();
        if scopes.is_empty() || scopes.len() > Self::MAX_SCOPES {
            return Err(IssuerError::InvalidAccess(format!(
                "an Access needs 1 to {} scopes, not {}",
                Self::MAX_SCOPES,
                scopes.len()
            )));
        }
        for (i, s) in scopes.iter().enumerate() {
            if scopes.iter().skip(i + 1).any(|t| t.cookie_path == s.cookie_path) {
                return Err(IssuerError::InvalidAccess(format!(
                    "two scopes of one Access share the cookie path {}",
                    s.cookie_path
                )));
            }
        }
        Ok(Access(scopes.into()))
    }

    /// Access to one scope, from a pattern you write (see [`Scope::new`]; for per-user scopes
    /// use `Access::from(Scope::prefix(base, [user_id])?)`).
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

impl From<Scope> for Access {
    /// Access to one scope.
    fn from(scope: Scope) -> Self {
        Access(Arc::new([scope]))
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
        self.cookie_header = cfsign::wire::join_cookie_headers(headers);
        self
    }

    /// What the request's session may see (`None`: anonymous).
    pub fn access(mut self, access: impl Into<Option<Access>>) -> Self {
        self.access = access.into();
        self
    }
}

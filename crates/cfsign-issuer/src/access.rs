//! What a session may see, and what a handler asks for.

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
    /// (RFC 6265 §5.1.4 path-match).
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

//! The issuer's error type.

use std::fmt;

/// Why an issuer could not be built or a scope created.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerError {
    /// An inconsistent setting.
    Config(&'static str),
    /// Invalid cookie attributes (e.g. `SameSite=None` without `Secure`).
    Cookie(cfsign::Error),
    /// An invalid scope resource or cookie path.
    InvalidScope(cfsign::Error),
    /// An [`Access`](crate::Access) with no scope, more than
    /// [`Access::MAX_SCOPES`](crate::Access::MAX_SCOPES), or two scopes with the
    /// same cookie path: what is wrong.
    InvalidAccess(String),
    /// Cookies that browsers would never send with requests for the scope's files (a cookie
    /// path outside the resource): what to change.
    Unreachable(String),
}

impl fmt::Display for IssuerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssuerError::Config(why) => write!(f, "invalid issuer configuration: {why}"),
            IssuerError::Cookie(e) => write!(f, "invalid cookie attributes: {e}"),
            IssuerError::InvalidScope(e) => write!(f, "invalid scope: {e}"),
            IssuerError::Unreachable(why) => write!(f, "invalid scope: {why}"),
            IssuerError::InvalidAccess(why) => write!(f, "invalid access: {why}"),
        }
    }
}

/// The messages name the cause already; `source` gives cfsign's reason to code that matches on
/// it.
impl std::error::Error for IssuerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IssuerError::Cookie(e) | IssuerError::InvalidScope(e) => Some(e),
            IssuerError::Config(_) | IssuerError::Unreachable(_) | IssuerError::InvalidAccess(_) => None,
        }
    }
}

//! The distribution's behaviours and domain names: what a request needs, by path and host.

use std::sync::Arc;

use cfsign_verify::TrustedKeyGroups;

use http::HeaderValue;

use crate::cors::{InvalidCorsOrigin, cors_origin};
use crate::domain::{InvalidDomainName, domain_name};
use crate::pattern::{InvalidPathPattern, MatchablePath, PathPattern};

/// Ordered behaviours (path pattern → public or protected by trusted key groups), and the
/// domain names the distribution serves.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Gate {
    behaviours: Vec<(PathPattern, Option<Arc<TrustedKeyGroups>>)>,
    default: Option<Arc<TrustedKeyGroups>>,
    domain_names: Vec<String>,
    cors_origins: Vec<HeaderValue>,
}

impl Gate {
    /// No behaviours; the default behaviour is public until set otherwise; every host is
    /// served.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests whose path matches `pattern` (a [`PathPattern`], e.g. `/images/*.jpg`) need a
    /// valid signature from `trusted`.
    ///
    /// # Errors
    /// [`InvalidPathPattern`] for a pattern CloudFront would refuse.
    pub fn protect(mut self, pattern: &str, trusted: TrustedKeyGroups) -> Result<Self, InvalidPathPattern> {
        self.behaviours.push((PathPattern::new(pattern)?, Some(Arc::new(trusted))));
        Ok(self)
    }

    /// Requests whose path matches `pattern` are served without a signature.
    ///
    /// # Errors
    /// [`InvalidPathPattern`] for a pattern CloudFront would refuse.
    pub fn public(mut self, pattern: &str) -> Result<Self, InvalidPathPattern> {
        self.behaviours.push((PathPattern::new(pattern)?, None));
        Ok(self)
    }

    /// Paths no behaviour matches need a valid signature from `trusted`.
    pub fn default_protected(mut self, trusted: TrustedKeyGroups) -> Self {
        self.default = Some(Arc::new(trusted));
        self
    }

    /// The distribution's domain names — its own (`d111111abcdef8.cloudfront.net`) and its
    /// alternate ones (`cdn.example.com`, `*.example.com`), or an IP address for local use.
    /// Like CloudFront, the gate then answers requests for any other host with 403 before
    /// any behaviour sees them. Ports are not compared. Without this call, every valid host is
    /// served (the URL a signature is checked against still carries the request's host).
    ///
    /// # Errors
    /// [`InvalidDomainName`] for a name that is neither a DNS name, a `*.` wildcard nor an IP
    /// address.
    pub fn domain_names<I, N>(mut self, names: I) -> Result<Self, InvalidDomainName>
    where
        I: IntoIterator<Item = N>,
        N: AsRef<str>,
    {
        for name in names {
            self.domain_names.push(domain_name(name.as_ref())?);
        }
        Ok(self)
    }

    /// Answer CORS for these origins as a CloudFront response headers policy that allows
    /// credentials does (`docs/cloudfront-format.md §12`): a request whose `Origin` is one of
    /// them gets `Access-Control-Allow-Origin: <that origin>` and
    /// `Access-Control-Allow-Credentials: true` — on denials too — and every response gets
    /// `Vary: Origin`. A preflight (`OPTIONS` with `Access-Control-Request-Method`) from
    /// an allowed origin is answered `204` with `GET, HEAD` and `Range` allowed — **after**
    /// the behaviour's checks: a preflight carries no cookies, so on a path that needs a
    /// signature only a signed URL's preflight passes; with signed cookies, players must make
    /// requests that need none (plain `GET`, a single `Range`).
    ///
    /// ```
    /// let gate = cfsign_gate::Gate::new().cors_allow_origins(["https://app.example.com"])?;
    /// # Ok::<(), cfsign_gate::InvalidCorsOrigin>(())
    /// ```
    ///
    /// # Errors
    /// [`InvalidCorsOrigin`] for anything but `scheme://host[:port]` (`*` included: a
    /// credentialed request needs its exact origin).
    pub fn cors_allow_origins<I, N>(mut self, origins: I) -> Result<Self, InvalidCorsOrigin>
    where
        I: IntoIterator<Item = N>,
        N: AsRef<str>,
    {
        for origin in origins {
            self.cors_origins.push(cors_origin(origin.as_ref())?);
        }
        Ok(self)
    }

    /// The origins CORS is answered for; empty when CORS is not answered.
    pub(crate) fn cors_origins(&self) -> &[HeaderValue] {
        &self.cors_origins
    }

    /// Whether the distribution serves `host` (lowercase, without port, as
    /// [`RequestUrl::host`](crate::RequestUrl::host) gives it).
    #[must_use]
    pub fn serves_host(&self, host: &str) -> bool {
        self.domain_names.is_empty()
            || self.domain_names.iter().any(|name| match name.strip_prefix("*.") {
                Some(parent) => host
                    .strip_suffix(parent)
                    .and_then(|sub| sub.strip_suffix('.'))
                    .is_some_and(|label| !label.is_empty() && !label.contains('.')),
                None => name == host,
            })
    }

    /// The key groups guarding `path` (in normal form, see [`RequestUrl`](crate::RequestUrl)), or
    /// `None` when it is public.
    #[must_use]
    pub fn behaviour_for(&self, path: &str) -> Option<&TrustedKeyGroups> {
        let path = MatchablePath::of(path);
        self.behaviours
            .iter()
            .find(|(pattern, _)| pattern.matches_decoded(&path))
            .map_or(self.default.as_deref(), |(_, t)| t.as_deref())
    }
}

//! The issuer's settings: one [`Config`] that [`IssuerBuilder`] fills and checks and the
//! [`Issuer`] reads.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::Duration;

use arc_swap::ArcSwap;
use cfsign::{AsyncSigner, CookieAttributes, SameSite};

use crate::cache::CachingSigner;
use crate::counters::Counters;
use crate::{Clock, Inner, Issuer, IssuerError, PolicyKind, SystemClock};

/// Everything an issuer is configured with but its signer.
#[derive(Clone)]
pub(crate) struct Config {
    /// How long issued cookies are valid.
    pub(crate) ttl: Duration,
    /// Re-issue when less than this is left.
    pub(crate) refresh_before: Duration,
    /// Expiries are rounded up to a multiple of this.
    pub(crate) granularity: Duration,
    pub(crate) policy_kind: PolicyKind,
    /// The cookies' attributes but `Path`, which is each scope's.
    pub(crate) attributes: CookieAttributes,
    /// The cookie path revocation uses when the session's access is not known any more.
    pub(crate) default_path: String,
    pub(crate) clock: Arc<dyn Clock>,
    /// How many signatures the cache remembers.
    pub(crate) cache_capacity: usize,
    /// How long a response waits for a signer that has to wait.
    pub(crate) sign_timeout: Duration,
    /// How many signed playlists are kept (feature `playlist`).
    #[cfg_attr(not(feature = "playlist"), allow(dead_code))]
    pub(crate) playlist_capacity: usize,
}

impl Default for Config {
    /// The secure defaults [`Issuer::builder`] documents.
    fn default() -> Self {
        Config {
            ttl: Duration::from_secs(3600),
            refresh_before: Duration::from_secs(15 * 60),
            granularity: Duration::from_secs(60),
            policy_kind: PolicyKind::Custom,
            attributes: CookieAttributes::new(),
            default_path: "/".to_owned(),
            clock: Arc::new(SystemClock),
            cache_capacity: 1024,
            sign_timeout: Duration::from_secs(2),
            playlist_capacity: 64,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("ttl", &self.ttl)
            .field("refresh_before", &self.refresh_before)
            .field("granularity", &self.granularity)
            .field("policy_kind", &self.policy_kind)
            .field("attributes", &self.attributes)
            .field("default_path", &self.default_path)
            .field("cache_capacity", &self.cache_capacity)
            .field("sign_timeout", &self.sign_timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The settings that would make an issuer misbehave, refused.
    fn check(&self) -> Result<(), IssuerError> {
        let secs = |d: Duration| d.as_secs();
        if secs(self.granularity) == 0 {
            return Err(IssuerError::Config("the granularity must be at least one second"));
        }
        if secs(self.ttl) <= secs(self.refresh_before) {
            return Err(IssuerError::Config(
                "the TTL must be longer than the refresh window, or every response would re-issue",
            ));
        }
        if secs(self.granularity) > secs(self.ttl) {
            return Err(IssuerError::Config("the granularity must not exceed the TTL"));
        }
        if self.cache_capacity == 0 {
            return Err(IssuerError::Config("the signature cache needs room for at least one entry"));
        }
        if self.sign_timeout.is_zero() {
            return Err(IssuerError::Config("the signing timeout must be longer than zero"));
        }
        self.attributes.clone().path(self.default_path.as_str()).validate().map_err(IssuerError::Cookie)
    }

    /// A signature cache for `signer` with these settings.
    pub(crate) fn caching(&self, signer: Arc<dyn AsyncSigner>, counters: Arc<Counters>) -> CachingSigner {
        CachingSigner::new(signer, self.cache_capacity, self.sign_timeout, counters)
    }
}

/// Builder for [`Issuer`]; see [`Issuer::builder`].
#[must_use]
pub struct IssuerBuilder {
    signer: Arc<dyn AsyncSigner>,
    config: Config,
}

impl fmt::Debug for IssuerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerBuilder")
            .field("key_pair_id", self.signer.key_pair_id())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl IssuerBuilder {
    pub(crate) fn new(signer: Arc<dyn AsyncSigner>) -> Self {
        IssuerBuilder { signer, config: Config::default() }
    }

    /// How long issued cookies are valid (default 1 h).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.config.ttl = ttl;
        self
    }

    /// Re-issue when less than this is left (default 15 min).
    pub fn refresh_before(mut self, window: Duration) -> Self {
        self.config.refresh_before = window;
        self
    }

    /// Expiries are rounded up to a multiple of this (default 60 s), so sessions with the
    /// same scope share policy bytes and signatures.
    pub fn granularity(mut self, granularity: Duration) -> Self {
        self.config.granularity = granularity;
        self
    }

    /// Canned or custom policies (default custom).
    pub fn policy_kind(mut self, kind: PolicyKind) -> Self {
        self.config.policy_kind = kind;
        self
    }

    /// Cookie `Domain` (default none: host-only). Set the parent domain shared by the app and
    /// the CloudFront alternate domain name, e.g. `example.com`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.config.attributes = self.config.attributes.domain(domain);
        self
    }

    /// Cookie `Secure` (default on; turn off only for plain-http local development).
    pub fn secure(mut self, on: bool) -> Self {
        self.config.attributes = self.config.attributes.secure(on);
        self
    }

    /// Cookie `HttpOnly` (default on).
    pub fn http_only(mut self, on: bool) -> Self {
        self.config.attributes = self.config.attributes.http_only(on);
        self
    }

    /// Cookie `SameSite` (default `Lax`; `None` requires `Secure`).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.config.attributes = self.config.attributes.same_site(same_site);
        self
    }

    /// The cookie path used for revocation when the session's access is not known any more
    /// (default `/`).
    pub fn default_path(mut self, path: impl Into<String>) -> Self {
        self.config.default_path = path.into();
        self
    }

    /// Where the time comes from (default the system clock; tests use [`ManualClock`](crate::ManualClock)).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.config.clock = Arc::new(clock);
        self
    }

    /// How many signatures to remember (default 1024).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.config.cache_capacity = capacity;
        self
    }

    /// How long a response waits for a signer that has to wait (AWS KMS) before it goes out
    /// without new cookies (default 2 s). The signing is then counted in
    /// [`CounterSnapshot::sign_failures`](crate::CounterSnapshot::sign_failures) and tried
    /// again by the next request that needs it; cookies the browser already holds stay valid
    /// until their expiry. Measured with Tokio's timer (axum, actix-web and lambda_http run on
    /// Tokio); a signer that answers at once, a key in memory, never starts a timer.
    pub fn sign_timeout(mut self, timeout: Duration) -> Self {
        self.config.sign_timeout = timeout;
        self
    }

    /// How many signed playlists [`Issuer::signed_playlist`](crate::Issuer::signed_playlist)
    /// keeps (default 64; feature `playlist`): one per playlist, scope and window. A 10,000-
    /// segment playlist signed is about 6 MB.
    #[cfg(feature = "playlist")]
    pub fn playlist_cache(mut self, playlists: usize) -> Self {
        self.config.playlist_capacity = playlists;
        self
    }

    /// Checks the settings and builds the issuer.
    ///
    /// # Errors
    /// [`IssuerError::Config`] for a TTL not longer than the refresh window, a granularity
    /// under one second or over the TTL, a zero cache or signing timeout;
    /// [`IssuerError::Cookie`] for invalid cookie attributes (`SameSite=None` without
    /// `Secure`, a bad domain or default path).
    pub fn build(self) -> Result<Issuer, IssuerError> {
        self.config.check()?;
        let counters = Arc::new(Counters::default());
        #[cfg(feature = "metrics")]
        crate::counters::describe();
        #[cfg(feature = "playlist")]
        let playlists = crate::playlist::Playlists::new(self.config.playlist_capacity);
        Ok(Issuer {
            inner: Arc::new(Inner {
                signer: ArcSwap::from_pointee(self.config.caching(self.signer, counters.clone())),
                config: self.config,
                counters,
                last_warning: AtomicU64::new(0),
                warned_unreachable: AtomicBool::new(false),
                #[cfg(feature = "playlist")]
                playlists,
            }),
        })
    }
}

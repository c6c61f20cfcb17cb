//! # cfsign-issuer — CloudFront cookies that refresh themselves
//!
//! The framework-neutral core of the cfsign middleware (`cfsign-tower`, `cfsign-actix`): for
//! each response it answers one question — which `Set-Cookie` headers, if any? — from the
//! request's `Cookie` header, what the session may see ([`Access`]), an optional explicit
//! [`Directive`] from the handler, and the response status.
//!
//! - Nothing when the request already carries cookies for the same scope, key and hash that
//!   expire later than the refresh window (no signing on this path).
//! - New cookies when they are missing, about to expire, for another scope, another key-pair
//!   ID (rotation) or another hash; stale companions (`CloudFront-Hash-Algorithm`,
//!   `CloudFront-Expires` vs `CloudFront-Policy`) are removed in the same response.
//! - Removal cookies on [`Directive::Revoke`], with the same Domain, Path, Secure and SameSite.
//! - Nothing at all on 5xx responses.
//!
//! Expiries are rounded up to a granularity so that sessions sharing a scope share policy
//! bytes; a bounded cache with single-flight then signs each policy once.
//!
//! ## Cookie paths and several scopes
//!
//! A browser sends a cookie set only with requests under its `Path`. The issuer therefore
//! judges a scope on requests the browser sends that scope's cookies with (the request path is
//! under the scope's cookie path) and leaves it alone elsewhere — it cannot tell a missing set
//! from one it is not shown. With one scope under `Path=/` (the usual setup, and what the
//! examples use) every response is judged. With several scopes,
//! issue them all at login ([`Directive::Issue`]) and give each a cookie path the app's own
//! pages also live under, or they are refreshed only on requests under their paths. When a
//! request carries several sets, browsers send longer paths first and CloudFront reads the
//! first value of each name: the scope with the longest visible cookie path is judged on what
//! CloudFront reads from the header's start, a scope with a shorter one on the first set that
//! claims its resource.
//!
//! Nothing a request carries is trusted: a set keeps its scope fresh only when the issuer can
//! vouch for it — its policy is exactly what the issuer writes for the scope, and its
//! signature is one the issuer made, or one that verifies with the issuer's key
//! ([`cfsign::Signer::verifier`]) — and it expires no later than a set issued now.
//!
//! ```
//! # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
//! use std::sync::Arc;
//! use cfsign_issuer::{Access, Directive, Issuer, ManualClock, RequestView};
//!
//! let key = cfsign::SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?;
//! let clock = ManualClock::new(cfsign::EpochSeconds::new(1_767_200_000));
//! let issuer = Issuer::builder(Arc::new(key)).domain("example.com").clock(clock).build()?;
//! let alice = Access::single("https://cdn.example.com/u/alice/*", "/")?;
//!
//! # futures_executor::block_on(async {
//! // Login: the handler asks for cookies (awaited: a signer may have to wait, e.g. AWS KMS).
//! let set_cookie = issuer.decide(RequestView::new("/login"), Some(&Directive::Issue(alice.clone())), 303).await;
//! assert_eq!(set_cookie.len(), 4); // Policy, Signature, Key-Pair-Id, Hash-Algorithm
//!
//! // Next request with those cookies: nothing to do.
//! let cookie_header: Vec<_> = set_cookie.iter().map(|c| c.split(';').next().unwrap()).collect();
//! let cookie_header = cookie_header.join("; ");
//! assert!(issuer.decide(RequestView::new("/").cookie_header(cookie_header.as_bytes()).access(alice), None, 200).await.is_empty());
//! assert_eq!(issuer.counters().signatures_made, 1);
//! # });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod access;
mod cache;
mod clock;
mod counters;
mod freshness;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use arc_swap::ArcSwap;

use cfsign::wire::ParameterSet;
use cfsign::{
    AsyncSigner, CannedPolicy, CookieAttributes, CustomPolicy, EpochSeconds, Policy, SameSite, SignedCookies,
    SignedPolicy,
};

pub use access::{Access, AccessFn, Directive, RequestView, Scope};
pub use clock::{Clock, ManualClock, SystemClock};
pub use counters::CounterSnapshot;

use cache::CachingSigner;
use counters::{Counters, Event};

/// Which policy the cookies carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyKind {
    /// `CloudFront-Policy`: works for wildcard resources (the usual choice).
    #[default]
    Custom,
    /// `CloudFront-Expires`: only for scopes naming one exact URL.
    Canned,
}

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
    /// An [`Access`] with no scope, more than [`Access::MAX_SCOPES`], or two scopes with the
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

/// Builder for [`Issuer`]; see [`Issuer::builder`].
#[must_use]
pub struct IssuerBuilder {
    signer: Arc<dyn AsyncSigner>,
    ttl: Duration,
    refresh_before: Duration,
    granularity: Duration,
    policy_kind: PolicyKind,
    attributes: CookieAttributes,
    default_path: String,
    clock: Arc<dyn Clock>,
    cache_capacity: usize,
    sign_timeout: Duration,
}

impl fmt::Debug for IssuerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerBuilder")
            .field("key_pair_id", self.signer.key_pair_id())
            .field("ttl", &self.ttl)
            .field("refresh_before", &self.refresh_before)
            .field("granularity", &self.granularity)
            .field("policy_kind", &self.policy_kind)
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

impl IssuerBuilder {
    /// How long issued cookies are valid (default 1 h).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Re-issue when less than this is left (default 15 min).
    pub fn refresh_before(mut self, window: Duration) -> Self {
        self.refresh_before = window;
        self
    }

    /// Expiries are rounded up to a multiple of this (default 60 s), so sessions with the
    /// same scope share policy bytes and signatures.
    pub fn granularity(mut self, granularity: Duration) -> Self {
        self.granularity = granularity;
        self
    }

    /// Canned or custom policies (default custom).
    pub fn policy_kind(mut self, kind: PolicyKind) -> Self {
        self.policy_kind = kind;
        self
    }

    /// Cookie `Domain` (default none: host-only). Set the parent domain shared by the app and
    /// the CloudFront alternate domain name, e.g. `example.com`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.attributes = self.attributes.domain(domain);
        self
    }

    /// Cookie `Secure` (default on; turn off only for plain-http local development).
    pub fn secure(mut self, on: bool) -> Self {
        self.attributes = self.attributes.secure(on);
        self
    }

    /// Cookie `HttpOnly` (default on).
    pub fn http_only(mut self, on: bool) -> Self {
        self.attributes = self.attributes.http_only(on);
        self
    }

    /// Cookie `SameSite` (default `Lax`; `None` requires `Secure`).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.attributes = self.attributes.same_site(same_site);
        self
    }

    /// The cookie path used for revocation when the session's access is not known any more
    /// (default `/`).
    pub fn default_path(mut self, path: impl Into<String>) -> Self {
        self.default_path = path.into();
        self
    }

    /// Where the time comes from (default the system clock; tests use [`ManualClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How many signatures to remember (default 1024).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    /// How long a response waits for a signer that has to wait (AWS KMS) before it goes out
    /// without new cookies (default 2 s). The signing is then counted in
    /// [`CounterSnapshot::sign_failures`] and tried again by the next request that needs it;
    /// cookies the browser already holds stay valid until their expiry. Measured with Tokio's
    /// timer (axum, actix-web and lambda_http run on Tokio); a signer that answers at once, a
    /// key in memory, never starts a timer.
    pub fn sign_timeout(mut self, timeout: Duration) -> Self {
        self.sign_timeout = timeout;
        self
    }

    /// Checks the settings and builds the issuer.
    ///
    /// # Errors
    /// [`IssuerError::Config`] for a TTL not longer than the refresh window, a granularity
    /// under one second or over the TTL, or a zero cache; [`IssuerError::Cookie`] for invalid
    /// cookie attributes (`SameSite=None` without `Secure`, a bad domain or default path).
    pub fn build(self) -> Result<Issuer, IssuerError> {
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
        self.attributes.clone().path(self.default_path.as_str()).validate().map_err(IssuerError::Cookie)?;
        let counters = Arc::new(Counters::default());
        #[cfg(feature = "metrics")]
        counters::describe();
        Ok(Issuer {
            inner: Arc::new(Inner {
                signer: ArcSwap::from_pointee(CachingSigner::new(
                    self.signer,
                    self.cache_capacity,
                    self.sign_timeout,
                    counters.clone(),
                )),
                cache_capacity: self.cache_capacity,
                sign_timeout: self.sign_timeout,
                ttl: secs(self.ttl),
                refresh_before: secs(self.refresh_before),
                granularity: secs(self.granularity),
                policy_kind: self.policy_kind,
                attributes: self.attributes,
                default_path: self.default_path,
                clock: self.clock,
                counters,
                last_warning: AtomicU64::new(0),
                warned_unreachable: AtomicBool::new(false),
            }),
        })
    }
}

struct Inner {
    /// The current signer; [`Issuer::rotate`] swaps it.
    signer: ArcSwap<CachingSigner>,
    cache_capacity: usize,
    sign_timeout: Duration,
    ttl: u64,
    refresh_before: u64,
    granularity: u64,
    policy_kind: PolicyKind,
    attributes: CookieAttributes,
    default_path: String,
    clock: Arc<dyn Clock>,
    counters: Arc<Counters>,
    last_warning: AtomicU64,
    /// Whether the warning about cookies that cannot reach their CDN was logged.
    warned_unreachable: AtomicBool,
}

/// Decides which CloudFront cookies each response sets. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Inner>,
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let signer = i.signer.load();
        f.debug_struct("Issuer")
            .field("key_pair_id", signer.key_pair_id())
            .field("hash", &signer.hash_algorithm())
            .field("ttl_secs", &i.ttl)
            .field("refresh_before_secs", &i.refresh_before)
            .field("granularity_secs", &i.granularity)
            .field("policy_kind", &i.policy_kind)
            .field("attributes", &i.attributes)
            .finish_non_exhaustive()
    }
}

/// What [`Issuer::inspect`] learned from a request, to be completed by [`Issuer::finish`].
#[derive(Debug, Default)]
#[must_use]
pub struct Pending {
    access: Option<Access>,
    /// Indices of the scopes that need fresh cookies.
    refresh: Vec<usize>,
    /// The `CloudFront-*` names the request carried.
    names: ParameterSet,
}

impl Issuer {
    /// Starts an issuer signing with `signer` — a [`cfsign::SigningKey`], a key in AWS KMS
    /// (`cfsign_kms::KmsSigner`), or your own [`cfsign::Signer`] or [`AsyncSigner`] — with the
    /// secure defaults: TTL 1 h, refresh when under 15 min is left, 60 s granularity, custom
    /// policies, `Secure; HttpOnly; SameSite=Lax`, host-only, a 2 s signing timeout.
    pub fn builder(signer: Arc<dyn AsyncSigner>) -> IssuerBuilder {
        IssuerBuilder {
            signer,
            ttl: Duration::from_secs(3600),
            refresh_before: Duration::from_secs(15 * 60),
            granularity: Duration::from_secs(60),
            policy_kind: PolicyKind::Custom,
            attributes: CookieAttributes::new(),
            default_path: "/".to_owned(),
            clock: Arc::new(SystemClock),
            cache_capacity: 1024,
            sign_timeout: Duration::from_secs(2),
        }
    }

    /// The counters so far.
    #[must_use]
    pub fn counters(&self) -> CounterSnapshot {
        self.inner.counters.snapshot()
    }

    /// Switches to a new signing key, live: every clone of this issuer signs with `signer`
    /// from now on, and each session's cookies are re-issued on its next request, because they
    /// carry another key-pair ID (or hash).
    ///
    /// Rotation without downtime, in the order CloudFront needs (docs/cloudfront-format.md §6):
    /// 1. add the new public key to the key group the distribution trusts;
    /// 2. call `rotate` with the new private key (e.g. from a config reload or an admin
    ///    endpoint) — sessions move over as they make requests;
    /// 3. remove the old public key after the cookies it signed have expired (the TTL, 1 h
    ///    by default, after step 2): every session active since then holds new-key cookies.
    ///
    /// The signature cache starts empty for the new key; the counters carry on.
    ///
    /// ```
    /// # let pem = include_str!("../../cfsign/tests/data/ecdsa-p256-pkcs8.pem");
    /// use std::sync::Arc;
    /// use cfsign::{KeyKind, SigningKey};
    /// use cfsign_issuer::{Access, Issuer, RequestView};
    ///
    /// let issuer = Issuer::builder(Arc::new(SigningKey::from_pem(pem, "K2JCJMDEHXQW5F")?)).build()?;
    /// let alice = Access::single("https://cdn.example.com/u/alice/*", "/")?;
    /// # futures_executor::block_on(async {
    /// let before = issuer.decide(RequestView::new("/").access(alice.clone()), None, 200).await;
    /// let cookies: Vec<_> = before.iter().map(|c| c.split(';').next().unwrap()).collect();
    ///
    /// issuer.rotate(Arc::new(SigningKey::generate(KeyKind::EcdsaP256, "KNEWKEY").unwrap()));
    /// let after = issuer.decide(RequestView::new("/").cookie_header(cookies.join("; ").as_bytes()).access(alice), None, 200).await;
    /// assert!(after.iter().any(|c| c.starts_with("CloudFront-Key-Pair-Id=KNEWKEY;")));
    /// # });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rotate(&self, signer: Arc<dyn AsyncSigner>) {
        let i = &*self.inner;
        let next = Arc::new(CachingSigner::new(signer, i.cache_capacity, i.sign_timeout, i.counters.clone()));
        let previous = i.signer.swap(Arc::clone(&next));
        tracing::info!(
            from = previous.key_pair_id().as_str(),
            to = next.key_pair_id().as_str(),
            hash = next.hash_algorithm().as_str(),
            "cfsign: CloudFront cookies are signed with a new key from now on"
        );
    }

    /// The key-pair ID cookies are signed with now.
    #[must_use]
    pub fn key_pair_id(&self) -> cfsign::KeyPairId {
        self.inner.signer.load().key_pair_id().clone()
    }

    /// The current time of the issuer's clock.
    #[must_use]
    pub fn now(&self) -> EpochSeconds {
        self.inner.clock.now()
    }

    /// Before the handler runs: reads the request's cookies for the session's access. No
    /// signing happens here.
    pub fn inspect(&self, request: RequestView<'_>) -> Pending {
        let i = &*self.inner;
        let RequestView { path: request_path, cookie_header, access } = request;
        let header: &[u8] = &cookie_header;
        let limit = cfsign::wire::MAX_COOKIE_HEADER_LEN;
        let mut malformed: Option<Cow<'static, str>> = (header.len() > limit)
            .then(|| format!("Cookie header over {limit} bytes (CloudFront reads none of it)").into());
        // What CloudFront reads: the first value of each name. It holds every name the request
        // carries (for the removal of stale ones when cookies are issued).
        let read = cfsign::wire::cookie_credentials(header);
        let refresh = match &access {
            Some(access) => {
                let signer = i.signer.load();
                let now = i.clock.now();
                let judge = freshness::Judge {
                    signer: &signer,
                    policy_kind: i.policy_kind,
                    refresh_after: now.as_secs().saturating_add(i.refresh_before),
                    latest: self.expiry_at(now),
                };
                judge.due(header, &read, access.scopes(), request_path, &mut malformed)
            }
            None => Vec::new(),
        };
        if let Some(why) = malformed {
            i.counters.record(Event::Malformed);
            self.warn_rate_limited(&why);
        }
        Pending { access, refresh, names: read.names() }
    }

    /// After the handler: the `Set-Cookie` header values for the response, given the
    /// handler's directive (if any) and the response status.
    ///
    /// The [`Finish`] future is ready at once unless cookies have to be signed; then it waits
    /// for the signer (one signing per policy, shared by every request that needs it, bounded
    /// by [`IssuerBuilder::sign_timeout`]). When signing fails it resolves to the headers it
    /// could make — without the failed scope's cookies — never to an error.
    #[inline]
    pub fn finish(&self, pending: Pending, directive: Option<&Directive>, status: u16) -> Finish {
        // The steady state — nothing due, no directive — stays inline in the caller.
        if directive.is_none() && pending.refresh.is_empty() {
            return Finish::ready(Vec::new());
        }
        self.finish_due(pending, directive, status)
    }

    fn finish_due(&self, pending: Pending, directive: Option<&Directive>, status: u16) -> Finish {
        if status >= 500 {
            return Finish::ready(Vec::new());
        }
        let (access, scopes) = match directive {
            Some(Directive::Revoke) => return Finish::ready(self.revoke(pending.access.as_ref())),
            Some(Directive::Issue(access)) => (access.clone(), (0..access.scopes().len()).collect()),
            None => match pending.access {
                Some(access) if !pending.refresh.is_empty() => (access, pending.refresh),
                _ => return Finish::ready(Vec::new()),
            },
        };
        let refresh = directive.is_none();
        let issuing = Box::pin(self.clone().issue(access, scopes, pending.names, refresh));
        Finish(FinishState::Issuing(issuing, self.inner.sign_timeout))
    }

    /// [`inspect`](Self::inspect) and [`finish`](Self::finish) in one call.
    pub fn decide(&self, request: RequestView<'_>, directive: Option<&Directive>, status: u16) -> Finish {
        let pending = self.inspect(request);
        self.finish(pending, directive, status)
    }

    fn attributes(&self, path: &str) -> CookieAttributes {
        self.inner.attributes.clone().path(path)
    }

    /// What a set issued at `now` expires at: `now` + TTL, rounded up to the granularity.
    fn expiry_at(&self, now: EpochSeconds) -> EpochSeconds {
        let i = &self.inner;
        let target = now.as_secs().saturating_add(i.ttl);
        EpochSeconds::new(target.div_ceil(i.granularity).saturating_mul(i.granularity))
    }

    /// Cookies for `scopes` of `access`, signed concurrently; a scope whose signing fails is
    /// left out (and logged by the signer).
    async fn issue(
        self,
        access: Access,
        scopes: Vec<usize>,
        names_in_request: ParameterSet,
        refresh: bool,
    ) -> Vec<String> {
        let i = &*self.inner;
        // One signer for the whole response, even if a rotation happens meanwhile.
        let signer = i.signer.load_full();
        let expires = self.expiry_at(i.clock.now());
        let scopes = scopes.iter().filter_map(|&k| access.scopes().get(k));
        let sets = futures_util::future::join_all(scopes.map(|scope| {
            let signer = &signer;
            async move {
                let policy: Result<Policy, cfsign::Error> = match i.policy_kind {
                    PolicyKind::Custom => CustomPolicy::builder()
                        .resource(scope.resource())
                        .date_less_than(expires)
                        .build()
                        .map(Policy::from),
                    PolicyKind::Canned => CannedPolicy::new(scope.resource(), expires).map(Policy::from),
                };
                let signed = match policy {
                    Ok(policy) => SignedPolicy::new_async(policy, &**signer).await,
                    Err(e) => Err(e),
                };
                (scope, signed.map(|signed| signed.cookies()))
            }
        }))
        .await;
        let mut out = Vec::new();
        for (scope, cookies) in sets {
            let attrs = self.attributes(scope.cookie_path());
            // Only here are the cookie Domain and the scope's host known together; once it
            // has been said, the check is not repeated.
            if !i.warned_unreachable.load(Ordering::Relaxed)
                && let Some(why) = attrs.reaches(scope.resource())
                && !i.warned_unreachable.swap(true, Ordering::Relaxed)
            {
                tracing::warn!(
                    scope = scope.resource(),
                    "cfsign: {why} (logged once per issuer; the cookies are still set)"
                );
            }
            let headers = cookies.and_then(|cookies| {
                let stale = names_in_request.without(cookies.parameters().collect());
                let mut headers = cookies.set_cookie_headers(&attrs)?;
                headers.extend(SignedCookies::removal_headers_for(&attrs, stale)?);
                // When the set comes back, it is one this issuer vouches for.
                signer.vouch_for_own(&cookies, scope.resource());
                Ok(headers)
            });
            match headers {
                Ok(headers) => {
                    i.counters.record(if refresh { Event::Refreshed } else { Event::Issued });
                    out.extend(headers);
                }
                // A signing failure was counted and logged once by the signer.
                Err(cfsign::Error::Signing { .. }) => {}
                Err(e) => tracing::error!(
                    scope = scope.resource(),
                    error = %e,
                    "cfsign: could not issue CloudFront cookies; the response goes out without them"
                ),
            }
        }
        out
    }

    fn revoke(&self, access: Option<&Access>) -> Vec<String> {
        let i = &*self.inner;
        let paths: Vec<&str> = match access {
            Some(a) => a.scopes().iter().map(Scope::cookie_path).collect(),
            None => vec![i.default_path.as_str()],
        };
        let mut out = Vec::new();
        for path in paths {
            if let Ok(h) = SignedCookies::removal_headers(&self.attributes(path)) {
                i.counters.record(Event::Revoked);
                out.extend(h);
            }
        }
        out
    }

    /// Logs a malformed cookie at `warn` at most once a minute, at `debug` otherwise, so that a
    /// client sending garbage cannot flood the logs. Cookie values are never logged.
    fn warn_rate_limited(&self, why: &str) {
        let now = self.inner.clock.now().as_secs();
        let last = self.inner.last_warning.load(Ordering::Relaxed);
        if now >= last.saturating_add(60)
            && self
                .inner
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                reason = why,
                "cfsign: ignoring malformed CloudFront cookies (further ones logged at debug for a minute)"
            );
        } else {
            tracing::debug!(reason = why, "cfsign: ignoring malformed CloudFront cookies");
        }
    }
}

/// The `Set-Cookie` header values of one response: the future [`Issuer::finish`] and
/// [`Issuer::decide`] return. Ready at once unless cookies have to be signed; `Send` and
/// `'static`, so a middleware can keep it in its response future.
#[must_use = "the Set-Cookie headers are only known once the future is awaited"]
pub struct Finish(FinishState);

enum FinishState {
    Ready(Option<Vec<String>>),
    /// The issuing, and how long [`Finish::now`] may wait for it (the signing timeout).
    Issuing(Pin<Box<dyn Future<Output = Vec<String>> + Send>>, Duration),
}

impl Finish {
    fn ready(headers: Vec<String>) -> Self {
        Finish(FinishState::Ready(Some(headers)))
    }

    /// The headers, for a caller that cannot await (a synchronous framework): at once unless
    /// cookies have to be signed; then this thread waits for the signing — its own, or the
    /// same policy's being signed on another thread — up to the issuer's
    /// [`sign_timeout`](IssuerBuilder::sign_timeout). `None` when that passed without an answer
    /// (a remote signer such as AWS KMS needs an async runtime to make progress: await the
    /// `Finish` there instead, and never call `now` on an async executor's thread), or when the
    /// future was already completed.
    #[must_use]
    pub fn now(&mut self) -> Option<Vec<String>> {
        /// Wakes the waiting thread.
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        match &mut self.0 {
            FinishState::Ready(headers) => headers.take(),
            FinishState::Issuing(issuing, timeout) => {
                let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
                let mut cx = Context::from_waker(&waker);
                let deadline = std::time::Instant::now() + *timeout;
                loop {
                    if let Poll::Ready(headers) = issuing.as_mut().poll(&mut cx) {
                        self.0 = FinishState::Ready(None);
                        return Some(headers);
                    }
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    std::thread::park_timeout(left);
                }
            }
        }
    }
}

impl Future for Finish {
    type Output = Vec<String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<String>> {
        match &mut self.0 {
            FinishState::Ready(headers) => Poll::Ready(headers.take().unwrap_or_default()),
            FinishState::Issuing(issuing, _) => issuing.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for Finish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            FinishState::Ready(headers) => f.debug_tuple("Finish::Ready").field(headers).finish(),
            FinishState::Issuing(..) => f.write_str("Finish::Issuing"),
        }
    }
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

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
//!
//! ## Playlists (feature `playlist`)
//!
//! `Issuer::signed_playlist` signs an HLS playlist or DASH MPD for a session's scope with the
//! expiry its cookies would carry, so that players without cookies (native ones, Chromecast)
//! get a playlist whose every URI opens the stream: one signature and one rewrite per
//! playlist, scope and window, shared by every viewer. `Issuer::playlist_response` is the
//! response `cfsign-tower` and `cfsign-actix` send for it.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod access;
mod cache;
mod clock;
mod config;
mod counters;
mod error;
mod freshness;
#[cfg(feature = "playlist")]
mod playlist;

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
    AsyncSigner, CannedPolicy, CookieAttributes, CustomPolicy, EpochSeconds, Policy, SignedCookies,
    SignedPolicy,
};

pub use access::{Access, AccessFn, Directive, RequestView, Scope};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::IssuerBuilder;
pub use counters::CounterSnapshot;
pub use error::IssuerError;
#[cfg(feature = "playlist")]
pub use playlist::{PlaylistResponse, SignedPlaylistError};

use cache::CachingSigner;
use config::Config;
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

struct Inner {
    /// The current signer; [`Issuer::rotate`] swaps it.
    signer: ArcSwap<CachingSigner>,
    config: Config,
    counters: Arc<Counters>,
    last_warning: AtomicU64,
    /// Whether the warning about cookies that cannot reach their CDN was logged.
    warned_unreachable: AtomicBool,
    /// Signed playlists of the last windows.
    #[cfg(feature = "playlist")]
    playlists: playlist::Playlists,
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
            .field("config", &i.config)
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
        IssuerBuilder::new(signer)
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
        let next = Arc::new(i.config.caching(signer, i.counters.clone()));
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
        self.inner.config.clock.now()
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
                let now = i.config.clock.now();
                let judge = freshness::Judge {
                    signer: &signer,
                    policy_kind: i.config.policy_kind,
                    refresh_after: now.as_secs().saturating_add(i.config.refresh_before.as_secs()),
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
        Finish(FinishState::Issuing(issuing, self.inner.config.sign_timeout))
    }

    /// [`inspect`](Self::inspect) and [`finish`](Self::finish) in one call.
    pub fn decide(&self, request: RequestView<'_>, directive: Option<&Directive>, status: u16) -> Finish {
        let pending = self.inspect(request);
        self.finish(pending, directive, status)
    }

    fn attributes(&self, path: &str) -> CookieAttributes {
        self.inner.config.attributes.clone().path(path)
    }

    /// What a set issued at `now` expires at: `now` + TTL, rounded up to the granularity.
    fn expiry_at(&self, now: EpochSeconds) -> EpochSeconds {
        let i = &self.inner;
        let granularity = i.config.granularity.as_secs();
        let target = now.as_secs().saturating_add(i.config.ttl.as_secs());
        EpochSeconds::new(target.div_ceil(granularity).saturating_mul(granularity))
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
        let expires = self.expiry_at(i.config.clock.now());
        let scopes = scopes.iter().filter_map(|&k| access.scopes().get(k));
        let sets = futures_util::future::join_all(scopes.map(|scope| {
            let signer = &signer;
            async move {
                let policy: Result<Policy, cfsign::Error> = match i.config.policy_kind {
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
            None => vec![i.config.default_path.as_str()],
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
        let now = self.inner.config.clock.now().as_secs();
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

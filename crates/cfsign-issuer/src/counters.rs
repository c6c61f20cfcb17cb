//! Counters the application can read, and — with the `metrics` feature — the same events
//! through the [`metrics`](https://docs.rs/metrics) facade. One place records each event.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Something the issuer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// A signing started (a cache miss).
    SignatureStarted,
    /// A signature served from the cache or a signing in flight.
    CacheHit,
    /// A signing failed or timed out.
    SigningFailed,
    /// A cookie set issued because a handler asked (login, permission change).
    Issued,
    /// A cookie set re-issued because the one the browser sent was due.
    Refreshed,
    /// A cookie set removed.
    Revoked,
    /// A request's `CloudFront-*` cookies were malformed (treated as absent).
    Malformed,
    /// A playlist signed and rewritten for a scope and window (not a cached one).
    #[cfg_attr(not(feature = "playlist"), allow(dead_code))]
    PlaylistSigned,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    signatures_made: AtomicU64,
    cache_hits: AtomicU64,
    cookies_issued: AtomicU64,
    cookies_refreshed: AtomicU64,
    cookies_revoked: AtomicU64,
    malformed_cookies: AtomicU64,
    sign_failures: AtomicU64,
    playlists_signed: AtomicU64,
}

/// The metric names, for the README's table and the tests.
#[cfg(feature = "metrics")]
pub(crate) mod names {
    pub(crate) const COOKIE_SETS: &str = "cfsign_cookie_sets_total";
    pub(crate) const SIGNATURES: &str = "cfsign_signatures_total";
    pub(crate) const CACHE_HITS: &str = "cfsign_signature_cache_hits_total";
    pub(crate) const SIGNING_FAILURES: &str = "cfsign_signing_failures_total";
    pub(crate) const SIGNING_DURATION: &str = "cfsign_signing_duration_seconds";
    pub(crate) const MALFORMED: &str = "cfsign_malformed_cookies_total";
    pub(crate) const PLAYLISTS: &str = "cfsign_playlists_signed_total";
}

impl Counters {
    pub(crate) fn record(&self, event: Event) {
        let counter = match event {
            Event::SignatureStarted => &self.signatures_made,
            Event::CacheHit => &self.cache_hits,
            Event::SigningFailed => &self.sign_failures,
            Event::Issued => &self.cookies_issued,
            Event::Refreshed => &self.cookies_refreshed,
            Event::Revoked => &self.cookies_revoked,
            Event::Malformed => &self.malformed_cookies,
            Event::PlaylistSigned => &self.playlists_signed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        {
            use names::*;
            let counter = match event {
                Event::SignatureStarted => metrics::counter!(SIGNATURES),
                Event::CacheHit => metrics::counter!(CACHE_HITS),
                Event::SigningFailed => metrics::counter!(SIGNING_FAILURES),
                Event::Issued => metrics::counter!(COOKIE_SETS, "event" => "issued"),
                Event::Refreshed => metrics::counter!(COOKIE_SETS, "event" => "refreshed"),
                Event::Revoked => metrics::counter!(COOKIE_SETS, "event" => "revoked"),
                Event::Malformed => metrics::counter!(MALFORMED),
                Event::PlaylistSigned => metrics::counter!(PLAYLISTS),
            };
            counter.increment(1);
        }
    }

    /// How long one signing took (successful or not), for the `metrics` histogram.
    #[cfg_attr(not(feature = "metrics"), allow(clippy::unused_self))]
    pub(crate) fn signing_took(&self, _took: Duration, _ok: bool) {
        #[cfg(feature = "metrics")]
        metrics::histogram!(names::SIGNING_DURATION, "result" => if _ok { "ok" } else { "error" })
            .record(_took.as_secs_f64());
    }

    pub(crate) fn snapshot(&self) -> CounterSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            signatures_made: get(&self.signatures_made),
            cache_hits: get(&self.cache_hits),
            cookies_issued: get(&self.cookies_issued) + get(&self.cookies_refreshed),
            cookies_refreshed: get(&self.cookies_refreshed),
            cookies_revoked: get(&self.cookies_revoked),
            malformed_cookies: get(&self.malformed_cookies),
            sign_failures: get(&self.sign_failures),
            playlists_signed: get(&self.playlists_signed),
        }
    }
}

/// Describes the metrics to the installed recorder (units and help texts for exporters such
/// as Prometheus). Called when an issuer is built.
#[cfg(feature = "metrics")]
pub(crate) fn describe() {
    use names::*;
    metrics::describe_counter!(
        COOKIE_SETS,
        "CloudFront cookie sets put on responses, by event: issued (a handler asked), refreshed (the browser's set was due), revoked (logout)"
    );
    metrics::describe_counter!(SIGNATURES, "Signings started (signature cache misses), successful or not");
    metrics::describe_counter!(
        CACHE_HITS,
        "Signatures served from the cache or shared with a signing in flight"
    );
    metrics::describe_counter!(
        SIGNING_FAILURES,
        "Signings that failed or timed out; their responses went out without new cookies"
    );
    metrics::describe_histogram!(
        SIGNING_DURATION,
        metrics::Unit::Seconds,
        "Time one signing took (local key, HSM or AWS KMS), by result"
    );
    metrics::describe_counter!(
        PLAYLISTS,
        "Playlists signed and rewritten for a scope and window (not served from the cache)"
    );
    metrics::describe_counter!(
        MALFORMED,
        "Requests whose CloudFront-* cookies were malformed, oversized or not vouched for (treated as absent)"
    );
}

/// The issuer's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CounterSnapshot {
    /// Signings started (cache misses), successful or not.
    pub signatures_made: u64,
    /// Signatures served from the cache (including waits on a signature in flight).
    pub cache_hits: u64,
    /// Cookie sets issued (one per scope), at a handler's request or as a refresh.
    pub cookies_issued: u64,
    /// Of `cookies_issued`, the refreshes: sets re-issued because the browser's was due.
    pub cookies_refreshed: u64,
    /// Cookie sets removed (one per scope).
    pub cookies_revoked: u64,
    /// Requests whose `CloudFront-*` cookies were malformed or oversized (treated as absent).
    pub malformed_cookies: u64,
    /// Signings that failed or timed out (one per signing, however many requests waited on
    /// it). Their responses went out without the new cookies.
    pub sign_failures: u64,
    /// Playlists signed and rewritten (feature `playlist`): one per playlist, scope and
    /// window, however many viewers asked.
    pub playlists_signed: u64,
}

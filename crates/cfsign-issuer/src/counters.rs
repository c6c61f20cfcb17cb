//! Counters the application can read (and export as metrics).

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) signatures_made: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cookies_issued: AtomicU64,
    pub(crate) cookies_revoked: AtomicU64,
    pub(crate) malformed_cookies: AtomicU64,
    pub(crate) sign_failures: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> CounterSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            signatures_made: get(&self.signatures_made),
            cache_hits: get(&self.cache_hits),
            cookies_issued: get(&self.cookies_issued),
            cookies_revoked: get(&self.cookies_revoked),
            malformed_cookies: get(&self.malformed_cookies),
            sign_failures: get(&self.sign_failures),
        }
    }
}

/// The issuer's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CounterSnapshot {
    /// Signings started (cache misses), successful or not.
    pub signatures_made: u64,
    /// Signatures served from the cache (including waits on a signature in flight).
    pub cache_hits: u64,
    /// Cookie sets issued (one per scope).
    pub cookies_issued: u64,
    /// Cookie sets removed (one per scope).
    pub cookies_revoked: u64,
    /// Requests whose `CloudFront-*` cookies were malformed or oversized (treated as absent).
    pub malformed_cookies: u64,
    /// Signings that failed or timed out (one per signing, however many requests waited on
    /// it). Their responses went out without the new cookies.
    pub sign_failures: u64,
}

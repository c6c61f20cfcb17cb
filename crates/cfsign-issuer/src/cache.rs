//! The issuer's signer: a bounded cache of policy bytes → signature with single-flight
//! (concurrent requests for the same policy sign once), and the memory of the cookie sets it
//! vouches for.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use cfsign::wire::SigningParameter;
use cfsign::{EpochSeconds, Error, HashAlgorithm, KeyKind, KeyPairId, SignedCookies, Signer, Verifier};

use crate::counters::Counters;

type Cell = Arc<OnceLock<Result<Vec<u8>, Error>>>;

struct Entries {
    map: HashMap<Vec<u8>, Cell>,
    /// Insertion order, for eviction (policies age out window by window).
    order: VecDeque<Vec<u8>>,
}

/// Cookie sets this issuer vouches for, by their `CloudFront-Signature` value (as sent): sets it
/// issued, and sets from elsewhere (another instance of the app) whose signature verified with
/// its key. Bounded, oldest first out; only genuine signatures get in, so a client cannot fill
/// it.
#[derive(Default)]
struct Vouched {
    map: HashMap<Box<[u8]>, VouchedSet, foldhash::fast::RandomState>,
    order: VecDeque<Box<[u8]>>,
}

/// What a vouched set's signature covers.
struct VouchedSet {
    /// The `CloudFront-Policy` or `CloudFront-Expires` value the signature goes with.
    carrier: Box<[u8]>,
    resource: Box<str>,
    expires: EpochSeconds,
}

/// A [`Signer`] that remembers what it signed.
pub(crate) struct CachingSigner {
    inner: Arc<dyn Signer + Send + Sync>,
    entries: Mutex<Entries>,
    vouched: RwLock<Vouched>,
    capacity: usize,
    counters: Arc<Counters>,
}

impl CachingSigner {
    pub(crate) fn new(
        inner: Arc<dyn Signer + Send + Sync>,
        capacity: usize,
        counters: Arc<Counters>,
    ) -> Self {
        CachingSigner {
            inner,
            entries: Mutex::new(Entries { map: HashMap::new(), order: VecDeque::new() }),
            vouched: RwLock::new(Vouched::default()),
            capacity: capacity.max(1),
            counters,
        }
    }

    fn cell(&self, message: &[u8]) -> Cell {
        let mut e = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = e.map.get(message) {
            return cell.clone();
        }
        while e.order.len() >= self.capacity {
            match e.order.pop_front() {
                Some(old) => {
                    e.map.remove(&old);
                }
                None => break,
            }
        }
        let cell = Cell::default();
        e.map.insert(message.to_vec(), cell.clone());
        e.order.push_back(message.to_vec());
        cell
    }

    fn forget(&self, message: &[u8], cell: &Cell) {
        let mut e = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if e.map.get(message).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            e.map.remove(message);
            e.order.retain(|m| m != message);
        }
    }

    /// When the set with this signature and `carrier` (its `CloudFront-Policy` or
    /// `CloudFront-Expires` value) is one this signer vouches for: whether it is for
    /// `resource`, and its expiry. A lookup: no decoding, no verification.
    pub(crate) fn vouched(
        &self,
        signature: &[u8],
        carrier: &[u8],
        resource: &str,
    ) -> Option<(bool, EpochSeconds)> {
        let vouched = self.vouched.read().unwrap_or_else(PoisonError::into_inner);
        let set = vouched.map.get(signature).filter(|set| *set.carrier == *carrier)?;
        Some((*set.resource == *resource, set.expires))
    }

    /// Whether `signature` (a `CloudFront-Signature` value) verifies over `message` with this
    /// signer's own key. False when the signer has no [`Verifier`].
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Some(verifier) = self.inner.verifier() else { return false };
        let Ok(signature) = cfsign::encoding::decode_bytes(signature) else { return false };
        verifier.verify(self.inner.hash_algorithm(), message, &signature).is_ok()
    }

    /// Remembers a set whose signature this signer made or verified.
    pub(crate) fn vouch(&self, signature: &[u8], carrier: &[u8], resource: &str, expires: EpochSeconds) {
        let mut v = self.vouched.write().unwrap_or_else(PoisonError::into_inner);
        if v.map.contains_key(signature) {
            return;
        }
        while v.order.len() >= self.capacity {
            match v.order.pop_front() {
                Some(old) => {
                    v.map.remove(&old);
                }
                None => break,
            }
        }
        let set = VouchedSet { carrier: carrier.into(), resource: resource.into(), expires };
        v.order.push_back(signature.into());
        v.map.insert(signature.into(), set);
    }

    /// Remembers a set this issuer is about to send for `resource`.
    pub(crate) fn vouch_for_own(&self, cookies: &SignedCookies, resource: &str) {
        let carrier = cookies.value(if cookies.parameters().any(|p| p == SigningParameter::Expires) {
            SigningParameter::Expires
        } else {
            SigningParameter::Policy
        });
        let signature = cookies.value(SigningParameter::Signature);
        self.vouch(signature.as_bytes(), carrier.as_bytes(), resource, cookies.expires());
    }
}

impl Signer for CachingSigner {
    fn key_pair_id(&self) -> &KeyPairId {
        self.inner.key_pair_id()
    }

    fn key_kind(&self) -> KeyKind {
        self.inner.key_kind()
    }

    fn hash_algorithm(&self) -> HashAlgorithm {
        self.inner.hash_algorithm()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let cell = self.cell(message);
        let mut signed_here = false;
        // Concurrent callers for the same policy block here until the first one has signed.
        let result = cell.get_or_init(|| {
            signed_here = true;
            Counters::bump(&self.counters.signatures_made);
            self.inner.sign(message)
        });
        if !signed_here {
            Counters::bump(&self.counters.cache_hits);
        }
        if result.is_err() {
            // Do not cache failures (a KMS may be back in a moment).
            self.forget(message, &cell);
        }
        result.clone()
    }

    fn verifier(&self) -> Option<&dyn Verifier> {
        self.inner.verifier()
    }
}

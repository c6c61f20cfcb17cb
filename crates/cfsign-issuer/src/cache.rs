//! The issuer's signer: a bounded cache of policy bytes → signature with single-flight
//! (concurrent requests for the same policy sign once), and the memory of which cookie sets it
//! can vouch for.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use cfsign::{Error, HashAlgorithm, KeyKind, KeyPairId, Signer, Verifier};

use crate::counters::Counters;

type Cell = Arc<OnceLock<Result<Vec<u8>, Error>>>;

struct Entries {
    map: HashMap<Vec<u8>, Cell>,
    /// Insertion order, for eviction (policies age out window by window).
    order: VecDeque<Vec<u8>>,
}

/// What a cookie set's signature is over, as the set carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signed<'a> {
    /// A custom policy: the `CloudFront-Policy` value (CloudFront base64 of the policy bytes).
    Policy(&'a [u8]),
    /// A canned policy: its JSON, rebuilt from the scope's resource and `CloudFront-Expires`.
    Canned(&'a str),
}

/// Signatures known to be this key's over exactly the given message: signature value (as sent,
/// CloudFront base64) → the message in CloudFront base64. Filled when this signer signs and
/// when a set from elsewhere (another instance of the app) verifies; bounded, oldest first out.
/// Only genuine signatures get in, so a client cannot fill it.
#[derive(Default)]
struct Vouched {
    map: HashMap<Box<[u8]>, Box<[u8]>, foldhash::fast::RandomState>,
    order: VecDeque<Box<[u8]>>,
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

    /// Whether `signature` (a `CloudFront-Signature` value) is this key's signature over
    /// `signed`: a signature this signer made or checked before is recognised by comparison;
    /// anything else is verified with the signer's public key once, and remembered if good.
    /// A signer without a [`Verifier`] vouches only for its own signatures.
    pub(crate) fn vouches_for(&self, signature: &[u8], signed: Signed<'_>) -> bool {
        let canned;
        let encoded = match signed {
            Signed::Policy(value) => value,
            Signed::Canned(json) => {
                canned = cfsign::encoding::encode(json.as_bytes());
                canned.as_bytes()
            }
        };
        {
            let vouched = self.vouched.read().unwrap_or_else(PoisonError::into_inner);
            if vouched.map.get(signature).is_some_and(|m| **m == *encoded) {
                return true;
            }
        }
        let Some(verifier) = self.inner.verifier() else { return false };
        let decoded = |v: &[u8]| cfsign::encoding::decode_bytes(v).ok();
        let (Some(signature_bytes), Some(message)) = (decoded(signature), decoded(encoded)) else {
            return false;
        };
        if verifier.verify(self.inner.hash_algorithm(), &message, &signature_bytes).is_err() {
            return false;
        }
        self.remember(signature.into(), encoded.into());
        true
    }

    fn remember(&self, signature: Box<[u8]>, message: Box<[u8]>) {
        let mut v = self.vouched.write().unwrap_or_else(PoisonError::into_inner);
        if v.map.contains_key(&signature) {
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
        v.order.push_back(signature.clone());
        v.map.insert(signature, message);
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
        match result {
            // The set this signature goes out in is vouched for when it comes back (also when
            // it came from the cache: the memory of vouched sets may have let it go).
            Ok(signature) => {
                let encode = |b: &[u8]| cfsign::encoding::encode(b).into_bytes().into_boxed_slice();
                self.remember(encode(signature), encode(message));
            }
            // Do not cache failures (a KMS may be back in a moment).
            Err(_) => self.forget(message, &cell),
        }
        result.clone()
    }

    fn verifier(&self) -> Option<&dyn Verifier> {
        self.inner.verifier()
    }
}

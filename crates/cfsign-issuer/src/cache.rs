//! A bounded cache of policy bytes → signature, with single-flight: concurrent requests for
//! the same policy sign once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use cfsign::{Error, HashAlgorithm, KeyKind, KeyPairId, Signer};

use crate::counters::Counters;

type Cell = Arc<OnceLock<Result<Vec<u8>, Error>>>;

struct Entries {
    map: HashMap<Vec<u8>, Cell>,
    /// Insertion order, for eviction (policies age out window by window).
    order: VecDeque<Vec<u8>>,
}

/// A [`Signer`] that remembers what it signed.
pub(crate) struct CachingSigner {
    inner: Arc<dyn Signer + Send + Sync>,
    entries: Mutex<Entries>,
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
            capacity: capacity.max(1),
            counters,
        }
    }

    fn cell(&self, message: &[u8]) -> Cell {
        let mut e = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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
        let mut e = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if e.map.get(message).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            e.map.remove(message);
            e.order.retain(|m| m != message);
        }
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
}

//! The issuer's signer: a bounded cache of policy bytes → signature with single-flight
//! (concurrent requests for the same policy share one signing, local or remote), a timeout
//! for signers that wait, and the memory of the cookie sets it vouches for.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use cfsign::wire::SigningParameter;
use cfsign::{
    AsyncSigner, EpochSeconds, Error, HashAlgorithm, KeyKind, KeyPairId, SignFuture, SignedCookies, Verifier,
};
use futures_util::future::{FutureExt, Shared};
use tracing::Instrument;

use crate::counters::{Counters, Event};

/// One signing of one policy, awaited by every request that needs it; once complete, the
/// cached signature.
type Flight = Shared<Pin<Box<dyn Future<Output = Result<Arc<[u8]>, Error>> + Send>>>;

struct Entries {
    map: HashMap<Vec<u8>, Flight>,
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

/// What a signer can tell of a signature it did not make in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureCheck {
    /// Its key signed the message.
    Verified,
    /// Its key did not sign the message.
    Refused,
    /// The value is not CloudFront base64.
    NotBase64,
    /// The signer has no [`Verifier`] (an HSM that only signs, say).
    CannotVerify,
}

/// An [`AsyncSigner`] that remembers what it signed.
pub(crate) struct CachingSigner {
    inner: Arc<dyn AsyncSigner>,
    entries: Mutex<Entries>,
    vouched: RwLock<Vouched>,
    capacity: usize,
    timeout: Duration,
    counters: Arc<Counters>,
}

impl CachingSigner {
    pub(crate) fn new(
        inner: Arc<dyn AsyncSigner>,
        capacity: usize,
        timeout: Duration,
        counters: Arc<Counters>,
    ) -> Self {
        CachingSigner {
            inner,
            entries: Mutex::new(Entries { map: HashMap::new(), order: VecDeque::new() }),
            vouched: RwLock::new(Vouched::default()),
            capacity: capacity.max(1),
            timeout,
            counters,
        }
    }

    /// The flight for `message`: the one in the cache (a signature made or being made), or a
    /// new one.
    fn flight(&self, message: &[u8]) -> Flight {
        let mut e = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = e.map.get(message) {
            self.counters.record(Event::CacheHit);
            return flight.clone();
        }
        while e.order.len() >= self.capacity {
            match e.order.pop_front() {
                Some(old) => {
                    e.map.remove(&old);
                }
                None => break,
            }
        }
        self.counters.record(Event::SignatureStarted);
        // A span per signing (not per waiting request): where a slow KMS shows up in traces.
        let span = tracing::debug_span!(
            "cfsign.sign",
            key_pair_id = self.inner.key_pair_id().as_str(),
            policy_bytes = message.len()
        );
        let flight =
            sign_once(Arc::clone(&self.inner), message.to_vec(), self.timeout, Arc::clone(&self.counters))
                .instrument(span)
                .boxed()
                .shared();
        e.map.insert(message.to_vec(), flight.clone());
        e.order.push_back(message.to_vec());
        flight
    }

    /// Drops a failed flight, so that the next request tries again (a KMS may be back in a
    /// moment); requests already waiting on it share its failure.
    fn forget(&self, message: &[u8], flight: &Flight) {
        let mut e = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if e.map.get(message).is_some_and(|f| f.ptr_eq(flight)) {
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

    /// What this signer's own key says of `signature` (a `CloudFront-Signature` value) over
    /// `message`.
    pub(crate) fn check(&self, message: &[u8], signature: &[u8]) -> SignatureCheck {
        let Some(verifier) = self.inner.verifier() else { return SignatureCheck::CannotVerify };
        let Ok(signature) = cfsign::encoding::decode_bytes(signature) else {
            return SignatureCheck::NotBase64;
        };
        match verifier.verify(self.inner.hash_algorithm(), message, &signature) {
            Ok(()) => SignatureCheck::Verified,
            Err(_) => SignatureCheck::Refused,
        }
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

/// Signs `message` once. A signer that answers at once (a key in memory) is asked without a
/// timer; one that has to wait gets `timeout`, measured by Tokio's timer when the flight runs
/// on a Tokio runtime. A failure is counted and logged here, once per flight however many
/// requests wait on it; the message says what failed, never anything about the key.
async fn sign_once(
    signer: Arc<dyn AsyncSigner>,
    message: Vec<u8>,
    timeout: Duration,
    counters: Arc<Counters>,
) -> Result<Arc<[u8]>, Error> {
    let started = std::time::Instant::now();
    let mut signing = signer.sign(&message);
    let result = match futures_util::poll!(signing.as_mut()) {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending if tokio::runtime::Handle::try_current().is_ok() => {
            match tokio::time::timeout(timeout, signing).await {
                Ok(result) => result,
                Err(_) => Err(Error::Signing {
                    reason: format!("the signer did not answer within {} ms", timeout.as_millis()),
                }),
            }
        }
        std::task::Poll::Pending => signing.await,
    };
    // Whatever the signer reports is a signing failure to the issuer (counted and logged
    // here, skipped quietly by the caller), whichever `Error` it chose.
    let result = result.map_err(|e| match e {
        Error::Signing { .. } => e,
        other => Error::Signing { reason: other.to_string() },
    });
    counters.signing_took(started.elapsed(), result.is_ok());
    if let Err(e) = &result {
        counters.record(Event::SigningFailed);
        tracing::warn!(
            key_pair_id = signer.key_pair_id().as_str(),
            error = %e,
            "cfsign: could not sign CloudFront cookies; responses go out without new cookies until a signing succeeds"
        );
    }
    result.map(Arc::from)
}

impl AsyncSigner for CachingSigner {
    fn key_pair_id(&self) -> &KeyPairId {
        self.inner.key_pair_id()
    }

    fn key_kind(&self) -> KeyKind {
        self.inner.key_kind()
    }

    fn hash_algorithm(&self) -> HashAlgorithm {
        self.inner.hash_algorithm()
    }

    fn sign<'a>(&'a self, message: &'a [u8]) -> SignFuture<'a> {
        let flight = self.flight(message);
        Box::pin(async move {
            let result = flight.clone().await;
            if result.is_err() {
                self.forget(message, &flight);
            }
            result.map(|signature| signature.to_vec())
        })
    }

    fn verifier(&self) -> Option<&dyn Verifier> {
        self.inner.verifier()
    }
}

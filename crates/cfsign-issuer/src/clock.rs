//! Time sources: the system clock, and one that tests control.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cfsign::EpochSeconds;

/// Where the issuer reads the time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in whole seconds.
    fn now(&self) -> EpochSeconds;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> EpochSeconds {
        EpochSeconds::now()
    }
}

/// A clock that only moves when told to; clones share the time.
///
/// ```
/// use cfsign_issuer::{Clock, ManualClock};
/// let clock = ManualClock::new(cfsign::EpochSeconds::new(1_000));
/// clock.clone().advance(std::time::Duration::from_secs(5));
/// assert_eq!(clock.now().as_secs(), 1_005);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock showing `now`.
    #[must_use]
    pub fn new(now: EpochSeconds) -> Self {
        ManualClock(Arc::new(AtomicU64::new(now.as_secs())))
    }

    /// Sets the time.
    pub fn set(&self, now: EpochSeconds) {
        self.0.store(now.as_secs(), Ordering::SeqCst);
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> EpochSeconds {
        EpochSeconds::new(self.0.load(Ordering::SeqCst))
    }
}

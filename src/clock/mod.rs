//! Injectable time, so token expiry, the breaker and market sessions are testable without
//! sleeping, and hoga can follow a simulator's clock (`--clock`).

mod mode;

pub use mode::{ClockMode, ModeClock, parse_instant};

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::sync::Mutex;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to. Cloning shares the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    pub fn advance(&self, d: Duration) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *g += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// The clock a `--clock` mode asks for: the system clock for `real`, else a [`ModeClock`].
pub fn from_mode(mode: &ClockMode) -> SharedClock {
    match mode {
        ClockMode::Real => system(),
        other => Arc::new(ModeClock::new(other.clone())),
    }
}

/// The backoff every retry in hoga uses: `first`, doubled `n` times, never above `cap`.
pub fn doubling(
    first: std::time::Duration,
    n: u32,
    cap: std::time::Duration,
) -> std::time::Duration {
    first.saturating_mul(1u32 << n.min(20)).min(cap)
}

//! Circuit breaker: CLOSED → OPEN after N consecutive failures, OPEN for a while, then
//! HALF_OPEN lets exactly one probe through. Time comes from an injectable `Clock`, so tests
//! need no sleeping. Rate-limit answers never trip it (the caller decides what counts).

use crate::clock::SharedClock;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;
use tokio::sync::watch;

/// Breaker state, published on a `watch` channel for the status bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    /// Calls fail fast until `until`.
    Open {
        until: DateTime<Utc>,
    },
    /// One probe is allowed; its result decides.
    HalfOpen,
}

impl BreakerState {
    pub fn label(&self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: u32,
    probe_in_flight: bool,
    transitions: u64,
    /// Openings since it was last closed (each failed probe re-opens it).
    opens: u32,
    /// The last failure's cause, in words.
    cause: &'static str,
}

/// Admission result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Go ahead.
    Yes,
    /// Go ahead: you are the half-open probe.
    Probe,
    /// Fail fast.
    No { until: DateTime<Utc> },
}

#[derive(Debug)]
pub struct Breaker {
    clock: SharedClock,
    threshold: u32,
    open_for: Duration,
    inner: Mutex<Inner>,
    tx: watch::Sender<BreakerState>,
}

/// During market hours the first open window is this short (or the configured one, if
/// shorter), doubling with each failed probe up to the configured window: when KIS comes back,
/// data returns within seconds, not a minute later.
const FIRST_WINDOW_LIVE: Duration = Duration::seconds(5);

impl Breaker {
    pub fn new(clock: SharedClock, threshold: u32, open_for: Duration) -> Breaker {
        let (tx, _rx) = watch::channel(BreakerState::Closed);
        Breaker {
            clock,
            threshold: threshold.max(1),
            open_for,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                probe_in_flight: false,
                transitions: 0,
                opens: 0,
                cause: "",
            }),
            tx,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current state; an OPEN breaker whose time is up reports HALF_OPEN.
    pub fn state(&self) -> BreakerState {
        let mut g = self.lock();
        self.tick(&mut g);
        g.state
    }

    pub fn subscribe(&self) -> watch::Receiver<BreakerState> {
        self.tx.subscribe()
    }

    pub fn transitions(&self) -> u64 {
        self.lock().transitions
    }

    fn set(&self, g: &mut Inner, to: BreakerState) {
        if g.state == to {
            return;
        }
        let from = g.state;
        g.state = to;
        g.transitions += 1;
        match to {
            BreakerState::Open { until } => {
                tracing::warn!(from = from.label(), %until, "KIS circuit breaker opened")
            }
            BreakerState::HalfOpen => tracing::info!("KIS circuit breaker half-open: probing"),
            BreakerState::Closed => {
                tracing::info!(from = from.label(), "KIS circuit breaker closed")
            }
        }
        self.tx.send_replace(to);
    }

    fn tick(&self, g: &mut Inner) {
        if let BreakerState::Open { until } = g.state
            && self.clock.now() >= until
        {
            g.probe_in_flight = false;
            self.set(g, BreakerState::HalfOpen);
        }
    }

    /// May a call go out now?
    pub fn admit(&self) -> Admit {
        let mut g = self.lock();
        self.tick(&mut g);
        match g.state {
            BreakerState::Closed => Admit::Yes,
            BreakerState::Open { until } => Admit::No { until },
            BreakerState::HalfOpen if g.probe_in_flight => Admit::No {
                until: self.clock.now() + Duration::seconds(1),
            },
            BreakerState::HalfOpen => {
                g.probe_in_flight = true;
                Admit::Probe
            }
        }
    }

    /// The call succeeded: reset, and close after a successful probe.
    pub fn on_success(&self) {
        let mut g = self.lock();
        g.failures = 0;
        g.probe_in_flight = false;
        g.opens = 0;
        if g.state != BreakerState::Closed {
            self.set(&mut g, BreakerState::Closed);
        }
    }

    /// The call failed in a way that says KIS is unhealthy; `cause` says how, in words.
    pub fn on_failure(&self, cause: &'static str) {
        let mut g = self.lock();
        g.failures = g.failures.saturating_add(1);
        g.cause = cause;
        let reopen = matches!(g.state, BreakerState::HalfOpen)
            || (g.state == BreakerState::Closed && g.failures >= self.threshold);
        if reopen {
            g.probe_in_flight = false;
            let now = self.clock.now();
            let window = self.window(now, g.opens);
            g.opens = g.opens.saturating_add(1);
            let until = now.checked_add_signed(window).unwrap_or(now);
            self.set(&mut g, BreakerState::Open { until });
        }
    }

    /// How long it stays open after its `opens`-th opening in a row: the configured window,
    /// or during market hours a short first window doubling up to it.
    fn window(&self, now: chrono::DateTime<chrono::Utc>, opens: u32) -> Duration {
        if !crate::market::Calendar::krx().session_at(now).is_live() {
            return self.open_for;
        }
        let cap = self.open_for.to_std().unwrap_or_default();
        let first = FIRST_WINDOW_LIVE.to_std().unwrap_or_default().min(cap);
        Duration::from_std(crate::clock::doubling(first, opens, cap)).unwrap_or(self.open_for)
    }

    /// What the failures that opened it were, in words (empty before any failure).
    pub fn cause(&self) -> &'static str {
        self.lock().cause
    }

    /// The call ended without saying anything about KIS's health (rate limit, bad request,
    /// cancelled): a probe slot is released, counters stay.
    pub fn on_neutral(&self) {
        let mut g = self.lock();
        g.probe_in_flight = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Arc;

    /// A Sunday: outside every session, the configured window applies as it is.
    fn sunday() -> chrono::DateTime<chrono::Utc> {
        crate::clock::parse_instant("2026-11-29 12:00").unwrap()
    }

    fn setup() -> (ManualClock, Breaker) {
        let clock = ManualClock::new(sunday());
        let b = Breaker::new(Arc::new(clock.clone()), 5, Duration::seconds(60));
        (clock, b)
    }

    #[test]
    fn during_market_hours_the_first_window_is_short_and_doubles_to_the_configured_one() {
        let clock = ManualClock::new(crate::clock::parse_instant("2026-11-26 10:30").unwrap());
        let b = Breaker::new(Arc::new(clock.clone()), 2, Duration::seconds(60));
        b.on_failure("연결 거부 (connection refused)");
        b.on_failure("연결 거부 (connection refused)");
        let mut windows = Vec::new();
        for _ in 0..6 {
            let BreakerState::Open { until } = b.state() else {
                panic!("{:?}", b.state())
            };
            windows.push((until - clock.now()).num_seconds());
            clock.set(until);
            assert_eq!(b.admit(), Admit::Probe);
            b.on_failure("연결 거부 (connection refused)");
        }
        assert_eq!(windows, [5, 10, 20, 40, 60, 60]);
        assert_eq!(b.cause(), "연결 거부 (connection refused)");
        // A good probe closes it and the next outage starts short again.
        clock.advance(Duration::seconds(60));
        assert_eq!(b.admit(), Admit::Probe);
        b.on_success();
        b.on_failure("x");
        b.on_failure("x");
        let BreakerState::Open { until } = b.state() else {
            panic!()
        };
        assert_eq!((until - clock.now()).num_seconds(), 5);
    }

    #[test]
    fn opens_after_five_consecutive_failures() {
        let (_c, b) = setup();
        for _ in 0..4 {
            assert_eq!(b.admit(), Admit::Yes);
            b.on_failure("test");
        }
        assert_eq!(b.state(), BreakerState::Closed);
        b.on_failure("test");
        assert!(matches!(b.state(), BreakerState::Open { .. }));
        assert!(matches!(b.admit(), Admit::No { .. }));
    }

    #[test]
    fn success_resets_the_count() {
        let (_c, b) = setup();
        for _ in 0..4 {
            b.on_failure("test");
        }
        b.on_success();
        for _ in 0..4 {
            b.on_failure("test");
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn neutral_results_do_not_count() {
        let (_c, b) = setup();
        for _ in 0..100 {
            b.on_neutral();
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn half_open_admits_one_probe_and_closes_on_success() {
        let (c, b) = setup();
        let mut rx = b.subscribe();
        for _ in 0..5 {
            b.on_failure("test");
        }
        assert!(rx.has_changed().unwrap());
        assert!(matches!(*rx.borrow_and_update(), BreakerState::Open { .. }));
        c.advance(Duration::seconds(59));
        assert!(matches!(b.admit(), Admit::No { .. }));
        c.advance(Duration::seconds(1));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert_eq!(b.admit(), Admit::Probe);
        assert!(matches!(b.admit(), Admit::No { .. }), "only one probe");
        b.on_success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(*rx.borrow_and_update(), BreakerState::Closed);
        assert_eq!(b.transitions(), 3);
    }

    #[test]
    fn failed_probe_reopens_for_another_period() {
        let (c, b) = setup();
        for _ in 0..5 {
            b.on_failure("test");
        }
        c.advance(Duration::seconds(60));
        assert_eq!(b.admit(), Admit::Probe);
        b.on_failure("test");
        let BreakerState::Open { until } = b.state() else {
            panic!("expected open");
        };
        assert_eq!(until, c.now() + Duration::seconds(60));
    }

    #[test]
    fn neutral_probe_frees_the_slot() {
        let (c, b) = setup();
        for _ in 0..5 {
            b.on_failure("test");
        }
        c.advance(Duration::seconds(61));
        assert_eq!(b.admit(), Admit::Probe);
        b.on_neutral();
        assert_eq!(b.admit(), Admit::Probe);
    }

    use crate::clock::Clock;
}

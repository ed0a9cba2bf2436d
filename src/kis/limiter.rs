//! Hand-written request pacer: evenly spaced permits, never more than `limit` in any one
//! second (with a safety margin against KIS's sliding window), no burst at start, FIFO within
//! a priority, Interactive before Background before Batch, bounded queues (backpressure), and
//! an adaptive factor that slows down after an EGW00201 and recovers by itself.
//!
//! Why not `governor`: its `per_second(n)` starts with a full bucket and lets ~2n through in
//! the first second, which is exactly what KIS's window punishes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, oneshot};
use tokio::time::Instant;

/// Who is waiting: the screen the user looks at goes first, bulk jobs last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    Interactive = 0,
    Background = 1,
    Batch = 2,
}

/// Limiter settings.
#[derive(Clone, Debug)]
pub struct LimiterConfig {
    /// Permits per second for this process.
    pub per_sec: u32,
    /// Extra spacing added to the one-second window, against clock and network jitter.
    pub margin: Duration,
    /// Background + Batch requests allowed to wait at once; more callers wait for room.
    pub queue_capacity: usize,
}

impl LimiterConfig {
    pub fn new(per_sec: u32) -> LimiterConfig {
        LimiterConfig {
            per_sec: per_sec.max(1),
            margin: Duration::from_millis(10),
            queue_capacity: 4096,
        }
    }
}

/// Permission to send one request. Drop it when the answer has arrived: the server cannot
/// have received the request later than that, so the window can move on.
#[derive(Debug)]
pub struct Permit {
    shared: Arc<Shared>,
    seq: u64,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut g = self.shared.lock();
        if let Ok(i) = g.sent.binary_search_by_key(&self.seq, |s| s.seq)
            && g.sent[i].done.is_none()
        {
            g.sent[i].done = Some(now);
        }
        drop(g);
        self.shared.notify.notify_one();
    }
}

/// One granted request: when it was let go and when its answer came back.
#[derive(Debug, Clone, Copy)]
struct Sent {
    seq: u64,
    granted: Instant,
    done: Option<Instant>,
}

/// A request is assumed to reach the server within this after its grant, even if the answer
/// takes longer (slow endpoints); bounds how long an unanswered request holds its slot.
const TRANSIT: Duration = Duration::from_millis(250);

impl Sent {
    /// The latest instant the server can have counted this request.
    fn arrival_bound(&self) -> Instant {
        let cap = self.granted + TRANSIT;
        self.done.map_or(cap, |d| d.min(cap))
    }
}

/// The limiter stopped (its runtime shut down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

#[derive(Debug)]
struct State {
    per_sec: u32,
    /// Adaptive slow-down factor in (0, 1].
    factor: f64,
    last_adjust: Instant,
    /// Requests that may still count in the server's window, in grant order.
    sent: VecDeque<Sent>,
    next_seq: u64,
    /// Ideal time of the next grant (evenly spaced schedule). Grants that the 1 ms timer
    /// makes a little late are caught up, so the average rate is the limit, not less.
    tat: Option<Instant>,
    queues: [VecDeque<oneshot::Sender<u64>>; 3],
}

impl State {
    fn effective(&mut self, now: Instant) -> u32 {
        // Recover 10 % every 2 s without a rate-limit answer.
        if self.factor < 1.0 && now.duration_since(self.last_adjust) >= Duration::from_secs(2) {
            self.factor = (self.factor + 0.1).min(1.0);
            self.last_adjust = now;
        }
        ((self.per_sec as f64 * self.factor + 1e-6).floor() as u32).max(1)
    }

    fn waiting(&self) -> bool {
        self.queues.iter().any(|q| !q.is_empty())
    }
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    notify: Notify,
    room: Semaphore,
    margin: Duration,
    capacity: usize,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    shared: Arc<Shared>,
    pump: OnceLock<tokio::task::JoinHandle<()>>,
}

const WINDOW: Duration = Duration::from_secs(1);

impl RateLimiter {
    pub fn new(cfg: LimiterConfig) -> RateLimiter {
        RateLimiter {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    per_sec: cfg.per_sec.max(1),
                    factor: 1.0,
                    last_adjust: Instant::now(),
                    sent: VecDeque::new(),
                    next_seq: 0,
                    tat: None,
                    queues: Default::default(),
                }),
                notify: Notify::new(),
                room: Semaphore::new(cfg.queue_capacity.max(1)),
                margin: cfg.margin,
                capacity: cfg.queue_capacity.max(1),
            }),
            pump: OnceLock::new(),
        }
    }

    /// A limiter that counts requests another process sent `ages` ago (answered) as its own:
    /// a process started right after another on the same key must not open with a burst
    /// into the window the other one filled.
    pub fn with_history(cfg: LimiterConfig, ages: &[Duration]) -> RateLimiter {
        let l = RateLimiter::new(cfg);
        let now = Instant::now();
        let mut at: Vec<Instant> = ages
            .iter()
            .filter(|a| **a < WINDOW + l.shared.margin)
            .filter_map(|a| now.checked_sub(*a))
            .collect();
        at.sort_unstable();
        let mut g = l.shared.lock();
        for t in at {
            let seq = g.next_seq;
            g.next_seq += 1;
            g.sent.push_back(Sent {
                seq,
                granted: t,
                done: Some(t),
            });
        }
        if let Some(last) = g.sent.back().map(|s| s.granted) {
            g.tat = Some(last + WINDOW / g.effective(now));
        }
        drop(g);
        l
    }

    /// Waits for a permit to send one request now.
    pub async fn acquire(&self, priority: Priority) -> Result<Permit, Closed> {
        self.pump
            .get_or_init(|| tokio::spawn(pump(self.shared.clone())));
        // Bounded backpressure: bulk callers wait for room in the queue; interactive ones never.
        let _room = if priority == Priority::Interactive {
            None
        } else {
            Some(self.shared.room.acquire().await.map_err(|_| Closed)?)
        };
        let (tx, rx) = oneshot::channel();
        {
            let mut g = self.shared.lock();
            // Nobody waiting and a slot free now: take it without a trip through the pump.
            let now = Instant::now();
            if !g.waiting() && next_slot(&mut g, self.shared.margin, now) <= now {
                let seq = grant(&mut g, now);
                return Ok(Permit {
                    shared: self.shared.clone(),
                    seq,
                });
            }
            g.queues[priority as usize].push_back(tx);
        }
        self.shared.notify.notify_one();
        let seq = rx.await.map_err(|_| Closed)?;
        Ok(Permit {
            shared: self.shared.clone(),
            seq,
        })
    }

    /// KIS said EGW00201: slow down (the factor recovers by itself).
    pub fn on_rate_limited(&self) {
        let mut g = self.shared.lock();
        g.factor = (g.factor * 0.7).max(0.25);
        g.last_adjust = Instant::now();
        tracing::warn!(factor = g.factor, "KIS rate limit hit: slowing down");
    }

    /// Changes the per-second budget (e.g. Redis went down and the configured share applies).
    pub fn set_per_sec(&self, per_sec: u32) {
        self.shared.lock().per_sec = per_sec.max(1);
    }

    /// Permits granted in the last second, and the current per-second limit.
    pub fn usage(&self) -> (u32, u32) {
        let now = Instant::now();
        let mut g = self.shared.lock();
        let used = g
            .sent
            .iter()
            .filter(|s| now.duration_since(s.granted) < WINDOW)
            .count() as u32;
        (used, g.effective(now))
    }

    /// How long ago each request that may still count in the server's window can have arrived
    /// (newest last), for [`RateLimiter::with_history`] in the next process on the same key.
    pub fn recent(&self) -> Vec<Duration> {
        let now = Instant::now();
        let g = self.shared.lock();
        let mut ages: Vec<Duration> = g
            .sent
            .iter()
            .map(|s| now.saturating_duration_since(s.arrival_bound()))
            .filter(|age| *age < WINDOW + self.shared.margin)
            .collect();
        ages.sort_unstable_by(|a, b| b.cmp(a));
        ages
    }

    /// Requests waiting for a permit.
    pub fn queued(&self) -> usize {
        self.shared.lock().queues.iter().map(VecDeque::len).sum()
    }

    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }
}

impl Drop for RateLimiter {
    fn drop(&mut self) {
        if let Some(h) = self.pump.get() {
            h.abort();
        }
    }
}

/// Catch-up allowance: a grant this late still counts as on schedule, so timer and scheduler
/// lag under load does not lower the average rate. Safe: the window rule still holds.
const SLACK: Duration = Duration::from_millis(20);

/// Earliest instant the next permit may be granted.
fn next_slot(g: &mut State, margin: Duration, now: Instant) -> Instant {
    let limit = g.effective(now) as usize;
    // Forget requests that can no longer be in any window that includes `now`.
    g.sent.retain(|s| s.arrival_bound() + WINDOW + margin > now);
    let interval = WINDOW / limit as u32;
    // Up to a quarter interval (at most 1 ms) early is fine for pacing: it avoids a timer
    // round-up of a whole millisecond. The window rule below is never relaxed.
    let early = (interval / 4).min(Duration::from_millis(1));
    let mut at = now;
    if let Some(tat) = g.tat {
        at = at.max(tat.checked_sub(early).unwrap_or(tat));
    }
    // The window rule: a new request (reaching the server at `now` at the earliest) must not
    // share a one-second window with `limit` earlier ones, judged by the latest instant each
    // earlier one can have arrived.
    if g.sent.len() >= limit {
        let mut bounds: Vec<Instant> = g.sent.iter().map(Sent::arrival_bound).collect();
        bounds.sort_unstable();
        at = at.max(bounds[bounds.len() - limit] + WINDOW + margin);
    }
    at
}

/// Records a grant at `now`, schedules the next ideal time, and returns the grant's number.
fn grant(g: &mut State, now: Instant) -> u64 {
    let limit = g.effective(now);
    let interval = WINDOW / limit;
    let base = match g.tat {
        Some(t) if now.saturating_duration_since(t) <= SLACK => t,
        _ => now,
    };
    g.tat = Some(base + interval);
    let seq = g.next_seq;
    g.next_seq += 1;
    g.sent.push_back(Sent {
        seq,
        granted: now,
        done: None,
    });
    seq
}

async fn pump(shared: Arc<Shared>) {
    loop {
        let at = {
            let mut g = shared.lock();
            if g.waiting() {
                Some(next_slot(&mut g, shared.margin, Instant::now()))
            } else {
                None
            }
        };
        let Some(at) = at else {
            shared.notify.notified().await;
            continue;
        };
        if at > Instant::now() {
            // An answer arriving early may free the window sooner: wake on it too.
            tokio::select! {
                _ = tokio::time::sleep_until(at) => {}
                _ = shared.notify.notified() => {}
            }
        }
        let mut g = shared.lock();
        let now = Instant::now();
        // The budget may have shrunk while sleeping.
        if next_slot(&mut g, shared.margin, now) > now {
            continue;
        }
        // Grant every permit that is due now (several after a late wake-up).
        loop {
            let mut granted = false;
            for q in 0..3 {
                while let Some(tx) = g.queues[q].pop_front() {
                    // A caller that gave up (dropped its future) does not use the slot.
                    let seq = g.next_seq;
                    if tx.send(seq).is_ok() {
                        granted = true;
                        break;
                    }
                }
                if granted {
                    break;
                }
            }
            if !granted {
                break;
            }
            grant(&mut g, now);
            if !g.waiting() || next_slot(&mut g, shared.margin, now) > now {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Max permits in any window of `w` over sorted instants.
    pub(crate) fn max_in_window(times: &[Instant], w: Duration) -> usize {
        let mut best = 0;
        let mut j = 0;
        for i in 0..times.len() {
            while times[i].duration_since(times[j]) >= w {
                j += 1;
            }
            best = best.max(i - j + 1);
        }
        best
    }

    #[tokio::test]
    async fn no_burst_at_start_and_no_window_over_the_limit() {
        let l = Arc::new(RateLimiter::new(LimiterConfig::new(50)));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..120 {
            let l = l.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire(Priority::Background).await.unwrap();
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        assert!(max_in_window(&times, Duration::from_secs(1)) <= 50);
        // First second: at most the limit (governor would let ~100 through).
        let first = times
            .iter()
            .filter(|t| t.duration_since(start) < WINDOW)
            .count();
        assert!(first <= 50, "{first} in the first second");
        // And it kept pace: 120 permits at 50/s need a bit over 2 s, not much more.
        assert!(times[119].duration_since(start) < Duration::from_millis(3500));
    }

    #[tokio::test]
    async fn interactive_goes_before_batch() {
        let l = Arc::new(RateLimiter::new(LimiterConfig::new(20)));
        // Occupy the pump so the queue builds up.
        l.acquire(Priority::Batch).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..5 {
            let (l, o) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                l.acquire(Priority::Batch).await.unwrap();
                o.lock().unwrap().push(format!("b{i}"));
            }));
            tokio::task::yield_now().await;
        }
        // Let the batch waiters enqueue, then an interactive one arrives.
        while l.queued() < 5 {
            tokio::task::yield_now().await;
        }
        let (l2, o2) = (l.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            l2.acquire(Priority::Interactive).await.unwrap();
            o2.lock().unwrap().push("i".to_string());
        }));
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap();
        let pos = order.iter().position(|s| s == "i").unwrap();
        assert!(pos <= 1, "interactive served at {pos}: {order:?}");
    }

    #[tokio::test]
    async fn fair_within_a_priority() {
        let l = Arc::new(RateLimiter::new(LimiterConfig::new(200)));
        let counts = Arc::new(Mutex::new([0u32; 4]));
        let stop = Instant::now() + Duration::from_millis(600);
        let mut tasks = Vec::new();
        for k in 0..4 {
            let (l, c) = (l.clone(), counts.clone());
            tasks.push(tokio::spawn(async move {
                while Instant::now() < stop {
                    l.acquire(Priority::Background).await.unwrap();
                    c.lock().unwrap()[k] += 1;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let c = *counts.lock().unwrap();
        let (min, max) = (c.iter().min().unwrap(), c.iter().max().unwrap());
        assert!(max - min <= 2, "unfair: {c:?}");
    }

    #[tokio::test]
    async fn slows_down_after_rate_limit_then_recovers() {
        let l = RateLimiter::new(LimiterConfig::new(100));
        assert_eq!(l.usage().1, 100);
        l.on_rate_limited();
        assert_eq!(l.usage().1, 70);
        l.on_rate_limited();
        assert_eq!(l.usage().1, 49);
        // Two quiet seconds later it recovers by a tenth.
        {
            let mut g = l.shared.lock();
            g.last_adjust = Instant::now()
                .checked_sub(Duration::from_secs(2))
                .unwrap_or(g.last_adjust);
        }
        assert_eq!(l.usage().1, 59);
    }

    #[tokio::test]
    async fn a_seeded_window_is_respected_from_the_first_request() {
        // Another process sent 10 requests over the last 0.5 s, at a limit of 10/s.
        let ages: Vec<Duration> = (0..10).map(|i| Duration::from_millis(50 * i + 5)).collect();
        let l = RateLimiter::with_history(LimiterConfig::new(10), &ages);
        assert_eq!(l.recent().len(), 10);
        let t0 = Instant::now();
        l.acquire(Priority::Interactive).await.unwrap();
        // The oldest of them (455 ms ago) leaves the window a second after it arrived.
        let waited = t0.elapsed();
        assert!(waited >= Duration::from_millis(540), "{waited:?}");
        assert!(waited < Duration::from_millis(800), "{waited:?}");
        // Round trip: what this limiter hands on includes the seeded ones still in the window.
        assert!(l.recent().len() >= 9);
    }

    #[tokio::test]
    async fn cancelled_waiters_do_not_use_slots() {
        let l = Arc::new(RateLimiter::new(LimiterConfig::new(10)));
        l.acquire(Priority::Batch).await.unwrap();
        let l2 = l.clone();
        let h = tokio::spawn(async move { l2.acquire(Priority::Batch).await });
        while l.queued() < 1 {
            tokio::task::yield_now().await;
        }
        h.abort();
        let t0 = Instant::now();
        l.acquire(Priority::Batch).await.unwrap();
        // One interval (100 ms) after the first grant, not two.
        assert!(t0.elapsed() < Duration::from_millis(190));
    }
}

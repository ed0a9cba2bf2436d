//! In-process client metrics: latency per endpoint (p50/p95/p99 over a recent window),
//! retries, EGW00201 count, breaker transitions, tokens issued, and a cache hit/miss hook for
//! the cache layer.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency samples kept per endpoint.
const WINDOW: usize = 4096;

#[derive(Debug, Default)]
pub struct Metrics {
    latencies: Mutex<BTreeMap<&'static str, VecDeque<u32>>>,
    pub(crate) requests: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) token_replays: AtomicU64,
    pub(crate) dedup_shared: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
}

/// Latency figures for one endpoint, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LatencySummary {
    pub count: usize,
    pub p50_us: u32,
    pub p95_us: u32,
    pub p99_us: u32,
}

/// A copy of the counters at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    pub latency: BTreeMap<&'static str, LatencySummary>,
    /// HTTP requests sent (every attempt, tokenP excluded).
    pub requests: u64,
    /// Calls that ended in an error.
    pub failures: u64,
    pub retries: u64,
    /// EGW00201 answers received.
    pub rate_limited: u64,
    pub tokens_issued: u64,
    /// Calls replayed after the token was refused mid-flight.
    pub token_replays: u64,
    /// Calls that shared an identical in-flight request instead of sending their own.
    pub dedup_shared: u64,
    pub breaker_transitions: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
}

impl MetricsSnapshot {
    /// Cache hits over lookups, when there were any.
    pub fn cache_hit_rate(&self) -> Option<f64> {
        let total = self.cache_hits + self.cache_misses;
        (total > 0).then(|| self.cache_hits as f64 / total as f64)
    }
}

pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

impl Metrics {
    pub fn record_latency(&self, endpoint: &'static str, d: Duration) {
        let us = d.as_micros().min(u32::MAX as u128) as u32;
        let mut g = self.latencies.lock().unwrap_or_else(|e| e.into_inner());
        let q = g.entry(endpoint).or_default();
        if q.len() == WINDOW {
            q.pop_front();
        }
        q.push_back(us);
    }

    /// Hook for the cache layer: one lookup, hit or miss.
    pub fn record_cache(&self, hit: bool) {
        if hit {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.cache_misses.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self, breaker_transitions: u64) -> MetricsSnapshot {
        let latency = {
            let g = self.latencies.lock().unwrap_or_else(|e| e.into_inner());
            g.iter()
                .map(|(k, v)| {
                    let mut s: Vec<u32> = v.iter().copied().collect();
                    s.sort_unstable();
                    (
                        *k,
                        LatencySummary {
                            count: s.len(),
                            p50_us: percentile(&s, 50.0),
                            p95_us: percentile(&s, 95.0),
                            p99_us: percentile(&s, 99.0),
                        },
                    )
                })
                .collect()
        };
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            latency,
            requests: l(&self.requests),
            failures: l(&self.failures),
            retries: l(&self.retries),
            rate_limited: l(&self.rate_limited),
            tokens_issued: l(&self.tokens_issued),
            token_replays: l(&self.token_replays),
            dedup_shared: l(&self.dedup_shared),
            breaker_transitions,
            cache_hits: l(&self.cache_hits),
            cache_misses: l(&self.cache_misses),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_over_the_window() {
        let m = Metrics::default();
        for i in 1..=100u64 {
            m.record_latency("x", Duration::from_micros(i));
        }
        m.record_cache(true);
        m.record_cache(false);
        let s = m.snapshot(2);
        let l = &s.latency["x"];
        assert_eq!(l.count, 100);
        assert_eq!(l.p50_us, 51);
        assert_eq!(l.p95_us, 95);
        assert_eq!(l.p99_us, 99);
        assert_eq!(s.cache_hit_rate(), Some(0.5));
        assert_eq!(s.breaker_transitions, 2);
    }
}

//! Per-appkey request limit over a sliding one-second window of wall-clock time (clients pace
//! in real time, whatever the simulated clock does). Refused requests do not use budget.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    limit: Mutex<u32>,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(per_sec: u32) -> RateLimiter {
        RateLimiter {
            limit: Mutex::new(per_sec),
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn limit(&self) -> u32 {
        *self.limit.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_limit(&self, per_sec: u32) {
        *self.limit.lock().unwrap_or_else(|e| e.into_inner()) = per_sec;
    }

    /// Admits one request for `appkey` now, or refuses it (over the limit).
    pub fn admit(&self, appkey: &str) -> bool {
        self.admit_at(appkey, Instant::now())
    }

    pub fn admit_at(&self, appkey: &str, now: Instant) -> bool {
        let limit = self.limit() as usize;
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let q = w.entry(appkey.to_string()).or_default();
        while let Some(&front) = q.front() {
            if now.duration_since(front) >= Duration::from_secs(1) {
                q.pop_front();
            } else {
                break;
            }
        }
        if q.len() >= limit {
            return false;
        }
        q.push_back(now);
        true
    }

    /// Requests admitted for `appkey` in the last second.
    pub fn used(&self, appkey: &str) -> usize {
        let now = Instant::now();
        let w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        w.get(appkey)
            .map(|q| {
                q.iter()
                    .filter(|t| now.duration_since(**t) < Duration::from_secs(1))
                    .count()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let r = RateLimiter::new(3);
        let t0 = Instant::now();
        assert!(r.admit_at("k", t0));
        assert!(r.admit_at("k", t0 + Duration::from_millis(100)));
        assert!(r.admit_at("k", t0 + Duration::from_millis(200)));
        assert!(!r.admit_at("k", t0 + Duration::from_millis(900)));
        assert!(r.admit_at("other", t0 + Duration::from_millis(900)));
        assert!(r.admit_at("k", t0 + Duration::from_millis(1000)));
        assert!(!r.admit_at("k", t0 + Duration::from_millis(1050)));
    }
}

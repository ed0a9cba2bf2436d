//! Counters (`/_sim/stats`) and the log of served responses (ground truth of "what was sent").

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct StatsSnapshot {
    pub requests: u64,
    pub requests_by_tr_id: BTreeMap<String, u64>,
    pub requests_by_path: BTreeMap<String, u64>,
    /// Requests carrying an `appkey` header, by the key's last four characters.
    pub requests_by_appkey: BTreeMap<String, u64>,
    /// Error answers by msg_cd / error_code (EGW00123, OPSQ0002, ...).
    pub errors_by_code: BTreeMap<String, u64>,
    pub rate_limited: u64,
    pub tokens_issued: u64,
    pub tokens_reused: u64,
    pub token_refusals: u64,
    pub approvals_issued: u64,
    pub approvals_reused: u64,
    pub approval_refusals: u64,
    pub faults_injected: BTreeMap<String, u64>,
}

/// One response as served.
#[derive(Clone, Debug, Serialize)]
pub struct Served {
    pub seq: u64,
    /// Simulated instant at which it was answered.
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub query: String,
    pub tr_id: Option<String>,
    pub status: u16,
    /// msg_cd or error_code, when the body had one.
    pub code: Option<String>,
    /// The body exactly as sent (after any fault); empty for dropped/hung requests.
    pub body: String,
}

pub struct Stats {
    inner: Mutex<StatsSnapshot>,
    served: Mutex<(u64, VecDeque<Served>)>,
    capacity: usize,
}

impl Stats {
    pub fn new(capacity: usize) -> Stats {
        Stats {
            inner: Mutex::new(StatsSnapshot::default()),
            served: Mutex::new((0, VecDeque::new())),
            capacity,
        }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut StatsSnapshot) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        self.with(|s| s.clone())
    }

    pub fn fault(&self, name: &str) {
        self.with(|s| *s.faults_injected.entry(name.to_string()).or_default() += 1);
    }

    pub fn error(&self, code: &str) {
        self.with(|s| *s.errors_by_code.entry(code.to_string()).or_default() += 1);
    }

    pub fn record(&self, mut r: Served) {
        let mut g = self.served.lock().unwrap_or_else(|e| e.into_inner());
        g.0 += 1;
        r.seq = g.0;
        g.1.push_back(r);
        while g.1.len() > self.capacity {
            g.1.pop_front();
        }
    }

    /// The last `n` served responses, oldest first.
    pub fn served(&self, n: usize) -> Vec<Served> {
        let g = self.served.lock().unwrap_or_else(|e| e.into_inner());
        let skip = g.1.len().saturating_sub(n);
        g.1.iter().skip(skip).cloned().collect()
    }

    pub fn reset(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = StatsSnapshot::default();
        self.served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }
}

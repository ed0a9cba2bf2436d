//! Shared set-up for the client tests: an in-process kis-sim and a client pointed at it.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use hoga::clock::{ManualClock, SharedClock};
use hoga::config::{Config, Settings};
use hoga::kis::{ClientOptions, KisClient};
use hoga::market::StockCode;
use hoga::paths::Paths;
use hoga::sim::{SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use secrecy::SecretString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A weekday mid-session instant (KST 10:30) the frozen tests use.
pub const SESSION: &str = "2026-11-25T10:30:00+09:00";

pub fn session_instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(SESSION)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{e}"))
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    SimServer::start(cfg).await.expect("kis-sim starts")
}

/// Client config pointed at `sim`, at `rate` requests/s.
pub fn config(sim: &SimHandle, rate: u32) -> Config {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.master_url = sim.master_url();
    c.kis.requests_per_sec = Some(rate);
    c.kis.connect_timeout_ms = 1_000;
    c.kis.request_timeout_ms = 2_000;
    c.kis.retry_budget_ms = 10_000;
    c.redis.enabled = false;
    c
}

/// Options with state and data under `dir`, no Redis, short token wait.
pub fn options(dir: &Path, clock: Option<SharedClock>) -> ClientOptions {
    let mut o = ClientOptions::in_dirs(dir.join("state"), dir.join("data"));
    if let Some(c) = clock {
        o.clock = c;
    }
    o.retry_base = Duration::from_millis(20);
    o
}

/// Every layer's settings from `cfg`, built as the loader builds them (the directories are only
/// named, never used: the clients get theirs from `options`).
pub fn settings(cfg: &Config) -> Settings {
    Settings::build(cfg, &Paths::under(Path::new("/nonexistent/hoga-test")))
        .unwrap_or_else(|problems| panic!("invalid test config: {problems:?}"))
}

pub fn client(cfg: &Config, opts: ClientOptions) -> KisClient {
    KisClient::new(&settings(cfg).source.kis, opts).expect("client builds")
}

pub fn manual_clock() -> (ManualClock, SharedClock) {
    let c = ManualClock::new(session_instant());
    let shared: SharedClock = Arc::new(c.clone());
    (c, shared)
}

/// `n` distinct listed codes from the sim's universe.
pub fn codes(sim: &SimHandle, n: usize) -> Vec<StockCode> {
    sim.market()
        .stocks()
        .iter()
        .take(n)
        .map(|s| s.code)
        .collect()
}

pub fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap_or_else(|e| panic!("{e}"))
}

/// tokenP requests the sim received.
pub fn token_requests(sim: &SimHandle) -> u64 {
    sim.stats()
        .requests_by_path
        .iter()
        .filter(|(p, _)| p.contains("tokenP"))
        .map(|(_, n)| *n)
        .sum()
}

/// Requests the sim received for a tr_id.
pub fn tr_requests(sim: &SimHandle, tr_id: &str) -> u64 {
    sim.stats()
        .requests_by_tr_id
        .get(tr_id)
        .copied()
        .unwrap_or(0)
}

/// Polls `f` until true or `timeout` (never a bare sleep in tests).
pub async fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < end {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}

//! Shared helpers for the ingest tests against kis-sim: start the sim, build a client on it,
//! run an ingest, compare the store with the sim's ground truth.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use hoga::clock::SharedClock;
use hoga::config::{Config, Settings};
use hoga::ingest::report::Silent;
use hoga::ingest::{Deps, Plan, Summary, Via, run};
use hoga::kis::{ClientOptions, KisClient};
use hoga::market::{Calendar, StockCode};
use hoga::paths::Paths;
use hoga::sim::{SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use hoga::store::{Store, StoreSpec};
use secrecy::SecretString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub async fn start(cfg: SimConfig) -> SimHandle {
    SimServer::start(cfg).await.expect("kis-sim starts")
}

/// A config pointing at the sim with the test appkey, `rate` requests/s, Redis off.
pub fn config(sim: &SimHandle, rate: u32) -> Config {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.master_url = sim.master_url();
    c.kis.requests_per_sec = Some(rate);
    c.kis.request_timeout_ms = 5_000;
    c.kis.connect_timeout_ms = 1_000;
    c.redis.enabled = false;
    c
}

pub fn client(cfg: &Config, dir: &Path, clock: SharedClock, redis_url: Option<&str>) -> KisClient {
    let prefix = format!("hoga-test-{}-{}", std::process::id(), fastrand::u32(..));
    client_with_prefix(cfg, dir, clock, redis_url, &prefix)
}

/// A client coordinating through Redis under `prefix` (clients sharing it share the budget).
pub fn client_with_prefix(
    cfg: &Config,
    dir: &Path,
    clock: SharedClock,
    redis_url: Option<&str>,
    prefix: &str,
) -> KisClient {
    let mut o = ClientOptions::in_dirs(dir.join("state"), dir.join("data"));
    o.clock = clock;
    o.retry_base = Duration::from_millis(20);
    if let Some(url) = redis_url {
        o.redis_url = Some(url.to_string());
        o.redis_prefix = prefix.to_string();
    }
    KisClient::new(&settings(cfg, dir).source.kis, o).expect("client builds")
}

/// Every layer's settings from `cfg`, built as the loader builds them, with the dirs under `dir`.
pub fn settings(cfg: &Config, dir: &Path) -> Settings {
    Settings::build(cfg, &Paths::under(dir))
        .unwrap_or_else(|problems| panic!("invalid test config: {problems:?}"))
}

/// The shared private Redis (the test crate declares `mod common;`).
#[allow(unused_imports)] // not every test crate that shares this module starts a Redis
pub use crate::common::PrivateRedis;

pub fn plan(from: NaiveDate, to: NaiveDate, via: Via) -> Plan {
    Plan {
        from,
        to,
        codes: None,
        market: None,
        via,
        dry_run: false,
        force: false,
        concurrency: 16,
        batch_size: 2_000,
        shard: None,
        delist_after_days: 3,
    }
}

pub async fn sqlite(dir: &Path) -> Arc<dyn Store> {
    Arc::from(
        StoreSpec::Sqlite(dir.join("hoga.db"))
            .open()
            .await
            .expect("sqlite opens"),
    )
}

pub async fn postgres() -> (String, Arc<dyn Store>) {
    let schema = format!("hoga_ingest_{}_{}", std::process::id(), fastrand::u32(..));
    let spec = StoreSpec::Postgres {
        url: PG_URL.into(),
        schema: Some(schema.clone()),
    };
    (
        schema,
        Arc::from(spec.open().await.expect("postgres opens")),
    )
}

pub async fn drop_schema(schema: &str) {
    let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

/// Starts an ingest in the background (for tests that break something while it runs).
pub fn spawn_ingest(
    plan: &Plan,
    client: &KisClient,
    store: &Arc<dyn Store>,
    clock: &SharedClock,
) -> tokio::task::JoinHandle<Summary> {
    let (plan, client, store, clock) = (plan.clone(), client.clone(), store.clone(), clock.clone());
    tokio::spawn(async move {
        ingest(&plan, &client, Some(store), clock, CancellationToken::new()).await
    })
}

/// Waits (at most 30 s) until `store` holds at least `n` bars.
pub async fn wait_for_bars(store: &dyn Store, n: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store.count_bars().await.unwrap_or(0) < n && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

pub async fn ingest(
    plan: &Plan,
    client: &KisClient,
    store: Option<Arc<dyn Store>>,
    clock: SharedClock,
    cancel: CancellationToken,
) -> Summary {
    run(
        plan,
        Deps {
            source: Arc::new(batch_source(client, clock.clone())),
            store,
            clock,
            cancel,
            reporter: Arc::new(Silent),
        },
    )
    .await
    .expect("ingest runs")
}

/// Every stock in `codes` has exactly the sim's final bar for every trading day in
/// `[from, to]` (no gaps, no extras, no duplicates), field by field. Returns the bar count.
pub async fn assert_matches_truth(
    store: &dyn Store,
    sim: &SimHandle,
    codes: &[StockCode],
    from: NaiveDate,
    to: NaiveDate,
) -> usize {
    let market = sim.market();
    let bars = store.bars(None, from, to).await.unwrap();
    let mut expected = Vec::new();
    for &code in codes {
        for d in Calendar::krx().trading_days(from, to) {
            if let Some(t) = market.final_day_bar(code, d)
                && t.volume > 0
            {
                expected.push((code, d, t));
            }
        }
    }
    let stored: Vec<_> = bars
        .iter()
        .filter(|b| codes.contains(&b.bar.code))
        .collect();
    for b in &stored {
        assert!(
            Calendar::krx().is_trading_day(b.bar.date),
            "{} stored for a non-trading day {}",
            b.bar.code,
            b.bar.date
        );
    }
    let by_key: std::collections::HashMap<_, _> = stored
        .iter()
        .map(|b| ((b.bar.code, b.bar.date), b.bar))
        .collect();
    assert_eq!(by_key.len(), stored.len(), "duplicate bars");
    let missing: Vec<_> = expected
        .iter()
        .filter(|(c, d, _)| !by_key.contains_key(&(*c, *d)))
        .map(|(c, d, _)| format!("{c} {d}"))
        .take(10)
        .collect();
    assert!(missing.is_empty(), "bars missing: {missing:?}");
    assert_eq!(stored.len(), expected.len(), "extra bars");
    for (code, d, t) in &expected {
        let b = by_key[&(*code, *d)];
        assert_eq!(
            (b.open.0, b.high.0, b.low.0, b.close.0, b.volume, b.value.0),
            (t.open, t.high, t.low, t.close, t.volume as i64, t.value),
            "{code} {d}: stored vs served"
        );
    }
    expected.len()
}

pub fn at(s: &str) -> DateTime<Utc> {
    hoga::sim::clock::parse_instant(s).expect("instant")
}

/// The ingest's source over `client`: `KisSource`, whose batch requests never touch the cache.
fn batch_source(client: &KisClient, clock: SharedClock) -> hoga::source::kis::KisSource {
    let cache = Arc::new(hoga::cache::MemoryCache::new(16, clock.clone()));
    let lifetimes = settings(&Config::default(), Path::new("/nonexistent/hoga-test"))
        .source
        .cache
        .lifetimes;
    let policy = hoga::cache::CachePolicy::new(lifetimes);
    hoga::source::kis::KisSource::new(client.clone(), cache, policy, "ingest-test", clock)
}

/// Tests that measure KIS's per-second limit against a real-time window run alone in their
/// binary (`alone`); every other test holds `shared`, so none of them steals the two cores
/// from the measured one. What they assert is unchanged.
static EXCLUSIVE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

#[allow(dead_code)] // not every test crate that shares this module runs such tests
pub async fn shared() -> tokio::sync::RwLockReadGuard<'static, ()> {
    EXCLUSIVE.read().await
}

#[allow(dead_code)]
pub async fn alone() -> tokio::sync::RwLockWriteGuard<'static, ()> {
    EXCLUSIVE.write().await
}

//! Fetch-rate bench against an in-process kis-sim at KIS's real limit (18 requests/s):
//! 1. today's bars for the whole market (~2,500 issues) by multi-quote, 30 codes per call:
//!    target within 1.15 × ceil(N/30)/18 s, zero EGW00201;
//! 2. per-code daily charts (a past date): target ≥ 95 % of the limit sustained, zero EGW00201.
//!
//! Run: `cargo bench --bench ingest_rate` (or build with `cargo build --bench ingest_rate`
//! and run the binary from target/debug/deps for a quicker, unoptimised build).

use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::config::Config;
use hoga::ingest::report::Silent;
use hoga::ingest::{Deps, Plan, Via, run};
use hoga::kis::{ClientOptions, KisClient};
use hoga::market::StockCode;
use hoga::sim::{SimConfig, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use hoga::store::StoreSpec;
use secrecy::SecretString;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// KIS's real per-appkey limit.
const KIS_RATE: u32 = 18;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let after_close =
        hoga::sim::clock::parse_instant("2026-03-06 16:00").map_err(anyhow::Error::msg)?;
    let today = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap_or_default();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs a quick smoke version
    // (a high rate, few stocks) that checks the bench still works but proves nothing.
    let full = std::env::args().any(|a| a == "--bench");
    let rate = if full { KIS_RATE } else { 400 };
    let per_code_n: usize = std::env::var("PER_CODE_STOCKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 540 } else { 40 });

    // 1. Multi-quote, whole market.
    {
        let sim = SimServer::start(SimConfig::frozen("2026-03-06 16:00").rate(rate)).await?;
        let dir = tempfile::tempdir()?;
        let clock: SharedClock = Arc::new(ManualClock::new(after_close));
        let client = client(&sim, dir.path(), clock.clone(), rate)?;
        // Token first, as a scheduled run would already hold one from its last run.
        let _ = client.universe().await?;
        let store = StoreSpec::Sqlite(dir.path().join("b.db")).open().await?;
        let plan = plan(today, today, Via::MultiQuote, None);
        let before = sim.stats();
        let t = std::time::Instant::now();
        let s = run(&plan, deps(&client, Some(Arc::from(store)), clock)).await?;
        let secs = t.elapsed().as_secs_f64();
        let after = sim.stats();
        let calls = after.requests - before.requests;
        let n = s.stocks_total as f64;
        let bound = (n / 30.0).ceil() / rate as f64;
        println!(
            "ingest_rate multi-quote: {} stocks, {} stored, {calls} requests in {secs:.2} s \
             (bound ceil(N/30)/{rate} = {bound:.2} s, ratio {:.2}, target ≤ 1.15: {}); \
             EGW00201 served {} (target 0); {:.0} stocks/s",
            s.stocks_total,
            s.stocks_stored,
            secs / bound,
            verdict(full, secs / bound <= 1.15),
            after.rate_limited,
            n / secs
        );
    }

    // 2. Per-code charts for a past date.
    {
        let sim = SimServer::start(SimConfig::frozen("2026-03-06 16:00").rate(rate)).await?;
        let dir = tempfile::tempdir()?;
        let clock: SharedClock = Arc::new(ManualClock::new(after_close));
        let client = client(&sim, dir.path(), clock.clone(), rate)?;
        let universe = client.universe().await?;
        let codes: Vec<StockCode> = universe.iter().map(|l| l.code).take(per_code_n).collect();
        let store = StoreSpec::Sqlite(dir.path().join("c.db")).open().await?;
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default();
        let plan = plan(day, day, Via::Chart, Some(codes));
        let before = sim.stats();
        let t = std::time::Instant::now();
        let s = run(&plan, deps(&client, Some(Arc::from(store)), clock)).await?;
        let secs = t.elapsed().as_secs_f64();
        let after = sim.stats();
        let calls = (after.requests - before.requests) as f64;
        let achieved = calls / secs;
        println!(
            "ingest_rate per-code: {} stocks, {} stored, {calls} requests in {secs:.2} s = \
             {achieved:.2} req/s of {rate} ({:.1} %, target ≥ 95 %: {}); EGW00201 served {} (target 0)",
            s.stocks_total,
            s.stocks_stored,
            100.0 * achieved / rate as f64,
            verdict(full, achieved / rate as f64 >= 0.95),
            after.rate_limited
        );
    }
    Ok(())
}

fn client(
    sim: &hoga::sim::SimHandle,
    dir: &std::path::Path,
    clock: SharedClock,
    rate: u32,
) -> anyhow::Result<KisClient> {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.master_url = sim.master_url();
    c.kis.requests_per_sec = Some(rate);
    c.redis.enabled = false;
    let mut o = ClientOptions::in_dirs(dir.join("state"), dir.join("data"));
    o.clock = clock;
    Ok(KisClient::new(&settings(&c).source.kis, o)?)
}

/// Every layer's settings from `c`, built as the loader builds them (directories named only).
fn settings(c: &Config) -> hoga::config::Settings {
    hoga::config::Settings::build(
        c,
        &hoga::paths::Paths::under(std::path::Path::new("/nonexistent/hoga-bench")),
    )
    .unwrap_or_else(|problems| panic!("invalid bench config: {problems:?}"))
}

fn plan(from: NaiveDate, to: NaiveDate, via: Via, codes: Option<Vec<StockCode>>) -> Plan {
    Plan {
        from,
        to,
        codes,
        market: None,
        via,
        dry_run: false,
        force: false,
        concurrency: 8,
        batch_size: 2_000,
        shard: None,
        delist_after_days: 3,
    }
}

fn deps(
    client: &KisClient,
    store: Option<Arc<dyn hoga::store::Store>>,
    clock: SharedClock,
) -> Deps {
    Deps {
        source: Arc::new(batch_source(client, clock.clone())),
        store,
        clock,
        cancel: CancellationToken::new(),
        reporter: Arc::new(Silent),
    }
}

/// MET / MISSED under `cargo bench`; a smoke run (`cargo test`) is not judged.
fn verdict(full: bool, met: bool) -> &'static str {
    match (full, met) {
        (false, _) => "not judged (smoke run; use cargo bench)",
        (true, true) => "MET",
        (true, false) => "MISSED",
    }
}

/// The ingest's source over `client`: `KisSource`, whose batch requests never touch the cache.
fn batch_source(client: &KisClient, clock: SharedClock) -> hoga::source::kis::KisSource {
    let cache = Arc::new(hoga::cache::MemoryCache::new(16, clock.clone()));
    let policy = hoga::cache::CachePolicy::new(settings(&Config::default()).source.cache.lifetimes);
    hoga::source::kis::KisSource::new(client.clone(), cache, policy, "ingest-test", clock)
}

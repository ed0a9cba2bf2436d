//! Fetch-rate bench against an in-process kis-sim at KIS's real limit (18 requests/s):
//! 1. today's bars for the whole market (~2,500 issues) by multi-quote, 30 codes per call:
//!    target within 1.15 × ceil(N/30)/18 s, zero EGW00201;
//! 2. per-code daily charts (a past date): target ≥ 95 % of the limit sustained, zero EGW00201;
//! 3. a two-year backfill (2024-03-06 .. 2026-03-06, raw daily charts, 100 rows a call) of
//!    `BACKFILL_STOCKS` issues (`all` = the whole simulated market, ~12,500 calls) on one appkey:
//!    target within 1.1 × the bound (chart calls / 18 s); then the same work as two shards on
//!    two appkeys at once (each its own token and budget): target within 1.1 × half the bound,
//!    and the ratio of the two wall times (about 0.5).
//!
//! Run: `cargo bench --bench ingest_rate` (or build with `cargo build --bench ingest_rate`
//! and run the binary from target/debug/deps with `--bench` for a quicker, unoptimised build).
//! The whole-market backfill takes about 17 minutes: `BACKFILL_STOCKS=all cargo bench --bench
//! ingest_rate`; by default `cargo bench` backfills 150 issues.

use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::config::Config;
use hoga::ingest::report::Silent;
use hoga::ingest::{Deps, Plan, Via, run};
use hoga::kis::{ClientOptions, KisClient};
use hoga::market::StockCode;
use hoga::sim::{
    SimConfig, SimServer, TEST_APP_KEY, TEST_APP_KEY_2, TEST_APP_SECRET, TEST_APP_SECRET_2,
};
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
    let backfill_n: usize = match std::env::var("BACKFILL_STOCKS").ok().as_deref() {
        Some("all") => usize::MAX,
        Some(v) => v.parse().unwrap_or(150),
        None if full => 150,
        None => 12,
    };

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
    // 3. A two-year backfill, on one appkey and then as two shards on two appkeys.
    {
        let (from, to) = (
            NaiveDate::from_ymd_opt(2024, 3, 6).unwrap_or_default(),
            NaiveDate::from_ymd_opt(2026, 3, 6).unwrap_or_default(),
        );
        let sim = SimServer::start(SimConfig::frozen("2026-03-06 16:00").rate(rate)).await?;
        let clock: SharedClock = Arc::new(ManualClock::new(after_close));
        let dir = tempfile::tempdir()?;
        let keys = [
            (TEST_APP_KEY, TEST_APP_SECRET),
            (TEST_APP_KEY_2, TEST_APP_SECRET_2),
        ];
        let mut clients = Vec::new();
        for (i, (k, s)) in keys.iter().enumerate() {
            let c = client_on(
                &sim,
                &dir.path().join(format!("k{i}")),
                clock.clone(),
                rate,
                k,
                s,
            )?;
            // Tokens first, as scheduled runs would hold them already.
            let _ = c.universe().await?;
            clients.push(c);
        }
        let universe = clients[0].universe().await?;
        let codes: Vec<StockCode> = universe.iter().map(|l| l.code).take(backfill_n).collect();
        // kis-sim builds each price series on first use: build them before the clock starts,
        // so what is timed is the ingest and the limiter.
        for c in &codes {
            let _ = sim.market().final_day_bar(*c, to);
        }
        let chart_calls = |s: &hoga::sim::StatsSnapshot| {
            s.requests_by_tr_id
                .get("FHKST03010100")
                .copied()
                .unwrap_or(0)
        };

        let store = StoreSpec::Sqlite(dir.path().join("one.db")).open().await?;
        let plan1 = plan(from, to, Via::Chart, Some(codes.clone()));
        let before = sim.stats();
        let t = std::time::Instant::now();
        let s1 = run(
            &plan1,
            deps(&clients[0], Some(Arc::from(store)), clock.clone()),
        )
        .await?;
        let one = t.elapsed().as_secs_f64();
        let after = sim.stats();
        let calls = chart_calls(&after) - chart_calls(&before);
        let bound = calls as f64 / rate as f64;
        println!(
            "ingest_rate backfill one key: {} stocks, {} bars, {calls} chart calls in {one:.1} s \
             (bound calls/{rate} = {bound:.1} s, ratio {:.3}, target ≤ 1.1: {}); EGW00201 {}",
            s1.stocks_total,
            s1.bars_stored,
            one / bound,
            verdict(full, one / bound <= 1.1),
            after.rate_limited - before.rate_limited
        );

        let store2: Arc<dyn hoga::store::Store> =
            Arc::from(StoreSpec::Sqlite(dir.path().join("two.db")).open().await?);
        let before = sim.stats();
        let t = std::time::Instant::now();
        let mut jobs = Vec::new();
        for (k, c) in clients.iter().enumerate() {
            let mut p = plan(from, to, Via::Chart, Some(codes.clone()));
            p.shard = Some(hoga::ingest::Shard {
                index: k as u32,
                count: 2,
            });
            let d = deps(c, Some(store2.clone()), clock.clone());
            jobs.push(tokio::spawn(async move { run(&p, d).await }));
        }
        let mut bars = 0;
        for j in jobs {
            bars += j.await??.bars_stored;
        }
        let two = t.elapsed().as_secs_f64();
        let after = sim.stats();
        let calls2 = chart_calls(&after) - chart_calls(&before);
        let half = calls2 as f64 / rate as f64 / 2.0;
        println!(
            "ingest_rate backfill two keys: {bars} bars, {calls2} chart calls in {two:.1} s \
             (half the bound = {half:.1} s, ratio {:.3}, target ≤ 1.1: {}); wall time two keys / \
             one key = {:.3}; EGW00201 {}; requests by appkey {:?}",
            two / half,
            verdict(full, two / half <= 1.1),
            two / one,
            after.rate_limited - before.rate_limited,
            after.requests_by_appkey
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
    client_on(sim, dir, clock, rate, TEST_APP_KEY, TEST_APP_SECRET)
}

fn client_on(
    sim: &hoga::sim::SimHandle,
    dir: &std::path::Path,
    clock: SharedClock,
    rate: u32,
    key: &str,
    secret: &str,
) -> anyhow::Result<KisClient> {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(key.to_string()));
    c.kis.app_secret = Some(SecretString::from(secret.to_string()));
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

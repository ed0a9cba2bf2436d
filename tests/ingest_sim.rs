//! `--ingest` end to end over HTTP against an in-process kis-sim: the KIS client, the run,
//! validation and real SQLite/PostgreSQL stores, compared with the sim's ground truth.
//! Rates are raised where a test is not about pacing.

mod common;
mod ingest_common;

use chrono::{Datelike, NaiveDate};
use hoga::clock::{ManualClock, SharedClock};
use hoga::ingest::Via;
use hoga::market::StockCode;
use hoga::sim::{FaultKind, FaultRule, SimConfig, SimHandle};
use ingest_common::*;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Friday 2026-03-06, 16:00 KST: after the close.
const AFTER_CLOSE: &str = "2026-03-06 16:00";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn clock() -> SharedClock {
    Arc::new(ManualClock::new(at(AFTER_CLOSE)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_market_today_matches_the_sim_field_by_field() {
    let _exclusive = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let p = plan(day(2026, 3, 6), day(2026, 3, 6), Via::MultiQuote);
    let s = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock.clone(),
        CancellationToken::new(),
    )
    .await;
    eprintln!("{}", s.render());
    // The issues the master files list today (kis-sim's delisted ones are not among them).
    let codes: Vec<StockCode> = sim
        .market()
        .universe_at(sim.market().now())
        .iter()
        .map(|l| l.code)
        .collect();
    assert!(codes.len() >= 2_400, "{}", codes.len());
    assert_eq!(s.stocks_total as usize, codes.len());
    let n = assert_matches_truth(store.as_ref(), &sim, &codes, p.from, p.to).await;
    assert!(n >= codes.len() - 5, "{n} bars");
    assert_eq!(s.failed, vec![]);
    assert_eq!(s.metrics.rate_limited, 0);
    assert_eq!(sim.stats().rate_limited, 0);
    // ceil(N/30) multi-quote calls (+ token, masters): about 85, not 2,500.
    let multi = sim
        .stats()
        .requests_by_tr_id
        .get("FHKST11300006")
        .copied()
        .unwrap_or(0);
    assert_eq!(multi as usize, codes.len().div_ceil(30));
    assert_eq!(s.exit_code, 0, "{}", s.render());
    // The client's metrics reach the summary: one token, latency of the multi-quote calls.
    assert_eq!(s.metrics.tokens_issued, 1);
    assert_eq!(s.metrics.breaker_transitions, 0);
    let lat = s
        .metrics
        .latency
        .values()
        .map(|l| l.count)
        .max()
        .unwrap_or_default();
    assert!(lat >= codes.len().div_ceil(30), "{:?}", s.metrics.latency);
    assert!(s.render().contains("latency"), "{}", s.render());
    assert_eq!(store.load_stocks().await.unwrap().len(), codes.len());

    // Idempotent: the same day again leaves every row's values as they were.
    let before = store.bars(None, p.from, p.to).await.unwrap();
    let s2 = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s2.exit_code, 0);
    let after = store.bars(None, p.from, p.to).await.unwrap();
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!((a.bar, &a.source), (b.bar, &b.source));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_year_backfill_of_50_stocks_pages_without_gaps() {
    let _exclusive = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .step_by(47)
        .take(50)
        .collect();
    let mut p = plan(day(2024, 3, 6), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let s = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    let n = assert_matches_truth(store.as_ref(), &sim, &codes, p.from, p.to).await;
    // ~490 trading days each: every stock needed 5+ pages of 100 rows.
    assert!(n > 50 * 480, "{n}");
    let charts = sim
        .stats()
        .requests_by_tr_id
        .get("FHKST03010100")
        .copied()
        .unwrap_or(0);
    assert!(charts >= 50 * 5, "{charts} chart calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bars_from_the_sim_are_rejected_not_stored() {
    let _exclusive = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    // Stocks well above 2,000 won: below it the tick is 1 won, so kis-sim's off-grid fault
    // (close + 1) cannot corrupt a bar there, and whichever chart request came first decided
    // whether the test saw its reject.
    let all: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .filter(|c| {
            sim.market()
                .quote_at(*c, sim.market().now())
                .is_some_and(|q| q.price.0 >= 10_000)
        })
        .take(20)
        .collect();
    assert_eq!(all.len(), 20);
    let mut p = plan(day(2026, 2, 2), day(2026, 3, 6), Via::Chart);
    let days = hoga::market::Calendar::krx()
        .trading_days(p.from, p.to)
        .len();
    for (codes, fault, category) in [
        (&all[..10], FaultKind::BadBarHighLow, "ohlc_order"),
        (&all[10..], FaultKind::BadBarOffGrid, "off_grid"),
    ] {
        sim.add_fault(FaultRule::always(fault).on("FHKST03010100").times(1));
        p.codes = Some(codes.to_vec());
        let s = ingest(
            &p,
            &client,
            Some(store.clone()),
            clock.clone(),
            CancellationToken::new(),
        )
        .await;
        eprintln!("{}", s.render());
        assert_eq!((s.exit_code, s.status.as_str()), (1, "partial"));
        assert_eq!(s.rejected_rows, 1);
        assert_eq!(s.rejects_by_category.get(category), Some(&1));
        let rejects = store.rejects(Some(&s.run_id)).await.unwrap();
        assert_eq!(rejects.len(), 1);
        let r = &rejects[0];
        assert_eq!(r.category, category);
        let date = r.date.unwrap();
        let kept = store.bars(Some(r.code), date, date).await.unwrap();
        assert!(kept.is_empty(), "rejected bar {} {date} was stored", r.code);
        assert!(!r.detail.is_empty() && r.raw.contains("high"));
        // Everything else is stored.
        let stored = store.bars(None, p.from, p.to).await.unwrap();
        let n = stored
            .iter()
            .filter(|b| codes.contains(&b.bar.code))
            .count();
        assert_eq!(
            n,
            codes.len() * days - 1 - missing_volume(&sim, codes, p.from, p.to)
        );
    }
}

/// Days without trades (the halted stock) have no bar in the chart.
fn missing_volume(
    sim: &hoga::sim::SimHandle,
    codes: &[StockCode],
    from: NaiveDate,
    to: NaiveDate,
) -> usize {
    let mut n = 0;
    for c in codes {
        for d in hoga::market::Calendar::krx().trading_days(from, to) {
            if sim
                .market()
                .final_day_bar(*c, d)
                .is_none_or(|b| b.volume == 0)
            {
                n += 1;
            }
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_percent_transient_500s_lose_nothing() {
    let _exclusive = shared().await;
    let sim = start(
        SimConfig::frozen(AFTER_CLOSE)
            .rate(400)
            .fault(FaultRule::always(FaultKind::Transient { code: None }).rate(0.1)),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(300)
        .collect();
    let mut p = plan(day(2026, 2, 2), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let s = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    eprintln!("{}", s.render());
    assert!(s.metrics.retries > 0, "the faults fired and were retried");
    assert_eq!(s.failed, vec![]);
    assert_eq!(s.exit_code, 0);
    assert_matches_truth(store.as_ref(), &sim, &codes, p.from, p.to).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_restart_mid_run_loses_nothing() {
    let _exclusive = shared().await;
    let mut sim = start(SimConfig::frozen(AFTER_CLOSE).rate(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, 100);
    // The breaker must be able to close again: a real clock and a short open period.
    cfg.breaker.open_secs = 1;
    let clock = hoga::clock::system();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(300)
        .collect();
    let mut p = plan(day(2026, 2, 2), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let job = spawn_ingest(&p, &client, &store, &clock);
    // Restart once about a third of the stocks are in.
    wait_for_bars(store.as_ref(), 100 * 20).await;
    sim.stop().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    sim.restart().await.unwrap();
    let s = job.await.unwrap();
    eprintln!("{}", s.render());
    assert!(s.metrics.retries > 0, "the restart was felt");
    assert_eq!(s.failed, vec![], "{}", s.render());
    assert_eq!(s.exit_code, 0);
    assert_matches_truth(store.as_ref(), &sim, &codes, p.from, p.to).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stores_the_same_rows_as_sqlite() {
    let _exclusive = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let lite = sqlite(dir.path()).await;
    let (schema, pg) = postgres().await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(100)
        .collect();
    let mut p = plan(day(2025, 9, 1), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let a = ingest(
        &p,
        &client,
        Some(lite.clone()),
        clock.clone(),
        CancellationToken::new(),
    )
    .await;
    let b = ingest(
        &p,
        &client,
        Some(pg.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    assert_eq!((a.exit_code, b.exit_code), (0, 0));
    let rows = |v: Vec<hoga::store::StoredBar>| {
        v.into_iter().map(|b| (b.bar, b.source)).collect::<Vec<_>>()
    };
    let la = rows(lite.bars(None, p.from, p.to).await.unwrap());
    let pa = rows(pg.bars(None, p.from, p.to).await.unwrap());
    assert!(la.len() > 100 * 100);
    assert_eq!(la, pa);
    assert_matches_truth(pg.as_ref(), &sim, &codes, p.from, p.to).await;
    assert_eq!(
        lite.load_stocks().await.unwrap(),
        pg.load_stocks().await.unwrap()
    );
    drop(pg);
    drop_schema(&schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing() {
    let _exclusive = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(50)
        .collect();
    let mut p = plan(day(2026, 3, 2), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes);
    p.dry_run = true;
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let s = ingest(&p, &client, None, clock, CancellationToken::new()).await;
    assert_eq!(s.exit_code, 0);
    assert!(s.bars_stored >= 50 * 3, "{}", s.bars_stored);
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(after.iter().all(|p| !p.to_string_lossy().ends_with(".db")));
    assert_eq!(before.iter().filter(|p| p.ends_with("hoga.db")).count(), 0);
    let _ = day(2026, 1, 1).year();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_loses_nothing() {
    let _exclusive = shared().await;
    let mut redis = PrivateRedis::start();
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 100);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), Some(&redis.url()));
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(300)
        .collect();
    let mut p = plan(day(2026, 2, 2), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let job = spawn_ingest(&p, &client, &store, &clock);
    wait_for_bars(store.as_ref(), 60 * 20).await;
    assert_eq!(
        client.redis_up(),
        Some(true),
        "Redis was in use before the kill"
    );
    redis.kill();
    let s = job.await.unwrap();
    eprintln!("{}", s.render());
    assert_eq!(client.redis_up(), Some(false), "the client noticed");
    assert_eq!(s.failed, vec![]);
    assert_eq!(s.exit_code, 0);
    // Switching from the shared budget to the local one may cost a refusal at the seam (the
    // client retries it); it must not become a storm.
    assert!(
        sim.stats().rate_limited <= 2,
        "{:?}",
        sim.stats().rate_limited
    );
    assert_matches_truth(store.as_ref(), &sim, &codes, p.from, p.to).await;
}

/// A TUI-like poller (interactive quotes every 100 ms) and an ingest share one appkey at
/// KIS's real 18 requests/s, coordinated through Redis: the sim never answers EGW00201 (it
/// counts arrivals; the shared window is kept on each request's latest possible arrival) and
/// only one tokenP is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poller_and_ingest_on_one_appkey_never_trip_the_limit() {
    let _exclusive = alone().await;
    let redis = PrivateRedis::start();
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(18)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 18);
    let clock = clock();
    let prefix = format!("hoga-shared-{}", std::process::id());
    let batch = client_with_prefix(
        &cfg,
        &dir.path().join("a"),
        clock.clone(),
        Some(&redis.url()),
        &prefix,
    );
    let tui = client_with_prefix(
        &cfg,
        &dir.path().join("b"),
        clock.clone(),
        Some(&redis.url()),
        &prefix,
    );
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(90)
        .collect();
    // The simulator's price series are built on first use, which takes its worker threads for
    // a while; built here, before the run, its arrivals are counted as they come and not in
    // bunches behind that work.
    for c in &codes {
        let _ = sim.market().final_day_bar(*c, day(2026, 3, 6));
    }
    let mut p = plan(day(2026, 2, 2), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let stop = CancellationToken::new();
    let poll_codes = codes[..5].to_vec();
    let (tui2, stop2) = (tui.clone(), stop.clone());
    let poller = tokio::spawn(async move {
        let (mut ok, mut err) = (0u32, 0u32);
        while !stop2.is_cancelled() {
            for c in &poll_codes {
                match tui2.quote(*c, hoga::kis::Priority::Interactive).await {
                    Ok(_) => ok += 1,
                    Err(_) => err += 1,
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        (ok, err)
    });
    let s = ingest(
        &p,
        &batch,
        Some(store.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    stop.cancel();
    let (ok, err) = poller.await.unwrap();
    eprintln!("{}\npoller: {ok} quotes, {err} errors", s.render());
    assert_eq!(s.exit_code, 0);
    assert!(
        ok >= 10,
        "the poller was served while the ingest ran ({ok})"
    );
    assert_eq!(err, 0);
    let st = sim.stats();
    assert_eq!(st.rate_limited, 0, "EGW00201 served");
    assert_eq!(s.metrics.rate_limited, 0);
    assert_eq!(st.tokens_issued, 1, "one token for both clients");
    assert_eq!(st.token_refusals, 0, "EGW00133 served");
    assert_matches_truth(store.as_ref(), &sim, &codes, p.from, p.to).await;
}

/// `--warm-cache` puts the watchlists' quotes into Redis under the keys the monitor reads: a
/// monitor's source started afterwards on the same base URL serves them from the cache without
/// asking KIS, and a source on another base URL (another kis-sim) never sees them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_cache_serves_the_monitor_on_the_same_base_url_only() {
    let _exclusive = shared().await;
    use hoga::market::Provenance;
    use hoga::source::{DataSource, Req, factory};
    let redis = PrivateRedis::start();
    let sim = start(SimConfig::frozen("2026-03-06 08:20").rate(400)).await;
    let other = start(SimConfig::frozen("2026-03-06 08:20").rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let with_redis = |sim: &SimHandle| {
        let mut cfg = config(sim, 400);
        cfg.redis.enabled = true;
        cfg.redis.url = redis.url();
        cfg.redis.key_prefix = format!("warm{}", std::process::id());
        settings(&cfg, dir.path())
    };
    let warmed = with_redis(&sim);
    let clock: SharedClock = Arc::new(ManualClock::new(at("2026-03-06 08:20")));
    let codes = warmed.ingest.watchlist_codes.clone();
    assert!(codes.len() >= 10);

    // The ingest's source warms the cache.
    let ingest = factory::kis_source(&warmed.source, clock.clone()).unwrap();
    assert_eq!(hoga::ingest::warm::warm(&ingest, &codes).await, codes.len());
    drop(ingest);
    let price_calls = |s: &SimHandle| {
        s.stats()
            .requests_by_tr_id
            .get("FHKST01010100")
            .copied()
            .unwrap_or(0)
            + s.stats()
                .requests_by_tr_id
                .get("FHKST11300006")
                .copied()
                .unwrap_or(0)
    };
    let warmed_calls = price_calls(&sim);
    assert!(warmed_calls >= 1);

    // The monitor, started afterwards on the same base URL: every row from the cache.
    let monitor = factory::kis_source(&warmed.source, clock.clone()).unwrap();
    let rows = monitor.quotes(&codes, Req::BACKGROUND).await.unwrap();
    assert_eq!(rows.len(), codes.len());
    for q in &rows {
        assert!(
            matches!(q.provenance, Provenance::Cached { .. }),
            "{} served {:?}, not from the warmed cache",
            q.value.code,
            q.provenance
        );
    }
    assert_eq!(price_calls(&sim), warmed_calls, "the monitor asked KIS");

    // A monitor on another base URL shares the Redis but not the keys: it asks its own KIS.
    let elsewhere = factory::kis_source(&with_redis(&other).source, clock).unwrap();
    let rows = elsewhere.quotes(&codes, Req::BACKGROUND).await.unwrap();
    assert!(
        rows.iter()
            .all(|q| matches!(q.provenance, Provenance::Live { .. })),
        "another base URL was served the warmed quotes"
    );
    assert!(price_calls(&other) >= 1);
}

/// KIS down for good: every quotation request fails (after `stored_bars` bars are in). The run
/// must stop after the breaker has stayed open through two open periods instead of waiting
/// ~90 s per stock, and leave every stock not stored to the next run.
async fn ingest_while_kis_goes_down(stored_bars: i64) -> hoga::ingest::Summary {
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, 400);
    cfg.breaker.open_secs = 1;
    cfg.kis.retry_budget_ms = 1_000;
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(40)
        .collect();
    let mut p = plan(day(2026, 3, 2), day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    p.concurrency = if stored_bars > 0 { 1 } else { 8 };
    p.batch_size = 1;
    // Down: every REST call answers 500 (the master files still download).
    let down = FaultRule::always(FaultKind::Transient { code: None }).on("/uapi/");
    let started;
    let s = if stored_bars > 0 {
        let run = spawn_ingest(&p, &client, &store, &clock);
        wait_for_bars(store.as_ref(), stored_bars).await;
        sim.add_fault(down);
        started = std::time::Instant::now();
        run.await.unwrap()
    } else {
        sim.add_fault(down);
        started = std::time::Instant::now();
        ingest(
            &p,
            &client,
            Some(store.clone()),
            clock,
            CancellationToken::new(),
        )
        .await
    };
    let took = started.elapsed().as_secs_f64();
    eprintln!("{}", s.render());
    // The bound from the config: two open periods, one more wait step and the retry budget of
    // the calls that open the breaker, times a generous factor for a busy machine. (Before,
    // each stock waited up to 90 s, twice: minutes for 40 stocks.)
    let open = cfg.breaker.open_secs as f64;
    let bound = 4.0 * (3.0 * open + cfg.kis.retry_budget_ms as f64 / 1000.0);
    assert!(took < bound, "took {took:.1}s, bound {bound:.1}s");
    assert!(!s.interrupted);
    assert_eq!(
        s.failed.len() + s.stocks_stored as usize + s.stocks_empty as usize,
        codes.len(),
        "every stock not stored is failed, so the next run fetches it: {}",
        s.render()
    );
    assert!(
        s.failed
            .iter()
            .any(|f| f.error.contains("circuit breaker stayed open")),
        "{}",
        s.render()
    );
    let marks = store.progress(&p.identity().0).await.unwrap();
    assert_eq!(
        marks.len() as u64,
        s.stocks_stored + s.stocks_empty,
        "resumable"
    );
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kis_down_gives_up_within_two_open_periods_with_exit_3() {
    let _exclusive = shared().await;
    let s = ingest_while_kis_goes_down(0).await;
    assert_eq!(s.stocks_stored, 0);
    assert_eq!(s.exit_code, 3, "{}", s.render());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kis_down_mid_run_gives_up_with_exit_1() {
    let _exclusive = shared().await;
    let s = ingest_while_kis_goes_down(8).await;
    assert!(s.stocks_stored > 0, "{}", s.render());
    assert_eq!(s.exit_code, 1, "{}", s.render());
}

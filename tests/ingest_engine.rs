//! The ingest run's logic (resume, rejects, interruption, dry run, idempotence, fallbacks)
//! against a scripted in-process source and real SQLite / PostgreSQL stores. The same flows
//! over HTTP against kis-sim are in `ingest_sim.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use hoga::clock::{ManualClock, SharedClock};
use hoga::ingest::report::Silent;
use hoga::ingest::{Deps, Plan, Summary, Via, run};
use hoga::market::{
    Calendar, Candle, Krw, Listing, Market, OrderBook, Period, Provenance, Quote, Rate,
    SecurityKind, StatusFlags, StockCode, StockInfo, price_limits, tick::round_down,
};
use hoga::source::{
    DataSource, Req, SourceError, SourceKind, SourceMetrics, SourceStatus, Sourced,
};
use hoga::store::{Store, StoreSpec};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A deterministic market: every stock's close walks by a code- and date-dependent step.
struct Scripted {
    universe: Vec<Listing>,
    universe_fails: bool,
    /// Codes whose chart fails (transiently) until `heal` is called.
    failing: Mutex<HashSet<StockCode>>,
    /// (code, date) bars served broken: high < low.
    broken: HashSet<(StockCode, NaiveDate)>,
    /// Cancel this token after this many chart calls.
    cancel_after: Option<(u64, CancellationToken)>,
    calls: AtomicU64,
    chart_codes: Mutex<Vec<StockCode>>,
    /// Codes a multi-quote answer leaves out (a halted stock, say).
    not_quoted: HashSet<StockCode>,
}

fn code(i: usize) -> StockCode {
    StockCode::new(&format!("{:06}", 100_000 + i * 10)).unwrap()
}

fn listing(i: usize) -> Listing {
    Listing {
        code: code(i),
        isin: format!("KR7{:06}0003", 100_000 + i * 10),
        name: format!("종목{i}"),
        name_en: None,
        market: if i.is_multiple_of(3) {
            Market::Kosdaq
        } else {
            Market::Kospi
        },
        group: "ST".into(),
        kind: SecurityKind::Stock,
        base_price: Krw(10_000),
        listed_shares: 1_000_000,
        flags: StatusFlags::default(),
        market_cap_eok: 100,
        listed_on: None,
    }
}

/// The true bar of stock `c` on trading day `d` (on the grid, within ±30 % of the day before).
fn truth(c: StockCode, d: NaiveDate) -> Candle {
    let seed: i64 = c.as_str().bytes().map(|b| b as i64).sum::<i64>();
    let n = d.num_days_from_ce() as i64;
    let close = round_down(Krw(10_000 + seed * 37 % 5_000 + (n * 7 + seed) % 2_000));
    let (_, upper) = price_limits(close);
    let high = round_down(Krw(close.0 + 50)).min(upper);
    let low = round_down(Krw(close.0 - 60));
    let volume = (seed as u64 * 13 + n as u64) % 10_000 + 1;
    Candle {
        date: d,
        time: None,
        open: low,
        high,
        low,
        close,
        volume,
        value: Krw(close.0 * volume as i64),
    }
}

impl Scripted {
    fn new(n: usize) -> Scripted {
        Scripted {
            universe: (0..n).map(listing).collect(),
            universe_fails: false,
            failing: Mutex::new(HashSet::new()),
            broken: HashSet::new(),
            cancel_after: None,
            calls: AtomicU64::new(0),
            chart_codes: Mutex::new(Vec::new()),
            not_quoted: HashSet::new(),
        }
    }
}

impl Scripted {
    fn unscripted() -> SourceError {
        SourceError::Fatal("not scripted: the ingest reads universe, quotes and charts".into())
    }

    /// The stocks' quotes at the close of 2026-03-06, as a multi-quote call gives them.
    fn day_quotes(&self, codes: &[StockCode]) -> Vec<Quote> {
        let today = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
        let prev = Calendar::krx().prev_trading_day(today);
        codes
            .iter()
            .filter(|c| !self.not_quoted.contains(c))
            .map(|&c| {
                let bar = truth(c, today);
                let prev_close = truth(c, prev).close;
                let (lower, upper) = price_limits(prev_close);
                Quote {
                    code: c,
                    name: None,
                    price: bar.close,
                    change: Krw(bar.close.0 - prev_close.0),
                    change_rate: Rate(0),
                    prev_close,
                    open: bar.open,
                    high: bar.high,
                    low: bar.low,
                    volume: bar.volume,
                    value: bar.value,
                    upper_limit: upper,
                    lower_limit: lower,
                    flags: StatusFlags::default(),
                    expected: None,
                    as_of: now(),
                }
            })
            .collect()
    }

    async fn daily_chart(
        &self,
        c: StockCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Candle>, SourceError> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some((after, token)) = &self.cancel_after
            && n >= *after
        {
            token.cancel();
        }
        tokio::task::yield_now().await;
        if self.failing.lock().unwrap().contains(&c) {
            return Err(SourceError::Unavailable {
                message: "HTTP 500 (transient)".into(),
                retry_at: None,
            });
        }
        self.chart_codes.lock().unwrap().push(c);
        Ok(Calendar::krx()
            .trading_days(from, to)
            .into_iter()
            .map(|d| {
                let mut t = truth(c, d);
                if self.broken.contains(&(c, d)) {
                    t.high = Krw(t.low.0 - 10);
                }
                t
            })
            .collect())
    }
}

#[async_trait]
impl DataSource for Scripted {
    fn kind(&self) -> SourceKind {
        SourceKind::Simulated
    }

    fn describe(&self) -> String {
        "scripted".into()
    }

    async fn universe(&self, req: Req) -> Result<Sourced<Vec<Listing>>, SourceError> {
        assert_eq!(
            req,
            Req::BATCH,
            "the ingest asks at batch priority, never the cache"
        );
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.universe_fails {
            return Err(SourceError::Unavailable {
                message: "master download: connection refused".into(),
                retry_at: None,
            });
        }
        Ok(Sourced::new(self.universe.clone(), Provenance::Simulated))
    }

    async fn quotes(
        &self,
        codes: &[StockCode],
        req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError> {
        assert_eq!(
            req,
            Req::BATCH,
            "the ingest asks at batch priority, never the cache"
        );
        self.calls.fetch_add(1, Ordering::Relaxed);
        assert!(
            codes.len() <= 30,
            "a multi-quote call carries at most 30 codes"
        );
        Ok(self
            .day_quotes(codes)
            .into_iter()
            .map(|q| Sourced::new(q, Provenance::Simulated))
            .collect())
    }

    async fn chart(
        &self,
        c: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        assert_eq!(
            req,
            Req::BATCH,
            "the ingest asks at batch priority, never the cache"
        );
        assert_eq!(period, Period::Day);
        let bars = self.daily_chart(c, from, to).await?;
        Ok(Sourced::new(bars, Provenance::Simulated))
    }

    async fn quote(&self, _: StockCode, _: Req) -> Result<Sourced<Quote>, SourceError> {
        Err(Self::unscripted())
    }

    async fn order_book(&self, _: StockCode, _: Req) -> Result<Sourced<OrderBook>, SourceError> {
        Err(Self::unscripted())
    }

    async fn minute_chart(
        &self,
        _: StockCode,
        _: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        Err(Self::unscripted())
    }

    async fn info(&self, _: StockCode, _: Req) -> Result<Sourced<StockInfo>, SourceError> {
        Err(Self::unscripted())
    }

    fn status(&self) -> SourceStatus {
        SourceStatus::default()
    }

    fn metrics(&self) -> SourceMetrics {
        SourceMetrics {
            api_calls: self.calls.load(Ordering::Relaxed),
            ..SourceMetrics::default()
        }
    }
}

fn now() -> DateTime<Utc> {
    // 2026-03-06 (Fri) 16:00 KST: after the close.
    Utc.with_ymd_and_hms(2026, 3, 6, 7, 0, 0).unwrap()
}

fn plan(from: NaiveDate, to: NaiveDate, via: Via) -> Plan {
    Plan {
        from,
        to,
        codes: None,
        market: None,
        via,
        dry_run: false,
        force: false,
        concurrency: 4,
        batch_size: 500,
        shard: None,
        delist_after_days: 3,
    }
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

async fn go(plan: &Plan, src: Arc<Scripted>, store: Option<Arc<dyn Store>>) -> Summary {
    go_with(plan, src, store, CancellationToken::new()).await
}

async fn go_with(
    plan: &Plan,
    src: Arc<Scripted>,
    store: Option<Arc<dyn Store>>,
    cancel: CancellationToken,
) -> Summary {
    let clock: SharedClock = Arc::new(ManualClock::new(now()));
    run(
        plan,
        Deps {
            source: src,
            store,
            clock,
            cancel,
            reporter: Arc::new(Silent),
        },
    )
    .await
    .unwrap()
}

async fn sqlite() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let spec = StoreSpec::Sqlite(dir.path().join("hoga.db"));
    let store: Arc<dyn Store> = Arc::from(spec.open().await.unwrap());
    (dir, store)
}

async fn postgres() -> (String, Arc<dyn Store>) {
    let schema = format!("hoga_engine_{}_{}", std::process::id(), fastrand::u32(..));
    let spec = StoreSpec::Postgres {
        url: PG_URL.into(),
        schema: Some(schema.clone()),
    };
    (schema, Arc::from(spec.open().await.unwrap()))
}

async fn drop_schema(schema: &str) {
    let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

/// Every stored bar equals the source's truth, and every (stock, trading day) is there once.
async fn assert_exact(store: &dyn Store, src: &Scripted, from: NaiveDate, to: NaiveDate) {
    let bars = store.bars(None, from, to).await.unwrap();
    let days = Calendar::krx().trading_days(from, to);
    assert_eq!(bars.len(), src.universe.len() * days.len());
    let mut i = 0;
    for l in &src.universe {
        for d in &days {
            let b = &bars[i].bar;
            let t = truth(l.code, *d);
            assert_eq!((b.code, b.date), (l.code, *d));
            assert_eq!(
                (b.open, b.high, b.low, b.close, b.volume, b.value),
                (t.open, t.high, t.low, t.close, t.volume as i64, t.value),
                "{} {}",
                l.code,
                d
            );
            i += 1;
        }
    }
}

#[tokio::test]
async fn today_by_multi_quote_then_idempotent_rerun() {
    let (_dir, store) = sqlite().await;
    let src = Arc::new(Scripted::new(95));
    let p = plan(day(3, 6), day(3, 6), Via::MultiQuote);
    let s = go(&p, src.clone(), Some(store.clone())).await;
    assert_eq!(
        (s.exit_code, s.status.as_str()),
        (0, "complete"),
        "{}",
        s.render()
    );
    assert_eq!(s.stocks_total, 95);
    assert_eq!(s.stocks_stored, 95);
    // 1 universe call + ceil(95/30) = 4 multi-quote calls.
    assert_eq!(s.metrics.api_calls, 5);
    assert_eq!(s.universe, "master files");
    assert_exact(store.as_ref(), &src, day(3, 6), day(3, 6)).await;
    let first = store.bars(None, day(3, 6), day(3, 6)).await.unwrap();
    assert!(first.iter().all(|b| b.source == "kis:multi_quote"));
    assert_eq!(store.load_stocks().await.unwrap().len(), 95);

    // The same run again: same rows and values, only ingested_at may move.
    let s2 = go(&p, src.clone(), Some(store.clone())).await;
    assert_eq!(s2.exit_code, 0);
    assert_eq!(
        s2.stocks_resumed, 0,
        "a complete run leaves nothing to resume"
    );
    let second = store.bars(None, day(3, 6), day(3, 6)).await.unwrap();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!((a.bar, &a.source), (b.bar, &b.source));
    }
    let runs = store.runs().await.unwrap();
    assert_eq!(runs.len(), 2);
    assert!(
        runs.iter()
            .all(|r| r.status == "complete" && r.stocks_stored == 95)
    );
}

/// A stock left out of a multi-quote answer is fetched by chart, and its row says so.
#[tokio::test]
async fn chart_fallback_rows_are_labelled_as_chart_rows() {
    let (_dir, store) = sqlite().await;
    let mut src = Scripted::new(40);
    src.not_quoted = [code(3), code(31)].into_iter().collect();
    let src = Arc::new(src);
    let p = plan(day(3, 6), day(3, 6), Via::MultiQuote);
    let s = go(&p, src.clone(), Some(store.clone())).await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    assert_eq!(s.stocks_stored, 40);
    assert_exact(store.as_ref(), &src, day(3, 6), day(3, 6)).await;
    let mut charted: Vec<StockCode> = src.chart_codes.lock().unwrap().clone();
    charted.sort();
    assert_eq!(charted, vec![code(3), code(31)]);
    for b in store.bars(None, day(3, 6), day(3, 6)).await.unwrap() {
        let want = if src.not_quoted.contains(&b.bar.code) {
            "kis:daily_chart_raw"
        } else {
            "kis:multi_quote"
        };
        assert_eq!(b.source, want, "{}", b.bar.code);
    }
}

#[tokio::test]
async fn two_year_backfill_has_every_trading_day_once() {
    let (_dir, store) = sqlite().await;
    let src = Arc::new(Scripted::new(50));
    let (from, to) = (day(1, 1).with_year(2024).unwrap(), day(3, 6));
    let s = go(
        &plan(from, to, Via::Chart),
        src.clone(),
        Some(store.clone()),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    let days = Calendar::krx().trading_days(from, to);
    assert!(days.len() > 500);
    assert_eq!(s.bars_stored, 50 * days.len() as u64);
    assert_exact(store.as_ref(), &src, from, to).await;
    // Trading days only, no duplicates.
    let all = store.bars(None, from, to).await.unwrap();
    let keys: HashSet<_> = all.iter().map(|b| (b.bar.code, b.bar.date)).collect();
    assert_eq!(keys.len(), all.len());
    assert!(
        all.iter()
            .all(|b| Calendar::krx().is_trading_day(b.bar.date))
    );
}

#[tokio::test]
async fn bad_bars_are_rejected_with_reason_and_exit_1() {
    let (_dir, store) = sqlite().await;
    let mut src = Scripted::new(10);
    let bad = code(3);
    src.broken.insert((bad, day(3, 4)));
    let src = Arc::new(src);
    let s = go(
        &plan(day(3, 3), day(3, 6), Via::Chart),
        src.clone(),
        Some(store.clone()),
    )
    .await;
    assert_eq!((s.exit_code, s.status.as_str()), (1, "partial"));
    assert_eq!(s.rejected_rows, 1);
    assert_eq!(s.rejects_by_category.get("ohlc_order"), Some(&1));
    let rej = store.rejects(Some(&s.run_id)).await.unwrap();
    assert_eq!(rej.len(), 1);
    assert_eq!((rej[0].code, rej[0].date), (bad, Some(day(3, 4))));
    assert!(rej[0].detail.contains("high"), "{}", rej[0].detail);
    let stored = store.bars(Some(bad), day(3, 3), day(3, 6)).await.unwrap();
    assert_eq!(stored.len(), 3, "the bad day is not stored, the others are");
    assert!(stored.iter().all(|b| b.bar.date != day(3, 4)));
    assert!(s.render().contains("ohlc_order 1"));
}

#[tokio::test]
async fn failed_stocks_exit_1_and_the_rerun_fetches_only_them() {
    let (_dir, store) = sqlite().await;
    let src = Arc::new(Scripted::new(40));
    let sick: HashSet<StockCode> = [code(5), code(17), code(33)].into();
    *src.failing.lock().unwrap() = sick.clone();
    let p = plan(day(3, 2), day(3, 6), Via::Chart);
    let s = go(&p, src.clone(), Some(store.clone())).await;
    assert_eq!((s.exit_code, s.status.as_str()), (1, "partial"));
    let failed: HashSet<_> = s.failed.iter().map(|f| f.code).collect();
    assert_eq!(failed, sick);
    assert!(s.render().contains("HTTP 500"));

    src.failing.lock().unwrap().clear();
    src.chart_codes.lock().unwrap().clear();
    let s2 = go(&p, src.clone(), Some(store.clone())).await;
    assert_eq!(s2.exit_code, 0, "{}", s2.render());
    assert_eq!(s2.stocks_resumed, 37);
    let refetched: HashSet<_> = src.chart_codes.lock().unwrap().iter().copied().collect();
    assert_eq!(refetched, sick, "only the failed stocks are fetched again");
    assert_exact(store.as_ref(), &src, day(3, 2), day(3, 6)).await;
}

#[tokio::test]
async fn nothing_fetched_is_exit_3() {
    let (_dir, store) = sqlite().await;
    let src = Arc::new(Scripted::new(5));
    *src.failing.lock().unwrap() = (0..5).map(code).collect();
    let s = go(&plan(day(3, 6), day(3, 6), Via::Chart), src, Some(store)).await;
    assert_eq!((s.exit_code, s.status.as_str()), (3, "failed"));
}

#[tokio::test]
async fn interrupted_run_commits_and_resumes() {
    let (_dir, store) = sqlite().await;
    let token = CancellationToken::new();
    let mut src = Scripted::new(60);
    src.cancel_after = Some((20, token.clone()));
    let src = Arc::new(src);
    let p = plan(day(2, 2), day(3, 6), Via::Chart);
    let s = go_with(&p, src.clone(), Some(store.clone()), token).await;
    assert_eq!((s.exit_code, s.status.as_str()), (1, "interrupted"));
    assert!(s.interrupted);
    let done_first = s.stocks_stored;
    assert!(done_first > 0 && done_first < 60, "{done_first}");
    // What the summary says is what the store holds.
    let stored = store.bars(None, day(2, 2), day(3, 6)).await.unwrap();
    let codes: HashSet<_> = stored.iter().map(|b| b.bar.code).collect();
    assert_eq!(codes.len() as u64, done_first);

    let src2 = Arc::new(Scripted::new(60));
    let s2 = go(&p, src2.clone(), Some(store.clone())).await;
    assert_eq!(s2.exit_code, 0, "{}", s2.render());
    assert_eq!(s2.stocks_resumed, done_first);
    assert_eq!(s2.stocks_stored, 60 - done_first);
    let refetched: HashSet<_> = src2.chart_codes.lock().unwrap().iter().copied().collect();
    assert!(refetched.is_disjoint(&codes), "nothing is fetched twice");
    assert_exact(store.as_ref(), &src2, day(2, 2), day(3, 6)).await;
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = Arc::new(Scripted::new(20));
    let mut p = plan(day(3, 3), day(3, 6), Via::Chart);
    p.dry_run = true;
    let s = go(&p, src, None).await;
    assert_eq!(s.exit_code, 0);
    assert_eq!(s.bars_stored, 20 * 4);
    assert!(s.render().contains("dry run"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn universe_falls_back_to_the_stored_one() {
    let (_dir, store) = sqlite().await;
    let src = Arc::new(Scripted::new(12));
    let p = plan(day(3, 6), day(3, 6), Via::Chart);
    assert_eq!(go(&p, src, Some(store.clone())).await.exit_code, 0);
    let mut down = Scripted::new(12);
    down.universe_fails = true;
    let s = go(&p, Arc::new(down), Some(store.clone())).await;
    assert_eq!(s.exit_code, 0);
    assert_eq!(s.stocks_total, 12);
    assert!(
        s.universe.contains("last stored universe"),
        "{}",
        s.universe
    );
    assert!(s.universe.contains("connection refused"));
}

#[tokio::test]
async fn market_and_codes_select_stocks() {
    let (_dir, store) = sqlite().await;
    let src = Arc::new(Scripted::new(30));
    let mut p = plan(day(3, 6), day(3, 6), Via::Chart);
    p.market = Some(Market::Kosdaq);
    assert_eq!(
        go(&p, src.clone(), Some(store.clone())).await.stocks_total,
        10
    );
    p.market = None;
    p.codes = Some(vec![code(1), code(2)]);
    let s = go(&p, src, Some(store)).await;
    assert_eq!((s.stocks_total, s.stocks_stored), (2, 2));
}

#[tokio::test]
async fn postgres_gets_the_same_rows_as_sqlite() {
    let (_dir, lite) = sqlite().await;
    let (schema, pg) = postgres().await;
    let mut src = Scripted::new(30);
    src.broken.insert((code(4), day(3, 5)));
    let src = Arc::new(src);
    let p = plan(day(2, 16), day(3, 6), Via::Chart);
    let a = go(&p, src.clone(), Some(lite.clone())).await;
    let b = go(&p, src.clone(), Some(pg.clone())).await;
    assert_eq!((a.exit_code, b.exit_code), (1, 1));
    let rows = |v: Vec<hoga::store::StoredBar>| {
        v.into_iter().map(|b| (b.bar, b.source)).collect::<Vec<_>>()
    };
    let la = rows(lite.bars(None, day(2, 16), day(3, 6)).await.unwrap());
    let pa = rows(pg.bars(None, day(2, 16), day(3, 6)).await.unwrap());
    assert!(!la.is_empty());
    assert_eq!(la, pa);
    let strip = |v: Vec<hoga::store::Reject>| {
        v.into_iter()
            .map(|r| (r.code, r.date, r.category, r.detail, r.raw))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(lite.rejects(None).await.unwrap()),
        strip(pg.rejects(None).await.unwrap())
    );
    assert_eq!(
        lite.load_stocks().await.unwrap(),
        pg.load_stocks().await.unwrap()
    );
    drop(pg);
    drop_schema(&schema).await;
}

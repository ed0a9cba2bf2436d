//! Corporate actions end to end (issue 13 §1, §5): kis-sim's raw and adjusted charts, the
//! client's parse of the action fields, the ingest learning every action with its exact
//! factor, and the store's adjusted view (SQLite and PostgreSQL) equal to kis-sim's adjusted
//! chart to the won. Also: the daily run on an ex-date, and the migration of an old store.

mod common;
mod ingest_common;

use chrono::{NaiveDate, TimeZone, Utc};
use hoga::clock::{ManualClock, SharedClock};
use hoga::ingest::Via;
use hoga::kis::Priority;
use hoga::market::{ActionKind, Calendar, Krw, Period, Ratio, StockCode};
use hoga::sim::{SimConfig, SimHandle};
use hoga::store::{Adjustment, Bar, Store, StoreSpec, WriteBatch};
use ingest_common::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Friday 2026-03-06, 16:00 KST: after the close.
const AFTER_CLOSE: &str = "2026-03-06 16:00";
/// Monday 2026-03-09, 16:00 KST: 에스엠 (041510) goes ex-rights that day.
const EX_DAY_CLOSE: &str = "2026-03-09 16:00";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn clock_at(s: &str) -> SharedClock {
    Arc::new(ManualClock::new(at(s)))
}

/// kis-sim's adjusted daily bars of `code` in `[from, to]` as its chart serves them now.
fn sim_adjusted(sim: &SimHandle, code: StockCode, from: NaiveDate, to: NaiveDate) -> Vec<Bar> {
    let m = sim.market();
    m.period_day_bars_adj(code, Period::Day, from, to, m.now(), false, true)
        .into_iter()
        .filter(|b| b.volume > 0)
        .map(|b| Bar {
            code,
            date: b.date,
            open: Krw(b.open),
            high: Krw(b.high),
            low: Krw(b.low),
            close: Krw(b.close),
            volume: b.volume as i64,
            value: Krw(b.value),
        })
        .collect()
}

/// Every action kis-sim made on `codes` with an ex-date in `[from, to]`, as the store keeps them.
fn sim_actions(
    sim: &SimHandle,
    codes: &[StockCode],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Adjustment> {
    let mut out = Vec::new();
    for &c in codes {
        for a in sim.market().actions_until(c, to) {
            if a.ex_date >= from {
                out.push(Adjustment {
                    code: c,
                    ex_date: a.ex_date,
                    factor: a.factor,
                    kind: a.kind,
                    source: String::new(),
                });
            }
        }
    }
    out.sort_by_key(|a| (a.code, a.ex_date));
    out
}

fn without_source(mut v: Vec<Adjustment>) -> Vec<Adjustment> {
    for a in &mut v {
        a.source.clear();
    }
    v
}

/// The adjusted view equals kis-sim's adjusted chart for every stock and day, field by field.
async fn assert_adjusted_matches(
    store: &dyn Store,
    sim: &SimHandle,
    codes: &[StockCode],
    from: NaiveDate,
    to: NaiveDate,
) -> usize {
    let stored = store.adjusted_bars(None, from, to).await.unwrap();
    let mut by_code: BTreeMap<StockCode, Vec<Bar>> = BTreeMap::new();
    for b in stored {
        by_code.entry(b.bar.code).or_default().push(b.bar);
    }
    let mut n = 0;
    for &c in codes {
        let want = sim_adjusted(sim, c, from, to);
        let got = by_code.remove(&c).unwrap_or_default();
        assert_eq!(got.len(), want.len(), "{c}: adjusted bar count");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                g, w,
                "{c} {}: adjusted view vs kis-sim's adjusted chart",
                w.date
            );
        }
        n += want.len();
    }
    n
}

// ------------------------------------------------------------------ kis-sim and the client

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_raw_and_adjusted_charts_differ_by_the_exact_factors_with_the_ex_date_codes() {
    let _shared = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock_at(AFTER_CLOSE);
    let client = client(&cfg, dir.path(), clock, None);
    let m = sim.market();
    let (from, to) = (day(2024, 3, 6), day(2026, 3, 6));
    let mut kinds = std::collections::BTreeSet::new();
    // 리노공업: a 1:10 split then a dividend, so factors compound.
    for c in [
        "357780", "058470", "003550", "293490", "263750", "145020", "005930",
    ] {
        let c = code(c);
        let raw = client
            .daily_chart_days(c, from, to, false, Priority::Batch)
            .await
            .unwrap();
        let adj = client
            .daily_chart_days(c, from, to, true, Priority::Batch)
            .await
            .unwrap();
        assert_eq!(raw.len(), adj.len(), "{c}");
        let acts = m.actions_until(c, to);
        if c.as_str() == "005930" {
            assert!(acts.is_empty());
            assert_eq!(
                raw.iter().map(|d| d.candle).collect::<Vec<_>>(),
                adj.iter().map(|d| d.candle).collect::<Vec<_>>()
            );
        } else {
            assert!(!acts.is_empty(), "{c} has actions");
        }
        for (r, a) in raw.iter().zip(&adj) {
            let truth = m.final_day_bar(c, r.candle.date).unwrap();
            assert_eq!(r.candle.close.0, truth.close, "{c} raw is what traded");
            assert_eq!(r.base, Some(Krw(truth.base)), "{c} {} base", r.candle.date);
            let f = acts
                .iter()
                .filter(|x| x.ex_date > r.candle.date)
                .fold(Ratio::ONE, |f, x| f.times(x.factor));
            for (rp, ap) in [
                (r.candle.open, a.candle.open),
                (r.candle.high, a.candle.high),
                (r.candle.low, a.candle.low),
                (r.candle.close, a.candle.close),
            ] {
                assert_eq!(f.apply(rp.0), Some(ap.0), "{c} {}", r.candle.date);
            }
            match acts.iter().find(|x| x.ex_date == r.candle.date) {
                Some(x) => {
                    kinds.insert(x.kind);
                    assert!(r.names_action(), "{c} {}: ex-date row", r.candle.date);
                    assert!(r.modified);
                    assert_eq!(r.flng_cls_code.as_deref(), Some(x.flng_cls_code));
                    assert_eq!(r.revl_issu_reas.as_deref(), Some(x.revl_issu_reas));
                    assert_eq!(
                        ActionKind::from_codes(
                            r.flng_cls_code.as_deref(),
                            r.revl_issu_reas.as_deref(),
                            x.factor
                        ),
                        x.kind
                    );
                    assert_eq!(Ratio::new(x.base, x.prev_close), Some(x.factor));
                    assert!(r.prtt_rate.is_some());
                }
                None => assert!(!r.names_action(), "{c} {}", r.candle.date),
            }
        }
    }
    assert_eq!(
        kinds.len(),
        5,
        "split, reverse split, rights, dividend, capital reduction: {kinds:?}"
    );
}

// ------------------------------------------------------------------ backfill

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_year_whole_market_backfill_learns_every_action_and_the_view_equals_kis_adjusted() {
    let _shared = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(1_000)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 1_000);
    let clock = clock_at(AFTER_CLOSE);
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let (from, to) = (day(2024, 3, 6), day(2026, 3, 6));
    let mut p = plan(from, to, Via::Chart);
    p.concurrency = 32;
    let s = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock.clone(),
        CancellationToken::new(),
    )
    .await;
    eprintln!("{}", s.render());
    assert_eq!(s.exit_code, 0, "{}", s.render());
    assert_eq!(s.rejected_rows, 0);
    // The issues today's master files list: a fresh store knows no delisted ones
    // (tests/ingest_listings.rs covers those).
    let codes: Vec<StockCode> = sim
        .market()
        .universe_at(sim.market().now())
        .iter()
        .map(|l| l.code)
        .collect();
    // Raw bars are what traded.
    let n = assert_matches_truth(store.as_ref(), &sim, &codes, from, to).await;
    assert!(n > 2_400 * 400, "{n} bars");
    // Every action, each factor exact, learned once.
    let want = sim_actions(&sim, &codes, from, to);
    assert_eq!(want.len(), 8, "{want:?}");
    let got = store.adjustments(None).await.unwrap();
    assert!(got.iter().all(|a| a.source == "kis:daily_chart"));
    assert_eq!(without_source(got), want);
    // The adjusted view is kis-sim's adjusted chart to the won.
    let m = assert_adjusted_matches(store.as_ref(), &sim, &codes, from, to).await;
    assert_eq!(m, n);
    // A stock without actions reads the same raw and adjusted.
    let c = code("005930");
    let raw: Vec<Bar> = store
        .bars(Some(c), from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.bar)
        .collect();
    let adj: Vec<Bar> = store
        .adjusted_bars(Some(c), from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.bar)
        .collect();
    assert_eq!(raw, adj);
    // The whole-market day query agrees with the range query.
    let day_rows = store.adjusted_day(day(2024, 9, 2)).await.unwrap();
    assert!(day_rows.len() > 2_400);
    for b in &day_rows {
        let one = store
            .adjusted_bars(Some(b.bar.code), b.bar.date, b.bar.date)
            .await
            .unwrap();
        assert_eq!(one[0].bar, b.bar);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_adjusted_view_equals_sqlite_and_kis() {
    let _shared = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock_at(AFTER_CLOSE);
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let (schema, pg) = postgres().await;
    let codes: Vec<StockCode> = [
        "357780", "058470", "003550", "293490", "263750", "145020", "005930",
    ]
    .map(code)
    .to_vec();
    let (from, to) = (day(2024, 3, 6), day(2026, 3, 6));
    let mut p = plan(from, to, Via::Chart);
    p.codes = Some(codes.clone());
    let s = ingest(
        &p,
        &client,
        Some(pg.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    assert_eq!(
        without_source(pg.adjustments(None).await.unwrap()),
        sim_actions(&sim, &codes, from, to)
    );
    let n = assert_adjusted_matches(pg.as_ref(), &sim, &codes, from, to).await;
    assert!(n > 7 * 480, "{n}");
    let day_rows = pg.adjusted_day(day(2024, 9, 2)).await.unwrap();
    assert_eq!(day_rows.len(), codes.len());
    drop(pg);
    drop_schema(&schema).await;
}

// ------------------------------------------------------------------ daily run on an ex-date

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_run_on_an_ex_date_records_the_action_and_the_view_moves_without_refetch() {
    let _shared = shared().await;
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path()).await;
    let codes: Vec<StockCode> = ["041510", "005930", "000660"].map(code).to_vec();
    let from = day(2025, 11, 3);

    // History up to the Friday before the ex-date, from the raw chart.
    let before = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let clock = clock_at(AFTER_CLOSE);
    let c1 = client(&config(&before, 400), dir.path(), clock.clone(), None);
    let mut p = plan(from, day(2026, 3, 6), Via::Chart);
    p.codes = Some(codes.clone());
    let s = ingest(
        &p,
        &c1,
        Some(store.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    assert!(store.adjustments(None).await.unwrap().is_empty());
    let raw_before = store.bars(None, from, day(2026, 3, 6)).await.unwrap();
    let adj_before = store
        .adjusted_bars(None, from, day(2026, 3, 6))
        .await
        .unwrap();
    assert_eq!(
        raw_before.iter().map(|b| b.bar).collect::<Vec<_>>(),
        adj_before.iter().map(|b| b.bar).collect::<Vec<_>>()
    );

    // The ex-date's daily run (multi-quote), on a kis-sim whose clock is that evening.
    let sim = start(SimConfig::frozen(EX_DAY_CLOSE).rate(400)).await;
    let clock = clock_at(EX_DAY_CLOSE);
    let c2 = client(&config(&sim, 400), dir.path(), clock.clone(), None);
    let ex = day(2026, 3, 9);
    let mut p = plan(ex, ex, Via::MultiQuote);
    p.codes = Some(codes.clone());
    let s = ingest(
        &p,
        &c2,
        Some(store.clone()),
        clock.clone(),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    let truth = sim
        .market()
        .action_on(code("041510"), ex)
        .expect("the sim's action");
    assert_eq!(truth.kind, ActionKind::Rights);
    let got = store.adjustments(None).await.unwrap();
    assert_eq!(
        got,
        vec![Adjustment {
            code: code("041510"),
            ex_date: ex,
            factor: truth.factor,
            kind: ActionKind::Rights,
            source: "kis:quote_base".into(),
        }]
    );
    // No history was fetched again: one chart call, for the ex-date row's kind.
    let charts = sim
        .stats()
        .requests_by_tr_id
        .get("FHKST03010100")
        .copied()
        .unwrap_or(0);
    assert!(charts <= 1, "{charts} chart calls");
    // The raw history is untouched, and the view now equals kis-sim's adjusted chart.
    let raw_after = store.bars(None, from, day(2026, 3, 6)).await.unwrap();
    assert_eq!(
        raw_before.iter().map(|b| b.bar).collect::<Vec<_>>(),
        raw_after.iter().map(|b| b.bar).collect::<Vec<_>>()
    );
    assert_adjusted_matches(store.as_ref(), &sim, &codes, from, ex).await;
    let adj_after = store
        .adjusted_bars(Some(code("041510")), from, day(2026, 3, 6))
        .await
        .unwrap();
    assert!(
        adj_after
            .iter()
            .zip(adj_before.iter().filter(|b| b.bar.code == code("041510")))
            .all(|(a, b)| a.bar.close < b.bar.close),
        "every earlier close is scaled down"
    );

    // A second run changes nothing.
    let view = store.adjusted_bars(None, from, ex).await.unwrap();
    let s = ingest(
        &p,
        &c2,
        Some(store.clone()),
        clock,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    assert_eq!(store.adjustments(None).await.unwrap(), got);
    let again = store.adjusted_bars(None, from, ex).await.unwrap();
    assert_eq!(
        view.iter().map(|b| b.bar).collect::<Vec<_>>(),
        again.iter().map(|b| b.bar).collect::<Vec<_>>()
    );
}

// ------------------------------------------------------------------ the store

fn bar(c: &str, date: NaiveDate, close: i64) -> Bar {
    Bar {
        code: code(c),
        date,
        open: Krw(close),
        high: Krw(close + close / 100),
        low: Krw(close - close / 100),
        close: Krw(close),
        volume: 1_000,
        value: Krw(close * 1_000),
    }
}

/// Writes bars and actions; the view applies cumulative factors rounded half up, actions are
/// stored once, and a better kind replaces `other` only.
async fn view_rules(store: Arc<dyn Store>) {
    let days = Calendar::krx().trading_days(day(2026, 1, 5), day(2026, 1, 16));
    let closes = [
        12_345, 12_355, 2_471, 2_480, 2_490, 2_500, 2_100, 2_110, 2_120, 2_130,
    ];
    let t = Utc.with_ymd_and_hms(2026, 1, 16, 7, 0, 0).unwrap();
    let bars: Vec<Bar> = days
        .iter()
        .zip(closes)
        .map(|(d, c)| bar("357780", *d, c))
        .collect();
    let split = Adjustment {
        code: code("357780"),
        ex_date: days[2],
        factor: Ratio::new(2_471, 12_355).unwrap(),
        kind: ActionKind::Other,
        source: "kis:quote_base".into(),
    };
    let div = Adjustment {
        code: code("357780"),
        ex_date: days[6],
        factor: Ratio::new(2_100, 2_500).unwrap(),
        kind: ActionKind::Dividend,
        source: "kis:daily_chart".into(),
    };
    store
        .write(WriteBatch {
            bars: bars.clone(),
            source: "test".into(),
            ingested_at: t,
            adjustments: vec![split.clone(), div.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    // Learned again with another factor and a better kind: the factor stays, the kind improves.
    let mut again = split.clone();
    again.factor = Ratio::new(1, 5).unwrap();
    again.kind = ActionKind::Split;
    again.source = "kis:daily_chart".into();
    let mut worse = div.clone();
    worse.kind = ActionKind::Other;
    store
        .write(WriteBatch {
            source: "test".into(),
            ingested_at: t,
            adjustments: vec![again, worse],
            ..Default::default()
        })
        .await
        .unwrap();
    let stored = store.adjustments(Some(code("357780"))).await.unwrap();
    let mut split_now = split.clone();
    split_now.kind = ActionKind::Split;
    split_now.source = "kis:daily_chart".into();
    assert_eq!(stored, vec![split_now, div.clone()]);

    let view = store
        .adjusted_bars(Some(code("357780")), days[0], days[9])
        .await
        .unwrap();
    assert_eq!(view.len(), 10);
    let both = split.factor.times(div.factor);
    for (v, b) in view.iter().zip(&bars) {
        let f = if b.date < split.ex_date {
            both
        } else if b.date < div.ex_date {
            div.factor
        } else {
            Ratio::ONE
        };
        for (got, raw) in [
            (v.bar.open, b.open),
            (v.bar.high, b.high),
            (v.bar.low, b.low),
            (v.bar.close, b.close),
        ] {
            assert_eq!(Some(got.0), f.apply(raw.0), "{} factor {f}", b.date);
        }
        assert_eq!((v.bar.volume, v.bar.value), (b.volume, b.value));
    }
    // 12,345 × 2,471/12,355 × 2,100/2,500 = 2,074.02… and half-up rounding at .5 exactly:
    assert_eq!(view[0].bar.close, Krw(2_074));
    assert_eq!(Ratio::new(1, 2).unwrap().apply(2_471), Some(1_236));
}

#[tokio::test]
async fn sqlite_view_applies_cumulative_factors_rounded_half_up() {
    let dir = tempfile::tempdir().unwrap();
    view_rules(sqlite(dir.path()).await).await;
}

#[tokio::test]
async fn postgres_view_applies_cumulative_factors_rounded_half_up() {
    let (schema, pg) = postgres().await;
    view_rules(pg.clone()).await;
    drop(pg);
    drop_schema(&schema).await;
}

// ------------------------------------------------------------------ migration

const V1_ROWS: usize = 3_000;

fn v1_bars() -> Vec<Bar> {
    let days = Calendar::krx().trading_days(day(2025, 1, 2), day(2026, 3, 6));
    let mut out = Vec::new();
    for c in [
        "005930", "000660", "035720", "041510", "357780", "058470", "003550", "263750", "293490",
        "145020", "068270",
    ] {
        for d in &days {
            if out.len() < V1_ROWS {
                out.push(bar(c, *d, 10_000 + out.len() as i64));
            }
        }
    }
    out
}

#[tokio::test]
async fn an_old_layout_sqlite_store_migrates_with_every_row_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // The layout hoga wrote before schema 2, filled the way it filled it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(hoga::store::schema::VERSION_TABLE)
            .unwrap();
        conn.execute_batch(hoga::store::schema::SQLITE[0].1)
            .unwrap();
        conn.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (1, '2026-01-01T00:00:00.000Z')",
            [],
        )
        .unwrap();
        let mut st = conn
            .prepare(
                "INSERT INTO daily_bars VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'kis:period_chart', '2026-03-06T07:00:00.000Z')",
            )
            .unwrap();
        for b in v1_bars() {
            st.execute(rusqlite::params![
                b.code.as_str(),
                b.date.to_string(),
                b.open.0,
                b.high.0,
                b.low.0,
                b.close.0,
                b.volume,
                b.value.0
            ])
            .unwrap();
        }
        conn.execute(
            "INSERT INTO rejects (run_id, code, date, category, detail, raw) VALUES ('r', '005930', NULL, 'x', 'y', '{}')",
            [],
        )
        .unwrap();
    }
    let store = StoreSpec::Sqlite(path.clone()).open().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 3);
    let (from, to) = (day(2000, 1, 1), day(2030, 1, 1));
    let got: Vec<Bar> = store
        .bars(None, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.bar)
        .collect();
    let mut want = v1_bars();
    want.sort_by_key(|b| (b.code, b.date));
    assert_eq!(got.len(), V1_ROWS);
    assert_eq!(got, want);
    assert_eq!(store.rejects(None).await.unwrap().len(), 1);
    assert!(store.adjustments(None).await.unwrap().is_empty());
    // With no actions known, adjusted = raw.
    let adj: Vec<Bar> = store
        .adjusted_bars(None, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.bar)
        .collect();
    assert_eq!(adj, want);
    drop(store);
    // Reopening changes nothing.
    let store = StoreSpec::Sqlite(path).open().await.unwrap();
    assert_eq!(store.count_bars().await.unwrap(), V1_ROWS as i64);
}

#[tokio::test]
async fn an_old_layout_postgres_store_migrates_with_every_row_kept() {
    let schema = format!("hoga_v1_{}_{}", std::process::id(), fastrand::u32(..));
    let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}; {}; {};
             INSERT INTO schema_version (version, applied_at) VALUES (1, '2026-01-01T00:00:00.000Z');",
            hoga::store::schema::VERSION_TABLE,
            hoga::store::schema::POSTGRES[0].1
        ))
        .await
        .unwrap();
    for b in v1_bars() {
        client
            .execute(
                "INSERT INTO daily_bars VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'kis:period_chart', 't')",
                &[
                    &b.code.to_string(),
                    &b.date.to_string(),
                    &b.open.0,
                    &b.high.0,
                    &b.low.0,
                    &b.close.0,
                    &b.volume,
                    &b.value.0,
                ],
            )
            .await
            .unwrap();
    }
    let spec = StoreSpec::Postgres {
        url: PG_URL.into(),
        schema: Some(schema.clone()),
    };
    let store = spec.open().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 3);
    let (from, to) = (day(2000, 1, 1), day(2030, 1, 1));
    let got: Vec<Bar> = store
        .bars(None, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.bar)
        .collect();
    let mut want = v1_bars();
    want.sort_by_key(|b| (b.code, b.date));
    assert_eq!(got, want);
    let adj: Vec<Bar> = store
        .adjusted_bars(None, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.bar)
        .collect();
    assert_eq!(adj, want);
    drop(store);
    drop_schema(&schema).await;
}

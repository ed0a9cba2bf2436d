//! Listing history end to end (issue 13 §2): kis-sim's master files change over time (IPOs,
//! delistings, a rename, a move from KOSDAQ to KOSPI), daily ingest runs on the days around
//! each change learn them, and the store's history and "universe on date D" equal kis-sim's
//! truth, in SQLite and PostgreSQL. A later backfill covers the delisted issues too, and the
//! audit does not count the days after a delisting as gaps. Also: the v2 → v3 migration.

mod common;
mod ingest_common;

use chrono::{DateTime, NaiveDate, Utc};
use hoga::clock::{ManualClock, SharedClock};
use hoga::ingest::Via;
use hoga::ingest::audit::{Scope, audit};
use hoga::market::{Calendar, Market, StockCode, kst_to_utc};
use hoga::sim::model::listings::SimListing;
use hoga::sim::{SimConfig, SimHandle};
use hoga::store::{ListedIssue, Store, StoreSpec};
use ingest_common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// `[ingest] delist_after_days` in these tests.
const N: u32 = 3;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 16:00 KST on `d`: after the close.
fn after_close(d: NaiveDate) -> DateTime<Utc> {
    kst_to_utc(d.and_hms_opt(16, 0, 0).unwrap())
}

/// The last day the tests observe.
fn last_day() -> NaiveDate {
    day(2026, 3, 6)
}

/// The days a daily run is made: the trading day before each change of kis-sim's listing
/// table, the day itself and the `N` trading days after it (so a delisting is confirmed).
fn observation_days(histories: &[SimListing]) -> Vec<NaiveDate> {
    let cal = Calendar::krx();
    let mut events = BTreeSet::new();
    for h in histories {
        events.insert(h.listed_on);
        events.extend(h.delisted_on);
        events.extend(h.names.iter().skip(1).map(|n| n.0));
    }
    let mut out = BTreeSet::new();
    for e in events
        .into_iter()
        .filter(|e| *e > day(2024, 1, 1) && *e <= last_day())
    {
        out.insert(cal.prev_trading_day(e));
        let mut d = e;
        for _ in 0..=N {
            out.insert(d);
            d = cal.next_trading_day(d);
        }
    }
    out.into_iter().filter(|d| *d <= last_day()).collect()
}

fn codes_of(histories: &[SimListing]) -> Vec<StockCode> {
    histories
        .iter()
        .map(|h| StockCode::new(&h.code).unwrap())
        .collect()
}

/// kis-sim's universe on `d` (its master files after that day's close), as
/// (code, name, market).
fn truth_on(sim: &SimHandle, d: NaiveDate) -> BTreeMap<StockCode, (String, Market)> {
    sim.market()
        .universe_at(after_close(d))
        .into_iter()
        .map(|l| (l.code, (l.name, l.market)))
        .collect()
}

fn as_map(list: &[ListedIssue]) -> BTreeMap<StockCode, (String, Market)> {
    list.iter()
        .map(|i| (i.code, (i.name.clone(), i.market)))
        .collect()
}

/// Makes the daily run of every observation day (a fresh client each day, as cron would),
/// into `store`, fetching that day's bars of the table's issues listed then; also records the
/// same master files in `twin` (another backend) directly.
async fn daily_runs(
    sim: &SimHandle,
    dir: &std::path::Path,
    store: &Arc<dyn Store>,
    twin: Option<&Arc<dyn Store>>,
) -> Vec<NaiveDate> {
    let histories = sim.market().listing_histories();
    let days = observation_days(&histories);
    let manual = Arc::new(ManualClock::new(after_close(days[0])));
    let clock: SharedClock = manual.clone();
    for d in &days {
        let t = after_close(*d);
        sim.clock().set(t);
        manual.set(t);
        let cfg = config(sim, 400);
        let client = client(&cfg, dir, clock.clone(), None);
        let listed: Vec<StockCode> = codes_of(&histories)
            .into_iter()
            .filter(|c| sim.market().listed_on(*c, *d))
            .collect();
        let mut p = plan(*d, *d, Via::Chart);
        p.codes = Some(listed);
        p.delist_after_days = N;
        let s = ingest(
            &p,
            &client,
            Some(store.clone()),
            clock.clone(),
            CancellationToken::new(),
        )
        .await;
        assert_eq!(s.exit_code, 0, "{d}: {}", s.render());
        let ch = s.listings.as_ref().expect("the master files were read");
        assert_eq!(ch.observed, Some(*d));
        if let Some(twin) = twin {
            let u = client.universe().await.unwrap();
            twin.observe_master(&u, *d, clock.now(), N).await.unwrap();
        }
    }
    days
}

/// The store's history of the table's issues equals kis-sim's, and the universe on every day
/// of the history (observed or not) equals kis-sim's master files of that day.
async fn assert_history_matches(store: &dyn Store, sim: &SimHandle, days: &[NaiveDate]) {
    let histories = sim.market().listing_histories();
    let stored: BTreeMap<StockCode, _> = store
        .listings()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.code, s))
        .collect();
    for h in &histories {
        let code = StockCode::new(&h.code).unwrap();
        let s = stored
            .get(&code)
            .unwrap_or_else(|| panic!("{code} not stored"));
        assert_eq!(s.listed_on, Some(h.listed_on), "{code} listed_on");
        assert_eq!(s.delisted_on, h.delisted_on, "{code} delisted_on");
        let names: Vec<(NaiveDate, String, Market)> = s
            .names
            .iter()
            .map(|n| (n.valid_from, n.name.clone(), n.market))
            .collect();
        let want: Vec<(NaiveDate, String, Market)> = h
            .names
            .iter()
            .map(|(d, n, _, m)| (*d, n.clone(), *m))
            .collect();
        assert_eq!(names, want, "{code} names");
    }
    // Every observed day, and every 20th trading day from the first to the last.
    let cal = Calendar::krx();
    let mut check: BTreeSet<NaiveDate> = days.iter().copied().collect();
    check.extend(
        cal.trading_days(days[0], *days.last().unwrap())
            .into_iter()
            .step_by(20),
    );
    for d in check {
        let got = as_map(&store.universe_on(d).await.unwrap());
        let want = truth_on(sim, d);
        if got != want {
            let only_got: Vec<_> = got.iter().filter(|(k, v)| want.get(k) != Some(v)).collect();
            let only_want: Vec<_> = want.iter().filter(|(k, v)| got.get(k) != Some(v)).collect();
            panic!("universe on {d}: stored only {only_got:?}, kis-sim only {only_want:?}");
        }
    }
}

#[tokio::test]
async fn daily_runs_learn_listings_delistings_renames_and_moves_as_kis_sim_made_them() {
    let _g = shared().await;
    let sim = start(SimConfig::frozen("2024-06-28 16:00").rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path()).await;
    let (schema, pg) = postgres().await;
    let histories = sim.market().listing_histories();
    assert_eq!(histories.len(), 8);
    let days = daily_runs(&sim, dir.path(), &store, Some(&pg)).await;
    assert_history_matches(store.as_ref(), &sim, &days).await;
    // PostgreSQL keeps the same history from the same master files.
    assert_history_matches(pg.as_ref(), &sim, &days).await;
    assert_eq!(
        store.listings().await.unwrap(),
        pg.listings().await.unwrap()
    );
    // The delisted issues are delisted (never deleted); the rest is listed.
    let listed = store.listed_now().await.unwrap();
    for h in &histories {
        let code = StockCode::new(&h.code).unwrap();
        assert_eq!(listed.contains(&code), h.delisted_on.is_none(), "{code}");
    }
    let all = store.load_stocks().await.unwrap();
    assert!(all.iter().any(|l| l.code.as_str() == "950140"));
    drop(pg);
    drop_schema(&schema).await;
}

#[tokio::test]
async fn a_backfill_covers_delisted_issues_and_the_audit_stops_at_their_delisting() {
    let _g = shared().await;
    let sim = start(SimConfig::frozen("2024-06-28 16:00").rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path()).await;
    let histories = sim.market().listing_histories();
    daily_runs(&sim, dir.path(), &store, None).await;
    let codes = codes_of(&histories);
    // A two-year backfill of the table's issues, after the last delisting: the delisted ones
    // are in the universe for the range (they are not in today's master files).
    let (from, to) = (day(2024, 3, 6), last_day());
    sim.clock().set(after_close(to));
    let clock: SharedClock = Arc::new(ManualClock::new(after_close(to)));
    let client = client(&config(&sim, 400), dir.path(), clock.clone(), None);
    let mut p = plan(from, to, Via::Chart);
    p.codes = Some(codes.clone());
    p.delist_after_days = N;
    let s = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock.clone(),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    assert_eq!(s.stocks_total, 8, "{}", s.render());
    assert!(
        s.universe.contains("delisted within the range"),
        "{}",
        s.universe
    );
    // Their bars are kis-sim's, from the listing to the last listed day.
    let n = assert_matches_truth(store.as_ref(), &sim, &codes, from, to).await;
    assert!(n > 8 * 150, "{n}");
    let scope = Scope {
        from: Some(from),
        to,
        codes: Some(codes.clone()),
        market: None,
    };
    let r = audit(store.as_ref(), &scope).await.unwrap();
    assert!(r.complete(), "{}", r.render());
    assert_eq!(r.stocks_delisted, 3, "{}", r.render());
    // A bar missing before a delisting is a gap; none after it is.
    let gone = StockCode::new("950150").unwrap();
    let last = Calendar::krx().prev_trading_day(day(2025, 9, 1));
    let lost = day(2025, 8, 20);
    delete_bar(&dir.path().join("hoga.db"), gone, lost);
    let r = audit(store.as_ref(), &scope).await.unwrap();
    assert_eq!(
        hoga::ingest::audit::by_code(&r),
        BTreeMap::from([(gone, vec![lost])]),
        "{}",
        r.render()
    );
    // An IPO is audited from its listing date, not before.
    let ipo = StockCode::new("950120").unwrap();
    let first = store
        .bars(Some(ipo), from, to)
        .await
        .unwrap()
        .first()
        .map(|b| b.bar.date);
    assert_eq!(first, Some(day(2025, 6, 2)));
    assert!(store.bars(Some(gone), last, to).await.unwrap().len() == 1);
}

fn delete_bar(db: &std::path::Path, code: StockCode, d: NaiveDate) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .execute(
            "DELETE FROM daily_bars WHERE code = ?1 AND date = ?2",
            rusqlite::params![code.as_str(), d.to_string()],
        )
        .unwrap();
    assert_eq!(n, 1);
}

// ------------------------------------------------------------------ migration v2 → v3

/// A store at schema 2 with a universe of three stocks, one of them missing from the last load
/// (as v2 recorded a stock no longer listed), and some bars.
fn v2_sqlite(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(hoga::store::schema::VERSION_TABLE)
        .unwrap();
    for (v, sql) in hoga::store::schema::SQLITE.iter().filter(|(v, _)| *v <= 2) {
        conn.execute_batch(sql).unwrap();
        conn.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, '2026-01-01T00:00:00.000Z')",
            [v],
        )
        .unwrap();
    }
    for (code, name, market, at) in V2_STOCKS {
        conn.execute(
            "INSERT INTO stocks VALUES (?1, ?2, NULL, ?3, 'KR7', 'ST', 'stock', 1, 1000, 1, ?4, ?5)",
            rusqlite::params![code, name, market, FLAGS, at],
        )
        .unwrap();
    }
    for d in v2_bar_days() {
        for (code, ..) in V2_STOCKS {
            conn.execute(
                "INSERT INTO daily_bars VALUES (?1, ?2, 100, 100, 100, 100, 1, 100, 'kis:daily_chart_raw', 't')",
                rusqlite::params![code, d.to_string()],
            )
            .unwrap();
        }
    }
}

const FLAGS: &str = r#"{"halted":false,"managed":false,"warning":"none","vi":false}"#;

const V2_STOCKS: &[(&str, &str, &str, &str)] = &[
    ("005930", "삼성전자", "kospi", "2026-03-05T07:00:00.000Z"),
    ("000660", "SK하이닉스", "kospi", "2026-03-05T07:00:00.000Z"),
    ("950140", "다온건설", "kospi", "2026-02-02T07:00:00.000Z"),
];

fn v2_bar_days() -> Vec<NaiveDate> {
    Calendar::krx().trading_days(day(2026, 1, 5), day(2026, 3, 5))
}

async fn check_migrated(store: &dyn Store) {
    assert_eq!(store.schema_version().await.unwrap(), 3);
    let bars = (3 * v2_bar_days().len()) as i64;
    assert_eq!(store.count_bars().await.unwrap(), bars);
    let stocks = store.load_stocks().await.unwrap();
    assert_eq!(stocks.len(), 3);
    let states = store.listings().await.unwrap();
    assert_eq!(states.len(), 3);
    for s in &states {
        assert_eq!(s.names.len(), 1, "{s:?}");
        assert!(s.listed_on.is_none() && s.delisted_on.is_none(), "{s:?}");
    }
    let seen: BTreeMap<String, Option<NaiveDate>> = states
        .iter()
        .map(|s| (s.code.to_string(), s.last_seen))
        .collect();
    assert_eq!(seen["950140"], Some(day(2026, 2, 2)));
    assert_eq!(seen["005930"], Some(day(2026, 3, 5)));
    // The first master file read afterwards fills in the listing dates and delists the stock
    // missing since 2026-02-02.
    let listing = |code: &str, name: &str| hoga::market::Listing {
        code: StockCode::new(code).unwrap(),
        isin: "KR7".into(),
        name: name.into(),
        name_en: None,
        market: Market::Kospi,
        group: "ST".into(),
        kind: hoga::market::SecurityKind::Stock,
        base_price: hoga::market::Krw(1_000),
        listed_shares: 1,
        flags: Default::default(),
        market_cap_eok: 1,
        listed_on: Some(day(1975, 6, 11)),
    };
    let ch = store
        .observe_master(
            &[
                listing("005930", "삼성전자"),
                listing("000660", "SK하이닉스"),
            ],
            day(2026, 3, 6),
            after_close(day(2026, 3, 6)),
            N,
        )
        .await
        .unwrap();
    assert_eq!(ch.delisted, vec![StockCode::new("950140").unwrap()]);
    assert!(ch.new.is_empty() && ch.renamed.is_empty(), "{ch:?}");
    let on = store.universe_on(day(2000, 1, 4)).await.unwrap();
    assert_eq!(
        on.iter().map(|i| i.code.to_string()).collect::<Vec<_>>(),
        ["000660", "005930"]
    );
    assert_eq!(on[1].name, "삼성전자");
}

#[tokio::test]
async fn a_v2_sqlite_store_migrates_to_the_listing_history_with_every_row_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    v2_sqlite(&path);
    let store = StoreSpec::Sqlite(path.clone()).open().await.unwrap();
    check_migrated(store.as_ref()).await;
    drop(store);
    // Reopening changes nothing.
    let store = StoreSpec::Sqlite(path).open().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 3);
    assert_eq!(
        store.count_bars().await.unwrap(),
        (3 * v2_bar_days().len()) as i64
    );
}

#[tokio::test]
async fn a_v2_postgres_store_migrates_to_the_listing_history_with_every_row_kept() {
    let schema = format!("hoga_v2_{}_{}", std::process::id(), fastrand::u32(..));
    let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut sql = format!(
        "CREATE SCHEMA {schema}; SET search_path TO {schema}; {};",
        hoga::store::schema::VERSION_TABLE
    );
    for (v, m) in hoga::store::schema::POSTGRES
        .iter()
        .filter(|(v, _)| *v <= 2)
    {
        sql.push_str(m);
        sql.push_str(&format!(
            "; INSERT INTO schema_version (version, applied_at) VALUES ({v}, '2026-01-01T00:00:00.000Z');"
        ));
    }
    for (code, name, market, at) in V2_STOCKS {
        sql.push_str(&format!(
            "INSERT INTO stocks VALUES ('{code}', '{name}', NULL, '{market}', 'KR7', 'ST', 'stock', 1, 1000, 1, '{FLAGS}', '{at}');"
        ));
    }
    for d in v2_bar_days() {
        for (code, ..) in V2_STOCKS {
            sql.push_str(&format!(
                "INSERT INTO daily_bars VALUES ('{code}', '{d}', 100, 100, 100, 100, 1, 100, 'kis:daily_chart_raw', 't');"
            ));
        }
    }
    client.batch_execute(&sql).await.unwrap();
    let spec = StoreSpec::Postgres {
        url: PG_URL.into(),
        schema: Some(schema.clone()),
    };
    let store = spec.open().await.unwrap();
    check_migrated(store.as_ref()).await;
    drop(store);
    drop_schema(&schema).await;
}

//! The bar store against real SQLite (temp dir) and real PostgreSQL (127.0.0.1:5432, db `test`,
//! a fresh schema per test): one test body, run on both backends.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hoga::market::{Krw, Listing, Market, SecurityKind, StatusFlags, StockCode, Warning};
use hoga::store::{Bar, Progress, Reject, RunRecord, Store, StoreSpec, WriteBatch};

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn bar(c: &str, d: u32, close: i64) -> Bar {
    Bar {
        code: code(c),
        date: day(d),
        open: Krw(close - 100),
        high: Krw(close + 100),
        low: Krw(close - 200),
        close: Krw(close),
        volume: 1_234_567,
        value: Krw(close * 1_234_567),
    }
}

fn listing(c: &str, name: &str) -> Listing {
    Listing {
        code: code(c),
        isin: format!("KR7{c}003"),
        name: name.to_string(),
        name_en: None,
        market: Market::Kospi,
        group: "ST".into(),
        kind: SecurityKind::Stock,
        base_price: Krw(65_000),
        listed_shares: 5_969_782_550,
        flags: StatusFlags {
            halted: false,
            managed: true,
            warning: Warning::Caution,
            vi: false,
        },
        market_cap_eok: 3_900_000,
        listed_on: None,
    }
}

async fn exercise(store: Box<dyn Store>) {
    assert_eq!(store.schema_version().await.unwrap(), 3);
    let t0 = Utc.with_ymd_and_hms(2026, 3, 6, 7, 0, 0).unwrap();

    // Bars, a reject and resume marks go in together.
    let first = WriteBatch {
        bars: vec![
            bar("005930", 3, 65_000),
            bar("005930", 4, 66_000),
            bar("000660", 3, 200_000),
        ],
        source: "test".into(),
        ingested_at: t0,
        rejects: vec![Reject {
            run_id: "r1".into(),
            code: code("035720"),
            date: Some(day(3)),
            category: "ohlc_order".into(),
            detail: "high 9,950 < low 10,000".into(),
            raw: r#"{"high":9950,"low":10000}"#.into(),
        }],
        progress: vec![
            ("h1".into(), code("005930"), Progress::Stored),
            ("h1".into(), code("035720"), Progress::Rejected),
        ],
        adjustments: vec![],
        no_trade: vec![],
    };
    assert_eq!(store.write(first.clone()).await.unwrap(), 3);
    assert_eq!(store.count_bars().await.unwrap(), 3);
    let all = store.bars(None, day(1), day(31)).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].bar, bar("000660", 3, 200_000));
    assert_eq!(all[1].bar, bar("005930", 3, 65_000));
    assert_eq!(all[1].source, "test");
    assert_eq!(all[1].ingested_at, "2026-03-06T07:00:00.000Z");

    // Idempotent: the same batch again changes nothing but ingested_at.
    let t1 = t0 + Duration::minutes(5);
    store
        .write(WriteBatch {
            ingested_at: t1,
            rejects: vec![],
            ..first.clone()
        })
        .await
        .unwrap();
    let again = store.bars(None, day(1), day(31)).await.unwrap();
    assert_eq!(again.len(), 3);
    for (a, b) in all.iter().zip(&again) {
        assert_eq!(a.bar, b.bar);
        assert_eq!(a.source, b.source);
        assert_eq!(b.ingested_at, "2026-03-06T07:05:00.000Z");
    }

    // A corrected value replaces the old one; duplicates inside one batch keep the last.
    store
        .write(WriteBatch {
            bars: vec![bar("005930", 4, 1), bar("005930", 4, 67_000)],
            source: "fix".into(),
            ingested_at: t1,
            ..Default::default()
        })
        .await
        .unwrap();
    let one = store
        .bars(Some(code("005930")), day(4), day(4))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].bar.close, Krw(67_000));
    assert_eq!(one[0].source, "fix");

    // Resume queries.
    let dates = store.stored_dates(day(4), day(31)).await.unwrap();
    assert_eq!(dates.len(), 1);
    assert_eq!(
        dates[&code("005930")].iter().copied().collect::<Vec<_>>(),
        vec![day(4)]
    );
    let prog = store.progress("h1").await.unwrap();
    assert_eq!(prog.len(), 2);
    assert_eq!(prog[&code("035720")], Progress::Rejected);
    assert!(store.progress("other").await.unwrap().is_empty());
    store.clear_progress("h1").await.unwrap();
    assert!(store.progress("h1").await.unwrap().is_empty());

    // Rejects keep their reason and raw values.
    let rej = store.rejects(Some("r1")).await.unwrap();
    assert_eq!(rej, first.rejects);
    assert!(store.rejects(Some("nope")).await.unwrap().is_empty());
    assert_eq!(store.rejects(None).await.unwrap().len(), 1);

    // Universe round trip; an update keeps a known English name.
    let mut samsung = listing("005930", "삼성전자");
    samsung.name_en = Some("SamsungElec".into());
    let sk = listing("000660", "SK하이닉스");
    store
        .upsert_stocks(&[samsung.clone(), sk.clone()], t0)
        .await
        .unwrap();
    let mut renamed = samsung.clone();
    renamed.name_en = None;
    renamed.listed_shares = 1;
    store.upsert_stocks(&[renamed], t1).await.unwrap();
    let stocks = store.load_stocks().await.unwrap();
    assert_eq!(stocks.len(), 2);
    assert_eq!(stocks[0], sk);
    assert_eq!(stocks[1].name_en.as_deref(), Some("SamsungElec"));
    assert_eq!(stocks[1].listed_shares, 1);
    assert_eq!(stocks[1].flags.warning, Warning::Caution);

    // Runs: inserted, then updated in place.
    let mut run = RunRecord {
        run_id: "r1".into(),
        started_at: "2026-03-06T07:00:00.000Z".into(),
        date_from: "2026-03-03".into(),
        date_to: "2026-03-03".into(),
        args_hash: "h1".into(),
        args: "{}".into(),
        status: "running".into(),
        ..Default::default()
    };
    store.save_run(&run).await.unwrap();
    run.status = "complete".into();
    run.finished_at = Some("2026-03-06T07:01:00.000Z".into());
    run.bars_stored = 3;
    run.api_calls = 7;
    store.save_run(&run).await.unwrap();
    assert_eq!(store.runs().await.unwrap(), vec![run]);

    // A big batch, large values (traded value beyond 32 bits).
    let mut big = WriteBatch {
        source: "bulk".into(),
        ingested_at: t1,
        ..Default::default()
    };
    for i in 0..5_000 {
        let mut b = bar(&format!("{:06}", 100_000 + i), 10, 1_000_000);
        b.value = Krw(9_000_000_000_000);
        big.bars.push(b);
    }
    assert_eq!(store.write(big).await.unwrap(), 5_000);
    assert_eq!(store.count_bars().await.unwrap(), 5_003);
    let b = store
        .bars(Some(code("104999")), day(10), day(10))
        .await
        .unwrap();
    assert_eq!(b[0].bar.value, Krw(9_000_000_000_000));
}

#[tokio::test]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let spec = StoreSpec::parse(
        &format!("sqlite:{}", dir.path().join("a/b.db").display()),
        dir.path(),
    )
    .unwrap();
    exercise(spec.open().await.unwrap()).await;
    // Reopening does not re-run migrations and keeps the data.
    let store = spec.open().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 3);
    assert_eq!(store.count_bars().await.unwrap(), 5_003);
}

#[tokio::test]
async fn postgres_store() {
    let schema = format!("hoga_store_{}_{}", std::process::id(), fastrand::u32(..));
    let spec = StoreSpec::parse(
        &format!("{PG_URL}?schema={schema}"),
        std::path::Path::new("."),
    )
    .unwrap();
    exercise(spec.open().await.unwrap()).await;
    let store = spec.open().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 3);
    assert_eq!(store.count_bars().await.unwrap(), 5_003);
    drop(store);
    let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Migrations under a lock, and foreign tables refused untouched.

/// Opens `spec` from `n` threads at once (each its own runtime, released together).
fn open_at_once(spec: &StoreSpec, n: usize) -> Vec<Result<i64, String>> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let spec = spec.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                barrier.wait();
                rt.block_on(async {
                    let store = spec.open().await.map_err(|e| e.to_string())?;
                    store.schema_version().await.map_err(|e| e.to_string())
                })
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn sqlite_opened_at_once_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..40 {
        let path = dir.path().join(format!("race{round}.db"));
        let spec = StoreSpec::Sqlite(path.clone());
        for r in open_at_once(&spec, 3) {
            assert_eq!(r, Ok(3), "round {round}");
        }
        let conn = rusqlite::Connection::open(&path).unwrap();
        let versions: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, 3, "round {round}");
    }
}

/// A connection to the test database, its connection task running.
async fn pg_client() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (database test) is needed for this test");
    tokio::spawn(conn);
    client
}

#[test]
fn postgres_opened_at_once_migrates_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(pg_client());
    for round in 0..15 {
        let schema = format!(
            "hoga_race_{}_{}_{round}",
            std::process::id(),
            fastrand::u32(..)
        );
        let spec = StoreSpec::Postgres {
            url: PG_URL.into(),
            schema: Some(schema.clone()),
        };
        let results = open_at_once(&spec, 3);
        let versions: i64 = rt.block_on(async {
            let n = client
                .query_one(
                    &format!("SELECT COUNT(*) FROM {schema}.schema_version"),
                    &[],
                )
                .await
                .map(|r| r.get(0));
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await
                .unwrap();
            n.unwrap()
        });
        for r in results {
            assert_eq!(r, Ok(3), "round {round}");
        }
        assert_eq!(versions, 3, "round {round}");
    }
}

/// Everything SQLite holds, as text: each table's definition and rows.
fn sqlite_dump(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    let defs: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master ORDER BY name")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (name, sql) in defs {
        out.push(sql);
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
        let n = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        out.extend(rows);
    }
    out
}

#[tokio::test]
async fn sqlite_foreign_table_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE daily_bars (ticker TEXT, date TEXT, px REAL);
             INSERT INTO daily_bars VALUES ('AAPL', '2026-03-06', 1.5);",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let dump = sqlite_dump(&path);
    let err = match StoreSpec::Sqlite(path.clone()).open().await {
        Ok(_) => panic!("a foreign daily_bars is refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("daily_bars"), "{err}");
    assert!(err.contains("missing columns code, open, high"), "{err}");
    assert!(err.contains("extra columns ticker, px"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is unchanged"
    );
    assert_eq!(sqlite_dump(&path), dump);
    assert!(!dir.path().join("theirs.db-wal").exists());

    // A foreign schema_version is refused the same way.
    let path = dir.path().join("versions.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE schema_version (v INTEGER);")
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let err = match StoreSpec::Sqlite(path.clone()).open().await {
        Ok(_) => panic!("a foreign schema_version is refused"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("schema_version") && err.contains("extra columns v"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

/// The columns of a schema's tables, and the rows of its (foreign) daily_bars.
async fn pg_contents(client: &tokio_postgres::Client, schema: &str) -> Vec<String> {
    let rows = client
        .query(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns
             WHERE table_schema = $1 ORDER BY table_name, ordinal_position",
            &[&schema],
        )
        .await
        .unwrap();
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| format!("{}.{}", r.get::<_, String>(0), r.get::<_, String>(1)))
        .collect();
    let bars = client
        .query(&format!("SELECT ticker, px FROM {schema}.daily_bars"), &[])
        .await
        .unwrap();
    out.extend(
        bars.iter()
            .map(|r| format!("{}={}", r.get::<_, String>(0), r.get::<_, f64>(1))),
    );
    out
}

#[tokio::test]
async fn postgres_foreign_table_is_refused_and_left_untouched() {
    let client = pg_client().await;
    let schema = format!("hoga_foreign_{}_{}", std::process::id(), fastrand::u32(..));
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE {schema}.daily_bars (ticker TEXT, date TEXT, px DOUBLE PRECISION);
             INSERT INTO {schema}.daily_bars VALUES ('AAPL', '2026-03-06', 1.5);"
        ))
        .await
        .unwrap();
    let before = pg_contents(&client, &schema).await;
    let spec = StoreSpec::Postgres {
        url: PG_URL.into(),
        schema: Some(schema.clone()),
    };
    let err = match spec.open().await {
        Ok(_) => panic!("a foreign daily_bars is refused"),
        Err(e) => e.to_string(),
    };
    let after = pg_contents(&client, &schema).await;
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
    assert!(err.contains("daily_bars"), "{err}");
    assert!(err.contains("missing columns code, open, high"), "{err}");
    assert!(err.contains("extra columns ticker, px"), "{err}");
    assert_eq!(
        after, before,
        "nothing was written (no schema_version either)"
    );
    assert_eq!(before.len(), 4);
}

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
    }
}

async fn exercise(store: Box<dyn Store>) {
    assert_eq!(store.schema_version().await.unwrap(), 1);
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
    assert_eq!(store.schema_version().await.unwrap(), 1);
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
    assert_eq!(store.schema_version().await.unwrap(), 1);
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

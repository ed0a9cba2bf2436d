//! `--shard K/N` (issue 13 §4): four shards at once against one kis-sim on one appkey, sharing
//! its budget through Redis and writing to one PostgreSQL, store exactly what one unsharded run
//! stores, row for row, and kis-sim never answers EGW00201.

mod common;
mod ingest_common;

use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::ingest::{Shard, Summary, Via};
use hoga::market::StockCode;
use hoga::sim::SimConfig;
use hoga::store::Store;
use ingest_common::*;
use std::collections::BTreeSet;
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

#[test]
fn shards_partition_the_universe_stably() {
    assert_eq!(Shard::parse("0/4"), Ok(Shard { index: 0, count: 4 }));
    assert_eq!(Shard::parse(" 3/4 "), Ok(Shard { index: 3, count: 4 }));
    for bad in ["4/4", "1/0", "x/4", "1", "-1/4", "0/5000"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
    let universe = hoga::sim::model::universe::build(42);
    let mut seen = BTreeSet::new();
    let mut sizes = [0usize; 4];
    for s in &universe {
        let owners: Vec<u32> = (0..4)
            .filter(|k| {
                Shard {
                    index: *k,
                    count: 4,
                }
                .contains(s.code)
            })
            .collect();
        assert_eq!(owners.len(), 1, "{} in exactly one shard", s.code);
        sizes[owners[0] as usize] += 1;
        assert!(seen.insert(s.code));
    }
    // Balanced to within a few percent.
    for n in sizes {
        assert!(n > universe.len() / 4 * 9 / 10, "{sizes:?}");
    }
    // Stable: a fixed code always lands in the same shard.
    assert_eq!(
        Shard::of(StockCode::new("005930").unwrap(), 4),
        Shard::of(StockCode::new("005930").unwrap(), 4)
    );
}

type Row = (String, String, i64, i64, i64, i64, i64, i64, String);

async fn rows(store: &dyn Store, from: NaiveDate, to: NaiveDate) -> Vec<Row> {
    store
        .bars(None, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|b| {
            (
                b.bar.code.to_string(),
                b.bar.date.to_string(),
                b.bar.open.0,
                b.bar.high.0,
                b.bar.low.0,
                b.bar.close.0,
                b.bar.volume,
                b.bar.value.0,
                b.source,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_shards_at_once_on_one_key_equal_one_unsharded_run_with_no_egw00201() {
    let _alone = alone().await;
    let redis = PrivateRedis::start();
    // KIS's budget is per appkey; the sim enforces 40/s, the four clients share 40/s in Redis.
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(40)).await;
    let cfg = config(&sim, 40);
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(160)
        .collect();
    let (from, to) = (day(2026, 2, 2), day(2026, 3, 5));
    let today = day(2026, 3, 6);

    // One unsharded run (its own dirs, no Redis), into SQLite.
    let one_dir = tempfile::tempdir().unwrap();
    let c = client(&cfg, one_dir.path(), clock(), None);
    let one = sqlite(one_dir.path()).await;
    let mut today_plan = plan(today, today, Via::MultiQuote);
    today_plan.concurrency = 4;
    let s = ingest(
        &today_plan,
        &c,
        Some(one.clone()),
        clock(),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    let mut back = plan(from, to, Via::Chart);
    back.codes = Some(codes.clone());
    back.concurrency = 4;
    let s = ingest(
        &back,
        &c,
        Some(one.clone()),
        clock(),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    let limited_before = sim.stats().rate_limited;

    // Four shards at once, one PostgreSQL, one key through Redis.
    let (schema, pg) = postgres().await;
    let prefix = format!("hoga-shard-{}-{}", std::process::id(), fastrand::u32(..));
    let mut jobs = Vec::new();
    for k in 0..4u32 {
        // The same state dir: the token the first run got is reused, as processes on one
        // machine do (KIS refuses a new one within a minute).
        let client = client_with_prefix(&cfg, one_dir.path(), clock(), Some(&redis.url()), &prefix);
        let pg = pg.clone();
        let (mut p1, mut p2) = (today_plan.clone(), back.clone());
        p1.shard = Some(Shard { index: k, count: 4 });
        p2.shard = p1.shard;
        jobs.push(tokio::spawn(async move {
            let a = ingest(
                &p1,
                &client,
                Some(pg.clone()),
                clock(),
                CancellationToken::new(),
            )
            .await;
            let b = ingest(&p2, &client, Some(pg), clock(), CancellationToken::new()).await;
            (a, b)
        }));
    }
    let mut summaries: Vec<(Summary, Summary)> = Vec::new();
    for j in jobs {
        summaries.push(j.await.unwrap());
    }
    let mut total_today = 0;
    let mut total_back = 0;
    for (a, b) in &summaries {
        assert_eq!(a.exit_code, 0, "{}", a.render());
        assert_eq!(b.exit_code, 0, "{}", b.render());
        assert_eq!(a.metrics.rate_limited + b.metrics.rate_limited, 0);
        total_today += a.stocks_total;
        total_back += b.stocks_total;
    }
    assert_eq!(
        total_today as usize,
        sim.market().universe_at(sim.market().now()).len()
    );
    assert_eq!(total_back as usize, codes.len());
    assert_eq!(
        sim.stats().rate_limited - limited_before,
        0,
        "EGW00201 served"
    );

    let a = rows(one.as_ref(), from, today).await;
    let b = rows(pg.as_ref(), from, today).await;
    assert!(a.len() > 2_400 + 160 * 20, "{}", a.len());
    assert_eq!(a.len(), b.len());
    assert_eq!(a, b, "the shards' union is the unsharded run, row for row");
    drop(pg);
    drop_schema(&schema).await;
}

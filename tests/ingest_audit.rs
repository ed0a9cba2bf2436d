//! `hoga ingest --audit` and `--repair` (issue 13 §3) against kis-sim and a real SQLite store:
//! the audit finds exactly the bars deleted at random, `--repair` fetches exactly those days,
//! a halt is not a gap, a delisted stock keeps its history and is not audited past its end;
//! the built binary's exit codes (0 complete, 1 gaps).

mod common;
mod ingest_common;

use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::ingest::Via;
use hoga::ingest::audit::{Scope, audit, by_code, repair};
use hoga::market::{Calendar, StockCode};
use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET};
use ingest_common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
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

fn sample(sim: &SimHandle) -> Vec<StockCode> {
    let mut codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .step_by(61)
        .take(40)
        .collect();
    // The halted stock: its days without trades are no gaps.
    codes.push(StockCode::new(hoga::sim::model::HALTED_CODE).unwrap());
    codes.sort();
    codes.dedup();
    codes
}

/// Deletes `n` random bars of `codes` (never a stock's first one, which starts its period as
/// far as the store knows it), returning them by code.
fn delete_random_bars(
    db: &Path,
    codes: &[StockCode],
    n: usize,
    seed: u64,
) -> BTreeMap<StockCode, Vec<NaiveDate>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows: Vec<(String, String)> = conn
        .prepare(
            "SELECT code, date FROM daily_bars b WHERE date > (SELECT MIN(date) FROM daily_bars x
             WHERE x.code = b.code) ORDER BY code, date",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rows.retain(|(c, _)| codes.iter().any(|k| k.as_str() == c));
    let mut rng = fastrand::Rng::with_seed(seed);
    rng.shuffle(&mut rows);
    let mut out: BTreeMap<StockCode, Vec<NaiveDate>> = BTreeMap::new();
    for (c, d) in rows.into_iter().take(n) {
        conn.execute(
            "DELETE FROM daily_bars WHERE code = ?1 AND date = ?2",
            rusqlite::params![c, d],
        )
        .unwrap();
        out.entry(StockCode::new(&c).unwrap())
            .or_default()
            .push(NaiveDate::parse_from_str(&d, "%Y-%m-%d").unwrap());
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Runs of consecutive trading days in `gaps` (the chart calls a repair needs).
fn runs(gaps: &BTreeMap<StockCode, Vec<NaiveDate>>) -> usize {
    let cal = Calendar::krx();
    gaps.values()
        .map(|v| {
            v.windows(2)
                .filter(|w| cal.next_trading_day(w[0]) != w[1])
                .count()
                + 1
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_finds_exactly_the_deleted_bars_and_repair_fills_exactly_those() {
    let _shared = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, 400);
    let clock = clock();
    let client = client(&cfg, dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    let codes = sample(&sim);
    let (from, to) = (day(2025, 9, 1), day(2026, 3, 6));
    let mut p = plan(from, to, Via::Chart);
    p.codes = Some(codes.clone());
    let s = ingest(
        &p,
        &client,
        Some(store.clone()),
        clock.clone(),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(s.exit_code, 0, "{}", s.render());
    let scope = Scope {
        from: None,
        to,
        codes: Some(codes.clone()),
        market: None,
    };
    let clean = audit(store.as_ref(), &scope).await.unwrap();
    assert!(clean.complete(), "{}", clean.render());
    assert_eq!(clean.stocks_checked, codes.len());
    assert_eq!(clean.from, Some(from));

    // A delisted stock: its bars end on 2026-01-30 and the listing history has it delisted
    // from the next trading day (as missing from the master files from then).
    let gone = codes[3];
    let db = dir.path().join("hoga.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "DELETE FROM daily_bars WHERE code = ?1 AND date > '2026-01-30'",
            [gone.as_str()],
        )
        .unwrap();
        conn.execute(
            "UPDATE stocks SET delisted_on = '2026-02-02' WHERE code = ?1",
            [gone.as_str()],
        )
        .unwrap();
    }
    let deleted = delete_random_bars(&db, &codes, 40, 13);
    let found = audit(store.as_ref(), &scope).await.unwrap();
    eprint!("{}", found.render());
    assert_eq!(found.stocks_delisted, 1);
    assert_eq!(by_code(&found), deleted, "exactly the deleted bars");
    assert_eq!(found.days_missing, 40);
    // The delisted stock keeps its history.
    assert!(
        !store
            .bars(Some(gone), from, day(2026, 1, 30))
            .await
            .unwrap()
            .is_empty()
    );

    // Repair: one raw chart call per run of missing days, exactly those days stored.
    let calls_before = sim
        .stats()
        .requests_by_tr_id
        .get("FHKST03010100")
        .copied()
        .unwrap_or(0);
    let source = hoga::source::kis::KisSource::new(
        client.clone(),
        Arc::new(hoga::cache::MemoryCache::new(16, clock.clone())),
        hoga::cache::CachePolicy::new(
            settings(
                &hoga::config::Config::default(),
                Path::new("/nonexistent/hoga-test"),
            )
            .source
            .cache
            .lifetimes,
        ),
        "audit-test",
        clock.clone(),
    );
    let done = repair(&found, &source, store.as_ref(), clock.now(), 8).await;
    assert!(done.failed.is_empty(), "{:?}", done.failed);
    assert_eq!(done.bars_stored, 40);
    let calls = sim
        .stats()
        .requests_by_tr_id
        .get("FHKST03010100")
        .copied()
        .unwrap_or(0)
        - calls_before;
    assert_eq!(calls as usize, runs(&deleted));
    let after = audit(store.as_ref(), &scope).await.unwrap();
    assert!(after.complete(), "{}", after.render());
    let listed: Vec<StockCode> = codes.iter().copied().filter(|c| *c != gone).collect();
    assert_matches_truth(store.as_ref(), &sim, &listed, from, to).await;
    assert_matches_truth(store.as_ref(), &sim, &[gone], from, day(2026, 1, 30)).await;
    assert!(
        store
            .bars(Some(gone), day(2026, 2, 2), to)
            .await
            .unwrap()
            .is_empty(),
        "nothing fetched after the delisting"
    );
}

// ------------------------------------------------------------------ the binary

fn hoga_cmd(sim: &SimHandle, home: &Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    cmd.args(["--clock", &format!("frozen:{AFTER_CLOSE}")])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOGA_HOME", home)
        .env("HOGA_KIS_BASE_URL", sim.base_url())
        .env("HOGA_KIS_MASTER_URL", sim.master_url())
        .env("HOGA_KIS_APP_KEY", TEST_APP_KEY)
        .env("HOGA_KIS_APP_SECRET", TEST_APP_SECRET)
        .env("HOGA_REDIS_ENABLED", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_and_repair_exit_codes_as_hoga_ingest_and_hoga_dash_dash_ingest() {
    let _shared = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("bars.db");
    let store = format!("sqlite:{}", db.display());
    let codes = "005930,000660,035720";
    let o = hoga_cmd(
        &sim,
        home.path(),
        &[
            "ingest",
            "--store",
            &store,
            "--from",
            "2026-01-02",
            "--to",
            "2026-03-06",
            "--codes",
            codes,
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let audit_args = ["--store", &store, "--audit", "--codes", codes, "--json"];
    let mut args = vec!["ingest"];
    args.extend_from_slice(&audit_args);
    let o = hoga_cmd(&sim, home.path(), &args).output().await.unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let deleted = delete_random_bars(
        &db,
        &["005930", "000660"].map(|c| StockCode::new(c).unwrap()),
        5,
        7,
    );
    let mut args = vec!["--ingest"];
    args.extend_from_slice(&audit_args);
    let o = hoga_cmd(&sim, home.path(), &args).output().await.unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["days_missing"], 5);
    let listed: BTreeSet<String> = v["stocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        listed,
        deleted
            .keys()
            .map(|c| c.to_string())
            .collect::<BTreeSet<_>>()
    );
    let mut args = vec!["ingest", "--repair"];
    args.extend_from_slice(&audit_args);
    let o = hoga_cmd(&sim, home.path(), &args).output().await.unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["repair"]["bars_stored"], 5);
    assert_eq!(v["after"]["days_missing"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_halt_is_a_known_reason_not_a_gap() {
    let _shared = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let client = client(&config(&sim, 400), dir.path(), clock.clone(), None);
    let store = sqlite(dir.path()).await;
    // 900110 stops trading on 2024-06-03 (kis-sim's halt).
    let halted = StockCode::new(hoga::sim::model::HALTED_CODE).unwrap();
    let codes = vec![halted, StockCode::new("005930").unwrap()];
    let (from, to) = (day(2024, 5, 2), day(2024, 7, 31));
    let mut p = plan(from, to, Via::Chart);
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
    let scope = Scope {
        from: Some(from),
        to,
        codes: Some(codes),
        market: None,
    };
    let report = audit(store.as_ref(), &scope).await.unwrap();
    assert!(report.complete(), "{}", report.render());
    let quiet = store.no_trade_days(from, to).await.unwrap();
    let halt_days = Calendar::krx().trading_days(day(2024, 6, 3), to);
    assert_eq!(
        quiet
            .get(&halted)
            .map(|d| d.iter().copied().collect::<Vec<_>>()),
        Some(halt_days.clone())
    );
    // Without the recorded reason, the same days would be gaps.
    let conn = rusqlite::Connection::open(dir.path().join("hoga.db")).unwrap();
    conn.execute("DELETE FROM no_trade_days", []).unwrap();
    let report = audit(store.as_ref(), &scope).await.unwrap();
    assert_eq!(by_code(&report).get(&halted), Some(&halt_days));
}

//! `hoga --ingest` exit codes, the built binary against an in-process kis-sim on a frozen clock:
//! README's table (0 ok, 1 partial, 2 config, 3 nothing fetched) for unknown codes, a day
//! without trades, option ranges, a KIS that stays down, and a signal during the token wait.

mod ingest_common;

use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET};
use hoga::store::StoreSpec;
use ingest_common::*;
use std::path::Path;
use std::process::{Output, Stdio};

/// Monday 2026-11-30, 16:00 KST: after the close.
const NOW: &str = "2026-11-30 16:00";

fn command(
    sim: &SimHandle,
    home: &Path,
    args: &[&str],
    extra: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    let db = format!("sqlite:{}", home.join("bars.db").display());
    cmd.args([
        "--clock",
        &format!("frozen:{NOW}"),
        "--ingest",
        "--store",
        &db,
    ])
    .args(args)
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("HOGA_HOME", home)
    .env("HOGA_KIS_BASE_URL", sim.base_url())
    .env("HOGA_KIS_MASTER_URL", sim.master_url())
    .env("HOGA_KIS_APP_KEY", TEST_APP_KEY)
    .env("HOGA_KIS_APP_SECRET", TEST_APP_SECRET)
    .env("HOGA_REDIS_ENABLED", "false")
    .envs(extra.iter().copied())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    cmd
}

async fn hoga(sim: &SimHandle, home: &Path, args: &[&str]) -> Output {
    command(sim, home, args, &[]).output().await.unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn bars(home: &Path) -> i64 {
    match StoreSpec::Sqlite(home.join("bars.db")).open().await {
        Ok(s) => s.count_bars().await.unwrap_or(0),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_codes_are_named_and_exit_as_the_table_says() {
    let sim = start(SimConfig::frozen(NOW).rate(200)).await;
    let home = tempfile::tempdir().unwrap();
    let o = hoga(&sim, home.path(), &["--codes", "999999"]).await;
    assert_eq!(o.status.code(), Some(3), "nothing fetched: {}", stderr(&o));
    assert!(
        stderr(&o).contains("unknown stock code 999999"),
        "{}",
        stderr(&o)
    );
    let o = hoga(&sim, home.path(), &["--codes", "005930,999999"]).await;
    assert_eq!(o.status.code(), Some(1), "partial: {}", stderr(&o));
    assert!(
        stderr(&o).contains("unknown stock code 999999"),
        "{}",
        stderr(&o)
    );
    assert!(bars(home.path()).await > 0, "the known code is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_without_trades_is_not_a_failure() {
    let sim = start(SimConfig::frozen(NOW).rate(200)).await;
    let home = tempfile::tempdir().unwrap();
    // Saturday: no trades, nothing failed.
    let o = hoga(
        &sim,
        home.path(),
        &["--codes", "005930", "--date", "2026-11-28", "--force"],
    )
    .await;
    assert!(stderr(&o).contains("0 failed"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_outside_1_to_256_is_a_usage_error() {
    let sim = start(SimConfig::frozen(NOW).rate(200)).await;
    let home = tempfile::tempdir().unwrap();
    for n in ["0", "257", "100000"] {
        let o = hoga(
            &sim,
            home.path(),
            &["--codes", "005930", "--concurrency", n],
        )
        .await;
        assert_eq!(
            o.status.code(),
            Some(2),
            "--concurrency {n}: {}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("--concurrency"), "{}", stderr(&o));
    }
    assert_eq!(sim.stats().requests, 0, "rejected before any request");
}

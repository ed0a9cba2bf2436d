//! The built `hoga --ingest` binary interrupted mid-run (SIGINT, kill -9) against an
//! in-process kis-sim, then run again with the same arguments: it resumes, fetches only what is
//! missing, and in the end every stock is stored exactly once with every bar true.

mod common;
mod ingest_common;

use chrono::NaiveDate;
use hoga::market::StockCode;
use hoga::sim::{SimConfig, TEST_APP_KEY, TEST_APP_SECRET};
use hoga::store::{Progress, Store, StoreSpec};
use ingest_common::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const FROM: &str = "2026-01-05";
const TO: &str = "2026-03-06";

fn write_config(dir: &Path, sim: &hoga::sim::SimHandle, rate: u32) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[kis]\napp_key = \"{TEST_APP_KEY}\"\napp_secret = \"{TEST_APP_SECRET}\"\n\
         base_url = \"{}\"\nmaster_url = \"{}\"\nrequests_per_sec = {rate}\n\n\
         [redis]\nenabled = false\n",
        sim.base_url(),
        sim.master_url()
    );
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    path
}

fn command(dir: &Path, config: &Path, codes: &[StockCode], db: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    cmd.args([
        "--config",
        &config.to_string_lossy(),
        "--ingest",
        "--from",
        FROM,
        "--to",
        TO,
        "--codes",
        &codes.join(","),
        "--store",
        &format!("sqlite:{}", db.display()),
        "--json",
    ])
    .env("HOGA_HOME", dir)
    .env_remove("KIS_APP_KEY")
    .env_remove("KIS_APP_SECRET")
    .env_remove("KIS_USE_VIRTUAL_SERVER")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    cmd
}

async fn count(db: &Path) -> i64 {
    match StoreSpec::Sqlite(db.to_path_buf()).open().await {
        Ok(s) => s.count_bars().await.unwrap_or(0),
        Err(_) => 0,
    }
}

async fn interrupt_then_resume(signal: &str) {
    let sim = start(SimConfig::default().rate(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, 60);
    let db = dir.path().join("bars.db");
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .map(|s| s.code)
        .take(240)
        .collect();

    // First run: interrupted once a good part is stored.
    let child = command(dir.path(), &config, &codes, &db).spawn().unwrap();
    let pid = child.id().unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    while count(&db).await < 40 * 40 {
        assert!(Instant::now() < deadline, "the first run stored nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the interrupted run exits")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stored_first: i64;
    {
        let store = StoreSpec::Sqlite(db.clone()).open().await.unwrap();
        stored_first = store.count_bars().await.unwrap();
        // Consistency: every stock with bars is marked done, and only those.
        let marks = store_marks(store.as_ref()).await;
        let from = NaiveDate::parse_from_str(FROM, "%Y-%m-%d").unwrap();
        let to = NaiveDate::parse_from_str(TO, "%Y-%m-%d").unwrap();
        let with_bars: HashSet<StockCode> = store
            .stored_dates(from, to)
            .await
            .unwrap()
            .into_keys()
            .collect();
        let marked_stored: HashSet<StockCode> = marks
            .iter()
            .filter(|(_, p)| **p == Progress::Stored)
            .map(|(c, _)| *c)
            .collect();
        assert!(!with_bars.is_empty());
        assert_eq!(
            marked_stored, with_bars,
            "marks and bars agree after {signal}"
        );
    }
    if signal == "-INT" {
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["status"], "interrupted");
        assert_eq!(summary["bars_stored"].as_i64(), Some(stored_first));
    } else {
        assert_eq!(out.status.code(), None, "killed by the signal");
    }
    assert!(stored_first < 240 * 40, "interrupted before the end");

    // Second run, same arguments: resumes.
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        command(dir.path(), &config, &codes, &db).output(),
    )
    .await
    .expect("the resumed run finishes")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let resumed = summary["stocks_resumed"].as_u64().unwrap();
    let stored = summary["stocks_stored"].as_u64().unwrap();
    assert!(resumed > 0, "{summary}");
    assert_eq!(
        resumed + stored + summary["stocks_empty"].as_u64().unwrap(),
        240
    );
    let store = StoreSpec::Sqlite(db.clone()).open().await.unwrap();
    let from = NaiveDate::parse_from_str(FROM, "%Y-%m-%d").unwrap();
    let to = NaiveDate::parse_from_str(TO, "%Y-%m-%d").unwrap();
    assert_matches_truth(store.as_ref(), &sim, &codes, from, to).await;
    assert!(
        store_marks(store.as_ref()).await.is_empty(),
        "a complete run clears its marks"
    );
}

/// Resume marks of every run identity recorded.
async fn store_marks(store: &dyn Store) -> HashMap<StockCode, Progress> {
    let runs = store.runs().await.unwrap();
    let mut hashes: Vec<String> = runs.into_iter().map(|r| r.args_hash).collect();
    hashes.dedup();
    let mut out = HashMap::new();
    for h in hashes {
        out.extend(store.progress(&h).await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_run_commits_and_the_next_run_resumes() {
    interrupt_then_resume("-INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_run_leaves_a_consistent_db_and_the_next_run_resumes() {
    interrupt_then_resume("-KILL").await;
}

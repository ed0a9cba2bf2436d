//! `hoga --ingest` exit codes, the built binary against an in-process kis-sim on a frozen clock:
//! README's table (0 ok, 1 partial, 2 config, 3 nothing fetched) for unknown codes, a day
//! without trades, option ranges, a KIS that stays down, and a signal during the token wait.

mod common;
mod ingest_common;

use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET};
use hoga::store::StoreSpec;
use ingest_common::*;
use std::path::Path;
use std::process::{Output, Stdio};

/// Monday 2026-11-30, 16:00 KST: after the close.
const NOW: &str = "2026-11-30 16:00";

/// `hoga --clock frozen:NOW ARGS` with only the environment the test chooses.
fn hoga_command(sim: &SimHandle, home: &Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    cmd.args(["--clock", &format!("frozen:{NOW}")])
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

/// `hoga --ingest --store sqlite:HOME/bars.db ARGS`.
fn ingest_command(sim: &SimHandle, home: &Path, args: &[&str]) -> tokio::process::Command {
    let db = format!("sqlite:{}", home.join("bars.db").display());
    let mut all = vec!["--ingest", "--store", &db];
    all.extend_from_slice(args);
    hoga_command(sim, home, &all)
}

async fn hoga(sim: &SimHandle, home: &Path, args: &[&str]) -> Output {
    ingest_command(sim, home, args).output().await.unwrap()
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

/// Takes this appkey's one token of the minute, so the next tokenP is refused (EGW00133) and
/// hoga's one-per-minute guard engages.
async fn use_up_the_token_minute(sim: &SimHandle) {
    let r = reqwest::Client::new()
        .post(format!("{}/oauth2/tokenP", sim.base_url()))
        .json(&serde_json::json!({
            "grant_type": "client_credentials",
            "appkey": TEST_APP_KEY,
            "appsecret": TEST_APP_SECRET,
        }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

/// Starts `args`, waits until hoga has been refused a token (it now waits out the minute),
/// sends `signal`, and returns how the process ended and how long it took after the signal.
async fn signal_during_the_token_wait(
    sim: &SimHandle,
    mut cmd: tokio::process::Command,
    signal: &str,
) -> (Output, std::time::Duration) {
    use std::time::{Duration, Instant};
    use_up_the_token_minute(sim).await;
    let child = cmd.spawn().unwrap();
    let pid = child.id().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.stats().token_refusals == 0 {
        assert!(Instant::now() < deadline, "hoga never asked for a token");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // In the guard's wait now (the next tokenP is a minute away).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = Instant::now();
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("hoga ends on the signal, not after the token minute")
        .unwrap();
    (out, sent.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_an_ingest_waiting_for_a_token_and_stores_nothing() {
    let sim = start(SimConfig::frozen(NOW).rate(200)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = ingest_command(&sim, home.path(), &["--codes", "005930"]);
    let (out, took) = signal_during_the_token_wait(&sim, cmd, "-TERM").await;
    assert!(took.as_secs() < 5, "took {took:?}: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(1), "interrupted: {}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert_eq!(
        bars(home.path()).await,
        0,
        "nothing fetched, nothing stored"
    );
    let quotes = sim.stats().requests_by_tr_id.get("FHKST03010100").copied();
    assert_eq!(quotes.unwrap_or(0), 0, "no chart asked after the signal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_a_lookup_waiting_for_a_token_with_130() {
    let sim = start(SimConfig::frozen(NOW).rate(200)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = hoga_command(&sim, home.path(), &["quote", "005930"]);
    let (out, took) = signal_during_the_token_wait(&sim, cmd, "-INT").await;
    assert!(took.as_secs() < 5, "took {took:?}: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

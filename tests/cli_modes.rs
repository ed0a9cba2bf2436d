//! The built `hoga` binary and how it picks a mode: the monitor refuses to start without a
//! terminal, ingest options need `--ingest`, and `hoga ingest …` runs exactly what
//! `hoga --ingest …` runs (against an in-process kis-sim), refusing a store with a foreign table.

mod common;
mod ingest_common;

use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET};
use ingest_common::start;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

/// A KRX trading day the sim has bars for (chosen, not derived from today).
const DAY: &str = "2026-03-06";

fn write_config(dir: &Path, sim: &SimHandle) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[kis]\napp_key = \"{TEST_APP_KEY}\"\napp_secret = \"{TEST_APP_SECRET}\"\n\
         base_url = \"{}\"\nmaster_url = \"{}\"\nrequests_per_sec = 60\n\n\
         [redis]\nenabled = false\n",
        sim.base_url(),
        sim.master_url()
    );
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// The binary under test: Cargo's, unless `HOGA_TEST_BIN` names a copy (several worktrees
/// sharing one target dir overwrite each other's `target/debug/hoga`).
fn bin() -> PathBuf {
    std::env::var_os("HOGA_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_hoga")))
}

/// Runs hoga with stdin from /dev/null, stdout and stderr piped, no credentials in the
/// environment, everything under `home`.
async fn hoga(home: &Path, args: &[&str]) -> Output {
    let child = tokio::process::Command::new(bin())
        .args(args)
        .env("HOGA_HOME", home)
        .env_remove("KIS_APP_KEY")
        .env_remove("KIS_APP_SECRET")
        .env_remove("KIS_USE_VIRTUAL_SERVER")
        .env_remove("HOGA_KIS_BASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("hoga exits")
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn the_monitor_without_a_terminal_says_so_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [&[][..], &["--source", "mock"]] {
        let out = hoga(home.path(), args).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("needs a terminal"), "{err}");
        assert!(err.contains("hoga quote|book|chart|info|search"), "{err}");
        assert!(err.contains("hoga ingest"), "{err}");
        assert!(!err.contains("os error"), "{err}");
        assert!(out.stdout.is_empty(), "nothing drawn into the pipe");
    }
    // Headless commands still work without a terminal.
    let out = hoga(home.path(), &["--source", "mock", "quote", "005930"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("005930"));
}

/// `hoga > file` from a terminal: stdin is one (a pty from `script`), stdout is not; the
/// monitor is refused instead of drawing its screen into the file.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_monitor_with_stdout_redirected_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("screen.txt");
    let line = format!("'{}' --source mock > '{}'", bin().display(), file.display());
    let child = tokio::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("HOGA_HOME", home.path())
        .env_remove("KIS_APP_KEY")
        .env_remove("KIS_APP_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("script(1) from util-linux runs");
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("hoga refuses at once instead of running the monitor")
        .unwrap();
    // script copies the pty (hoga's stderr) to its stdout.
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("needs a terminal"), "{said}");
    assert_eq!(
        std::fs::read(&file).unwrap().len(),
        0,
        "nothing drawn into the file"
    );
}

#[tokio::test]
async fn ingest_options_without_ingest_are_refused() {
    let home = tempfile::tempdir().unwrap();
    for args in [&["--date", DAY][..], &["--dry-run"], &["--codes", "005930"]] {
        let out = hoga(home.path(), args).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--ingest"), "{args:?}: {err}");
        assert!(!err.contains("needs a terminal"), "refused as usage: {err}");
    }
}

#[tokio::test]
async fn ingest_without_credentials_is_a_configuration_error_in_both_forms() {
    let home = tempfile::tempdir().unwrap();
    for form in ["--ingest", "ingest"] {
        let out = hoga(
            home.path(),
            &[form, "--dry-run", "--codes", "005930", "--date", DAY],
        )
        .await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{form}: {err}");
        assert!(err.contains("no KIS credentials"), "{form}: {err}");
    }
}

/// The fields of the JSON summary that say what a run did (not when or how fast).
fn what_it_did(stdout: &[u8]) -> Vec<(String, Value)> {
    let text = String::from_utf8_lossy(stdout);
    let line = text.lines().last().expect("a JSON summary on stdout");
    let v: Value = serde_json::from_str(line).unwrap();
    [
        "status",
        "exit_code",
        "dry_run",
        "date_from",
        "date_to",
        "via",
        "stocks_total",
        "stocks_stored",
        "stocks_empty",
        "bars_stored",
        "rejected_rows",
        "failed",
    ]
    .iter()
    .map(|k| (k.to_string(), v[k].clone()))
    .collect()
}

#[tokio::test]
async fn ingest_subcommand_runs_what_the_flag_runs() {
    let sim = start(SimConfig::default().rate(60)).await;
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &sim);
    let codes: Vec<String> = sim
        .market()
        .stocks()
        .iter()
        .take(3)
        .map(|s| s.code.to_string())
        .collect();
    let codes = codes.join(",");
    let mut seen = Vec::new();
    for form in ["--ingest", "ingest"] {
        let config = config.to_string_lossy();
        let out = hoga(
            home.path(),
            &[
                "--config",
                &config,
                form,
                "--dry-run",
                "--json",
                "--codes",
                &codes,
                "--date",
                DAY,
            ],
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{form}: {}", stderr(&out));
        let did = what_it_did(&out.stdout);
        assert!(
            did.contains(&("stocks_stored".into(), Value::from(3))),
            "{did:?}"
        );
        assert!(
            did.contains(&("date_to".into(), Value::from(DAY))),
            "{did:?}"
        );
        seen.push(did);
    }
    assert_eq!(seen[0], seen[1]);
}

#[tokio::test]
async fn ingest_into_a_store_with_a_foreign_table_exits_2_and_changes_nothing() {
    let sim = start(SimConfig::default().rate(60)).await;
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &sim);
    let db = home.path().join("theirs.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE daily_bars (ticker TEXT, date TEXT, px REAL);
             INSERT INTO daily_bars VALUES ('AAPL', '2026-03-06', 1.5);",
        )
        .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let code = sim.market().stocks()[0].code.to_string();
    let store = format!("sqlite:{}", db.display());
    let out = hoga(
        home.path(),
        &[
            "--config",
            &config.to_string_lossy(),
            "ingest",
            "--codes",
            &code,
            "--date",
            DAY,
            "--store",
            &store,
        ],
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("daily_bars"), "{err}");
    assert!(err.contains("missing columns code"), "{err}");
    assert!(err.contains("extra columns ticker, px"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is unchanged");
}

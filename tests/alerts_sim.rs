//! `hoga alerts` end to end: the built binary against an in-process kis-sim over real HTTP
//! and WebSocket, with rules whose thresholds come from kis-sim's truth: one must fire (the
//! price is always at or above the day's lower limit; the volume is beyond 0.01 × its 20-day
//! average), one never can (above the upper limit). The NDJSON is checked; a restart on the
//! same HOGA_HOME does not fire again what fired and is still true; SIGTERM ends with exit 0;
//! without the stream, REST polling fires the same rules within `--duration`.

use chrono::{DateTime, Utc};
use hoga::market::{StockCode, kst_to_utc, tick};
use hoga::sim::{ClockMode, SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const CLOCK: &str = "accel:2@2026-11-26T10:00:00+09:00";

fn at(hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("2026-11-26 {hm}"), "%Y-%m-%d %H:%M")
        .unwrap();
    kst_to_utc(t)
}

async fn sim(ws: bool) -> SimHandle {
    let config = SimConfig {
        clock: ClockMode::Accelerated {
            start: at("10:00"),
            factor: 2.0,
        },
        ..SimConfig::default()
    };
    let config = if ws { config.ws_port(0) } else { config };
    SimServer::start(config).await.expect("kis-sim starts")
}

/// A trading stock and its day's (lower, upper) limits, from kis-sim's own market.
fn truth(sim: &SimHandle) -> (StockCode, i64, i64) {
    let stock = sim
        .market()
        .stocks()
        .iter()
        .find(|s| !s.flags.halted)
        .expect("a trading stock")
        .code;
    let q = sim.market().quote(stock).expect("its quote");
    (stock, q.lower_limit.0, q.upper_limit.0)
}

/// The rules: `price_at_or_above` the lower limit (always true), above the upper limit (never),
/// a volume ratio of 0.01 (true once anything traded), and `extra`.
fn write_config(home: &Path, code: StockCode, lower: i64, upper: i64, extra: &str) {
    let above_upper = tick::tick_up(hoga::market::Krw(upper)).0;
    let text = format!(
        "[[alerts]]\ncode = \"{code}\"\nprice_at_or_above = {lower}\n\n\
         [[alerts]]\ncode = \"{code}\"\nprice_at_or_above = {above_upper}\n\n\
         [[alerts]]\ncode = \"{code}\"\nvolume_ratio_above = 0.01\n\n{extra}"
    );
    std::fs::create_dir_all(home).unwrap();
    std::fs::write(home.join("config.toml"), text).unwrap();
}

/// `hoga alerts …` with only the environment the test chooses (never the shared Redis).
fn hoga(sim: &SimHandle, home: &Path, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    c.arg("alerts")
        .args(["--json", "--clock", CLOCK])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOGA_HOME", home)
        .env("HOGA_KIS_BASE_URL", sim.base_url())
        .env("HOGA_KIS_MASTER_URL", sim.master_url())
        .env("HOGA_KIS_APP_KEY", TEST_APP_KEY)
        .env("HOGA_KIS_APP_SECRET", TEST_APP_SECRET)
        .env("HOGA_REDIS_ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match sim.ws_url() {
        Some(ws) => c.env("HOGA_KIS_WS_URL", ws),
        None => c.env("HOGA_KIS_STREAM", "false"),
    };
    c
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not NDJSON ({e}): {line}"))
}

/// Checks one alert's shape and returns its (rule, threshold).
fn check(v: &Value, code: StockCode) -> (String, Value) {
    assert_eq!(v["type"], "alert", "{v}");
    assert_eq!(v["code"], code.as_str(), "{v}");
    let time = v["time"].as_str().expect("a time");
    assert!(
        time.starts_with("2026-11-26T") && time.ends_with("+09:00"),
        "{v}"
    );
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["type", "code", "rule", "value", "threshold", "time"],
        "{v}"
    );
    (
        v["rule"].as_str().unwrap().to_string(),
        v["threshold"].clone(),
    )
}

/// Reads alerts until `done` says so (at most a minute and a half: a bound, not a speed
/// claim), then SIGTERMs the process and checks exit 0. Returns the alerts read.
async fn until(
    mut child: tokio::process::Child,
    mut done: impl FnMut(&[Value]) -> bool,
) -> Vec<Value> {
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut got = Vec::new();
    let read = async {
        while !done(&got) {
            match out.next_line().await.unwrap() {
                Some(line) => got.push(parse(&line)),
                None => break,
            }
        }
    };
    let waited = tokio::time::timeout(Duration::from_secs(90), read).await;
    let pid = child.id().expect("still running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        let _ = e.read_to_string(&mut stderr).await;
    }
    assert!(waited.is_ok(), "alerts so far {got:?}; stderr: {stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_alerts_fire_once_and_not_again_after_a_restart() {
    let sim = sim(true).await;
    let home = tempfile::tempdir().unwrap();
    let (code, lower, upper) = truth(&sim);
    write_config(home.path(), code, lower, upper, "");
    let child = hoga(&sim, home.path(), &[]).spawn().unwrap();
    let got = until(child, |g| g.len() >= 2).await;
    let mut rules: Vec<(String, Value)> = got.iter().map(|v| check(v, code)).collect();
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        rules,
        [
            ("price_at_or_above".to_string(), Value::from(lower)),
            ("volume_ratio_above".to_string(), Value::from(0.01)),
        ]
    );
    let price = got
        .iter()
        .find(|v| v["rule"] == "price_at_or_above")
        .and_then(|v| v["value"].as_i64())
        .unwrap();
    assert!(
        (lower..=upper).contains(&price),
        "{price} within the day's limits"
    );
    assert!(
        !sim.ws().sessions().is_empty(),
        "the trades came over the WebSocket"
    );
    let state = home.path().join("state").join("alerts-fired.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["fired"].as_object().map(|m| m.len()), Some(2));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Restarted on the same state with one rule more (always true: the proof that data was
    // evaluated). The old rules are still true: they must not fire again. Each observation
    // prints its firings together, the old rules' before the new one's.
    write_config(
        home.path(),
        code,
        lower,
        upper,
        &format!("[[alerts]]\ncode = \"{code}\"\nchange_rate_above = -30\n"),
    );
    let child = hoga(&sim, home.path(), &[]).spawn().unwrap();
    let got = until(child, |g| !g.is_empty()).await;
    let rules: Vec<String> = got.iter().map(|v| check(v, code).0).collect();
    assert_eq!(rules, ["change_rate_above"], "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_stream_rest_polling_fires_within_the_duration() {
    let sim = sim(false).await;
    let home = tempfile::tempdir().unwrap();
    let (code, lower, upper) = truth(&sim);
    write_config(home.path(), code, lower, upper, "");
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        hoga(&sim, home.path(), &["--duration", "15"]).output(),
    )
    .await
    .expect("ends after its duration")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 streamed, 1 polled"), "{stderr}");
    let mut rules: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| check(&parse(l), code).0)
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        ["price_at_or_above", "volume_ratio_above"],
        "{stderr}"
    );
    assert!(sim.stats().requests > 0);
}

#[tokio::test]
async fn no_rules_is_a_config_error() {
    let sim = sim(false).await;
    let home = tempfile::tempdir().unwrap();
    let out = hoga(&sim, home.path(), &["--duration", "1"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no alert rules"));
    assert!(out.stdout.is_empty());
}

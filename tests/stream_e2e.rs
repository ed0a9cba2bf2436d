//! `hoga stream` end to end: the built binary against an in-process kis-sim over real HTTP and
//! WebSocket. Its NDJSON equals kis-sim's ground truth for a 30 s run; codes without a slot
//! come as REST quotes; SIGTERM ends it with exit 0 and a close frame; a refused appkey is
//! exit 2, and no session at all before `--duration` ends is exit 3.

use chrono::{DateTime, Utc};
use hoga::market::{StockCode, kst_to_utc};
use hoga::sim::{
    ClockMode, SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET, WsConfig,
};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

fn at(hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("2026-11-26 {hm}"), "%Y-%m-%d %H:%M")
        .unwrap();
    kst_to_utc(t)
}

async fn sim(factor: f64) -> SimHandle {
    let config = SimConfig {
        clock: ClockMode::Accelerated {
            start: at("10:00"),
            factor,
        },
        ..SimConfig::default()
    };
    let ws = WsConfig {
        book_fields_2026: true,
        ..WsConfig::default()
    };
    SimServer::start(config.ws_port(0).ws(ws))
        .await
        .expect("kis-sim starts")
}

fn codes(sim: &SimHandle, n: usize) -> Vec<String> {
    sim.market()
        .stocks()
        .iter()
        .filter(|s| !s.flags.halted)
        .take(n)
        .map(|s| s.code.as_str().to_string())
        .collect()
}

/// `hoga stream …` with only the environment the test chooses (never the shared Redis).
fn hoga(
    sim: &SimHandle,
    home: &std::path::Path,
    key: &str,
    args: &[&str],
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    c.arg("stream")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOGA_HOME", home)
        .env("HOGA_KIS_BASE_URL", sim.base_url())
        .env("HOGA_KIS_MASTER_URL", sim.master_url())
        .env("HOGA_KIS_WS_URL", sim.ws_url().expect("a WebSocket port"))
        .env("HOGA_KIS_APP_KEY", key)
        .env("HOGA_KIS_APP_SECRET", TEST_APP_SECRET)
        .env("HOGA_REDIS_ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not NDJSON ({e}): {l}")))
        .collect()
}

/// A record kis-sim sent, read by the documented positions (KIS_API.md §6.4, §6.5), as the
/// NDJSON event `hoga stream` must print for it (books: the date is the trading day's).
fn expected(tr_id: &str, record: &str) -> Value {
    let f: Vec<&str> = record.split('^').collect();
    let n = |i: usize| f[i].parse::<i64>().unwrap();
    let time = |date: &str, hms: &str| {
        format!(
            "{}-{}-{}T{}:{}:{}+09:00",
            &date[..4],
            &date[4..6],
            &date[6..],
            &hms[..2],
            &hms[2..4],
            &hms[4..]
        )
    };
    match tr_id {
        "H0STCNT0" => {
            let sign = match f[3] {
                "4" | "5" => -1,
                "3" => 0,
                _ => 1,
            };
            serde_json::json!({
                "type": "trade", "code": f[0], "time": time(f[33], f[1]), "price": n(2),
                "change": sign * n(4).abs(), "change_rate": f[5].parse::<f64>().unwrap(),
                "qty": n(12), "acc_volume": n(13), "acc_value": n(14),
                "side": match f[21] { "1" => Value::from("buy"), "5" => Value::from("sell"), _ => Value::Null },
                "via": "ws",
            })
        }
        _ => {
            let side = |p: usize, q: usize| -> Vec<Value> {
                (0..10)
                    .map(|i| serde_json::json!({"price": n(p + i), "qty": n(q + i)}))
                    .collect()
            };
            serde_json::json!({
                "type": "book", "code": f[0], "time": time("20261126", f[1]),
                "asks": side(3, 23), "bids": side(13, 33),
                "total_ask_qty": n(43), "total_bid_qty": n(44), "via": "ws",
            })
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndjson_equals_the_ground_truth_of_a_30_second_run() {
    let sim = sim(2.0).await;
    let home = tempfile::tempdir().unwrap();
    let c = codes(&sim, 3);
    // Five slots: three codes' trades, then the first two books; the third book has none.
    let args = [
        &c[0],
        &c[1],
        &c[2],
        "--book",
        "--slots",
        "5",
        "--json",
        "--duration",
        "30",
        // hoga's clock follows kis-sim's day: a book before the first trade takes today's date.
        "--clock",
        "accel:2@2026-11-26T10:00:00+09:00",
    ];
    let out = hoga(&sim, home.path(), TEST_APP_KEY, &args)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let events = lines(&out.stdout);
    assert_eq!(events[0]["type"], "status", "{events:?}");
    assert_eq!(
        (
            events[0]["stream"].as_str(),
            events[0]["subscribed"].as_u64()
        ),
        (Some("connected"), Some(5))
    );
    let data: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "trade" || e["type"] == "book")
        .collect();
    let sent: Vec<Value> = sim
        .ws()
        .sent(None)
        .into_iter()
        .filter(|r| r.tr_id == "H0STCNT0" || r.tr_id == "H0STASP0")
        .map(|r| expected(&r.tr_id, &r.record))
        .collect();
    assert!(sent.len() > 50, "too little data: {}", sent.len());
    assert_eq!(data.len(), sent.len(), "{stderr}");
    for (i, (got, want)) in data.iter().zip(&sent).enumerate() {
        assert_eq!(*got, want, "event {i}");
    }
    assert!(
        !data
            .iter()
            .any(|e| e["type"] == "book" && e["code"] == c[2].as_str())
    );
    // One session, ended by hoga's close frame.
    let sessions = sim.ws().sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0].end.as_deref(), Some("client_close"));
    assert_eq!(sim.stats().approvals_issued, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_without_a_slot_are_polled_and_sigterm_ends_with_a_close_frame() {
    let sim = sim(2.0).await;
    let home = tempfile::tempdir().unwrap();
    let c = codes(&sim, 2);
    let mut child = hoga(
        &sim,
        home.path(),
        TEST_APP_KEY,
        &[&c[0], &c[1], "--slots", "1", "--json"],
    )
    .spawn()
    .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut connected, mut quoted, mut traded) = (false, false, false);
    let wait = async {
        while !(connected && quoted && traded) {
            let Some(line) = out.next_line().await.unwrap() else {
                break;
            };
            let v: Value = serde_json::from_str(&line).unwrap();
            match v["type"].as_str() {
                Some("status") => connected |= v["stream"] == "connected",
                Some("quote") => {
                    assert_eq!(
                        (v["code"].as_str(), v["via"].as_str()),
                        (Some(c[1].as_str()), Some("rest")),
                        "{v}"
                    );
                    assert!(
                        v["price"].as_i64().is_some_and(|p| p > 0) && v["time"].is_string(),
                        "{v}"
                    );
                    quoted = true;
                }
                Some("trade") => {
                    assert_eq!(
                        v["code"],
                        c[0].as_str(),
                        "only the first code has a slot: {v}"
                    );
                    traded = true;
                }
                other => panic!("unexpected event {other:?}: {v}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("connected, a REST quote and a trade within a minute");
    assert!(connected && quoted && traded);
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let sessions = sim.ws().sessions();
    assert_eq!(
        sessions.last().and_then(|s| s.end.as_deref()),
        Some("client_close"),
        "{sessions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_2_for_a_refused_appkey_and_3_when_no_session_opened() {
    let sim = sim(2.0).await;
    let home = tempfile::tempdir().unwrap();
    let code = codes(&sim, 1).remove(0);
    let out = hoga(
        &sim,
        home.path(),
        "PSnotakeyatall0000000000000000000000",
        &[&code, "--json", "--duration", "20"],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        lines(&out.stdout)
            .iter()
            .any(|v| v["type"] == "status" && v["stream"] == "down")
    );

    // kis-sim closes every connection before the handshake: no session before the end.
    sim.ws().refuse(1.0e6);
    let out = hoga(
        &sim,
        home.path(),
        TEST_APP_KEY,
        &[&code, "--json", "--duration", "4"],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = lines(&out.stdout);
    let reconnecting = events
        .iter()
        .filter(|v| v["stream"] == "reconnecting")
        .count();
    assert_eq!(reconnecting, 1, "once per outage: {events:?}");
    assert!(StockCode::new(&code).is_ok());
}

//! kis-sim's WebSocket wire format over a real WebSocket, against frames written by hand from
//! KIS_API.md §6 and §13 and the captured samples (`tests/fixtures/kis/ws_*`): the ack of every
//! code, the 41-pair cap, one session per appkey, approval keys, PINGPONG and its echo, data
//! frames with batched records and 46 / 59 / 62 fields, and the ground truth of what was sent.

mod sim_common;

use futures::SinkExt;
use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET, WsConfig};
use serde_json::Value;
use sim_common::*;

const DAY: &str = "2026-11-26";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/kis/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn sim_at(at: &str, ws: WsConfig) -> SimHandle {
    start(SimConfig::frozen(&format!("{DAY} {at}")).ws_port(0).ws(ws)).await
}

/// The key paths of a JSON value (objects in order), to compare shapes with the samples.
fn shape(v: &Value, at: &str, out: &mut Vec<String>) {
    if let Value::Object(o) = v {
        for (k, x) in o {
            let p = format!("{at}/{k}");
            out.push(p.clone());
            shape(x, &p, out);
        }
    }
}

fn shape_of(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    shape(v, "", &mut out);
    out
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

#[tokio::test]
async fn every_ack_code_as_kis_sends_it() {
    let sim = sim_at("10:30:00", WsConfig::default()).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;

    // OPSP0000: the sample's shape and order, iv 16 hex chars and key 32 lowercase letters.
    send_text(&mut ws, &sub_frame(&key, "1", "H0STCNT0", "005930")).await;
    let ok = next_ack(&mut ws).await;
    let sample: Value = serde_json::from_str(&fixture("ws_ack_subscribe.json")).unwrap();
    assert_eq!(shape_of(&ok), shape_of(&sample), "{ok}");
    assert_eq!(ok["header"]["tr_id"], "H0STCNT0");
    assert_eq!(ok["header"]["tr_key"], "005930");
    assert_eq!(ok["header"]["encrypt"], "N");
    assert_eq!(ok["body"]["rt_cd"], "0");
    assert_eq!(ok["body"]["msg_cd"], "OPSP0000");
    assert_eq!(ok["body"]["msg1"], "SUBSCRIBE SUCCESS");
    let iv = ok["body"]["output"]["iv"].as_str().unwrap();
    let aes = ok["body"]["output"]["key"].as_str().unwrap();
    assert!(
        iv.len() == 16 && iv.chars().all(|c| c.is_ascii_hexdigit()),
        "{iv}"
    );
    assert!(
        aes.len() == 32 && aes.chars().all(|c| c.is_ascii_lowercase()),
        "{aes}"
    );

    // The refusals: (frame, rt_cd, msg_cd, msg1).
    let bad_key = "00000000-0000-0000-0000-000000000000";
    let cases: Vec<(String, &str, &str, &str)> = vec![
        (sub_frame(&key, "1", "H0STCNT0", "005930"), "1", "OPSP0002", "ALREADY IN SUBSCRIBE"),
        (sub_frame(&key, "2", "H0STCNT0", "005930"), "0", "OPSP0001", "UNSUBSCRIBE SUCCESS"),
        (
            sub_frame(&key, "2", "H0STCNT0", "005930"),
            "1",
            "OPSP0003",
            "UNSUBSCRIBE ERROR(not found!)",
        ),
        (sub_frame(&key, "1", "H0XXXXX0", "005930"), "9", "OPSP8991", "invalid tr_id"),
        (sub_frame(&key, "1", "H0STCNT0", "999999"), "9", "OPSP8992", "invalid tr_key"),
        (
            sub_frame(bad_key, "1", "H0STCNT0", "005930"),
            "9",
            "OPSP0011",
            "invalid approval : NOT FOUND",
        ),
        (
            "{\"header\":{".to_string(),
            "9",
            "OPSP9999",
            "JSON PARSING ERROR : invalid json format",
        ),
        (
            r#"{"body":{"input":{"tr_id":"H0STCNT0","tr_key":"005930"}}}"#.to_string(),
            "9",
            "OPSP9998",
            "JSON PARSING ERROR : header not found",
        ),
        (
            format!(r#"{{"header":{{"approval_key":"{key}","custtype":"P","tr_type":"1","content-type":"utf-8"}}}}"#),
            "9",
            "OPSP9997",
            "JSON PARSING ERROR : body not found",
        ),
        (
            format!(r#"{{"header":{{"approval_key":"{key}","custtype":"P","tr_type":"1","content-type":"utf-8"}},"body":{{}}}}"#),
            "9",
            "OPSP9996",
            "JSON PARSING ERROR : input not found",
        ),
        (
            format!(r#"{{"header":{{"approval_key":"{key}","custtype":"P","tr_type":"1","content-type":"utf-8"}},"body":{{"input":{{"tr_key":"005930"}}}}}}"#),
            "9",
            "OPSP9995",
            "JSON PARSING ERROR : tr_id not found",
        ),
        (
            format!(r#"{{"header":{{"approval_key":"{key}","custtype":"P","tr_type":"1","content-type":"utf-8"}},"body":{{"input":{{"tr_id":"H0STCNT0"}}}}}}"#),
            "9",
            "OPSP9994",
            "JSON PARSING ERROR : tr_key not found",
        ),
        (
            r#"{"header":{"custtype":"P","tr_type":"1","content-type":"utf-8"},"body":{"input":{"tr_id":"H0STCNT0","tr_key":"005930"}}}"#.to_string(),
            "9",
            "OPSP9993",
            "JSON PARSING ERROR : approval_key not found",
        ),
        (sub_frame(&key, "0", "H0STCNT0", "005930"), "9", "OPSP9992", "JSON PARSING ERROR : invalid tr_type"),
    ];
    for (frame, rt_cd, msg_cd, msg1) in cases {
        send_text(&mut ws, &frame).await;
        let v = next_ack(&mut ws).await;
        assert_eq!(
            (
                v["body"]["rt_cd"].as_str(),
                v["body"]["msg_cd"].as_str(),
                v["body"]["msg1"].as_str()
            ),
            (Some(rt_cd), Some(msg_cd), Some(msg1)),
            "{frame} → {v}"
        );
        assert_eq!(
            v["body"].get("output").is_some(),
            rt_cd == "0",
            "only successes carry iv/key: {v}"
        );
    }
    // The session survived every refusal.
    assert_eq!(
        request(&mut ws, &key, "1", "H0STASP0", "005930").await,
        "OPSP0000"
    );
}

#[tokio::test]
async fn the_cap_counts_pairs_over_every_tr() {
    let sim = sim_at("10:30:00", WsConfig::default()).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    let c = codes(&sim, 25);
    let mut pairs: Vec<(&str, &str)> = c.iter().map(|k| ("H0STCNT0", k.as_str())).collect();
    pairs.extend(c.iter().map(|k| ("H0STASP0", k.as_str())));
    for (tr, k) in &pairs[..41] {
        assert_eq!(
            request(&mut ws, &key, "1", tr, k).await,
            "OPSP0000",
            "{tr} {k}"
        );
    }
    // The 42nd pair is refused, only that pair: the session stays.
    let (tr42, k42) = pairs[41];
    send_text(&mut ws, &sub_frame(&key, "1", tr42, k42)).await;
    let v = next_ack(&mut ws).await;
    assert_eq!(v["body"]["msg_cd"], "OPSP0008", "{v}");
    assert_eq!(v["body"]["msg1"], "MAX SUBSCRIBE OVER");
    assert_eq!(v["body"]["rt_cd"], "1");
    // An H0STMKO0 pair counts too.
    assert_eq!(
        request(&mut ws, &key, "1", "H0STMKO0", "005930").await,
        "OPSP0008"
    );
    // Freeing one slot lets one more in.
    assert_eq!(
        request(&mut ws, &key, "2", pairs[0].0, pairs[0].1).await,
        "OPSP0001"
    );
    assert_eq!(request(&mut ws, &key, "1", tr42, k42).await, "OPSP0000");
    assert_eq!(
        request(&mut ws, &key, "1", pairs[42].0, pairs[42].1).await,
        "OPSP0008"
    );
    let current = sim.ws().registrations();
    assert_eq!(current.len(), 1);
    assert_eq!(current.values().next().unwrap().len(), 41);
    // The registration log tells the same story.
    let log = sim.ws().registration_log();
    assert_eq!(log.iter().filter(|e| e.action == "register").count(), 42);
    assert_eq!(log.iter().filter(|e| e.action == "unregister").count(), 1);
}

#[tokio::test]
async fn one_session_per_appkey_and_the_slot_hold() {
    let sim = sim_at(
        "10:30:00",
        WsConfig {
            slot_hold_secs: 3_600.0,
            ..WsConfig::default()
        },
    )
    .await;
    let key = approval(&sim).await;
    let mut first = ws_connect(&sim).await;
    assert_eq!(
        request(&mut first, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    // A second connection on the same appkey: OPSP8996 on every subscribe, rt_cd 9.
    let mut second = ws_connect(&sim).await;
    send_text(&mut second, &sub_frame(&key, "1", "H0STCNT0", "000660")).await;
    let v = next_ack(&mut second).await;
    assert_eq!(
        (
            v["body"]["rt_cd"].as_str(),
            v["body"]["msg_cd"].as_str(),
            v["body"]["msg1"].as_str()
        ),
        (Some("9"), Some("OPSP8996"), Some("ALREADY IN USE appkey")),
        "{v}"
    );
    assert_eq!(
        request(&mut second, &key, "1", "H0STCNT0", "000660").await,
        "OPSP8996"
    );
    // A close frame from the client frees the slot at once (no hold).
    first.close(None).await.unwrap();
    eventually("the first session ends", || {
        sim.ws()
            .sessions()
            .iter()
            .any(|s| s.end.as_deref() == Some("client_close"))
    })
    .await;
    assert_eq!(
        request(&mut second, &key, "1", "H0STCNT0", "000660").await,
        "OPSP0000"
    );
    // An abnormal end (TCP gone, no close frame) holds the slot: a reconnect meets OPSP8996.
    drop(second);
    eventually("the second session ends", || {
        sim.ws()
            .sessions()
            .iter()
            .any(|s| s.end.as_deref() == Some("connection_lost"))
    })
    .await;
    let mut third = ws_connect(&sim).await;
    assert_eq!(
        request(&mut third, &key, "1", "H0STCNT0", "000660").await,
        "OPSP8996"
    );
    sim.ws().release_holds();
    assert_eq!(
        request(&mut third, &key, "1", "H0STCNT0", "000660").await,
        "OPSP0000"
    );
    // The registrations of ended sessions are logged as ended with them.
    let ends = sim
        .ws()
        .registration_log()
        .into_iter()
        .filter(|e| e.action == "session_end")
        .count();
    assert_eq!(ends, 2);
}

#[tokio::test]
async fn a_short_hold_expires_by_itself() {
    // Frozen clock: the hold runs in wall time.
    let sim = sim_at(
        "10:30:00",
        WsConfig {
            slot_hold_secs: 0.3,
            ..WsConfig::default()
        },
    )
    .await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    drop(ws);
    eventually("the session ends", || {
        sim.ws().sessions().iter().any(|s| s.ended.is_some())
    })
    .await;
    let mut again = ws_connect(&sim).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match request(&mut again, &key, "1", "H0STCNT0", "005930")
            .await
            .as_str()
        {
            "OPSP0000" => break,
            "OPSP8996" => {}
            other => panic!("unexpected {other}"),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hold never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn approval_keys_are_reused_for_a_day_and_issued_at_most_once_a_second() {
    let sim = sim_at("10:30:00", WsConfig::default()).await;
    let (s, b) = approval_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 200, "{b}");
    let v = parse(&b);
    assert_eq!(keys(&v), ["approval_key"]);
    let k1 = v["approval_key"].as_str().unwrap().to_string();
    assert_eq!(k1.len(), 36);
    // Again within the second: refused like any over-rate call.
    let (s, b) = approval_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 500, "{b}");
    let v = parse(&b);
    assert_eq!(keys(&v), ["rt_cd", "msg1", "msg_cd"]);
    assert_eq!(v["msg_cd"], "EGW00201");
    // A second later (sim clock): the same key again.
    sim.clock().advance(chrono::Duration::seconds(2));
    let (s, b) = approval_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(parse(&b)["approval_key"], k1.as_str());
    // Bad credentials.
    let (s, b) = approval_raw(&sim, "PSnope", TEST_APP_SECRET).await;
    assert_eq!(
        (s, parse(&b)["error_code"].as_str()),
        (403, Some("EGW00103"))
    );
    sim.clock().advance(chrono::Duration::seconds(2));
    let (s, b) = approval_raw(&sim, TEST_APP_KEY, "wrong").await;
    assert_eq!(
        (s, parse(&b)["error_code"].as_str()),
        (403, Some("EGW00105"))
    );
    let stats = sim.stats();
    assert_eq!(
        (
            stats.approvals_issued,
            stats.approvals_reused,
            stats.approval_refusals
        ),
        (1, 1, 1)
    );

    // A session bound with the key keeps working after the key expires (used at connect only).
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &k1, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    sim.clock().advance(chrono::Duration::hours(25));
    assert_eq!(
        request(&mut ws, &k1, "1", "H0STASP0", "005930").await,
        "OPSP0000"
    );
    ws.close(None).await.unwrap();
    eventually("the session ends", || {
        sim.ws().sessions().iter().any(|s| s.ended.is_some())
    })
    .await;
    // A new session with the expired key is refused; a new key is a different one.
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &k1, "1", "H0STCNT0", "005930").await,
        "OPSP0011"
    );
    let (s, b) = approval_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 200, "{b}");
    let k2 = parse(&b)["approval_key"].as_str().unwrap().to_string();
    assert_ne!(k2, k1);
    assert_eq!(
        request(&mut ws, &k2, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
}

#[tokio::test]
async fn the_virtual_server_carries_only_its_trs() {
    let sim = start(
        SimConfig::frozen(&format!("{DAY} 10:30:00"))
            .virtual_server()
            .ws_port(0),
    )
    .await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    assert_eq!(
        request(&mut ws, &key, "1", "H0STASP0", "005930").await,
        "OPSP0000"
    );
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNI9", "hoga01").await,
        "OPSP0000"
    );
    for tr in ["H0STANC0", "H0STMKO0", "H0STCNI0", "H0UPCNT0", "H0NXCNT0"] {
        assert_eq!(
            request(&mut ws, &key, "1", tr, "005930").await,
            "OPSP8991",
            "{tr}"
        );
    }
}

/// Reads frames until `n` PINGPONGs came, echoing each as text when `echo`; protocol pongs
/// when `pong`. Returns the PINGPONG texts, or what ended the connection.
async fn pings(ws: &mut Ws, n: usize, echo: bool, pong: bool) -> Result<Vec<String>, String> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while got.len() < n {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("still open after {} pings", got.len()));
        }
        match next_msg(ws).await {
            Some(Message::Text(t)) => {
                let v: Value = match serde_json::from_str(t.as_str()) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                if v["header"]["tr_id"] == "PINGPONG" {
                    if echo {
                        send_text(ws, t.as_str()).await;
                    }
                    if pong {
                        ws.send(Message::Pong(t.as_bytes().to_vec().into()))
                            .await
                            .ok();
                    }
                    got.push(t.as_str().to_string());
                }
            }
            Some(Message::Close(c)) => return Err(format!("closed: {c:?}")),
            Some(_) => {}
            None => return Err("connection ended".into()),
        }
    }
    Ok(got)
}

#[tokio::test]
async fn pingpong_echoed_as_text_keeps_the_session() {
    // Frozen clock: the ping interval and the echo timeout run in wall time.
    let sim = sim_at(
        "10:30:00",
        WsConfig {
            ping_secs: 0.05,
            echo_timeout_secs: 0.3,
            ..WsConfig::default()
        },
    )
    .await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    // Well past many echo timeouts' worth of pings, the session is alive.
    let got = pings(&mut ws, 30, true, false)
        .await
        .expect("echoed session stays");
    let sample: Value = serde_json::from_str(&fixture("ws_pingpong.json")).unwrap();
    let first: Value = serde_json::from_str(&got[0]).unwrap();
    assert_eq!(shape_of(&first), shape_of(&sample));
    assert_eq!(
        got[0],
        r#"{"header":{"tr_id":"PINGPONG","datetime":"20261126103000"}}"#
    );
    assert_eq!(
        request(&mut ws, &key, "1", "H0STASP0", "005930").await,
        "OPSP0000"
    );
    let truth = sim.ws().pings();
    assert!(truth.len() >= 30);
    // Every ping but the latest few was echoed.
    assert!(
        truth.iter().rev().skip(3).all(|p| p.echoed.is_some()),
        "{truth:?}"
    );
    assert!(sim.ws().sessions()[0].ended.is_none());
}

#[tokio::test]
async fn a_protocol_pong_alone_does_not_keep_the_session() {
    for (echo, pong) in [(false, true), (false, false)] {
        let sim = sim_at(
            "10:30:00",
            WsConfig {
                ping_secs: 0.05,
                echo_timeout_secs: 0.3,
                slot_hold_secs: 3_600.0,
                ..WsConfig::default()
            },
        )
        .await;
        let key = approval(&sim).await;
        let mut ws = ws_connect(&sim).await;
        assert_eq!(
            request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
            "OPSP0000"
        );
        let end = pings(&mut ws, 100_000, echo, pong).await.unwrap_err();
        assert!(end.contains("PINGPONG timeout"), "{end}");
        eventually("the session is recorded as ended", || {
            sim.ws().sessions()[0].ended.is_some()
        })
        .await;
        let s = &sim.ws().sessions()[0];
        assert_eq!(s.end.as_deref(), Some("ping_timeout"));
        assert_eq!(s.protocol_pongs > 0, pong);
        // The slot is held after the timeout.
        let mut again = ws_connect(&sim).await;
        assert_eq!(
            request(&mut again, &key, "1", "H0STCNT0", "005930").await,
            "OPSP8996"
        );
    }
}

/// The class of a field: how it is written, not its value.
fn class(f: &str) -> &'static str {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = f.strip_prefix('-').unwrap_or(f);
    if f.is_empty() {
        "empty"
    } else if digits(unsigned) {
        "int"
    } else if let Some((a, b)) = unsigned.split_once('.')
        && digits(a)
        && b.len() == 2
        && digits(b)
    {
        "dec2"
    } else if f.bytes().all(|b| b.is_ascii_uppercase()) {
        "alpha"
    } else {
        "other"
    }
}

fn sample_record(name: &str) -> Vec<String> {
    let text = fixture(name);
    let (_, recs) = split_frame(&text, |_| 1).unwrap();
    assert_eq!(recs.len(), 1);
    recs[0].clone()
}

/// Streams `005930` trades and books through an accelerated morning; returns the data frames.
async fn stream_frames(sim: &SimHandle, want_trades: usize) -> Vec<String> {
    let key = approval(sim).await;
    let mut ws = ws_connect(sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    assert_eq!(
        request(&mut ws, &key, "1", "H0STASP0", "005930").await,
        "OPSP0000"
    );
    let (mut frames, mut trades) = (Vec::new(), 0);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while trades < want_trades {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {trades} trade frames"
        );
        match next_msg(&mut ws).await {
            Some(Message::Text(t)) if t.as_str().starts_with("0|") => {
                if t.as_str().starts_with("0|H0STCNT0|") {
                    trades += 1;
                }
                frames.push(t.as_str().to_string());
            }
            Some(Message::Text(t)) => {
                if t.as_str().contains("PINGPONG") {
                    send_text(&mut ws, t.as_str()).await;
                }
            }
            Some(_) => {}
            None => panic!("stream ended after {trades} trade frames"),
        }
    }
    frames
}

#[tokio::test]
async fn data_frames_match_the_samples_field_for_field() {
    let sim = start(
        SimConfig {
            clock: hoga::sim::ClockMode::parse(&format!("accel:120@{DAY} 10:00:00")).unwrap(),
            ..SimConfig::default()
        }
        .ws_port(0),
    )
    .await;
    let frames = stream_frames(&sim, 20).await;
    let fields = |tr: &str| if tr == "H0STCNT0" { 46 } else { 62 };
    let trade_sample = sample_record("ws_h0stcnt0_frame.txt");
    let book_sample = sample_record("ws_h0stasp0_frame.txt");
    assert_eq!((trade_sample.len(), book_sample.len()), (46, 62));
    let (mut batched, mut trades, mut books) = (0, Vec::new(), Vec::new());
    for f in &frames {
        let (tr, recs) = split_frame(f, fields).unwrap_or_else(|| panic!("not a data frame: {f}"));
        let n: usize = f[tr.len() + 3..tr.len() + 6].parse().unwrap();
        assert_eq!(recs.len(), n, "{f}");
        assert!(n <= 8, "at most max_batch records: {f}");
        if n > 1 {
            batched += 1;
        }
        for r in recs {
            assert_eq!(r.len(), fields(&tr), "{tr} record width: {f}");
            assert_eq!(r[0], "005930");
            if tr == "H0STCNT0" {
                trades.push(r);
            } else {
                books.push(r);
            }
        }
    }
    assert!(batched > 0, "no frame carried several records");
    for r in &trades {
        for (i, (ours, theirs)) in r.iter().zip(&trade_sample).enumerate() {
            assert_eq!(
                class(ours),
                class(theirs),
                "H0STCNT0 field {}: {ours:?} vs sample {theirs:?}",
                i + 1
            );
        }
        assert_eq!(r[33], "20261126", "BSOP_DATE");
        assert!(
            r[1].len() == 6 && r[1].as_str() >= "100000",
            "STCK_CNTG_HOUR {}",
            r[1]
        );
        assert!(["1", "2", "3", "4", "5"].contains(&r[3].as_str()));
        assert!(
            ["1", "3", "5"].contains(&r[21].as_str()),
            "CCLD_DVSN {}",
            r[21]
        );
        let price: i64 = r[2].parse().unwrap();
        let (high, low): (i64, i64) = (r[8].parse().unwrap(), r[9].parse().unwrap());
        assert!(low <= price && price <= high, "{r:?}");
    }
    // Accumulated volume grows by each trade's volume.
    for w in trades.windows(2) {
        let acc0: u64 = w[0][13].parse().unwrap();
        let (qty, acc1): (u64, u64) = (w[1][12].parse().unwrap(), w[1][13].parse().unwrap());
        assert_eq!(acc0 + qty, acc1, "{:?} → {:?}", w[0], w[1]);
    }
    assert!(!books.is_empty());
    for r in &books {
        for (i, (ours, theirs)) in r.iter().zip(&book_sample).enumerate() {
            assert_eq!(
                class(ours),
                class(theirs),
                "H0STASP0 field {}: {ours:?} vs sample {theirs:?}",
                i + 1
            );
        }
        let (ask1, bid1): (i64, i64) = (r[3].parse().unwrap(), r[13].parse().unwrap());
        assert!(bid1 < ask1, "{r:?}");
        assert_eq!(r[59], ((ask1 + bid1) / 2).to_string(), "the 2026 mid price");
        // Continuous trading: no expected fill (ANTC_CNPR 0, sign 5, −100.00).
        assert_eq!(
            (r[47].as_str(), r[51].as_str(), r[52].as_str()),
            ("0", "5", "-100.00")
        );
    }

    // The ground truth holds exactly the records received, in order.
    let received: Vec<String> = frames
        .iter()
        .flat_map(|f| split_frame(f, fields).unwrap().1)
        .map(|r| r.join("^"))
        .collect();
    assert_sent_in_order(&sim, &received);
}

#[tokio::test]
async fn books_have_59_fields_without_the_2026_trailer() {
    let sim = start(
        SimConfig {
            clock: hoga::sim::ClockMode::parse(&format!("accel:120@{DAY} 10:00:00")).unwrap(),
            ..SimConfig::default()
        }
        .ws_port(0)
        .ws(WsConfig {
            book_fields_2026: false,
            ..WsConfig::default()
        }),
    )
    .await;
    let frames = stream_frames(&sim, 3).await;
    let books: Vec<_> = frames
        .iter()
        .filter(|f| f.starts_with("0|H0STASP0|"))
        .collect();
    assert!(!books.is_empty());
    for f in books {
        let (_, recs) = split_frame(f, |_| 59).unwrap();
        assert!(recs.iter().all(|r| r.len() == 59), "{f}");
    }
}

#[tokio::test]
async fn auctions_stream_expected_fills_and_market_status_on_the_real_server() {
    let sim = sim_at("08:29:55", WsConfig::default()).await;
    let tok = token(&sim).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    let halted = hoga::sim::model::HALTED_CODE;
    for (tr, code) in [
        ("H0STANC0", "005930"),
        ("H0STMKO0", "005930"),
        ("H0STMKO0", halted),
        ("H0STCNT0", "005930"),
    ] {
        assert_eq!(
            request(&mut ws, &key, "1", tr, code).await,
            "OPSP0000",
            "{tr} {code}"
        );
    }
    let fields = |tr: &str| match tr {
        "H0STANC0" => 45,
        "H0STMKO0" => 11,
        _ => 46,
    };
    /// A data record: (tr_id, fields).
    type Record = (String, Vec<String>);
    // Reads data records until `done` holds.
    async fn until(
        ws: &mut Ws,
        fields: &dyn Fn(&str) -> usize,
        done: &dyn Fn(&[Record]) -> bool,
    ) -> Vec<Record> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done(&got) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "stream incomplete: {got:?}"
            );
            match next_msg(ws).await {
                Some(Message::Text(t)) if t.as_str().starts_with("0|") => {
                    let (tr, recs) = split_frame(t.as_str(), fields).unwrap();
                    for r in recs {
                        assert_eq!(r.len(), fields(&tr), "{tr}: {t}");
                        got.push((tr.clone(), r));
                    }
                }
                Some(Message::Text(t)) if t.as_str().contains("PINGPONG") => {
                    send_text(ws, t.as_str()).await;
                }
                Some(_) => {}
                None => panic!("stream ended"),
            }
        }
        got
    }
    sim.clock().advance(chrono::Duration::seconds(15 * 60 + 5));
    let got = until(&mut ws, &fields, &|g| {
        g.iter().any(|(tr, r)| tr == "H0STANC0" && r[1] == "084500")
    })
    .await;
    let status: Vec<_> = got.iter().filter(|(tr, _)| tr == "H0STMKO0").collect();
    assert_eq!(status.len(), 2, "{status:?}");
    let ours = status.iter().find(|(_, r)| r[0] == "005930").unwrap();
    assert_eq!(
        (
            ours.1[1].as_str(),
            ours.1[3].as_str(),
            ours.1[4].as_str(),
            ours.1[7].as_str()
        ),
        ("N", "110", "311", "00")
    );
    let theirs = status.iter().find(|(_, r)| r[0] == halted).unwrap();
    assert_eq!((theirs.1[1].as_str(), theirs.1[7].as_str()), ("Y", "58"));
    let expected: Vec<_> = got.iter().filter(|(tr, _)| tr == "H0STANC0").collect();
    assert!(
        expected.len() >= 90,
        "every 10 s of the auction: {}",
        expected.len()
    );
    assert!(
        expected.iter().all(|(_, r)| r[43] == "B"),
        "HOUR_CLS_CODE B (장전예상)"
    );
    assert!(
        !got.iter().any(|(tr, _)| tr == "H0STCNT0"),
        "no trade before the open"
    );
    // The latest expected fill is what REST's order book says at this instant.
    let last = &expected.last().unwrap().1;
    let (s, b) = get(
        &sim,
        &tok,
        "/inquire-asking-price-exp-ccn",
        "FHKST01010200",
        &[
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", "005930"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let o2 = &parse(&b)["output2"];
    assert_eq!(last[2], o2["antc_cnpr"].as_str().unwrap(), "expected price");
    assert_eq!(
        last[12],
        o2["antc_vol"].as_str().unwrap(),
        "expected volume"
    );
    // The open: 장개시 for both, then trades, and no more expected fills.
    sim.clock()
        .advance(chrono::Duration::minutes(15) + chrono::Duration::seconds(30));
    let got = until(&mut ws, &fields, &|g| {
        g.iter().any(|(tr, _)| tr == "H0STCNT0")
            && g.iter().filter(|(tr, _)| tr == "H0STMKO0").count() == 2
    })
    .await;
    let opened: Vec<_> = got.iter().filter(|(tr, _)| tr == "H0STMKO0").collect();
    assert_eq!(opened.len(), 2);
    assert!(opened.iter().all(|(_, r)| r[3] == "112"), "{opened:?}");
    assert!(
        got.iter()
            .filter(|(tr, _)| tr == "H0STANC0")
            .all(|(_, r)| r[1].as_str() < "090000")
    );
}

/// H0STMKO0 says when a static VI of the market model is triggered and released, at the
/// instants inquire-vi-status reports; hoga's parser reads it as the VI flag.
#[tokio::test]
async fn a_static_vi_is_streamed_on_h0stmko0_when_triggered_and_released() {
    use hoga::market::{LiveEvent, kst_to_utc};
    // A VI of the model's day, and the instant it is triggered.
    let probe = start(SimConfig::frozen(&format!("{DAY} 15:00"))).await;
    let vis = probe.market().vi_events_at(
        None,
        kst_to_utc(
            chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(15, 0, 0)
                .unwrap(),
        ),
    );
    let vi = vis
        .iter()
        .filter(|v| {
            v.triggered_at
                .is_some_and(|t| t < chrono::NaiveTime::from_hms_opt(14, 50, 0).unwrap())
        })
        .min_by_key(|v| v.triggered_at)
        .expect("the model has a static VI before 14:50")
        .clone();
    let on = vi.triggered_at.unwrap();
    let before = (on - chrono::Duration::seconds(20))
        .format("%H:%M:%S")
        .to_string();
    let sim = sim_at(&before, WsConfig::default()).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STMKO0", vi.code.as_str()).await,
        "OPSP0000"
    );
    // Past the trigger and the release two minutes later.
    sim.clock().advance(chrono::Duration::minutes(3));
    let mut dates = hoga::kis::wire::ws::Dates::new(
        chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap(),
    );
    // (VI_CLS_CODE as sent, the VI flag hoga reads), record by record.
    let mut flags: Vec<(String, bool)> = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while flags.len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "got {flags:?}");
        match next_msg(&mut ws).await {
            Some(Message::Text(t)) if t.as_str().starts_with("0|H0STMKO0") => {
                let (_, recs) = split_frame(t.as_str(), |_| 11).unwrap();
                let mut out = Vec::new();
                hoga::kis::wire::ws::parse_frame(t.as_str(), &mut dates, &mut out).expect("parses");
                assert_eq!(out.len(), recs.len());
                for (r, e) in recs.iter().zip(out) {
                    assert_eq!(r[0], vi.code.as_str());
                    match e {
                        LiveEvent::Status(st) => flags.push((r[8].clone(), st.flags.vi)),
                        other => panic!("{other:?}"),
                    }
                }
            }
            Some(Message::Text(t)) if t.as_str().contains("PINGPONG") => {
                send_text(&mut ws, t.as_str()).await;
            }
            Some(_) => {}
            None => panic!("stream ended"),
        }
    }
    assert_eq!(
        flags,
        [("Y".to_string(), true), ("N".to_string(), false)],
        "triggered, then released"
    );
}

//! kis-sim's WebSocket faults, set at run time through `/_sim/ws/…` over HTTP: dropping every
//! session (TCP closed, no close frame), stalling one (no data, no PINGPONG), refusing
//! connections, junk frames, unknown TRs, extra trailing fields and slow acks; and the ground
//! truth that records what was actually sent.

mod sim_common;

use hoga::sim::{ClockMode, SimConfig, SimHandle, WsConfig};
use serde_json::{Value, json};
use sim_common::*;

const DAY: &str = "2026-11-26";

async fn admin(sim: &SimHandle, path: &str, body: Value) -> Value {
    let r = http()
        .post(format!("{}/_sim/ws/{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().await.unwrap()
}

async fn admin_get(sim: &SimHandle, path: &str) -> Value {
    http()
        .get(format!("{}/_sim/ws/{path}", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn accel(ws: WsConfig) -> SimConfig {
    SimConfig {
        clock: ClockMode::parse(&format!("accel:60@{DAY} 10:00:00")).unwrap(),
        ..SimConfig::default()
    }
    .ws_port(0)
    .ws(ws)
}

/// Reads until a data frame arrives (echoing PINGPONG); returns it.
async fn next_data(ws: &mut Ws) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no data frame");
        match next_msg(ws).await {
            Some(Message::Text(t)) if t.as_str().starts_with("0|H0ST") => {
                return t.as_str().to_string();
            }
            Some(Message::Text(t)) if t.as_str().contains("\"PINGPONG\"") => {
                send_text(ws, t.as_str()).await;
            }
            Some(Message::Close(c)) => panic!("closed: {c:?}"),
            Some(_) => {}
            None => panic!("no data"),
        }
    }
}

#[tokio::test]
async fn drop_closes_every_session_without_a_close_frame_and_holds_the_slot() {
    let sim = start(accel(WsConfig {
        slot_hold_secs: 1.0e6,
        ..WsConfig::default()
    }))
    .await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    next_data(&mut ws).await;
    admin(&sim, "drop", json!({})).await;
    // Everything up to the end of the stream, and never a close frame.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dropped stream went on"
        );
        match next_msg(&mut ws).await {
            Some(Message::Close(c)) => panic!("a close frame came: {c:?}"),
            Some(_) => {}
            None => break,
        }
    }
    let sessions = admin_get(&sim, "sessions").await;
    assert_eq!(sessions[0]["end"], "dropped", "{sessions}");
    // The slot is held: a reconnect gets OPSP8996 until the hold is released.
    let mut again = ws_connect(&sim).await;
    assert_eq!(
        request(&mut again, &key, "1", "H0STCNT0", "005930").await,
        "OPSP8996"
    );
    admin(&sim, "clear", json!({})).await;
    assert_eq!(
        request(&mut again, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    next_data(&mut again).await;
    assert_eq!(sim.stats().faults_injected.get("ws_drop"), Some(&1));
}

#[tokio::test]
async fn a_stalled_session_gets_no_data_and_no_pingpong_and_loses_what_fell_due() {
    // Frozen clock: the test moves the market; pings every 50 ms of wall time.
    let sim = start(
        SimConfig::frozen(&format!("{DAY} 10:00:00"))
            .ws_port(0)
            .ws(WsConfig {
                ping_secs: 0.05,
                echo_timeout_secs: 0.5,
                ..WsConfig::default()
            }),
    )
    .await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    let id = sim.ws().sessions()[0].id;
    admin(&sim, "stall", json!({"secs": 1.0e6, "session": id})).await;
    eventually("the session enters the stall", || {
        sim.ws().sessions()[0].stalls_seen == 1
    })
    .await;
    let stalled_at = chrono::Utc::now();
    let sent_before = sim.ws().sent(Some(id)).len();
    // Ten minutes of trades fall due while stalled, and well over the echo timeout passes.
    sim.clock().advance(chrono::Duration::minutes(10));
    // Give the stalled session time to misbehave: longer than the echo timeout.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let resumed_at = chrono::Utc::now();
    admin(&sim, "clear", json!({})).await;
    assert_eq!(
        sim.ws().sent(Some(id)).len(),
        sent_before,
        "data sent while stalled"
    );
    assert!(
        sim.ws()
            .pings()
            .iter()
            .all(|p| p.wall < stalled_at || p.wall > resumed_at),
        "PINGPONG sent while stalled"
    );
    assert!(
        sim.ws().sessions()[0].ended.is_none(),
        "the stall ended the session"
    );
    // After the stall (PINGPONG again shows the session is back): only what happens from now on.
    eventually("PINGPONG resumes", || {
        sim.ws().pings().iter().any(|p| p.wall > resumed_at)
    })
    .await;
    sim.clock().advance(chrono::Duration::minutes(1));
    let f = next_data(&mut ws).await;
    let (_, recs) = split_frame(&f, |_| 46).unwrap();
    assert!(
        recs.iter().all(|r| r[1].as_str() > "101000"),
        "stale data after the stall: {f}"
    );
}

#[tokio::test]
async fn refused_connections_fail_the_handshake_until_cleared() {
    let sim = start(accel(WsConfig::default())).await;
    admin(&sim, "refuse", json!({"secs": 1.0e6})).await;
    let url = format!("{}/tryitout", sim.ws_url().unwrap());
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());
    assert!(sim.ws().refused() >= 1);
    admin(&sim, "clear", json!({})).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
}

#[tokio::test]
async fn junk_unknown_trs_and_extra_fields_and_the_truth_of_what_was_sent() {
    let sim = start(accel(WsConfig::default())).await;
    let set = admin(
        &sim,
        "faults",
        json!({"malformed": 0.5, "unknown_tr": 0.5, "extra_fields": true}),
    )
    .await;
    assert_eq!(set["extra_fields"], true);
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
    let (mut records, mut junk, mut unknown) = (Vec::new(), 0, 0);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while records.len() < 60 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} records",
            records.len()
        );
        match next_msg(&mut ws).await {
            Some(Message::Text(t)) => {
                let t = t.as_str();
                if t.contains("\"PINGPONG\"") {
                    send_text(&mut ws, t).await;
                } else if t.starts_with("0|H0ZZZZZ0|") {
                    unknown += 1;
                } else if let Some((tr, recs)) =
                    split_frame(t, |tr| if tr == "H0STCNT0" { 46 } else { 62 })
                    && (tr == "H0STCNT0" || tr == "H0STASP0")
                {
                    let width = if tr == "H0STCNT0" { 49 } else { 65 };
                    assert!(
                        recs.iter().all(|r| r.len() == width),
                        "three extra fields: {t}"
                    );
                    records.extend(recs.into_iter().map(|r| r.join("^")));
                } else {
                    junk += 1;
                }
            }
            Some(Message::Binary(_)) => junk += 1,
            Some(_) => {}
            None => panic!("stream ended"),
        }
    }
    assert!(junk > 0 && unknown > 0, "junk {junk}, unknown {unknown}");
    assert_sent_in_order(&sim, &records);
    let sent = admin_get(&sim, "sent?tr_id=H0STCNT0").await;
    assert!(
        sent.as_array()
            .unwrap()
            .iter()
            .all(|r| r["tr_id"] == "H0STCNT0")
    );
    let logged = sim.ws().junk();
    assert!(logged.len() >= junk + unknown);
    assert!(logged.iter().any(|j| j.kind == "unknown_tr"));
    // Sequence numbers: junk and data frames of one session never share one.
    let mut seqs: Vec<u64> = logged.iter().map(|j| j.seq).collect();
    seqs.extend(
        sim.ws()
            .sent(None)
            .iter()
            .filter(|r| r.index == 0)
            .map(|r| r.seq),
    );
    let count = seqs.len();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), count);
}

#[tokio::test]
async fn slow_subscribes_are_answered_late() {
    let sim = start(accel(WsConfig::default())).await;
    admin(&sim, "faults", json!({"slow_subscribe_ms": 300})).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    let asked = std::time::Instant::now();
    assert_eq!(
        request(&mut ws, &key, "1", "H0STCNT0", "005930").await,
        "OPSP0000"
    );
    // The delay is a lower bound the server sleeps, not a speed claim.
    assert!(asked.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(
        sim.stats().faults_injected.get("ws_slow_subscribe"),
        Some(&1)
    );
    let r = http()
        .delete(format!("{}/_sim/ws/faults", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(admin_get(&sim, "faults").await["slow_subscribe_ms"], 0);
}

#[tokio::test]
async fn config_and_registrations_over_http() {
    let sim = start(accel(WsConfig::default())).await;
    let c = admin(
        &sim,
        "config",
        json!({"max_registrations": 2, "ping_secs": 5.0}),
    )
    .await;
    assert_eq!(
        (c["max_registrations"].as_u64(), c["ping_secs"].as_f64()),
        (Some(2), Some(5.0))
    );
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
        request(&mut ws, &key, "1", "H0STCNT0", "000660").await,
        "OPSP0008"
    );
    let regs = admin_get(&sim, "registrations").await;
    let current = regs["current"].as_object().unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(
        current.values().next().unwrap().as_array().unwrap().len(),
        2
    );
    // Two registrations and the refusal at the cap.
    let actions: Vec<&str> = regs["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["register", "register", "refused"]);
    let r = http()
        .post(format!("{}/_sim/ws/config", sim.base_url()))
        .json(&json!({"max_batch": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn periodic_drops_by_flag_end_every_session_on_schedule() {
    // Every 120 s of sim time at 60×: a drop about every 2 s of wall time.
    let mut faults = hoga::sim::WsFaults::default();
    faults.apply("drop:every=120").unwrap();
    assert!(faults.apply("stall:every=0").is_err());
    assert!(faults.apply("refuse").is_err(), "every= is required");
    faults.apply("refuse:every=600,secs=5").unwrap();
    assert_eq!((faults.refuse_every_secs, faults.refuse_secs), (600.0, 5.0));
    faults.refuse_every_secs = 0.0;
    let sim = start(accel(WsConfig {
        slot_hold_secs: 0.0,
        faults,
        ..WsConfig::default()
    }))
    .await;
    let key = approval(&sim).await;
    let started = std::time::Instant::now();
    for round in 0..2 {
        // The server may not have ended the dropped session yet: its slot frees within moments.
        let mut tries = 0;
        let mut ws = loop {
            let mut ws = ws_connect(&sim).await;
            match request(&mut ws, &key, "1", "H0STCNT0", "005930")
                .await
                .as_str()
            {
                "OPSP0000" => break ws,
                "OPSP8996" if tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                other => panic!("round {round}: {other}"),
            }
        };
        next_data(&mut ws).await;
        // The session ends by itself, without a close frame.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no periodic drop within 10 s"
            );
            match next_msg(&mut ws).await {
                Some(Message::Close(c)) => panic!("a close frame came: {c:?}"),
                Some(Message::Text(t)) if t.as_str().contains("\"PINGPONG\"") => {
                    send_text(&mut ws, t.as_str()).await;
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    // Two drops, at least one period apart and not much more.
    let took = started.elapsed().as_secs_f64();
    assert!((1.5..12.0).contains(&took), "{took} s");
    assert!(
        sim.stats()
            .faults_injected
            .get("ws_drop")
            .copied()
            .unwrap_or(0)
            >= 2
    );
}

//! One market: the trades kis-sim streams over the WebSocket are the trades behind its REST
//! answers. Up to any instant, the streamed CNTG_VOL sum to the REST quote's ACML_VOL (and the
//! last trade carries its ACML_VOL, ACML_TR_PBMN, price, open, high and low), and the trades of
//! each minute are that minute's REST bar (OHLC, volume, accumulated value).

mod sim_common;

use hoga::sim::{ClockMode, SimConfig, SimHandle};
use serde_json::Value;
use sim_common::*;
use std::collections::BTreeMap;

const DAY: &str = "2026-11-26";
const CODES: [&str; 3] = ["005930", "000660", "035720"];

fn n(r: &[String], field: usize) -> i64 {
    r[field - 1]
        .parse()
        .unwrap_or_else(|_| panic!("field {field} of {r:?}"))
}

/// Trades received per code, in arrival order.
#[derive(Default)]
struct Tape(BTreeMap<String, Vec<Vec<String>>>);

impl Tape {
    fn volume(&self, code: &str) -> i64 {
        self.0
            .get(code)
            .map(|t| t.iter().map(|r| n(r, 13)).sum())
            .unwrap_or(0)
    }

    fn last(&self, code: &str) -> Option<&Vec<String>> {
        self.0.get(code).and_then(|t| t.last())
    }
}

/// Reads frames into `tape` (echoing PINGPONG) until `done` holds.
async fn read_until(ws: &mut Ws, tape: &mut Tape, what: &str, done: impl Fn(&Tape) -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done(tape) {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        let Some(m) = next_msg(ws).await else {
            panic!("stream ended before: {what}");
        };
        let Message::Text(t) = m else { continue };
        let t = t.as_str();
        if t.contains("\"PINGPONG\"") {
            send_text(ws, t).await;
            continue;
        }
        if let Some((tr, recs)) = split_frame(t, |_| 46)
            && tr == "H0STCNT0"
        {
            for r in recs {
                assert_eq!(r.len(), 46);
                tape.0.entry(r[0].clone()).or_default().push(r);
            }
        }
    }
}

async fn quote(sim: &SimHandle, tok: &str, code: &str) -> Value {
    let (s, b) = get(
        sim,
        tok,
        "/inquire-price",
        "FHKST01010100",
        &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code)],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    parse(&b)["output"].clone()
}

async fn minutes(sim: &SimHandle, tok: &str, code: &str, upto: &str) -> Vec<Value> {
    let (s, b) = get(
        sim,
        tok,
        "/inquire-time-itemchartprice",
        "FHKST03010200",
        &[
            ("FID_ETC_CLS_CODE", ""),
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", code),
            ("FID_INPUT_HOUR_1", upto),
            ("FID_PW_DATA_INCU_YN", "Y"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    parse(&b)["output2"].as_array().unwrap().clone()
}

fn num(v: &Value, k: &str) -> i64 {
    v[k].as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{k} in {v}"))
}

/// The streamed tape of `code` agrees with the REST quote at this instant.
fn assert_quote_agrees(tape: &Tape, code: &str, q: &Value, vol_before: i64) {
    assert_eq!(
        tape.volume(code),
        num(q, "acml_vol") - vol_before,
        "{code}: Σ CNTG_VOL"
    );
    let last = tape
        .last(code)
        .unwrap_or_else(|| panic!("no trade of {code}"));
    assert_eq!(n(last, 14), num(q, "acml_vol"), "{code} ACML_VOL");
    assert_eq!(n(last, 15), num(q, "acml_tr_pbmn"), "{code} ACML_TR_PBMN");
    assert_eq!(n(last, 3), num(q, "stck_prpr"), "{code} price");
    assert_eq!(n(last, 8), num(q, "stck_oprc"), "{code} open");
    assert_eq!(n(last, 9), num(q, "stck_hgpr"), "{code} high");
    assert_eq!(n(last, 10), num(q, "stck_lwpr"), "{code} low");
}

#[tokio::test]
async fn streamed_trades_are_the_trades_behind_rest() {
    // REST is asked often here; the rate limit is not what this test is about.
    let sim = start(
        SimConfig::frozen(&format!("{DAY} 09:59:55"))
            .rate(1_000)
            .ws_port(0),
    )
    .await;
    let tok = token(&sim).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    let mut before = BTreeMap::new();
    for c in CODES {
        assert_eq!(request(&mut ws, &key, "1", "H0STCNT0", c).await, "OPSP0000");
        before.insert(c, num(&quote(&sim, &tok, c).await, "acml_vol"));
    }
    let mut tape = Tape::default();
    // Move the frozen clock 30 s at a time; after each move the stream catches up with REST.
    for _ in 0..7 {
        sim.clock().advance(chrono::Duration::seconds(30));
        let mut want = BTreeMap::new();
        for c in CODES {
            want.insert(c, num(&quote(&sim, &tok, c).await, "acml_vol") - before[c]);
        }
        read_until(
            &mut ws,
            &mut tape,
            "the stream reaches REST's ACML_VOL",
            |t| CODES.iter().all(|c| t.volume(c) >= want[c]),
        )
        .await;
        for c in CODES {
            assert_quote_agrees(&tape, c, &quote(&sim, &tok, c).await, before[c]);
        }
    }
    // Now 10:03:25. The finished minutes 10:00–10:02 and the forming 10:03 are REST's bars.
    for c in CODES {
        let rows = minutes(&sim, &tok, c, "100325").await;
        let mut by_minute: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
        for r in &tape.0[c] {
            by_minute.entry(r[1][..4].to_string()).or_default().push(r);
        }
        for minute in ["1000", "1001", "1002", "1003"] {
            let row = rows
                .iter()
                .find(|r| r["stck_cntg_hour"] == format!("{minute}00"))
                .unwrap_or_else(|| panic!("{c}: no REST bar {minute}"));
            let ts = &by_minute[minute];
            let first = ts.first().unwrap();
            let last = ts.last().unwrap();
            assert_eq!(n(first, 3), num(row, "stck_oprc"), "{c} {minute} open");
            assert_eq!(
                ts.iter().map(|r| n(r, 3)).max().unwrap(),
                num(row, "stck_hgpr"),
                "{c} {minute} high"
            );
            assert_eq!(
                ts.iter().map(|r| n(r, 3)).min().unwrap(),
                num(row, "stck_lwpr"),
                "{c} {minute} low"
            );
            assert_eq!(n(last, 3), num(row, "stck_prpr"), "{c} {minute} close");
            assert_eq!(
                ts.iter().map(|r| n(r, 13)).sum::<i64>(),
                num(row, "cntg_vol"),
                "{c} {minute} volume"
            );
            assert_eq!(
                n(last, 15),
                num(row, "acml_tr_pbmn"),
                "{c} {minute} value so far"
            );
        }
        // Nothing from before the subscription was streamed.
        assert!(tape.0[c].iter().all(|r| r[1].as_str() >= "095955"));
    }
}

#[tokio::test]
async fn an_accelerated_clock_streams_the_same_market_faster() {
    let sim = start(
        SimConfig {
            clock: ClockMode::parse(&format!("accel:60@{DAY} 10:00:00")).unwrap(),
            ..SimConfig::default()
        }
        .ws_port(0),
    )
    .await;
    let tok = token(&sim).await;
    let key = approval(&sim).await;
    let mut ws = ws_connect(&sim).await;
    for c in CODES {
        assert_eq!(request(&mut ws, &key, "1", "H0STCNT0", c).await, "OPSP0000");
    }
    let mut tape = Tape::default();
    read_until(&mut ws, &mut tape, "two sim minutes of trades", |t| {
        CODES
            .iter()
            .all(|c| t.last(c).is_some_and(|r| r[1].as_str() >= "100200"))
    })
    .await;
    // Freeze where the clock is; the stream catches up to that instant and agrees with REST.
    let now = hoga::clock::Clock::now(sim.clock());
    sim.clock().set(now);
    let mut want = BTreeMap::new();
    for c in CODES {
        want.insert(c, num(&quote(&sim, &tok, c).await, "acml_vol"));
    }
    read_until(
        &mut ws,
        &mut tape,
        "the stream reaches the frozen instant",
        |t| {
            CODES
                .iter()
                .all(|c| t.last(c).is_some_and(|r| n(r, 14) >= want[c]))
        },
    )
    .await;
    for c in CODES {
        let first = &tape.0[c][0];
        let before = n(first, 14) - n(first, 13);
        assert_quote_agrees(&tape, c, &quote(&sim, &tok, c).await, before);
    }
}

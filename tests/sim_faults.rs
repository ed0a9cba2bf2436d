//! Every fault kis-sim injects, set through the library and the `/_sim/` admin routes, seen
//! from a real HTTP client; plus the admin routes for tokens, clock, stats and ground truth.

mod sim_common;

use hoga::market::StockCode;
use hoga::sim::{FaultKind, FaultRule, SimConfig, SimHandle};
use serde_json::{Value, json};
use sim_common::*;
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-26 13:00";
const PRICE: [(&str, &str); 2] = [
    ("FID_COND_MRKT_DIV_CODE", "J"),
    ("FID_INPUT_ISCD", "005930"),
];

async fn setup() -> (SimHandle, String) {
    let sim = start(SimConfig::frozen(NOW).rate(1_000)).await;
    let tok = token(&sim).await;
    (sim, tok)
}

async fn price(sim: &SimHandle, tok: &str) -> (u16, String) {
    get(sim, tok, "/inquire-price", "FHKST01010100", &PRICE).await
}

async fn chart(sim: &SimHandle, tok: &str) -> (u16, String) {
    get(
        sim,
        tok,
        "/inquire-daily-itemchartprice",
        "FHKST03010100",
        &[
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", "005930"),
            ("FID_INPUT_DATE_1", "20260801"),
            ("FID_INPUT_DATE_2", "20261126"),
            ("FID_PERIOD_DIV_CODE", "D"),
            ("FID_ORG_ADJ_PRC", "0"),
        ],
    )
    .await
}

async fn admin(sim: &SimHandle, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut r = http().request(method, format!("{}/_sim{}", sim.base_url(), path));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap()
}

#[tokio::test]
async fn transient_500s_then_recovery() {
    let (sim, tok) = setup().await;
    sim.add_fault(FaultRule::always(FaultKind::Transient { code: None }).times(2));
    for _ in 0..2 {
        let (s, b) = price(&sim, &tok).await;
        assert_eq!(s, 500);
        let v = parse(&b);
        assert_eq!(keys(&v), ["rt_cd", "msg1", "msg_cd"]);
        assert_eq!(v["msg_cd"], "EGW00001");
    }
    assert_eq!(price(&sim, &tok).await.0, 200);
    sim.add_fault(
        FaultRule::always(FaultKind::Transient {
            code: Some("EGW00002".into()),
        })
        .times(1),
    );
    assert_eq!(parse(&price(&sim, &tok).await.1)["msg_cd"], "EGW00002");
    assert_eq!(sim.stats().faults_injected.get("transient"), Some(&3));
}

#[tokio::test]
async fn transient_rate_is_roughly_honoured() {
    let (sim, tok) = setup().await;
    sim.add_fault(FaultRule::always(FaultKind::Transient { code: None }).rate(0.3));
    let mut failed = 0;
    for _ in 0..100 {
        if price(&sim, &tok).await.0 == 500 {
            failed += 1;
        }
    }
    assert!((10..=55).contains(&failed), "{failed}");
}

#[tokio::test]
async fn latency_hang_and_drop() {
    let (sim, tok) = setup().await;
    sim.add_fault(
        FaultRule::always(FaultKind::Latency {
            ms: 300,
            jitter_ms: 0,
        })
        .times(1),
    );
    let t = Instant::now();
    assert_eq!(price(&sim, &tok).await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    sim.add_fault(FaultRule::always(FaultKind::Hang { ms: None }).times(1));
    let r = http()
        .get(format!("{}{}/inquire-price", sim.base_url(), Q))
        .query(&PRICE)
        .timeout(Duration::from_millis(400))
        .send()
        .await;
    assert!(r.is_err_and(|e| e.is_timeout()), "a hung request times out");

    sim.add_fault(FaultRule::always(FaultKind::Drop).times(1));
    let t = Instant::now();
    let r = http()
        .get(format!("{}{}/inquire-price", sim.base_url(), Q))
        .query(&PRICE)
        .send()
        .await;
    match r {
        Err(e) => assert!(!e.is_timeout(), "{e}"),
        Ok(resp) => assert!(
            resp.text().await.is_err(),
            "dropped connection yields no body"
        ),
    }
    assert!(t.elapsed() < Duration::from_secs(10));
    // The server is fine afterwards.
    assert_eq!(price(&sim, &tok).await.0, 200);
    let f = sim.stats().faults_injected;
    assert_eq!((f["latency"], f["hang"], f["drop"]), (1, 1, 1));
}

#[tokio::test]
async fn broken_bodies() {
    let (sim, tok) = setup().await;
    let (_, good) = price(&sim, &tok).await;
    sim.add_fault(FaultRule::always(FaultKind::Truncate).times(1));
    let (s, b) = price(&sim, &tok).await;
    assert_eq!(s, 200);
    assert!(serde_json::from_str::<Value>(&b).is_err());
    assert!(b.len() < good.len() && good.starts_with(&b[..b.len() - 8]));

    sim.add_fault(FaultRule::always(FaultKind::Malformed).times(1));
    let (s, b) = price(&sim, &tok).await;
    assert_eq!(s, 200);
    assert!(serde_json::from_str::<Value>(&b).is_err(), "{b}");

    sim.add_fault(FaultRule::always(FaultKind::Html).times(1));
    let r = http()
        .get(format!("{}{}/inquire-price", sim.base_url(), Q))
        .query(&PRICE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 502);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<html>"));
}

#[tokio::test]
async fn empty_rows_and_bad_bars_only_where_asked() {
    let (sim, tok) = setup().await;
    sim.add_fault(
        FaultRule::always(FaultKind::EmptyRows)
            .on("FHKST03010100")
            .times(1),
    );
    // Not this endpoint.
    assert_eq!(price(&sim, &tok).await.0, 200);
    let v = parse(&chart(&sim, &tok).await.1);
    let rows = v["output2"].as_array().unwrap();
    assert_eq!(rows[0], json!({}));
    assert_eq!(rows[rows.len() - 1], json!({}));

    let num = |r: &Value, k: &str| r[k].as_str().unwrap().parse::<i64>().unwrap();
    sim.add_fault(
        FaultRule::always(FaultKind::BadBarHighLow)
            .on("inquire-daily-itemchartprice")
            .times(1),
    );
    let v = parse(&chart(&sim, &tok).await.1);
    let bad: Vec<&Value> = v["output2"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| num(r, "stck_hgpr") < num(r, "stck_lwpr"))
        .collect();
    assert_eq!(bad.len(), 1);

    sim.add_fault(
        FaultRule::always(FaultKind::BadBarOffGrid)
            .on("FHKST03010100")
            .times(1),
    );
    let v = parse(&chart(&sim, &tok).await.1);
    let off: Vec<&Value> = v["output2"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !hoga::market::on_grid(hoga::market::Krw(num(r, "stck_clpr"))))
        .collect();
    assert_eq!(off.len(), 1);
    // And clean again afterwards.
    let v = parse(&chart(&sim, &tok).await.1);
    assert!(
        v["output2"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| num(r, "stck_hgpr") >= num(r, "stck_lwpr"))
    );
}

#[tokio::test]
async fn admin_routes_drive_faults_tokens_clock_and_truth() {
    let (sim, tok) = setup().await;
    // A rate-limit storm via the admin route.
    let rules = admin(
        &sim,
        reqwest::Method::POST,
        "/faults",
        Some(json!({"kind": "rate_limit", "endpoint": "FHKST01010100", "count": 3})),
    )
    .await;
    assert_eq!(rules.as_array().unwrap().len(), 1);
    for _ in 0..3 {
        let (s, b) = price(&sim, &tok).await;
        assert_eq!(s, 500);
        assert_eq!(parse(&b)["msg_cd"], "EGW00201");
    }
    assert_eq!(price(&sim, &tok).await.0, 200);
    admin(
        &sim,
        reqwest::Method::POST,
        "/faults",
        Some(json!([{"kind": "transient"}])),
    )
    .await;
    admin(&sim, reqwest::Method::DELETE, "/faults", None).await;
    assert_eq!(price(&sim, &tok).await.0, 200);

    let stats = admin(&sim, reqwest::Method::GET, "/stats", None).await;
    assert_eq!(stats["faults_injected"]["rate_limit"], 3);
    assert_eq!(stats["rate_limited"], 3);
    assert!(
        stats["requests_by_tr_id"]["FHKST01010100"]
            .as_u64()
            .unwrap()
            >= 5
    );
    assert_eq!(stats["tokens_issued"], 1);

    // Ground truth matches what the endpoint served.
    let truth = admin(&sim, reqwest::Method::GET, "/truth/quote/005930", None).await;
    let served = parse(&price(&sim, &tok).await.1);
    assert_eq!(
        served["output"]["stck_prpr"],
        truth["price"].as_i64().unwrap().to_string()
    );
    let served_log = admin(&sim, reqwest::Method::GET, "/served?n=1", None).await;
    assert_eq!(served_log[0]["tr_id"], "FHKST01010100");
    let book = admin(&sim, reqwest::Method::GET, "/truth/book/005930", None).await;
    assert_eq!(book["asks"].as_array().unwrap().len(), 10);
    let daily = admin(
        &sim,
        reqwest::Method::GET,
        "/truth/daily/005930?from=20261101&to=20261126",
        None,
    )
    .await;
    assert_eq!(daily.as_array().unwrap().len(), 19);
    let listing = admin(&sim, reqwest::Method::GET, "/truth/listing/005935", None).await;
    assert_eq!(listing["kind"], "preferred");

    // Clock: move past the close; quotes become final.
    let c = admin(
        &sim,
        reqwest::Method::POST,
        "/clock",
        Some(json!({"mode": "frozen:2026-11-26 16:00"})),
    )
    .await;
    assert_eq!(c["kst"], "2026-11-26 16:00:00");
    let q = sim
        .market()
        .quote(StockCode::new("005930").unwrap())
        .unwrap();
    let bar = sim
        .market()
        .final_day_bar(
            StockCode::new("005930").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        )
        .unwrap();
    assert_eq!(q.price.0, bar.close);

    // Early expiry, then revocation.
    admin(&sim, reqwest::Method::POST, "/tokens/expire", None).await;
    assert_eq!(parse(&price(&sim, &tok).await.1)["msg_cd"], "EGW00123");
    admin(&sim, reqwest::Method::POST, "/tokens/reset-guard", None).await;
    let tok2 = token(&sim).await;
    assert_ne!(tok2, tok);
    admin(&sim, reqwest::Method::POST, "/tokens/revoke", None).await;
    assert_eq!(parse(&price(&sim, &tok2).await.1)["msg_cd"], "EGW00121");
}

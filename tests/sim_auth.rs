//! kis-sim's auth rules and rate limit over real HTTP: 6 h reuse, one tokenP per minute
//! (HTTP 403 EGW00133), expiry by TTL on the sim clock (no sleeping), bad keys, revocation,
//! the per-appkey sliding window under a burst, and stop/restart on the same port.

mod sim_common;

use chrono::Duration;
use hoga::sim::{SimConfig, TEST_APP_KEY, TEST_APP_SECRET};
use serde_json::Value;
use sim_common::*;

const NOW: &str = "2026-11-26 10:00";
const PRICE: [(&str, &str); 2] = [
    ("FID_COND_MRKT_DIV_CODE", "J"),
    ("FID_INPUT_ISCD", "005930"),
];

#[tokio::test]
async fn same_token_within_six_hours_and_one_issue_per_minute() {
    let sim = start(SimConfig::frozen(NOW)).await;
    let first = token(&sim).await;
    // Again within 60 s: refused with the OAuth-shaped body, HTTP 403.
    sim.clock().advance(Duration::seconds(59));
    let (s, b) = token_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 403);
    assert_eq!(
        b,
        r#"{"error_description":"접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)","error_code":"EGW00133"}"#
    );
    // After a minute, within 6 h: the same token, with the remaining lifetime.
    sim.clock().advance(Duration::seconds(2));
    let (s, b) = token_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 200);
    let v: Value = parse(&b);
    assert_eq!(v["access_token"], first.as_str());
    assert_eq!(v["expires_in"], 86_400 - 61);
    sim.clock().advance(Duration::hours(5));
    assert_eq!(token(&sim).await, first);
    // Past 6 h: a new token; the old one stays valid until its own expiry.
    sim.clock().advance(Duration::hours(1));
    let second = token(&sim).await;
    assert_ne!(second, first);
    let (s, _) = get(&sim, &first, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 200);
    let st = sim.stats();
    assert_eq!(st.tokens_issued, 2);
    assert_eq!(st.tokens_reused, 2);
    assert_eq!(st.token_refusals, 1);
    assert_eq!(st.errors_by_code.get("EGW00133"), Some(&1));
}

#[tokio::test]
async fn tokens_expire_after_their_ttl() {
    let sim = start(SimConfig::frozen(NOW).token_ttl(Duration::minutes(10))).await;
    let tok = token(&sim).await;
    let (s, _) = get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 200);
    sim.clock().advance(Duration::minutes(10));
    let (s, b) = get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 500);
    assert_eq!(parse(&b)["msg_cd"], "EGW00123");
    // A fresh token is issued (the old one expired, so no reuse).
    let again = token(&sim).await;
    assert_ne!(again, tok);
    let (s, _) = get(&sim, &again, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn bad_credentials_are_refused() {
    let sim = start(SimConfig::frozen(NOW)).await;
    let (s, b) = token_raw(
        &sim,
        "PSnotakey000000000000000000000000000",
        TEST_APP_SECRET,
    )
    .await;
    assert_eq!(s, 403);
    let v = parse(&b);
    assert_eq!(keys(&v), ["error_description", "error_code"]);
    assert_eq!(v["error_code"], "EGW00103");
    let (s, b) = token_raw(&sim, TEST_APP_KEY, "wrong").await;
    assert_eq!(s, 403);
    assert_eq!(parse(&b)["error_code"], "EGW00105");
    // A token of another appkey is invalid for this one.
    let sim2 = start(SimConfig {
        app_keys: vec![
            (TEST_APP_KEY.into(), TEST_APP_SECRET.into()),
            (
                "PSsecondkey000000000000000000000000".into(),
                TEST_APP_SECRET.into(),
            ),
        ],
        ..SimConfig::frozen(NOW)
    })
    .await;
    let tok = token(&sim2).await;
    let (s, b) = get_with(
        &sim2,
        &tok,
        "/inquire-price",
        "FHKST01010100",
        &PRICE,
        "PSsecondkey000000000000000000000000",
        "P",
    )
    .await;
    assert_eq!(s, 500);
    assert_eq!(parse(&b)["msg_cd"], "EGW00121");
}

#[tokio::test]
async fn burst_over_the_limit_gets_egw00201() {
    let sim = start(SimConfig::frozen(NOW).rate(5)).await;
    let tok = token(&sim).await;
    let started = std::time::Instant::now();
    let calls = (0..20).map(|_| get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE));
    let results = futures::future::join_all(calls).await;
    let elapsed = started.elapsed();
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let limited: Vec<&String> = results
        .iter()
        .filter(|(s, _)| *s == 500)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(ok + limited.len(), 20);
    for b in &limited {
        assert_eq!(
            b.as_str(),
            r#"{"rt_cd":"1","msg1":"초당 거래건수를 초과하였습니다.","msg_cd":"EGW00201"}"#
        );
    }
    // At most 5 per sliding second: exactly 5 if the burst fit in one second.
    let windows = elapsed.as_secs() as usize + 1;
    assert!(ok >= 5 && ok <= 5 * windows, "{ok} ok in {elapsed:?}");
    if elapsed < std::time::Duration::from_millis(900) {
        assert_eq!(ok, 5);
    }
    assert_eq!(sim.stats().rate_limited as usize, limited.len());
    // After a second the budget is back.
    tokio::time::sleep(std::time::Duration::from_millis(1_050)).await;
    let (s, _) = get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn virtual_server_allows_one_per_second_by_default() {
    let sim = start(SimConfig::frozen(NOW).virtual_server()).await;
    let tok = token(&sim).await;
    let (a, b) = futures::join!(
        get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE),
        get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 500]);
}

#[tokio::test]
async fn restart_on_the_same_port_keeps_tokens() {
    let mut sim = start(SimConfig::frozen(NOW)).await;
    let tok = token(&sim).await;
    let url = sim.base_url();
    let (s, _) = get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 200);
    sim.stop().await;
    assert!(!sim.is_running());
    let down = http()
        .get(format!("{url}/_sim/stats"))
        .timeout(std::time::Duration::from_secs(2))
        .send()
        .await;
    assert!(down.is_err(), "stopped server must refuse connections");
    sim.restart().await.unwrap();
    assert_eq!(sim.base_url(), url);
    let (s, _) = get(&sim, &tok, "/inquire-price", "FHKST01010100", &PRICE).await;
    assert_eq!(s, 200, "token survives a restart");
}

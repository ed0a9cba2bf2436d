//! Shared helpers for the kis-sim tests: start a server, get a token, call a TR over HTTP.
#![allow(dead_code)]

use hoga::sim::{SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use serde_json::Value;

pub const Q: &str = "/uapi/domestic-stock/v1/quotations";

pub async fn start(cfg: SimConfig) -> SimHandle {
    SimServer::start(cfg).await.expect("kis-sim starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

/// POST /oauth2/tokenP with the test credentials: (status, body).
pub async fn token_raw(sim: &SimHandle, key: &str, secret: &str) -> (u16, String) {
    let r = http()
        .post(format!("{}/oauth2/tokenP", sim.base_url()))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"grant_type":"client_credentials","appkey":key,"appsecret":secret})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub async fn token(sim: &SimHandle) -> String {
    let (s, b) = token_raw(sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 200, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// GET a quotation TR with the standard headers: (status, raw body).
pub async fn get(
    sim: &SimHandle,
    tok: &str,
    path: &str,
    tr: &str,
    q: &[(&str, &str)],
) -> (u16, String) {
    get_with(sim, tok, path, tr, q, TEST_APP_KEY, "P").await
}

pub async fn get_with(
    sim: &SimHandle,
    tok: &str,
    path: &str,
    tr: &str,
    q: &[(&str, &str)],
    key: &str,
    custtype: &str,
) -> (u16, String) {
    let r = http()
        .get(format!("{}{}{}", sim.base_url(), Q, path))
        .query(q)
        .header("content-type", "application/json; charset=utf-8")
        .header("authorization", format!("Bearer {tok}"))
        .header("appkey", key)
        .header("appsecret", TEST_APP_SECRET)
        .header("tr_id", tr)
        .header("custtype", custtype)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Top-level keys in order.
pub fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Asserts every leaf value is a JSON string (objects and arrays recurse).
pub fn all_strings(v: &Value, ctx: &str) {
    match v {
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| all_strings(x, &format!("{ctx}.{k}"))),
        Value::Array(a) => a.iter().for_each(|x| all_strings(x, ctx)),
        Value::String(_) => {}
        other => panic!("{ctx} is not a string: {other}"),
    }
}

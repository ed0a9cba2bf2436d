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

// The WebSocket side: frames written by hand from KIS_API.md §6.1, a raw tokio-tungstenite
// client, and waits bounded by a generous deadline.

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
pub use tokio_tungstenite::tungstenite::Message;

/// A generous bound for anything a test waits for (never an assertion about speed).
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// POST /oauth2/Approval: (status, body).
pub async fn approval_raw(sim: &SimHandle, key: &str, secret: &str) -> (u16, String) {
    let r = http()
        .post(format!("{}/oauth2/Approval", sim.base_url()))
        .header("content-type", "application/json; utf-8")
        .body(
            serde_json::json!({"grant_type":"client_credentials","appkey":key,"secretkey":secret})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A fresh approval key for the test appkey (the per-second guard reset first).
pub async fn approval(sim: &SimHandle) -> String {
    sim.state().auth.reset_issue_guard();
    let (s, b) = approval_raw(sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(s, 200, "{b}");
    parse(&b)["approval_key"].as_str().unwrap().to_string()
}

/// Connects to kis-sim's WebSocket at `/tryitout`, as the official client does.
pub async fn ws_connect(sim: &SimHandle) -> Ws {
    let url = format!(
        "{}/tryitout",
        sim.ws_url().expect("kis-sim serves a WebSocket")
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket handshake")
        .0
}

/// A subscribe (`tr_type` "1") or unsubscribe ("2") frame exactly as §6.1 writes it.
pub fn sub_frame(approval_key: &str, tr_type: &str, tr_id: &str, tr_key: &str) -> String {
    format!(
        r#"{{"header":{{"approval_key":"{approval_key}","custtype":"P","tr_type":"{tr_type}","content-type":"utf-8"}},"body":{{"input":{{"tr_id":"{tr_id}","tr_key":"{tr_key}"}}}}}}"#
    )
}

pub async fn send_text(ws: &mut Ws, text: &str) {
    use futures::SinkExt;
    ws.send(Message::text(text.to_string()))
        .await
        .expect("send");
}

/// The next message, or `None` when the connection ends or nothing comes within `PATIENCE`.
pub async fn next_msg(ws: &mut Ws) -> Option<Message> {
    use futures::StreamExt;
    match tokio::time::timeout(PATIENCE, ws.next()).await {
        Ok(Some(Ok(m))) => Some(m),
        _ => None,
    }
}

/// The next JSON control frame that is not a PINGPONG (data frames are skipped).
pub async fn next_ack(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no ack within {PATIENCE:?}"
        );
        match next_msg(ws).await {
            Some(Message::Text(t)) => {
                if let Ok(v) = serde_json::from_str::<Value>(t.as_str())
                    && v["header"]["tr_id"] != "PINGPONG"
                {
                    return v;
                }
            }
            Some(Message::Close(c)) => panic!("closed while waiting for an ack: {c:?}"),
            Some(_) => {}
            None => panic!("no ack within {PATIENCE:?}"),
        }
    }
}

/// Subscribes (or unsubscribes) and returns the ack's msg_cd.
pub async fn request(ws: &mut Ws, key: &str, tr_type: &str, tr_id: &str, tr_key: &str) -> String {
    send_text(ws, &sub_frame(key, tr_type, tr_id, tr_key)).await;
    let v = next_ack(ws).await;
    v["body"]["msg_cd"].as_str().unwrap_or("").to_string()
}

/// A data frame `0|TR|NNN|payload` split into (tr_id, records), each record its fields,
/// cut by the known field count per record (§13.6). `None` for anything else.
pub fn split_frame(
    text: &str,
    fields: impl Fn(&str) -> usize,
) -> Option<(String, Vec<Vec<String>>)> {
    let mut parts = text.splitn(4, '|');
    let (enc, tr, n, payload) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if enc != "0" || n.len() != 3 {
        return None;
    }
    let n: usize = n.parse().ok()?;
    let all: Vec<String> = payload.split('^').map(str::to_string).collect();
    if n == 0 || !all.len().is_multiple_of(n) {
        return None;
    }
    let width = all.len() / n;
    if width < fields(tr) {
        return None;
    }
    Some((
        tr.to_string(),
        all.chunks(width).map(<[String]>::to_vec).collect(),
    ))
}

/// Polls `f` until it holds or `PATIENCE` runs out.
pub async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// `received` (records read after subscribing; some may have been skipped before the first
/// one) is a contiguous run of what kis-sim's ground truth says it sent, in order.
pub fn assert_sent_in_order(sim: &SimHandle, received: &[String]) {
    let sent: Vec<String> = sim.ws().sent(None).into_iter().map(|r| r.record).collect();
    let Some(first) = received.first() else {
        panic!("nothing received");
    };
    let start = sent
        .iter()
        .position(|r| r == first)
        .unwrap_or_else(|| panic!("kis-sim never sent {first}"));
    assert!(
        sent.len() >= start + received.len(),
        "received more than was sent"
    );
    assert_eq!(&sent[start..start + received.len()], received);
}

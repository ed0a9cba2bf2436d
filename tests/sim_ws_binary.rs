//! The `kis-sim` binary with `--ws-port`: the REST URL on the first stdout line, the WebSocket
//! URL on the second, the `--ws-*` flags in force, and a subscribe acknowledged end to end.

use futures::{SinkExt, StreamExt};
use hoga::sim::{TEST_APP_KEY, TEST_APP_SECRET};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn serves_the_websocket_from_its_flags() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kis-sim"))
        .args([
            "--ws-port",
            "0",
            "--clock",
            "frozen:2026-11-26T10:30",
            "--ws-ping-secs",
            "5",
            "--ws-book-fields",
            "59",
            "--ws-fault",
            "extra_fields",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kis-sim starts");
    let stdout = child.stdout.take().unwrap();
    let (rest, ws) = tokio::task::spawn_blocking(move || {
        let mut r = BufReader::new(stdout);
        let (mut a, mut b) = (String::new(), String::new());
        r.read_line(&mut a).unwrap();
        r.read_line(&mut b).unwrap();
        (a.trim().to_string(), b.trim().to_string())
    })
    .await
    .unwrap();
    assert!(rest.starts_with("http://127.0.0.1:"), "{rest}");
    assert!(ws.starts_with("ws://127.0.0.1:"), "{ws}");
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let cfg: serde_json::Value = c
        .get(format!("{rest}/_sim/ws/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["ping_secs"], 5.0);
    assert_eq!(cfg["book_fields_2026"], false);
    assert_eq!(cfg["faults"]["extra_fields"], true);
    let key: serde_json::Value = c
        .post(format!("{rest}/oauth2/Approval"))
        .json(&serde_json::json!({"grant_type":"client_credentials","appkey":TEST_APP_KEY,"secretkey":TEST_APP_SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = key["approval_key"].as_str().unwrap();
    let (mut sock, _) = tokio_tungstenite::connect_async(format!("{ws}/tryitout"))
        .await
        .unwrap();
    let frame = format!(
        r#"{{"header":{{"approval_key":"{key}","custtype":"P","tr_type":"1","content-type":"utf-8"}},"body":{{"input":{{"tr_id":"H0STCNT0","tr_key":"005930"}}}}}}"#
    );
    sock.send(Message::text(frame)).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(20), sock.next())
        .await
        .expect("an ack")
        .expect("open")
        .unwrap();
    let ack: serde_json::Value = serde_json::from_str(ack.to_text().unwrap()).unwrap();
    assert_eq!(ack["body"]["msg_cd"], "OPSP0000", "{ack}");
    child.kill().unwrap();
    child.wait().unwrap();
}

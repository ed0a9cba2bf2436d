//! The `kis-sim` binary: starts from its flags, prints its base URL first on stdout, serves
//! the market and faults it was asked for, and exits cleanly on SIGINT (Ctrl-C).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn runs_from_flags_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kis-sim"))
        .args([
            "--port",
            "0",
            "--seed",
            "7",
            "--virtual",
            "--clock",
            "frozen:2026-11-26T10:30",
            "--fault",
            "html:endpoint=inquire-price,count=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kis-sim starts");
    let stdout = child.stdout.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line.trim().to_string()
    })
    .await
    .unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let c = reqwest::Client::new();
    let clock: serde_json::Value = c
        .get(format!("{url}/_sim/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["kst"], "2026-11-26 10:30:00");
    let r = c
        .get(format!(
            "{url}/uapi/domestic-stock/v1/quotations/inquire-price"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 502, "the --fault flag is active");
    let truth: serde_json::Value = c
        .get(format!("{url}/_sim/truth/quote/005930"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth["name"], "삼성전자");

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            assert!(s.success(), "exit status {s}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "kis-sim did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(c.get(format!("{url}/_sim/clock")).send().await.is_err());
}

#[test]
fn bad_flags_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_kis-sim"))
        .args(["--fault", "gremlins"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fault"));
    let out = Command::new(env!("CARGO_BIN_EXE_kis-sim"))
        .args(["--clock", "sometimes"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

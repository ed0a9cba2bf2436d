//! End to end, streaming: the built `hoga` under tmux against an in-process kis-sim serving
//! REST and WebSocket in a trading session (hoga's clock aligned with the simulator's, both
//! accelerated). The book and the tape change several times a second and the status bar says
//! `WS n/41`; when kis-sim drops every session and refuses new ones, the bar says
//! `WS 재연결` (reconnecting) with a countdown and REST keeps the panes live; when it lets them in
//! again, streaming resumes and the gap is marked on the tape.

mod tui_support;

use hoga::sim::{ClockMode, SimConfig, SimServer, TEST_APP_KEY, TEST_APP_SECRET, WsConfig};
use std::time::{Duration, Instant};
use tui_support::{Tmux, tmux_available};

fn status_line(screen: &str) -> &str {
    screen.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("")
}

/// The tape's rows: the lines right of the book column under the `체결` title.
fn tape(screen: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in screen.lines() {
        if l.contains("┌ 체결") {
            inside = true;
            continue;
        }
        if inside {
            let Some(i) = l.rfind("││") else { break };
            let row = l[i + "││".len()..].trim_end_matches('│').trim().to_string();
            if row.is_empty() {
                break;
            }
            out.push(row);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_streams_falls_back_to_rest_and_resumes() {
    if !tmux_available() {
        eprintln!("tmux not installed: skipping the end-to-end test");
        return;
    }
    // Thirty times real time from 10:00 of a trading day: the market's 10 s steps come three
    // times a second (the simulator trades in steps). On this day 삼성바이오로직스 trades above
    // 1,000,000 won.
    let clock = "accel:30@2026-11-17T10:00";
    let mode = ClockMode::parse(clock).expect("clock");
    let config = SimConfig {
        clock: mode,
        ..SimConfig::default()
    };
    let sim = SimServer::start(config.ws_port(0).ws(WsConfig::default()))
        .await
        .expect("kis-sim starts");
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("HOGA_HOME", home.path().display().to_string()),
        ("HOGA_KIS_BASE_URL", sim.base_url()),
        ("HOGA_KIS_WS_URL", sim.ws_url().expect("ws")),
        ("HOGA_KIS_MASTER_URL", sim.master_url()),
        ("KIS_APP_KEY", TEST_APP_KEY.to_string()),
        ("KIS_APP_SECRET", TEST_APP_SECRET.to_string()),
        ("HOGA_REDIS_ENABLED", "false".to_string()),
    ];
    let mut cmd = String::from("env");
    for (k, v) in &env {
        cmd.push_str(&format!(" {k}='{v}'"));
    }
    cmd.push_str(&format!(
        " '{}' --source kis --clock {clock}",
        env!("CARGO_BIN_EXE_hoga")
    ));
    let socket = format!("hoga-e2e-stream-{}", std::process::id());
    let t = Tmux::start(&socket, &cmd, 200, 60);

    let s = t.wait("the stream up and trades on the tape", 45, |s| {
        status_line(s).contains("WS ") && status_line(s).contains("/41") && tape(s).len() >= 3
    });
    assert!(status_line(&s).contains("실시간 실서버"), "{s}");
    assert!(s.contains("실시간"), "the tape says it is streamed: {s}");
    // A price of seven digits is never cut: `1,030,000`, whole.
    let s = t.wait("삼성바이오로직스 above a million", 15, |s| {
        s.lines().any(|l| {
            l.contains("207940")
                && l.split_whitespace()
                    .any(|w| w.len() == 9 && w.starts_with("1,") && w.matches(',').count() == 2)
        })
    });
    assert!(!s.contains("1,0…"), "{s}");
    // The classic terminal: the book beside the list, the panes named, help at hand.
    t.resize(80, 24);
    let s = t.wait("the 80×24 layout with the book", 10, |s| {
        s.contains("┌ 호가")
            && status_line(s).contains("? 도움말")
            && status_line(s).contains("[목록|")
    });
    assert!(
        s.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80),
        "{s}"
    );
    t.resize(200, 60);
    t.wait("the full layout again", 10, |s| {
        s.contains("┌ 체결") && s.contains("┌ 종목정보")
    });
    // The tape and the book move several times a second.
    let mut tapes = Vec::new();
    let mut books = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        let s = t.capture();
        tapes.push(tape(&s).first().cloned().unwrap_or_default());
        books.push(
            s.lines()
                .take(26)
                .map(|l| l.chars().skip(156).collect::<String>())
                .collect::<Vec<_>>(),
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tapes.dedup();
    books.dedup();
    assert!(
        tapes.len() >= 7,
        "the tape's top row changed {} times in 3 s",
        tapes.len() - 1
    );
    assert!(
        books.len() >= 7,
        "the book changed {} times in 3 s",
        books.len() - 1
    );

    // The stream is killed: every session dropped, new ones refused for 8 s (240 s of the
    // simulator's accelerated time).
    sim.ws().refuse(240.0);
    sim.ws().drop_all();
    let s = t.wait("the stream reconnecting", 15, |s| {
        status_line(s).contains("WS 재연결")
    });
    assert!(
        status_line(&s).contains("실시간 실서버"),
        "REST keeps the data live: {s}"
    );
    // REST has taken over: the watchlist rows have ages again, and they stay young.
    t.wait("polled rows", 15, |s| {
        s.lines().any(|l| l.contains("005930") && !l.contains("WS"))
    });
    // Back: streaming resumes, and the gap is on the tape.
    let s = t.wait("the stream back with the gap marked", 40, |s| {
        let bar = status_line(s);
        bar.contains("WS ") && bar.contains("/41") && !bar.contains("재연결") && s.contains("끊김")
    });
    assert!(
        s.lines().any(|l| l.contains("005930") && l.contains("WS")),
        "{s}"
    );
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.alive() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

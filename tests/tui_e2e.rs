//! End to end: the built `hoga` under tmux against an in-process kis-sim (real HTTP, real
//! token, real master files). Types `/` `삼성` Enter, adds the stock to a watchlist, switches
//! intervals, resizes the window, asserting on `capture-pane`; then stops kis-sim and asserts
//! the panes go stale with the failure in the status bar; restarts it and asserts recovery;
//! opens the rankings view and a stock from it.
//! Skipped (with a message) when tmux is not installed.

mod tui_support;

use hoga::sim::{SimConfig, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use std::path::Path;
use std::time::{Duration, Instant};
use tui_support::{Tmux, tmux_available};

fn status_line(screen: &str) -> &str {
    screen.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("")
}

/// The code on the rankings view's row ranked `n`, if it is on screen.
fn ranked(screen: &str, n: u32) -> Option<String> {
    screen.lines().find_map(|l| {
        let mut words = l.strip_prefix('┃')?.split_whitespace();
        if words.next()?.parse::<u32>().ok()? != n {
            return None;
        }
        words
            .find(|w| {
                w.len() == 6
                    && w.bytes().all(|b| b.is_ascii_alphanumeric())
                    && w.bytes().any(|b| b.is_ascii_digit())
            })
            .map(String::from)
    })
}

fn watchlists(home: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(home.join("state/watchlists.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hoga_under_tmux_against_kis_sim() {
    if !tmux_available() {
        eprintln!("tmux not installed: skipping the end-to-end test");
        return;
    }
    let mut sim = SimServer::start(SimConfig::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("HOGA_HOME", home.path().display().to_string()),
        ("HOGA_KIS_BASE_URL", sim.base_url()),
        ("HOGA_KIS_MASTER_URL", sim.master_url()),
        ("KIS_APP_KEY", TEST_APP_KEY.to_string()),
        ("KIS_APP_SECRET", TEST_APP_SECRET.to_string()),
        ("HOGA_REDIS_ENABLED", "false".to_string()),
        ("HOGA_KIS_MAX_RETRIES", "0".to_string()),
        ("HOGA_KIS_RETRY_BUDGET_MS", "1000".to_string()),
        ("HOGA_KIS_CONNECT_TIMEOUT_MS", "500".to_string()),
        ("HOGA_KIS_REQUEST_TIMEOUT_MS", "3000".to_string()),
        ("HOGA_BREAKER_OPEN_SECS", "2".to_string()),
        // Outside market hours the cache rightly serves the close without asking KIS; the info
        // pane always asks, so an outage shows whatever the time of day.
        ("HOGA_CACHE_INFO_FRESH_SECS", "0".to_string()),
    ];
    let mut cmd = String::from("env");
    for (k, v) in &env {
        cmd.push_str(&format!(" {k}='{v}'"));
    }
    cmd.push_str(&format!(" '{}' --source kis", env!("CARGO_BIN_EXE_hoga")));
    let socket = format!("hoga-e2e-{}", std::process::id());
    let t = Tmux::start(&socket, &cmd, 160, 45);

    // Live data from KIS (the sim), names from its master files.
    let s = t.wait("live KIS data", 45, |s| {
        status_line(s).contains("실시간 실서버") && s.contains("삼성전자")
    });
    assert!(s.contains("관심종목 대형주 (1/2)"), "{s}");
    assert!(s.contains("호가 삼성전자"), "{s}");

    // Switch to the second list, look 삼성 up, open it, add it.
    t.keys(&["2"]);
    t.wait("the second watchlist", 10, |s| {
        s.contains("관심종목 코스닥 (2/2)")
    });
    t.keys(&["/"]);
    t.text("삼성");
    // Both characters typed (삼 alone already lists 삼성전자).
    t.wait("search results", 10, |s| {
        s.contains("005930 삼성전자") && s.contains("/ 삼성")
    });
    t.keys(&["Enter"]);
    t.wait("the chart of 삼성전자", 15, |s| {
        s.contains("삼성전자 005930 · 일봉")
    });
    t.keys(&["a"]);
    t.wait("the add notice", 10, |s| {
        s.contains("코스닥에 삼성전자 추가")
    });
    let saved = watchlists(home.path());
    assert!(
        saved["lists"][1]["codes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|v| v == "005930")),
        "watchlists.json: {saved}"
    );

    // Intervals: D → W → M, then back down through the hour bars to 1-minute bars.
    t.keys(&["]"]);
    t.wait("weekly candles", 10, |s| s.contains("005930 · 주봉"));
    t.keys(&["]"]);
    t.wait("monthly candles", 10, |s| s.contains("005930 · 월봉"));
    t.keys(&["[", "[", "["]);
    t.wait("60-minute candles", 10, |s| s.contains("005930 · 60분봉"));
    t.keys(&["[", "[", "[", "[", "["]);
    t.wait("minute candles", 10, |s| s.contains("005930 · 1분봉"));
    t.keys(&["]"]);

    // Resize: narrow collapses panes, tiny asks for more room, back to full.
    t.resize(80, 24);
    let s = t.wait("the 80×24 layout, the book beside the list", 10, |s| {
        s.contains("관심종목") && !s.contains("종목정보") && s.contains("┌ 호가")
    });
    assert!(
        s.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80),
        "{s}"
    );
    t.resize(30, 8);
    t.wait("the too-small message", 10, |s| {
        s.contains("터미널을 키우세요")
    });
    t.resize(160, 45);
    t.wait("the full layout", 10, |s| {
        s.contains("종목정보") && s.contains("호가 삼성전자")
    });

    // English search: the master files carry no English names; the info pane's stock-info
    // answer brought 삼성전자's, so `samsung` finds it now.
    t.wait("the English name in the info pane", 15, |s| {
        s.contains("Samsung Electronics")
    });
    t.keys(&["/"]);
    t.text("samsung");
    t.wait("English search results", 10, |s| {
        s.contains("/ samsung") && s.contains("005930 삼성전자")
    });
    t.keys(&["Escape"]);

    // KIS goes away: panes keep their data marked stale, the status bar says what failed.
    sim.stop().await;
    t.keys(&["r"]);
    let s = t.wait("stale panes and the failure", 30, |s| {
        let st = status_line(s);
        (st.contains("지연") || st.contains("접속 차단")) && st.contains('⚠')
    });
    eprintln!("outage:\n{s}");
    assert!(s.contains("호가 삼성전자"), "the book keeps its stock: {s}");
    assert!(s.contains("삼성전자 005930"), "{s}");

    // KIS comes back: the feed recovers by itself (backoff retries, no key pressed).
    sim.restart().await.unwrap();
    // (The index strip, on its own backoff, may say 지연 a little longer: the panes are checked.)
    let s = t.wait("recovery", 45, |s| {
        let st = status_line(s);
        (st.contains("실시간 실서버") || st.contains("CACHED"))
            && !st.contains('⚠')
            && !s.lines().skip(1).any(|l| l.contains("지연"))
    });
    eprintln!("recovered:\n{s}");
    assert!(s.contains("종목정보"), "{s}");

    // The rankings view from anywhere (`m`): kis-sim's volume ranking; a stock opened from it
    // (the second row) shows in the chart and the book, and the view closes.
    t.keys(&["m"]);
    let s = t.wait("the volume ranking", 20, |s| {
        s.contains("순위 · 거래량 · 전체") && ranked(s, 2).is_some()
    });
    eprintln!("rankings:\n{s}");
    t.keys(&["j"]);
    let code = ranked(&s, 2).expect("a second row");
    t.keys(&["Enter"]);
    t.wait("the stock opened from the ranking", 20, |s| {
        !s.contains("순위 · ") && s.contains(&format!(" {code} · "))
    });

    // Quit restores the terminal and ends the process.
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!t.alive(), "hoga did not quit");
}

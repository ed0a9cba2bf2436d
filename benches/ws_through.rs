//! The whole live path without drawing: kis-sim (a separate process, so its CPU is not ours)
//! streams over a real WebSocket → hoga's client (`kis::ws`) → the feed (slots, translation,
//! REST polling of the rest) → `tui::update` on a 200×60 state with a 40-row watchlist. Prints
//! the events a second that reached the state, the CPU this process used (share of one core)
//! and its resident memory at the start and end of the measured window.
//!
//! Target (issue 11): 5,000 events a second sustained for a minute with under 10 % of one core
//! and flat memory.
//!
//! Run: `cargo bench --bench ws_through` (60 s after a 5 s warm-up). `WS_THROUGH_SECS` sets the
//! window (3 s under `cargo test --all-targets`, a smoke run), `WS_THROUGH_FACTOR` the
//! simulator's acceleration (default 450: about 5,400 trades a second over 40 stocks; at
//! 15:15 of each simulated day the simulator moves on to 09:00 of the next trading day, so the
//! stream never meets a close).

use hoga::clock::{ClockMode, ModeClock, SharedClock};
use hoga::config::{Config, Settings as ConfigSettings};
use hoga::feed::{Feed, Pace};
use hoga::market::{Interval, StockCode};
use hoga::paths::Paths;
use hoga::sim::{TEST_APP_KEY, TEST_APP_SECRET};
use hoga::source::factory;
use hoga::tui::msg::{Command, Msg};
use hoga::tui::state::{Settings, State};
use hoga::tui::update::update;
use hoga::tui::watchlist::{Watchlist, Watchlists};
use secrecy::SecretString;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "support/proc.rs"]
mod proc;
use proc::{cpu_seconds, status_kb};

fn rss_kb() -> u64 {
    status_kb("VmRSS:")
}

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(d)
    };
    let secs = env("WS_THROUGH_SECS", if full { 60.0 } else { 3.0 });
    let factor = env("WS_THROUGH_FACTOR", 450.0);
    let clock = format!("accel:{factor}@2026-11-26T09:00");
    let mut child = Process::new(env!("CARGO_BIN_EXE_kis-sim"))
        .args(["--port", "0", "--ws-port", "0", "--clock", &clock])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kis-sim starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let base = lines.next().and_then(Result::ok).expect("REST URL");
    let ws = lines.next().and_then(Result::ok).expect("WebSocket URL");
    let _sim = Sim(child);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        // Each simulated day from 09:00 to 15:15, then the next trading day.
        {
            let base = base.clone();
            tokio::spawn(async move {
                let day_wall = Duration::from_secs_f64((6.0 * 3600.0 + 15.0 * 60.0) / factor);
                let http = reqwest::Client::new();
                for day in ["2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"] {
                    tokio::time::sleep(day_wall).await;
                    let mode = format!("accel:{factor}@{day}T09:00");
                    let _ = http
                        .post(format!("{base}/_sim/clock"))
                        .json(&serde_json::json!({ "mode": mode }))
                        .send()
                        .await;
                }
            });
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut c = Config::default();
        c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
        c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
        c.kis.base_url = Some(base.clone());
        c.kis.ws_url = Some(ws);
        c.kis.master_url = format!("{base}/common/master");
        c.redis.enabled = false;
        let settings = ConfigSettings::build(&c, &Paths::under(dir.path())).expect("config");
        let mode = ClockMode::parse(&clock).expect("clock");
        let clock: SharedClock = Arc::new(ModeClock::new(mode));
        let source = factory::kis_source(&settings.source, clock.clone()).expect("source");
        let market = hoga::sim::SimMarket::new(1, clock.clone());
        let codes: Vec<StockCode> = market
            .stocks()
            .iter()
            .filter(|s| !s.flags.halted)
            .take(40)
            .map(|s| s.code)
            .collect();
        drop(market);
        let lists = Watchlists {
            lists: vec![Watchlist {
                name: "bench".into(),
                codes,
            }],
            active: 0,
        };
        let now = clock.now();
        let mut state = State::new(
            Settings::default(),
            lists,
            hoga::source::SourceKind::Kis(hoga::market::Env::Real),
            Interval::Min1,
            now,
        );
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let feed = Feed::spawn(Arc::new(source), clock.clone(), tx, Pace::default());
        let apply = |state: &mut State, msg: Msg| {
            for cmd in update(state, msg) {
                if let Command::SetInterest(i) = cmd {
                    feed.set_interest(i);
                }
            }
        };
        apply(&mut state, Msg::Resize(200, 60));
        // Warm-up: the stream registers, the first snapshots arrive.
        let mut live = 0u64;
        let warm = Instant::now() + Duration::from_secs(5);
        while Instant::now() < warm {
            if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                apply(&mut state, Msg::Feed(e));
            }
        }
        let (cpu0, rss0, t0) = (cpu_seconds(), rss_kb(), Instant::now());
        let end = t0 + Duration::from_secs_f64(secs);
        let mut rss_peak = rss0;
        let mut last_tick = t0;
        while Instant::now() < end {
            match tokio::time::timeout(Duration::from_millis(250), rx.recv()).await {
                Ok(Some(e)) => {
                    if matches!(
                        e,
                        hoga::feed::Event::Trade { .. } | hoga::feed::Event::Book { .. }
                    ) {
                        live += 1;
                    }
                    apply(&mut state, Msg::Feed(e));
                }
                Ok(None) => panic!("the feed ended"),
                Err(_) => {}
            }
            if last_tick.elapsed() > Duration::from_millis(250) {
                last_tick = Instant::now();
                apply(&mut state, Msg::Tick(clock.now()));
                rss_peak = rss_peak.max(rss_kb());
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let rss1 = rss_kb();
        let regs = state.stream.as_ref().map(|s| s.registered.len()).unwrap_or(0);
        println!(
            "ws_through: {:.0} events/s over {wall:.1} s ({regs} registrations, kis-sim ×{factor}), \
             CPU {:.1}% of one core, RSS {} → {} KB (peak {} KB), tape {} rows",
            live as f64 / wall,
            100.0 * cpu / wall,
            rss0,
            rss1,
            rss_peak,
            state.tape.len()
        );
        assert!(live > 0, "no streamed event reached the state");
    });
}

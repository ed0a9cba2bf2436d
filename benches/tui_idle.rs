//! Idle cost of the real event loop: the feed polling a source whose data never changes, a
//! 2,500-stock universe loaded, a 200×60 screen, no keys. Prints frames drawn after start-up,
//! CPU time used, and resident memory. Targets: zero redraws (the KST clock shows minutes, so
//! at most one a minute), < 1 % CPU, < 30 MB RSS.
//!
//! Run: `cargo bench --bench tui_idle` (60 s; `HOGA_IDLE_SECS=10` for a quick look).

use chrono::{DateTime, Utc};
use hoga::clock::{Clock, SharedClock};
use hoga::feed::{Feed, Pace};
use hoga::market::Period;
use hoga::tui::app::event_loop;
use hoga::tui::fixtures::{self, StaticSource};
use hoga::tui::state::{Settings, State};
use hoga::tui::watchlist::Watchlists;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "support/proc.rs"]
mod proc;
use proc::{cpu_seconds, status_kb};

/// Real time, shifted to start in the middle of a continuous session, so the feed polls at its
/// fastest live pace.
#[derive(Debug)]
struct ShiftedClock {
    start: DateTime<Utc>,
    t0: Instant,
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.t0.elapsed()).unwrap_or_default()
    }
}

/// On-CPU time of this thread in nanoseconds (`/proc/thread-self/schedstat`, first field):
/// frame costs measured this way do not count the time other processes hold the CPU.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Frame cost in CPU time (the criterion bench reports wall time, which a loaded machine
/// inflates): a full 200×60 frame, and keypress → frame.
fn frame_cpu(n: u64) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use hoga::tui::fixtures::Scenario;
    use hoga::tui::msg::Msg;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    let sc = Scenario {
        rows: 40,
        universe: 2_500,
        candles: 200,
        ..Scenario::default()
    };
    let state = fixtures::state((200, 60), sc);
    let mut buf = Buffer::empty(Rect::new(0, 0, 200, 60));
    let (c0, t0) = (thread_cpu_ns(), Instant::now());
    for _ in 0..n {
        buf.reset();
        hoga::tui::view::draw(std::hint::black_box(&state), &mut buf);
    }
    let (cpu, wall) = (thread_cpu_ns() - c0, t0.elapsed());
    println!(
        "frame 200x60 (40 rows, 10-level book, 200 candles, info): {:.0} µs CPU, {:.0} µs wall per frame",
        cpu as f64 / n as f64 / 1e3,
        wall.as_secs_f64() * 1e6 / n as f64
    );
    let mut state = fixtures::state((200, 60), sc);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| panic!("{e}"));
    let (c0, t0) = (thread_cpu_ns(), Instant::now());
    for i in 0..n {
        let k = if i % 2 == 0 { 'j' } else { 'k' };
        hoga::tui::update::update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(k), KeyModifiers::NONE)),
        );
        term.draw(|f| hoga::tui::view::draw(&state, f.buffer_mut()))
            .map(|_| ())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (cpu, wall) = (thread_cpu_ns() - c0, t0.elapsed());
    println!(
        "keypress -> frame (update + draw + terminal diff): {:.0} µs CPU, {:.0} µs wall",
        cpu as f64 / n as f64 / 1e3,
        wall.as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo test --all-targets` runs this binary without `--bench`: a short smoke run then.
    let full = std::env::args().any(|a| a == "--bench");
    frame_cpu(if full { 2_000 } else { 20 });
    let secs: u64 = std::env::var("HOGA_IDLE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 60 } else { 2 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async move {
        let clock: SharedClock = Arc::new(ShiftedClock {
            start: fixtures::now(),
            t0: Instant::now(),
        });
        let source = Arc::new(StaticSource::new(2_500));
        let defaults = hoga::config::Settings::build(
            &hoga::config::Config::default(),
            &hoga::paths::Paths::under(std::path::Path::new("/nonexistent/hoga-bench")),
        )
        .unwrap_or_else(|p| panic!("the default config is invalid: {p:?}"));
        let mut wl = Watchlists::new(&defaults.ui.watchlists);
        // 40 rows on screen.
        wl.lists[0].codes = source.universe.iter().take(40).map(|l| l.code).collect();
        let mut state = State::new(
            Settings::default(),
            wl,
            hoga::source::SourceKind::Simulated,
            Period::Day.into(),
            clock.now(),
        );
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| panic!("{e}"));
        // The real event loop with its own feed, no keys, for `secs` (event_loop consumes the
        // receiver, so each run gets a fresh feed and channel).
        let run_for = async |terminal: &mut Terminal<TestBackend>, state: &mut State, secs: u64| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let feed = Feed::spawn(source.clone(), clock.clone(), tx, Pace::default());
            let stats = event_loop(
                terminal,
                futures::stream::pending(),
                rx,
                &feed,
                state,
                clock.clone(),
                30,
                None,
                None,
                tokio::time::sleep(Duration::from_secs(secs)),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            // The feed stays alive until the figures (RSS included) are taken.
            (stats, feed)
        };

        // Start-up: load everything and settle (not measured).
        let (warm_stats, _warm_feed) = run_for(&mut terminal, &mut state, 3).await;
        println!(
            "warm-up: {} frames, {} messages, universe {} stocks, {} watchlist rows with quotes",
            warm_stats.frames,
            warm_stats.messages,
            state.universe.len(),
            state.quotes.len()
        );
        state.dirty = false;
        // The new feed must be told what is on screen.
        state.last_interest = None;
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let (stats, feed) = run_for(&mut terminal, &mut state, secs).await;
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        // The loop always draws once when it starts; everything after that is a redraw.
        println!(
            "idle {wall:.0} s: {} redraws after the first frame, {} messages (ticks + feed replies), \
             CPU {cpu:.2} s = {:.2} %, RSS {} kB (peak {} kB)",
            stats.frames.saturating_sub(1),
            stats.messages,
            100.0 * cpu / wall,
            status_kb("VmRSS:"),
            status_kb("VmHWM:")
        );
        drop(feed);
    });
}

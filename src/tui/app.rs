//! The event loop: terminal events, feed messages, a clock tick and signals in one `select!`;
//! `update` on each; a frame only when something visible changed, at most `[ui] max_fps` a
//! second, wrapped in a synchronized update so tmux never shows half a frame.

use super::UiSettings;
use super::msg::{Command, Msg};
use super::state::State;
use super::watchlist::Watchlists;
use super::{term, update::update, view};
use crate::clock::SharedClock;
use crate::feed::{Event as FeedEvent, Feed, Pace};
use crate::source::{DataSource, SourceKind};
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Backends that can bracket a frame in a synchronized update (DEC mode 2026).
pub trait Synced {
    fn begin_frame(&mut self) {}
    fn end_frame(&mut self) {}
}

impl<W: Write> Synced for CrosstermBackend<W> {
    fn begin_frame(&mut self) {
        let _ = crossterm::queue!(self, BeginSynchronizedUpdate);
    }
    fn end_frame(&mut self) {
        let _ = crossterm::execute!(self, EndSynchronizedUpdate);
    }
}

impl Synced for TestBackend {}

/// Counts for the idle/latency measurements.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoopStats {
    pub frames: u64,
    pub messages: u64,
}

/// What the simulated market's status bar says about real data: the credentials and the file
/// they go in.
pub fn real_data_hint(lang: super::lang::Lang, config_file: &std::path::Path) -> String {
    lang.real_data_hint(&config_file.display().to_string())
}

/// Runs the TUI until the user quits or a signal arrives. The terminal is restored on every
/// exit path.
pub async fn run(
    ui: &UiSettings,
    source: Arc<dyn DataSource>,
    clock: SharedClock,
) -> anyhow::Result<()> {
    let (watchlists, warning) = Watchlists::load(&ui.state_dir, &ui.watchlists);
    let mut state = State::new(
        ui.state.clone(),
        watchlists,
        source.kind(),
        ui.initial_period,
        clock.now(),
    );
    if state.source_kind == SourceKind::Simulated {
        state.real_data_hint = Some(real_data_hint(ui.state.lang, &ui.config_file));
    }
    if let Some((path, why)) = warning {
        let w = ui
            .state
            .lang
            .lists_unreadable(&path.display().to_string(), &why);
        tracing::warn!("{w}");
        state.notice = Some((clock.now(), w));
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let feed = Feed::spawn(source, clock.clone(), tx, Pace::default());
    let (mut terminal, guard) = term::enter(ui.state.mouse)?;
    #[cfg(debug_assertions)]
    debug_panic();
    let shutdown = signals();
    let result = event_loop(
        &mut terminal,
        EventStream::new(),
        rx,
        &feed,
        &mut state,
        clock,
        ui.max_fps,
        Some(ui.state_dir.clone()),
        shutdown,
    )
    .await;
    drop(guard);
    term::restore();
    match &result {
        Ok(s) => tracing::info!(frames = s.frames, messages = s.messages, "tui exited"),
        Err(e) => tracing::error!("tui failed: {e:#}"),
    }
    result.map(|_| ())
}

/// For the terminal-restore test: `HOGA_DEBUG_PANIC=1` makes a background task panic half a
/// second after the screen is up, the hardest of the exit paths. Debug builds only: the tests
/// build in the dev profile, and a release binary must not crash on an environment variable.
#[cfg(debug_assertions)]
fn debug_panic() {
    if std::env::var_os("HOGA_DEBUG_PANIC").is_some_and(|v| v == "1") {
        tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            panic!("HOGA_DEBUG_PANIC: a deliberate panic in a background task");
        });
    }
}

/// Resolves on SIGTERM, SIGHUP or SIGINT (Ctrl-C arrives as a key in raw mode; SIGINT only
/// from `kill`).
async fn signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn event_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        _ => None,
    }
}

/// The loop, generic over the backend and event stream so benches can drive it headless.
#[allow(clippy::too_many_arguments)]
pub async fn event_loop<B, E>(
    terminal: &mut Terminal<B>,
    mut events: E,
    mut rx: mpsc::UnboundedReceiver<FeedEvent>,
    feed: &Feed,
    state: &mut State,
    clock: SharedClock,
    max_fps: u32,
    state_dir: Option<PathBuf>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<LoopStats>
where
    B: Backend + Synced,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let min_frame = Duration::from_secs_f64(1.0 / max_fps.clamp(1, 240) as f64);
    let mut stats = LoopStats::default();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_frame: Option<Instant> = None;
    tokio::pin!(shutdown);

    let size = terminal.size()?;
    let mut pending = vec![Msg::Tick(clock.now()), Msg::Resize(size.width, size.height)];
    loop {
        for msg in pending.drain(..) {
            stats.messages += 1;
            for cmd in update(state, msg) {
                match cmd {
                    Command::Quit => {
                        return Ok(stats);
                    }
                    Command::SaveWatchlists => save(state, state_dir.as_deref()),
                    Command::SetInterest(i) => feed.set_interest(i),
                }
            }
        }
        // Draw now if allowed, otherwise at the next frame slot.
        let draw_at = state
            .dirty
            .then(|| last_frame.map_or_else(Instant::now, |t| t + min_frame));
        if draw_at.is_some_and(|at| at <= Instant::now()) {
            terminal.backend_mut().begin_frame();
            let drawn = terminal
                .draw(|f| view::draw(state, f.buffer_mut()))
                .map(|_| ());
            terminal.backend_mut().end_frame();
            drawn?;
            state.dirty = false;
            stats.frames += 1;
            last_frame = Some(Instant::now());
            continue;
        }
        let frame_wait = async {
            match draw_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => pending.extend(event_msg(ev)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(stats),
            },
            Some(e) = rx.recv() => {
                pending.push(Msg::Feed(e));
                // Coalesce a burst of feed events into one frame.
                while let Ok(e) = rx.try_recv() {
                    pending.push(Msg::Feed(e));
                }
            }
            _ = tick.tick() => pending.push(Msg::Tick(clock.now())),
            _ = frame_wait => {}
            _ = &mut shutdown => return Ok(stats),
        }
    }
}

fn save(state: &mut State, dir: Option<&Path>) {
    let Some(dir) = dir else { return };
    if let Err(e) = state.watchlists.save(dir) {
        let msg = state
            .settings
            .lang
            .save_failed(&dir.display().to_string(), &e.to_string());
        tracing::warn!("{msg}");
        state.notice = Some((state.now, msg));
        state.dirty = true;
    }
}

//! The event loop: terminal events, feed messages, a clock tick and signals in one `select!`;
//! `update` on each; a frame only when something visible changed, at most `[ui] max_fps` a
//! second, wrapped in a synchronized update so tmux never shows half a frame.

use super::UiSettings;
use super::msg::{Command, Msg};
use super::state::AlertRow;
use super::state::State;
use super::watchlist::Watchlists;
use super::{term, update::update, view};
use crate::clock::SharedClock;
use crate::feed::alerts::{AlertEngine, AlertSettings, UserRules, merged};
use crate::feed::{Event as FeedEvent, Feed, Pace};
use crate::market::alert::{Condition, Firing, Rule, average_volume};
use crate::market::{Calendar, Period, StockCode};
use crate::source::Req;
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

/// The monitor's alerts: the engine over the config's and the monitor's rules, fed every
/// quote, trade and status change the feed reports before `update` sees them; the 20-day
/// average volumes its volume rules need arrive from a background fetch.
pub struct AlertLoop {
    engine: AlertEngine,
    settings: AlertSettings,
    user: UserRules,
    averages: mpsc::UnboundedReceiver<(StockCode, u64)>,
    averages_tx: mpsc::UnboundedSender<(StockCode, u64)>,
    /// Where the volume rules' daily bars come from, and the clock that says which day it is.
    source: Option<(Arc<dyn DataSource>, SharedClock)>,
}

impl AlertLoop {
    /// The engine over the config's rules and those saved in the state dir; warnings (a bad
    /// rules or state file) are logged and returned for the status bar.
    pub fn new(
        settings: &AlertSettings,
        source: Option<(Arc<dyn DataSource>, SharedClock)>,
    ) -> (AlertLoop, Vec<String>) {
        let (user, mut warnings) = UserRules::load(&settings.state_dir);
        let rules: Vec<Rule> = merged(&settings.rules, &user)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let (engine, w) = AlertEngine::new(settings, &rules, Calendar::krx().clone());
        warnings.extend(w);
        let (averages_tx, averages) = mpsc::unbounded_channel();
        let l = AlertLoop {
            engine,
            settings: settings.clone(),
            user,
            averages,
            averages_tx,
            source,
        };
        l.fetch_averages(&rules);
        (l, warnings)
    }

    /// The rules as the view lists them: origin and whether each has fired.
    pub fn rows(&self) -> Vec<AlertRow> {
        merged(&self.settings.rules, &self.user)
            .into_iter()
            .map(|(rule, origin)| AlertRow {
                fired: self.engine.evaluator().is_fired(&rule.id()),
                rule,
                origin,
            })
            .collect()
    }

    /// Daily bars of the volume rules' stocks, in the background.
    fn fetch_averages(&self, rules: &[Rule]) {
        let Some((src, clock)) = self.source.clone() else {
            return;
        };
        let mut codes: Vec<StockCode> = rules
            .iter()
            .filter(|r| matches!(r.condition, Condition::VolumeRatioAbove(_)))
            .map(|r| r.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        if codes.is_empty() {
            return;
        }
        let tx = self.averages_tx.clone();
        tokio::spawn(async move {
            let today = crate::market::kst_date(clock.now());
            let from = today - chrono::Duration::days(45);
            for code in codes {
                match src
                    .chart(code, Period::Day, from, today, Req::BACKGROUND)
                    .await
                {
                    Ok(bars) => {
                        if let Some(avg) = average_volume(&bars.value, today).filter(|a| *a > 0) {
                            let _ = tx.send((code, avg));
                        }
                    }
                    Err(e) => tracing::warn!("{code}: daily bars for the average volume: {e}"),
                }
            }
        });
    }

    /// What a feed event fires.
    fn observe(&mut self, e: &FeedEvent) -> Vec<Firing> {
        let mut out = Vec::new();
        match e {
            FeedEvent::Quote { reply: Ok(q), .. } => out.extend(self.engine.on_quote(&q.value)),
            FeedEvent::Quotes { reply: Ok(v), .. } | FeedEvent::Watched { reply: Ok(v), .. } => {
                for q in v {
                    out.extend(self.engine.on_quote(&q.value));
                }
            }
            FeedEvent::Trade { trade, .. } => out.extend(self.engine.on_trade(trade)),
            FeedEvent::MarketStatus { at, status } => {
                out.extend(self.engine.on_vi(status.code, *at, status.flags.vi))
            }
            _ => {}
        }
        out
    }

    /// The monitor's rules after an edit: saved, and evaluated from now on.
    fn set_user_rules(&mut self, rules: Vec<Rule>) -> Option<String> {
        self.user = UserRules { rules };
        let problem = self.user.save(&self.settings.state_dir).err().map(|e| {
            format!(
                "{}: {e}",
                UserRules::path(&self.settings.state_dir).display()
            )
        });
        let all: Vec<Rule> = merged(&self.settings.rules, &self.user)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        self.engine
            .set_rules(&all, self.settings.tuning, Calendar::krx().clone());
        self.fetch_averages(&all);
        problem
    }
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
    let (alerts, warnings) = AlertLoop::new(&ui.alerts, Some((source.clone(), clock.clone())));
    for w in warnings {
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
        Some(alerts),
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
    mut alerts: Option<AlertLoop>,
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
    if let Some(a) = &alerts {
        pending.push(Msg::Alerts {
            rows: a.rows(),
            fired: Vec::new(),
        });
    }
    loop {
        // Messages handled here may add more (what an alert fired, the rules after an edit):
        // those go in the next batch, before anything is drawn.
        while !pending.is_empty() {
            for msg in std::mem::take(&mut pending) {
                stats.messages += 1;
                // The alerts see every quote and trade before the screen does.
                if let (Some(a), Msg::Feed(e)) = (alerts.as_mut(), &msg) {
                    let fired = a.observe(e);
                    if !fired.is_empty() {
                        pending.push(Msg::Alerts {
                            rows: a.rows(),
                            fired,
                        });
                    }
                }
                // The view's armed/fired marks follow re-arms too, while it is open.
                if let (Some(a), Msg::Tick(_), super::state::Mode::Alerts) =
                    (alerts.as_ref(), &msg, state.mode)
                {
                    pending.push(Msg::Alerts {
                        rows: a.rows(),
                        fired: Vec::new(),
                    });
                }
                for cmd in update(state, msg) {
                    match cmd {
                        Command::Quit => {
                            return Ok(stats);
                        }
                        Command::SaveWatchlists => save(state, state_dir.as_deref()),
                        Command::SetInterest(i) => feed.set_interest(i),
                        Command::SetAlertRules(rules) => {
                            if let Some(a) = alerts.as_mut() {
                                if let Some(p) = a.set_user_rules(rules) {
                                    tracing::warn!("cannot save the alerts: {p}");
                                    state.notice = Some((state.now, p));
                                }
                                pending.push(Msg::Alerts {
                                    rows: a.rows(),
                                    fired: Vec::new(),
                                });
                            }
                        }
                        Command::Bell => {
                            // BEL straight to the terminal, between frames.
                            let mut out = std::io::stdout();
                            let _ = out.write_all(b"\x07").and_then(|_| out.flush());
                        }
                    }
                }
            }
        }
        // Draw now if allowed, otherwise at the next frame slot.
        let draw_at = state
            .dirty
            .then(|| last_frame.map_or_else(Instant::now, |t| t + min_frame));
        if draw_at.is_some_and(|at| at <= Instant::now()) {
            // The terminal was handed back (a panic elsewhere): nothing more to draw on it.
            let Some(_frame) = term::frame() else {
                return Ok(stats);
            };
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
            Some((code, avg)) = async {
                match alerts.as_mut() {
                    Some(a) => a.averages.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if let Some(a) = alerts.as_mut() {
                    a.engine.evaluator_mut().set_average_volume(code, avg);
                }
            }
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

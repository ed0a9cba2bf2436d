//! The whole app in-process (the gitui way): the real event loop and the real feed on a
//! `TestBackend`, scripted key events, a static source, tokio's paused clock. Each step runs the
//! loop for a while of virtual time, then the whole screen is compared with a snapshot.

mod common;
use common::screen_text;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use hoga::clock::{ManualClock, SharedClock};
use hoga::feed::{Feed, Pace};
use hoga::market::Period;
use hoga::source::{DataSource, SourceKind};
use hoga::tui::app::{LoopStats, event_loop};
use hoga::tui::fixtures::{self, StaticSource};
use hoga::tui::state::{Mode, Settings, State};
use hoga::tui::watchlist::Watchlists;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::Duration;

fn key(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn special(k: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(k, KeyModifiers::NONE)))
}

struct App {
    terminal: Terminal<TestBackend>,
    state: State,
    source: Arc<dyn DataSource>,
    clock: SharedClock,
    /// The alert engine for the next run, if any.
    alerts: Option<hoga::tui::app::AlertLoop>,
}

impl App {
    fn new(w: u16, h: u16) -> App {
        let static_source = StaticSource::new(60);
        // The default config's lists (two of them), the first holding the static stocks.
        let defaults = hoga::config::Settings::build(
            &hoga::config::Config::default(),
            &hoga::paths::Paths::under(std::path::Path::new("/nonexistent/hoga-test")),
        )
        .expect("the default config is valid");
        let mut wl = Watchlists::new(&defaults.ui.watchlists);
        wl.lists[0].codes = static_source
            .universe
            .iter()
            .take(12)
            .map(|l| l.code)
            .collect();
        let clock: SharedClock = Arc::new(ManualClock::new(fixtures::now()));
        let state = State::new(
            Settings::default(),
            wl,
            SourceKind::Simulated,
            Period::Day.into(),
            clock.now(),
        );
        App {
            terminal: Terminal::new(TestBackend::new(w, h)).unwrap(),
            state,
            source: Arc::new(static_source),
            clock,
            alerts: None,
        }
    }

    /// Runs the event loop (with a fresh feed) on `keys`, for `secs` of virtual time or until
    /// the app quits. Returns whether it quit by itself.
    async fn run(&mut self, keys: Vec<std::io::Result<Event>>, secs: u64) -> (bool, LoopStats) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let feed = Feed::spawn(self.source.clone(), self.clock.clone(), tx, Pace::default());
        // The new feed must be told what is on screen.
        self.state.last_interest = None;
        let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = timed_out.clone();
        let stats = event_loop(
            &mut self.terminal,
            futures::stream::iter(keys).chain(futures::stream::pending()),
            rx,
            &feed,
            &mut self.state,
            self.clock.clone(),
            30,
            None,
            self.alerts.take(),
            async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            },
        )
        .await
        .expect("the loop runs");
        (!timed_out.load(std::sync::atomic::Ordering::SeqCst), stats)
    }

    fn screen(&self) -> String {
        screen_text(self.terminal.backend().buffer())
    }
}

#[tokio::test(start_paused = true)]
async fn start_navigate_search_and_quit() {
    let mut app = App::new(120, 40);

    // Start-up: the feed loads the universe, the rows, the open stock's chart and book.
    let (quit, stats) = app.run(Vec::new(), 3).await;
    assert!(!quit);
    assert!(stats.frames >= 1);
    let first = app.state.selected.expect("the first row is open");
    assert!(
        app.state.quotes.len() >= 12,
        "every row on screen is quoted"
    );
    assert!(app.state.book.value.is_some() && app.state.chart.data.value.is_some());
    insta::assert_snapshot!("app_start_120x40", app.screen());

    // `j` opens the next row: its book and chart replace the first one's.
    let (_, _) = app.run(vec![key('j')], 2).await;
    let second = app.state.selected.expect("a row is open");
    assert_ne!(second, first);
    assert_eq!(app.state.book.value.as_ref().map(|b| b.code), Some(second));
    insta::assert_snapshot!("app_second_row_120x40", app.screen());

    // `/` and 초성: the search overlay finds 카카오 by ㅋㅋㅇ; Enter opens it.
    let (_, _) = app
        .run(vec![key('/'), key('ㅋ'), key('ㅋ'), key('ㅇ')], 1)
        .await;
    assert_eq!(app.state.mode, Mode::Search);
    insta::assert_snapshot!("app_search_120x40", app.screen());
    let (_, _) = app.run(vec![special(KeyCode::Enter)], 2).await;
    assert_eq!(app.state.mode, Mode::Normal);
    let opened = app.state.selected.expect("the found stock is open");
    assert_eq!(opened.as_str(), "035720", "카카오");
    assert_eq!(app.state.book.value.as_ref().map(|b| b.code), Some(opened));

    // `q` ends the loop by itself, long before the step's time is up.
    let (quit, _) = app.run(vec![key('q')], 600).await;
    assert!(quit, "q quits");
}

#[tokio::test(start_paused = true)]
async fn an_idle_screen_is_not_redrawn() {
    let mut app = App::new(80, 24);
    app.run(Vec::new(), 3).await;
    // Quiet market data (the static source answers the same every time): a minute of polls
    // and clock ticks redraws only when a visible string (the clock, an age) changes.
    let (_, stats) = app.run(Vec::new(), 60).await;
    assert!(
        stats.frames <= 8,
        "{} frames in an idle minute ({} messages)",
        stats.frames,
        stats.messages
    );
    assert!(stats.messages > 100, "the feed and the clock kept running");
}

/// Alerts in the running monitor: a rule from the config fires on the polled quotes, shows a
/// toast until esc, is logged, and does not fire again after a restart (the fired state in the
/// state dir); the monitor's own rule added with `A` is saved in `alerts.json` and fires too.
#[tokio::test(start_paused = true)]
async fn alerts_fire_once_show_a_toast_and_survive_a_restart() {
    use hoga::feed::alerts::{AlertSettings, UserRules};
    use hoga::market::alert::{Condition, Rule};
    use hoga::tui::app::AlertLoop;
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(120, 40);
    let first = app.state.selected.expect("an open stock");
    let settings = AlertSettings {
        rules: vec![Rule::new(
            first,
            Condition::PriceAtOrAbove(hoga::market::Krw(1)),
        )],
        state_dir: dir.path().to_path_buf(),
        ..AlertSettings::default()
    };
    app.alerts = Some(AlertLoop::new(&settings, None).0);
    let (_, _) = app.run(Vec::new(), 3).await;
    assert_eq!(app.state.alerts.log.len(), 1, "{:?}", app.state.alerts.log);
    assert_eq!(app.state.alerts.unseen, 1);
    assert!(app.state.alerts.rows.iter().all(|r| r.fired));
    let s = app.screen();
    assert!(
        s.contains("알림") && s.contains("현재가 ≥ 1"),
        "the toast:\n{s}"
    );
    // Esc: seen, the toast goes.
    let esc = Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    app.alerts = Some(AlertLoop::new(&settings, None).0);
    let (_, _) = app.run(vec![Ok(esc)], 2).await;
    assert_eq!(app.state.alerts.unseen, 0);
    assert!(!app.screen().contains("현재가 ≥ 1"), "{}", app.screen());
    assert_eq!(
        app.state.alerts.log.len(),
        1,
        "still true after the restart: no second firing"
    );

    // A rule of the monitor's own, from the form: saved, and it fires.
    let keys: Vec<std::io::Result<Event>> = ["A", "Backspace"]
        .iter()
        .map(|k| {
            Ok(Event::Key(match *k {
                "A" => KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT),
                _ => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
            }))
        })
        .collect();
    let mut keys = keys;
    // Clear the prefilled price, then type 2 and save.
    for _ in 0..12 {
        keys.push(Ok(Event::Key(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        ))));
    }
    keys.push(Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    ))));
    keys.push(Ok(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))));
    app.alerts = Some(AlertLoop::new(&settings, None).0);
    let (_, _) = app.run(keys, 3).await;
    let (saved, _) = UserRules::load(dir.path());
    assert_eq!(
        saved.rules,
        vec![Rule::new(
            first,
            Condition::PriceAtOrAbove(hoga::market::Krw(2))
        )]
    );
    assert_eq!(app.state.alerts.rows.len(), 2);
    assert_eq!(
        app.state.alerts.log.len(),
        2,
        "the new rule fired: {:?}",
        app.state.alerts.log
    );
}

//! The terminal UI: watchlist, candlestick chart, 10-level order book, info pane, lookup and
//! status bar. Elm-style: one `Msg` enum, a pure `update`, pure views, and an event loop
//! (`app`) that owns the terminal and talks to the `feed` task through messages.

pub mod action;
pub mod app;
/// Test data for tests and benches only (the `test-fixtures` feature, on through the self
/// dev-dependency in `Cargo.toml`); never part of a normal build.
#[cfg(any(test, feature = "test-fixtures"))]
#[doc(hidden)]
pub mod fixtures;
pub mod health;
pub mod lang;
pub mod layout;
pub mod msg;
pub mod search;
pub mod state;
pub mod term;
pub mod update;
pub mod view;
pub mod watchlist;
pub mod widgets;

pub use app::run;
pub use msg::{Command, Msg};
pub use state::State;
pub use update::update;

use crate::market::Interval;
use crate::source::DataSource;
use crate::source::factory::{self, SourceChoice};
use std::path::PathBuf;
use std::sync::Arc;
use watchlist::Watchlist;

/// The monitor's configuration (`[ui]`, `[keys]`, `[watchlist]`), parsed and checked at load.
#[derive(Clone, Debug)]
pub struct UiSettings {
    /// What `update` and the views read: keymap, theme, flash length, mouse.
    pub state: state::Settings,
    /// Upper bound on redraws per second.
    pub max_fps: u32,
    /// The chart interval to start with (`[ui] default_interval`).
    pub initial_period: Interval,
    /// The watchlists until the user edits them (edits are saved in `state_dir` and win).
    pub watchlists: Vec<Watchlist>,
    pub state_dir: PathBuf,
    /// The config file hoga reads (written with every key commented on first run), for the
    /// simulated market's hint on how to get real data.
    pub config_file: PathBuf,
    /// The alert rules of the config and how they fire (the monitor adds its own rules,
    /// saved in `state_dir`).
    pub alerts: crate::feed::alerts::AlertSettings,
}

/// The data source for the monitor: KIS when credentials exist (or `--source kis`), else the
/// simulated market (see `source::factory`).
pub async fn source_for(
    choice: SourceChoice,
    settings: &factory::Settings,
    clock: crate::clock::SharedClock,
) -> anyhow::Result<Arc<dyn DataSource>> {
    Ok(factory::build(settings, choice, clock)?)
}

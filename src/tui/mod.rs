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

use crate::config::Config;
use crate::paths::Paths;
use crate::source::DataSource;
use crate::source::factory::SourceChoice;
use std::sync::Arc;

/// The data source for the monitor: KIS when credentials exist (or `--source kis`), else the
/// simulated market (see `source::factory`).
pub async fn source_for(
    choice: SourceChoice,
    config: &Config,
    paths: &Paths,
    clock: crate::clock::SharedClock,
) -> anyhow::Result<Arc<dyn DataSource>> {
    Ok(crate::source::factory::build(config, paths, choice, clock)?)
}

//! The terminal UI: watchlist, candlestick chart, 10-level order book, info pane, lookup and
//! status bar. Elm-style: one `Msg` enum, a pure `update`, pure views, and an event loop
//! (`app`) that owns the terminal and talks to the `feed` task through messages.

pub mod action;
pub mod app;
#[doc(hidden)]
pub mod fixtures;
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

use crate::cli::SourceArg;
use crate::config::Config;
use crate::paths::Paths;
use crate::source::DataSource;
use std::sync::Arc;

/// The data source for the monitor: the simulated market for `--source mock` or when no
/// credentials are configured; KIS otherwise.
pub async fn source_for(
    choice: SourceArg,
    config: &Config,
    _paths: &Paths,
) -> anyhow::Result<Arc<dyn DataSource>> {
    let mock = match choice {
        SourceArg::Mock => true,
        SourceArg::Auto => !config.kis.has_credentials(),
        SourceArg::Kis => false,
    };
    if mock {
        return Ok(Arc::new(crate::source::mock::MockSource::new(
            MOCK_SEED,
            crate::clock::system(),
        )));
    }
    anyhow::bail!(
        "the KIS source is not wired into the monitor in this build yet; use --source mock"
    )
}

/// Seed of the built-in simulated market (the same market every run).
pub const MOCK_SEED: u64 = 1;

//! Headless lookup commands: `hoga quote|book|chart|info|search`. A table for people by default
//! (Hangul aligned by display width), `--json` for scripts. Exit 0 ok, 1 data error, 2 usage,
//! config or auth error.
//!
//! `args` holds the clap structs, `runner` runs a command against a `DataSource`, `json` the
//! shapes scripts read, `table` the width-aware table, `text` what each command prints for people.

mod args;
mod json;
mod market;
mod runner;
mod table;
mod text;

#[cfg(test)]
mod tests;

pub use args::{BookArgs, ChartArgs, InfoArgs, QuoteArgs, SearchArgs};
pub use json::{BookJson, ChartJson, InfoJson, QuoteJson, SearchJson};
pub use market::{IndexArgs, IndexJson, RankArgs, RankJson};
use runner::write_out;
pub use runner::{default_from, execute, run};
pub use table::fit;

use crate::exit::Exit;
use crate::source::SourceError;

/// One lookup command.
#[derive(Debug, Clone)]
pub enum Lookup {
    Quote(QuoteArgs),
    Book(BookArgs),
    Chart(ChartArgs),
    Info(InfoArgs),
    Search(SearchArgs),
    Index(IndexArgs),
    Rank(RankArgs),
}

/// Why a lookup failed; decides the exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The data could not be had (unknown code, KIS unavailable): exit 1.
    #[error("{0}")]
    Data(String),
    /// Bad arguments or configuration: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Credentials missing or refused: exit 2.
    #[error("{0}")]
    Auth(String),
    /// SIGINT or SIGTERM while waiting: exit 130.
    #[error("interrupted")]
    Interrupted,
}

impl LookupError {
    pub fn exit_code(&self) -> i32 {
        match self {
            LookupError::Data(_) => Exit::Data.code(),
            LookupError::Usage(_) | LookupError::Auth(_) => Exit::Config.code(),
            LookupError::Interrupted => i32::from(crate::signal::EXIT_INTERRUPTED),
        }
    }
}

impl From<SourceError> for LookupError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Auth(_) => LookupError::Auth(e.to_string()),
            other => LookupError::Data(other.to_string()),
        }
    }
}

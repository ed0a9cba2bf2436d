//! Command-line interface (clap derive): global options, and the subcommands that exist.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// hoga (호가): a terminal market monitor for KOSPI and KOSDAQ on the KIS Open API.
///
/// With no command, runs the full-screen monitor (a simulated market when no KIS credentials
/// are configured).
#[derive(Debug, Parser)]
#[command(name = "hoga", version, about, long_about = None)]
pub struct Cli {
    /// Config file to read instead of the default (`<config dir>/hoga/config.toml`).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log filter: a level (error, warn, info, debug, trace) or tracing directives such as
    /// `hoga=debug,info`. Overrides RUST_LOG.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Where market data comes from: `kis` (needs credentials), `mock` (the simulated market),
    /// or `auto` (KIS when credentials are configured, else mock).
    #[arg(long, global = true, value_enum, default_value_t = SourceArg::Auto)]
    pub source: SourceArg,

    /// The clock hoga follows for sessions, the forming candle, ages and "today" (a testing
    /// and demo option, the same syntax as kis-sim's): `real`, `frozen:<instant>` or
    /// `accel:<factor>@<instant>`; instants are RFC 3339 or KST `YYYY-MM-DD HH:MM[:SS]`.
    #[arg(long, global = true, value_name = "MODE", default_value = "real",
          value_parser = crate::clock::ClockMode::parse)]
    pub clock: crate::clock::ClockMode,

    /// Print the effective configuration (secrets redacted) and exit: 0 if valid, 2 if not.
    #[arg(long)]
    pub check_config: bool,

    /// Run the headless daily ingestion job instead of the monitor (see the ingest options).
    #[arg(long)]
    pub ingest: bool,

    #[command(flatten)]
    pub ingest_args: crate::ingest::args::IngestArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which data source to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    Auto,
    Kis,
    Mock,
}

impl From<SourceArg> for crate::source::factory::SourceChoice {
    fn from(a: SourceArg) -> Self {
        use crate::source::factory::SourceChoice;
        match a {
            SourceArg::Auto => SourceChoice::Auto,
            SourceArg::Kis => SourceChoice::Kis,
            SourceArg::Mock => SourceChoice::Mock,
        }
    }
}

/// One-shot commands. Each prints its answer and exits.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Current quotes: `hoga quote 005930 000660 [--json]`.
    Quote(crate::lookup::QuoteArgs),
    /// The 10-level order book: `hoga book 005930 [--json]`.
    Book(crate::lookup::BookArgs),
    /// Bars: `hoga chart 005930 --period D|W|M|Y|1m [--from YYYY-MM-DD] [--to YYYY-MM-DD]`.
    Chart(crate::lookup::ChartArgs),
    /// Reference information: `hoga info 005930 [--json]`.
    Info(crate::lookup::InfoArgs),
    /// Find stocks by code, name or initial consonants: `hoga search 삼성`.
    Search(crate::lookup::SearchArgs),
}

impl Command {
    /// The lookup this command runs.
    pub fn into_lookup(self) -> crate::lookup::Lookup {
        use crate::lookup::Lookup;
        match self {
            Command::Quote(a) => Lookup::Quote(a),
            Command::Book(a) => Lookup::Book(a),
            Command::Chart(a) => Lookup::Chart(a),
            Command::Info(a) => Lookup::Info(a),
            Command::Search(a) => Lookup::Search(a),
        }
    }
}

impl Cli {
    /// Whether this invocation runs the full-screen UI (so logs must never reach the terminal).
    pub fn runs_tui(&self) -> bool {
        self.command.is_none() && !self.ingest && !self.check_config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_parse() {
        let cli = Cli::try_parse_from([
            "hoga",
            "--config",
            "/tmp/x.toml",
            "--log-level",
            "debug",
            "--source",
            "mock",
            "--check-config",
        ])
        .expect("valid arguments");
        assert_eq!(
            cli.config.as_deref(),
            Some(std::path::Path::new("/tmp/x.toml"))
        );
        assert_eq!(cli.log_level.as_deref(), Some("debug"));
        assert_eq!(cli.source, SourceArg::Mock);
        assert!(cli.check_config);
        assert!(!cli.runs_tui());
        assert!(Cli::try_parse_from(["hoga", "--source", "bogus"]).is_err());
        assert!(
            Cli::try_parse_from(["hoga"])
                .expect("no arguments")
                .runs_tui()
        );
    }
}

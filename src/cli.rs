//! Command-line interface (clap derive): global options, and the subcommands that exist.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// hoga (호가): a terminal market monitor for KOSPI and KOSDAQ on the KIS Open API.
///
/// With no command, runs the full-screen monitor (a simulated market when no KIS credentials
/// are configured).
#[derive(Debug, Parser)]
#[command(name = "hoga", version, about, long_about = None)]
// The ingest options mean nothing without --ingest: refuse them rather than start the monitor
// (the group is the one clap derives for the flattened `IngestArgs`).
#[command(mut_group("IngestArgs", |g| g.requires("ingest")))]
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

    /// Run the headless daily ingestion job instead of the monitor (see the ingest options);
    /// the same as `hoga ingest`.
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
    /// Indices with their breadth: `hoga index [0001 1001 2001] [--json]` (virtual server:
    /// the last close from the daily chart).
    Index(crate::lookup::IndexArgs),
    /// Rankings (real server only): `hoga rank volume|value|gainers|losers [--market
    /// kospi|kosdaq|all] [--json]`.
    Rank(crate::lookup::RankArgs),
    /// The headless daily ingestion job, the same as `hoga --ingest`: `hoga ingest --date
    /// 2026-03-06`.
    Ingest(crate::ingest::args::IngestArgs),
    /// Stream live trades (and books) over the KIS WebSocket until `--duration` or Ctrl-C:
    /// `hoga stream 005930 000660 --book --json --duration 60`.
    Stream(crate::stream::StreamArgs),
    /// Evaluate the alert rules (`[[alerts]]` and the monitor's) on live data and print each
    /// firing until `--duration` or Ctrl-C: `hoga alerts --json`.
    Alerts(crate::alerts::AlertsArgs),
}

impl Command {
    /// The lookup this command runs (`None` for `ingest`, `stream` and `alerts`, which are not
    /// lookups).
    pub fn into_lookup(self) -> Option<crate::lookup::Lookup> {
        use crate::lookup::Lookup;
        Some(match self {
            Command::Quote(a) => Lookup::Quote(a),
            Command::Book(a) => Lookup::Book(a),
            Command::Chart(a) => Lookup::Chart(a),
            Command::Info(a) => Lookup::Info(a),
            Command::Search(a) => Lookup::Search(a),
            Command::Index(a) => Lookup::Index(a),
            Command::Rank(a) => Lookup::Rank(a),
            Command::Ingest(_) | Command::Stream(_) | Command::Alerts(_) => return None,
        })
    }
}

impl Cli {
    /// Parses the command line as `try_parse_from` does, and also refuses `--ingest` with a
    /// command (`hoga --ingest quote 005930`: which one was meant?). clap cannot say this
    /// itself without also refusing the global options before a command.
    pub fn try_parse_checked<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = Cli::try_parse_from(args)?;
        if cli.ingest && cli.command.is_some() {
            use clap::CommandFactory;
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                "--ingest cannot be used with a command (`hoga ingest ...` is the same as \
                 `hoga --ingest ...`)",
            ));
        }
        Ok(cli)
    }

    /// Whether this invocation runs the full-screen UI (so logs must never reach the terminal).
    pub fn runs_tui(&self) -> bool {
        self.command.is_none() && !self.ingest && !self.check_config
    }

    /// The ingest options when this invocation is an ingest (`hoga --ingest …` or
    /// `hoga ingest …`; both run the same code with these).
    pub fn ingest_args(&self) -> Option<&crate::ingest::args::IngestArgs> {
        match &self.command {
            Some(Command::Ingest(args)) => Some(args),
            _ if self.ingest => Some(&self.ingest_args),
            _ => None,
        }
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

    #[test]
    fn ingest_options_require_ingest() {
        for args in [
            &["hoga", "--date", "2026-01-02"][..],
            &["hoga", "--from", "2026-01-02"],
            &["hoga", "--codes", "005930"],
            &["hoga", "--market", "kospi"],
            &["hoga", "--store", "sqlite:x.db"],
            &["hoga", "--dry-run"],
            &["hoga", "--json"],
            &["hoga", "--warm-cache"],
            &["hoga", "--force"],
            &["hoga", "--via", "chart"],
            &["hoga", "--concurrency", "4"],
        ] {
            let err = Cli::try_parse_from(args).expect_err(&format!("{args:?} is refused"));
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::MissingRequiredArgument,
                "{args:?}: {err}"
            );
            assert!(err.to_string().contains("--ingest"), "{args:?}: {err}");
        }
        // Defaults (--market all, --via auto) do not count as given.
        assert!(Cli::try_parse_from(["hoga"]).unwrap().runs_tui());
        let cli = Cli::try_parse_from(["hoga", "--ingest", "--date", "2026-01-02"]).unwrap();
        assert_eq!(
            cli.ingest_args().and_then(|a| a.date),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
        );
        assert!(!cli.runs_tui());
    }

    #[test]
    fn ingest_subcommand_takes_the_same_options() {
        let argv = |form: &[&'static str]| {
            let mut v = vec!["hoga"];
            v.extend_from_slice(form);
            v.extend([
                "--date",
                "2026-03-06",
                "--codes",
                "005930,000660",
                "--market",
                "kosdaq",
                "--store",
                "sqlite:x.db",
                "--dry-run",
                "--json",
                "--force",
                "--via",
                "chart",
                "--concurrency",
                "3",
            ]);
            v
        };
        let flag = Cli::try_parse_from(argv(&["--ingest"])).unwrap();
        let sub = Cli::try_parse_from(argv(&["ingest"])).unwrap();
        assert!(!flag.runs_tui() && !sub.runs_tui());
        assert_eq!(
            format!("{:?}", flag.ingest_args().unwrap()),
            format!("{:?}", sub.ingest_args().unwrap())
        );
        let a = sub.ingest_args().unwrap();
        assert_eq!(a.codes, ["005930", "000660"]);
        assert_eq!(a.concurrency, Some(3));
        assert!(matches!(sub.command, Some(Command::Ingest(_))));
        // Global options still go anywhere.
        let g = Cli::try_parse_from(["hoga", "ingest", "--source", "mock", "--dry-run"]).unwrap();
        assert_eq!(g.source, SourceArg::Mock);
        let g = Cli::try_parse_from(["hoga", "--source", "mock", "quote", "005930"]).unwrap();
        assert_eq!(g.source, SourceArg::Mock);
        assert!(g.ingest_args().is_none());
        // A lookup is not an ingest, and the two forms do not mix with other commands.
        assert!(Cli::try_parse_checked(["hoga", "--ingest", "quote", "005930"]).is_err());
        assert!(Cli::try_parse_checked(["hoga", "--ingest", "ingest"]).is_err());
        assert!(Cli::try_parse_checked(["hoga", "ingest", "--date", "2026-03-06"]).is_ok());
        assert!(Cli::try_parse_checked(["hoga", "--config", "x.toml", "quote", "1"]).is_ok());
        assert!(Cli::try_parse_from(["hoga", "--date", "2026-03-06", "ingest"]).is_err());
        assert!(Cli::try_parse_from(["hoga", "quote", "005930", "--date", "2026-03-06"]).is_err());
    }
}

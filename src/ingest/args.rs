//! The ingest options: flattened into the top-level `Cli` (where they require `--ingest`) and
//! the arguments of the `hoga ingest` subcommand.

use super::Via;
use chrono::NaiveDate;

#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Ingest options (with --ingest, or `hoga ingest`)")]
pub struct IngestArgs {
    /// Trading day to ingest (KST). Default: the latest trading day whose session has closed.
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["from", "to"])]
    pub date: Option<NaiveDate>,

    /// First day of a backfill range (with --to; --to defaults to the latest closed day).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<NaiveDate>,

    /// Last day of a backfill range.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from")]
    pub to: Option<NaiveDate>,

    /// Only these stocks (comma-separated codes), instead of the whole universe.
    #[arg(long, value_name = "CODE,...", value_delimiter = ',')]
    pub codes: Vec<String>,

    /// Which market's stocks.
    #[arg(long, value_enum, default_value_t = MarketArg::All)]
    pub market: MarketArg,

    /// Where to store: `sqlite:PATH` or `postgres://USER@HOST:PORT/DB` (default: `[ingest]
    /// store`, else `sqlite:` hoga.db in the data dir).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,

    /// Fetch and validate, store nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the run summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,

    /// Before ingesting, fill the cache (Redis) with the watchlists' quotes.
    #[arg(long)]
    pub warm_cache: bool,

    /// Ingest a date even if it is not a KRX trading day.
    #[arg(long)]
    pub force: bool,

    /// How to fetch: multi-quote (today after the close, real server) or the daily chart.
    #[arg(long, value_enum, default_value_t = Via::Auto)]
    pub via: Via,

    /// Report, per stock, the trading days of its listed period in the range (default: from
    /// the first stored bar to the latest closed day) with no bar and no known reason (a
    /// halt); exit 0 when complete, 1 when days are missing. Nothing is fetched.
    #[arg(long)]
    pub audit: bool,

    /// Audit, then fetch exactly the missing days, then audit again (exit 0 once complete).
    #[arg(long)]
    pub repair: bool,

    /// Print the universe on this date from the store's listing history: the issues listed
    /// that day, with their name and market then (a table, or `--json`). Nothing is fetched.
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["audit", "repair"])]
    pub universe_on: Option<NaiveDate>,

    /// Only shard K of N (K from 0): a stable subset of the universe by code hash, so N
    /// workers (Airflow mapped tasks, cron jobs on N machines) cover the market once.
    #[arg(long, value_name = "K/N", value_parser = super::Shard::parse)]
    pub shard: Option<super::Shard>,

    /// Use appkey N (from 1: `[kis] app_key` when set, then each `[[kis.accounts]]` entry),
    /// with its own token and budget. Default: with `--shard K/N` and several appkeys, appkey
    /// (K mod their count) + 1, so shards spread over the keys; else the first.
    #[arg(long, value_name = "N", value_parser = account_in_range)]
    pub account: Option<usize>,

    /// Requests in flight at once (default: `[ingest] concurrency`).
    /// 1–256, as `[ingest] concurrency` allows.
    #[arg(long, value_name = "N", value_parser = concurrency_in_range)]
    pub concurrency: Option<usize>,
}

/// `--account` from 1 to the most appkeys hoga takes.
fn account_in_range(s: &str) -> Result<usize, String> {
    let max = crate::kis::MAX_ACCOUNTS;
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not an account number from 1 to {max}")),
    }
}

/// `--concurrency` within the range the config accepts for `[ingest] concurrency`.
fn concurrency_in_range(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number from 1 to 256")),
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MarketArg {
    Kospi,
    Kosdaq,
    #[default]
    All,
}

impl MarketArg {
    pub fn market(self) -> Option<crate::market::Market> {
        match self {
            MarketArg::Kospi => Some(crate::market::Market::Kospi),
            MarketArg::Kosdaq => Some(crate::market::Market::Kosdaq),
            MarketArg::All => None,
        }
    }
}

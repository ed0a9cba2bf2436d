//! The clap arguments of each lookup command.

use crate::market::Period;
use chrono::NaiveDate;
use clap::Args;

/// `hoga quote CODE...`
#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// Six-character stock codes, e.g. 005930 000660, or names that mean one stock (삼성전자).
    #[arg(value_name = "CODE", required = true)]
    pub codes: Vec<String>,
    /// Print JSON: an object for one code, an array for several.
    #[arg(long)]
    pub json: bool,
}

/// `hoga book CODE`
#[derive(Debug, Clone, Args)]
pub struct BookArgs {
    #[arg(value_name = "CODE")]
    pub code: String,
    #[arg(long)]
    pub json: bool,
}

/// `hoga chart CODE --period D|W|M|Y|1m [--from YYYY-MM-DD] [--to YYYY-MM-DD]`
#[derive(Debug, Clone, Args)]
pub struct ChartArgs {
    #[arg(value_name = "CODE")]
    pub code: String,
    /// Bar interval: D, W, M, Y, or 1m (today's one-minute bars).
    #[arg(long, default_value = "D", value_parser = parse_period)]
    pub period: Period,
    /// First date (KST), inclusive. Default: 3 months (D), 1 year (W), 5 years (M), 20 years (Y) back.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last date (KST), inclusive. Default: today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Daily bars adjusted for corporate actions (수정주가, as the monitor's chart and the
    /// store's `daily_bars_adjusted` view show them); without it, daily bars are as traded
    /// (원주가). Weekly and longer bars are always adjusted.
    #[arg(long)]
    pub adjusted: bool,
    #[arg(long)]
    pub json: bool,
}

/// `hoga info CODE`
#[derive(Debug, Clone, Args)]
pub struct InfoArgs {
    #[arg(value_name = "CODE")]
    pub code: String,
    #[arg(long)]
    pub json: bool,
}

/// `hoga search TEXT`
#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// A code, a Korean or English name (or part of one), or initial consonants (ㅅㅅㅈㅈ).
    #[arg(value_name = "TEXT", required = true, num_args = 1..)]
    pub text: Vec<String>,
    /// At most this many matches.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

/// A calendar date, named when it is not one (clap's own message is "input is out of range").
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date: expected YYYY-MM-DD, e.g. 2026-11-19"))
}

fn parse_period(s: &str) -> Result<Period, String> {
    Period::parse(s).ok_or_else(|| format!("unknown period {s:?}: expected D, W, M, Y or 1m"))
}

//! `hoga --ingest`: universe → fetch → validate → store, resumable and idempotent.
//!
//! - `args`: the command-line options (flattened into the top-level `Cli`).
//! - `run`: one run, given a plan, a source and a store.
//! - `validate`: the market rules a bar must pass before it is stored.
//! - `source`: what the run reads (over a `DataSource` or the KIS client directly).
//! - `report`: progress bar / log lines. `cmd`: the command itself (options → plan → exit code).

pub mod actions;
pub mod args;
pub mod audit;
pub mod cmd;
pub mod report;
pub mod run;
pub mod source;
pub mod validate;
pub mod warm;

pub use run::{Deps, IngestError, run};

use crate::exit::Exit;
use crate::market::{Market, StockCode};
use crate::source::SourceMetrics;
use crate::store::StoreSpec;
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The ingest's configuration (`[ingest]`, and the watchlists `--warm-cache` warms).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `[ingest] store`, an empty one resolved to SQLite in the data dir (`--store` wins).
    pub store: StoreSpec,
    /// Where `--store sqlite:` without a path puts the database.
    pub data_dir: PathBuf,
    /// Bars written per transaction.
    pub batch_size: usize,
    /// Stock requests in flight at once (the rate limiter still paces them).
    pub concurrency: usize,
    /// The stocks of every configured watchlist, sorted, once each.
    pub watchlist_codes: Vec<StockCode>,
    /// `[ingest] delist_after_days`.
    pub delist_after_days: u32,
}

/// How today's or past bars are fetched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// Multi-quote for the current day after the close on the real server, else the chart.
    #[default]
    Auto,
    /// Quotes of 30 stocks per call (today's bar only).
    MultiQuote,
    /// The daily chart per stock (any date range).
    Chart,
}

impl Via {
    pub fn label(self) -> &'static str {
        match self {
            Via::Auto => "auto",
            Via::MultiQuote => "multi-quote",
            Via::Chart => "chart",
        }
    }
}

/// A resolved run: what to fetch and how. `Via::Auto` has been decided by now.
#[derive(Clone, Debug)]
pub struct Plan {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// A subset of the universe, or all of it.
    pub codes: Option<Vec<StockCode>>,
    /// One market, or both.
    pub market: Option<Market>,
    pub via: Via,
    pub dry_run: bool,
    /// Accept non-trading dates.
    pub force: bool,
    /// Stock requests in flight at once (the limiter still paces them).
    pub concurrency: usize,
    /// Bars per transaction (a transaction is also committed at least once a second).
    pub batch_size: usize,
    /// `--shard K/N`: only the stocks whose code hashes to K of N.
    pub shard: Option<Shard>,
    /// `[ingest] delist_after_days`: trading days an issue may be missing from the master
    /// files before the listing history marks it delisted.
    pub delist_after_days: u32,
}

/// One of N stable parts of the universe (`--shard K/N`, K from 0): a stock belongs to shard
/// `sha256(code)[..8] as big-endian u64 % N`, the same on every machine and every day, so N
/// workers cover the market exactly once between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `K/N` with 0 ≤ K < N ≤ 4096.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let err = || format!("{s:?} is not K/N (0 <= K < N <= 4096, e.g. 0/4)");
        let (k, n) = s.trim().split_once('/').ok_or_else(err)?;
        let index: u32 = k.trim().parse().map_err(|_| err())?;
        let count: u32 = n.trim().parse().map_err(|_| err())?;
        if count == 0 || count > 4096 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    pub fn of(code: StockCode, count: u32) -> u32 {
        let d = Sha256::digest(code.as_str().as_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        (u64::from_be_bytes(b) % u64::from(count.max(1))) as u32
    }

    pub fn contains(&self, code: StockCode) -> bool {
        Shard::of(code, self.count) == self.index
    }
}

impl Plan {
    /// The run's identity: a hash of the arguments that decide what is fetched, and those
    /// arguments as JSON. A later run with the same identity resumes an interrupted one.
    pub fn identity(&self) -> (String, String) {
        let mut codes: Option<Vec<String>> = self
            .codes
            .as_ref()
            .map(|c| c.iter().map(|c| c.to_string()).collect());
        if let Some(c) = codes.as_mut() {
            c.sort();
            c.dedup();
        }
        let mut args = serde_json::json!({
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "codes": codes,
            "market": self.market.map(|m| m.label()),
            "via": self.via,
        });
        // Only when sharded, so the identity of an unsharded run is what it always was.
        if let (Some(s), Some(o)) = (self.shard, args.as_object_mut()) {
            o.insert("shard".into(), format!("{}/{}", s.index, s.count).into());
        }
        let text = args.to_string();
        let hash = hex::encode(Sha256::digest(text.as_bytes()));
        (hash[..16].to_string(), text)
    }
}

/// A stock that could not be fetched, with why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailedStock {
    pub code: StockCode,
    pub error: String,
}

/// The end-of-run summary: printed for people, `--json` for machines, kept in `ingest_runs`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub run_id: String,
    /// `complete`, `partial`, `interrupted`, `failed`.
    pub status: String,
    pub exit_code: i32,
    pub dry_run: bool,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub via: Via,
    pub source: String,
    /// The appkey's name (`kis`, or a `[[kis.accounts]]` name), when a command chose one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub store: String,
    /// Where the universe came from (master files, or the stored copy and why).
    pub universe: String,
    pub stocks_total: u64,
    /// Already finished by an interrupted earlier run with the same arguments.
    pub stocks_resumed: u64,
    /// Stocks with at least one bar stored in this run.
    pub stocks_stored: u64,
    /// Stocks the source had no bars for (suspended, not listed in the range).
    pub stocks_empty: u64,
    /// Stocks whose every row was rejected.
    pub stocks_rejected: u64,
    /// Of the resumed stocks, those the earlier run rejected entirely.
    pub stocks_rejected_before: u64,
    pub bars_stored: u64,
    /// What reading the master files changed in the listing history (absent on a dry run or
    /// when the universe came from the store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listings: Option<crate::store::ListingChanges>,
    /// Corporate actions seen in this run (each stored once: a second sighting changes
    /// nothing), by kind.
    pub actions_seen: BTreeMap<String, u64>,
    pub rejected_rows: u64,
    pub rejects_by_category: BTreeMap<String, u64>,
    pub failed: Vec<FailedStock>,
    /// What the source counted during the run (API calls, EGW00201, retries, cache hits,
    /// tokens, breaker changes, latency per endpoint); flat in the JSON.
    #[serde(flatten)]
    pub metrics: SourceMetrics,
    pub duration_secs: f64,
    pub stocks_per_sec: f64,
    pub interrupted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
}

impl Summary {
    /// Decides status and exit code once the counts are in. `attempted` is the number of
    /// stocks this run tried (not those resumed).
    pub fn finish(&mut self, attempted: u64) {
        let got_data = self.stocks_stored + self.stocks_rejected;
        (self.status, self.exit_code) = if self.interrupted {
            ("interrupted".into(), Exit::Data.code())
        } else if attempted > 0 && got_data == 0 {
            ("failed".into(), Exit::NothingFetched.code())
        } else if !self.failed.is_empty()
            || self.rejected_rows > 0
            || self.stocks_rejected > 0
            || self.stocks_rejected_before > 0
            || self.store_error.is_some()
        {
            ("partial".into(), Exit::Data.code())
        } else {
            ("complete".into(), Exit::Ok.code())
        };
    }

    /// The human summary (stderr).
    pub fn render(&self) -> String {
        let mut s = String::new();
        use std::fmt::Write;
        let range = if self.date_from == self.date_to {
            self.date_to.to_string()
        } else {
            format!("{} .. {}", self.date_from, self.date_to)
        };
        let _ = writeln!(
            s,
            "ingest {} ({}{}): {range} via {} from {} into {}",
            self.status,
            self.run_id,
            if self.dry_run {
                ", dry run: nothing written"
            } else {
                ""
            },
            self.via.label(),
            self.source,
            self.store
        );
        if let Some(a) = &self.account {
            let _ = writeln!(s, "  appkey        {a}");
        }
        let _ = writeln!(s, "  universe      {}", self.universe);
        if let Some(l) = &self.listings {
            let _ = writeln!(s, "  listings      {}", l.line());
        }
        let _ = writeln!(
            s,
            "  stocks        {} total, {} stored, {} empty, {} rejected, {} failed{}",
            self.stocks_total,
            self.stocks_stored,
            self.stocks_empty,
            self.stocks_rejected,
            self.failed.len(),
            if self.stocks_resumed > 0 {
                format!(
                    ", {} done by the interrupted run before",
                    self.stocks_resumed
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            s,
            "  bars          {} {}, {} rejected{}",
            self.bars_stored,
            if self.dry_run { "valid" } else { "stored" },
            self.rejected_rows,
            if self.rejects_by_category.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    self.rejects_by_category
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        if !self.actions_seen.is_empty() {
            let _ = writeln!(
                s,
                "  actions       {}",
                self.actions_seen
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(
            s,
            "  requests      {} API calls, {} EGW00201, {} retries, {} cache hits, {} tokens issued, {} breaker changes",
            self.metrics.api_calls,
            self.metrics.rate_limited,
            self.metrics.retries,
            self.metrics.cache_hits,
            self.metrics.tokens_issued,
            self.metrics.breaker_transitions
        );
        for (ep, l) in &self.metrics.latency {
            let ms = |us: u32| us as f64 / 1000.0;
            let _ = writeln!(
                s,
                "  latency       {ep}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms ({} calls)",
                ms(l.p50_us),
                ms(l.p95_us),
                ms(l.p99_us),
                l.count
            );
        }
        let _ = writeln!(
            s,
            "  time          {:.1} s, {:.1} stocks/s",
            self.duration_secs, self.stocks_per_sec
        );
        if !self.failed.is_empty() {
            let shown: Vec<String> = self
                .failed
                .iter()
                .take(20)
                .map(|f| format!("{} ({})", f.code, f.error))
                .collect();
            let more = self.failed.len().saturating_sub(shown.len());
            let _ = writeln!(
                s,
                "  failed        {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
        if let Some(e) = &self.store_error {
            let _ = writeln!(s, "  store error   {e}");
        }
        if self.interrupted {
            let _ = writeln!(
                s,
                "  interrupted: run the same command again to fetch only what is missing"
            );
        } else if !self.failed.is_empty() {
            let _ = writeln!(
                s,
                "  run the same command again to retry only the failed stocks"
            );
        }
        s
    }
}

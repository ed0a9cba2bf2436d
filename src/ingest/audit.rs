//! `hoga ingest --audit` and `--repair`: which trading days each stock is missing, and fetching
//! exactly those.
//!
//! A stock's listed period comes from the listing history (`store::listings`): from its
//! listing date (상장일자, else its first stored bar) to the end of the range, or, once it is
//! delisted, to its last listed day (its history is kept and the days after are not gaps). A
//! stock with bars that no master file ever listed is audited up to its last bar.
//! Every KRX trading day in that period and in `[from, to]` with no bar and no recorded
//! no-trade day (a halt the source answered for) is a gap.

use super::actions;
use super::source;
use super::validate::{self, Rules};
use crate::market::{Calendar, Market, SecurityKind, StockCode};
use crate::source::{DataSource, SourceError};
use crate::store::{Store, StoreError, WriteBatch};
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One stock's missing days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StockGaps {
    pub code: StockCode,
    pub missing: Vec<NaiveDate>,
}

/// The audit of a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub stocks_checked: usize,
    /// Stocks the store has no bar for at all (nothing to say about their period).
    pub stocks_without_bars: usize,
    /// Delisted (or never in a master file): audited up to their last listed day.
    pub stocks_delisted: usize,
    pub days_missing: usize,
    pub stocks: Vec<StockGaps>,
}

impl AuditReport {
    pub fn complete(&self) -> bool {
        self.days_missing == 0
    }

    /// The table for people.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let range = match (self.from, self.to) {
            (Some(a), Some(b)) => format!("{a} .. {b}"),
            _ => "(no bars stored)".into(),
        };
        let _ = writeln!(
            s,
            "audit {range}: {} stocks checked ({} delisted, {} without bars), {} days missing in {} stocks",
            self.stocks_checked,
            self.stocks_delisted,
            self.stocks_without_bars,
            self.days_missing,
            self.stocks.len()
        );
        if !self.stocks.is_empty() {
            let _ = writeln!(s, "code    missing  days");
            for g in &self.stocks {
                let _ = writeln!(
                    s,
                    "{:<7} {:>7}  {}",
                    g.code.as_str(),
                    g.missing.len(),
                    compress(&g.missing)
                );
            }
        }
        s
    }
}

/// `2026-01-05..2026-01-07, 2026-02-02` (runs of consecutive trading days joined).
fn compress(days: &[NaiveDate]) -> String {
    let cal = Calendar::krx();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && cal.next_trading_day(days[j]) == days[j + 1] {
            j += 1;
        }
        parts.push(if i == j {
            days[i].to_string()
        } else {
            format!("{}..{}", days[i], days[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// Which stocks an audit looks at.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    pub codes: Option<Vec<StockCode>>,
    pub market: Option<Market>,
}

/// Audits the store over `scope` (`from` defaults to the first stored bar).
pub async fn audit(store: &dyn Store, scope: &Scope) -> Result<AuditReport, StoreError> {
    let cal = Calendar::krx();
    let spans = store.bar_spans().await?;
    let listings: HashMap<StockCode, crate::store::ListingState> = store
        .listings()
        .await?
        .into_iter()
        .map(|s| (s.code, s))
        .collect();
    let universe = store.load_stocks().await?;
    let markets: HashMap<StockCode, Market> = universe.iter().map(|l| (l.code, l.market)).collect();
    let mut codes: BTreeSet<StockCode> = universe.iter().map(|l| l.code).collect();
    codes.extend(spans.keys().copied());
    if let Some(only) = &scope.codes {
        codes.retain(|c| only.contains(c));
    }
    if let Some(m) = scope.market {
        codes.retain(|c| markets.get(c) == Some(&m));
    }
    let first = spans.values().map(|s| s.0).min();
    let Some(from) = scope.from.or(first) else {
        return Ok(AuditReport {
            stocks_checked: codes.len(),
            stocks_without_bars: codes.len(),
            ..AuditReport::default()
        });
    };
    let to = scope.to;
    let mut report = AuditReport {
        from: Some(from),
        to: Some(to),
        stocks_checked: codes.len(),
        ..AuditReport::default()
    };
    if from > to {
        return Ok(report);
    }
    let stored = store.stored_dates(from, to).await?;
    let quiet = store.no_trade_days(from, to).await?;
    let empty = BTreeSet::new();
    for code in codes {
        let Some(&(first, last)) = spans.get(&code) else {
            report.stocks_without_bars += 1;
            continue;
        };
        let listing = listings.get(&code);
        let end = match listing {
            // Delisted: up to its last listed day; the days after are no gaps.
            Some(l) if l.delisted_on.is_some() => {
                report.stocks_delisted += 1;
                l.delisted_on
                    .map_or(to, |x| cal.prev_trading_day(x))
                    .min(to)
            }
            Some(_) => to,
            // Bars of an issue the universe never listed: up to its last bar.
            None => {
                report.stocks_delisted += 1;
                last.min(to)
            }
        };
        // From its listing date when the master files gave one, else its first stored bar.
        let listed_from = listing.and_then(|l| l.listed_on).unwrap_or(first);
        let start = listed_from.max(from);
        if start > end {
            continue;
        }
        let have = stored.get(&code).unwrap_or(&empty);
        let none = quiet.get(&code).unwrap_or(&empty);
        let missing: Vec<NaiveDate> = cal
            .trading_days(start, end)
            .into_iter()
            .filter(|d| !have.contains(d) && !none.contains(d))
            .collect();
        if !missing.is_empty() {
            report.days_missing += missing.len();
            report.stocks.push(StockGaps { code, missing });
        }
    }
    Ok(report)
}

/// What `--repair` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RepairSummary {
    pub stocks: usize,
    pub days_asked: usize,
    pub bars_stored: usize,
    /// Days the source answered without a trade (recorded, no longer gaps).
    pub no_trade: usize,
    pub rejected: usize,
    pub chart_calls: u64,
    pub failed: Vec<super::FailedStock>,
}

/// Fetches exactly the missing days of `report` (one raw chart request per run of consecutive
/// missing days) and stores the bars of those days only, with the actions they reveal.
pub async fn repair(
    report: &AuditReport,
    source: &dyn DataSource,
    store: &dyn Store,
    now: DateTime<Utc>,
    concurrency: usize,
) -> RepairSummary {
    let cal = Calendar::krx();
    let before = source.metrics();
    let kinds: HashMap<StockCode, SecurityKind> = store
        .load_stocks()
        .await
        .map(|u| u.into_iter().map(|l| (l.code, l.kind)).collect())
        .unwrap_or_default();
    let mut summary = RepairSummary {
        stocks: report.stocks.len(),
        days_asked: report.days_missing,
        ..RepairSummary::default()
    };
    let jobs = report.stocks.iter().map(|g| async {
        let wanted: BTreeSet<NaiveDate> = g.missing.iter().copied().collect();
        let fetched = async {
            let mut days = Vec::new();
            for (a, b) in runs(&g.missing) {
                let from = cal.prev_trading_day(a);
                days.extend(source::raw_daily_chart(source, g.code, from, b).await?);
            }
            Ok::<_, SourceError>(days)
        }
        .await;
        (g.code, wanted, fetched)
    });
    let mut stream = futures::stream::iter(jobs).buffer_unordered(concurrency.max(1));
    let run_id = format!("repair-{}", now.format("%Y%m%dT%H%M%SZ"));
    let rules = Rules {
        calendar: cal,
        allow_non_trading_days: false,
    };
    while let Some((code, wanted, fetched)) = stream.next().await {
        let mut days = match fetched {
            Ok(v) => v,
            Err(e) => {
                summary.failed.push(super::FailedStock {
                    code,
                    error: e.to_string(),
                });
                continue;
            }
        };
        days.sort_by_key(|d| d.candle.date);
        days.dedup_by_key(|d| d.candle.date);
        let (acts, ex_bases) = actions::in_series(code, &days);
        let candles: Vec<_> = days.iter().map(|d| d.candle).collect();
        let (Some(&lo), Some(&hi)) = (wanted.first(), wanted.last()) else {
            continue;
        };
        let kind = kinds.get(&code).copied().unwrap_or(SecurityKind::Stock);
        let checked = validate::check_with_bases(
            &run_id, code, kind, &candles, None, &ex_bases, lo, hi, rules,
        );
        let bars: Vec<_> = checked
            .bars
            .into_iter()
            .filter(|b| wanted.contains(&b.date))
            .collect();
        let no_trade: Vec<_> = checked
            .no_trade
            .into_iter()
            .filter(|d| wanted.contains(d))
            .map(|d| (code, d))
            .collect();
        let rejects: Vec<_> = checked
            .rejects
            .into_iter()
            .filter(|r| r.date.is_some_and(|d| wanted.contains(&d)))
            .collect();
        summary.bars_stored += bars.len();
        summary.no_trade += no_trade.len();
        summary.rejected += rejects.len();
        let batch = WriteBatch {
            bars,
            source: super::run::VIA_CHART.into(),
            ingested_at: now,
            rejects,
            adjustments: acts
                .into_iter()
                .filter(|a| wanted.contains(&a.ex_date))
                .collect(),
            no_trade,
            ..Default::default()
        };
        if let Err(e) = store.write(batch).await {
            summary.failed.push(super::FailedStock {
                code,
                error: e.to_string(),
            });
        }
    }
    summary.chart_calls = source.metrics().since(&before).api_calls;
    summary
}

/// Runs of consecutive trading days: (first, last).
fn runs(days: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    let cal = Calendar::krx();
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some((_, b)) if cal.next_trading_day(*b) == d => *b = d,
            _ => out.push((d, d)),
        }
    }
    out
}

/// Groups a report's gaps by stock, for tests and JSON readers.
pub fn by_code(report: &AuditReport) -> BTreeMap<StockCode, Vec<NaiveDate>> {
    report
        .stocks
        .iter()
        .map(|g| (g.code, g.missing.clone()))
        .collect()
}

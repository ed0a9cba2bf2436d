//! One ingest run: universe → what is still missing → fetch (bounded concurrency, the client's
//! limiter paces) → validate → store in batches with resume marks → summary.
//!
//! Resume works on stocks: a stock's bars, rejects and its "done" mark are one transaction, so
//! after any interruption (SIGINT, SIGTERM, crash, kill -9) the marks say exactly which stocks
//! are in, and the next run with the same arguments fetches only the others. The marks are
//! dropped when a run finishes without failures, so the run after that refreshes everything
//! (idempotently).

use super::report::Reporter;
use super::source;
use super::validate::{self, Rules};
use super::{Plan, Summary, Via};
use crate::clock::SharedClock;
use crate::market::{Calendar, Candle, Listing, SecurityKind, StockCode, kst_date};
use crate::source::{DataSource, SourceError};
use crate::store::{Progress, RunRecord, Store, WriteBatch, ts};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Errors that end a run before it produces a summary (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Config(String),
}

/// Everything a run needs besides its plan.
pub struct Deps {
    pub source: Arc<dyn DataSource>,
    /// `None` on a dry run: nothing is opened, nothing written.
    pub store: Option<Arc<dyn Store>>,
    pub clock: SharedClock,
    pub cancel: CancellationToken,
    pub reporter: Arc<dyn Reporter>,
}

/// One stock to fetch.
#[derive(Clone, Copy, Debug)]
struct Item {
    code: StockCode,
    kind: SecurityKind,
}

/// What came back for one stock.
enum Fetched {
    /// Candles (oldest first) and the close before the first of them, when known.
    Bars {
        candles: Vec<Candle>,
        base: Option<validate::Base>,
        /// The `source` column of these bars.
        via: &'static str,
        /// Corporate actions learned from the answer.
        actions: Vec<crate::store::Adjustment>,
        /// The base price of each ex-date among the candles (for the limit check).
        ex_bases: BTreeMap<chrono::NaiveDate, crate::market::Krw>,
    },
    Failed(SourceError),
    /// Not started because the run was interrupted.
    Skipped,
}

/// `source` of bars from a multi-quote call, and from the period chart.
const VIA_MULTI_QUOTE: &str = "kis:multi_quote";
/// (Raw bars: `FID_ORG_ADJ_PRC=1`. Before schema 2, hoga stored the adjusted chart under
/// `kis:period_chart`; see the README on rebuilding such a store.)
pub(crate) const VIA_CHART: &str = "kis:daily_chart_raw";

/// Commit at least this often, so an interrupt loses little and progress is visible.
const COMMIT_EVERY: Duration = Duration::from_secs(1);

pub async fn run(plan: &Plan, deps: Deps) -> Result<Summary, IngestError> {
    let started = Instant::now();
    let started_at = deps.clock.now();
    let (args_hash, args_json) = plan.identity();
    let run_id = format!(
        "{}-{:04x}",
        started_at.format("%Y%m%dT%H%M%SZ"),
        fastrand::u16(..)
    );
    let before = deps.source.metrics();
    let mut summary = Summary {
        run_id: run_id.clone(),
        date_from: plan.from,
        date_to: plan.to,
        via: plan.via,
        dry_run: plan.dry_run,
        source: deps.source.describe(),
        store: deps
            .store
            .as_ref()
            .map(|s| s.describe())
            .unwrap_or_else(|| "none (dry run)".into()),
        ..Summary::default()
    };

    // 1. The universe: from the master files, else the last stored copy.
    let universe = load_universe(plan, &deps, &mut summary).await?;
    let (items, unknown) = select(plan, &universe);
    summary.stocks_total = (items.len() + unknown.len()) as u64;
    // Codes the universe does not list are not fetched: they are reported, not passed off as
    // stocks without trades.
    for code in &unknown {
        summary.failed.push(super::FailedStock {
            code: *code,
            error: format!("unknown stock code {code}: not in the stock universe"),
        });
    }

    // 2. Resume: skip stocks an interrupted run with the same arguments already finished.
    let done = match &deps.store {
        Some(store) => store.progress(&args_hash).await?,
        None => HashMap::new(),
    };
    let todo: Vec<Item> = items
        .iter()
        .filter(|i| !done.contains_key(&i.code))
        .copied()
        .collect();
    summary.stocks_resumed = (items.len() - todo.len()) as u64;
    for (code, p) in &done {
        if items.iter().any(|i| i.code == *code) && *p == Progress::Rejected {
            summary.stocks_rejected_before += 1;
        }
    }
    if summary.stocks_resumed > 0 {
        deps.reporter.note(&format!(
            "resuming: {} of {} stocks already stored by an interrupted run with the same arguments",
            summary.stocks_resumed, summary.stocks_total
        ));
    }

    let mut record = RunRecord {
        run_id: run_id.clone(),
        started_at: ts(started_at),
        finished_at: None,
        date_from: plan.from.to_string(),
        date_to: plan.to.to_string(),
        args_hash: args_hash.clone(),
        args: args_json,
        stocks_total: summary.stocks_total as i64,
        status: "running".into(),
        ..RunRecord::default()
    };
    if let Some(store) = &deps.store {
        // Runs with this identity still marked running were killed (kill -9, a crash): say so.
        for mut stale in store.runs().await? {
            if stale.args_hash == args_hash && stale.status == "running" {
                stale.status = "interrupted".into();
                store.save_run(&stale).await?;
            }
        }
        store.save_run(&record).await?;
    }

    // 3. Fetch, validate, store.
    deps.reporter.begin(todo.len() as u64);
    let kinds: HashMap<StockCode, SecurityKind> = todo.iter().map(|i| (i.code, i.kind)).collect();
    let rules = Rules {
        calendar: Calendar::krx(),
        allow_non_trading_days: plan.force,
    };
    // One batch per `source` label: a stock's bars, rejects and resume mark always travel in
    // the same batch, so each commit stays all-or-nothing per stock.
    let mut pending: BTreeMap<&'static str, WriteBatch> = BTreeMap::new();
    let mut last_commit = Instant::now();
    let mut processed = 0u64;
    let mut auth_error: Option<String> = None;
    let mut store_error: Option<String> = None;
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    // Pass 1 fetches everything; pass 2 gives the stocks that failed transiently one more go
    // (after the client's own retries), e.g. those caught by a server restart.
    let mut pass_items = todo.clone();
    let outage = Outage::default();
    let mut answered: std::collections::HashSet<StockCode> = std::collections::HashSet::new();
    // A daily run learns actions from each quote's base against the stored raw close of the
    // trading day before.
    let known_closes: HashMap<StockCode, crate::market::Krw> = match (&deps.store, plan.via) {
        (Some(store), Via::MultiQuote) => {
            let prev = Calendar::krx().prev_trading_day(plan.to);
            store
                .bars(None, prev, prev)
                .await?
                .into_iter()
                .map(|b| (b.bar.code, b.bar.close))
                .collect()
        }
        _ => HashMap::new(),
    };
    for pass in 0..2 {
        if pass_items.is_empty() || deps.cancel.is_cancelled() || outage.gave_up() {
            break;
        }
        if pass > 0 {
            deps.reporter.note(&format!(
                "retrying {} stocks that failed in the first pass",
                pass_items.len()
            ));
            processed -= pass_items.len() as u64;
            let retry: std::collections::HashSet<StockCode> =
                pass_items.iter().map(|i| i.code).collect();
            summary.failed.retain(|f| !retry.contains(&f.code));
        }
        let units: Vec<Vec<Item>> = match plan.via {
            Via::MultiQuote => pass_items.chunks(30).map(|c| c.to_vec()).collect(),
            _ => pass_items.iter().map(|i| vec![*i]).collect(),
        };
        let mut stream = futures::stream::iter(units)
            .map(|unit| fetch_unit(plan, &deps, &outage, &known_closes, unit))
            .buffer_unordered(plan.concurrency.max(1));
        let mut failed_now = Vec::new();
        while let Some(results) = stream.next().await {
            for (code, fetched) in results {
                match fetched {
                    Fetched::Skipped => continue,
                    Fetched::Failed(e) => {
                        if e.is_auth() && auth_error.is_none() {
                            auth_error = Some(e.to_string());
                            deps.cancel.cancel();
                        }
                        // A second pass cannot make an unknown code known.
                        if !e.is_auth()
                            && !matches!(e, SourceError::NotFound(_))
                            && let Some(item) = kinds.get(&code).map(|k| Item { code, kind: *k })
                        {
                            failed_now.push(item);
                        }
                        summary.failed.push(super::FailedStock {
                            code,
                            error: e.to_string(),
                        });
                    }
                    Fetched::Bars {
                        candles,
                        base,
                        via,
                        actions,
                        ex_bases,
                    } => {
                        answered.insert(code);
                        let kind = kinds.get(&code).copied().unwrap_or(SecurityKind::Stock);
                        let checked = validate::check_with_bases(
                            &run_id, code, kind, &candles, base, &ex_bases, plan.from, plan.to,
                            rules,
                        );
                        for a in &actions {
                            *summary
                                .actions_seen
                                .entry(a.kind.as_str().to_string())
                                .or_insert(0) += 1;
                        }
                        let mark = if !checked.bars.is_empty() {
                            summary.stocks_stored += 1;
                            Progress::Stored
                        } else if !checked.rejects.is_empty() {
                            summary.stocks_rejected += 1;
                            Progress::Rejected
                        } else {
                            summary.stocks_empty += 1;
                            Progress::Empty
                        };
                        for r in &checked.rejects {
                            *categories.entry(r.category.clone()).or_insert(0) += 1;
                        }
                        summary.rejected_rows += checked.rejects.len() as u64;
                        summary.bars_stored += checked.bars.len() as u64;
                        let batch = pending.entry(via).or_default();
                        batch.bars.extend(checked.bars);
                        batch.rejects.extend(checked.rejects);
                        batch.progress.push((args_hash.clone(), code, mark));
                        batch.adjustments.extend(actions);
                        batch
                            .no_trade
                            .extend(checked.no_trade.iter().map(|d| (code, *d)));
                    }
                }
                processed += 1;
                deps.reporter
                    .advance(processed, summary.failed.len() as u64);
            }
            let bars: usize = pending.values().map(|b| b.bars.len()).sum();
            if bars >= plan.batch_size.max(1) || last_commit.elapsed() >= COMMIT_EVERY {
                if let Err(e) = commit(&deps, &mut pending).await {
                    store_error = Some(e.to_string());
                    deps.cancel.cancel();
                }
                last_commit = Instant::now();
            }
        }
        failed_now.sort_by_key(|i| i.code);
        pass_items = failed_now;
    }
    if let Some(why) = outage.reason() {
        // The rest was never asked: failed (so no resume mark), and the next run fetches it.
        deps.reporter.note(&format!(
            "{why}: stopped fetching; run the same command again to fetch the rest"
        ));
        let failed: std::collections::HashSet<StockCode> =
            summary.failed.iter().map(|f| f.code).collect();
        for item in todo
            .iter()
            .filter(|i| !answered.contains(&i.code) && !failed.contains(&i.code))
        {
            summary.failed.push(super::FailedStock {
                code: item.code,
                error: format!("not fetched: {why}"),
            });
        }
    }
    if store_error.is_none()
        && let Err(e) = commit(&deps, &mut pending).await
    {
        store_error = Some(e.to_string());
    }
    deps.reporter.end();

    // 4. Summary and the run record.
    summary.metrics = deps.source.metrics().since(&before);
    summary.rejects_by_category = categories;
    summary.duration_secs = started.elapsed().as_secs_f64();
    summary.stocks_per_sec = if summary.duration_secs > 0.0 {
        processed as f64 / summary.duration_secs
    } else {
        0.0
    };
    summary.interrupted =
        deps.cancel.is_cancelled() && auth_error.is_none() && store_error.is_none();
    summary.store_error = store_error.clone();
    let fetched_ok = summary.stocks_stored + summary.stocks_empty + summary.stocks_rejected;
    if let Some(msg) = auth_error.filter(|_| fetched_ok == 0) {
        return Err(IngestError::Auth(msg));
    }
    // A stock that answered "no trades that day" was fetched: an empty day is not a failure.
    let could_have_data =
        ((todo.len() + unknown.len()) as u64).saturating_sub(summary.stocks_empty);
    summary.finish(could_have_data);

    if let Some(store) = &deps.store {
        record.finished_at = Some(ts(deps.clock.now()));
        record.stocks_stored = (summary.stocks_stored + summary.stocks_resumed) as i64;
        record.bars_stored = summary.bars_stored as i64;
        record.rejected = summary.rejected_rows as i64;
        record.failed = summary.failed.len() as i64;
        record.api_calls = summary.metrics.api_calls as i64;
        record.status = summary.status.clone();
        // A failed bookkeeping write must not hide the summary of what was stored.
        if let Err(e) = store.save_run(&record).await {
            deps.reporter
                .note(&format!("could not record the run: {e}"));
        }
        if summary.failed.is_empty()
            && !summary.interrupted
            && summary.store_error.is_none()
            && let Err(e) = store.clear_progress(&args_hash).await
        {
            deps.reporter
                .note(&format!("could not clear the resume marks: {e}"));
        }
    }
    Ok(summary)
}

/// Writes and empties `pending`, one transaction per source label (a dry run only empties it).
async fn commit(
    deps: &Deps,
    pending: &mut BTreeMap<&'static str, WriteBatch>,
) -> Result<(), crate::store::StoreError> {
    let batches = std::mem::take(pending);
    let Some(store) = &deps.store else {
        return Ok(());
    };
    for (via, mut batch) in batches {
        if batch.is_empty() {
            continue;
        }
        batch.source = via.to_string();
        batch.ingested_at = deps.clock.now();
        store.write(batch).await?;
    }
    Ok(())
}

async fn load_universe(
    plan: &Plan,
    deps: &Deps,
    summary: &mut Summary,
) -> Result<Vec<Listing>, IngestError> {
    match source::universe(deps.source.as_ref()).await {
        Ok(mut list) if !list.is_empty() => {
            summary.universe = "master files".into();
            if let Some(store) = &deps.store {
                let now = deps.clock.now();
                let changes = store
                    .observe_master(&list, kst_date(now), now, plan.delist_after_days)
                    .await?;
                if !changes.delisted.is_empty() || !changes.new.is_empty() {
                    deps.reporter
                        .note(&format!("listing history: {}", changes.line()));
                }
                summary.listings = Some(changes);
                // No survivorship bias: issues delisted since `from` are in the range too.
                let listed: std::collections::HashSet<StockCode> =
                    list.iter().map(|l| l.code).collect();
                let gone = delisted_within(store.as_ref(), plan).await?;
                let stored = store.load_stocks().await?;
                let before = list.len();
                list.extend(
                    stored
                        .into_iter()
                        .filter(|l| gone.contains(&l.code) && !listed.contains(&l.code)),
                );
                if list.len() > before {
                    summary.universe = format!(
                        "master files, and {} issues delisted within the range",
                        list.len() - before
                    );
                }
            }
            Ok(list)
        }
        result => {
            let why = match result {
                Err(e) if e.is_auth() => return Err(IngestError::Auth(e.to_string())),
                Err(e) => e.to_string(),
                Ok(_) => "the master files list no stocks".to_string(),
            };
            let stored = match &deps.store {
                Some(store) => {
                    // Those listed now, and those delisted within the range.
                    let mut keep = store.listed_now().await?;
                    keep.extend(delisted_within(store.as_ref(), plan).await?);
                    let mut all = store.load_stocks().await?;
                    all.retain(|l| keep.contains(&l.code));
                    all
                }
                None => Vec::new(),
            };
            if !stored.is_empty() {
                summary.universe = format!("last stored universe (download failed: {why})");
                deps.reporter.note(&format!(
                    "universe download failed ({why}); using the last stored universe of {} stocks",
                    stored.len()
                ));
                Ok(stored)
            } else if plan.codes.is_some() {
                summary.universe = format!("--codes only (download failed: {why})");
                deps.reporter.note(&format!(
                    "universe download failed ({why}) and none is stored; using --codes as given"
                ));
                Ok(Vec::new())
            } else {
                summary.universe = format!("unavailable (download failed: {why})");
                Err(IngestError::Config(format!(
                    "the stock universe could not be downloaded ({why}) and none is stored yet"
                )))
            }
        }
    }
}

/// The stored issues delisted after `plan.from` that were listed by `plan.to`: listed for part
/// of the range, so a backfill of it covers them.
async fn delisted_within(
    store: &dyn Store,
    plan: &Plan,
) -> Result<std::collections::BTreeSet<StockCode>, IngestError> {
    Ok(store
        .listings()
        .await?
        .into_iter()
        .filter(|s| {
            s.delisted_on.is_some_and(|x| x > plan.from) && s.listed_on.is_none_or(|l| l <= plan.to)
        })
        .map(|s| s.code)
        .collect())
}

/// The stocks this run covers, in code order, and the `--codes` the universe does not list
/// (none when there is no universe to check against).
fn select(plan: &Plan, universe: &[Listing]) -> (Vec<Item>, Vec<StockCode>) {
    let by_code: HashMap<StockCode, &Listing> = universe.iter().map(|l| (l.code, l)).collect();
    let mut unknown: Vec<StockCode> = match &plan.codes {
        Some(codes) if !universe.is_empty() => codes
            .iter()
            .filter(|c| !by_code.contains_key(c))
            .copied()
            .collect(),
        _ => Vec::new(),
    };
    unknown.sort();
    unknown.dedup();
    let mut items: Vec<Item> = match &plan.codes {
        Some(codes) => codes
            .iter()
            .map(|c| Item {
                code: *c,
                kind: by_code
                    .get(c)
                    .map(|l| l.kind)
                    .unwrap_or(SecurityKind::Stock),
            })
            .filter(|i| !unknown.contains(&i.code))
            .filter(|i| match (plan.market, by_code.get(&i.code)) {
                (Some(m), Some(l)) => l.market == m,
                _ => true,
            })
            .collect(),
        None => universe
            .iter()
            .filter(|l| plan.market.is_none_or(|m| l.market == m))
            .map(|l| Item {
                code: l.code,
                kind: l.kind,
            })
            .collect(),
    };
    if let Some(shard) = plan.shard {
        items.retain(|i| shard.contains(i.code));
        unknown.retain(|c| shard.contains(*c));
    }
    items.sort_by_key(|i| i.code);
    items.dedup_by_key(|i| i.code);
    (items, unknown)
}

/// Fetches one unit (30 stocks by multi-quote, or one stock by chart). Cancellation ends it at
/// once, whatever it waits for (the token guard's minute, an open breaker, the limiter, KIS):
/// the unit is skipped, not stored, and the next run fetches it.
async fn fetch_unit(
    plan: &Plan,
    deps: &Deps,
    outage: &Outage,
    known_closes: &HashMap<StockCode, crate::market::Krw>,
    unit: Vec<Item>,
) -> Vec<(StockCode, Fetched)> {
    let skipped = |unit: &[Item]| unit.iter().map(|i| (i.code, Fetched::Skipped)).collect();
    if deps.cancel.is_cancelled() || outage.gave_up() {
        return skipped(&unit);
    }
    tokio::select! {
        biased;
        _ = deps.cancel.cancelled() => skipped(&unit),
        _ = outage.stop.cancelled() => skipped(&unit),
        out = fetch_unit_now(plan, deps, outage, known_closes, &unit) => out,
    }
}

async fn fetch_unit_now(
    plan: &Plan,
    deps: &Deps,
    outage: &Outage,
    known_closes: &HashMap<StockCode, crate::market::Krw>,
    unit: &[Item],
) -> Vec<(StockCode, Fetched)> {
    let cal = Calendar::krx();
    if plan.via == Via::MultiQuote {
        let codes: Vec<StockCode> = unit.iter().map(|i| i.code).collect();
        match patiently(deps, outage, || {
            source::day_bars(deps.source.as_ref(), &codes)
        })
        .await
        {
            Ok(bars) => {
                let mut out = Vec::with_capacity(unit.len());
                let by_code: HashMap<StockCode, _> = bars.iter().map(|b| (b.code, b)).collect();
                for item in unit {
                    match by_code.get(&item.code).filter(|b| b.candle.date == plan.to) {
                        Some(b) => {
                            let mut actions = Vec::new();
                            if let Some(stored) = known_closes.get(&item.code)
                                && let Some(mut a) = super::actions::from_base(
                                    item.code,
                                    plan.to,
                                    b.prev_close,
                                    *stored,
                                )
                            {
                                // The chart's ex-date row says what kind of action it was.
                                a.kind = action_kind(deps, outage, item.code, plan.to, &a).await;
                                actions.push(a);
                            }
                            out.push((
                                item.code,
                                Fetched::Bars {
                                    candles: vec![b.candle],
                                    base: Some(validate::Base {
                                        prev_day: cal.prev_trading_day(plan.to),
                                        prev_close: b.prev_close,
                                        limits: b.limits,
                                    }),
                                    via: VIA_MULTI_QUOTE,
                                    actions,
                                    ex_bases: BTreeMap::new(),
                                },
                            ))
                        }
                        // Left out of the answer, or a quote of another day: ask the chart.
                        None => {
                            out.push((item.code, fetch_chart(plan, deps, outage, item.code).await))
                        }
                    }
                }
                out
            }
            Err(e) => unit
                .iter()
                .map(|i| (i.code, Fetched::Failed(e.clone())))
                .collect(),
        }
    } else {
        let mut out = Vec::with_capacity(unit.len());
        for item in unit {
            out.push((item.code, fetch_chart(plan, deps, outage, item.code).await));
        }
        out
    }
}

/// Daily bars of one stock from the trading day before `from` (the base for the limit check)
/// to `to`.
async fn fetch_chart(plan: &Plan, deps: &Deps, outage: &Outage, code: StockCode) -> Fetched {
    let from = Calendar::krx().prev_trading_day(plan.from);
    match patiently(deps, outage, || {
        source::raw_daily_chart(deps.source.as_ref(), code, from, plan.to)
    })
    .await
    {
        Ok(days) => {
            let (actions, ex_bases) = super::actions::in_series(code, &days);
            Fetched::Bars {
                candles: days.into_iter().map(|d| d.candle).collect(),
                base: None,
                via: VIA_CHART,
                actions,
                ex_bases,
            }
        }
        // KIS does not know the code (no universe to check it against): a failure, said so.
        Err(e) => Fetched::Failed(e),
    }
}

/// The kind of the action `a` on `date`, from the raw chart's row of that day (one call, for
/// the few stocks whose base moved); `a`'s own guess when the chart cannot say.
async fn action_kind(
    deps: &Deps,
    outage: &Outage,
    code: StockCode,
    date: chrono::NaiveDate,
    a: &crate::store::Adjustment,
) -> crate::market::ActionKind {
    let from = Calendar::krx().prev_trading_day(date);
    match patiently(deps, outage, || {
        source::raw_daily_chart(deps.source.as_ref(), code, from, date)
    })
    .await
    {
        Ok(days) => days
            .iter()
            .find(|d| d.candle.date == date)
            .map(|d| {
                crate::market::ActionKind::from_codes(
                    d.flng_cls_code.as_deref(),
                    d.revl_issu_reas.as_deref(),
                    a.factor,
                )
            })
            .unwrap_or(a.kind),
        Err(_) => a.kind,
    }
}

/// Longest an ingest waits for an open circuit breaker before giving a stock up as failed.
const MAX_BREAKER_WAIT: Duration = Duration::from_secs(90);

/// How many open periods of the breaker, without one success in between, make the run stop:
/// KIS is down, and waiting per stock would take hours for the market.
const OUTAGE_OPEN_PERIODS: u32 = 2;

/// The run's view of a KIS outage: since when every answer has been "breaker open", and the
/// decision to stop fetching once that lasted [`OUTAGE_OPEN_PERIODS`] open periods.
#[derive(Default)]
struct Outage {
    /// When the breaker was first found open since the last success, and its open period.
    since: std::sync::Mutex<Option<(Instant, Duration)>>,
    reason: std::sync::Mutex<Option<String>>,
    /// Cancelled when the run gives up: ends every unit's waits.
    stop: CancellationToken,
}

impl Outage {
    fn gave_up(&self) -> bool {
        self.stop.is_cancelled()
    }

    fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn recovered(&self) {
        *self.since.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The breaker refused a call, open for `period` more. Returns false once the outage has
    /// outlasted its bound: the run stops instead of waiting again.
    fn still_waiting(&self, period: Duration) -> bool {
        let mut since = self.since.lock().unwrap_or_else(|e| e.into_inner());
        let (start, first) = *since.get_or_insert((Instant::now(), period));
        let bound = first.max(Duration::from_millis(100)) * OUTAGE_OPEN_PERIODS;
        let waited = start.elapsed();
        if waited < bound {
            return true;
        }
        drop(since);
        let mut reason = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        reason.get_or_insert_with(|| {
            format!(
                "KIS unavailable: the circuit breaker stayed open for {}s ({OUTAGE_OPEN_PERIODS} open periods)",
                waited.as_secs()
            )
        });
        self.stop.cancel();
        false
    }
}

/// Calls `f`, waiting out an open breaker (which answers at once with a retry time) instead of
/// failing every remaining stock in a burst; the batch has time, the stocks must get in. When
/// the breaker stays open through the outage bound, the run stops (see [`Outage`]).
async fn patiently<T, F, Fut>(deps: &Deps, outage: &Outage, mut f: F) -> Result<T, SourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SourceError>>,
{
    let mut waited = Duration::ZERO;
    loop {
        match f().await {
            Err(SourceError::Unavailable {
                retry_at: Some(at), ..
            }) if waited < MAX_BREAKER_WAIT && !deps.cancel.is_cancelled() => {
                let d = (at - deps.clock.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .clamp(Duration::from_millis(100), MAX_BREAKER_WAIT);
                if !outage.still_waiting(d) {
                    return Err(SourceError::Unavailable {
                        message: outage.reason().unwrap_or_default(),
                        retry_at: Some(at),
                    });
                }
                tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    _ = deps.cancel.cancelled() => {}
                    _ = outage.stop.cancelled() => {}
                }
                waited += d;
            }
            r => {
                if r.is_ok() {
                    outage.recovered();
                }
                return r;
            }
        }
    }
}

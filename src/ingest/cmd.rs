//! The `hoga --ingest` command: options → plan → store → run → summary → exit code.
//!
//! Exit codes: 0 everything stored, 1 partial (failed or rejected stocks, or interrupted),
//! 2 configuration or authentication error, 3 nothing could be fetched.

use super::args::IngestArgs;
use super::report::{Bar, Lines, Reporter};
use super::{Deps, IngestError, Plan, Settings, Summary, Via, run};
use crate::clock::SharedClock;
use crate::exit::Exit;
use crate::market::{Calendar, StockCode, kst_date};
use crate::store::{Store, StoreSpec};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Turns the options into a plan, or says what is wrong with them.
pub fn plan(
    args: &IngestArgs,
    settings: &Settings,
    now: DateTime<Utc>,
    multi_quote_available: bool,
) -> Result<Plan, String> {
    let cal = Calendar::krx();
    let today = kst_date(now);
    let latest = cal.last_closed_trading_day(now);
    let (from, to) = match (args.from, args.to, args.date) {
        (Some(from), to, _) => {
            let to = to.unwrap_or(latest);
            if from > to {
                return Err(format!("--from {from} is after --to {to}"));
            }
            (from, to)
        }
        (None, _, Some(date)) => {
            if !cal.is_trading_day(date) && !args.force {
                return Err(format!(
                    "{date} ({}) is not a KRX trading day; the latest trading day is {latest}. \
                     Use --force to ingest {date} anyway.",
                    date.weekday()
                ));
            }
            (date, date)
        }
        (None, _, None) => (latest, latest),
    };
    if to > today {
        return Err(format!("{to} is in the future (today is {today} in Korea)"));
    }
    let codes = if args.codes.is_empty() {
        None
    } else {
        let mut out = Vec::new();
        for c in args.codes.iter().filter(|c| !c.trim().is_empty()) {
            out.push(StockCode::new(c).map_err(|e| format!("--codes: {e}"))?);
        }
        Some(out)
    };
    // Today's bar is final only after the close; before it a multi-quote would store a
    // half-day.
    let today_closed =
        from == to && to == today && cal.close_instant(to).is_some_and(|close| now >= close);
    let via = match args.via {
        Via::Auto if today_closed && multi_quote_available => Via::MultiQuote,
        Via::Auto => Via::Chart,
        Via::MultiQuote if from != to || to != today => {
            return Err(
                "--via multi-quote fetches the current day only; use --via chart for other dates"
                    .into(),
            );
        }
        Via::MultiQuote if !multi_quote_available => {
            return Err(
                "--via multi-quote needs the real server (the virtual one has no multi-quote)"
                    .into(),
            );
        }
        v => v,
    };
    Ok(Plan {
        from,
        to,
        codes,
        market: args.market.market(),
        via,
        dry_run: args.dry_run,
        force: args.force,
        concurrency: args.concurrency.unwrap_or(settings.concurrency).max(1),
        batch_size: settings.batch_size.max(1),
        shard: args.shard,
        delist_after_days: settings.delist_after_days,
    })
}

/// Cancels `token` on SIGINT or SIGTERM; a second signal exits at once.
pub fn cancel_on_signals(token: CancellationToken, reporter: Arc<dyn Reporter>) {
    tokio::spawn(async move {
        for round in 0..2 {
            crate::signal::interrupted().await;
            if round == 0 {
                reporter.note(
                    "interrupted: committing what has been fetched; waits and requests still \
                     open are abandoned (signal again to quit at once)",
                );
                token.cancel();
            } else {
                std::process::exit(i32::from(crate::signal::EXIT_INTERRUPTED));
            }
        }
    });
}

/// The store the options name (`--store`), else the configured one.
async fn open_store(args: &IngestArgs, settings: &Settings) -> Result<Arc<dyn Store>, i32> {
    let spec = match &args.store {
        Some(text) => match StoreSpec::parse(text, &settings.data_dir) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("hoga --ingest: {e}");
                return Err(Exit::Config.code());
            }
        },
        None => settings.store.clone(),
    };
    match spec.open().await {
        Ok(s) => Ok(Arc::from(s)),
        Err(e) => {
            eprintln!("hoga --ingest: cannot open {}: {e}", spec.describe());
            Err(Exit::Config.code())
        }
    }
}

/// `--audit` (no source needed) and `--repair` (fetches through `source`). Prints the report
/// (a table on stderr, `--json` on stdout); exit 0 when no day is missing (after the repair),
/// 1 when some are, 2 on a bad option or store.
pub async fn audit_command(
    args: &IngestArgs,
    settings: &Settings,
    source: Option<Arc<dyn crate::source::DataSource>>,
    clock: SharedClock,
) -> i32 {
    use super::audit::{Scope, audit, repair};
    let now = clock.now();
    let latest = Calendar::krx().last_closed_trading_day(now);
    let from = args.from.or(args.date);
    let to = args.to.or(args.date).unwrap_or(latest);
    if let Some(f) = from
        && f > to
    {
        eprintln!("hoga --ingest: --from {f} is after --to {to}");
        return Exit::Config.code();
    }
    let mut codes = None;
    if !args.codes.is_empty() {
        let mut out = Vec::new();
        for c in args.codes.iter().filter(|c| !c.trim().is_empty()) {
            match StockCode::new(c) {
                Ok(c) => out.push(c),
                Err(e) => {
                    eprintln!("hoga --ingest: --codes: {e}");
                    return Exit::Config.code();
                }
            }
        }
        codes = Some(out);
    }
    let scope = Scope {
        from,
        to,
        codes,
        market: args.market.market(),
    };
    let store = match open_store(args, settings).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let before = match audit(store.as_ref(), &scope).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hoga --ingest: audit: {e}");
            return Exit::Config.code();
        }
    };
    eprint!("{}", before.render());
    let (Some(source), true) = (source, args.repair) else {
        if args.json {
            match serde_json::to_string(&before) {
                Ok(t) => println!("{t}"),
                Err(e) => eprintln!("hoga --ingest: audit as JSON: {e}"),
            }
        }
        return if before.complete() {
            Exit::Ok.code()
        } else {
            Exit::Data.code()
        };
    };
    let concurrency = args.concurrency.unwrap_or(settings.concurrency);
    let done = repair(&before, source.as_ref(), store.as_ref(), now, concurrency).await;
    eprintln!(
        "repair: {} days asked in {} stocks, {} bars stored, {} days without trades, {} rejected,          {} API calls, {} failed",
        done.days_asked,
        done.stocks,
        done.bars_stored,
        done.no_trade,
        done.rejected,
        done.chart_calls,
        done.failed.len()
    );
    for f in &done.failed {
        eprintln!("  {} {}", f.code, f.error);
    }
    let after = match audit(store.as_ref(), &scope).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hoga --ingest: audit: {e}");
            return Exit::Config.code();
        }
    };
    eprint!("after {}", after.render());
    if args.json {
        let v = serde_json::json!({ "before": before, "repair": done, "after": after });
        println!("{v}");
    }
    if after.complete() {
        Exit::Ok.code()
    } else {
        Exit::Data.code()
    }
}

/// `--universe-on D`: the issues listed on D with their name and market then, from the store
/// (a table on stdout, or `--json`). Exit 0, or 2 when the store cannot be read.
pub async fn universe_command(args: &IngestArgs, settings: &Settings, date: NaiveDate) -> i32 {
    let store = match open_store(args, settings).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let list = match store.universe_on(date).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("hoga --ingest: universe on {date}: {e}");
            return Exit::Config.code();
        }
    };
    let list: Vec<_> = list
        .into_iter()
        .filter(|i| args.market.market().is_none_or(|m| i.market == m))
        .collect();
    if args.json {
        match serde_json::to_string(&list) {
            Ok(t) => println!("{t}"),
            Err(e) => eprintln!("hoga --ingest: universe as JSON: {e}"),
        }
    } else {
        let dash = |d: Option<NaiveDate>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
        println!("code    market  listed      delisted    name");
        for i in &list {
            println!(
                "{:<7} {:<7} {:<11} {:<11} {}",
                i.code.as_str(),
                i.market.label(),
                dash(i.listed_on),
                dash(i.delisted_on),
                i.name
            );
        }
    }
    eprintln!("universe on {date}: {} issues", list.len());
    Exit::Ok.code()
}

/// Runs the command with an already-built source. Prints the summary; returns the exit code.
pub async fn execute(
    args: &IngestArgs,
    settings: &Settings,
    source: Arc<dyn crate::source::DataSource>,
    clock: SharedClock,
    cancel: CancellationToken,
) -> i32 {
    execute_as(args, settings, source, clock, cancel, None).await
}

/// `execute`, saying in the summary which appkey the source uses.
pub async fn execute_as(
    args: &IngestArgs,
    settings: &Settings,
    source: Arc<dyn crate::source::DataSource>,
    clock: SharedClock,
    cancel: CancellationToken,
    account: Option<String>,
) -> i32 {
    if let Some(d) = args.universe_on {
        return universe_command(args, settings, d).await;
    }
    if args.audit || args.repair {
        return audit_command(args, settings, Some(source), clock).await;
    }
    let plan = match plan(args, settings, clock.now(), source.batches_quotes()) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("hoga --ingest: {msg}");
            return Exit::Config.code();
        }
    };
    let store: Option<Arc<dyn Store>> = if plan.dry_run {
        None
    } else {
        let spec = match &args.store {
            Some(text) => match StoreSpec::parse(text, &settings.data_dir) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("hoga --ingest: {e}");
                    return Exit::Config.code();
                }
            },
            None => settings.store.clone(),
        };
        match spec.open().await {
            Ok(s) => Some(Arc::from(s)),
            Err(e) => {
                eprintln!("hoga --ingest: cannot open {}: {e}", spec.describe());
                return Exit::Config.code();
            }
        }
    };
    let reporter: Arc<dyn Reporter> = if std::io::stderr().is_terminal() {
        Arc::new(Bar::new())
    } else {
        Arc::new(Lines::new(Duration::from_secs(5)))
    };
    cancel_on_signals(cancel.clone(), reporter.clone());
    let deps = Deps {
        source,
        store,
        clock,
        cancel,
        reporter,
    };
    let summary = match run(&plan, deps).await {
        Ok(mut s) => {
            s.account = account;
            s
        }
        Err(IngestError::Auth(msg)) => {
            eprintln!("hoga --ingest: authentication failed: {msg}");
            return Exit::Config.code();
        }
        Err(IngestError::Config(msg)) => {
            eprintln!("hoga --ingest: {msg}");
            return Exit::NothingFetched.code();
        }
        Err(IngestError::Store(e)) => {
            // Only the bookkeeping before any fetch can fail this way: the store is unusable.
            eprintln!("hoga --ingest: store: {e}");
            return Exit::Config.code();
        }
    };
    print_summary(&summary, args.json);
    summary.exit_code
}

pub fn print_summary(summary: &Summary, json: bool) {
    eprint!("{}", summary.render());
    if json {
        match serde_json::to_string(summary) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("hoga --ingest: summary as JSON: {e}"),
        }
    }
}

/// `hoga --ingest` against KIS (or kis-sim via `[kis] base_url`), on `clock` (`--clock`),
/// through the same source the monitor reads (so `--warm-cache` fills the keys it reads).
pub async fn main(
    args: &IngestArgs,
    source: &crate::source::factory::Settings,
    settings: &Settings,
    clock: SharedClock,
) -> i32 {
    if let Some(d) = args.universe_on {
        // Reads the store only.
        return universe_command(args, settings, d).await;
    }
    if args.audit && !args.repair {
        // The audit reads the store only.
        return audit_command(args, settings, None, clock).await;
    }
    if !source.kis.has_credentials() {
        eprintln!(
            "hoga --ingest: no KIS credentials: set KIS_APP_KEY and KIS_APP_SECRET, or \
             app_key/app_secret under [kis] (or [[kis.accounts]]) in the config file"
        );
        return Exit::Config.code();
    }
    let (on_account, account) = match on_account(args, source) {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("hoga --ingest: {msg}");
            return Exit::Config.code();
        }
    };
    let source = &on_account;
    let source = match crate::source::factory::kis_source(source, clock.clone()) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("hoga --ingest: {e}");
            return Exit::Config.code();
        }
    };
    if args.warm_cache {
        super::warm::warm(source.as_ref(), &settings.watchlist_codes).await;
    }
    execute_as(
        args,
        settings,
        source,
        clock,
        CancellationToken::new(),
        Some(account),
    )
    .await
}

/// The appkey a run uses (from 1): `--account N`, else with `--shard K/N` and several appkeys
/// (K mod their count) + 1, else the first.
pub fn account_number(args: &IngestArgs, accounts: usize) -> usize {
    match (args.account, args.shard) {
        (Some(n), _) => n,
        (None, Some(s)) if accounts > 1 => s.index as usize % accounts + 1,
        _ => 1,
    }
}

/// `source` on the run's appkey alone (`account_number`), and a description of it. Accounts
/// after the first keep their token in `<state dir>/accounts/N/`, so processes on different
/// keys never share a token file.
fn on_account(
    args: &IngestArgs,
    source: &crate::source::factory::Settings,
) -> Result<(crate::source::factory::Settings, String), String> {
    let count = source.kis.accounts.len();
    let n = account_number(args, count);
    let Some((kis, account)) = source.kis.on_account(n) else {
        return Err(format!(
            "--account {n}: {count} appkey{} configured ([kis] app_key, then [[kis.accounts]])",
            if count == 1 { " is" } else { "s are" }
        ));
    };
    let name = format!("{} (appkey {n} of {count})", account.name);
    let mut out = source.clone();
    out.kis = kis;
    if n > 1 {
        // Created 0700 with its token file (kis::token).
        out.client.state_dir = out.client.state_dir.join("accounts").join(n.to_string());
    }
    Ok((out, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn args() -> IngestArgs {
        IngestArgs::default()
    }

    fn settings() -> Settings {
        Settings {
            store: StoreSpec::Sqlite("hoga.db".into()),
            data_dir: ".".into(),
            batch_size: 2_000,
            concurrency: 8,
            watchlist_codes: Vec::new(),
            delist_after_days: 3,
        }
    }

    /// 2026-03-06 (Fri) at `h:m` KST.
    fn fri(h: u32, m: u32) -> DateTime<Utc> {
        crate::market::KST
            .with_ymd_and_hms(2026, 3, 6, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn default_date_is_the_last_closed_trading_day() {
        let c = settings();
        let p = plan(&args(), &c, fri(16, 0), true).unwrap();
        assert_eq!(
            (p.from, p.to, p.via),
            (d(2026, 3, 6), d(2026, 3, 6), Via::MultiQuote)
        );
        // Before the close: yesterday, by chart.
        let p = plan(&args(), &c, fri(14, 0), true).unwrap();
        assert_eq!((p.to, p.via), (d(2026, 3, 5), Via::Chart));
        // The virtual server has no multi-quote.
        let p = plan(&args(), &c, fri(16, 0), false).unwrap();
        assert_eq!(p.via, Via::Chart);
        assert_eq!(p.concurrency, c.concurrency);
    }

    #[test]
    fn non_trading_and_future_dates_are_refused() {
        let c = settings();
        let mut a = args();
        a.date = Some(d(2026, 3, 1));
        let e = plan(&a, &c, fri(16, 0), true).unwrap_err();
        assert!(
            e.contains("not a KRX trading day") && e.contains("--force"),
            "{e}"
        );
        a.force = true;
        let p = plan(&a, &c, fri(16, 0), true).unwrap();
        assert!(p.force);
        assert_eq!(p.to, d(2026, 3, 1));
        a.date = Some(d(2026, 3, 9));
        assert!(
            plan(&a, &c, fri(16, 0), true)
                .unwrap_err()
                .contains("future")
        );
    }

    #[test]
    fn ranges_codes_and_via() {
        let c = settings();
        let mut a = args();
        a.from = Some(d(2024, 3, 6));
        let p = plan(&a, &c, fri(16, 0), true).unwrap();
        assert_eq!(
            (p.from, p.to, p.via),
            (d(2024, 3, 6), d(2026, 3, 6), Via::Chart)
        );
        a.to = Some(d(2024, 1, 1));
        assert!(
            plan(&a, &c, fri(16, 0), true)
                .unwrap_err()
                .contains("after")
        );
        a.to = None;
        a.via = Via::MultiQuote;
        assert!(
            plan(&a, &c, fri(16, 0), true)
                .unwrap_err()
                .contains("current day")
        );
        let mut a = args();
        a.codes = vec!["005930".into(), "12".into()];
        assert!(
            plan(&a, &c, fri(16, 0), true)
                .unwrap_err()
                .contains("--codes")
        );
        a.codes = vec!["005930".into(), "000660".into()];
        assert_eq!(
            plan(&a, &c, fri(16, 0), true).unwrap().codes.unwrap().len(),
            2
        );
    }

    #[test]
    fn shards_spread_over_the_appkeys_unless_an_account_is_named() {
        let mut a = args();
        assert_eq!(account_number(&a, 1), 1);
        assert_eq!(account_number(&a, 3), 1);
        for (k, want) in [(0, 1), (1, 2), (2, 3), (3, 1)] {
            a.shard = Some(crate::ingest::Shard { index: k, count: 4 });
            assert_eq!(account_number(&a, 3), want, "shard {k}/4 on 3 keys");
            assert_eq!(account_number(&a, 1), 1);
        }
        a.account = Some(2);
        assert_eq!(account_number(&a, 3), 2);
    }

    #[test]
    fn identity_ignores_code_order_but_not_dates() {
        let c = settings();
        let mut a = args();
        a.codes = vec!["005930".into(), "000660".into()];
        let p1 = plan(&a, &c, fri(16, 0), true).unwrap();
        a.codes = vec!["000660".into(), "005930".into()];
        let p2 = plan(&a, &c, fri(16, 0), true).unwrap();
        assert_eq!(p1.identity().0, p2.identity().0);
        a.date = Some(d(2026, 3, 5));
        let p3 = plan(&a, &c, fri(16, 0), true).unwrap();
        assert_ne!(p1.identity().0, p3.identity().0);
    }
}

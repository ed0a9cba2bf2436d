//! Runs a lookup: ask the source (interactive priority), shape the answer, write it out.

use super::json::{BookJson, ChartJson, InfoJson, QuoteJson, SearchJson, to_json};
use super::text::{book_table, chart_table, info_table, quote_table, search_table};
use super::{BookArgs, ChartArgs, InfoArgs, Lookup, LookupError, QuoteArgs, SearchArgs};
use crate::exit::Exit;
use crate::market::bar_check::{RejectCategory, check_prices};
use crate::market::{Calendar, Candle, Period, Quote, SecurityKind, StockCode, kst_date};
use crate::source::factory::{self, SourceChoice};
use crate::source::{DataSource, Req};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use std::io::Write;

/// A lookup is what the user waits for: first in the rate budget, a fresh cache entry will do.
const LOOKUP: Req = Req::INTERACTIVE;

pub(super) fn write_out(out: &mut dyn Write, text: &str) -> Result<(), LookupError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        // A closed pipe (`hoga quote ... | head`) is not worth a data error.
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Ok(()),
            _ => Err(LookupError::Data(format!("cannot write output: {e}"))),
        })
}

/// Runs one lookup against `source` and writes the answer to `out`. `now` fixes "today".
/// Partial answers (some codes unknown) are written and then reported as a data error.
pub async fn run(
    cmd: &Lookup,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    match cmd {
        Lookup::Quote(a) => quote(a, source, now, out).await,
        Lookup::Book(a) => book(a, source, now, out).await,
        Lookup::Chart(a) => chart(a, source, now, out).await,
        Lookup::Info(a) => info(a, source, now, out).await,
        Lookup::Search(a) => search(a, source, out).await,
        Lookup::Index(a) => super::market::index(a, source, now, out).await,
        Lookup::Rank(a) => super::market::rank(a, source, now, out).await,
    }
}

async fn quote(
    a: &QuoteArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let mut codes = Vec::with_capacity(a.codes.len());
    for c in &a.codes {
        codes.push(stock_code(c, source).await?);
    }
    let quotes = if codes.len() == 1 {
        vec![source.quote(codes[0], LOOKUP).await?]
    } else {
        source.quotes(&codes, LOOKUP).await?
    };
    // Answer in the order asked, once per code.
    let mut ordered = Vec::with_capacity(codes.len());
    let mut missing = Vec::new();
    for code in &codes {
        match quotes.iter().find(|q| q.value.code == *code) {
            Some(q)
                if !ordered
                    .iter()
                    .any(|o: &&crate::source::Sourced<Quote>| o.value.code == *code) =>
            {
                ordered.push(q)
            }
            Some(_) => {}
            None => missing.push(code.to_string()),
        }
    }
    // inquire-price carries no name: ask the (cached) info for the ones missing it.
    let mut ordered: Vec<crate::source::Sourced<Quote>> = ordered.into_iter().cloned().collect();
    for q in ordered.iter_mut().filter(|q| q.value.name.is_none()) {
        if let Ok(i) = source.info(q.value.code, LOOKUP).await {
            q.value.name = Some(i.value.name);
        }
    }
    let ordered: Vec<&crate::source::Sourced<Quote>> = ordered.iter().collect();
    if !ordered.is_empty() {
        let text = if a.json {
            let rows: Vec<QuoteJson> = ordered
                .iter()
                .map(|q| QuoteJson::new(&q.value, &q.provenance))
                .collect();
            if a.codes.len() == 1 {
                to_json(&rows[0])?
            } else {
                to_json(&rows)?
            }
        } else {
            quote_table(&ordered, now)
        };
        write_out(out, &text)?;
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(LookupError::Data(format!(
            "unknown stock code {}",
            missing.join(", ")
        )))
    }
}

async fn book(
    a: &BookArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let code = stock_code(&a.code, source).await?;
    let b = source.order_book(code, LOOKUP).await?;
    let text = if a.json {
        to_json(&BookJson::new(&b.value))?
    } else {
        book_table(&b.value, &b.provenance, now)
    };
    write_out(out, &text)
}

/// The default first date of a chart ending at `to`.
pub fn default_from(period: Period, to: NaiveDate) -> NaiveDate {
    let back = match period {
        Period::Minute | Period::Day => Months::new(3),
        Period::Week => Months::new(12),
        Period::Month => Months::new(60),
        Period::Year => Months::new(240),
    };
    to.checked_sub_months(back)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year() - 1, 1, 1).unwrap_or(to))
}

async fn chart(
    a: &ChartArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let code = stock_code(&a.code, source).await?;
    let bars = if a.period == Period::Minute {
        if a.from.is_some() || a.to.is_some() {
            return Err(LookupError::Usage(
                "--from/--to do not apply to --period 1m: KIS serves today's minutes only".into(),
            ));
        }
        source.minute_chart(code, LOOKUP).await?
    } else {
        let to = a.to.unwrap_or_else(|| kst_date(now));
        let from = a.from.unwrap_or_else(|| default_from(a.period, to));
        if from > to {
            return Err(LookupError::Usage(format!(
                "--from {from} is after --to {to}"
            )));
        }
        let bars = if a.period == Period::Day {
            source
                .chart_days(code, from, to, a.adjusted, LOOKUP)
                .await?
                .map(|days| days.into_iter().map(|d| d.candle).collect::<Vec<_>>())
        } else {
            source.chart(code, a.period, from, to, LOOKUP).await?
        };
        if bars.value.is_empty() {
            let days = from.iter_days().take_while(|d| *d <= to);
            let why = if !days.into_iter().any(|d| Calendar::krx().is_trading_day(d)) {
                format!("no KRX trading days between {from} and {to}")
            } else {
                format!(
                    "no {} bars for {code} between {from} and {to}",
                    a.period.code()
                )
            };
            if a.json {
                write_out(out, &to_json(&ChartJson::new(code, a.period, &[], &[]))?)?;
            }
            return Err(LookupError::Data(why));
        }
        bars
    };
    let warnings = bar_warnings(code, &bars.value, source).await;
    let text = if a.json {
        to_json(&ChartJson::new(code, a.period, &bars.value, &warnings))?
    } else {
        for w in &warnings {
            eprintln!("hoga: warning: {w}");
        }
        chart_table(code, a.period, &bars.value, &bars.provenance, now)
    };
    write_out(out, &text)
}

/// What is wrong with bars as served, by the ingest's own rules (a lookup shows them, flagged).
/// The tick grid depends on the kind of security: asked only when a bar is off the stock grid.
async fn bar_warnings(code: StockCode, bars: &[Candle], source: &dyn DataSource) -> Vec<String> {
    let mut kind = SecurityKind::Stock;
    let mut kind_known = false;
    let mut out = Vec::new();
    let mut sorted: Vec<&Candle> = bars.iter().collect();
    sorted.sort_by_key(|c| (c.date, c.time));
    for c in sorted {
        let mut problem = check_prices(c, kind);
        if matches!(problem, Err((RejectCategory::OffGrid, _))) && !kind_known {
            kind_known = true;
            if let Ok(i) = source.info(code, LOOKUP).await {
                kind = i.value.kind;
            }
            problem = check_prices(c, kind);
        }
        if let Err((_, detail)) = problem {
            let at = match c.time {
                Some(t) => format!("{} {}", c.date, t.format("%H:%M")),
                None => c.date.to_string(),
            };
            out.push(format!("{code} bar {at}: {detail}"));
        }
    }
    out
}

/// A stock code, or a name that means one stock (resolved through the universe and the one
/// search); several candidates are listed, and the lookup fails with a data error.
async fn stock_code(arg: &str, source: &dyn DataSource) -> Result<StockCode, LookupError> {
    let invalid = match StockCode::new(arg) {
        Ok(code) => return Ok(code),
        Err(e) => e,
    };
    if arg.trim().is_empty() {
        return Err(LookupError::Usage(invalid.to_string()));
    }
    let universe = source.universe(LOOKUP).await?;
    match crate::market::search::resolve(&universe.value, arg, 10) {
        Ok(l) => Ok(l.code),
        Err(none) if none.is_empty() => Err(LookupError::Usage(format!(
            "{invalid}; no stock is named {arg:?} either"
        ))),
        Err(candidates) => {
            let list: Vec<String> = candidates
                .iter()
                .map(|l| format!("{} {}", l.code, l.name))
                .collect();
            Err(LookupError::Data(format!(
                "{arg:?} matches {} stocks, give one code: {}",
                list.len(),
                list.join(", ")
            )))
        }
    }
}

async fn info(
    a: &InfoArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let code = stock_code(&a.code, source).await?;
    let i = source.info(code, LOOKUP).await?;
    let extras = super::market::info_extras(code, source).await;
    let text = if a.json {
        super::market::info_json(&InfoJson::new(&i.value), &extras)?
    } else {
        let mut t = info_table(&i.value, &i.provenance, now);
        t.push_str(&super::market::info_text(&extras));
        t
    };
    write_out(out, &text)
}

async fn search(
    a: &SearchArgs,
    source: &dyn DataSource,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let query = a.text.join(" ");
    if query.trim().is_empty() {
        return Err(LookupError::Usage("search text is empty".into()));
    }
    let universe = source.universe(LOOKUP).await?;
    let found = crate::market::search::search(&universe.value, &query, a.limit.max(1));
    let text = if a.json {
        let rows: Vec<SearchJson> = found.iter().map(|l| SearchJson::new(l)).collect();
        to_json(&rows)?
    } else if found.is_empty() {
        String::new()
    } else {
        search_table(&found)
    };
    write_out(out, &text)?;
    if found.is_empty() {
        // The master files carry no English names: say where they come from rather than
        // leave an English query looking like a missing stock.
        let latin = query.chars().any(|c| c.is_ascii_alphabetic());
        let known = universe
            .value
            .iter()
            .filter(|l| l.name_en.is_some())
            .count();
        let hint = if latin && known < universe.value.len() {
            format!(
                " (English names are known for {known} of {} stocks: those looked up with \
                 `hoga info` or opened in the monitor)",
                universe.value.len()
            )
        } else {
            String::new()
        };
        Err(LookupError::Data(format!(
            "no stock matches {query:?}{hint}"
        )))
    } else {
        Ok(())
    }
}

/// Runs a lookup command for the `hoga` binary: builds the source from its settings, runs the
/// lookup, writes the answer to stdout and any error to stderr. Returns the exit code.
pub fn execute(
    cmd: Lookup,
    settings: &factory::Settings,
    choice: SourceChoice,
    clock: crate::clock::SharedClock,
) -> u8 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hoga: cannot start the runtime: {e}");
            return Exit::Data.into();
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    let result = rt.block_on(async {
        let source = factory::build(settings, choice, clock.clone())
            // Building a source fails only on configuration or credentials.
            .map_err(|e| LookupError::Usage(e.to_string()))?;
        // Ctrl-C or SIGTERM ends any wait (the token guard's minute, a retry, KIS itself).
        tokio::select! {
            r = run(&cmd, source.as_ref(), clock.now(), &mut buf) => r,
            _ = crate::signal::interrupted() => Err(LookupError::Interrupted),
        }
    });
    let mut stdout = std::io::stdout().lock();
    let written = write_out(&mut stdout, &String::from_utf8_lossy(&buf));
    match result.and(written) {
        Ok(()) => Exit::Ok.into(),
        Err(e) => {
            tracing::error!(target: crate::logging::FILE_ONLY, "lookup: {e}");
            eprintln!("hoga: {e}");
            e.exit_code() as u8
        }
    }
}

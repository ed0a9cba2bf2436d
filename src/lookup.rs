//! Headless lookup commands: `hoga quote|book|chart|info|search`. A table for people by default
//! (Hangul aligned by display width), `--json` for scripts. Exit 0 ok, 1 data error, 2 usage,
//! config or auth error.

use crate::config::Config;
use crate::exit::Exit;
use crate::market::{
    Candle, Direction, KST, Krw, Listing, OrderBook, Period, Provenance, Quote, Rate, SecurityKind,
    StockCode, StockInfo, kst_date,
};
use crate::paths::Paths;
use crate::source::factory::{self, SourceChoice};
use crate::source::{DataSource, Req, SourceError};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use clap::Args;
use serde::Serialize;
use serde_json::value::RawValue;
use std::io::Write;
use unicode_normalization::UnicodeNormalization;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A lookup is what the user waits for: first in the rate budget, a fresh cache entry will do.
const LOOKUP: Req = Req::INTERACTIVE;

/// `hoga quote CODE...`
#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// Six-character stock codes, e.g. 005930 000660.
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
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<NaiveDate>,
    /// Last date (KST), inclusive. Default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<NaiveDate>,
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

fn parse_period(s: &str) -> Result<Period, String> {
    Period::parse(s).ok_or_else(|| format!("unknown period {s:?}: expected D, W, M, Y or 1m"))
}

/// One lookup command.
#[derive(Debug, Clone)]
pub enum Lookup {
    Quote(QuoteArgs),
    Book(BookArgs),
    Chart(ChartArgs),
    Info(InfoArgs),
    Search(SearchArgs),
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
}

impl LookupError {
    pub fn exit_code(&self) -> i32 {
        match self {
            LookupError::Data(_) => Exit::Data.code(),
            LookupError::Usage(_) | LookupError::Auth(_) => Exit::Config.code(),
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

fn code_arg(s: &str) -> Result<StockCode, LookupError> {
    StockCode::new(s).map_err(|e| LookupError::Usage(e.to_string()))
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), LookupError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        // A closed pipe (`hoga quote ... | head`) is not worth a data error.
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Ok(()),
            _ => Err(LookupError::Data(format!("cannot write output: {e}"))),
        })
}

fn to_json<T: Serialize>(v: &T) -> Result<String, LookupError> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| LookupError::Data(format!("cannot encode JSON: {e}")))
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
    }
}

async fn quote(
    a: &QuoteArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let codes = a
        .codes
        .iter()
        .map(|c| code_arg(c))
        .collect::<Result<Vec<_>, _>>()?;
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
    let code = code_arg(&a.code)?;
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
    let code = code_arg(&a.code)?;
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
        source.chart(code, a.period, from, to, LOOKUP).await?
    };
    let text = if a.json {
        to_json(&ChartJson::new(code, a.period, &bars.value))?
    } else {
        chart_table(code, a.period, &bars.value, &bars.provenance, now)
    };
    write_out(out, &text)
}

async fn info(
    a: &InfoArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let code = code_arg(&a.code)?;
    let i = source.info(code, LOOKUP).await?;
    let text = if a.json {
        to_json(&InfoJson::new(&i.value))?
    } else {
        info_table(&i.value, &i.provenance, now)
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
    let found = search_universe(&universe.value, &query, a.limit.max(1));
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
        Err(LookupError::Data(format!("no stock matches {query:?}")))
    } else {
        Ok(())
    }
}

/// Runs a lookup command for the `hoga` binary: builds the source from the config, runs the
/// lookup, writes the answer to stdout and any error to stderr. Returns the exit code.
pub fn execute(
    cmd: Lookup,
    cfg: &Config,
    paths: &Paths,
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
        let source = factory::build(cfg, paths, choice, clock.clone())
            // Building a source fails only on configuration or credentials.
            .map_err(|e| LookupError::Usage(e.to_string()))?;
        run(&cmd, source.as_ref(), clock.now(), &mut buf).await
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

// ---------------------------------------------------------------------------------------------
// Search

const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// The initial consonants of a Hangul string (삼성전자 → ㅅㅅㅈㅈ); other characters kept.
pub fn initial_consonants(s: &str) -> String {
    s.chars()
        .map(|c| {
            let u = c as u32;
            if (0xAC00..=0xD7A3).contains(&u) {
                CHOSEONG[((u - 0xAC00) / 588) as usize]
            } else {
                c
            }
        })
        .collect()
}

fn normalize(s: &str) -> String {
    s.nfc().collect::<String>().to_lowercase().replace(' ', "")
}

/// Matches by code, then Korean or English name, then initial consonants; best first.
pub fn search_universe<'a>(universe: &'a [Listing], query: &str, limit: usize) -> Vec<&'a Listing> {
    let q = normalize(query);
    let q_upper = query.trim().to_ascii_uppercase();
    let only_jamo = !q.is_empty() && q.chars().all(|c| CHOSEONG.contains(&c));
    let mut scored: Vec<(u8, &Listing)> = universe
        .iter()
        .filter_map(|l| {
            let name = normalize(&l.name);
            let en = l.name_en.as_deref().map(normalize).unwrap_or_default();
            let score = if l.code.as_str() == q_upper {
                0
            } else if name == q || en == q {
                1
            } else if l.code.as_str().starts_with(&q_upper) {
                2
            } else if name.starts_with(&q) || (!en.is_empty() && en.starts_with(&q)) {
                3
            } else if name.contains(&q) || (!en.is_empty() && en.contains(&q)) {
                4
            } else if only_jamo && initial_consonants(&name).contains(&q) {
                5
            } else {
                return None;
            };
            Some((score, l))
        })
        .collect();
    // Within a rank, bigger companies first: what people usually mean.
    scored.sort_by(|(sa, a), (sb, b)| {
        sa.cmp(sb)
            .then(b.market_cap_eok.cmp(&a.market_cap_eok))
            .then(a.code.cmp(&b.code))
    });
    scored.into_iter().take(limit).map(|(_, l)| l).collect()
}

// ---------------------------------------------------------------------------------------------
// JSON shapes (field names are a public interface: keep them)

/// A rate as a JSON number with exactly two decimals (`-0.23`, `5.00`), never a float artefact.
fn rate_json(r: Rate) -> Box<RawValue> {
    RawValue::from_string(r.to_string())
        .or_else(|_| serde_json::value::to_raw_value(&r.as_f64()))
        .unwrap_or_else(|_| RawValue::from_string("0.00".to_string()).unwrap_or_default())
}

/// An instant in JSON: RFC 3339 in KST, to the second (`2026-11-19T11:00:00+09:00`).
fn time_json(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[derive(Serialize)]
pub struct QuoteJson<'a> {
    code: &'a str,
    name: Option<&'a str>,
    price: i64,
    change: i64,
    change_rate: Box<RawValue>,
    prev_close: i64,
    open: i64,
    high: i64,
    low: i64,
    volume: u64,
    value: i64,
    upper_limit: i64,
    lower_limit: i64,
    as_of: String,
    provenance: &'a Provenance,
}

impl<'a> QuoteJson<'a> {
    pub fn new(q: &'a Quote, provenance: &'a Provenance) -> Self {
        QuoteJson {
            code: q.code.as_str(),
            name: q.name.as_deref(),
            price: q.price.0,
            change: q.change.0,
            change_rate: rate_json(q.change_rate),
            prev_close: q.prev_close.0,
            open: q.open.0,
            high: q.high.0,
            low: q.low.0,
            volume: q.volume,
            value: q.value.0,
            upper_limit: q.upper_limit.0,
            lower_limit: q.lower_limit.0,
            as_of: time_json(q.as_of),
            provenance,
        }
    }
}

#[derive(Serialize)]
struct LevelJson {
    price: i64,
    qty: u64,
}

#[derive(Serialize)]
pub struct BookJson<'a> {
    code: &'a str,
    asks: Vec<LevelJson>,
    bids: Vec<LevelJson>,
    total_ask_qty: u64,
    total_bid_qty: u64,
    as_of: String,
}

impl<'a> BookJson<'a> {
    pub fn new(b: &'a OrderBook) -> Self {
        let levels = |v: &[crate::market::Level]| {
            v.iter()
                .map(|l| LevelJson {
                    price: l.price.0,
                    qty: l.qty,
                })
                .collect()
        };
        BookJson {
            code: b.code.as_str(),
            asks: levels(&b.asks),
            bids: levels(&b.bids),
            total_ask_qty: b.total_ask_qty,
            total_bid_qty: b.total_bid_qty,
            as_of: time_json(b.as_of),
        }
    }
}

#[derive(Serialize)]
struct BarJson {
    date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    open: i64,
    high: i64,
    low: i64,
    close: i64,
    volume: u64,
    value: i64,
}

#[derive(Serialize)]
pub struct ChartJson {
    code: String,
    period: &'static str,
    bars: Vec<BarJson>,
}

impl ChartJson {
    pub fn new(code: StockCode, period: Period, bars: &[Candle]) -> Self {
        let mut bars: Vec<&Candle> = bars.iter().collect();
        // Oldest first, whatever the source did.
        bars.sort_by_key(|c| (c.date, c.time));
        ChartJson {
            code: code.to_string(),
            period: period.code(),
            bars: bars
                .into_iter()
                .map(|c| BarJson {
                    date: c.date.to_string(),
                    time: c.time.map(|t| t.format("%H:%M").to_string()),
                    open: c.open.0,
                    high: c.high.0,
                    low: c.low.0,
                    close: c.close.0,
                    volume: c.volume,
                    value: c.value.0,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct InfoJson<'a> {
    code: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    market: crate::market::Market,
    sector: Option<&'a str>,
    listed_shares: Option<u64>,
    kind: SecurityKind,
    isin: Option<&'a str>,
    market_cap: Option<i64>,
    per: Option<Box<RawValue>>,
    pbr: Option<Box<RawValue>>,
    eps: Option<i64>,
    bps: Option<i64>,
    w52_high: Option<i64>,
    w52_low: Option<i64>,
    upper_limit: Option<i64>,
    lower_limit: Option<i64>,
    flags: crate::market::StatusFlags,
}

impl<'a> InfoJson<'a> {
    pub fn new(i: &'a StockInfo) -> Self {
        InfoJson {
            code: i.code.as_str(),
            name: &i.name,
            name_en: i.name_en.as_deref(),
            market: i.market,
            sector: i.sector.as_deref(),
            listed_shares: i.listed_shares,
            kind: i.kind,
            isin: i.isin.as_deref(),
            market_cap: i.market_cap.map(|k| k.0),
            per: i.per.map(rate_json),
            pbr: i.pbr.map(rate_json),
            eps: i.eps.map(|k| k.0),
            bps: i.bps.map(|k| k.0),
            w52_high: i.w52_high.map(|k| k.0),
            w52_low: i.w52_low.map(|k| k.0),
            upper_limit: i.upper_limit.map(|k| k.0),
            lower_limit: i.lower_limit.map(|k| k.0),
            flags: i.flags,
        }
    }
}

#[derive(Serialize)]
pub struct SearchJson<'a> {
    code: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    market: crate::market::Market,
    kind: SecurityKind,
}

impl<'a> SearchJson<'a> {
    pub fn new(l: &'a Listing) -> Self {
        SearchJson {
            code: l.code.as_str(),
            name: &l.name,
            name_en: l.name_en.as_deref(),
            market: l.market,
            kind: l.kind,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tables for people

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Pads or truncates `s` to exactly `width` terminal columns (Hangul is two wide; cut with `…`).
pub fn fit(s: &str, width: usize, right: bool) -> String {
    let mut text: String = s.nfc().collect();
    if text.width() > width {
        let mut cut = String::new();
        let mut w = 0;
        for c in text.chars() {
            let cw = c.width().unwrap_or(0);
            if w + cw + 1 > width {
                break;
            }
            cut.push(c);
            w += cw;
        }
        cut.push('…');
        text = cut;
    }
    let pad = " ".repeat(width.saturating_sub(text.width()));
    if right { pad + &text } else { text + &pad }
}

struct Table {
    headers: Vec<&'static str>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
    /// Names longer than this are truncated.
    max_width: usize,
}

impl Table {
    fn new(cols: &[(&'static str, Align)]) -> Table {
        Table {
            headers: cols.iter().map(|c| c.0).collect(),
            align: cols.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            max_width: 24,
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.nfc().collect::<String>().width().min(self.max_width));
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let parts: Vec<String> = (0..n)
                .map(|i| {
                    let cell = cells.get(i).map(String::as_str).unwrap_or("");
                    fit(cell, widths[i], self.align[i] == Align::Right)
                })
                .collect();
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        line(&headers, &mut out);
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

/// `▲150`, `▼150`, `↑` for the upper limit, `↓` for the lower; arrows so meaning never rests on colour.
fn change_text(q: &Quote) -> String {
    let glyph = match q.direction() {
        Direction::UpperLimit => "↑",
        Direction::Up => "▲",
        Direction::Flat => "",
        Direction::LowerLimit => "↓",
        Direction::Down => "▼",
    };
    if q.change.0 == 0 {
        "0".to_string()
    } else {
        format!("{glyph}{}", q.change.abs())
    }
}

fn rate_text(r: Rate) -> String {
    if r.0 > 0 {
        format!("+{r}%")
    } else {
        format!("{r}%")
    }
}

fn provenance_text(p: &Provenance, now_hint: Option<DateTime<Utc>>) -> String {
    let hm = |t: DateTime<Utc>| t.with_timezone(&KST).format("%m-%d %H:%M:%S").to_string();
    match p {
        Provenance::Live { env } => format!("live ({})", env.label()),
        Provenance::Cached { fetched_at } => match now_hint {
            Some(now) => format!("cached {}s ago", (now - *fetched_at).num_seconds().max(0)),
            None => format!("cached {}", hm(*fetched_at)),
        },
        Provenance::Stale { since } => format!("STALE since {}", hm(*since)),
        Provenance::Simulated => "simulated".to_string(),
    }
}

fn quote_table(quotes: &[&crate::source::Sourced<Quote>], now: DateTime<Utc>) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("CODE", Align::Left),
        ("PRICE", Align::Right),
        ("CHANGE", Align::Right),
        ("RATE", Align::Right),
        ("VOLUME", Align::Right),
        ("VALUE", Align::Right),
        ("OPEN", Align::Right),
        ("HIGH", Align::Right),
        ("LOW", Align::Right),
        ("AS OF", Align::Left),
        ("SOURCE", Align::Left),
    ]);
    for s in quotes {
        let q = &s.value;
        let mut name = q.name.clone().unwrap_or_else(|| "-".to_string());
        if q.flags.halted {
            name.push_str(" [거래정지]");
        }
        t.row(vec![
            name,
            q.code.to_string(),
            q.price.grouped(),
            change_text(q),
            rate_text(q.change_rate),
            crate::market::group_thousands(q.volume as i64),
            q.value.grouped(),
            q.open.grouped(),
            q.high.grouped(),
            q.low.grouped(),
            q.as_of.with_timezone(&KST).format("%H:%M:%S").to_string(),
            provenance_text(&s.provenance, Some(now)),
        ]);
    }
    t.render()
}

fn book_table(b: &OrderBook, p: &Provenance, now: DateTime<Utc>) -> String {
    let mut out = format!(
        "{}  as of {} KST  {}\n",
        b.code,
        b.as_of.with_timezone(&KST).format("%Y-%m-%d %H:%M:%S"),
        provenance_text(p, Some(now))
    );
    let mut t = Table::new(&[
        ("ASK QTY", Align::Right),
        ("PRICE", Align::Right),
        ("BID QTY", Align::Right),
    ]);
    let qty = |q: u64| crate::market::group_thousands(q as i64);
    // Highest ask on top, down to the best ask, then the best bid down.
    for l in b.asks.iter().rev() {
        t.row(vec![qty(l.qty), l.price.grouped(), String::new()]);
    }
    for l in &b.bids {
        t.row(vec![String::new(), l.price.grouped(), qty(l.qty)]);
    }
    t.row(vec![
        qty(b.total_ask_qty),
        "TOTAL".into(),
        qty(b.total_bid_qty),
    ]);
    out.push_str(&t.render());
    if let Some(e) = &b.expected {
        out.push_str(&format!(
            "expected fill {} × {} ({})\n",
            e.price,
            crate::market::group_thousands(e.volume as i64),
            rate_text(e.change_rate)
        ));
    }
    out
}

fn chart_table(
    code: StockCode,
    period: Period,
    bars: &[Candle],
    p: &Provenance,
    now: DateTime<Utc>,
) -> String {
    let mut out = format!(
        "{code}  {} bars: {}  {}\n",
        period.code(),
        bars.len(),
        provenance_text(p, Some(now))
    );
    let minute = period == Period::Minute;
    let mut cols = vec![("DATE", Align::Left)];
    if minute {
        cols.push(("TIME", Align::Left));
    }
    cols.extend([
        ("OPEN", Align::Right),
        ("HIGH", Align::Right),
        ("LOW", Align::Right),
        ("CLOSE", Align::Right),
        ("VOLUME", Align::Right),
        ("VALUE", Align::Right),
    ]);
    let mut t = Table::new(&cols);
    let mut sorted: Vec<&Candle> = bars.iter().collect();
    sorted.sort_by_key(|c| (c.date, c.time));
    for c in sorted {
        let mut row = vec![c.date.to_string()];
        if minute {
            row.push(
                c.time
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
            );
        }
        row.extend([
            c.open.grouped(),
            c.high.grouped(),
            c.low.grouped(),
            c.close.grouped(),
            crate::market::group_thousands(c.volume as i64),
            c.value.grouped(),
        ]);
        t.row(row);
    }
    out.push_str(&t.render());
    out
}

fn info_table(i: &StockInfo, p: &Provenance, now: DateTime<Utc>) -> String {
    let opt_krw = |v: Option<Krw>| v.map(|k| k.grouped()).unwrap_or_else(|| "-".into());
    let opt_rate = |v: Option<Rate>| v.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
    let kind = match i.kind {
        SecurityKind::Stock => "주권 (stock)",
        SecurityKind::Preferred => "우선주 (preferred)",
        SecurityKind::Etf => "ETF",
        SecurityKind::Reit => "리츠 (REIT)",
        SecurityKind::Other => "기타 (other)",
    };
    let mut flags = Vec::new();
    if i.flags.halted {
        flags.push("거래정지");
    }
    if i.flags.managed {
        flags.push("관리종목");
    }
    match i.flags.warning {
        crate::market::Warning::None => {}
        crate::market::Warning::Caution => flags.push("투자주의"),
        crate::market::Warning::Warning => flags.push("투자경고"),
        crate::market::Warning::Danger => flags.push("투자위험"),
    }
    if i.flags.vi {
        flags.push("VI");
    }
    let rows: Vec<(&str, String)> = vec![
        ("종목명 name", i.name.clone()),
        (
            "영문명 name_en",
            i.name_en.clone().unwrap_or_else(|| "-".into()),
        ),
        ("코드 code", i.code.to_string()),
        ("ISIN", i.isin.clone().unwrap_or_else(|| "-".into())),
        ("시장 market", i.market.label().to_string()),
        ("구분 kind", kind.to_string()),
        (
            "업종 sector",
            i.sector.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "상장주식수 listed",
            i.listed_shares
                .map(|n| crate::market::group_thousands(n as i64))
                .unwrap_or_else(|| "-".into()),
        ),
        ("시가총액 market cap", opt_krw(i.market_cap)),
        ("PER", opt_rate(i.per)),
        ("PBR", opt_rate(i.pbr)),
        ("EPS", opt_krw(i.eps)),
        ("BPS", opt_krw(i.bps)),
        ("52주 최고 52w high", opt_krw(i.w52_high)),
        ("52주 최저 52w low", opt_krw(i.w52_low)),
        ("상한가 upper limit", opt_krw(i.upper_limit)),
        ("하한가 lower limit", opt_krw(i.lower_limit)),
        (
            "상태 status",
            if flags.is_empty() {
                "정상 normal".to_string()
            } else {
                flags.join(", ")
            },
        ),
        ("출처 source", provenance_text(p, Some(now))),
    ];
    let label_w = rows.iter().map(|(l, _)| l.width()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&fit(label, label_w, false));
        out.push_str("  ");
        out.push_str(&value);
        out.push('\n');
    }
    out
}

fn search_table(found: &[&Listing]) -> String {
    // The master files carry no English names; show the column only when there are some.
    let with_en = found
        .iter()
        .any(|l| l.name_en.as_deref().is_some_and(|n| !n.trim().is_empty()));
    let mut cols = vec![
        ("CODE", Align::Left),
        ("NAME", Align::Left),
        ("MARKET", Align::Left),
    ];
    if with_en {
        cols.push(("NAME (EN)", Align::Left));
    }
    let mut t = Table::new(&cols);
    t.max_width = 32;
    for l in found {
        let mut row = vec![
            l.code.to_string(),
            l.name.clone(),
            l.market.label().to_string(),
        ];
        if with_en {
            row.push(l.name_en.clone().unwrap_or_default());
        }
        t.row(row);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Env, Level, Market, StatusFlags};
    use chrono::TimeZone;

    fn code(s: &str) -> StockCode {
        StockCode::new(s).unwrap()
    }

    fn sample_quote() -> Quote {
        Quote {
            code: code("005930"),
            name: Some("삼성전자".into()),
            price: Krw(65_850),
            change: Krw(-150),
            change_rate: Rate(-23),
            prev_close: Krw(66_000),
            open: Krw(66_000),
            high: Krw(66_200),
            low: Krw(65_700),
            volume: 5_123_456,
            value: Krw(337_000_000_000),
            upper_limit: Krw(85_800),
            lower_limit: Krw(46_200),
            flags: StatusFlags::default(),
            expected: None,
            as_of: Utc.with_ymd_and_hms(2025, 7, 25, 0, 47, 0).unwrap(),
        }
    }

    #[test]
    fn quote_json_has_exactly_the_documented_fields() {
        let q = sample_quote();
        let p = Provenance::Live { env: Env::Real };
        let text = serde_json::to_string(&QuoteJson::new(&q, &p)).unwrap();
        assert!(text.contains(r#""change_rate":-0.23"#), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "code",
                "name",
                "price",
                "change",
                "change_rate",
                "prev_close",
                "open",
                "high",
                "low",
                "volume",
                "value",
                "upper_limit",
                "lower_limit",
                "as_of",
                "provenance"
            ]
        );
        assert_eq!(v["price"], 65_850);
        assert_eq!(v["value"], 337_000_000_000i64);
        assert_eq!(v["as_of"], "2025-07-25T09:47:00+09:00");
        assert_eq!(v["provenance"]["kind"], "live");
    }

    #[test]
    fn rates_keep_two_decimals() {
        assert_eq!(rate_json(Rate(500)).get(), "5.00");
        assert_eq!(rate_json(Rate(-5)).get(), "-0.05");
        assert_eq!(rate_json(Rate(0)).get(), "0.00");
    }

    #[test]
    fn book_json_shape() {
        let lv = |p, q| Level {
            price: Krw(p),
            qty: q,
        };
        let b = OrderBook {
            code: code("005930"),
            asks: vec![lv(65_900, 10), lv(66_000, 20)],
            bids: vec![lv(65_800, 30), lv(65_700, 40)],
            total_ask_qty: 30,
            total_bid_qty: 70,
            last: None,
            prev_close: None,
            expected: None,
            as_of: Utc.with_ymd_and_hms(2025, 7, 25, 0, 47, 0).unwrap(),
        };
        let v = serde_json::to_value(BookJson::new(&b)).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "code",
                "asks",
                "bids",
                "total_ask_qty",
                "total_bid_qty",
                "as_of"
            ]
        );
        assert_eq!(
            v["asks"][0],
            serde_json::json!({"price": 65_900, "qty": 10})
        );
        assert_eq!(v["bids"][0]["price"], 65_800);
        let table = book_table(&b, &Provenance::Simulated, Utc::now());
        let lines: Vec<&str> = table.lines().collect();
        // Highest ask first, then best ask, best bid, lower bid, totals.
        assert!(
            lines[2].contains("66,000") && lines[3].contains("65,900"),
            "{table}"
        );
        assert!(
            lines[4].contains("65,800") && lines[5].contains("65,700"),
            "{table}"
        );
    }

    #[test]
    fn chart_json_sorts_oldest_first_and_minute_bars_carry_time() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let bar = |date: &str, time: Option<&str>| Candle {
            date: d(date),
            time: time.map(|t| chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
            open: Krw(1),
            high: Krw(2),
            low: Krw(1),
            close: Krw(2),
            volume: 3,
            value: Krw(4),
        };
        let v = serde_json::to_value(ChartJson::new(
            code("005930"),
            Period::Day,
            &[bar("2025-01-03", None), bar("2025-01-02", None)],
        ))
        .unwrap();
        assert_eq!(v["period"], "D");
        assert_eq!(v["bars"][0]["date"], "2025-01-02");
        assert!(v["bars"][0].get("time").is_none());
        let keys: Vec<&str> = v["bars"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["date", "open", "high", "low", "close", "volume", "value"]
        );
        let v = serde_json::to_value(ChartJson::new(
            code("005930"),
            Period::Minute,
            &[
                bar("2025-01-02", Some("09:01")),
                bar("2025-01-02", Some("09:00")),
            ],
        ))
        .unwrap();
        assert_eq!(v["bars"][0]["time"], "09:00");
    }

    #[test]
    fn tables_align_hangul_by_display_width() {
        let mut a = sample_quote();
        a.name = Some("삼성전자".into());
        let mut b = sample_quote();
        b.code = code("000660");
        b.name = Some("SK하이닉스".into());
        let p = Provenance::Simulated;
        let sa = crate::source::Sourced::new(a, p);
        let sb = crate::source::Sourced::new(b, p);
        let table = quote_table(&[&sa, &sb], Utc::now());
        let lines: Vec<&str> = table.lines().collect();
        let col = |l: &str| {
            let i = l
                .find("0059")
                .or_else(|| l.find("0006"))
                .or_else(|| l.find("CODE"))
                .unwrap();
            l[..i].width()
        };
        assert_eq!(col(lines[0]), col(lines[1]), "{table}");
        assert_eq!(col(lines[1]), col(lines[2]), "{table}");
    }

    #[test]
    fn fit_truncates_by_width_not_bytes() {
        assert_eq!(fit("삼성전자우선주", 7, false), "삼성전…");
        assert_eq!(fit("삼성", 6, true), "  삼성");
        assert_eq!(fit("abc", 3, false), "abc");
    }

    #[test]
    fn search_ranks_code_name_and_initial_consonants() {
        let l = |c: &str, name: &str, en: &str, cap| Listing {
            code: code(c),
            isin: String::new(),
            name: name.into(),
            name_en: Some(en.into()),
            market: Market::Kospi,
            group: "ST".into(),
            kind: SecurityKind::Stock,
            base_price: Krw(0),
            listed_shares: 0,
            flags: StatusFlags::default(),
            market_cap_eok: cap,
        };
        let u = vec![
            l("005935", "삼성전자우", "Samsung Electronics Pref", 10),
            l("005930", "삼성전자", "Samsung Electronics", 100),
            l("000660", "SK하이닉스", "SK hynix", 50),
            l("086520", "에코프로", "EcoPro", 5),
        ];
        let codes = |v: Vec<&Listing>| v.iter().map(|l| l.code.to_string()).collect::<Vec<_>>();
        assert_eq!(codes(search_universe(&u, "005930", 5)), ["005930"]);
        assert_eq!(
            codes(search_universe(&u, "삼성전자", 5)),
            ["005930", "005935"]
        );
        assert_eq!(
            codes(search_universe(&u, "ㅅㅅㅈㅈ", 5)),
            ["005930", "005935"]
        );
        assert_eq!(codes(search_universe(&u, "hynix", 5)), ["000660"]);
        assert_eq!(codes(search_universe(&u, "에코", 5)), ["086520"]);
        assert!(search_universe(&u, "없는회사", 5).is_empty());
        assert_eq!(initial_consonants("삼성전자"), "ㅅㅅㅈㅈ");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            LookupError::from(SourceError::Auth("x".into())).exit_code(),
            2
        );
        assert_eq!(
            LookupError::from(SourceError::NotFound(code("999999"))).exit_code(),
            1
        );
        assert_eq!(code_arg("abc").unwrap_err().exit_code(), 2);
    }
}

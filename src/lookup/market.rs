//! `hoga index` and `hoga rank`: the market at a glance, headless.

use super::json::{rate_json, time_json, to_json};
use super::table::{Align, Table};
use super::text::{provenance_text, rate_text};
use super::{LookupError, write_out};
use crate::market::{
    IndexCode, IndexQuote, InvestorDay, KST, Krw, Points, RankKind, RankMarket, RankRow, StockCode,
    ViEvent, group_thousands,
};
use crate::source::{DataSource, Req, SourceError, Sourced};
use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;
use serde_json::value::RawValue;
use std::io::Write;

const LOOKUP: Req = Req::INTERACTIVE;

/// `hoga index [CODE...] [--json]`
#[derive(Debug, Clone, Args)]
pub struct IndexArgs {
    /// Index codes (업종코드): 0001 KOSPI, 1001 KOSDAQ, 2001 KOSPI200. Default: those three.
    #[arg(value_name = "CODE", value_parser = parse_index_code)]
    pub codes: Vec<IndexCode>,
    /// Print JSON: an array of {code, name, value, change, change_rate, volume, value_traded,
    /// up, down, unchanged, limit_up, limit_down, as_of}.
    #[arg(long)]
    pub json: bool,
}

/// `hoga rank volume|value|gainers|losers [--market kospi|kosdaq|all] [--json]`
#[derive(Debug, Clone, Args)]
pub struct RankArgs {
    /// What to rank by: volume, value (traded value), gainers, losers.
    #[arg(value_name = "KIND", value_parser = parse_rank_kind)]
    pub kind: RankKind,
    /// Which market: kospi, kosdaq or all.
    #[arg(long, default_value = "all", value_parser = parse_rank_market)]
    pub market: RankMarket,
    /// Print JSON: an array in rank order of {rank, code, name, price, change, change_rate,
    /// volume, value}.
    #[arg(long)]
    pub json: bool,
}

fn parse_index_code(s: &str) -> Result<IndexCode, String> {
    IndexCode::new(s)
}

fn parse_rank_kind(s: &str) -> Result<RankKind, String> {
    RankKind::parse(s)
        .ok_or_else(|| format!("unknown ranking {s:?}: expected volume, value, gainers or losers"))
}

fn parse_rank_market(s: &str) -> Result<RankMarket, String> {
    RankMarket::parse(s)
        .ok_or_else(|| format!("unknown market {s:?}: expected kospi, kosdaq or all"))
}

/// Index points as a JSON number with exactly two decimals (`2650.12`).
fn points_json(p: Points) -> Box<RawValue> {
    let sign = if p.0 < 0 { "-" } else { "" };
    let a = p.0.unsigned_abs();
    RawValue::from_string(format!("{sign}{}.{:02}", a / 100, a % 100))
        .or_else(|_| serde_json::value::to_raw_value(&p.as_f64()))
        .unwrap_or_else(|_| RawValue::from_string("0.00".to_string()).unwrap_or_default())
}

/// One index in `hoga index --json`. Breadth is `null` where the source does not give it
/// (the last close from the daily chart, on the virtual server).
#[derive(Serialize)]
pub struct IndexJson<'a> {
    code: &'a str,
    name: Option<&'a str>,
    value: Box<RawValue>,
    change: Box<RawValue>,
    change_rate: Box<RawValue>,
    volume: u64,
    value_traded: i64,
    up: Option<u32>,
    down: Option<u32>,
    unchanged: Option<u32>,
    limit_up: Option<u32>,
    limit_down: Option<u32>,
    as_of: String,
}

impl<'a> IndexJson<'a> {
    pub fn new(q: &'a IndexQuote) -> Self {
        let b = q.breadth;
        IndexJson {
            code: q.code.as_str(),
            name: q.name.as_deref(),
            value: points_json(q.value),
            change: points_json(q.change),
            change_rate: rate_json(q.change_rate),
            volume: q.volume,
            value_traded: q.value_traded.0,
            up: b.map(|b| b.up),
            down: b.map(|b| b.down),
            unchanged: b.map(|b| b.unchanged),
            limit_up: b.map(|b| b.limit_up),
            limit_down: b.map(|b| b.limit_down),
            as_of: time_json(q.as_of),
        }
    }
}

/// One row of `hoga rank --json` (the fields mean what they mean in `hoga quote --json`).
#[derive(Serialize)]
pub struct RankJson<'a> {
    rank: u32,
    code: &'a str,
    name: &'a str,
    price: i64,
    change: i64,
    change_rate: Box<RawValue>,
    volume: u64,
    value: Option<i64>,
}

impl<'a> RankJson<'a> {
    pub fn new(r: &'a RankRow) -> Self {
        RankJson {
            rank: r.rank,
            code: r.code.as_str(),
            name: &r.name,
            price: r.price.0,
            change: r.change.0,
            change_rate: rate_json(r.change_rate),
            volume: r.volume,
            value: r.value.map(|v| v.0),
        }
    }
}

fn points_change(p: Points) -> String {
    match p.0.signum() {
        1 => format!("▲{}", Points(p.0)),
        -1 => format!("▼{}", Points(-p.0)),
        _ => "0.00".to_string(),
    }
}

fn krw_change(c: i64) -> String {
    match c.signum() {
        1 => format!("▲{}", group_thousands(c)),
        -1 => format!("▼{}", group_thousands(c.saturating_neg())),
        _ => "0".to_string(),
    }
}

fn index_table(rows: &[Sourced<IndexQuote>], now: DateTime<Utc>) -> String {
    let mut t = Table::new(&[
        ("NAME", Align::Left),
        ("CODE", Align::Left),
        ("VALUE", Align::Right),
        ("CHANGE", Align::Right),
        ("RATE", Align::Right),
        ("상승", Align::Right),
        ("하락", Align::Right),
        ("보합", Align::Right),
        ("상한", Align::Right),
        ("하한", Align::Right),
        ("VOLUME", Align::Right),
        ("VALUE TRADED", Align::Right),
        ("AS OF", Align::Left),
        ("SOURCE", Align::Left),
    ]);
    let n = |v: Option<u32>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    let mut notes = Vec::new();
    for s in rows {
        let q = &s.value;
        let b = q.breadth;
        let as_of = match q.closed_on {
            Some(d) => {
                notes.push(format!(
                    "{} {}: the close of {d} from the daily index chart (the virtual server serves no live index)",
                    q.code,
                    q.name.as_deref().unwrap_or("")
                ));
                format!("{d} close")
            }
            None => q.as_of.with_timezone(&KST).format("%H:%M:%S").to_string(),
        };
        t.row(vec![
            q.name.clone().unwrap_or_else(|| "-".to_string()),
            q.code.to_string(),
            q.value.to_string(),
            points_change(q.change),
            rate_text(q.change_rate),
            n(b.map(|b| b.up)),
            n(b.map(|b| b.down)),
            n(b.map(|b| b.unchanged)),
            n(b.map(|b| b.limit_up)),
            n(b.map(|b| b.limit_down)),
            group_thousands(i64::try_from(q.volume).unwrap_or(i64::MAX)),
            q.value_traded.grouped(),
            as_of,
            provenance_text(&s.provenance, Some(now)),
        ]);
    }
    let mut out = t.render();
    for note in notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

fn rank_table(
    kind: RankKind,
    market: RankMarket,
    s: &Sourced<Vec<RankRow>>,
    now: DateTime<Utc>,
) -> String {
    let mut out = format!(
        "{} ranking, {} market  {}\n",
        kind.label(),
        market.label(),
        provenance_text(&s.provenance, Some(now))
    );
    let mut t = Table::new(&[
        ("#", Align::Right),
        ("NAME", Align::Left),
        ("CODE", Align::Left),
        ("PRICE", Align::Right),
        ("CHANGE", Align::Right),
        ("RATE", Align::Right),
        ("VOLUME", Align::Right),
        ("VALUE", Align::Right),
    ]);
    for r in &s.value {
        t.row(vec![
            r.rank.to_string(),
            r.name.clone(),
            r.code.to_string(),
            r.price.grouped(),
            krw_change(r.change.0),
            rate_text(r.change_rate),
            group_thousands(i64::try_from(r.volume).unwrap_or(i64::MAX)),
            r.value.map_or_else(|| "-".to_string(), |v| v.grouped()),
        ]);
    }
    out.push_str(&t.render());
    out
}

pub(super) async fn index(
    a: &IndexArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let mut codes: Vec<IndexCode> = Vec::new();
    for c in if a.codes.is_empty() {
        &IndexCode::DEFAULTS[..]
    } else {
        &a.codes[..]
    } {
        if !codes.contains(c) {
            codes.push(*c);
        }
    }
    let mut rows = Vec::with_capacity(codes.len());
    let mut failed = Vec::new();
    for c in &codes {
        match source.index(*c, LOOKUP).await {
            Ok(q) => rows.push(q),
            Err(e) if e.is_auth() => return Err(e.into()),
            Err(e) => failed.push(format!("{c}: {e}")),
        }
    }
    if !rows.is_empty() {
        let text = if a.json {
            let j: Vec<IndexJson> = rows.iter().map(|q| IndexJson::new(&q.value)).collect();
            to_json(&j)?
        } else {
            index_table(&rows, now)
        };
        write_out(out, &text)?;
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(LookupError::Data(failed.join("; ")))
    }
}

pub(super) async fn rank(
    a: &RankArgs,
    source: &dyn DataSource,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<(), LookupError> {
    let rows = source.ranking(a.kind, a.market, LOOKUP).await?;
    let text = if a.json {
        let j: Vec<RankJson> = rows.value.iter().map(RankJson::new).collect();
        to_json(&j)?
    } else {
        rank_table(a.kind, a.market, &rows, now)
    };
    write_out(out, &text)
}

/// What `hoga info` adds to the reference information: investor flows (published after the
/// close) and the day's VI events. Either may be unavailable without failing the lookup.
pub(super) struct InfoExtras {
    investors: Result<Sourced<Vec<InvestorDay>>, SourceError>,
    vi: Result<Sourced<Vec<ViEvent>>, SourceError>,
}

/// Investor days `hoga info` shows.
const INFO_DAYS: usize = 5;

pub(super) async fn info_extras(code: StockCode, source: &dyn DataSource) -> InfoExtras {
    InfoExtras {
        investors: source.investor_flows(code, LOOKUP).await,
        vi: source.vi_status(Some(code), LOOKUP).await,
    }
}

/// `info --json` with `investors` (the last days, newest first) and `vi` (today's events),
/// each `null` when not available.
pub(super) fn info_json<T: Serialize>(base: &T, x: &InfoExtras) -> Result<String, LookupError> {
    let mut v = serde_json::to_value(base)
        .map_err(|e| LookupError::Data(format!("cannot encode JSON: {e}")))?;
    if let Some(o) = v.as_object_mut() {
        let days = x.investors.as_ref().ok().map(|d| {
            d.value
                .iter()
                .take(INFO_DAYS)
                .copied()
                .collect::<Vec<InvestorDay>>()
        });
        o.insert(
            "investors".into(),
            serde_json::to_value(days).unwrap_or(serde_json::Value::Null),
        );
        let vi = x.vi.as_ref().ok().map(|v| v.value.clone());
        o.insert(
            "vi".into(),
            serde_json::to_value(vi).unwrap_or(serde_json::Value::Null),
        );
    }
    to_json(&v)
}

fn eok(v: Krw) -> String {
    // 억원 with one decimal: traders read flows in 억.
    let tenths = v.0 / 10_000_000;
    let sign = if tenths < 0 { "-" } else { "" };
    let a = tenths.unsigned_abs();
    format!("{sign}{}.{}", group_thousands((a / 10) as i64), a % 10)
}

pub(super) fn info_text(x: &InfoExtras) -> String {
    let mut out = String::new();
    match &x.investors {
        Ok(days) if !days.value.is_empty() => {
            out.push_str(
                "\ninvestor flows, net buying (published after the close; today's once it is over)\n",
            );
            let mut t = Table::new(&[
                ("DATE", Align::Left),
                ("개인", Align::Right),
                ("외국인", Align::Right),
                ("기관", Align::Right),
                ("개인 (억원)", Align::Right),
                ("외국인 (억원)", Align::Right),
                ("기관 (억원)", Align::Right),
            ]);
            for d in days.value.iter().take(INFO_DAYS) {
                t.row(vec![
                    d.date.to_string(),
                    group_thousands(d.individual.net_qty),
                    group_thousands(d.foreign.net_qty),
                    group_thousands(d.institution.net_qty),
                    eok(d.individual.net_value),
                    eok(d.foreign.net_value),
                    eok(d.institution.net_value),
                ]);
            }
            out.push_str(&t.render());
        }
        Ok(_) => out.push_str("\ninvestor flows: none published yet\n"),
        Err(e) => out.push_str(&format!("\ninvestor flows: not available ({e})\n")),
    }
    match &x.vi {
        Ok(v) if v.value.is_empty() => out.push_str("VI: none today\n"),
        Ok(v) => {
            for e in &v.value {
                let at = e
                    .triggered_at
                    .map_or_else(|| "-".to_string(), |t| t.format("%H:%M:%S").to_string());
                let state = if e.active {
                    "in force now".to_string()
                } else {
                    e.released_at.map_or_else(
                        || "released".to_string(),
                        |t| format!("released {}", t.format("%H:%M:%S")),
                    )
                };
                let gap = e
                    .static_gap
                    .or(e.dynamic_gap)
                    .map_or_else(String::new, |r| format!(" ({})", rate_text(r)));
                out.push_str(&format!(
                    "VI {at} {} at {}{gap}, {state}\n",
                    e.kind.map_or("", |k| k.label()),
                    e.price.grouped()
                ));
            }
        }
        Err(e) if e.is_unsupported() => {
            out.push_str("VI: served by the real KIS server only (this is the virtual server)\n")
        }
        Err(e) => out.push_str(&format!("VI: not available ({e})\n")),
    }
    out
}

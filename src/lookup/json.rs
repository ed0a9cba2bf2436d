//! JSON shapes of the lookups (field names are a public interface: keep them).

use super::LookupError;
use crate::market::{
    Candle, KST, Listing, OrderBook, Period, Provenance, Quote, Rate, SecurityKind, StockCode,
    StockInfo,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String, LookupError> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| LookupError::Data(format!("cannot encode JSON: {e}")))
}

/// A rate as a JSON number with exactly two decimals (`-0.23`, `5.00`), never a float artefact.
pub(super) fn rate_json(r: Rate) -> Box<RawValue> {
    RawValue::from_string(r.to_string())
        .or_else(|_| serde_json::value::to_raw_value(&r.as_f64()))
        .unwrap_or_else(|_| RawValue::from_string("0.00".to_string()).unwrap_or_default())
}

/// An instant in JSON: RFC 3339 in KST, to the second (`2026-11-19T11:00:00+09:00`).
pub(super) fn time_json(t: DateTime<Utc>) -> String {
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
    /// Bars that break a market rule (high < low, off the tick grid), as served.
    warnings: Vec<String>,
}

impl ChartJson {
    pub fn new(code: StockCode, period: Period, bars: &[Candle], warnings: &[String]) -> Self {
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
            warnings: warnings.to_vec(),
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

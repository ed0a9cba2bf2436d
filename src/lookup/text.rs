//! What each lookup prints for people: one table or block per command.

use super::table::{Align, Table, fit};
use crate::market::{
    Candle, Direction, KST, Krw, Listing, OrderBook, Period, Provenance, Quote, Rate, SecurityKind,
    StockCode, StockInfo,
};
use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthStr;

/// `▲150`, `▼150`, `↑` for the upper limit, `↓` for the lower; arrows so meaning never rests on colour.
pub(super) fn change_text(q: &Quote) -> String {
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

pub(super) fn rate_text(r: Rate) -> String {
    if r.0 > 0 {
        format!("+{r}%")
    } else {
        format!("{r}%")
    }
}

pub(super) fn provenance_text(p: &Provenance, now_hint: Option<DateTime<Utc>>) -> String {
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

pub(super) fn quote_table(quotes: &[&crate::source::Sourced<Quote>], now: DateTime<Utc>) -> String {
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
            name.push_str(&format!(" [{}]", crate::market::StatusFlags::HALTED));
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

pub(super) fn book_table(b: &OrderBook, p: &Provenance, now: DateTime<Utc>) -> String {
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
    let mut tail = Vec::new();
    if let Some(last) = b.last {
        tail.push(format!("last {}", last.grouped()));
    }
    if let (Some(ask), Some(bid)) = (b.asks.first(), b.bids.first()) {
        let ticks = crate::market::tick::ticks_between(bid.price, ask.price);
        let unit = if ticks == 1 { "tick" } else { "ticks" };
        tail.push(format!(
            "spread {ticks} {unit} ({} / {})",
            bid.price.grouped(),
            ask.price.grouped()
        ));
    }
    if !tail.is_empty() {
        out.push_str(&tail.join("  "));
        out.push('\n');
    }
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

pub(super) fn chart_table(
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

pub(super) fn info_table(i: &StockInfo, p: &Provenance, now: DateTime<Utc>) -> String {
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
        flags.push(crate::market::StatusFlags::HALTED);
    }
    if i.flags.managed {
        flags.push(crate::market::StatusFlags::MANAGED);
    }
    flags.extend(i.flags.warning.label());
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
        (
            "시가총액 market cap",
            i.market_cap
                .map(|k| crate::market::money::fmt_eok(k.0))
                .unwrap_or_else(|| "-".into()),
        ),
        ("PER", crate::market::money::fmt_per(i.per)),
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

pub(super) fn search_table(found: &[&Listing]) -> String {
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

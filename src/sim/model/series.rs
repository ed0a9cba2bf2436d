//! Daily bars: a mean-reverting, market-correlated random walk of closes per stock, derived
//! day by day from hash(seed, code, date); open/high/low/volume derived from the same hashes.

use super::grid::Grid;
use super::universe::SimStock;
use crate::sim::hash::{hash, normal, unit, word};
use chrono::{Datelike, NaiveDate};

/// The halted stock stops moving from this date on.
pub fn halt_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 3).unwrap_or(NaiveDate::MIN)
}

/// One finished (or, for today, the day-so-far) daily bar, in won and shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayBar {
    pub date: NaiveDate,
    /// Base price (기준가 = previous close).
    pub base: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub volume: u64,
    pub value: i64,
}

pub fn day_key(d: NaiveDate) -> u64 {
    d.num_days_from_ce() as u64
}

pub fn grid_of(s: &SimStock) -> Grid {
    if s.is_etf() { Grid::Flat5 } else { Grid::Stock }
}

/// The opening price level of the series (the base of the first simulated day).
pub fn initial_close(seed: u64, s: &SimStock) -> i64 {
    let z = normal(hash(&[seed, word(s.code.as_str()), word("init")]));
    grid_of(s).near(s.level as f64 * (0.25 * z).exp())
}

/// The close of `date` given the previous close `base`.
pub fn next_close(seed: u64, s: &SimStock, date: NaiveDate, base: i64) -> i64 {
    next_close_at(seed, s, s.level as f64, date, base)
}

/// `next_close` reverting to `level` (the stock's level moved by its corporate actions).
pub fn next_close_at(seed: u64, s: &SimStock, level: f64, date: NaiveDate, base: i64) -> i64 {
    let g = grid_of(s);
    if s.flags.halted && date >= halt_from() {
        return base;
    }
    let code = word(s.code.as_str());
    let dk = day_key(date);
    let market = normal(hash(&[seed, dk, word("market")])) * 0.009;
    let beta = 0.6 + unit(hash(&[seed, code, word("beta")])) * 0.8;
    let regime = 0.7 + 0.8 * unit(hash(&[seed, code, dk / 20, word("regime")]));
    let own = normal(hash(&[seed, code, dk, word("close")])) * s.vol * regime;
    let pull = -0.015 * (base as f64 / level).ln();
    // Now and then a stock closes at its daily limit (상한가/하한가), as real ones do.
    let (lo, hi) = g.limits(base);
    if s.kind != crate::market::SecurityKind::Etf {
        let u = unit(hash(&[seed, code, dk, word("limit")]));
        if u < 0.000_6 {
            return hi;
        }
        if u > 0.999_7 {
            return lo;
        }
    }
    let r = pull + beta * market + own;
    g.near(base as f64 * r.exp()).clamp(lo, hi)
}

/// The full bar of `date` with base `base` and close `close`.
pub fn bar(seed: u64, s: &SimStock, date: NaiveDate, base: i64, close: i64) -> DayBar {
    let g = grid_of(s);
    if s.flags.halted && date >= halt_from() {
        return DayBar {
            date,
            base,
            open: base,
            high: base,
            low: base,
            close: base,
            volume: 0,
            value: 0,
        };
    }
    let code = word(s.code.as_str());
    let dk = day_key(date);
    let h = |tag: &str| hash(&[seed, code, dk, word(tag)]);
    let (lo_lim, hi_lim) = g.limits(base);
    let gap = normal(h("gap")) * s.vol * 0.35;
    let open = g.clamp(g.near(base as f64 * gap.exp()), base);
    let top = open.max(close) as f64;
    let bottom = open.min(close) as f64;
    let up = normal(h("hi")).abs() * s.vol * 0.45 * base as f64;
    let down = normal(h("lo")).abs() * s.vol * 0.45 * base as f64;
    let high = g.up((top + up) as i64).clamp(open.max(close), hi_lim);
    let low = g
        .down((bottom - down).max(1.0) as i64)
        .max(lo_lim)
        .min(open.min(close));
    let low = if g.on_grid(low) { low } else { g.up(low) };
    let move_size = ((close - base) as f64 / base as f64).abs();
    let activity = (0.6 + 1.2 * unit(h("vol"))) * (1.0 + 12.0 * move_size);
    let volume = ((s.listed_shares as f64 * s.turnover * activity) as u64).max(1);
    let typical = (open + high + low + close) as f64 / 4.0;
    DayBar {
        date,
        base,
        open,
        high,
        low,
        close,
        volume,
        value: (volume as f64 * typical).round() as i64,
    }
}

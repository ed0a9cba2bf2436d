//! The validation layer between fetching and storing: a bar that breaks a market rule is not
//! stored but kept in `rejects` with its reason, so bad data never silently enters the table.
//!
//! Rules: prices present; low ≤ open, close ≤ high; prices on the tick grid and within the
//! day's ±30 % limits around the previous close (when that close is known); volume fits and
//! the traded value is consistent with volume × [low, high]; the date is a KRX trading day;
//! one bar per date.

pub use crate::market::bar_check::{RejectCategory, check_prices, on_grid_for};
use crate::market::{Calendar, Candle, Krw, SecurityKind, StockCode, price_limits};
use crate::store::{Bar, Reject};
use chrono::NaiveDate;
use std::collections::HashSet;

/// Relative slack on the value check: KIS's 거래대금 includes after-hours trades at the close
/// and rounding; a real mismatch (wrong field, wrong unit) is off by far more.
const VALUE_TOLERANCE_PER_MILLE: i128 = 5;

/// Rules that depend on the run rather than the bar.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    pub calendar: &'a Calendar,
    /// `--force` on a non-trading day: do not reject bars for their date.
    pub allow_non_trading_days: bool,
}

/// The outcome for one stock's rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub bars: Vec<Bar>,
    pub rejects: Vec<Reject>,
    /// Days in range the source answered without a trade (a halt): no bar, and not a gap.
    pub no_trade: Vec<NaiveDate>,
}

/// What the limits of the trading day after `prev_day` are judged against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base {
    pub prev_day: NaiveDate,
    pub prev_close: Krw,
    /// The day's (lower, upper) limits as KIS published them (quotes carry them): right even
    /// when the base price is not the previous close (ex-rights days, capital reductions).
    /// `None`: ±30 % of `prev_close`.
    pub limits: Option<(Krw, Krw)>,
}

impl Base {
    pub fn close(prev_day: NaiveDate, prev_close: Krw) -> Base {
        Base {
            prev_day,
            prev_close,
            limits: None,
        }
    }

    fn limits(&self) -> Option<(Krw, Krw)> {
        match self.limits {
            Some((lo, hi)) if lo.0 > 0 && hi >= lo => Some((lo, hi)),
            _ if self.prev_close.0 > 0 => Some(price_limits(self.prev_close)),
            _ => None,
        }
    }
}

/// Checks one stock's candles (oldest first). `base` is the day before the first candle,
/// when known (the previous trading day's close, or the limits KIS published); later candles
/// use the close of the accepted bar of the trading day before them. Only candles in
/// `[from, to]` are kept.
#[allow(clippy::too_many_arguments)]
pub fn check(
    run_id: &str,
    code: StockCode,
    kind: SecurityKind,
    candles: &[Candle],
    base: Option<Base>,
    from: NaiveDate,
    to: NaiveDate,
    rules: Rules<'_>,
) -> Checked {
    check_with_bases(
        run_id,
        code,
        kind,
        candles,
        base,
        &std::collections::BTreeMap::new(),
        from,
        to,
        rules,
    )
}

/// `check`, where `ex_bases` gives the base price (기준가) of ex-dates: on those days the
/// limits are ±30 % of that base, not of the previous close (a split's first day trades a
/// fifth of the close before it).
#[allow(clippy::too_many_arguments)]
pub fn check_with_bases(
    run_id: &str,
    code: StockCode,
    kind: SecurityKind,
    candles: &[Candle],
    base: Option<Base>,
    ex_bases: &std::collections::BTreeMap<NaiveDate, Krw>,
    from: NaiveDate,
    to: NaiveDate,
    rules: Rules<'_>,
) -> Checked {
    let mut out = Checked::default();
    let mut seen = HashSet::new();
    // The last accepted bar, or the given base.
    let mut prev = base;
    for c in candles {
        if c.date < from || c.date > to {
            // Outside the asked range (the extra day fetched for the base, or server padding).
            if c.date < from && prev.is_none_or(|b| b.prev_day < c.date) {
                prev = Some(Base::close(c.date, c.close));
            }
            continue;
        }
        let reject = |cat: RejectCategory, detail: String| Reject {
            run_id: run_id.to_string(),
            code,
            date: Some(c.date),
            category: cat.as_str().to_string(),
            detail,
            raw: serde_json::to_string(c).unwrap_or_default(),
        };
        if !seen.insert(c.date) {
            out.rejects.push(reject(
                RejectCategory::Duplicate,
                format!("second bar for {}", c.date),
            ));
            continue;
        }
        if c.volume == 0 && (c.value.0 == 0 || c.open.0 == 0 || c.high.0 == 0 || c.low.0 == 0) {
            // No trade that day (a halted stock's quote, or its chart row, which repeats the
            // base as open/high/low/close): there is no bar to store, and nothing wrong with
            // the data.
            out.no_trade.push(c.date);
            continue;
        }
        let base_today = prev
            .filter(|b| b.prev_day == rules.calendar.prev_trading_day(c.date))
            .map(|b| match ex_bases.get(&c.date) {
                Some(moved) if b.limits.is_none() => Base::close(b.prev_day, *moved),
                _ => b,
            });
        match check_one(c, kind, base_today, rules) {
            Ok(bar_volume) => {
                out.bars.push(Bar {
                    code,
                    date: c.date,
                    open: c.open,
                    high: c.high,
                    low: c.low,
                    close: c.close,
                    volume: bar_volume,
                    value: c.value,
                });
                prev = Some(Base::close(c.date, c.close));
            }
            Err((cat, detail)) => out.rejects.push(reject(cat, detail)),
        }
    }
    out
}

/// Checks one candle; returns the volume as stored, or the first rule it breaks.
fn check_one(
    c: &Candle,
    kind: SecurityKind,
    base: Option<Base>,
    rules: Rules<'_>,
) -> Result<i64, (RejectCategory, String)> {
    use RejectCategory::*;
    if !rules.allow_non_trading_days && !rules.calendar.is_trading_day(c.date) {
        return Err((
            NotTradingDay,
            format!("{} is not a KRX trading day", c.date),
        ));
    }
    check_prices(c, kind)?;
    if let Some(b) = base
        && let Some((lo, hi)) = b.limits()
        && (c.high > hi || c.low < lo)
    {
        let why = if b.limits.is_some() {
            "as published".to_string()
        } else {
            format!("previous close {}", b.prev_close)
        };
        return Err((
            OutOfLimits,
            format!(
                "range {}–{} outside the limits {lo}–{hi} ({why})",
                c.low, c.high
            ),
        ));
    }
    let volume = i64::try_from(c.volume)
        .map_err(|_| (BadVolume, format!("volume {} does not fit", c.volume)))?;
    let v = volume as i128;
    let value = c.value.0 as i128;
    if volume == 0 {
        if value != 0 {
            return Err((ValueMismatch, format!("value {} with zero volume", c.value)));
        }
    } else {
        let min = v * c.low.0 as i128 * (1000 - VALUE_TOLERANCE_PER_MILLE) / 1000;
        let max = v * c.high.0 as i128 * (1000 + VALUE_TOLERANCE_PER_MILLE) / 1000;
        if value < min || value > max {
            return Err((
                ValueMismatch,
                format!(
                    "value {} outside volume {} × [{}, {}]",
                    c.value, c.volume, c.low, c.high
                ),
            ));
        }
    }
    Ok(volume)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn candle(date: NaiveDate, o: i64, h: i64, l: i64, c: i64, vol: u64) -> Candle {
        Candle {
            date,
            time: None,
            open: Krw(o),
            high: Krw(h),
            low: Krw(l),
            close: Krw(c),
            volume: vol,
            value: Krw(c * vol as i64),
        }
    }

    fn run(candles: &[Candle], base: Option<Base>) -> Checked {
        check(
            "r",
            StockCode::new("005930").unwrap(),
            SecurityKind::Stock,
            candles,
            base,
            d(3, 2),
            d(3, 31),
            Rules {
                calendar: Calendar::krx(),
                allow_non_trading_days: false,
            },
        )
    }

    fn cats(c: &Checked) -> Vec<&str> {
        c.rejects.iter().map(|r| r.category.as_str()).collect()
    }

    #[test]
    fn good_bars_pass() {
        let days = Calendar::krx().trading_days(d(3, 3), d(3, 13));
        let candles: Vec<_> = days
            .iter()
            .map(|&day| candle(day, 65_000, 66_000, 64_500, 65_800, 1_000))
            .collect();
        let out = run(&candles, None);
        assert_eq!(out.rejects, vec![]);
        assert_eq!(out.bars.len(), days.len());
        assert_eq!(out.bars[0].close, Krw(65_800));
        assert_eq!(out.bars[0].volume, 1_000);
    }

    #[test]
    fn each_rule_has_its_category() {
        let cal = Calendar::krx();
        let t = cal.trading_days(d(3, 3), d(3, 31));
        let base = Some(Base::close(cal.prev_trading_day(t[0]), Krw(10_000)));
        let mut value_off = candle(t[6], 10_000, 10_100, 9_900, 10_000, 100);
        value_off.value = Krw(10_000 * 100 * 2);
        let mut value_no_vol = candle(t[7], 10_000, 10_100, 9_900, 10_000, 0);
        value_no_vol.value = Krw(5);
        let candles = vec![
            candle(t[0], 10_000, 9_950, 10_000, 10_000, 1), // high < low
            candle(t[1], 10_000, 10_100, 9_900, 10_005, 1), // off grid (tick 10)
            candle(t[2], 0, 10_100, 9_900, 10_000, 1),      // missing
            candle(t[3], 10_000, 10_200, 9_900, 10_300, 1), // close > high
            candle(t[4], 10_000, 10_100, 9_900, 10_000, 1), // ok
            candle(t[4], 10_000, 10_100, 9_900, 10_000, 1), // duplicate
            candle(t[5], 13_500, 13_500, 13_500, 13_500, 1), // > +30 % of 10,000
            value_off,
            value_no_vol,
            candle(d(3, 7), 10_000, 10_000, 10_000, 10_000, 1), // Saturday
        ];
        let out = run(&candles, base);
        assert_eq!(
            cats(&out),
            vec![
                "ohlc_order",
                "off_grid",
                "missing_price",
                "ohlc_order",
                "duplicate",
                "out_of_limits",
                "value_mismatch",
                "value_mismatch",
                "not_trading_day"
            ]
        );
        assert_eq!(out.bars.len(), 1);
        assert!(out.rejects[0].detail.contains("high 9,950 < low 10,000"));
        assert!(out.rejects[0].raw.contains("9950"));
        assert_eq!(out.rejects[1].date, Some(t[1]));
    }

    #[test]
    fn limits_use_the_previous_trading_days_close_only() {
        let cal = Calendar::krx();
        let t = cal.trading_days(d(3, 3), d(3, 31));
        // Day 0 closes at 10,000; day 1 at 12,950 (+29.5 %) passes; day 3 after a gap has no
        // known base (day 2 missing) so a big move is not judged.
        let candles = vec![
            candle(t[0], 10_000, 10_000, 10_000, 10_000, 1),
            candle(t[1], 12_950, 12_950, 12_950, 12_950, 1),
            candle(t[3], 30_000, 30_000, 30_000, 30_000, 1),
        ];
        let out = run(&candles, None);
        assert_eq!(out.rejects, vec![]);
        // A base before `from` comes from an earlier candle outside the range.
        let early = candle(cal.prev_trading_day(t[0]), 5_000, 5_000, 5_000, 5_000, 1);
        let out = run(&[early, candles[0]], None);
        assert_eq!(cats(&out), vec!["out_of_limits"]);
        assert!(out.bars.is_empty());
    }

    #[test]
    fn published_limits_win_over_the_previous_close() {
        let cal = Calendar::krx();
        let t = cal.trading_days(d(3, 3), d(3, 31));
        let prev = cal.prev_trading_day(t[0]);
        // Ex-rights: the base price is 7,000, not the previous close of 10,000.
        let day = candle(t[0], 5_000, 5_200, 4_950, 5_100, 10);
        let by_close = run(&[day], Some(Base::close(prev, Krw(10_000))));
        assert_eq!(cats(&by_close), vec!["out_of_limits"]);
        let published = Base {
            limits: Some((Krw(4_900), Krw(9_100))),
            ..Base::close(prev, Krw(10_000))
        };
        let out = run(&[day], Some(published));
        assert_eq!(out.rejects, vec![]);
        assert_eq!(out.bars.len(), 1);
        // And a price beyond the published limits is still refused, saying so.
        let beyond = candle(t[0], 9_200, 9_200, 9_200, 9_200, 1);
        let out = run(&[beyond], Some(published));
        assert_eq!(cats(&out), vec!["out_of_limits"]);
        assert!(
            out.rejects[0].detail.contains("as published"),
            "{:?}",
            out.rejects
        );
    }

    #[test]
    fn etf_grid() {
        assert!(on_grid_for(SecurityKind::Etf, Krw(10_005)));
        assert!(!on_grid_for(SecurityKind::Stock, Krw(10_005)));
        assert!(!on_grid_for(SecurityKind::Etf, Krw(10_003)));
        assert!(on_grid_for(SecurityKind::Etf, Krw(1_999)));
    }
}

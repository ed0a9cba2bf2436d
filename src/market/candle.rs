//! How the market moves the forming candle: a quote (polled) or a trade (streamed) updates the
//! newest candle of a chart, or opens the next one. Pure rules, no clock reads: the instant of
//! the quote or trade decides the bucket, the KRX calendar decides whether it traded.

use super::interval::minute_bucket;
use super::{Calendar, Candle, Interval, KST, Krw, Quote, Rate, Session, StockCode};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Which side took the liquidity in a trade (KIS `CCLD_DVSN`: 1 buy, 5 sell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Buy,
    Sell,
}

/// One trade (체결) of one stock, with the day's running totals after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    pub code: StockCode,
    pub at: DateTime<Utc>,
    pub price: Krw,
    /// Signed change against the previous close.
    pub change: Krw,
    pub change_rate: Rate,
    pub qty: u64,
    /// The day's accumulated volume and traded value, this trade included.
    pub acc_volume: u64,
    pub acc_value: Krw,
    pub side: Option<Side>,
    /// 체결강도: buy volume over sell volume, in percent, as the exchange reports it.
    pub strength: Option<Rate>,
}

/// The KST day and the start of the `interval` bucket a trade or quote at `at` belongs to
/// (the minute itself for daily and longer intervals).
fn minute_of(
    at: DateTime<Utc>,
    interval: Interval,
    calendar: &Calendar,
) -> Option<(NaiveDate, NaiveTime)> {
    let local = at.with_timezone(&KST);
    let m = local.time().with_second(0)?.with_nanosecond(0)?;
    let day = local.date_naive();
    let bucket = match interval.minutes() {
        Some(n) => minute_bucket(calendar, day, m, n),
        None => m,
    };
    Some((day, bucket))
}

/// Whether the candle dated `last` and the day `day` fall in the same daily-or-longer bucket.
fn same_bucket(interval: Interval, last: NaiveDate, day: NaiveDate) -> bool {
    match interval {
        Interval::Week => last.iso_week() == day.iso_week(),
        Interval::Month => last.year() == day.year() && last.month() == day.month(),
        Interval::Year => last.year() == day.year(),
        _ => last == day,
    }
}

/// Only trading makes minute bars: a quote at night or after the close (the last session's
/// final price) must not grow a candle at the time it was fetched.
fn trades_at(calendar: &Calendar, at: DateTime<Utc>) -> bool {
    matches!(
        calendar.session_at(at),
        Session::Continuous | Session::ClosingAuction
    )
}

/// Updates the newest candle of an `interval` chart from a quote, so the chart moves with the
/// market between refreshes. Daily candles take the quote's own OHLCV; longer intervals move
/// their high, low and close; a minute chart grows the current bucket or opens the next.
pub fn apply_quote(candles: &mut Vec<Candle>, interval: Interval, q: &Quote, calendar: &Calendar) {
    if q.price.0 <= 0 {
        return;
    }
    let day = q.as_of.with_timezone(&KST).date_naive();
    let Some(last) = candles.last_mut() else {
        return;
    };
    match interval {
        Interval::Day => {
            if last.date == day {
                if q.open.0 > 0 {
                    last.open = q.open;
                }
                last.high = last.high.max(q.high).max(q.price);
                let low = if q.low.0 > 0 {
                    last.low.min(q.low)
                } else {
                    last.low
                };
                last.low = low.min(q.price);
                last.close = q.price;
                last.volume = last.volume.max(q.volume);
                last.value = last.value.max(q.value);
            }
        }
        Interval::Week | Interval::Month | Interval::Year => {
            if same_bucket(interval, last.date, day) && day >= last.date {
                last.high = last.high.max(q.price);
                last.low = last.low.min(q.price);
                last.close = q.price;
            }
        }
        _ => {
            if !trades_at(calendar, q.as_of) {
                return;
            }
            let (Some((day, m)), Some(lt)) = (minute_of(q.as_of, interval, calendar), last.time)
            else {
                return;
            };
            if last.date == day && lt == m {
                last.high = last.high.max(q.price);
                last.low = last.low.min(q.price);
                last.close = q.price;
            } else if (day, m) > (last.date, lt) {
                candles.push(Candle::flat(day, Some(m), q.price, 0, Krw(0)));
            }
        }
    }
}

/// Adds one trade to an `interval` chart: the newest candle grows (price, volume, value), or a
/// new candle opens at the trade's price when the trade falls in a later bucket (the KST
/// minute bucket of the session, day, week, month or year of the trade). A trade older than
/// the newest candle is ignored (it is already in a REST snapshot); so is one outside the
/// trading sessions for a minute chart. Volumes and values saturate rather than wrap.
pub fn apply_trade(candles: &mut Vec<Candle>, interval: Interval, t: &Trade, calendar: &Calendar) {
    if t.price.0 <= 0 {
        return;
    }
    let Some((day, minute)) = minute_of(t.at, interval, calendar) else {
        return;
    };
    let value = Krw(t
        .price
        .0
        .saturating_mul(i64::try_from(t.qty).unwrap_or(i64::MAX)));
    let intraday = interval.is_intraday();
    let time = intraday.then_some(minute);
    if intraday && !trades_at(calendar, t.at) {
        return;
    }
    let grows = match candles.last() {
        None => false,
        Some(last) if intraday => {
            let lt = last.time.unwrap_or(NaiveTime::MIN);
            if (day, minute) < (last.date, lt) {
                return;
            }
            (last.date, lt) == (day, minute)
        }
        Some(last) => {
            if day < last.date {
                return;
            }
            same_bucket(interval, last.date, day)
        }
    };
    match candles.last_mut() {
        Some(last) if grows => {
            last.high = last.high.max(t.price);
            last.low = last.low.min(t.price);
            last.close = t.price;
            last.volume = last.volume.saturating_add(t.qty);
            last.value = Krw(last.value.0.saturating_add(value.0));
        }
        _ => candles.push(Candle::flat(day, time, t.price, t.qty, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{StatusFlags, kst_to_utc};

    fn at(d: &str, hm: &str) -> DateTime<Utc> {
        let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let t = NaiveTime::parse_from_str(hm, "%H:%M:%S").unwrap();
        kst_to_utc(d.and_time(t))
    }

    fn code() -> StockCode {
        StockCode::new("005930").unwrap()
    }

    fn trade(when: DateTime<Utc>, price: i64, qty: u64) -> Trade {
        Trade {
            code: code(),
            at: when,
            price: Krw(price),
            change: Krw(0),
            change_rate: Rate(0),
            qty,
            acc_volume: 0,
            acc_value: Krw(0),
            side: Some(Side::Buy),
            strength: None,
        }
    }

    fn quote(when: DateTime<Utc>, price: i64) -> Quote {
        Quote {
            code: code(),
            name: None,
            price: Krw(price),
            change: Krw(0),
            change_rate: Rate(0),
            prev_close: Krw(70_000),
            open: Krw(70_000),
            high: Krw(price.max(70_000)),
            low: Krw(price.min(70_000)),
            volume: 1_000,
            value: Krw(70_000_000),
            upper_limit: Krw(91_000),
            lower_limit: Krw(49_000),
            flags: StatusFlags::default(),
            expected: None,
            as_of: when,
        }
    }

    const DAY: &str = "2026-11-26";

    #[test]
    fn trades_build_minute_candles_bucketed_by_the_kst_minute() {
        let cal = Calendar::krx();
        let mut c = Vec::new();
        apply_trade(
            &mut c,
            Interval::Min1,
            &trade(at(DAY, "10:31:05"), 70_000, 10),
            cal,
        );
        apply_trade(
            &mut c,
            Interval::Min1,
            &trade(at(DAY, "10:31:59"), 70_100, 5),
            cal,
        );
        apply_trade(
            &mut c,
            Interval::Min1,
            &trade(at(DAY, "10:31:30"), 69_900, 1),
            cal,
        );
        apply_trade(
            &mut c,
            Interval::Min1,
            &trade(at(DAY, "10:32:00"), 70_200, 2),
            cal,
        );
        assert_eq!(c.len(), 2);
        let m = c[0];
        assert_eq!(m.time, NaiveTime::from_hms_opt(10, 31, 0));
        assert_eq!(
            (m.open, m.high, m.low, m.close),
            (Krw(70_000), Krw(70_100), Krw(69_900), Krw(69_900))
        );
        assert_eq!(m.volume, 16);
        assert_eq!(m.value.0, 70_000 * 10 + 70_100 * 5 + 69_900);
        assert_eq!((c[1].open, c[1].volume), (Krw(70_200), 2));
        // An older trade (already in a snapshot) changes nothing.
        let before = c.clone();
        apply_trade(
            &mut c,
            Interval::Min1,
            &trade(at(DAY, "10:30:59"), 1, 1),
            cal,
        );
        assert_eq!(c, before);
        // Outside the sessions nothing grows.
        apply_trade(
            &mut c,
            Interval::Min1,
            &trade(at(DAY, "19:00:00"), 70_000, 1),
            cal,
        );
        assert_eq!(c, before);
    }

    #[test]
    fn trades_on_a_five_minute_chart_grow_the_session_bucket() {
        let cal = Calendar::krx();
        let mut c = Vec::new();
        for (hms, price) in [
            ("09:07:10", 70_000),
            ("09:09:59", 70_300),
            ("09:10:00", 70_100),
        ] {
            apply_trade(&mut c, Interval::Min5, &trade(at(DAY, hms), price, 1), cal);
        }
        let shape: Vec<_> = c.iter().map(|k| (k.time, k.close.0, k.volume)).collect();
        assert_eq!(
            shape,
            [
                (NaiveTime::from_hms_opt(9, 5, 0), 70_300, 2),
                (NaiveTime::from_hms_opt(9, 10, 0), 70_100, 1)
            ]
        );
        // A quote in the same bucket moves its close; one in the next opens it.
        apply_quote(
            &mut c,
            Interval::Min5,
            &quote(at(DAY, "09:14:00"), 70_200),
            cal,
        );
        apply_quote(
            &mut c,
            Interval::Min5,
            &quote(at(DAY, "09:15:00"), 70_400),
            cal,
        );
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c[1].close.0, c[2].time),
            (70_200, NaiveTime::from_hms_opt(9, 15, 0))
        );
    }

    #[test]
    fn trades_grow_the_day_and_open_the_next_week() {
        let cal = Calendar::krx();
        let mut d = vec![Candle::flat(
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            None,
            Krw(70_000),
            100,
            Krw(7_000_000),
        )];
        apply_trade(
            &mut d,
            Interval::Day,
            &trade(at(DAY, "10:00:00"), 71_000, 3),
            cal,
        );
        assert_eq!(
            (d.len(), d[0].high, d[0].close, d[0].volume),
            (1, Krw(71_000), Krw(71_000), 103)
        );
        // Monday 2026-11-30 is another ISO week.
        let mut w = d.clone();
        apply_trade(
            &mut w,
            Interval::Week,
            &trade(at("2026-11-30", "09:00:01"), 72_000, 1),
            cal,
        );
        assert_eq!(w.len(), 2);
        apply_trade(
            &mut d,
            Interval::Day,
            &trade(at(DAY, "10:00:00"), 0, 3),
            cal,
        );
        assert_eq!(d.len(), 1, "a zero price is no trade");
    }

    #[test]
    fn huge_quantities_saturate_instead_of_wrapping() {
        let cal = Calendar::krx();
        let mut c = Vec::new();
        apply_trade(
            &mut c,
            Interval::Day,
            &trade(at(DAY, "10:00:00"), 9_999_999, u64::MAX),
            cal,
        );
        apply_trade(
            &mut c,
            Interval::Day,
            &trade(at(DAY, "10:00:01"), 9_999_999, u64::MAX),
            cal,
        );
        assert_eq!((c[0].volume, c[0].value), (u64::MAX, Krw(i64::MAX)));
    }

    #[test]
    fn quotes_move_the_forming_candle_only_while_trading() {
        let cal = Calendar::krx();
        let mut m = vec![Candle::flat(
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            NaiveTime::from_hms_opt(10, 30, 0),
            Krw(70_000),
            0,
            Krw(0),
        )];
        apply_quote(
            &mut m,
            Interval::Min1,
            &quote(at(DAY, "10:30:40"), 70_500),
            cal,
        );
        assert_eq!((m.len(), m[0].high), (1, Krw(70_500)));
        apply_quote(
            &mut m,
            Interval::Min1,
            &quote(at(DAY, "10:31:02"), 70_400),
            cal,
        );
        assert_eq!((m.len(), m[1].open), (2, Krw(70_400)));
        apply_quote(
            &mut m,
            Interval::Min1,
            &quote(at(DAY, "21:00:00"), 70_000),
            cal,
        );
        assert_eq!(m.len(), 2, "a quote after the close grows nothing");
        let mut d = vec![Candle::flat(m[0].date, None, Krw(70_000), 10, Krw(700_000))];
        apply_quote(
            &mut d,
            Interval::Day,
            &quote(at(DAY, "11:00:00"), 69_000),
            cal,
        );
        assert_eq!(
            (d[0].low, d[0].close, d[0].volume),
            (Krw(69_000), Krw(69_000), 1_000)
        );
    }
}

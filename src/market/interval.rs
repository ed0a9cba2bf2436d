//! The chart interval (1, 3, 5, 10, 30, 60 minutes, day, week, month, year) and the pure rules
//! that build its bars: KIS serves 1-minute bars only (KIS_API.md §4.5), so the longer minute
//! intervals are bucketed here by the KST minute of the session; day, week, month and year
//! come from the period chart itself (§4.3, `FID_PERIOD_DIV_CODE` D/W/M/Y).

use super::{Calendar, Candle, Krw, Period};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike};
use std::fmt;
use std::str::FromStr;

/// What one candle of a chart spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interval {
    Min1,
    Min3,
    Min5,
    Min10,
    Min30,
    Min60,
    Day,
    Week,
    Month,
    Year,
}

impl Interval {
    /// Shortest first: the order `[` / `]` step through.
    pub const ALL: [Interval; 10] = [
        Interval::Min1,
        Interval::Min3,
        Interval::Min5,
        Interval::Min10,
        Interval::Min30,
        Interval::Min60,
        Interval::Day,
        Interval::Week,
        Interval::Month,
        Interval::Year,
    ];

    /// Minutes per candle for the intraday intervals.
    pub fn minutes(self) -> Option<u32> {
        match self {
            Interval::Min1 => Some(1),
            Interval::Min3 => Some(3),
            Interval::Min5 => Some(5),
            Interval::Min10 => Some(10),
            Interval::Min30 => Some(30),
            Interval::Min60 => Some(60),
            Interval::Day | Interval::Week | Interval::Month | Interval::Year => None,
        }
    }

    pub fn is_intraday(self) -> bool {
        self.minutes().is_some()
    }

    /// The series the source is asked for: 1-minute bars for every intraday interval.
    pub fn period(self) -> Period {
        match self {
            Interval::Day => Period::Day,
            Interval::Week => Period::Week,
            Interval::Month => Period::Month,
            Interval::Year => Period::Year,
            _ => Period::Minute,
        }
    }

    /// The code the config, the lookup commands and logs use: `1m` … `60m`, `D`, `W`, `M`, `Y`.
    pub fn code(self) -> &'static str {
        match self {
            Interval::Min1 => "1m",
            Interval::Min3 => "3m",
            Interval::Min5 => "5m",
            Interval::Min10 => "10m",
            Interval::Min30 => "30m",
            Interval::Min60 => "60m",
            Interval::Day => "D",
            Interval::Week => "W",
            Interval::Month => "M",
            Interval::Year => "Y",
        }
    }

    /// Position in [`Interval::ALL`], for per-interval settings.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl From<Period> for Interval {
    fn from(p: Period) -> Interval {
        match p {
            Period::Minute => Interval::Min1,
            Period::Day => Interval::Day,
            Period::Week => Interval::Week,
            Period::Month => Interval::Month,
            Period::Year => Interval::Year,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A string that names no interval.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown interval {0:?}: expected 1m, 3m, 5m, 10m, 30m, 60m, D, W, M or Y")]
pub struct UnknownInterval(pub String);

impl FromStr for Interval {
    type Err = UnknownInterval;

    /// The codes of [`Interval::code`], `Nmin` for `Nm`, `1h` for `60m`, and the words
    /// `minute`, `day`, `week`, `month`, `year` (`M` is the month, `m` alone the minute).
    fn from_str(s: &str) -> Result<Interval, UnknownInterval> {
        let t = s.trim();
        if let Some(p) = Period::parse(t) {
            return Ok(p.into());
        }
        let minutes = t
            .strip_suffix("min")
            .or_else(|| t.strip_suffix('m'))
            .and_then(|n| n.parse::<u32>().ok());
        let minutes = match t {
            "1h" | "h" | "hour" => Some(60),
            _ => minutes,
        };
        Interval::ALL
            .into_iter()
            .find(|i| i.minutes().is_some() && i.minutes() == minutes)
            .ok_or_else(|| UnknownInterval(s.to_string()))
    }
}

/// The start of the `minutes`-long bucket the KST minute `time` of `date` falls in, counted
/// from that day's open (09:00, 10:00 on a late-opening day): at 5 minutes 09:07 → 09:05, and
/// at 60 minutes the closing auction's 15:30 bar joins 15:00. A minute before the open (no
/// trading makes one, but a server may) stays its own bucket.
pub fn minute_bucket(
    calendar: &Calendar,
    date: NaiveDate,
    time: NaiveTime,
    minutes: u32,
) -> NaiveTime {
    let time = time
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(time);
    if minutes <= 1 {
        return time;
    }
    let open = calendar.session_times(date).map_or(
        NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
        |st| st.open,
    );
    let since = (time - open).num_minutes();
    if since < 0 {
        return time;
    }
    let start = since - since % i64::from(minutes);
    open + Duration::minutes(start)
}

/// Builds `interval` bars from 1-minute bars (oldest first, any number of sessions): each
/// bucket of [`minute_bucket`] takes the first open, the highest high, the lowest low, the last
/// close and the summed volume and value (saturating). Bars without a time (not minute bars)
/// are skipped; for a non-intraday interval the bars come back as they are.
pub fn aggregate_minutes(bars: &[Candle], interval: Interval, calendar: &Calendar) -> Vec<Candle> {
    let Some(minutes) = interval.minutes() else {
        return bars.to_vec();
    };
    let mut out: Vec<Candle> = Vec::with_capacity(bars.len() / minutes as usize + 1);
    for b in bars {
        let Some(t) = b.time else { continue };
        let bucket = minute_bucket(calendar, b.date, t, minutes);
        match out.last_mut() {
            Some(last) if last.date == b.date && last.time == Some(bucket) => {
                last.high = last.high.max(b.high);
                last.low = last.low.min(b.low);
                last.close = b.close;
                last.volume = last.volume.saturating_add(b.volume);
                last.value = Krw(last.value.0.saturating_add(b.value.0));
            }
            _ => out.push(Candle {
                time: Some(bucket),
                ..*b
            }),
        }
    }
    out
}

/// The first trading day of the week `date` is in (a weekly bar is dated by its last trading
/// day, as KIS does; a trader reads a week by the day it began). `date` itself when the
/// calendar has no earlier trading day that week.
pub fn week_start(calendar: &Calendar, date: NaiveDate) -> NaiveDate {
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    monday
        .iter_days()
        .take_while(|d| *d < date)
        .find(|d| calendar.is_trading_day(*d))
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn bar(date: &str, (h, m): (u32, u32), [o, hi, lo, c]: [i64; 4], v: u64) -> Candle {
        Candle {
            date: d(date),
            time: Some(t(h, m)),
            open: Krw(o),
            high: Krw(hi),
            low: Krw(lo),
            close: Krw(c),
            volume: v,
            value: Krw(c * v as i64),
        }
    }

    #[test]
    fn every_code_parses_back_and_aliases_are_kept() {
        for i in Interval::ALL {
            assert_eq!(i.code().parse::<Interval>(), Ok(i));
        }
        for (s, i) in [
            ("m", Interval::Min1),
            ("minute", Interval::Min1),
            ("5min", Interval::Min5),
            ("1h", Interval::Min60),
            (" 30m ", Interval::Min30),
            ("day", Interval::Day),
            ("month", Interval::Month),
            ("y", Interval::Year),
        ] {
            assert_eq!(s.parse::<Interval>(), Ok(i), "{s:?}");
        }
        for bad in ["", "2m", "0m", "H", "15m", "-5m", "99999999999999999999m"] {
            assert!(bad.parse::<Interval>().is_err(), "{bad:?}");
        }
        assert_eq!(Interval::Min10.period(), Period::Minute);
        assert_eq!(Interval::from(Period::Year), Interval::Year);
    }

    #[test]
    fn minutes_bucket_from_the_session_open() {
        let cal = Calendar::krx();
        let day = d("2026-11-26");
        assert_eq!(minute_bucket(cal, day, t(9, 7), 5), t(9, 5));
        assert_eq!(minute_bucket(cal, day, t(9, 0), 3), t(9, 0));
        assert_eq!(minute_bucket(cal, day, t(9, 2), 3), t(9, 0));
        assert_eq!(minute_bucket(cal, day, t(9, 3), 3), t(9, 3));
        assert_eq!(minute_bucket(cal, day, t(15, 30), 60), t(15, 0));
        assert_eq!(minute_bucket(cal, day, t(10, 59), 30), t(10, 30));
        assert_eq!(minute_bucket(cal, day, t(8, 59), 10), t(8, 59));
        assert_eq!(minute_bucket(cal, day, t(11, 11), 1), t(11, 11));
    }

    #[test]
    fn the_late_open_of_the_first_trading_day_starts_its_buckets() {
        // 2026-01-02: KRX opens at 10:00 on the year's first trading day.
        let cal = Calendar::krx();
        let day = d("2026-01-02");
        let open = cal.session_times(day).unwrap().open;
        assert_eq!(open, t(10, 0));
        assert_eq!(
            minute_bucket(cal, day, open + Duration::minutes(61), 60),
            open + Duration::minutes(60)
        );
    }

    #[test]
    fn aggregation_keeps_ohlcv_per_bucket_and_sessions_apart() {
        let cal = Calendar::krx();
        let bars = [
            bar("2026-11-25", (15, 20), [100, 105, 99, 104], 10),
            bar("2026-11-25", (15, 30), [104, 104, 104, 104], 50),
            bar("2026-11-26", (9, 0), [110, 112, 108, 111], 5),
            bar("2026-11-26", (9, 1), [111, 115, 110, 114], 7),
            // 09:02 had no trade (no bar); 09:04 closes the bucket.
            bar("2026-11-26", (9, 4), [114, 114, 101, 102], 3),
            bar("2026-11-26", (9, 5), [102, 103, 102, 103], u64::MAX),
            bar("2026-11-26", (9, 6), [103, 103, 103, 103], 1),
        ];
        let five = aggregate_minutes(&bars, Interval::Min5, cal);
        let shape: Vec<_> = five
            .iter()
            .map(|c| {
                (
                    c.date,
                    c.time.unwrap(),
                    c.open.0,
                    c.high.0,
                    c.low.0,
                    c.close.0,
                    c.volume,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (d("2026-11-25"), t(15, 20), 100, 105, 99, 104, 10),
                (d("2026-11-25"), t(15, 30), 104, 104, 104, 104, 50),
                (d("2026-11-26"), t(9, 0), 110, 115, 101, 102, 15),
                (d("2026-11-26"), t(9, 5), 102, 103, 102, 103, u64::MAX),
            ]
        );
        assert_eq!(five[2].value, Krw(111 * 5 + 114 * 7 + 102 * 3));
        let hour = aggregate_minutes(&bars, Interval::Min60, cal);
        assert_eq!(hour.len(), 2);
        assert_eq!((hour[0].time, hour[0].volume), (Some(t(15, 0)), 60));
        assert_eq!(aggregate_minutes(&bars, Interval::Min1, cal), bars.to_vec());
        assert_eq!(aggregate_minutes(&bars, Interval::Day, cal), bars.to_vec());
    }

    #[test]
    fn a_week_is_read_by_its_first_trading_day() {
        let cal = Calendar::krx();
        // Friday 2026-11-27 → Monday 2026-11-23.
        assert_eq!(week_start(cal, d("2026-11-27")), d("2026-11-23"));
        assert_eq!(week_start(cal, d("2026-11-23")), d("2026-11-23"));
        // Whatever holidays a week has, it starts on a trading day of its own, not after the bar.
        for day in cal.trading_days(d("2026-01-01"), d("2026-12-31")) {
            let s = week_start(cal, day);
            assert!(cal.is_trading_day(s) && s <= day && s.iso_week() == day.iso_week());
        }
    }
}

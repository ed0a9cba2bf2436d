//! The KRX calendar and trading sessions in KST, loaded from `assets/krx_calendar.toml`.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Asia::Seoul;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// The market's clock zone.
pub const KST: chrono_tz::Tz = Seoul;

const CALENDAR_TOML: &str = include_str!("../../assets/krx_calendar.toml");

/// What the market is doing at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Session {
    /// A weekend or a KRX holiday.
    Holiday,
    /// A trading day, outside every session.
    Closed,
    /// Opening call auction (08:30–09:00): expected fills, no trades.
    PreOpenAuction,
    /// Continuous trading (09:00–15:20).
    Continuous,
    /// Closing call auction (15:20–15:30).
    ClosingAuction,
    /// After-hours trading at the close and single-price auctions (15:40–18:00).
    AfterHours,
}

impl Session {
    pub fn label(self) -> &'static str {
        match self {
            Session::Holiday => "holiday",
            Session::Closed => "closed",
            Session::PreOpenAuction => "pre-open auction",
            Session::Continuous => "continuous",
            Session::ClosingAuction => "closing auction",
            Session::AfterHours => "after-hours",
        }
    }

    /// Whether prices can change during this session (for polling pace).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Session::PreOpenAuction
                | Session::Continuous
                | Session::ClosingAuction
                | Session::AfterHours
        )
    }

    pub fn is_auction(self) -> bool {
        matches!(self, Session::PreOpenAuction | Session::ClosingAuction)
    }
}

/// Session boundaries of one trading day, KST wall-clock times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimes {
    pub pre_open_auction: NaiveTime,
    pub open: NaiveTime,
    pub closing_auction: NaiveTime,
    pub close: NaiveTime,
    pub after_hours_start: NaiveTime,
    pub after_hours_end: NaiveTime,
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar data: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("calendar data: bad date {0:?}")]
    Date(String),
    #[error("calendar data: bad time {0:?} (expected HH:MM)")]
    Time(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    covers: [String; 2],
    holidays: Vec<String>,
    sessions: RawSessions,
    #[serde(default)]
    shifted: Vec<RawShift>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSessions {
    pre_open_auction: String,
    open: String,
    closing_auction: String,
    close: String,
    after_hours_start: String,
    after_hours_end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShift {
    date: String,
    open_delay_min: i64,
    close_delay_min: i64,
    #[allow(dead_code)]
    reason: String,
}

/// The KRX calendar: holidays, regular session times and shifted days.
#[derive(Debug, Clone)]
pub struct Calendar {
    covers: (NaiveDate, NaiveDate),
    holidays: BTreeSet<NaiveDate>,
    regular: SessionTimes,
    shifted: HashMap<NaiveDate, (i64, i64)>,
}

fn parse_date(s: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| CalendarError::Date(s.to_string()))
}

fn parse_time(s: &str) -> Result<NaiveTime, CalendarError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| CalendarError::Time(s.to_string()))
}

impl Calendar {
    /// The built-in KRX calendar.
    pub fn krx() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| match Calendar::from_toml(CALENDAR_TOML) {
            Ok(c) => c,
            // The asset is compiled in and covered by tests; fall back to weekdays-only rather
            // than panic if it were ever broken.
            Err(e) => {
                tracing::error!("built-in calendar is invalid: {e}");
                Calendar::weekdays_only()
            }
        })
    }

    /// A calendar with no holidays and the regular session times.
    pub fn weekdays_only() -> Calendar {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        Calendar {
            covers: (NaiveDate::MIN, NaiveDate::MIN),
            holidays: BTreeSet::new(),
            regular: SessionTimes {
                pre_open_auction: t(8, 30),
                open: t(9, 0),
                closing_auction: t(15, 20),
                close: t(15, 30),
                after_hours_start: t(15, 40),
                after_hours_end: t(18, 0),
            },
            shifted: HashMap::new(),
        }
    }

    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let raw: RawCalendar = toml::from_str(text)?;
        let holidays = raw
            .holidays
            .iter()
            .map(|s| parse_date(s))
            .collect::<Result<_, _>>()?;
        let s = &raw.sessions;
        let regular = SessionTimes {
            pre_open_auction: parse_time(&s.pre_open_auction)?,
            open: parse_time(&s.open)?,
            closing_auction: parse_time(&s.closing_auction)?,
            close: parse_time(&s.close)?,
            after_hours_start: parse_time(&s.after_hours_start)?,
            after_hours_end: parse_time(&s.after_hours_end)?,
        };
        let mut shifted = HashMap::new();
        for sh in &raw.shifted {
            shifted.insert(
                parse_date(&sh.date)?,
                (sh.open_delay_min, sh.close_delay_min),
            );
        }
        Ok(Calendar {
            covers: (parse_date(&raw.covers[0])?, parse_date(&raw.covers[1])?),
            holidays,
            regular,
            shifted,
        })
    }

    /// Whether the holiday data covers `date` (outside it, every weekday counts as trading).
    pub fn covers(&self, date: NaiveDate) -> bool {
        date >= self.covers.0 && date <= self.covers.1
    }

    pub fn is_trading_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The closest trading day strictly before `date`.
    pub fn prev_trading_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        for _ in 0..40 {
            d = d.pred_opt().unwrap_or(d);
            if self.is_trading_day(d) {
                return d;
            }
        }
        d
    }

    /// The closest trading day strictly after `date`.
    pub fn next_trading_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        for _ in 0..40 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_trading_day(d) {
                return d;
            }
        }
        d
    }

    /// Trading days in `[from, to]`, oldest first.
    pub fn trading_days(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut d = from;
        while d <= to {
            if self.is_trading_day(d) {
                out.push(d);
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        out
    }

    /// Session boundaries for `date`, or `None` if the market does not open that day.
    pub fn session_times(&self, date: NaiveDate) -> Option<SessionTimes> {
        if !self.is_trading_day(date) {
            return None;
        }
        let r = self.regular;
        let (od, cd) = self.shifted.get(&date).copied().unwrap_or((0, 0));
        let o = Duration::minutes(od);
        let c = Duration::minutes(cd);
        Some(SessionTimes {
            pre_open_auction: r.pre_open_auction + o,
            open: r.open + o,
            closing_auction: r.closing_auction + c,
            close: r.close + c,
            after_hours_start: r.after_hours_start + c,
            after_hours_end: r.after_hours_end + c,
        })
    }

    /// How far `date`'s sessions are shifted from the regular times: (open delay, close
    /// delay); zero on ordinary days.
    pub fn shift_of(&self, date: NaiveDate) -> (Duration, Duration) {
        let (od, cd) = self.shifted.get(&date).copied().unwrap_or((0, 0));
        (Duration::minutes(od), Duration::minutes(cd))
    }

    /// The session in force at `instant`.
    pub fn session_at(&self, instant: DateTime<Utc>) -> Session {
        let local = instant.with_timezone(&KST);
        let Some(t) = self.session_times(local.date_naive()) else {
            return Session::Holiday;
        };
        let now = local.time();
        if now < t.pre_open_auction {
            Session::Closed
        } else if now < t.open {
            Session::PreOpenAuction
        } else if now < t.closing_auction {
            Session::Continuous
        } else if now < t.close {
            Session::ClosingAuction
        } else if now < t.after_hours_start {
            Session::Closed
        } else if now < t.after_hours_end {
            Session::AfterHours
        } else {
            Session::Closed
        }
    }

    /// The latest trading day whose regular session has closed at `instant` (the day whose
    /// daily bars are final). Today if the close has passed, otherwise the previous trading day.
    pub fn last_closed_trading_day(&self, instant: DateTime<Utc>) -> NaiveDate {
        let local = instant.with_timezone(&KST);
        let today = local.date_naive();
        match self.session_times(today) {
            Some(t) if local.time() >= t.close => today,
            _ => self.prev_trading_day(today),
        }
    }

    /// The next instant (after `instant`) at which the opening auction starts.
    pub fn next_pre_open(&self, instant: DateTime<Utc>) -> DateTime<Utc> {
        let local = instant.with_timezone(&KST);
        let mut day = local.date_naive();
        for _ in 0..40 {
            if let Some(t) = self.session_times(day) {
                let at = kst_to_utc(day.and_time(t.pre_open_auction));
                if at > instant {
                    return at;
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
        instant + Duration::days(1)
    }

    /// The instant the regular session of `date` closes, if it trades.
    pub fn close_instant(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.session_times(date)
            .map(|t| kst_to_utc(date.and_time(t.close)))
    }
}

/// A KST wall-clock time as a UTC instant (KST has no DST, so this is unambiguous).
pub fn kst_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match KST.from_local_datetime(&local).single() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&(local - Duration::hours(9))),
    }
}

/// Today's date in KST at `instant`.
pub fn kst_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&KST).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        kst_to_utc(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn built_in_calendar_parses() {
        let c = Calendar::from_toml(CALENDAR_TOML).unwrap();
        assert!(c.covers(d("2024-01-01")) && c.covers(d("2027-12-31")));
        assert!(c.holidays.len() > 60);
    }

    #[test]
    fn trading_days() {
        let c = Calendar::krx();
        assert!(c.is_trading_day(d("2026-11-26"))); // Thursday
        assert!(!c.is_trading_day(d("2026-11-28"))); // Saturday
        assert!(!c.is_trading_day(d("2025-10-06"))); // 추석
        assert!(!c.is_trading_day(d("2024-12-31"))); // year-end closure
        assert_eq!(c.next_trading_day(d("2025-10-02")), d("2025-10-10"));
        assert_eq!(c.prev_trading_day(d("2025-10-10")), d("2025-10-02"));
        assert_eq!(c.prev_trading_day(d("2026-01-02")), d("2025-12-30"));
        let days = c.trading_days(d("2026-11-23"), d("2026-11-29"));
        assert_eq!(days.len(), 5);
    }

    #[test]
    fn sessions() {
        let c = Calendar::krx();
        assert_eq!(c.session_at(at("2026-11-26 08:29")), Session::Closed);
        assert_eq!(
            c.session_at(at("2026-11-26 08:30")),
            Session::PreOpenAuction
        );
        assert_eq!(c.session_at(at("2026-11-26 09:00")), Session::Continuous);
        assert_eq!(c.session_at(at("2026-11-26 15:19")), Session::Continuous);
        assert_eq!(
            c.session_at(at("2026-11-26 15:20")),
            Session::ClosingAuction
        );
        assert_eq!(c.session_at(at("2026-11-26 15:35")), Session::Closed);
        assert_eq!(c.session_at(at("2026-11-26 16:30")), Session::AfterHours);
        assert_eq!(c.session_at(at("2026-11-26 18:00")), Session::Closed);
        assert_eq!(c.session_at(at("2026-11-28 10:00")), Session::Holiday);
        // 수능: opens at 10:00, closes at 16:30.
        assert_eq!(
            c.session_at(at("2026-11-19 09:30")),
            Session::PreOpenAuction
        );
        assert_eq!(
            c.session_at(at("2026-11-19 16:25")),
            Session::ClosingAuction
        );
        // First trading day of the year opens at 10:00, closes as usual.
        assert_eq!(
            c.session_at(at("2026-01-02 09:30")),
            Session::PreOpenAuction
        );
        assert_eq!(
            c.session_at(at("2026-01-02 15:25")),
            Session::ClosingAuction
        );
    }

    #[test]
    fn last_closed_and_next_open() {
        let c = Calendar::krx();
        assert_eq!(
            c.last_closed_trading_day(at("2026-11-26 15:29")),
            d("2026-11-25")
        );
        assert_eq!(
            c.last_closed_trading_day(at("2026-11-26 15:30")),
            d("2026-11-26")
        );
        assert_eq!(
            c.last_closed_trading_day(at("2026-11-29 12:00")),
            d("2026-11-27")
        );
        assert_eq!(
            c.next_pre_open(at("2026-11-27 20:00")),
            at("2026-11-30 08:30")
        );
        assert_eq!(
            c.next_pre_open(at("2026-11-26 08:00")),
            at("2026-11-26 08:30")
        );
    }
}

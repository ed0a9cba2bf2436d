//! kis-sim's listing history: a fixed table of listings (IPOs), delistings, renames and a move
//! from KOSDAQ to KOSPI across the simulated history, on eight issues of their own (codes
//! 950110–950180, added to the universe after the generated ones so nothing else changes).
//!
//! On KST date D an issue is in the master files when it is listed on D: its listing date is
//! on or before D and its delisting date (the first day it is no longer listed) after D. Its
//! daily chart has bars only for the trading days it was listed. A rename changes the name
//! the master files show from its date; a move changes the file (and market) it is in.
//! `SimStock::name` and `SimStock::market` are the latest ones, so every other endpoint shows
//! an issue as it is now.

use crate::market::{Calendar, Market};
use chrono::NaiveDate;
use serde::Serialize;

/// What happens to an issue on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Listed (IPO) on the first trading day on or after the date.
    Listed,
    /// No longer listed from the first trading day on or after the date (its last trading day
    /// is the one before).
    Delisted,
    /// Named this (Korean, English) from the first trading day on or after the date.
    Renamed(&'static str, &'static str),
    /// In this market from the first trading day on or after the date.
    Moved(Market),
}

/// One event of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimListingEvent {
    pub code: &'static str,
    pub on_or_after: (i32, u32, u32),
    pub change: Change,
}

const fn e(code: &'static str, y: i32, m: u32, d: u32, change: Change) -> SimListingEvent {
    SimListingEvent {
        code,
        on_or_after: (y, m, d),
        change,
    }
}

/// The issues of the table: (code, name, English name, market before any move).
pub const ISSUES: &[(&str, &str, &str, Market)] = &[
    ("950110", "한빛바이오", "Hanbit Bio", Market::Kosdaq),
    ("950120", "새론테크", "Saeron Tech", Market::Kosdaq),
    ("950130", "누리에너지", "Nuri Energy", Market::Kospi),
    ("950140", "다온건설", "Daon E&C", Market::Kospi),
    ("950150", "가람제약", "Garam Pharm", Market::Kosdaq),
    ("950160", "소망식품", "Somang Foods", Market::Kosdaq),
    ("950170", "미르전자", "Mir Electronics", Market::Kosdaq),
    ("950180", "하늘로보틱스", "Haneul Robotics", Market::Kosdaq),
];

/// The table.
pub const EVENTS: &[SimListingEvent] = &[
    e("950110", 2024, 7, 1, Change::Listed),
    e("950120", 2025, 6, 2, Change::Listed),
    e("950130", 2026, 2, 2, Change::Listed),
    e("950140", 2024, 11, 1, Change::Delisted),
    e("950150", 2025, 9, 1, Change::Delisted),
    e("950160", 2026, 2, 2, Change::Delisted),
    e(
        "950170",
        2025,
        4,
        1,
        Change::Renamed("미르반도체", "Mir Semicon"),
    ),
    e("950180", 2025, 8, 1, Change::Moved(Market::Kospi)),
];

impl SimListingEvent {
    /// The first KRX trading day on or after `on_or_after`.
    pub fn date(&self, cal: &Calendar) -> NaiveDate {
        let (y, m, d) = self.on_or_after;
        let day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        if cal.is_trading_day(day) {
            day
        } else {
            cal.next_trading_day(day)
        }
    }
}

/// One issue's listing history, as kis-sim's master files show it over time (ground truth,
/// `/_sim/truth/listings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SimListing {
    pub code: String,
    pub listed_on: NaiveDate,
    /// The first day it is no longer listed.
    pub delisted_on: Option<NaiveDate>,
    /// (from, name, English name, market), oldest first; the first from the listing date.
    pub names: Vec<(NaiveDate, String, String, Market)>,
}

impl SimListing {
    pub fn listed(&self, d: NaiveDate) -> bool {
        self.listed_on <= d && self.delisted_on.is_none_or(|x| d < x)
    }

    /// Name, English name and market on `d`.
    pub fn name_on(&self, d: NaiveDate) -> (&str, &str, Market) {
        let n = self
            .names
            .iter()
            .rev()
            .find(|n| n.0 <= d)
            .or(self.names.first());
        match n {
            Some((_, name, en, m)) => (name, en, *m),
            None => ("", "", Market::Kosdaq),
        }
    }
}

/// The listing history of an issue of the table that was already listed on `listed_on`
/// (from the universe) unless an event lists it later.
pub fn history(code: &str, listed_on: NaiveDate, cal: &Calendar) -> Option<SimListing> {
    let &(_, name, en, market) = ISSUES.iter().find(|i| i.0 == code)?;
    let mut h = SimListing {
        code: code.to_string(),
        listed_on,
        delisted_on: None,
        names: vec![(listed_on, name.to_string(), en.to_string(), market)],
    };
    for ev in EVENTS.iter().filter(|e| e.code == code) {
        let d = ev.date(cal);
        let (_, n, en, m) = h.names.last().cloned()?;
        match ev.change {
            Change::Listed => {
                h.listed_on = d;
                h.names[0].0 = d;
            }
            Change::Delisted => h.delisted_on = Some(d),
            Change::Renamed(n2, en2) => h.names.push((d, n2.into(), en2.into(), m)),
            Change::Moved(m2) => h.names.push((d, n, en, m2)),
        }
    }
    Some(h)
}

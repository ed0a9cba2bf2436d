//! The whole market at a glance: indices (KOSPI, KOSDAQ, KOSPI200) with their breadth, and the
//! rankings (volume, traded value, gainers, losers). Pure types; KIS's shapes live in `kis::wire`.

use super::{Krw, Rate, StockCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An index level in hundredths of a point: `Points(265_012)` is 2,650.12.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    /// Parses `"2650.12"`, `"-15.3"`, `"+3"`, `"2,650.12"` into hundredths (a third decimal
    /// rounds half away from zero). Anything else is `None`.
    pub fn parse(s: &str) -> Option<Points> {
        let s = s.trim().replace(',', "");
        let (neg, body) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s.as_str()),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int_v: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut digits = frac.bytes().map(|b| i64::from(b - b'0'));
        let d1 = digits.next().unwrap_or(0);
        let d2 = digits.next().unwrap_or(0);
        let d3 = digits.next().unwrap_or(0);
        let mut v = int_v.checked_mul(100)?.checked_add(d1 * 10 + d2)?;
        if d3 >= 5 {
            v = v.checked_add(1)?;
        }
        Some(Points(if neg { -v } else { v }))
    }

    /// As a float, for display and JSON only.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// The rate of `self` (a change) against `base`, like [`Rate::of`].
    pub fn rate_of(self, base: Points) -> Rate {
        Rate::of(Krw(self.0), Krw(base.0))
    }
}

impl fmt::Display for Points {
    /// `2,650.12`, `-15.30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let int = super::group_thousands((a / 100) as i64);
        f.pad(&format!("{sign}{int}.{:02}", a % 100))
    }
}

/// An index code (업종코드): four digits, e.g. `0001` KOSPI, `1001` KOSDAQ, `2001` KOSPI200.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndexCode([u8; 4]);

impl IndexCode {
    pub const KOSPI: IndexCode = IndexCode(*b"0001");
    pub const KOSDAQ: IndexCode = IndexCode(*b"1001");
    pub const KOSPI200: IndexCode = IndexCode(*b"2001");
    /// The default strip and `hoga index` without arguments.
    pub const DEFAULTS: [IndexCode; 3] = [IndexCode::KOSPI, IndexCode::KOSDAQ, IndexCode::KOSPI200];

    pub fn new(s: &str) -> Result<IndexCode, String> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 4 && b.iter().all(u8::is_ascii_digit) {
            Ok(IndexCode([b[0], b[1], b[2], b[3]]))
        } else {
            Err(format!(
                "{s:?} is not an index code: expected four digits (0001 KOSPI, 1001 KOSDAQ, 2001 KOSPI200)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Four ASCII digits by construction.
        std::str::from_utf8(&self.0).unwrap_or("0000")
    }

    /// The usual name of the well-known indices.
    pub fn known_name(&self) -> Option<&'static str> {
        match &self.0 {
            b"0001" => Some("코스피"),
            b"1001" => Some("코스닥"),
            b"2001" => Some("코스피200"),
            _ => None,
        }
    }
}

impl fmt::Display for IndexCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl TryFrom<String> for IndexCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IndexCode::new(&s)
    }
}

impl From<IndexCode> for String {
    fn from(c: IndexCode) -> String {
        c.as_str().to_string()
    }
}

impl std::str::FromStr for IndexCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndexCode::new(s)
    }
}

/// How many issues of an index rose, fell or stood still (상승/하락/보합), and how many of
/// those are at the daily limit (상한/하한). `up` includes `limit_up`, `down` `limit_down`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breadth {
    pub up: u32,
    pub down: u32,
    pub unchanged: u32,
    pub limit_up: u32,
    pub limit_down: u32,
}

/// One index now (or, on the virtual server, at its last close).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexQuote {
    pub code: IndexCode,
    pub name: Option<String>,
    pub value: Points,
    /// Signed change against the previous close.
    pub change: Points,
    pub change_rate: Rate,
    pub prev_close: Points,
    pub open: Points,
    pub high: Points,
    pub low: Points,
    /// Shares traded today.
    pub volume: u64,
    /// Traded value today, won.
    pub value_traded: Krw,
    /// `None` where the source does not say (the daily chart).
    pub breadth: Option<Breadth>,
    pub as_of: DateTime<Utc>,
    /// `Some(date)` when this is that day's close from the daily index chart rather than a
    /// live value (the virtual server serves no live index).
    pub closed_on: Option<NaiveDate>,
}

/// One bar of an index chart: D/W/M/Y (dated by its last trading day, no time) or a minute
/// (`time` = the minute's start, KST).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexBar {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<chrono::NaiveTime>,
    pub open: Points,
    pub high: Points,
    pub low: Points,
    pub close: Points,
    pub volume: u64,
    pub value: Krw,
}

/// What a ranking orders by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RankKind {
    /// 거래량 순위.
    #[default]
    Volume,
    /// 거래대금 순위.
    Value,
    /// 상승률 순위.
    Gainers,
    /// 하락률 순위.
    Losers,
}

impl RankKind {
    pub const ALL: [RankKind; 4] = [
        RankKind::Volume,
        RankKind::Value,
        RankKind::Gainers,
        RankKind::Losers,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RankKind::Volume => "volume",
            RankKind::Value => "value",
            RankKind::Gainers => "gainers",
            RankKind::Losers => "losers",
        }
    }

    pub fn parse(s: &str) -> Option<RankKind> {
        RankKind::ALL
            .into_iter()
            .find(|k| k.label().eq_ignore_ascii_case(s.trim()))
    }
}

/// Which market a ranking covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RankMarket {
    #[default]
    All,
    Kospi,
    Kosdaq,
}

impl RankMarket {
    pub const ALL: [RankMarket; 3] = [RankMarket::All, RankMarket::Kospi, RankMarket::Kosdaq];

    pub fn label(self) -> &'static str {
        match self {
            RankMarket::All => "all",
            RankMarket::Kospi => "kospi",
            RankMarket::Kosdaq => "kosdaq",
        }
    }

    pub fn parse(s: &str) -> Option<RankMarket> {
        RankMarket::ALL
            .into_iter()
            .find(|m| m.label().eq_ignore_ascii_case(s.trim()))
    }
}

/// Rows per ranking (KIS's cap, no next page).
pub const RANK_ROWS: usize = 30;

/// One row of a ranking, in rank order (1 first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankRow {
    pub rank: u32,
    pub code: StockCode,
    pub name: String,
    pub price: Krw,
    pub change: Krw,
    pub change_rate: Rate,
    pub volume: u64,
    /// Traded value; `None` where the ranking does not send it (the fluctuation ranking) and
    /// nothing filled it in.
    pub value: Option<Krw>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_parse_and_print() {
        assert_eq!(Points::parse("2650.12"), Some(Points(265_012)));
        assert_eq!(Points::parse("-15.3"), Some(Points(-1_530)));
        assert_eq!(Points::parse("+3"), Some(Points(300)));
        assert_eq!(Points::parse("2,650.125"), Some(Points(265_013)));
        assert_eq!(Points::parse(".5"), Some(Points(50)));
        assert_eq!(Points::parse(""), None);
        assert_eq!(Points::parse("-"), None);
        assert_eq!(Points::parse("1.2.3"), None);
        assert_eq!(Points::parse("99999999999999999999"), None);
        assert_eq!(Points(265_012).to_string(), "2,650.12");
        assert_eq!(Points(-1_530).to_string(), "-15.30");
        assert_eq!(Points(5).to_string(), "0.05");
        assert_eq!(Points(-1_530).rate_of(Points(265_012)), Rate(-58));
    }

    #[test]
    fn index_codes() {
        assert_eq!(IndexCode::new(" 0001").unwrap(), IndexCode::KOSPI);
        assert_eq!(IndexCode::KOSDAQ.to_string(), "1001");
        assert!(IndexCode::new("001").is_err());
        assert!(IndexCode::new("00a1").is_err());
        assert_eq!(IndexCode::KOSPI200.known_name(), Some("코스피200"));
        let j = serde_json::to_string(&IndexCode::KOSPI).unwrap();
        assert_eq!(j, "\"0001\"");
        assert_eq!(
            serde_json::from_str::<IndexCode>(&j).unwrap(),
            IndexCode::KOSPI
        );
    }

    #[test]
    fn rank_words() {
        assert_eq!(RankKind::parse("Gainers"), Some(RankKind::Gainers));
        assert_eq!(RankKind::parse("x"), None);
        assert_eq!(RankMarket::parse("KOSDAQ"), Some(RankMarket::Kosdaq));
    }
}

//! Quotes, order books, candles and stock information: what every layer above passes around.

use super::code::{Market, StockCode};
use super::money::{Krw, Rate};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a value came from. Every value shown or stored carries one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// Fetched from KIS just now.
    Live { env: Env },
    /// Served from the cache while still fresh; fetched at `fetched_at`.
    Cached { fetched_at: DateTime<Utc> },
    /// The source failed; this is the last good value, fetched at `since`.
    Stale { since: DateTime<Utc> },
    /// From the built-in simulated market.
    Simulated,
}

impl Provenance {
    /// The source failed and this is an old copy.
    pub fn is_stale(self) -> bool {
        matches!(self, Provenance::Stale { .. })
    }
}

/// KIS environment: the real server or the paper-trading (모의투자) one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    Real,
    Virtual,
}

impl Env {
    pub fn label(self) -> &'static str {
        match self {
            Env::Real => "real",
            Env::Virtual => "virtual",
        }
    }
}

/// Direction of a change against the previous close (KIS sign codes 1–5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    UpperLimit,
    Up,
    Flat,
    LowerLimit,
    Down,
}

impl Direction {
    /// From KIS `prdy_vrss_sign`: 1 상한, 2 상승, 3 보합, 4 하한, 5 하락 (0 is also 보합).
    pub fn from_sign_code(code: &str) -> Option<Direction> {
        match code.trim() {
            "1" => Some(Direction::UpperLimit),
            "2" => Some(Direction::Up),
            "3" | "0" => Some(Direction::Flat),
            "4" => Some(Direction::LowerLimit),
            "5" => Some(Direction::Down),
            _ => None,
        }
    }

    pub fn sign_code(self) -> &'static str {
        match self {
            Direction::UpperLimit => "1",
            Direction::Up => "2",
            Direction::Flat => "3",
            Direction::LowerLimit => "4",
            Direction::Down => "5",
        }
    }

    /// +1, 0 or −1.
    pub fn signum(self) -> i64 {
        match self {
            Direction::UpperLimit | Direction::Up => 1,
            Direction::Flat => 0,
            Direction::LowerLimit | Direction::Down => -1,
        }
    }

    /// The direction of a signed change, given the day's limits.
    pub fn of_change(price: Krw, prev_close: Krw, upper: Krw, lower: Krw) -> Direction {
        if price == upper && price > prev_close {
            Direction::UpperLimit
        } else if price == lower && price < prev_close {
            Direction::LowerLimit
        } else if price > prev_close {
            Direction::Up
        } else if price < prev_close {
            Direction::Down
        } else {
            Direction::Flat
        }
    }
}

/// 시장경고: market warning level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    #[default]
    None,
    /// 투자주의
    Caution,
    /// 투자경고
    Warning,
    /// 투자위험
    Danger,
}

impl Warning {
    /// The KRX name of the level (투자주의, 투자경고, 투자위험); `None` for no warning.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Warning::None => None,
            Warning::Caution => Some("투자주의"),
            Warning::Warning => Some("투자경고"),
            Warning::Danger => Some("투자위험"),
        }
    }
}

/// Status flags a trader must see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusFlags {
    /// 거래정지
    pub halted: bool,
    /// 관리종목
    pub managed: bool,
    /// 투자주의/경고/위험
    pub warning: Warning,
    /// VI (volatility interruption) in force
    pub vi: bool,
}

impl StatusFlags {
    /// The KRX name of `halted`.
    pub const HALTED: &'static str = "거래정지";
    /// The KRX name of `managed`.
    pub const MANAGED: &'static str = "관리종목";
}

/// Expected fill during a call auction (예상체결).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedFill {
    pub price: Krw,
    pub volume: u64,
    pub change: Krw,
    pub change_rate: Rate,
}

/// A current quote for one stock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub code: StockCode,
    /// Not every KIS endpoint returns a name (`inquire-price` does not).
    pub name: Option<String>,
    pub price: Krw,
    /// Signed change against the previous close.
    pub change: Krw,
    pub change_rate: Rate,
    pub prev_close: Krw,
    pub open: Krw,
    pub high: Krw,
    pub low: Krw,
    pub volume: u64,
    /// Cumulative traded value (거래대금), won.
    pub value: Krw,
    pub upper_limit: Krw,
    pub lower_limit: Krw,
    pub flags: StatusFlags,
    pub expected: Option<ExpectedFill>,
    pub as_of: DateTime<Utc>,
}

impl Quote {
    pub fn direction(&self) -> Direction {
        Direction::of_change(
            self.price,
            self.prev_close,
            self.upper_limit,
            self.lower_limit,
        )
    }

    /// The day so far as a daily bar (the KST date of the quote; close = current price).
    pub fn daily_candle(&self) -> Candle {
        Candle {
            date: super::kst_date(self.as_of),
            time: None,
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.price,
            volume: self.volume,
            value: self.value,
        }
    }
}

/// One price level of the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Krw,
    pub qty: u64,
}

/// The 10-level order book (호가). `asks[0]` is the lowest ask, `bids[0]` the highest bid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderBook {
    pub code: StockCode,
    pub asks: Vec<Level>,
    pub bids: Vec<Level>,
    pub total_ask_qty: u64,
    pub total_bid_qty: u64,
    /// Last trade price, when the endpoint says.
    pub last: Option<Krw>,
    pub prev_close: Option<Krw>,
    pub expected: Option<ExpectedFill>,
    pub as_of: DateTime<Utc>,
}

impl OrderBook {
    pub fn best_ask(&self) -> Option<Krw> {
        self.asks.first().map(|l| l.price)
    }

    pub fn best_bid(&self) -> Option<Krw> {
        self.bids.first().map(|l| l.price)
    }

    /// Spread between best ask and best bid in ticks of the bid's tick grid.
    pub fn spread_ticks(&self) -> Option<i64> {
        let (a, b) = (self.best_ask()?, self.best_bid()?);
        Some(super::tick::ticks_between(b, a))
    }
}

/// Chart interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    #[serde(rename = "1m")]
    Minute,
    #[serde(rename = "D")]
    Day,
    #[serde(rename = "W")]
    Week,
    #[serde(rename = "M")]
    Month,
    #[serde(rename = "Y")]
    Year,
}

impl Period {
    pub fn code(self) -> &'static str {
        match self {
            Period::Minute => "1m",
            Period::Day => "D",
            Period::Week => "W",
            Period::Month => "M",
            Period::Year => "Y",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        match s.trim() {
            "1m" | "m" | "min" | "minute" => Some(Period::Minute),
            "D" | "d" | "day" => Some(Period::Day),
            "W" | "w" | "week" => Some(Period::Week),
            "M" | "month" => Some(Period::Month),
            "Y" | "y" | "year" => Some(Period::Year),
            _ => None,
        }
    }
}

/// [`Period::parse`] as `str::parse`: what reads an interval from text (the config's
/// `default_interval`) follows every interval the type knows.
impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Period, String> {
        Period::parse(s).ok_or_else(|| format!("unknown chart interval {s:?}"))
    }
}

/// One bar. Daily and longer bars have no `time`; minute bars carry the minute's start (KST).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub open: Krw,
    pub high: Krw,
    pub low: Krw,
    pub close: Krw,
    pub volume: u64,
    pub value: Krw,
}

impl Candle {
    /// A candle that opened and stayed at `price`.
    pub fn flat(
        date: NaiveDate,
        time: Option<NaiveTime>,
        price: Krw,
        volume: u64,
        value: Krw,
    ) -> Candle {
        Candle {
            date,
            time,
            open: price,
            high: price,
            low: price,
            close: price,
            volume,
            value,
        }
    }

    pub fn is_up(&self) -> bool {
        self.close >= self.open
    }
}

/// Kind of listed security, from the master file's group code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityKind {
    /// ST: 주권 (common stock)
    Stock,
    /// A preferred share (우선주) of a common stock.
    Preferred,
    /// EF: ETF
    Etf,
    /// RT: REIT
    Reit,
    Other,
}

/// Static and slow-moving information about a stock (the info pane, `hoga info`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StockInfo {
    pub code: StockCode,
    pub name: String,
    pub name_en: Option<String>,
    pub market: Market,
    pub kind: SecurityKind,
    pub isin: Option<String>,
    pub sector: Option<String>,
    pub listed_shares: Option<u64>,
    pub market_cap: Option<Krw>,
    pub per: Option<Rate>,
    pub pbr: Option<Rate>,
    pub eps: Option<Krw>,
    pub bps: Option<Krw>,
    pub w52_high: Option<Krw>,
    pub w52_low: Option<Krw>,
    pub upper_limit: Option<Krw>,
    pub lower_limit: Option<Krw>,
    pub flags: StatusFlags,
}

/// One entry of the stock universe, as the master files describe it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub code: StockCode,
    pub isin: String,
    pub name: String,
    pub name_en: Option<String>,
    pub market: Market,
    /// Master-file group code: ST, EF, RT, ...
    pub group: String,
    pub kind: SecurityKind,
    /// Base price (기준가) from the master file.
    pub base_price: Krw,
    pub listed_shares: u64,
    pub flags: StatusFlags,
    /// Market cap in 억원 as the master file has it.
    pub market_cap_eok: u64,
    /// Listing date (상장일자) as the master file has it; `None` when it is blank or not a date.
    #[serde(default)]
    pub listed_on: Option<chrono::NaiveDate>,
}

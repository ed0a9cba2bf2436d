//! Who bought and sold (투자자별 매매동향: 개인 / 외국인 / 기관), published after the close, and
//! the volatility interruptions (VI, 변동성완화장치) of the day.

use super::{Krw, Rate, StockCode};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// One investor group's trading in one stock on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Net buying (buy − sell), shares; negative is net selling.
    pub net_qty: i64,
    /// Net buying, won.
    pub net_value: Krw,
    pub buy_qty: u64,
    pub buy_value: Krw,
    pub sell_qty: u64,
    pub sell_value: Krw,
}

/// One day of investor flows in one stock (KIS publishes a day's after its close).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestorDay {
    pub date: NaiveDate,
    pub close: Krw,
    /// Signed change of the close against the day before.
    pub change: Krw,
    /// 개인.
    pub individual: Flow,
    /// 외국인 (registered foreigners plus other foreigners).
    pub foreign: Flow,
    /// 기관계.
    pub institution: Flow,
}

/// Which VI (정적 / 동적 / both).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViKind {
    Static,
    Dynamic,
    Both,
}

impl ViKind {
    /// From KIS `vi_kind_code`: 1 정적, 2 동적, 3 정적&동적.
    pub fn from_code(c: &str) -> Option<ViKind> {
        match c.trim() {
            "1" => Some(ViKind::Static),
            "2" => Some(ViKind::Dynamic),
            "3" => Some(ViKind::Both),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ViKind::Static => "1",
            ViKind::Dynamic => "2",
            ViKind::Both => "3",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ViKind::Static => "정적",
            ViKind::Dynamic => "동적",
            ViKind::Both => "정적·동적",
        }
    }
}

/// One VI of the day: when it was triggered, at which price, and whether it is still on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViEvent {
    pub code: StockCode,
    pub name: String,
    /// Still in force (발동) rather than released (해제).
    pub active: bool,
    pub kind: Option<ViKind>,
    pub date: Option<NaiveDate>,
    pub triggered_at: Option<NaiveTime>,
    pub released_at: Option<NaiveTime>,
    /// The price that triggered it.
    pub price: Krw,
    /// Static VI's reference price and the gap from it (%).
    pub static_base: Option<Krw>,
    pub static_gap: Option<Rate>,
    /// Dynamic VI's reference price and the gap from it (%).
    pub dynamic_base: Option<Krw>,
    pub dynamic_gap: Option<Rate>,
    /// Times triggered today.
    pub count: u32,
}

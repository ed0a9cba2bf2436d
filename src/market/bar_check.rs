//! The rules a single bar must keep whatever its context: prices present, low ≤ open, close ≤
//! high, every price on the tick grid. The ingest rejects bars that break them; the lookups
//! flag them. Pure.

use super::tick::on_grid;
use super::{Candle, Krw, SecurityKind};
use serde::{Deserialize, Serialize};

/// Why a bar was rejected. The `as_str` names are stored and appear in summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCategory {
    /// A price is zero or negative.
    MissingPrice,
    /// low > open/close, or open/close > high, or high < low.
    OhlcOrder,
    /// A price is not on the KRX tick grid.
    OffGrid,
    /// A price is outside the day's limits (previous close ± 30 %).
    OutOfLimits,
    /// Volume does not fit a signed 64-bit integer.
    BadVolume,
    /// Traded value outside volume × [low, high] (with tolerance), or value without volume.
    ValueMismatch,
    /// The date is a weekend or a KRX holiday.
    NotTradingDay,
    /// A second bar for the same date.
    Duplicate,
}

impl RejectCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCategory::MissingPrice => "missing_price",
            RejectCategory::OhlcOrder => "ohlc_order",
            RejectCategory::OffGrid => "off_grid",
            RejectCategory::OutOfLimits => "out_of_limits",
            RejectCategory::BadVolume => "bad_volume",
            RejectCategory::ValueMismatch => "value_mismatch",
            RejectCategory::NotTradingDay => "not_trading_day",
            RejectCategory::Duplicate => "duplicate",
        }
    }
}

/// Whether `price` is on the grid for this kind of security. ETFs (and ETNs) trade in 5-won
/// steps from 2,000 won, 1-won below; everything else uses the unified stock grid.
pub fn on_grid_for(kind: SecurityKind, price: Krw) -> bool {
    match kind {
        SecurityKind::Etf => price.0 > 0 && (price.0 < 2_000 || price.0 % 5 == 0),
        _ => on_grid(price),
    }
}

/// Checks the prices of one bar: the first rule it breaks, with a message for people.
pub fn check_prices(c: &Candle, kind: SecurityKind) -> Result<(), (RejectCategory, String)> {
    use RejectCategory::*;
    let prices = [
        ("open", c.open),
        ("high", c.high),
        ("low", c.low),
        ("close", c.close),
    ];
    if let Some((name, p)) = prices.iter().find(|(_, p)| p.0 <= 0) {
        return Err((MissingPrice, format!("{name} is {p}")));
    }
    if c.high < c.low {
        return Err((OhlcOrder, format!("high {} < low {}", c.high, c.low)));
    }
    for (name, p) in [("open", c.open), ("close", c.close)] {
        if p < c.low || p > c.high {
            return Err((
                OhlcOrder,
                format!("{name} {p} outside low {} – high {}", c.low, c.high),
            ));
        }
    }
    if let Some((name, p)) = prices.iter().find(|(_, p)| !on_grid_for(kind, *p)) {
        return Err((OffGrid, format!("{name} {p} is not on the tick grid")));
    }
    Ok(())
}

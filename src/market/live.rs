//! What a live stream says about a stock, in the domain's words: a trade, a change of the
//! order book, an expected fill during an auction, a change of the stock's status (VI, halt).
//! The KIS WebSocket client produces these; the feed, the screens and `hoga stream` read them.

use super::{ExpectedFill, OrderBook, StatusFlags, StockCode, Trade};
use chrono::{DateTime, Utc};

/// One streamed event about one stock.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveEvent {
    Trade(Trade),
    /// The whole 10-level book as it stands after a change: every level, best first, a
    /// level without orders kept with price 0 (a stream reports levels by position).
    Book(OrderBook),
    Expected(ExpectedUpdate),
    Status(MarketStatus),
}

impl LiveEvent {
    pub fn code(&self) -> StockCode {
        match self {
            LiveEvent::Trade(t) => t.code,
            LiveEvent::Book(b) => b.code,
            LiveEvent::Expected(e) => e.code,
            LiveEvent::Status(s) => s.code,
        }
    }
}

/// The expected fill (예상체결) of a call auction as it moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedUpdate {
    pub code: StockCode,
    pub at: DateTime<Utc>,
    pub fill: ExpectedFill,
}

/// A change of what may be traded (장운영정보): VI triggered or lifted, a halt, a warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketStatus {
    pub code: StockCode,
    pub flags: StatusFlags,
    /// Why trading is halted, as the exchange words it.
    pub halt_reason: Option<String>,
}

//! Messages into `update` (keys, mouse, resize, clock ticks, feed replies) and the commands
//! `update` asks the event loop to carry out.

use crate::market::{Candle, Listing, OrderBook, Period, Quote, StockCode, StockInfo};
use crate::source::{SourceStatus, Sourced};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

/// A failed fetch, in words, with when the feed will try again.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub message: String,
    pub next_try: Option<DateTime<Utc>>,
}

pub type Reply<T> = Result<Sourced<T>, Failure>;

/// Everything that can change the state.
#[derive(Clone, Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved (drives flashes, ages, countdowns and the session label).
    Tick(DateTime<Utc>),
    Universe {
        at: DateTime<Utc>,
        reply: Reply<Vec<Listing>>,
    },
    /// Multi-quotes of the visible watchlist rows.
    Quotes {
        at: DateTime<Utc>,
        reply: Result<Vec<Sourced<Quote>>, Failure>,
    },
    /// The quote of the open stock.
    Quote {
        code: StockCode,
        version: u64,
        at: DateTime<Utc>,
        reply: Reply<Quote>,
    },
    Book {
        code: StockCode,
        version: u64,
        at: DateTime<Utc>,
        reply: Reply<OrderBook>,
    },
    Chart {
        code: StockCode,
        period: Period,
        version: u64,
        at: DateTime<Utc>,
        reply: Reply<Vec<Candle>>,
    },
    Info {
        code: StockCode,
        version: u64,
        at: DateTime<Utc>,
        reply: Reply<StockInfo>,
    },
    Status(SourceStatus),
}

/// What is on screen, so the feed polls exactly that.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Interest {
    /// The open stock and its version (bumped whenever the user opens another stock).
    pub focused: Option<StockCode>,
    pub version: u64,
    pub period: Option<Period>,
    pub book: bool,
    pub info: bool,
    /// Watchlist rows on screen.
    pub watchlist: Vec<StockCode>,
    /// Bumped by the refresh action: fetch everything now.
    pub refresh: u64,
}

/// Side effects `update` asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Quit,
    SaveWatchlists,
    SetInterest(Interest),
}

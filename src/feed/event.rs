//! The feed's vocabulary: what it is asked ([`Interest`]: what is on screen) and what it
//! reports ([`Event`]). REST snapshots, streamed trades and book updates, and failures are all
//! events; the UI turns them into its own messages.

use crate::market::{
    Candle, ExpectedUpdate, Interval, InvestorDay, Listing, MarketStatus, OrderBook, Quote,
    RankKind, RankMarket, RankRow, StockCode, StockInfo, Trade, ViEvent,
};
use crate::source::live::{Channel, Health, Pair};
use crate::source::{SourceStatus, Sourced};
use chrono::{DateTime, Utc};

/// What is on screen, so the feed fetches exactly that.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Interest {
    /// The open stock and its version (bumped whenever the user opens another stock).
    pub focused: Option<StockCode>,
    pub version: u64,
    /// The chart's interval, when a chart is on screen.
    pub period: Option<Interval>,
    pub book: bool,
    pub info: bool,
    /// Watchlist rows on screen.
    pub watchlist: Vec<StockCode>,
    /// The rest of the current watchlist, off screen: streamed while slots remain, never
    /// polled.
    pub more: Vec<StockCode>,
    /// Bumped by the refresh action: ask KIS for everything now, whatever the cache holds.
    pub refresh: u64,
    /// The indices of the strip on screen (empty when it is not).
    pub indices: Vec<crate::market::IndexCode>,
    /// The ranking on screen, if the rankings view is open.
    pub ranking: Option<(RankKind, RankMarket)>,
    /// Stocks with alert rules: polled (or streamed) for the rules when nothing else brings
    /// their quotes.
    pub alerts: Vec<StockCode>,
}

/// A failed fetch, in words, with when the feed will try again.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub message: String,
    pub next_try: Option<DateTime<Utc>>,
    /// The source does not serve this at all (the virtual server's rankings): not asked again.
    pub unsupported: bool,
}

/// One answer: the value with its provenance, or why there is none.
pub type Reply<T> = Result<Sourced<T>, Failure>;

/// What the feed reports. `at` is when it arrived; `version` is the interest version a reply
/// for the open stock was asked under, so the UI drops replies for a stock it has left.
#[derive(Clone, Debug)]
pub enum Event {
    Universe {
        at: DateTime<Utc>,
        reply: Reply<Vec<Listing>>,
    },
    /// Quotes of the watchlist rows on screen.
    Quotes {
        at: DateTime<Utc>,
        reply: Result<Vec<Sourced<Quote>>, Failure>,
    },
    /// A snapshot of the open stock's quote.
    Quote {
        code: StockCode,
        version: u64,
        at: DateTime<Utc>,
        reply: Reply<Quote>,
    },
    /// The open stock's book: a REST snapshot, or a streamed update of all ten levels.
    Book {
        code: StockCode,
        version: u64,
        at: DateTime<Utc>,
        reply: Reply<OrderBook>,
    },
    Chart {
        code: StockCode,
        /// What the candles span: minute intervals come bucketed from 1-minute bars.
        period: Interval,
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
    /// One streamed trade of any stock of interest. It moves the quote and grows the forming
    /// candles (`market::candle::apply_trade`).
    Trade { at: DateTime<Utc>, trade: Trade },
    /// The expected fill of an auction moved (streamed, the open stock).
    Expected {
        at: DateTime<Utc>,
        update: ExpectedUpdate,
    },
    /// A stock's trading status changed (VI, a halt), streamed.
    MarketStatus {
        at: DateTime<Utc>,
        status: MarketStatus,
    },
    /// The stream's state changed: its health, or what it carries.
    Stream(StreamState),
    /// Records of these stocks may have been missed from `from` to `to` (a lost session);
    /// their quotes, book and candles are being fetched again over REST.
    Gap {
        codes: Vec<StockCode>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// The strip's indices, in the order asked (those the source could not serve left out).
    Indices {
        at: DateTime<Utc>,
        reply: Result<Vec<Sourced<crate::market::IndexQuote>>, Failure>,
    },
    /// The open stock's investor flows (newest day first, published after the close) and its
    /// VI events of the day (newest first), for the info pane.
    Flows {
        code: StockCode,
        version: u64,
        at: DateTime<Utc>,
        flows: Reply<Vec<InvestorDay>>,
        vi: Reply<Vec<ViEvent>>,
    },
    /// Quotes of stocks watched only by alert rules (on no pane, not streamed).
    Watched {
        at: DateTime<Utc>,
        reply: Result<Vec<Sourced<Quote>>, Failure>,
    },
    /// The ranking on screen: 30 rows in rank order.
    Ranking {
        kind: RankKind,
        market: RankMarket,
        at: DateTime<Utc>,
        reply: Reply<Vec<RankRow>>,
    },
    /// The source's health changed.
    Status(SourceStatus),
}

/// What the live stream is doing, for the status bar and the streamed markers.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamState {
    pub health: Health,
    /// Registrations one session may hold.
    pub cap: usize,
    /// The pairs registered now (asked and not refused), most important first.
    pub registered: Vec<Pair>,
    /// Pairs the server refused (the cap): served over REST.
    pub refused: Vec<Pair>,
}

impl StreamState {
    /// The stream is up: what it carries arrives as it happens.
    pub fn is_up(&self) -> bool {
        matches!(self.health, Health::Connected { .. })
    }

    /// `channel` of `code` arrives over the stream now.
    pub fn streams(&self, channel: Channel, code: StockCode) -> bool {
        self.is_up() && self.registered.contains(&(channel, code))
    }
}

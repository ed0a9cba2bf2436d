//! The data-source layer: one trait over KIS (client + cache + breaker fallback) and the
//! built-in simulated market. Every value comes back with its provenance.

pub mod factory;
pub mod kis;
pub mod mock;

use crate::market::{
    Candle, Env, Listing, OrderBook, Period, Provenance, Quote, StockCode, StockInfo,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub provenance: Provenance,
}

impl<T> Sourced<T> {
    pub fn new(value: T, provenance: Provenance) -> Self {
        Sourced { value, provenance }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced {
            value: f(self.value),
            provenance: self.provenance,
        }
    }
}

/// Which source is behind the trait object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Kis(Env),
    Simulated,
}

/// Errors a data source reports. Messages are for people and never carry secrets.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// The stock does not exist (KIS answered with an unknown-code error or zeroed data).
    #[error("unknown stock code {0}")]
    NotFound(StockCode),
    /// Credentials are missing, wrong, or the token could not be had.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The request can never succeed as asked (bad parameter, not permitted, unsupported).
    #[error("{0}")]
    Fatal(String),
    /// The source failed in a way that may pass (network, 5xx, rate limit after retries).
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

impl SourceError {
    pub fn is_auth(&self) -> bool {
        matches!(self, SourceError::Auth(_))
    }
}

/// Health of the source for the status bar: breaker, cache, token, rate budget, last error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceStatus {
    /// "closed", "open", "half-open"; `None` for sources without a breaker.
    pub breaker: Option<String>,
    /// When an open breaker lets the next probe through.
    pub breaker_retry_at: Option<DateTime<Utc>>,
    /// `Some(true)` Redis up, `Some(false)` down (memory cache in use), `None` not configured.
    pub redis_up: Option<bool>,
    pub token_expires_at: Option<DateTime<Utc>>,
    /// Requests sent in the last second, and the per-second limit.
    pub budget_used: u32,
    pub budget_limit: u32,
    /// Processes sharing the appkey's budget through Redis, this one included (0 = no Redis).
    pub budget_peers: u32,
    /// Share of cache lookups answered from the cache; `None` before the first lookup.
    pub cache_hit_rate: Option<f64>,
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// Everything the TUI, the lookup commands and `--ingest` read.
#[async_trait]
pub trait DataSource: Send + Sync {
    fn kind(&self) -> SourceKind;

    /// Current quote of one stock.
    async fn quote(&self, code: StockCode) -> Result<Sourced<Quote>, SourceError>;

    /// Quotes of many stocks (30 per KIS call where the server allows it). Unknown codes are
    /// left out of the result rather than failing the whole batch.
    async fn quotes(&self, codes: &[StockCode]) -> Result<Vec<Sourced<Quote>>, SourceError>;

    /// The 10-level order book with the expected fill during auctions.
    async fn order_book(&self, code: StockCode) -> Result<Sourced<OrderBook>, SourceError>;

    /// Period bars (D/W/M/Y) in `[from, to]`, oldest first, paged past any per-call cap.
    async fn chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Sourced<Vec<Candle>>, SourceError>;

    /// Today's one-minute bars, oldest first.
    async fn minute_chart(&self, code: StockCode) -> Result<Sourced<Vec<Candle>>, SourceError>;

    /// Reference information for the info pane and `hoga info`.
    async fn info(&self, code: StockCode) -> Result<Sourced<StockInfo>, SourceError>;

    /// The whole listed universe (KOSPI + KOSDAQ).
    async fn universe(&self) -> Result<Sourced<Vec<Listing>>, SourceError>;

    /// Current health, cheap to call on every frame.
    fn status(&self) -> SourceStatus;
}

//! The data-source layer: the one way everything above it (the feed, the lookup commands,
//! `--ingest`, `--warm-cache`) reads market data. One trait, `DataSource`, with two
//! implementations: KIS (client + cache + breaker fallback) and the built-in simulated market.
//! Every request says its priority and how fresh it must be ([`Req`]); every value comes back
//! with its provenance.

pub mod factory;
pub mod kis;
pub mod live;
pub mod mock;
pub mod mock_live;

use crate::market::{
    Candle, Env, IndexBar, IndexCode, IndexQuote, InvestorDay, Listing, OrderBook, Period,
    Provenance, Quote, RankKind, RankMarket, RankRow, StockCode, StockInfo, ViEvent,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Latency percentiles of one endpoint, for run summaries.
pub use crate::kis::LatencySummary;
/// Who is waiting for a request: the screen the user looks at goes first, bulk jobs last.
/// (The KIS limiter's own type: the source layer passes it through unchanged.)
pub use crate::kis::Priority;

/// How fresh an answer must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Freshness {
    /// A fresh cache entry will do. When KIS fails transiently, a retained entry stands in,
    /// marked stale.
    #[default]
    Cached,
    /// Ask KIS now, whatever the cache holds (the TUI's `r`, `--warm-cache`); the answer is
    /// cached. When KIS fails transiently, a retained entry stands in, marked stale.
    Refresh,
    /// Ask KIS now and nothing else: no cache read, no stale stand-in, the answer not cached.
    /// For `--ingest`, whose bars must be what KIS says today and whose backfills would
    /// flood the cache.
    Direct,
}

/// What one request needs: its priority in the rate budget and its freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Req {
    pub priority: Priority,
    pub freshness: Freshness,
}

impl Req {
    /// What the user is looking at (the open stock, a lookup command).
    pub const INTERACTIVE: Req = Req::new(Priority::Interactive, Freshness::Cached);
    /// On screen but not in focus (watchlist rows, info).
    pub const BACKGROUND: Req = Req::new(Priority::Background, Freshness::Cached);
    /// Bulk jobs: `--ingest`. Always asks KIS, never the cache.
    pub const BATCH: Req = Req::new(Priority::Batch, Freshness::Direct);

    pub const fn new(priority: Priority, freshness: Freshness) -> Req {
        Req {
            priority,
            freshness,
        }
    }

    /// The same request, asking KIS now (the answer is still cached).
    pub const fn refresh(self) -> Req {
        Req::new(self.priority, Freshness::Refresh)
    }

    /// The same request at another priority.
    pub const fn at(self, priority: Priority) -> Req {
        Req::new(priority, self.freshness)
    }
}

/// Request counters and latencies since the source was made, for run summaries.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SourceMetrics {
    /// Requests sent to KIS (for the simulated market: answers given).
    pub api_calls: u64,
    /// Rate-limit refusals from KIS (EGW00201).
    pub rate_limited: u64,
    pub retries: u64,
    pub cache_hits: u64,
    /// tokenP calls that issued a token.
    pub tokens_issued: u64,
    /// Circuit-breaker state changes.
    pub breaker_transitions: u64,
    /// Latency per endpoint over the recent requests (empty when not measured).
    pub latency: BTreeMap<String, LatencySummary>,
}

impl SourceMetrics {
    /// The counters accumulated since `before` (latencies are kept as they are now).
    pub fn since(&self, before: &SourceMetrics) -> SourceMetrics {
        SourceMetrics {
            api_calls: self.api_calls.saturating_sub(before.api_calls),
            rate_limited: self.rate_limited.saturating_sub(before.rate_limited),
            retries: self.retries.saturating_sub(before.retries),
            cache_hits: self.cache_hits.saturating_sub(before.cache_hits),
            tokens_issued: self.tokens_issued.saturating_sub(before.tokens_issued),
            breaker_transitions: self
                .breaker_transitions
                .saturating_sub(before.breaker_transitions),
            latency: self.latency.clone(),
        }
    }
}

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
    /// This source does not serve that (a real-only TR on the virtual server, or a source
    /// without it): asking again will not help.
    #[error("{0}")]
    Unsupported(String),
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

    pub fn is_unsupported(&self) -> bool {
        matches!(self, SourceError::Unsupported(_))
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

/// Everything the feed, the lookup commands, `--ingest` and `--warm-cache` read.
#[async_trait]
pub trait DataSource: Send + Sync {
    fn kind(&self) -> SourceKind;

    /// For summaries and logs: `kis real (https://…)`, `simulated`. Never carries secrets.
    fn describe(&self) -> String {
        match self.kind() {
            SourceKind::Kis(env) => format!("kis {}", env.label()),
            SourceKind::Simulated => "simulated".to_string(),
        }
    }

    /// Whether `quotes` costs one call per 30 stocks (the real server) rather than one per
    /// stock (the virtual server, which lacks multi-quote).
    fn batches_quotes(&self) -> bool {
        !matches!(self.kind(), SourceKind::Kis(Env::Virtual))
    }

    /// Current quote of one stock.
    async fn quote(&self, code: StockCode, req: Req) -> Result<Sourced<Quote>, SourceError>;

    /// Quotes of many stocks (30 per KIS call where the server allows it), in the order asked.
    /// Unknown codes are left out of the result rather than failing the whole batch.
    async fn quotes(
        &self,
        codes: &[StockCode],
        req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError>;

    /// The 10-level order book with the expected fill during auctions.
    async fn order_book(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<OrderBook>, SourceError>;

    /// Period bars (D/W/M/Y) in `[from, to]`, oldest first, paged past any per-call cap.
    async fn chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError>;

    /// Today's one-minute bars, oldest first.
    async fn minute_chart(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError>;

    /// The one-minute bars of the session of `date`, oldest first: the previous session the
    /// minute chart shows before today's. Sources without it refuse (the chart then shows
    /// today's minutes alone).
    async fn day_minute_chart(
        &self,
        _code: StockCode,
        _date: NaiveDate,
        _req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        Err(SourceError::Unsupported(
            "this source has no minute chart by date".into(),
        ))
    }

    /// Daily chart rows in `[from, to]` with their corporate-action fields, oldest first:
    /// raw (what traded, `adjusted` false) or adjusted (수정주가). A source without
    /// corporate actions (the simulated market) answers its chart, which is both.
    async fn chart_days(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
        adjusted: bool,
        req: Req,
    ) -> Result<Sourced<Vec<crate::market::ChartDay>>, SourceError> {
        let _ = adjusted;
        Ok(self
            .chart(code, Period::Day, from, to, req)
            .await?
            .map(|c| c.into_iter().map(crate::market::ChartDay::plain).collect()))
    }

    /// Reference information for the info pane and `hoga info`.
    async fn info(&self, code: StockCode, req: Req) -> Result<Sourced<StockInfo>, SourceError>;

    /// The whole listed universe (KOSPI + KOSDAQ).
    async fn universe(&self, req: Req) -> Result<Sourced<Vec<Listing>>, SourceError>;

    /// An index now with its breadth (KOSPI `0001`, KOSDAQ `1001`, KOSPI200 `2001`). Where
    /// no live index is served (the virtual server) its last close, with `closed_on` set.
    async fn index(&self, code: IndexCode, req: Req) -> Result<Sourced<IndexQuote>, SourceError> {
        let _ = (code, req);
        Err(SourceError::Unsupported(format!(
            "{} serves no index",
            self.describe()
        )))
    }

    /// Index bars (D/W/M/Y) in `[from, to]`, oldest first.
    async fn index_chart(
        &self,
        code: IndexCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<IndexBar>>, SourceError> {
        let _ = (code, period, from, to, req);
        Err(SourceError::Unsupported(format!(
            "{} serves no index chart",
            self.describe()
        )))
    }

    /// Today's one-minute bars of an index, oldest first (the strip's sparkline, the chart's
    /// minutes). Real server only on KIS (`Unsupported` on the virtual server).
    async fn index_minutes(
        &self,
        code: IndexCode,
        req: Req,
    ) -> Result<Sourced<Vec<IndexBar>>, SourceError> {
        let _ = (code, req);
        Err(SourceError::Unsupported(format!(
            "{} serves no index minutes",
            self.describe()
        )))
    }

    /// A ranking of one market: at most 30 rows in rank order, each with its traded value.
    /// Real server only on KIS (`Unsupported` on the virtual server, without a request).
    async fn ranking(
        &self,
        kind: RankKind,
        market: RankMarket,
        req: Req,
    ) -> Result<Sourced<Vec<RankRow>>, SourceError> {
        let _ = (kind, market, req);
        Err(SourceError::Unsupported(format!(
            "{} serves no rankings",
            self.describe()
        )))
    }

    /// Investor flows (개인 / 외국인 / 기관) of one stock, newest first. Published after the
    /// close: during a session the latest day is the previous one.
    async fn investor_flows(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<InvestorDay>>, SourceError> {
        let _ = (code, req);
        Err(SourceError::Unsupported(format!(
            "{} serves no investor flows",
            self.describe()
        )))
    }

    /// The latest trading day's VI events, of every stock (`None`) or of one, newest first.
    /// Real server only on KIS (`Unsupported` on the virtual server, without a request).
    async fn vi_status(
        &self,
        code: Option<StockCode>,
        req: Req,
    ) -> Result<Sourced<Vec<ViEvent>>, SourceError> {
        let _ = (code, req);
        Err(SourceError::Unsupported(format!(
            "{} serves no VI status",
            self.describe()
        )))
    }

    /// Current health, cheap to call on every frame.
    fn status(&self) -> SourceStatus;

    /// Counters since the source was made.
    fn metrics(&self) -> SourceMetrics {
        SourceMetrics::default()
    }

    /// Opens this source's live stream (KIS's WebSocket, the simulated market's trades), or
    /// `None` when it has none. Called once, inside the runtime; the stream runs until its
    /// handle is dropped.
    fn open_stream(&self) -> Option<live::Stream> {
        None
    }
}

//! What the ingest reads from: the universe, today's bars 30 stocks per call, and per-stock
//! daily charts, plus the counters the summary reports. Implemented over any `DataSource`
//! (the simulated market, KisSource) and directly over the KIS client with `Priority::Batch`.

use crate::market::{Candle, Listing, Period, StockCode};
use crate::source::{DataSource, SourceError, SourceKind};
use async_trait::async_trait;
use chrono::NaiveDate;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One stock's bar for the current day from a quote, with the close it moved from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayBar {
    pub code: StockCode,
    pub candle: Candle,
    pub prev_close: crate::market::Krw,
    /// The day's (lower, upper) price limits, as the quote published them.
    pub limits: Option<(crate::market::Krw, crate::market::Krw)>,
}

impl DayBar {
    /// Today's bar as a quote shows it, with the base and limits it was traded under.
    pub fn from_quote(q: &crate::market::Quote) -> DayBar {
        DayBar {
            code: q.code,
            candle: q.daily_candle(),
            prev_close: q.prev_close,
            limits: Some((q.lower_limit, q.upper_limit)),
        }
    }
}

/// Request counters, cumulative since the source was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub api_calls: u64,
    /// Rate-limit refusals from KIS (EGW00201).
    pub rate_limited: u64,
    pub retries: u64,
    pub cache_hits: u64,
    /// tokenP calls that issued a token.
    pub tokens_issued: u64,
    /// Circuit-breaker state changes.
    pub breaker_transitions: u64,
}

impl Counters {
    pub fn since(self, before: Counters) -> Counters {
        Counters {
            api_calls: self.api_calls.saturating_sub(before.api_calls),
            rate_limited: self.rate_limited.saturating_sub(before.rate_limited),
            retries: self.retries.saturating_sub(before.retries),
            cache_hits: self.cache_hits.saturating_sub(before.cache_hits),
            tokens_issued: self.tokens_issued.saturating_sub(before.tokens_issued),
            breaker_transitions: self
                .breaker_transitions
                .saturating_sub(before.breaker_transitions),
        }
    }
}

#[async_trait]
pub trait IngestSource: Send + Sync {
    /// For the summary: `kis real`, `kis virtual`, `simulated`.
    fn label(&self) -> String;

    /// Whether multi-quote calls are available (the real server; the virtual one lacks them).
    fn supports_multi_quote(&self) -> bool;

    async fn universe(&self) -> Result<Vec<Listing>, SourceError>;

    /// Today's bars for up to 30 stocks per call (the source chunks larger slices). Stocks the
    /// server does not know are left out.
    async fn day_bars(&self, codes: &[StockCode]) -> Result<Vec<DayBar>, SourceError>;

    /// Daily bars in `[from, to]`, oldest first, paged past the 100-row cap.
    async fn daily_chart(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Candle>, SourceError>;

    fn counters(&self) -> Counters;

    /// Latency per endpoint over the client's recent requests (empty when not measured).
    fn latency(&self) -> std::collections::BTreeMap<String, crate::kis::LatencySummary> {
        Default::default()
    }
}

/// Any `DataSource` as an ingest source. Counts calls made through it (a cache behind the
/// source may serve some; the source's own counters are not visible through the trait).
pub struct DataSourceIngest {
    inner: Arc<dyn DataSource>,
    calls: AtomicU64,
}

impl DataSourceIngest {
    pub fn new(inner: Arc<dyn DataSource>) -> DataSourceIngest {
        DataSourceIngest {
            inner,
            calls: AtomicU64::new(0),
        }
    }
}

#[async_trait]
impl IngestSource for DataSourceIngest {
    fn label(&self) -> String {
        match self.inner.kind() {
            SourceKind::Kis(env) => format!("kis {}", env.label()),
            SourceKind::Simulated => "simulated".to_string(),
        }
    }

    fn supports_multi_quote(&self) -> bool {
        !matches!(
            self.inner.kind(),
            SourceKind::Kis(crate::market::Env::Virtual)
        )
    }

    async fn universe(&self) -> Result<Vec<Listing>, SourceError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(self.inner.universe().await?.value)
    }

    async fn day_bars(&self, codes: &[StockCode]) -> Result<Vec<DayBar>, SourceError> {
        self.calls
            .fetch_add(codes.len().div_ceil(30) as u64, Ordering::Relaxed);
        let quotes = self.inner.quotes(codes).await?;
        Ok(quotes
            .into_iter()
            .map(|q| DayBar::from_quote(&q.value))
            .collect())
    }

    async fn daily_chart(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Candle>, SourceError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(self.inner.chart(code, Period::Day, from, to).await?.value)
    }

    fn counters(&self) -> Counters {
        Counters {
            api_calls: self.calls.load(Ordering::Relaxed),
            ..Counters::default()
        }
    }
}

/// The KIS client itself, every request at `Priority::Batch` so an interactive TUI on the same
/// key always goes first; counters come from the client's metrics.
pub struct KisIngest {
    client: crate::kis::KisClient,
}

impl KisIngest {
    pub fn new(client: crate::kis::KisClient) -> KisIngest {
        KisIngest { client }
    }

    pub fn client(&self) -> &crate::kis::KisClient {
        &self.client
    }
}

#[async_trait]
impl IngestSource for KisIngest {
    fn label(&self) -> String {
        format!(
            "kis {} ({})",
            self.client.env().label(),
            self.client.base_url()
        )
    }

    fn supports_multi_quote(&self) -> bool {
        self.client.env() == crate::market::Env::Real
    }

    async fn universe(&self) -> Result<Vec<Listing>, SourceError> {
        Ok(self.client.universe().await?.as_ref().clone())
    }

    async fn day_bars(&self, codes: &[StockCode]) -> Result<Vec<DayBar>, SourceError> {
        let quotes = self
            .client
            .multi_quote(codes, crate::kis::Priority::Batch)
            .await?;
        Ok(quotes.into_iter().map(|q| DayBar::from_quote(&q)).collect())
    }

    async fn daily_chart(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Candle>, SourceError> {
        Ok(self
            .client
            .period_chart(code, Period::Day, from, to, crate::kis::Priority::Batch)
            .await?)
    }

    fn counters(&self) -> Counters {
        let m = self.client.metrics();
        Counters {
            api_calls: m.requests,
            rate_limited: m.rate_limited,
            retries: m.retries,
            cache_hits: m.cache_hits,
            tokens_issued: m.tokens_issued,
            breaker_transitions: m.breaker_transitions,
        }
    }

    fn latency(&self) -> std::collections::BTreeMap<String, crate::kis::LatencySummary> {
        self.client
            .metrics()
            .latency
            .into_iter()
            .map(|(ep, l)| (ep.to_string(), l))
            .collect()
    }
}

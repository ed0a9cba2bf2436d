//! `MockSource`: the `DataSource` over kis-sim's in-process `SimMarket`, so the TUI and the
//! lookup commands run without credentials. Every value is `Provenance::Simulated`.

use super::{DataSource, Req, SourceError, SourceKind, SourceMetrics, SourceStatus, Sourced};
use crate::clock::SharedClock;
use crate::market::{
    Candle, IndexBar, IndexCode, IndexQuote, InvestorDay, Listing, OrderBook, Period, Provenance,
    Quote, RankKind, RankMarket, RankRow, StockCode, StockInfo, ViEvent,
};
use crate::sim::SimMarket;
use async_trait::async_trait;
use chrono::NaiveDate;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone)]
pub struct MockSource {
    market: Arc<SimMarket>,
    /// Answers given, for run summaries.
    calls: Arc<AtomicU64>,
}

impl MockSource {
    /// A simulated market from `seed`, on `clock` (use a `SimClock` to freeze or accelerate).
    pub fn new(seed: u64, clock: SharedClock) -> MockSource {
        MockSource::from_market(Arc::new(SimMarket::new(seed, clock)))
    }

    /// Over an existing market (e.g. the one a running kis-sim serves, for comparisons).
    pub fn from_market(market: Arc<SimMarket>) -> MockSource {
        MockSource {
            market,
            calls: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn market(&self) -> &Arc<SimMarket> {
        &self.market
    }

    fn sim<T>(&self, v: T) -> Sourced<T> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Sourced::new(v, Provenance::Simulated)
    }
}

#[async_trait]
impl DataSource for MockSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Simulated
    }

    async fn quote(&self, code: StockCode, _req: Req) -> Result<Sourced<Quote>, SourceError> {
        self.market
            .quote(code)
            .map(|v| self.sim(v))
            .ok_or(SourceError::NotFound(code))
    }

    async fn quotes(
        &self,
        codes: &[StockCode],
        _req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError> {
        let now = self.market.now();
        Ok(codes
            .iter()
            .filter_map(|c| self.market.quote_at(*c, now))
            .map(|v| self.sim(v))
            .collect())
    }

    async fn order_book(
        &self,
        code: StockCode,
        _req: Req,
    ) -> Result<Sourced<OrderBook>, SourceError> {
        self.market
            .book(code)
            .map(|v| self.sim(v))
            .ok_or(SourceError::NotFound(code))
    }

    async fn chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        if self.market.stock(code).is_none() {
            return Err(SourceError::NotFound(code));
        }
        if period == Period::Minute {
            return self.minute_chart(code, req).await;
        }
        let now = self.market.now();
        Ok(self.sim(self.market.period_bars_at(code, period, from, to, now)))
    }

    async fn minute_chart(
        &self,
        code: StockCode,
        _req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        if self.market.stock(code).is_none() {
            return Err(SourceError::NotFound(code));
        }
        Ok(self.sim(self.market.minute_bars(code)))
    }

    async fn day_minute_chart(
        &self,
        code: StockCode,
        date: NaiveDate,
        _req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        if self.market.stock(code).is_none() {
            return Err(SourceError::NotFound(code));
        }
        // The session as it stood at its end, or now if it is today's.
        let end = crate::market::kst_to_utc(date.and_time(chrono::NaiveTime::MIN))
            + chrono::Duration::hours(23);
        let bars = self
            .market
            .minute_bars_at(code, end.min(self.market.now()))
            .into_iter()
            .filter(|b| b.date == date)
            .collect();
        Ok(self.sim(bars))
    }

    async fn info(&self, code: StockCode, _req: Req) -> Result<Sourced<StockInfo>, SourceError> {
        self.market
            .info_at(code, self.market.now())
            .map(|v| self.sim(v))
            .ok_or(SourceError::NotFound(code))
    }

    async fn universe(&self, _req: Req) -> Result<Sourced<Vec<Listing>>, SourceError> {
        Ok(self.sim(self.market.universe_at(self.market.now())))
    }

    async fn index(&self, code: IndexCode, _req: Req) -> Result<Sourced<IndexQuote>, SourceError> {
        self.market
            .index_at(code.as_str(), self.market.now())
            .map(|v| self.sim(v))
            .ok_or_else(|| SourceError::Fatal(format!("unknown index code {code}")))
    }

    async fn index_chart(
        &self,
        code: IndexCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        _req: Req,
    ) -> Result<Sourced<Vec<IndexBar>>, SourceError> {
        if crate::sim::model::overview::index_def(code.as_str()).is_none() {
            return Err(SourceError::Fatal(format!("unknown index code {code}")));
        }
        let now = self.market.now();
        Ok(self.sim(
            self.market
                .index_bars_at(code.as_str(), period, from, to, now, usize::MAX),
        ))
    }

    async fn index_minutes(
        &self,
        code: IndexCode,
        _req: Req,
    ) -> Result<Sourced<Vec<IndexBar>>, SourceError> {
        if crate::sim::model::overview::index_def(code.as_str()).is_none() {
            return Err(SourceError::Fatal(format!("unknown index code {code}")));
        }
        Ok(self.sim(
            self.market
                .index_minutes_at(code.as_str(), self.market.now()),
        ))
    }

    async fn ranking(
        &self,
        kind: RankKind,
        market: RankMarket,
        _req: Req,
    ) -> Result<Sourced<Vec<RankRow>>, SourceError> {
        Ok(self.sim(self.market.ranking_at(kind, market, self.market.now())))
    }

    async fn investor_flows(
        &self,
        code: StockCode,
        _req: Req,
    ) -> Result<Sourced<Vec<InvestorDay>>, SourceError> {
        if self.market.stock(code).is_none() {
            return Err(SourceError::NotFound(code));
        }
        Ok(self.sim(self.market.investor_days_at(code, self.market.now(), 30)))
    }

    async fn vi_status(
        &self,
        code: Option<StockCode>,
        _req: Req,
    ) -> Result<Sourced<Vec<ViEvent>>, SourceError> {
        Ok(self.sim(self.market.vi_events_at(code, self.market.now())))
    }

    fn status(&self) -> SourceStatus {
        SourceStatus::default()
    }

    fn metrics(&self) -> SourceMetrics {
        SourceMetrics {
            api_calls: self.calls.load(Ordering::Relaxed),
            ..SourceMetrics::default()
        }
    }

    fn open_stream(&self) -> Option<super::live::Stream> {
        Some(super::mock_live::start(self.market.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const R: Req = Req::INTERACTIVE;
    use crate::sim::SimClock;

    #[tokio::test]
    async fn serves_the_model_as_simulated() {
        let clock = SimClock::frozen(crate::sim::clock::parse_instant("2026-11-26 10:30").unwrap());
        let src = MockSource::new(4, Arc::new(clock));
        let c = StockCode::new("005930").unwrap();
        let q = src.quote(c, R).await.unwrap();
        assert_eq!(q.provenance, Provenance::Simulated);
        assert_eq!(q.value.name.as_deref(), Some("삼성전자"));
        assert!(
            src.order_book(c, R)
                .await
                .unwrap()
                .value
                .best_ask()
                .is_some()
        );
        let bars = src.minute_chart(c, R).await.unwrap().value;
        assert_eq!(bars.len(), 91);
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let d = src.chart(c, Period::Day, from, to, R).await.unwrap().value;
        assert!(d.windows(2).all(|w| w[0].date < w[1].date));
        assert_eq!(d.last().unwrap().date, to);
        let bad = StockCode::new("999999").unwrap();
        assert!(matches!(
            src.quote(bad, R).await,
            Err(SourceError::NotFound(_))
        ));
        let qs = src.quotes(&[c, bad], R).await.unwrap();
        assert_eq!(qs.len(), 1);
        assert!(src.universe(R).await.unwrap().value.len() >= 2_400);
        assert_eq!(src.info(c, R).await.unwrap().value.name, "삼성전자");
        assert_eq!(src.metrics().api_calls, 7, "one per answer given");
    }
}

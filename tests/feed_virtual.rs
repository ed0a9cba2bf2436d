//! The watchlist on a server without multi-quote (the virtual server, one call per stock, 1 a
//! second): the feed sweeps the rows on screen one quote per request, so each row shows as it
//! arrives instead of all of them after the slowest, and the open stock is not asked twice.

use async_trait::async_trait;
use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::feed::{Event, Feed, Interest, Pace};
use hoga::market::{Candle, Env, Listing, OrderBook, Period, Quote, StockCode, StockInfo};
use hoga::source::{DataSource, Req, SourceError, SourceKind, SourceStatus, Sourced};
use hoga::tui::fixtures::{self, StaticSource};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The static market behind a virtual-server face: each `quotes` call is logged with its codes
/// and takes a second, as one-by-one calls at 1 a second would.
struct Virtual {
    inner: StaticSource,
    quotes_calls: Mutex<Vec<Vec<StockCode>>>,
}

#[async_trait]
impl DataSource for Virtual {
    fn kind(&self) -> SourceKind {
        SourceKind::Kis(Env::Virtual)
    }
    async fn quote(&self, code: StockCode, req: Req) -> Result<Sourced<Quote>, SourceError> {
        self.inner.quote(code, req).await
    }
    async fn quotes(
        &self,
        codes: &[StockCode],
        req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError> {
        self.quotes_calls.lock().unwrap().push(codes.to_vec());
        tokio::time::sleep(Duration::from_secs(codes.len() as u64)).await;
        self.inner.quotes(codes, req).await
    }
    async fn order_book(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<OrderBook>, SourceError> {
        self.inner.order_book(code, req).await
    }
    async fn chart(
        &self,
        code: StockCode,
        p: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        self.inner.chart(code, p, from, to, req).await
    }
    async fn minute_chart(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        self.inner.minute_chart(code, req).await
    }
    async fn info(&self, code: StockCode, req: Req) -> Result<Sourced<StockInfo>, SourceError> {
        self.inner.info(code, req).await
    }
    async fn universe(&self, req: Req) -> Result<Sourced<Vec<Listing>>, SourceError> {
        self.inner.universe(req).await
    }
    fn status(&self) -> SourceStatus {
        SourceStatus {
            budget_limit: 1,
            ..SourceStatus::default()
        }
    }
}

#[tokio::test(start_paused = true)]
async fn rows_arrive_one_by_one_and_the_open_stock_is_not_asked_twice() {
    let src = Arc::new(Virtual {
        inner: StaticSource::new(40),
        quotes_calls: Mutex::new(Vec::new()),
    });
    let clock: SharedClock = Arc::new(ManualClock::new(fixtures::now()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let feed = Feed::spawn(src.clone(), clock, tx, Pace::default());
    let rows: Vec<StockCode> = src.inner.universe.iter().take(12).map(|l| l.code).collect();
    feed.set_interest(Interest {
        focused: Some(rows[0]),
        version: 1,
        period: Some(Period::Day.into()),
        book: true,
        info: false,
        watchlist: rows.clone(),
        more: Vec::new(),
        refresh: 0,
        indices: Vec::new(),
        ranking: None,
        alerts: Vec::new(),
    });
    // After 3.5 s (three one-second calls) three rows are on screen: not zero until the
    // whole list is in.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let mut seen: Vec<StockCode> = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Event::Quotes {
            reply: Ok(list), ..
        } = e
        {
            seen.extend(list.iter().map(|q| q.value.code));
        }
    }
    assert_eq!(
        seen,
        rows[1..4].to_vec(),
        "one row per request, in screen order"
    );
    // A whole sweep covers every row but the open stock, each once, one code per call.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let calls = src.quotes_calls.lock().unwrap().clone();
    assert!(calls.iter().all(|c| c.len() == 1), "{calls:?}");
    let swept: Vec<StockCode> = calls.iter().take(11).map(|c| c[0]).collect();
    assert_eq!(swept, rows[1..].to_vec());
    assert!(
        !calls.iter().any(|c| c[0] == rows[0]),
        "the open stock has its own quote request"
    );
}

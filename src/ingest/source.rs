//! What the ingest reads, through the one data path (`source::DataSource`): the universe,
//! today's bars 30 stocks per call, and per-stock daily charts. Every request is
//! [`Req::BATCH`]: last in the rate budget (a monitor on the same key goes first), straight
//! from KIS (never a cached or stale value stored as a bar, and no backfill in the cache).

use crate::market::{Candle, Krw, Listing, Period, Quote, StockCode};
use crate::source::{DataSource, Req, SourceError};
use chrono::NaiveDate;

/// The ingest's requests.
const BATCH: Req = Req::BATCH;

/// One stock's bar for the current day from a quote, with the close it moved from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayBar {
    pub code: StockCode,
    pub candle: Candle,
    pub prev_close: Krw,
    /// The day's (lower, upper) price limits, as the quote published them.
    pub limits: Option<(Krw, Krw)>,
}

impl DayBar {
    /// Today's bar as a quote shows it, with the base and limits it was traded under.
    pub fn from_quote(q: &Quote) -> DayBar {
        DayBar {
            code: q.code,
            candle: q.daily_candle(),
            prev_close: q.prev_close,
            limits: Some((q.lower_limit, q.upper_limit)),
        }
    }
}

/// The listed universe.
pub async fn universe(source: &dyn DataSource) -> Result<Vec<Listing>, SourceError> {
    Ok(source.universe(BATCH).await?.value)
}

/// Today's bars of `codes` (30 per call where the server allows). Unknown codes are left out.
pub async fn day_bars(
    source: &dyn DataSource,
    codes: &[StockCode],
) -> Result<Vec<DayBar>, SourceError> {
    let quotes = source.quotes(codes, BATCH).await?;
    Ok(quotes
        .iter()
        .map(|q| DayBar::from_quote(&q.value))
        .collect())
}

/// Daily bars in `[from, to]`, oldest first, paged past the 100-row cap.
pub async fn daily_chart(
    source: &dyn DataSource,
    code: StockCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Candle>, SourceError> {
    Ok(source
        .chart(code, Period::Day, from, to, BATCH)
        .await?
        .value)
}

/// Raw daily chart rows (what traded, `FID_ORG_ADJ_PRC=1`) in `[from, to]` with their
/// corporate-action fields, oldest first.
pub async fn raw_daily_chart(
    source: &dyn DataSource,
    code: StockCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<crate::market::ChartDay>, SourceError> {
    Ok(source.chart_days(code, from, to, false, BATCH).await?.value)
}

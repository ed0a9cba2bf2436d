//! `--warm-cache`: before the open, fetch the watchlists' quotes into the cache (Redis when
//! configured) so the first TUI screens of the day are served without waiting on KIS. It asks
//! through the monitor's own source, so the entries land under exactly the keys it reads.

use crate::market::{Provenance, StockCode};
use crate::source::{DataSource, Req};

/// Asks KIS for one quote per stock (30 per call where the server allows) at batch priority,
/// which caches them. Returns how many were cached; failures are reported and never fail the
/// ingest.
pub async fn warm(source: &dyn DataSource, codes: &[StockCode]) -> usize {
    if codes.is_empty() {
        eprintln!("ingest warm-cache: no watchlist stocks to warm");
        return 0;
    }
    match source.quotes(codes, Req::BATCH.refresh()).await {
        Ok(quotes) => {
            let n = quotes
                .iter()
                .filter(|q| matches!(q.provenance, Provenance::Live { .. }))
                .count();
            eprintln!(
                "ingest warm-cache: {n} of {} watchlist quotes cached",
                codes.len()
            );
            n
        }
        Err(e) => {
            eprintln!("ingest warm-cache: failed: {e}");
            0
        }
    }
}

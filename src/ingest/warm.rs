//! `--warm-cache`: before the open, fetch the watchlists' quotes into the cache (Redis when
//! configured) so the first TUI screens of the day are served without waiting on KIS.

use crate::cache::{Cache, CacheEntry};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::kis::{KisClient, Priority};
use crate::market::StockCode;
use std::time::Duration;

/// Fills the cache with one quote per watchlist stock (30 per call where the server allows).
/// Failures are reported and never fail the ingest.
pub async fn warm(config: &Config, client: &KisClient, clock: SharedClock) {
    let mut codes: Vec<StockCode> = config
        .watchlist
        .lists
        .iter()
        .flat_map(|l| l.codes.iter())
        .filter_map(|c| StockCode::new(c).ok())
        .collect();
    codes.sort();
    codes.dedup();
    if codes.is_empty() {
        eprintln!("ingest warm-cache: no watchlist stocks to warm");
        return;
    }
    let cache = crate::cache::from_config(config, clock.clone());
    let keys = crate::cache::Keys::new(&config.redis.key_prefix, client.env());
    let ttl = Duration::from_secs(config.cache.price_ttl_secs);
    match client.multi_quote(&codes, Priority::Batch).await {
        Ok(quotes) => {
            let mut n = 0;
            for q in &quotes {
                if let Some(entry) = CacheEntry::encode(clock.now(), q) {
                    cache.set(&keys.price(q.code), &entry, ttl).await;
                    n += 1;
                }
            }
            eprintln!(
                "ingest warm-cache: {n} of {} watchlist quotes cached",
                codes.len()
            );
        }
        Err(e) => eprintln!("ingest warm-cache: failed: {e}"),
    }
}

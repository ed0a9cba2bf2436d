//! `TieredCache`: Redis (shared between processes) in front, `MemoryCache` behind it. Writes go
//! to both, so when Redis dies mid-run the memory copy carries on without the user noticing.

use super::{Cache, CacheEntry, CacheStats, Counters, MemoryCache, RedisCache};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub struct TieredCache {
    redis: Option<Arc<RedisCache>>,
    memory: Arc<MemoryCache>,
    counters: Counters,
}

impl TieredCache {
    pub fn new(redis: Option<Arc<RedisCache>>, memory: Arc<MemoryCache>) -> TieredCache {
        TieredCache {
            redis,
            memory,
            counters: Counters::default(),
        }
    }

    pub fn redis(&self) -> Option<&Arc<RedisCache>> {
        self.redis.as_ref()
    }

    pub fn memory(&self) -> &Arc<MemoryCache> {
        &self.memory
    }
}

#[async_trait]
impl Cache for TieredCache {
    async fn get(&self, key: &str) -> Option<CacheEntry> {
        let from_redis = match &self.redis {
            Some(r) => r.get(key).await,
            None => None,
        };
        let found = match from_redis {
            Some(e) => Some(e),
            // Redis down, or it lost the key (restart): what this process saw is still good.
            None => self.memory.get(key).await,
        };
        self.counters.lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, entry: &CacheEntry, ttl: Duration) {
        self.memory.set(key, entry, ttl).await;
        if let Some(r) = &self.redis {
            r.set(key, entry, ttl).await;
        }
        self.counters.write();
    }

    /// Lookups as the caller saw them; `errors`/`skipped` and `redis_up` from Redis.
    fn stats(&self) -> CacheStats {
        let mut s = self.counters.snapshot(None);
        if let Some(r) = &self.redis {
            let rs = r.stats();
            s.errors = rs.errors;
            s.skipped = rs.skipped;
            s.redis_up = rs.redis_up;
        }
        s
    }
}

//! Cache-aside for KIS data: `Cache` trait, `RedisCache`, `MemoryCache`, and `TieredCache`
//! (Redis first, memory when Redis is down). A failed cache call is a miss, never an error.

mod keys;
mod memory;
mod policy;
mod redis;
mod tiered;

pub use self::keys::Keys;
pub use self::memory::MemoryCache;
pub use self::policy::{CacheKind, CachePolicy, Lifetime, Lifetimes};
pub use self::redis::RedisCache;
pub use self::tiered::TieredCache;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One cached value: the serialized payload and when it was fetched from the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    pub fetched_at: DateTime<Utc>,
    /// JSON of the domain value.
    pub payload: String,
}

impl CacheEntry {
    pub fn new(fetched_at: DateTime<Utc>, payload: String) -> CacheEntry {
        CacheEntry {
            fetched_at,
            payload,
        }
    }

    /// Encodes a value; `None` only if the value cannot be serialized (then it is not cached).
    pub fn encode<T: Serialize>(fetched_at: DateTime<Utc>, value: &T) -> Option<CacheEntry> {
        serde_json::to_string(value)
            .ok()
            .map(|payload| CacheEntry::new(fetched_at, payload))
    }

    /// Decodes the payload; an entry written by an incompatible version is just a miss.
    pub fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.payload).ok()
    }

    /// The wire form stored in Redis: `<fetched_at unix millis>|<payload>`.
    fn to_wire(&self) -> String {
        format!("{}|{}", self.fetched_at.timestamp_millis(), self.payload)
    }

    fn from_wire(raw: &str) -> Option<CacheEntry> {
        let (ms, payload) = raw.split_once('|')?;
        let ms: i64 = ms.parse().ok()?;
        let fetched_at = Utc.timestamp_millis_opt(ms).single()?;
        Some(CacheEntry::new(fetched_at, payload.to_string()))
    }
}

/// Counters of one cache, cheap to read on every frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub writes: u64,
    /// Redis calls that failed or timed out (each was treated as a miss).
    pub errors: u64,
    /// Calls that did not go to Redis because it was in its "down until" backoff.
    pub skipped: u64,
    /// `Some(true)` Redis answering, `Some(false)` down, `None` not configured.
    pub redis_up: Option<bool>,
}

/// Lock-free counters shared by the implementations.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    writes: AtomicU64,
    errors: AtomicU64,
    skipped: AtomicU64,
}

impl Counters {
    pub(crate) fn lookup(&self, hit: bool) {
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
    }
    pub(crate) fn write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn skip(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn snapshot(&self, redis_up: Option<bool>) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            redis_up,
        }
    }
}

/// A key-value cache with per-entry retention. Implementations never fail: a broken backend
/// answers `None` to `get` and drops `set`.
#[async_trait]
pub trait Cache: Send + Sync {
    async fn get(&self, key: &str) -> Option<CacheEntry>;

    /// Stores `entry` for `ttl` (its retention).
    async fn set(&self, key: &str, entry: &CacheEntry, ttl: Duration);

    fn stats(&self) -> CacheStats;
}

/// Where Redis is and how patient to be with it.
#[derive(Clone)]
pub struct RedisSettings {
    /// May carry a password: never shown (see the `Debug` below).
    pub url: String,
    /// Per-command timeout; Redis never holds up a request longer than this.
    pub timeout: Duration,
    /// After a failure, Redis is left alone this long.
    pub retry_after: Duration,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("timeout", &self.timeout)
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

/// The cache's configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub lifetimes: Lifetimes,
    /// Entries kept by the in-memory cache.
    pub memory_capacity: usize,
    /// `None`: the in-memory cache only.
    pub redis: Option<RedisSettings>,
}

/// The cache hoga uses: Redis (when configured) in front of a bounded memory cache.
pub fn tiered(settings: &Settings, clock: crate::clock::SharedClock) -> TieredCache {
    let memory = std::sync::Arc::new(MemoryCache::new(settings.memory_capacity, clock));
    let redis = settings
        .redis
        .as_ref()
        .and_then(|r| match RedisCache::new(r) {
            Ok(r) => Some(std::sync::Arc::new(r)),
            Err(e) => {
                tracing::warn!(error = %e, "redis disabled; using the in-memory cache");
                None
            }
        });
    TieredCache::new(redis, memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_round_trip() {
        let at = Utc.timestamp_millis_opt(1_764_000_000_123).unwrap();
        let e = CacheEntry::new(at, r#"{"a":"x|y"}"#.to_string());
        assert_eq!(CacheEntry::from_wire(&e.to_wire()), Some(e));
        assert_eq!(CacheEntry::from_wire("garbage"), None);
        assert_eq!(CacheEntry::from_wire("12x|{}"), None);
    }
}

//! `MemoryCache`: a bounded in-process map with per-entry retention, the fallback when Redis is
//! down or not configured. Expiry follows the injected clock so tests need no sleeping.

use super::{Cache, CacheEntry, CacheStats, Counters};
use crate::clock::SharedClock;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

struct Slot {
    entry: CacheEntry,
    expires_at: DateTime<Utc>,
}

pub struct MemoryCache {
    map: Mutex<HashMap<String, Slot>>,
    capacity: usize,
    clock: SharedClock,
    counters: Counters,
}

impl MemoryCache {
    /// At most `capacity` entries (at least 1); the ones closest to expiry go first when full.
    pub fn new(capacity: usize, clock: SharedClock) -> MemoryCache {
        MemoryCache {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            clock,
            counters: Counters::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // A panic while holding the lock cannot leave the map inconsistent (single operations).
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes room for one more entry: drop expired entries, then the ones expiring soonest.
    fn make_room(map: &mut HashMap<String, Slot>, capacity: usize, now: DateTime<Utc>) {
        if map.len() < capacity {
            return;
        }
        map.retain(|_, s| s.expires_at > now);
        if map.len() < capacity {
            return;
        }
        // Evict an eighth at once so a full cache does not sort on every insert.
        let evict = (capacity / 8).max(1) + map.len() - capacity;
        let mut by_expiry: Vec<(DateTime<Utc>, String)> =
            map.iter().map(|(k, s)| (s.expires_at, k.clone())).collect();
        by_expiry.sort();
        for (_, k) in by_expiry.into_iter().take(evict) {
            map.remove(&k);
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Option<CacheEntry> {
        let now = self.clock.now();
        let mut map = self.lock();
        let found = match map.get(key) {
            Some(slot) if slot.expires_at > now => Some(slot.entry.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        };
        drop(map);
        self.counters.lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, entry: &CacheEntry, ttl: Duration) {
        let now = self.clock.now();
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let expires_at = now
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let mut map = self.lock();
        if !map.contains_key(key) {
            Self::make_room(&mut map, self.capacity, now);
        }
        map.insert(
            key.to_string(),
            Slot {
                entry: entry.clone(),
                expires_at,
            },
        );
        drop(map);
        self.counters.write();
    }

    fn stats(&self) -> CacheStats {
        self.counters.snapshot(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use std::sync::Arc;

    fn entry(at: DateTime<Utc>, p: &str) -> CacheEntry {
        CacheEntry::new(at, p.to_string())
    }

    #[tokio::test]
    async fn expires_after_ttl_on_the_injected_clock() {
        let clock = ManualClock::new(Utc::now());
        let c = MemoryCache::new(10, Arc::new(clock.clone()));
        let e = entry(clock.now(), "1");
        c.set("k", &e, Duration::from_secs(10)).await;
        assert_eq!(c.get("k").await, Some(e));
        clock.advance(chrono::Duration::seconds(9));
        assert!(c.get("k").await.is_some());
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(c.get("k").await, None);
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.writes), (2, 1, 1));
        assert!(c.is_empty());
    }

    #[tokio::test]
    async fn stays_within_capacity_and_evicts_soonest_expiring() {
        let clock = ManualClock::new(Utc::now());
        let c = MemoryCache::new(16, Arc::new(clock.clone()));
        let now = clock.now();
        c.set("long", &entry(now, "l"), Duration::from_secs(3600))
            .await;
        for i in 0..100 {
            c.set(
                &format!("k{i}"),
                &entry(now, "x"),
                Duration::from_secs(60 + i),
            )
            .await;
            assert!(c.len() <= 16);
        }
        assert!(c.get("long").await.is_some(), "longest-lived entry kept");
        assert!(c.get("k99").await.is_some(), "newest entry kept");
        assert!(
            c.get("k0").await.is_none(),
            "soonest-expiring entry evicted"
        );
    }
}

//! `RedisCache`: the shared cache across hoga processes. Every call has a short timeout; after
//! a failure Redis is left alone until a "down until" instant, so no call ever waits on a dead
//! Redis, and the next call after that builds a fresh connection (reconnecting by itself).

use super::{Cache, CacheEntry, CacheStats, Counters, RedisSettings};
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use async_trait::async_trait;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

const UNKNOWN: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

struct Conn {
    manager: Option<ConnectionManager>,
    down_until: Option<Instant>,
}

pub struct RedisCache {
    client: ::redis::Client,
    timeout: Duration,
    retry_after: Duration,
    conn: Mutex<Conn>,
    health: AtomicU8,
    counters: Counters,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password; never print it.
        f.debug_struct("RedisCache")
            .field("timeout", &self.timeout)
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

/// Why a Redis cache could not be set up (only a malformed URL; a dead server is not an error).
#[derive(Debug, thiserror::Error)]
#[error("invalid redis url: {0}")]
pub struct InvalidRedisUrl(String);

impl RedisCache {
    /// No connection is made here; the first call connects lazily.
    pub fn new(cfg: &RedisSettings) -> Result<RedisCache, InvalidRedisUrl> {
        let client = ::redis::Client::open(cfg.url.as_str())
            // The error text of the redis crate does not echo the URL, so no password leaks.
            .map_err(|e| InvalidRedisUrl(e.to_string()))?;
        Ok(RedisCache {
            client,
            timeout: cfg.timeout.max(Duration::from_millis(1)),
            retry_after: cfg.retry_after,
            conn: Mutex::new(Conn {
                manager: None,
                down_until: None,
            }),
            health: AtomicU8::new(UNKNOWN),
            counters: Counters::default(),
        })
    }

    /// `Some(true)` answering (or not tried yet), `Some(false)` in its down backoff.
    pub fn is_up(&self) -> bool {
        self.health.load(Ordering::Relaxed) != DOWN
    }

    /// A connection to use now, or `None` while Redis is in its down backoff.
    fn connection(&self) -> Option<ConnectionManager> {
        let mut c = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = c.down_until {
            if Instant::now() < until {
                return None;
            }
            c.down_until = None;
        }
        if c.manager.is_none() {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(self.timeout))
                .set_response_timeout(Some(self.timeout))
                .set_number_of_retries(0);
            match ConnectionManager::new_lazy_with_config(self.client.clone(), config) {
                Ok(m) => c.manager = Some(m),
                Err(e) => {
                    tracing::debug!(error = %e, "redis connection manager not created");
                    c.down_until = Some(Instant::now() + self.retry_after);
                    return None;
                }
            }
        }
        c.manager.clone()
    }

    fn failed(&self, what: &str, err: &str) {
        {
            let mut c = self.conn.lock().unwrap_or_else(|e| e.into_inner());
            // Drop the manager: the next attempt after the backoff starts from a clean connection.
            c.manager = None;
            c.down_until = Some(Instant::now() + self.retry_after);
        }
        self.counters.error();
        let retry_in_ms = self.retry_after.as_millis() as u64;
        match self.health.swap(DOWN, Ordering::Relaxed) {
            // Lost mid-run: worth a warning.
            UP => tracing::warn!(
                op = what,
                error = err,
                retry_in_ms,
                "redis unavailable; using the in-memory cache"
            ),
            // Never reached (often simply not installed): the memory cache is the normal case
            // then, and a warning on every lookup command would be noise.
            UNKNOWN => tracing::debug!(
                op = what,
                error = err,
                retry_in_ms,
                "redis not reachable; using the in-memory cache"
            ),
            _ => {}
        }
    }

    fn succeeded(&self) {
        if self.health.swap(UP, Ordering::Relaxed) == DOWN {
            tracing::info!("redis is back; shared cache in use again");
        }
    }

    /// Runs one command with the timeout; `None` on any failure (which starts the backoff).
    async fn run<T: ::redis::FromRedisValue>(&self, what: &str, cmd: ::redis::Cmd) -> Option<T> {
        self.run_with(what, cmd, self.timeout).await
    }

    async fn run_with<T: ::redis::FromRedisValue>(
        &self,
        what: &str,
        cmd: ::redis::Cmd,
        timeout: Duration,
    ) -> Option<T> {
        let Some(mut conn) = self.connection() else {
            self.counters.skip();
            return None;
        };
        match tokio::time::timeout(timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => {
                self.succeeded();
                Some(v)
            }
            Ok(Err(e)) => {
                self.failed(what, &e.to_string());
                None
            }
            Err(_) => {
                self.failed(what, "timed out");
                None
            }
        }
    }

    /// Checks Redis now (ignoring the backoff window only if it has passed).
    pub async fn ping(&self) -> bool {
        self.run::<String>("ping", ::redis::cmd("PING"))
            .await
            .is_some()
    }

    /// Deletes keys (tests and cache invalidation); failures are ignored like every other call.
    pub async fn delete(&self, key: &str) {
        let mut cmd = ::redis::cmd("DEL");
        cmd.arg(key);
        let _ = self.run::<i64>("del", cmd).await;
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<CacheEntry> {
        let mut cmd = ::redis::cmd("GET");
        cmd.arg(key);
        let found = self
            .run::<Option<String>>("get", cmd)
            .await
            .flatten()
            .and_then(|raw| CacheEntry::from_wire(&raw));
        self.counters.lookup(found.is_some());
        found
    }

    async fn set(&self, key: &str, entry: &CacheEntry, ttl: Duration) {
        let mut cmd = ::redis::cmd("SET");
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let wire = entry.to_wire();
        // A long chart is not a sign of a dead Redis: allow 1 ms more per 10 kB.
        let timeout = self.timeout + Duration::from_millis((wire.len() / 10_000) as u64);
        cmd.arg(key).arg(wire).arg("PX").arg(ms);
        if self.run_with::<()>("set", cmd, timeout).await.is_some() {
            self.counters.write();
        }
    }

    fn stats(&self) -> CacheStats {
        self.counters.snapshot(Some(self.is_up()))
    }
}

//! Cross-process coordination through Redis for processes sharing one appkey: a shared
//! request budget (sliding one-second window in a Lua script, on Redis's own clock) and a
//! shared token with an issue lock (SET NX PX) so two processes never both call tokenP.
//! Redis trouble never blocks a request: short timeouts and a "down until" back-off, after
//! which callers fall back to local behaviour (the configured `rate_share`).

use redis::aio::ConnectionManager;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

const BUDGET_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #last > 0 then
    local gap = now - tonumber(last[2])
    local interval = math.floor(1000000 / limit)
    if gap < interval then return interval - gap end
  end
  redis.call('ZADD', KEYS[1], now, tostring(now) .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], 5000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
"#;

const UNLOCK_LUA: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// Redis-backed coordination for one appkey and environment.
pub struct RedisCoord {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    /// `{prefix}:{env}:{appkey hash}`.
    base: String,
    timeout: Duration,
    retry_after: Duration,
    down_until: Mutex<Option<Instant>>,
    budget: redis::Script,
    unlock: redis::Script,
    id: String,
}

impl std::fmt::Debug for RedisCoord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCoord")
            .field("base", &self.base)
            .finish()
    }
}

/// Redis could not be used this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable;

impl RedisCoord {
    /// `key_base` already separates environments and appkeys. Nothing connects until used.
    pub fn new(
        url: &str,
        key_base: String,
        timeout: Duration,
        retry_after: Duration,
    ) -> Result<RedisCoord, String> {
        let client = redis::Client::open(url).map_err(|e| format!("bad Redis URL: {e}"))?;
        Ok(RedisCoord {
            client,
            conn: OnceCell::new(),
            base: key_base,
            timeout,
            retry_after,
            down_until: Mutex::new(None),
            budget: redis::Script::new(BUDGET_LUA),
            unlock: redis::Script::new(UNLOCK_LUA),
            id: format!("{}-{}", std::process::id(), fastrand::u64(..)),
        })
    }

    pub fn key(&self, suffix: &str) -> String {
        format!("{}:{}", self.base, suffix)
    }

    /// Is Redis believed up (not inside a back-off)?
    pub fn is_up(&self) -> bool {
        match *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(t) => Instant::now() >= t,
            None => true,
        }
    }

    fn mark_down(&self, why: &str) {
        let mut g = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none_or(|t| Instant::now() >= t) {
            tracing::warn!(
                error = why,
                "Redis unavailable for KIS coordination; using local limits"
            );
        }
        *g = Some(Instant::now() + self.retry_after);
    }

    fn mark_up(&self) {
        let mut g = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        if g.take().is_some() {
            tracing::info!("Redis back: KIS budget and token shared again");
        }
    }

    async fn conn(&self) -> Result<ConnectionManager, Unavailable> {
        if !self.is_up() {
            return Err(Unavailable);
        }
        let cfg = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        let fut = self.conn.get_or_try_init(|| async {
            ConnectionManager::new_with_config(self.client.clone(), cfg).await
        });
        match tokio::time::timeout(self.timeout * 2, fut).await {
            Ok(Ok(c)) => Ok(c.clone()),
            Ok(Err(e)) => {
                self.mark_down(&e.to_string());
                Err(Unavailable)
            }
            Err(_) => {
                self.mark_down("connect timeout");
                Err(Unavailable)
            }
        }
    }

    async fn run<T>(
        &self,
        f: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Unavailable> {
        match tokio::time::timeout(self.timeout * 2, f).await {
            Ok(Ok(v)) => {
                self.mark_up();
                Ok(v)
            }
            Ok(Err(e)) => {
                self.mark_down(&e.to_string());
                Err(Unavailable)
            }
            Err(_) => {
                self.mark_down("command timeout");
                Err(Unavailable)
            }
        }
    }

    /// Takes one slot of the shared per-second budget, waiting as Redis says. `Err` when Redis
    /// is unavailable (the caller then relies on its local share).
    pub async fn acquire_budget(&self, per_sec: u32, margin: Duration) -> Result<(), Unavailable> {
        let key = self.key("budget");
        let window_us = 1_000_000u64 + margin.as_micros() as u64;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut c = self.conn().await?;
            let mut inv = self.budget.key(&key);
            inv.arg(per_sec.max(1)).arg(window_us).arg(&self.id);
            let wait_us: i64 = self.run(inv.invoke_async(&mut c)).await?;
            if wait_us <= 0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Unavailable);
            }
            tokio::time::sleep(Duration::from_micros(wait_us as u64)).await;
        }
    }

    pub async fn get(&self, suffix: &str) -> Result<Option<String>, Unavailable> {
        let mut c = self.conn().await?;
        let key = self.key(suffix);
        self.run(async move { redis::cmd("GET").arg(&key).query_async(&mut c).await })
            .await
    }

    pub async fn set_px(
        &self,
        suffix: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), Unavailable> {
        let mut c = self.conn().await?;
        let key = self.key(suffix);
        let ms = ttl.as_millis().max(1) as u64;
        self.run(async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    pub async fn del(&self, suffix: &str) -> Result<(), Unavailable> {
        let mut c = self.conn().await?;
        let key = self.key(suffix);
        self.run(async move { redis::cmd("DEL").arg(&key).query_async::<()>(&mut c).await })
            .await
    }

    /// SET NX PX: true when this process now holds the lock.
    pub async fn try_lock(&self, suffix: &str, ttl: Duration) -> Result<bool, Unavailable> {
        let mut c = self.conn().await?;
        let key = self.key(suffix);
        let id = self.id.clone();
        let ms = ttl.as_millis().max(1) as u64;
        let r: Option<String> = self
            .run(async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(&id)
                    .arg("NX")
                    .arg("PX")
                    .arg(ms)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(r.is_some())
    }

    /// Releases a lock only if this process holds it.
    pub async fn unlock(&self, suffix: &str) -> Result<(), Unavailable> {
        let mut c = self.conn().await?;
        let mut inv = self.unlock.key(self.key(suffix));
        inv.arg(&self.id);
        let _: i64 = self.run(inv.invoke_async(&mut c)).await?;
        Ok(())
    }

    /// Milliseconds left on a key (negative when absent).
    pub async fn pttl(&self, suffix: &str) -> Result<i64, Unavailable> {
        let mut c = self.conn().await?;
        let key = self.key(suffix);
        self.run(async move { redis::cmd("PTTL").arg(&key).query_async(&mut c).await })
            .await
    }
}

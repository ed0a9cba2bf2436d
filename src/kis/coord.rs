//! Cross-process coordination through Redis for processes sharing one appkey: a shared
//! request budget (sliding one-second window in a Lua script, on Redis's own clock) and a
//! shared token with an issue lock (SET NX PX) so two processes never both call tokenP.
//! Redis trouble never blocks a request: short timeouts and a "down until" back-off, after
//! which callers fall back to local behaviour (the configured `rate_share`, split among the
//! processes last seen on the key). The token calls are rare and a wrong "Redis is down"
//! there costs a refused second tokenP, so they get a longer timeout of their own.

use redis::aio::ConnectionManager;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// The shared budget, on Redis's clock (µs). KIS counts requests when they *arrive*, so the
/// window rule is kept on an upper bound of each request's arrival: when admitted it is
/// `now + transit`; when its answer is in (see [`DONE_LUA`]) it drops to that instant, which
/// the request cannot have reached KIS after. No `limit + 1` requests can then arrive within
/// one window, however late a request leaves after its grant.
///
/// Pacing is by reservation (GCRA): each caller is handed its own slot `interval` after the
/// previous one, so processes sharing a key interleave instead of racing for the same slot.
///
/// KEYS: arrival bounds (zset), next slot (string), peers (zset).
/// ARGV: limit, window, member, transit, mode ('reserve' | 'admit'), process id.
/// Returns `{wait, peers}`: `wait` 0 = admitted; > 0 = sleep that long, then 'admit';
/// < 0 = the window is full: sleep `-wait`, then 'admit'.
const BUDGET_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local transit = tonumber(ARGV[4])
redis.call('ZADD', KEYS[3], now, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 10000000)
redis.call('PEXPIRE', KEYS[3], 20000)
local peers = redis.call('ZCARD', KEYS[3])
if ARGV[5] == 'reserve' then
  local interval = math.floor(window / limit)
  local slot = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
  -- A number argument, not tostring(): Lua prints 16-digit numbers as 1.7641700001e+15.
  redis.call('SET', KEYS[2], slot + interval, 'PX', 5000)
  if slot > now then return {slot - now, peers} end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local s = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  return {-(tonumber(s[2]) + window - now + 1), peers}
end
redis.call('ZADD', KEYS[1], now + transit, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 10000)
return {0, peers}
"#;

/// The answer to an admitted request is in: its arrival bound drops to now.
const DONE_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) > now then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 0
"#;

/// How late after its grant a request is assumed to reach KIS at the latest, until its answer
/// tells better.
const TRANSIT: Duration = Duration::from_secs(1);

const UNLOCK_LUA: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// Redis-backed coordination for one appkey and environment.
pub struct RedisCoord {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    /// For the token lock and shared token: rare calls where a wrong "Redis is down" costs a
    /// refused second tokenP, so they may wait longer than the budget's per-request calls.
    patient_conn: OnceCell<ConnectionManager>,
    /// `{prefix}:{env}:{appkey hash}`.
    base: String,
    timeout: Duration,
    retry_after: Duration,
    down_until: Mutex<Option<Instant>>,
    budget: redis::Script,
    done: redis::Script,
    unlock: redis::Script,
    id: String,
    seq: AtomicU64,
    /// Processes seen using the budget in the last 10 s (this one included).
    peers: AtomicU32,
    /// Redis has answered at least once: only then is losing it worth a warning.
    ever_up: AtomicBool,
}

/// One request admitted by the shared budget. Dropping it (when the answer is in) tells
/// Redis the request has certainly arrived, which frees its place in the window sooner.
#[derive(Debug)]
pub struct BudgetSlot {
    coord: Arc<RedisCoord>,
    member: String,
}

impl Drop for BudgetSlot {
    fn drop(&mut self) {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let coord = self.coord.clone();
            let member = std::mem::take(&mut self.member);
            rt.spawn(async move { coord.finish(&member).await });
        }
    }
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
            patient_conn: OnceCell::new(),
            base: key_base,
            timeout,
            retry_after,
            down_until: Mutex::new(None),
            budget: redis::Script::new(BUDGET_LUA),
            done: redis::Script::new(DONE_LUA),
            unlock: redis::Script::new(UNLOCK_LUA),
            id: format!("{}-{}", std::process::id(), fastrand::u64(..)),
            seq: AtomicU64::new(0),
            peers: AtomicU32::new(1),
            ever_up: AtomicBool::new(false),
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
            if self.ever_up.load(Ordering::Relaxed) {
                tracing::warn!(
                    error = why,
                    "Redis unavailable for KIS coordination; using local limits"
                );
            } else {
                // Never reached: an optional service that is not running, not an incident.
                tracing::info!(
                    error = why,
                    "Redis not reachable for KIS coordination; using local limits"
                );
            }
        }
        *g = Some(Instant::now() + self.retry_after);
    }

    fn mark_up(&self) {
        self.ever_up.store(true, Ordering::Relaxed);
        let mut g = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        if g.take().is_some() {
            tracing::info!("Redis back: KIS budget and token shared again");
        }
    }

    async fn conn(&self) -> Result<ConnectionManager, Unavailable> {
        self.connect(&self.conn, self.timeout).await
    }

    fn patience(&self) -> Duration {
        (self.timeout * 10).max(Duration::from_secs(1))
    }

    async fn patient(&self) -> Result<ConnectionManager, Unavailable> {
        self.connect(&self.patient_conn, self.patience()).await
    }

    async fn connect(
        &self,
        cell: &OnceCell<ConnectionManager>,
        timeout: Duration,
    ) -> Result<ConnectionManager, Unavailable> {
        if !self.is_up() {
            return Err(Unavailable);
        }
        let cfg = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let fut = cell.get_or_try_init(|| async {
            ConnectionManager::new_with_config(self.client.clone(), cfg).await
        });
        match tokio::time::timeout(timeout * 2, fut).await {
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
        self.run_within(self.timeout * 2, f).await
    }

    async fn run_within<T>(
        &self,
        limit: Duration,
        f: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Unavailable> {
        match tokio::time::timeout(limit, f).await {
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

    /// Processes seen sharing this key's budget in the last 10 s, this one included (1 until
    /// Redis has answered). When Redis goes away the budget is split this many ways.
    pub fn peers(&self) -> u32 {
        self.peers.load(Ordering::Relaxed).max(1)
    }

    /// Takes one slot of the key-wide per-second budget, waiting for it. Keep the slot until
    /// the answer is in. `Err` when Redis is unavailable (the caller then relies on its local
    /// share).
    pub async fn acquire_budget(
        self: &Arc<Self>,
        per_sec: u32,
        margin: Duration,
    ) -> Result<BudgetSlot, Unavailable> {
        let keys = [
            self.key("budget"),
            self.key("budget-next"),
            self.key("peers"),
        ];
        let window_us = 1_000_000u64 + margin.as_micros() as u64;
        let member = format!("{}:{}", self.id, self.seq.fetch_add(1, Ordering::Relaxed));
        // No deadline while Redis answers: a long wait is other processes' share of the key
        // in use, and giving up would send a request the shared window never counted (the
        // EGW00201 this budget exists to prevent). Every turn is a Redis call, so Redis going
        // away still ends the wait with `Unavailable`.
        let mut mode = "reserve";
        loop {
            let mut c = self.conn().await?;
            let mut inv = self.budget.prepare_invoke();
            for k in &keys {
                inv.key(k);
            }
            inv.arg(per_sec.max(1))
                .arg(window_us)
                .arg(&member)
                .arg(TRANSIT.as_micros() as u64)
                .arg(mode)
                .arg(&self.id);
            let (wait_us, peers): (i64, u32) = self.run(inv.invoke_async(&mut c)).await?;
            self.peers.store(peers.max(1), Ordering::Relaxed);
            if wait_us == 0 {
                return Ok(BudgetSlot {
                    coord: self.clone(),
                    member,
                });
            }
            mode = "admit";
            tokio::time::sleep(Duration::from_micros(wait_us.unsigned_abs())).await;
        }
    }

    /// The answer to an admitted request is in.
    async fn finish(&self, member: &str) {
        let Ok(mut c) = self.conn().await else {
            return;
        };
        let mut inv = self.done.key(self.key("budget"));
        inv.arg(member);
        let _: Result<i64, _> = self.run(inv.invoke_async(&mut c)).await;
    }

    /// One command on the patient connection (the token calls).
    async fn patient_query<T: redis::FromRedisValue>(
        &self,
        cmd: redis::Cmd,
    ) -> Result<T, Unavailable> {
        let mut c = self.patient().await?;
        self.run_within(
            self.patience(),
            async move { cmd.query_async(&mut c).await },
        )
        .await
    }

    pub async fn get(&self, suffix: &str) -> Result<Option<String>, Unavailable> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(suffix));
        self.patient_query(cmd).await
    }

    pub async fn set_px(
        &self,
        suffix: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), Unavailable> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(suffix))
            .arg(value)
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        self.patient_query(cmd).await
    }

    pub async fn del(&self, suffix: &str) -> Result<(), Unavailable> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(suffix));
        self.patient_query(cmd).await
    }

    /// SET NX PX: true when this process now holds the lock.
    pub async fn try_lock(&self, suffix: &str, ttl: Duration) -> Result<bool, Unavailable> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(suffix))
            .arg(&self.id)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        let r: Option<String> = self.patient_query(cmd).await?;
        Ok(r.is_some())
    }

    /// Releases a lock only if this process holds it.
    pub async fn unlock(&self, suffix: &str) -> Result<(), Unavailable> {
        let mut c = self.patient().await?;
        let mut inv = self.unlock.key(self.key(suffix));
        inv.arg(&self.id);
        let _: i64 = self
            .run_within(self.patience(), inv.invoke_async(&mut c))
            .await?;
        Ok(())
    }

    /// Milliseconds left on a key (negative when absent).
    pub async fn pttl(&self, suffix: &str) -> Result<i64, Unavailable> {
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(self.key(suffix));
        self.patient_query(cmd).await
    }
}

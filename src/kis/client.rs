//! `KisClient`: the public face of `kis`. Cheap to clone (one `Arc`). Every call goes through
//! de-duplication → breaker → limiter (+ shared Redis budget) → token → HTTP → wire parse,
//! with bounded, jittered retries of safe transient failures.

use super::breaker::{Admit, Breaker, BreakerState};
use super::coord::RedisCoord;
use super::error::KisError;
use super::limiter::{LimiterConfig, Priority, RateLimiter};
use super::metrics::{Metrics, MetricsSnapshot};
use super::token::{TokenManager, TokenSettings, sha256_hex};
use super::wire::{self, Body, request::Endpoint};
use super::{http, master};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::market::{
    Candle, Env, Listing, Market, OrderBook, Period, Quote, StockCode, StockInfo, kst_date,
    kst_to_utc,
};
use crate::paths::Paths;
use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, NaiveTime, Timelike, Utc};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Runtime wiring that is not in the config file.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub clock: SharedClock,
    /// Token file lives here.
    pub state_dir: PathBuf,
    /// Master-file copies live here.
    pub data_dir: PathBuf,
    /// Redis for the shared budget and token; `None` keeps everything in-process.
    pub redis_url: Option<String>,
    /// Prefix of Redis keys (environment and appkey hash are appended).
    pub redis_prefix: String,
    pub redis_timeout: Duration,
    pub redis_retry_after: Duration,
    /// Minimum time between two tokenP requests (KIS: one per minute).
    pub token_min_interval: Duration,
    /// How long a caller may wait for a token before failing.
    pub token_max_wait: Duration,
    /// Extra spacing on the one-second window, against jitter.
    pub limiter_margin: Duration,
    /// Background/Batch requests allowed to queue before callers wait for room.
    pub queue_capacity: usize,
    /// First retry delay (doubles each attempt, with jitter).
    pub retry_base: Duration,
}

impl ClientOptions {
    /// Directories from `paths`, system clock, no Redis.
    pub fn new(paths: &Paths) -> ClientOptions {
        ClientOptions::in_dirs(paths.state_dir.clone(), paths.data_dir.clone())
    }

    pub fn in_dirs(state_dir: PathBuf, data_dir: PathBuf) -> ClientOptions {
        ClientOptions {
            clock: Arc::new(SystemClock),
            state_dir,
            data_dir,
            redis_url: None,
            redis_prefix: "hoga".to_string(),
            redis_timeout: Duration::from_millis(100),
            redis_retry_after: Duration::from_secs(5),
            token_min_interval: Duration::from_secs(61),
            token_max_wait: Duration::from_secs(150),
            limiter_margin: Duration::from_millis(10),
            queue_capacity: 4096,
            retry_base: Duration::from_millis(100),
        }
    }

    /// Like `new`, with Redis taken from `[redis]` when enabled.
    pub fn from_config(cfg: &Config, paths: &Paths) -> ClientOptions {
        let mut o = ClientOptions::new(paths);
        if cfg.redis.enabled {
            o.redis_url = Some(cfg.redis.url.clone());
            o.redis_prefix = cfg.redis.key_prefix.clone();
            o.redis_timeout = Duration::from_millis(cfg.redis.timeout_ms.max(1));
            o.redis_retry_after = Duration::from_millis(cfg.redis.retry_after_ms);
        }
        o
    }
}

type InFlight = Shared<BoxFuture<'static, Result<Arc<Body>, KisError>>>;

struct Inner {
    env: Env,
    base_url: String,
    master_url: String,
    custtype: String,
    appkey: Option<SecretString>,
    appsecret: Option<SecretString>,
    max_retries: u32,
    retry_budget: Duration,
    retry_base: Duration,
    http: reqwest::Client,
    /// Master files are large and not latency-sensitive: their own, patient client.
    master_http: reqwest::Client,
    token: Option<TokenManager>,
    limiter: RateLimiter,
    per_sec: u32,
    local_share: u32,
    limiter_margin: Duration,
    breaker: Breaker,
    metrics: Arc<Metrics>,
    coord: Option<Arc<RedisCoord>>,
    /// Where this key's last second of requests is handed to the next process.
    recent_file: Option<PathBuf>,
    inflight: Mutex<HashMap<String, InFlight>>,
    clock: SharedClock,
    data_dir: PathBuf,
    multi_unsupported: AtomicBool,
    universe: tokio::sync::Mutex<Option<(Instant, Arc<Vec<Listing>>)>>,
    /// chk-holiday answers cover the asked day and the following ones; KIS asks for about one
    /// call a day, so every day learned is kept.
    days: Mutex<HashMap<NaiveDate, wire::info::DayStatus>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(p) = &self.recent_file {
            super::recent::save(p, &self.limiter.recent());
        }
    }
}

/// Permission to send one request, locally and (with Redis) key-wide. Dropped when the answer
/// is in.
struct SendSlot {
    _local: super::limiter::Permit,
    _shared: Option<super::coord::BudgetSlot>,
}

/// The KIS client. Clone freely.
#[derive(Clone)]
pub struct KisClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for KisClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KisClient")
            .field("env", &self.inner.env)
            .field("base_url", &self.inner.base_url)
            .finish_non_exhaustive()
    }
}

fn jitter(d: Duration) -> Duration {
    // Between half and the whole delay.
    let ms = d.as_millis() as u64;
    Duration::from_millis(ms / 2 + fastrand::u64(0..=ms / 2))
}

impl KisClient {
    /// Builds the client. Nothing is sent until the first call. Without credentials the client
    /// still builds; every call then fails with `KisError::NoCredentials` (master files and
    /// other unauthenticated downloads still work).
    pub fn new(cfg: &Config, opts: ClientOptions) -> Result<KisClient, KisError> {
        let k = &cfg.kis;
        let env = if k.virtual_server {
            Env::Virtual
        } else {
            Env::Real
        };
        let base_url = k.effective_base_url();
        let http = http::build(
            Duration::from_millis(k.connect_timeout_ms.max(1)),
            Duration::from_millis(k.request_timeout_ms.max(1)),
        )?;
        let master_http = http::build(
            Duration::from_millis(k.connect_timeout_ms.max(1)),
            Duration::from_secs(120),
        )?;
        let metrics = Arc::new(Metrics::default());
        let (appkey, appsecret) = if k.has_credentials() {
            (k.app_key.clone(), k.app_secret.clone())
        } else {
            (None, None)
        };
        // Per app key and server: two kis-sims with the same test key must not share tokens
        // or budgets.
        let key_id = appkey.as_ref().map(|key| {
            (
                sha256_hex(key.expose_secret())[..16].to_string(),
                sha256_hex(&base_url)[..8].to_string(),
            )
        });
        let coord = match (&opts.redis_url, &key_id) {
            (Some(url), Some((key, server))) => {
                let base = format!("{}:kis:{}:{key}:{server}", opts.redis_prefix, env.label(),);
                match RedisCoord::new(url, base, opts.redis_timeout, opts.redis_retry_after) {
                    Ok(c) => Some(Arc::new(c)),
                    Err(e) => {
                        tracing::warn!(error = %e, "Redis not used for KIS coordination");
                        None
                    }
                }
            }
            _ => None,
        };
        let token = match (&appkey, &appsecret) {
            (Some(key), Some(secret)) => Some(TokenManager::new(
                TokenSettings {
                    base_url: base_url.clone(),
                    env,
                    appkey: key.clone(),
                    appsecret: secret.clone(),
                    state_dir: opts.state_dir.clone(),
                    refresh_margin: ChronoDuration::seconds(k.token_refresh_margin_secs as i64),
                    min_interval: ChronoDuration::from_std(opts.token_min_interval)
                        .unwrap_or(ChronoDuration::seconds(61)),
                    max_wait: opts.token_max_wait,
                },
                http.clone(),
                opts.clock.clone(),
                coord.clone(),
                metrics.clone(),
            )),
            _ => None,
        };
        let per_sec = k.effective_rate().max(1);
        let share = if k.rate_share > 0.0 && k.rate_share <= 1.0 {
            k.rate_share
        } else {
            1.0
        };
        let local_share = ((per_sec as f64 * share).floor() as u32).max(1);
        // With Redis the shared script enforces the key-wide budget; locally we only need the
        // full rate. Until Redis has answered, assume it is not there.
        let start_rate = local_share;
        let mut lc = LimiterConfig::new(start_rate);
        lc.margin = opts.limiter_margin;
        lc.queue_capacity = opts.queue_capacity;
        let recent_file = key_id.as_ref().map(|(key, url)| {
            super::recent::path(&opts.state_dir, env.label(), &format!("{key}-{url}"))
        });
        let history = recent_file
            .as_deref()
            .map(super::recent::load)
            .unwrap_or_default();
        let limiter = RateLimiter::with_history(lc, &history);
        let breaker = Breaker::new(
            opts.clock.clone(),
            cfg.breaker.failure_threshold,
            ChronoDuration::seconds(cfg.breaker.open_secs as i64),
        );
        Ok(KisClient {
            inner: Arc::new(Inner {
                env,
                base_url,
                master_url: k.master_url.clone(),
                custtype: k.custtype.clone(),
                appkey,
                appsecret,
                max_retries: k.max_retries,
                retry_budget: Duration::from_millis(k.retry_budget_ms),
                retry_base: opts.retry_base,
                http,
                master_http,
                token,
                limiter,
                per_sec,
                local_share,
                limiter_margin: opts.limiter_margin,
                breaker,
                metrics,
                coord,
                recent_file,
                inflight: Mutex::new(HashMap::new()),
                clock: opts.clock,
                data_dir: opts.data_dir,
                multi_unsupported: AtomicBool::new(false),
                universe: tokio::sync::Mutex::new(None),
                days: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn env(&self) -> Env {
        self.inner.env
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub fn has_credentials(&self) -> bool {
        self.inner.token.is_some()
    }

    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner
            .metrics
            .snapshot(self.inner.breaker.transitions())
    }

    /// Hook for the cache layer: count one cache lookup.
    pub fn record_cache(&self, hit: bool) {
        self.inner.metrics.record_cache(hit);
    }

    pub fn breaker(&self) -> BreakerState {
        self.inner.breaker.state()
    }

    /// Breaker changes, for the status bar.
    pub fn breaker_watch(&self) -> watch::Receiver<BreakerState> {
        self.inner.breaker.subscribe()
    }

    /// Requests sent in the last second and the current per-second limit of this process.
    pub fn limiter_usage(&self) -> (u32, u32) {
        self.inner.limiter.usage()
    }

    pub fn token_expiry(&self) -> Option<DateTime<Utc>> {
        self.inner.token.as_ref().and_then(|t| t.expiry())
    }

    /// Processes seen sharing this key's budget through Redis in the last 10 s (this one
    /// included); `None` when Redis is not configured or not answering.
    pub fn budget_peers(&self) -> Option<u32> {
        self.inner
            .coord
            .as_ref()
            .filter(|c| c.is_up())
            .map(|c| c.peers())
    }

    /// Redis coordination state: `None` not configured, else whether it is up.
    pub fn redis_up(&self) -> Option<bool> {
        self.inner.coord.as_ref().map(|c| c.is_up())
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    // ---------------------------------------------------------------- core call path

    /// GETs one endpoint, sharing an identical in-flight request when there is one.
    pub(crate) async fn get(
        &self,
        ep: Endpoint,
        query: wire::request::Query,
        prio: Priority,
    ) -> Result<Arc<Body>, KisError> {
        let mut key = String::with_capacity(64);
        key.push_str(ep.tr_id);
        for (k, v) in &query {
            key.push('&');
            key.push_str(k);
            key.push('=');
            key.push_str(v);
        }
        let (fut, shared) = {
            let mut g = self
                .inner
                .inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match g.get(&key) {
                Some(f) => (f.clone(), true),
                None => {
                    let me = self.clone();
                    let f = async move { me.call(ep, query, prio).await.map(Arc::new) }
                        .boxed()
                        .shared();
                    g.insert(key.clone(), f.clone());
                    (f, false)
                }
            }
        };
        if shared {
            Metrics::inc(&self.inner.metrics.dedup_shared);
        }
        let r = fut.clone().await;
        let mut g = self
            .inner
            .inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if g.get(&key).is_some_and(|f| f.ptr_eq(&fut)) {
            g.remove(&key);
        }
        r
    }

    /// Waits for a send slot: local pacing, then the key-wide budget in Redis when reachable.
    /// Keep the slot until the answer is in.
    async fn pace(&self, prio: Priority) -> Result<SendSlot, KisError> {
        let i = &self.inner;
        let permit = i
            .limiter
            .acquire(prio)
            .await
            .map_err(|_| KisError::Io("the KIS client is shutting down".to_string()))?;
        let mut shared = None;
        if let Some(c) = &i.coord {
            match c.acquire_budget(i.per_sec, i.limiter_margin).await {
                // Redis keeps the key-wide budget: this process may use all of it.
                Ok(slot) => {
                    i.limiter.set_per_sec(i.per_sec);
                    shared = Some(slot);
                }
                // Redis is gone: the configured share, split among the processes last seen
                // on the key, so that together they still stay under the limit.
                Err(_) => i.limiter.set_per_sec((i.local_share / c.peers()).max(1)),
            }
        }
        Ok(SendSlot {
            _local: permit,
            _shared: shared,
        })
    }

    async fn call(
        &self,
        ep: Endpoint,
        query: wire::request::Query,
        prio: Priority,
    ) -> Result<Body, KisError> {
        let i = &self.inner;
        let Some(tm) = &i.token else {
            return Err(KisError::NoCredentials);
        };
        let started = Instant::now();
        let mut attempt: u32 = 0;
        let mut replayed = false;
        let result = loop {
            let admit = i.breaker.admit();
            if let Admit::No { until } = admit {
                break Err(KisError::BreakerOpen { until });
            }
            // The token first: a tokenP wait must not happen while holding a send slot.
            let token = match tm.get().await {
                Ok(t) => t,
                Err(e) => {
                    i.breaker.on_neutral();
                    break Err(e);
                }
            };
            let slot = match self.pace(prio).await {
                Ok(p) => p,
                Err(e) => {
                    i.breaker.on_neutral();
                    break Err(e);
                }
            };
            let sent = Instant::now();
            let res = self.send(ep, &query, &token.value).await;
            // The answer is in: the request has certainly arrived.
            drop(slot);
            i.metrics.record_latency(ep.name, sent.elapsed());
            Metrics::inc(&i.metrics.requests);
            let e = match res {
                Ok(body) => {
                    i.breaker.on_success();
                    break Ok(body);
                }
                Err(e) => e,
            };
            if e.is_token_rejected() && !replayed {
                // Expired or revoked mid-flight: refresh once and replay.
                i.breaker.on_neutral();
                replayed = true;
                Metrics::inc(&i.metrics.token_replays);
                tracing::info!(
                    endpoint = ep.name,
                    code = e.msg_cd(),
                    "token refused; refreshing and replaying"
                );
                tm.invalidate(&token).await;
                continue;
            }
            if e.is_rate_limited() {
                Metrics::inc(&i.metrics.rate_limited);
                i.limiter.on_rate_limited();
                i.breaker.on_neutral();
            } else if e.counts_against_breaker() {
                i.breaker.on_failure();
            } else {
                i.breaker.on_neutral();
            }
            if !e.is_retryable() {
                break Err(e);
            }
            if attempt >= i.max_retries {
                break Err(if attempt == 0 {
                    e
                } else {
                    KisError::Exhausted {
                        attempts: attempt + 1,
                        last: Box::new(e),
                    }
                });
            }
            let base = if e.is_rate_limited() {
                i.retry_base.max(Duration::from_millis(200))
            } else {
                i.retry_base
            };
            let delay = jitter(
                base.saturating_mul(1u32 << attempt.min(10))
                    .min(Duration::from_secs(5)),
            );
            if started.elapsed() + delay > i.retry_budget {
                break Err(KisError::Exhausted {
                    attempts: attempt + 1,
                    last: Box::new(e),
                });
            }
            tracing::debug!(endpoint = ep.name, attempt, error = %e, ?delay, "retrying");
            Metrics::inc(&i.metrics.retries);
            tokio::time::sleep(delay).await;
            attempt += 1;
        };
        if result.is_err() {
            Metrics::inc(&i.metrics.failures);
        }
        result
    }

    async fn send(
        &self,
        ep: Endpoint,
        query: &wire::request::Query,
        token: &str,
    ) -> Result<Body, KisError> {
        let i = &self.inner;
        let (Some(key), Some(secret)) = (&i.appkey, &i.appsecret) else {
            return Err(KisError::NoCredentials);
        };
        let url = format!("{}{}", i.base_url, ep.path);
        let resp = i
            .http
            .get(&url)
            .query(query)
            .header("content-type", "application/json; charset=utf-8")
            .header("authorization", format!("Bearer {token}"))
            .header("appkey", key.expose_secret())
            .header("appsecret", secret.expose_secret())
            .header("tr_id", ep.tr_id)
            .header("tr_cont", "")
            .header("custtype", &i.custtype)
            .send()
            .await
            .map_err(|e| http::network_error(ep.name, &e))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| http::network_error(ep.name, &e))?;
        wire::parse_body(ep.name, status, &bytes)
    }

    // ---------------------------------------------------------------- endpoints

    /// Current price of one stock (inquire-price). No name: KIS does not send one here.
    pub async fn quote(&self, code: StockCode, prio: Priority) -> Result<Quote, KisError> {
        let body = self
            .get(wire::request::PRICE, wire::request::price(code), prio)
            .await?;
        wire::quote::price(&body, code, self.now())
    }

    /// Quotes of many stocks: 30 per intstock-multprice call; on the virtual server (which
    /// does not serve it) one inquire-price per code. Unknown codes are left out; results
    /// follow the order asked.
    pub async fn multi_quote(
        &self,
        codes: &[StockCode],
        prio: Priority,
    ) -> Result<Vec<Quote>, KisError> {
        let mut uniq: Vec<StockCode> = Vec::with_capacity(codes.len());
        for c in codes {
            if !uniq.contains(c) {
                uniq.push(*c);
            }
        }
        if uniq.is_empty() {
            return Ok(Vec::new());
        }
        if self.inner.env == Env::Virtual || self.inner.multi_unsupported.load(Ordering::Relaxed) {
            return self.quotes_one_by_one(&uniq, prio).await;
        }
        let chunks: Vec<&[StockCode]> = uniq.chunks(wire::request::MULTI_PRICE_MAX).collect();
        let calls = chunks.iter().map(|chunk| async move {
            let body = self
                .get(
                    wire::request::MULTI_PRICE,
                    wire::request::multi_price(chunk),
                    prio,
                )
                .await?;
            wire::quote::multi_price(&body, chunk, self.now())
        });
        let mut out = Vec::with_capacity(uniq.len());
        for r in futures::future::join_all(calls).await {
            match r {
                Ok(q) => out.extend(q),
                Err(e) if e.is_unsupported() => {
                    tracing::info!("intstock-multprice not served here; quoting one by one");
                    self.inner.multi_unsupported.store(true, Ordering::Relaxed);
                    return self.quotes_one_by_one(&uniq, prio).await;
                }
                Err(e) => return Err(e),
            }
        }
        out.sort_by_key(|q| uniq.iter().position(|c| *c == q.code));
        Ok(out)
    }

    async fn quotes_one_by_one(
        &self,
        codes: &[StockCode],
        prio: Priority,
    ) -> Result<Vec<Quote>, KisError> {
        let calls = codes.iter().map(|c| self.quote(*c, prio));
        let mut out = Vec::with_capacity(codes.len());
        for r in futures::future::join_all(calls).await {
            match r {
                Ok(q) => out.push(q),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The 10-level book with the expected fill.
    pub async fn order_book(&self, code: StockCode, prio: Priority) -> Result<OrderBook, KisError> {
        let body = self
            .get(
                wire::request::ORDER_BOOK,
                wire::request::order_book(code),
                prio,
            )
            .await?;
        wire::book::order_book(&body, code, self.now())
    }

    /// Period bars in `[from, to]`, oldest first, paging past the 100-row cap (the next call
    /// ends the day before the oldest bar received). `Period::Minute` gives today's minutes.
    pub async fn period_chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        if period == Period::Minute {
            return self.minute_chart(code, prio).await;
        }
        let mut bars: BTreeMap<NaiveDate, Candle> = BTreeMap::new();
        let mut end = to;
        // A hard bound on pages, in case a server never shortens its pages.
        for _ in 0..2_000 {
            if end < from {
                break;
            }
            let body = self
                .get(
                    wire::request::PERIOD_CHART,
                    wire::request::period_chart(code, period, from, end),
                    prio,
                )
                .await?;
            let page = wire::chart::period_chart(&body)?;
            let Some(oldest) = page.bars.iter().map(|b| b.date).min() else {
                break;
            };
            for b in page.bars {
                if b.date >= from && b.date <= to {
                    bars.entry(b.date).or_insert(b);
                }
            }
            if page.raw_rows < wire::request::PERIOD_CHART_PAGE {
                break;
            }
            let Some(next) = oldest.pred_opt() else {
                break;
            };
            if next >= end {
                break; // no progress: stop rather than loop
            }
            end = next;
        }
        Ok(bars.into_values().collect())
    }

    /// The latest session's one-minute bars (today's once its pre-open has begun, else the last
    /// trading day's), oldest first, paging back by time (30 rows per call). Each
    /// bar's `value` is the traded value within that minute.
    pub async fn minute_chart(
        &self,
        code: StockCode,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        let now = self.now();
        let local = now.with_timezone(&crate::market::KST).time();
        let now_hms =
            NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second()).unwrap_or(local);
        // The session whose minutes to show: today once its pre-open has begun; before that
        // (past midnight, a weekend, a holiday) the last trading day's, up to its close.
        let cal = crate::market::Calendar::krx();
        let today = kst_date(now);
        let started = cal
            .session_times(today)
            .is_some_and(|st| local >= st.pre_open_auction);
        let (day, mut at) = if started {
            (today, now_hms)
        } else {
            let day = cal.prev_trading_day(today);
            let close = cal.session_times(day).map_or(
                NaiveTime::from_hms_opt(15, 30, 0).unwrap_or(now_hms),
                |st| st.close,
            );
            (day, close)
        };
        let mut bars: BTreeMap<NaiveTime, Candle> = BTreeMap::new();
        for _ in 0..100 {
            let body = self
                .get(
                    wire::request::MINUTE_CHART,
                    wire::request::minute_chart(code, at),
                    prio,
                )
                .await?;
            let page = wire::chart::minute_chart(&body)?;
            let todays: Vec<Candle> = page.bars.into_iter().filter(|b| b.date == day).collect();
            let Some(oldest) = todays.iter().filter_map(|b| b.time).min() else {
                break;
            };
            for b in todays {
                if let Some(t) = b.time {
                    bars.entry(t).or_insert(b);
                }
            }
            if page.raw_rows < wire::request::MINUTE_CHART_PAGE {
                break;
            }
            let (next, wrapped) = oldest.overflowing_sub_signed(ChronoDuration::minutes(1));
            if wrapped != 0 || next >= at {
                break; // wrapped past midnight or no progress
            }
            at = next;
        }
        // KIS gives the cumulative traded value at each minute; turn it into per-minute values.
        let mut prev_cum: Option<i64> = None;
        let mut out: Vec<Candle> = bars.into_values().collect();
        for b in &mut out {
            let cum = b.value;
            if let Some(p) = prev_cum {
                b.value = crate::market::Krw((cum.0 - p).max(0));
            }
            prev_cum = Some(cum.0);
        }
        Ok(out)
    }

    /// The last 30 trading days (inquire-daily-price), oldest first. `value` is 0: this
    /// endpoint does not send it.
    pub async fn daily_price(
        &self,
        code: StockCode,
        prio: Priority,
    ) -> Result<Vec<Candle>, KisError> {
        let body = self
            .get(
                wire::request::DAILY_PRICE,
                wire::request::daily_price(code),
                prio,
            )
            .await?;
        let mut bars = wire::chart::daily_price(&body)?;
        bars.sort_by_key(|b| b.date);
        bars.dedup_by_key(|b| b.date);
        Ok(bars)
    }

    /// Reference information: search-stock-info (real) or the master files (virtual, where it
    /// is not served), completed with valuation fields from inquire-price.
    pub async fn stock_info(&self, code: StockCode, prio: Priority) -> Result<StockInfo, KisError> {
        let base = if self.inner.env == Env::Virtual {
            self.info_from_master(code).await?
        } else {
            let r = self
                .get(
                    wire::request::STOCK_INFO,
                    wire::request::stock_info(code),
                    prio,
                )
                .await
                .and_then(|b| wire::info::stock_info(&b, code));
            match r {
                Ok(i) => i,
                Err(e) if e.is_unsupported() => self.info_from_master(code).await?,
                // "조회할 내용이 없습니다": nothing under that code.
                Err(e) if e.msg_cd() == Some("KIOK0560") => {
                    return Err(KisError::NotFound {
                        endpoint: wire::request::STOCK_INFO.name.to_string(),
                        code: code.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
        };
        let body = self
            .get(wire::request::PRICE, wire::request::price(code), prio)
            .await?;
        // An unknown code shows up as a zeroed quote.
        wire::quote::price(&body, code, self.now())?;
        let v = wire::quote::valuation(&body)?;
        Ok(StockInfo {
            sector: base.sector.or(v.sector),
            listed_shares: base.listed_shares.or(v.listed_shares),
            market_cap: v
                .market_cap_eok
                .map(|e| crate::market::Krw(e.saturating_mul(100_000_000))),
            per: v.per,
            pbr: v.pbr,
            eps: v.eps,
            bps: v.bps,
            w52_high: v.w52_high,
            w52_low: v.w52_low,
            upper_limit: v.upper_limit,
            lower_limit: v.lower_limit,
            flags: crate::market::StatusFlags {
                halted: base.flags.halted || v.flags.halted,
                managed: base.flags.managed || v.flags.managed,
                warning: v.flags.warning,
                vi: v.flags.vi,
            },
            ..base
        })
    }

    async fn info_from_master(&self, code: StockCode) -> Result<StockInfo, KisError> {
        let u = self.universe().await?;
        let Some(l) = u.iter().find(|l| l.code == code) else {
            return Err(KisError::NotFound {
                endpoint: "master".to_string(),
                code: code.to_string(),
            });
        };
        Ok(StockInfo {
            code,
            name: l.name.clone(),
            name_en: l.name_en.clone(),
            market: l.market,
            kind: l.kind,
            isin: Some(l.isin.clone()).filter(|s| !s.is_empty()),
            sector: None,
            listed_shares: Some(l.listed_shares),
            market_cap: Some(crate::market::Krw(
                (l.market_cap_eok as i64).saturating_mul(100_000_000),
            )),
            per: None,
            pbr: None,
            eps: None,
            bps: None,
            w52_high: None,
            w52_low: None,
            upper_limit: None,
            lower_limit: None,
            flags: l.flags,
        })
    }

    /// Whether the market is open on `date` (chk-holiday; KIS asks for about one call a day).
    pub async fn holiday(
        &self,
        date: NaiveDate,
        prio: Priority,
    ) -> Result<wire::info::DayStatus, KisError> {
        if let Some(d) = self.days().get(&date) {
            return Ok(*d);
        }
        let body = self
            .get(wire::request::HOLIDAY, wire::request::holiday(date), prio)
            .await?;
        let days = wire::info::holidays(&body)?;
        let mut g = self.days();
        for d in days {
            g.insert(d.date, d);
        }
        g.get(&date)
            .copied()
            .ok_or_else(|| body.error(format!("chk-holiday did not cover {date}")))
    }

    fn days(&self) -> std::sync::MutexGuard<'_, HashMap<NaiveDate, wire::info::DayStatus>> {
        self.inner.days.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The listed universe (KOSPI + KOSDAQ master files), downloaded at most every 12 hours,
    /// with the last good copy on disk used when a download fails.
    pub async fn universe(&self) -> Result<Arc<Vec<Listing>>, KisError> {
        let mut g = self.inner.universe.lock().await;
        if let Some((at, u)) = g.as_ref()
            && at.elapsed() < Duration::from_secs(12 * 3600)
        {
            return Ok(u.clone());
        }
        let i = &self.inner;
        let (kospi, kosdaq) = tokio::join!(
            master::load(&i.master_http, &i.master_url, &i.data_dir, Market::Kospi),
            master::load(&i.master_http, &i.master_url, &i.data_dir, Market::Kosdaq),
        );
        let mut all = kospi?;
        all.extend(kosdaq?);
        let u = Arc::new(all);
        *g = Some((Instant::now(), u.clone()));
        Ok(u)
    }

    /// The KST instant of a `HHMMSS` time today — used by callers that page minute charts.
    pub fn today_at(&self, t: NaiveTime) -> DateTime<Utc> {
        kst_to_utc(kst_date(self.now()).and_time(t))
    }
}

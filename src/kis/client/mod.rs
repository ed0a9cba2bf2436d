//! `KisClient`: the public face of `kis`. Cheap to clone (one `Arc`). Every call goes through
//! de-duplication → breaker → limiter (+ shared Redis budget) → token → HTTP → wire parse,
//! with bounded, jittered retries of safe transient failures.
//!
//! - this file: construction, options and the client's state;
//! - `pipeline`: the call path (de-duplication, pacing, token, send, classify, retry);
//! - `retry`: the retry policy, pure;
//! - `endpoints`: one method per KIS quotation endpoint;
//! - `universe`: the listed universe from the master files.

mod endpoints;
mod market;
mod pipeline;
mod retry;
mod universe;

use super::breaker::{Admit, Breaker, BreakerState};
use super::coord::RedisCoord;
use super::error::KisError;
use super::limiter::{LimiterConfig, Priority, RateLimiter};
use super::metrics::{Metrics, MetricsSnapshot};
use super::settings::{CustType, Settings};
use super::token::{TokenManager, TokenSettings, sha256_hex};
use super::wire::{self, Body, request::Endpoint};
use super::{http, master};
use crate::clock::{SharedClock, SystemClock};
use crate::market::{
    Candle, Env, Listing, Market, OrderBook, Period, Quote, StockCode, StockInfo, kst_date,
    kst_to_utc,
};
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

/// Runtime wiring that is not the client's own configuration.
#[derive(Clone)]
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

// The Redis URL may carry a password: shown only as set or not.
impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("state_dir", &self.state_dir)
            .field("data_dir", &self.data_dir)
            .field("redis", &self.redis_url.is_some())
            .field("redis_prefix", &self.redis_prefix)
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// The token and recent-request files in `state_dir`, master-file copies in `data_dir`;
    /// the system clock, no Redis.
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
}

type InFlight = Shared<BoxFuture<'static, Result<Arc<Body>, KisError>>>;

struct Inner {
    env: Env,
    base_url: String,
    master_url: String,
    custtype: CustType,
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

impl KisClient {
    /// Builds the client. Nothing is sent until the first call. Without credentials the client
    /// still builds; every call then fails with `KisError::NoCredentials` (master files and
    /// other unauthenticated downloads still work).
    pub fn new(settings: &Settings, opts: ClientOptions) -> Result<KisClient, KisError> {
        let k = settings;
        let env = k.env;
        let base_url = k.base_url.clone();
        let http = http::build(k.connect_timeout, k.request_timeout)?;
        let master_http = http::build(k.connect_timeout, Duration::from_secs(120))?;
        let metrics = Arc::new(Metrics::default());
        let (appkey, appsecret) = match &k.credentials {
            Some(c) => (Some(c.app_key.clone()), Some(c.app_secret.clone())),
            None => (None, None),
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
                    refresh_margin: ChronoDuration::from_std(k.token_refresh_margin)
                        .unwrap_or(ChronoDuration::seconds(600)),
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
        let per_sec = k.requests_per_sec.max(1);
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
            k.breaker.failure_threshold,
            ChronoDuration::from_std(k.breaker.open).unwrap_or(ChronoDuration::seconds(60)),
        );
        Ok(KisClient {
            inner: Arc::new(Inner {
                env,
                base_url,
                master_url: k.master_url.clone(),
                custtype: k.custtype,
                appkey,
                appsecret,
                max_retries: k.max_retries,
                retry_budget: k.retry_budget,
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
}

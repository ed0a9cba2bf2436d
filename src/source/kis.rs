//! `KisSource`: the KIS client behind the cache. Fresh cache entries are served without a call
//! (`Cached`), otherwise KIS is asked (`Live`) and the answer cached; when the breaker is open or
//! the call fails transiently, the last cached value is served marked `Stale { since }`.

use super::{DataSource, SourceError, SourceKind, SourceStatus, Sourced};
use crate::cache::{Cache, CacheEntry, CacheKind, CachePolicy, CacheStats, Keys};
use crate::clock::SharedClock;
use crate::kis::{BreakerState, KisClient, Priority};
use crate::market::{
    Candle, Env, Listing, OrderBook, Period, Provenance, Quote, StockCode, StockInfo, kst_date,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Health of the KIS client, as the status bar wants it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiHealth {
    pub breaker: String,
    pub breaker_retry_at: Option<DateTime<Utc>>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub budget_used: u32,
    pub budget_limit: u32,
    /// Processes sharing the key's budget through Redis (this one included; 0 = no Redis).
    pub budget_peers: u32,
}

/// The calls `KisSource` needs from KIS, with errors already classified for the source layer
/// (`Unavailable` = transient, a cached value may stand in). `kis::KisClient` implements it;
/// the seam also keeps `KisSource`'s cache logic testable on its own.
#[async_trait]
pub trait KisApi: Send + Sync {
    fn env(&self) -> Env;
    async fn quote(&self, code: StockCode) -> Result<Quote, SourceError>;
    /// Quotes of many codes; unknown codes are simply absent.
    async fn multi_quote(&self, codes: &[StockCode]) -> Result<Vec<Quote>, SourceError>;
    async fn order_book(&self, code: StockCode) -> Result<OrderBook, SourceError>;
    async fn period_chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Candle>, SourceError>;
    async fn minute_chart(&self, code: StockCode) -> Result<Vec<Candle>, SourceError>;
    async fn stock_info(&self, code: StockCode) -> Result<StockInfo, SourceError>;
    async fn universe(&self) -> Result<Vec<Listing>, SourceError>;
    fn health(&self) -> ApiHealth;
    /// Told about every cache lookup, for the client's metrics.
    fn record_cache(&self, _hit: bool) {}
}

/// `KisApi` over the real client, every call at one priority (the TUI and lookups ask
/// `Interactive`, `--ingest` asks `Batch`).
#[derive(Clone, Debug)]
pub struct ClientApi {
    client: KisClient,
    priority: Priority,
}

impl ClientApi {
    pub fn new(client: KisClient, priority: Priority) -> ClientApi {
        ClientApi { client, priority }
    }

    pub fn client(&self) -> &KisClient {
        &self.client
    }
}

#[async_trait]
impl KisApi for ClientApi {
    fn env(&self) -> Env {
        self.client.env()
    }

    async fn quote(&self, code: StockCode) -> Result<Quote, SourceError> {
        Ok(self.client.quote(code, self.priority).await?)
    }

    async fn multi_quote(&self, codes: &[StockCode]) -> Result<Vec<Quote>, SourceError> {
        Ok(self.client.multi_quote(codes, self.priority).await?)
    }

    async fn order_book(&self, code: StockCode) -> Result<OrderBook, SourceError> {
        Ok(self.client.order_book(code, self.priority).await?)
    }

    async fn period_chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Candle>, SourceError> {
        Ok(self
            .client
            .period_chart(code, period, from, to, self.priority)
            .await?)
    }

    async fn minute_chart(&self, code: StockCode) -> Result<Vec<Candle>, SourceError> {
        Ok(self.client.minute_chart(code, self.priority).await?)
    }

    async fn stock_info(&self, code: StockCode) -> Result<StockInfo, SourceError> {
        Ok(self.client.stock_info(code, self.priority).await?)
    }

    async fn universe(&self) -> Result<Vec<Listing>, SourceError> {
        Ok(self.client.universe().await?.as_ref().clone())
    }

    fn health(&self) -> ApiHealth {
        let breaker = self.client.breaker();
        let (used, limit) = self.client.limiter_usage();
        ApiHealth {
            breaker: breaker.label().to_string(),
            breaker_retry_at: match breaker {
                BreakerState::Open { until } => Some(until),
                _ => None,
            },
            token_expires_at: self.client.token_expiry(),
            budget_used: used,
            budget_limit: limit,
            budget_peers: self.client.budget_peers().unwrap_or(0),
        }
    }

    fn record_cache(&self, hit: bool) {
        self.client.record_cache(hit);
    }
}

/// What `KisSource` served, for metrics and the status bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServeStats {
    /// Served from a fresh cache entry without calling KIS.
    pub fresh_hits: u64,
    /// Called KIS and got an answer.
    pub live: u64,
    /// Called KIS, it failed, and a cached value was served marked stale.
    pub stale: u64,
    /// Called KIS, it failed, and nothing could stand in.
    pub failed: u64,
}

#[derive(Default)]
struct ServeCounters {
    fresh_hits: AtomicU64,
    live: AtomicU64,
    stale: AtomicU64,
    failed: AtomicU64,
}

pub struct KisSource {
    api: Arc<dyn KisApi>,
    cache: Arc<dyn Cache>,
    policy: CachePolicy,
    keys: Keys,
    clock: SharedClock,
    env: Env,
    counters: ServeCounters,
    last_error: Mutex<Option<(DateTime<Utc>, String)>>,
    /// Names learned from info and universe answers, for quotes that come without one.
    names: Mutex<HashMap<StockCode, String>>,
}

impl KisSource {
    pub fn new(
        api: Arc<dyn KisApi>,
        cache: Arc<dyn Cache>,
        policy: CachePolicy,
        key_prefix: &str,
        clock: SharedClock,
    ) -> KisSource {
        let env = api.env();
        KisSource {
            api,
            cache,
            policy,
            keys: Keys::new(key_prefix, env),
            clock,
            env,
            counters: ServeCounters::default(),
            last_error: Mutex::new(None),
            names: Mutex::new(HashMap::new()),
        }
    }

    pub fn serve_stats(&self) -> ServeStats {
        let c = &self.counters;
        ServeStats {
            fresh_hits: c.fresh_hits.load(Ordering::Relaxed),
            live: c.live.load(Ordering::Relaxed),
            stale: c.stale.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
        }
    }

    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    fn note_error(&self, e: &SourceError) {
        let mut g = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        *g = Some((self.clock.now(), e.to_string()));
    }

    fn learn_name(&self, code: StockCode, name: &str) {
        if name.trim().is_empty() {
            return;
        }
        let mut g = self.names.lock().unwrap_or_else(|p| p.into_inner());
        g.insert(code, name.to_string());
    }

    fn with_name(&self, mut q: Quote) -> Quote {
        match &q.name {
            Some(n) => self.learn_name(q.code, &n.clone()),
            None => {
                let g = self.names.lock().unwrap_or_else(|p| p.into_inner());
                q.name = g.get(&q.code).cloned();
            }
        }
        q
    }

    /// A cached entry of `key` if it decodes.
    async fn cached<T: DeserializeOwned>(&self, key: &str) -> Option<(T, DateTime<Utc>)> {
        let e = self.cache.get(key).await?;
        Some((e.decode::<T>()?, e.fetched_at))
    }

    async fn store<T: Serialize + Sync>(
        &self,
        kind: CacheKind,
        key: &str,
        value: &T,
        at: DateTime<Utc>,
    ) {
        if let Some(entry) = CacheEntry::encode(at, value) {
            self.cache.set(key, &entry, self.policy.ttl(kind, at)).await;
        }
    }

    /// Cache-aside with stale fallback for one value.
    async fn fetch<T, F, Fut>(
        &self,
        kind: CacheKind,
        key: String,
        call: F,
    ) -> Result<Sourced<T>, SourceError>
    where
        T: Serialize + DeserializeOwned + Send + Sync,
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<T, SourceError>> + Send,
    {
        let cached = match self.cached::<T>(&key).await {
            Some((v, at)) if self.policy.is_fresh(kind, at, self.clock.now()) => {
                self.api.record_cache(true);
                self.counters.fresh_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Sourced::new(v, Provenance::Cached { fetched_at: at }));
            }
            other => other,
        };
        self.api.record_cache(false);
        match call().await {
            Ok(v) => {
                let at = self.clock.now();
                self.store(kind, &key, &v, at).await;
                self.counters.live.fetch_add(1, Ordering::Relaxed);
                Ok(Sourced::new(v, Provenance::Live { env: self.env }))
            }
            Err(e) => {
                self.note_error(&e);
                match (cached, &e) {
                    (Some((v, since)), SourceError::Unavailable { .. }) => {
                        self.counters.stale.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(key, error = %e, "serving stale cache entry");
                        Ok(Sourced::new(v, Provenance::Stale { since }))
                    }
                    _ => {
                        self.counters.failed.fetch_add(1, Ordering::Relaxed);
                        Err(e)
                    }
                }
            }
        }
    }
}

#[async_trait]
impl DataSource for KisSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Kis(self.env)
    }

    async fn quote(&self, code: StockCode) -> Result<Sourced<Quote>, SourceError> {
        let api = &self.api;
        let q = self
            .fetch(CacheKind::Price, self.keys.price(code), || api.quote(code))
            .await?;
        Ok(q.map(|q| self.with_name(q)))
    }

    async fn quotes(&self, codes: &[StockCode]) -> Result<Vec<Sourced<Quote>>, SourceError> {
        let now = self.clock.now();
        let mut out: Vec<Sourced<Quote>> = Vec::with_capacity(codes.len());
        let mut stale: HashMap<StockCode, (Quote, DateTime<Utc>)> = HashMap::new();
        let mut missing: Vec<StockCode> = Vec::new();
        for &code in codes {
            if missing.contains(&code) || out.iter().any(|q| q.value.code == code) {
                continue;
            }
            match self.cached::<Quote>(&self.keys.price(code)).await {
                Some((q, at)) if self.policy.is_fresh(CacheKind::Price, at, now) => {
                    self.api.record_cache(true);
                    self.counters.fresh_hits.fetch_add(1, Ordering::Relaxed);
                    out.push(Sourced::new(q, Provenance::Cached { fetched_at: at }));
                }
                other => {
                    self.api.record_cache(false);
                    if let Some((q, at)) = other {
                        stale.insert(code, (q, at));
                    }
                    missing.push(code);
                }
            }
        }
        if !missing.is_empty() {
            match self.api.multi_quote(&missing).await {
                Ok(fetched) => {
                    let at = self.clock.now();
                    for q in fetched {
                        if !missing.contains(&q.code) {
                            continue;
                        }
                        self.store(CacheKind::Price, &self.keys.price(q.code), &q, at)
                            .await;
                        self.counters.live.fetch_add(1, Ordering::Relaxed);
                        out.push(Sourced::new(q, Provenance::Live { env: self.env }));
                    }
                }
                Err(e) => {
                    self.note_error(&e);
                    let transient = matches!(e, SourceError::Unavailable { .. });
                    if !transient {
                        self.counters.failed.fetch_add(1, Ordering::Relaxed);
                        return Err(e);
                    }
                    for code in &missing {
                        if let Some((q, since)) = stale.remove(code) {
                            self.counters.stale.fetch_add(1, Ordering::Relaxed);
                            out.push(Sourced::new(q, Provenance::Stale { since }));
                        }
                    }
                    if out.is_empty() {
                        self.counters.failed.fetch_add(1, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        }
        // Answer in the order asked.
        out.sort_by_key(|q| codes.iter().position(|c| *c == q.value.code));
        Ok(out
            .into_iter()
            .map(|s| s.map(|q| self.with_name(q)))
            .collect())
    }

    async fn order_book(&self, code: StockCode) -> Result<Sourced<OrderBook>, SourceError> {
        let api = &self.api;
        self.fetch(CacheKind::OrderBook, self.keys.order_book(code), || {
            api.order_book(code)
        })
        .await
    }

    async fn chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        let api = &self.api;
        self.fetch(
            CacheKind::Chart,
            self.keys.chart(code, period, from, to),
            || api.period_chart(code, period, from, to),
        )
        .await
    }

    async fn minute_chart(&self, code: StockCode) -> Result<Sourced<Vec<Candle>>, SourceError> {
        let api = &self.api;
        let today = kst_date(self.clock.now());
        self.fetch(
            CacheKind::Chart,
            self.keys.minute_chart(code, today),
            || api.minute_chart(code),
        )
        .await
    }

    async fn info(&self, code: StockCode) -> Result<Sourced<StockInfo>, SourceError> {
        let api = &self.api;
        let info = self
            .fetch(CacheKind::Info, self.keys.info(code), || {
                api.stock_info(code)
            })
            .await?;
        self.learn_name(code, &info.value.name);
        Ok(info)
    }

    /// The universe is large and the client keeps it in memory and on disk (refreshed twice a
    /// day), so it does not go through Redis.
    async fn universe(&self) -> Result<Sourced<Vec<Listing>>, SourceError> {
        match self.api.universe().await {
            Ok(u) => {
                {
                    let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
                    for l in &u {
                        names.entry(l.code).or_insert_with(|| l.name.clone());
                    }
                }
                Ok(Sourced::new(u, Provenance::Live { env: self.env }))
            }
            Err(e) => {
                self.note_error(&e);
                Err(e)
            }
        }
    }

    fn status(&self) -> SourceStatus {
        let h = self.api.health();
        let cache = self.cache.stats();
        SourceStatus {
            breaker: Some(h.breaker),
            breaker_retry_at: h.breaker_retry_at,
            redis_up: cache.redis_up,
            cache_hit_rate: (cache.hits + cache.misses > 0).then(|| cache.hit_rate()),
            token_expires_at: h.token_expires_at,
            budget_used: h.budget_used,
            budget_limit: h.budget_limit,
            budget_peers: h.budget_peers,
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use crate::clock::{Clock, ManualClock};
    use crate::config::CacheConfig;
    use crate::market::{Calendar, Krw, Rate, StatusFlags, kst_to_utc};
    use chrono::{Duration, NaiveTime};

    /// A scripted KIS: answers with a price that changes per call, or fails as told.
    struct FakeApi {
        calls: AtomicU64,
        fail: Mutex<Option<SourceError>>,
        clock: ManualClock,
    }

    impl FakeApi {
        fn quote_now(&self, code: StockCode) -> Result<Quote, SourceError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) as i64;
            if let Some(e) = self.fail.lock().unwrap().clone() {
                return Err(e);
            }
            if code.as_str() == "999999" {
                return Err(SourceError::NotFound(code));
            }
            Ok(Quote {
                code,
                name: None,
                price: Krw(10_000 + n),
                change: Krw(n),
                change_rate: Rate(0),
                prev_close: Krw(10_000),
                open: Krw(10_000),
                high: Krw(10_000 + n),
                low: Krw(10_000),
                volume: 1,
                value: Krw(1),
                upper_limit: Krw(13_000),
                lower_limit: Krw(7_000),
                flags: StatusFlags::default(),
                expected: None,
                as_of: self.clock.now(),
            })
        }
    }

    #[async_trait]
    impl KisApi for FakeApi {
        fn env(&self) -> Env {
            Env::Virtual
        }
        async fn quote(&self, code: StockCode) -> Result<Quote, SourceError> {
            self.quote_now(code)
        }
        async fn multi_quote(&self, codes: &[StockCode]) -> Result<Vec<Quote>, SourceError> {
            let mut v = Vec::new();
            for c in codes {
                match self.quote_now(*c) {
                    Ok(q) => v.push(q),
                    Err(SourceError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(v)
        }
        async fn order_book(&self, _: StockCode) -> Result<OrderBook, SourceError> {
            Err(SourceError::Fatal("not scripted".into()))
        }
        async fn period_chart(
            &self,
            _: StockCode,
            _: Period,
            _: NaiveDate,
            _: NaiveDate,
        ) -> Result<Vec<Candle>, SourceError> {
            Err(SourceError::Fatal("not scripted".into()))
        }
        async fn minute_chart(&self, _: StockCode) -> Result<Vec<Candle>, SourceError> {
            Err(SourceError::Fatal("not scripted".into()))
        }
        async fn stock_info(&self, _: StockCode) -> Result<StockInfo, SourceError> {
            Err(SourceError::Fatal("not scripted".into()))
        }
        async fn universe(&self) -> Result<Vec<Listing>, SourceError> {
            Ok(Vec::new())
        }
        fn health(&self) -> ApiHealth {
            ApiHealth {
                breaker: "closed".into(),
                ..ApiHealth::default()
            }
        }
    }

    fn unavailable() -> SourceError {
        SourceError::Unavailable {
            message: "KIS unavailable (circuit breaker open)".into(),
            retry_at: None,
        }
    }

    /// 10:00 KST on a trading day, so freshness is the configured age.
    fn trading_morning() -> DateTime<Utc> {
        let cal = Calendar::krx();
        let mut d = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
        while !cal.is_trading_day(d) {
            d = d.succ_opt().unwrap();
        }
        kst_to_utc(d.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
    }

    fn setup() -> (KisSource, Arc<FakeApi>, ManualClock) {
        let clock = ManualClock::new(trading_morning());
        let api = Arc::new(FakeApi {
            calls: AtomicU64::new(0),
            fail: Mutex::new(None),
            clock: clock.clone(),
        });
        let shared: SharedClock = Arc::new(clock.clone());
        let cache = Arc::new(MemoryCache::new(100, shared.clone()));
        let src = KisSource::new(
            api.clone(),
            cache,
            CachePolicy::new(&CacheConfig::default()),
            "test",
            shared,
        );
        (src, api, clock)
    }

    fn code(s: &str) -> StockCode {
        StockCode::new(s).unwrap()
    }

    #[tokio::test]
    async fn fresh_entries_are_served_without_calling_kis() {
        let (src, api, clock) = setup();
        let first = src.quote(code("005930")).await.unwrap();
        assert_eq!(first.provenance, Provenance::Live { env: Env::Virtual });
        let fetched_at = clock.now();
        clock.advance(Duration::milliseconds(500));
        let second = src.quote(code("005930")).await.unwrap();
        assert_eq!(second.provenance, Provenance::Cached { fetched_at });
        assert_eq!(second.value, first.value);
        assert_eq!(api.calls.load(Ordering::SeqCst), 1);
        // Past the 1 s freshness: asked again.
        clock.advance(Duration::milliseconds(600));
        let third = src.quote(code("005930")).await.unwrap();
        assert!(matches!(third.provenance, Provenance::Live { .. }));
        assert_ne!(third.value.price, first.value.price);
        assert_eq!(api.calls.load(Ordering::SeqCst), 2);
        let s = src.serve_stats();
        assert_eq!((s.fresh_hits, s.live, s.stale), (1, 2, 0));
    }

    #[tokio::test]
    async fn breaker_open_serves_the_cached_value_marked_stale() {
        let (src, api, clock) = setup();
        let live = src.quote(code("005930")).await.unwrap();
        let since = clock.now();
        clock.advance(Duration::minutes(5));
        *api.fail.lock().unwrap() = Some(unavailable());
        let stale = src.quote(code("005930")).await.unwrap();
        assert_eq!(stale.provenance, Provenance::Stale { since });
        assert_eq!(stale.value, live.value);
        let st = src.status();
        assert!(st.last_error.unwrap().1.contains("circuit breaker open"));
        // Nothing cached for this one: the error reaches the caller.
        assert!(matches!(
            src.quote(code("000660")).await,
            Err(SourceError::Unavailable { .. })
        ));
        // Retention (30 min) over: no fallback any more.
        clock.advance(Duration::minutes(26));
        assert!(src.quote(code("005930")).await.is_err());
        let s = src.serve_stats();
        assert_eq!((s.stale, s.failed), (1, 2));
    }

    #[tokio::test]
    async fn errors_that_will_not_pass_are_not_hidden_by_stale_data() {
        let (src, api, clock) = setup();
        src.quote(code("005930")).await.unwrap();
        clock.advance(Duration::minutes(1));
        *api.fail.lock().unwrap() = Some(SourceError::Auth("EGW00103 invalid appkey".into()));
        assert!(matches!(
            src.quote(code("005930")).await,
            Err(SourceError::Auth(_))
        ));
        *api.fail.lock().unwrap() = None;
        assert!(matches!(
            src.quote(code("999999")).await,
            Err(SourceError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn quotes_mix_fresh_live_and_stale_in_the_order_asked() {
        let (src, api, clock) = setup();
        let (a, b, c) = (code("005930"), code("000660"), code("035420"));
        src.quote(b).await.unwrap();
        src.quote(c).await.unwrap();
        clock.advance(Duration::milliseconds(2_000));
        src.quote(b).await.unwrap(); // b fresh again, c is not
        let before = api.calls.load(Ordering::SeqCst);
        let got = src.quotes(&[a, b, c, code("999999")]).await.unwrap();
        let order: Vec<&str> = got.iter().map(|q| q.value.code.as_str()).collect();
        assert_eq!(
            order,
            ["005930", "000660", "035420"],
            "unknown code left out"
        );
        assert!(matches!(got[0].provenance, Provenance::Live { .. }));
        assert!(matches!(got[1].provenance, Provenance::Cached { .. }));
        assert!(matches!(got[2].provenance, Provenance::Live { .. }));
        assert_eq!(
            api.calls.load(Ordering::SeqCst) - before,
            3,
            "only the missing ones asked"
        );
        clock.advance(Duration::milliseconds(2_000));
        *api.fail.lock().unwrap() = Some(unavailable());
        let got = src.quotes(&[a, b]).await.unwrap();
        assert!(
            got.iter()
                .all(|q| matches!(q.provenance, Provenance::Stale { .. }))
        );
    }
}

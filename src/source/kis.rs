//! `KisSource`: the KIS client behind the cache. Each request says how fresh it must be
//! ([`Freshness`]): a fresh cache entry is served without a call (`Cached`), otherwise KIS is
//! asked (`Live`) and the answer cached; when the breaker is open or the call fails
//! transiently, the last cached value is served marked `Stale { since }`. `Direct` requests
//! (the ingest) go to KIS and nowhere else.

use super::{
    DataSource, Freshness, Req, SourceError, SourceKind, SourceMetrics, SourceStatus, Sourced,
};
use crate::cache::{Cache, CacheEntry, CacheKind, CachePolicy, CacheStats, Keys};
use crate::clock::SharedClock;
use crate::kis::{BreakerState, KisClient, KisError};
use crate::market::{
    Candle, Env, IndexBar, IndexCode, IndexQuote, InvestorDay, Listing, OrderBook, Period,
    Provenance, Quote, RankKind, RankMarket, RankRow, StockCode, StockInfo, ViEvent, kst_date,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long opening the names store or one of its reads or writes may take before the
/// English names go without it (the data itself never waits for the store).
const NAMES_STORE_TIMEOUT: Duration = Duration::from_secs(3);

impl From<KisError> for SourceError {
    /// The source layer's view: not found, auth, transient (a cached value may stand in), fatal.
    fn from(e: KisError) -> Self {
        if let KisError::NotFound { code, .. } = e.root()
            && let Ok(c) = StockCode::new(code)
        {
            return SourceError::NotFound(c);
        }
        if e.is_auth() {
            return SourceError::Auth(e.to_string());
        }
        if e.is_unsupported() {
            return SourceError::Unsupported(e.to_string());
        }
        if e.is_transient() {
            let retry_at = match e.root() {
                KisError::BreakerOpen { until, .. } => Some(*until),
                _ => None,
            };
            return SourceError::Unavailable {
                message: e.to_string(),
                retry_at,
            };
        }
        SourceError::Fatal(e.to_string())
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

impl ServeStats {
    /// The share of reads answered from a fresh cache entry without asking KIS (what the
    /// status bar's cache figure claims); `None` before the first read.
    pub fn served_from_cache(&self) -> Option<f64> {
        let reads = self.fresh_hits + self.live + self.stale + self.failed;
        (reads > 0).then(|| self.fresh_hits as f64 / reads as f64)
    }
}

#[derive(Default)]
struct ServeCounters {
    fresh_hits: AtomicU64,
    live: AtomicU64,
    stale: AtomicU64,
    failed: AtomicU64,
}

/// What a ranking on the virtual server says.
pub const RANKINGS_REAL_ONLY: &str =
    "rankings are served by the real KIS server only (this is the virtual server)";

/// What index minutes on the virtual server say.
pub const INDEX_MINUTES_REAL_ONLY: &str =
    "intraday index bars are served by the real KIS server only (this is the virtual server)";

/// What VI status on the virtual server says.
pub const VI_REAL_ONLY: &str =
    "VI status is served by the real KIS server only (this is the virtual server)";

pub struct KisSource {
    client: KisClient,
    cache: Arc<dyn Cache>,
    policy: CachePolicy,
    keys: Keys,
    clock: SharedClock,
    env: Env,
    counters: ServeCounters,
    last_error: Mutex<Option<(DateTime<Utc>, String)>>,
    /// Names learned from info and universe answers, for quotes that come without one.
    names: Mutex<HashMap<StockCode, String>>,
    /// The WebSocket session's settings and its registration cap, when streaming is on.
    stream: Option<(crate::kis::ws::WsSettings, usize)>,
    /// English names: the master files carry none, so they are learned from stock-info
    /// answers (`prdt_eng_name`), kept in the store's `stocks` table and merged into the
    /// universe, so a search in English finds what was looked at before, in any process.
    names_en: Mutex<HashMap<StockCode, String>>,
    /// Where English names are kept (`[ingest] store`), opened on first use.
    names_store: Option<crate::store::StoreSpec>,
    store: OnceCell<Option<Arc<dyn crate::store::Store>>>,
    /// The server refused the minute chart by date (FHKST03010230; the virtual server may).
    day_minutes_refused: std::sync::atomic::AtomicBool,
}

impl KisSource {
    pub fn new(
        client: KisClient,
        cache: Arc<dyn Cache>,
        policy: CachePolicy,
        key_prefix: &str,
        clock: SharedClock,
    ) -> KisSource {
        let env = client.env();
        KisSource {
            client,
            cache,
            policy,
            keys: Keys::new(key_prefix, env),
            clock,
            env,
            counters: ServeCounters::default(),
            last_error: Mutex::new(None),
            names: Mutex::new(HashMap::new()),
            stream: None,
            names_en: Mutex::new(HashMap::new()),
            names_store: None,
            store: OnceCell::new(),
            day_minutes_refused: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Keeps the English names learned from stock-info answers in `spec`'s `stocks` table
    /// and merges those stored into the universe.
    pub fn with_names_store(mut self, spec: crate::store::StoreSpec) -> KisSource {
        self.names_store = Some(spec);
        self
    }

    /// The names store, opened once, with its English names read into memory. `None`
    /// without one, or when it cannot be opened in time (said once in the log).
    async fn names_store(&self) -> Option<&Arc<dyn crate::store::Store>> {
        let spec = self.names_store.as_ref()?;
        self.store
            .get_or_init(|| async {
                let opened = tokio::time::timeout(NAMES_STORE_TIMEOUT, spec.open()).await;
                let store: Arc<dyn crate::store::Store> = match opened {
                    Ok(Ok(s)) => Arc::from(s),
                    Ok(Err(e)) => {
                        tracing::warn!(store = %spec.describe(), error = %e, "English names: store unavailable");
                        return None;
                    }
                    Err(_) => {
                        tracing::warn!(store = %spec.describe(), "English names: store did not open in time");
                        return None;
                    }
                };
                match tokio::time::timeout(NAMES_STORE_TIMEOUT, store.load_stocks()).await {
                    Ok(Ok(stocks)) => {
                        let mut g = self.names_en.lock().unwrap_or_else(|p| p.into_inner());
                        for l in stocks {
                            if let Some(en) = l.name_en.filter(|n| !n.trim().is_empty()) {
                                g.entry(l.code).or_insert(en);
                            }
                        }
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "English names: stocks unreadable"),
                    Err(_) => tracing::warn!("English names: reading the stocks timed out"),
                }
                Some(store)
            })
            .await
            .as_ref()
    }

    /// Fills in the English names the universe lacks from those learned and stored.
    async fn merge_english(&self, list: &mut [Listing]) {
        self.names_store().await;
        let g = self.names_en.lock().unwrap_or_else(|p| p.into_inner());
        for l in list.iter_mut().filter(|l| l.name_en.is_none()) {
            l.name_en = g.get(&l.code).cloned();
        }
    }

    /// Remembers an English name from a stock-info answer, and stores it when it is new.
    async fn learn_english(&self, code: StockCode, name_en: Option<&str>) {
        let Some(en) = name_en.map(str::trim).filter(|n| !n.is_empty()) else {
            return;
        };
        {
            let mut g = self.names_en.lock().unwrap_or_else(|p| p.into_inner());
            if g.get(&code).map(String::as_str) == Some(en) {
                return;
            }
            g.insert(code, en.to_string());
        }
        let Some(store) = self.names_store().await else {
            return;
        };
        // The stored row is the universe's, with its English name (the other columns as the
        // ingest writes them).
        let Ok(u) = self.client.universe().await else {
            return;
        };
        let Some(mut l) = u.iter().find(|l| l.code == code).cloned() else {
            return;
        };
        l.name_en = Some(en.to_string());
        let write = store.upsert_stocks(std::slice::from_ref(&l), self.clock.now());
        match tokio::time::timeout(NAMES_STORE_TIMEOUT, write).await {
            Ok(Ok(_)) => tracing::debug!(%code, "English name stored"),
            Ok(Err(e)) => tracing::warn!(%code, error = %e, "English name not stored"),
            Err(_) => tracing::warn!(%code, "English name not stored: the store timed out"),
        }
    }

    /// The same source with a live stream over KIS's WebSocket, holding at most `cap`
    /// registrations (41 on KIS; less when other programs share the appkey's session).
    pub fn with_stream(mut self, ws: crate::kis::ws::WsSettings, cap: usize) -> KisSource {
        self.stream = Some((ws, cap.clamp(1, super::live::KIS_CAP)));
        self
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

    pub fn client(&self) -> &KisClient {
        &self.client
    }

    /// A cache lookup, counted by the cache itself and in the client's metrics.
    fn note_lookup(&self, hit: bool) {
        self.client.record_cache(hit);
        if hit {
            self.counters.fresh_hits.fetch_add(1, Ordering::Relaxed);
        }
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

    /// One value, as fresh as `req` asks: cache-aside with a stale stand-in on transient
    /// failures (`Cached`, `Refresh`), or straight from KIS (`Direct`).
    async fn fetch<T, F, Fut>(
        &self,
        kind: CacheKind,
        key: String,
        req: Req,
        call: F,
    ) -> Result<Sourced<T>, SourceError>
    where
        T: Serialize + DeserializeOwned + Send + Sync,
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<T, KisError>> + Send,
    {
        if req.freshness == Freshness::Direct {
            return match call().await {
                Ok(v) => {
                    self.counters.live.fetch_add(1, Ordering::Relaxed);
                    Ok(Sourced::new(v, Provenance::Live { env: self.env }))
                }
                Err(e) => Err(self.failed(e.into())),
            };
        }
        let cached = match self.cached::<T>(&key).await {
            Some((v, at))
                if req.freshness == Freshness::Cached
                    && self.policy.is_fresh(kind, at, self.clock.now()) =>
            {
                self.note_lookup(true);
                return Ok(Sourced::new(v, Provenance::Cached { fetched_at: at }));
            }
            other => other,
        };
        self.note_lookup(false);
        match call().await {
            Ok(v) => {
                let at = self.clock.now();
                self.store(kind, &key, &v, at).await;
                self.counters.live.fetch_add(1, Ordering::Relaxed);
                Ok(Sourced::new(v, Provenance::Live { env: self.env }))
            }
            Err(e) => {
                let e = SourceError::from(e);
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

    /// Notes a failure nothing can stand in for, and hands it back.
    fn failed(&self, e: SourceError) -> SourceError {
        self.note_error(&e);
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
        e
    }
}

#[async_trait]
impl DataSource for KisSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Kis(self.env)
    }

    fn describe(&self) -> String {
        format!("kis {} ({})", self.env.label(), self.client.base_url())
    }

    fn batches_quotes(&self) -> bool {
        self.env == Env::Real
    }

    async fn quote(&self, code: StockCode, req: Req) -> Result<Sourced<Quote>, SourceError> {
        let client = &self.client;
        let q = self
            .fetch(CacheKind::Price, self.keys.price(code), req, || {
                client.quote(code, req.priority)
            })
            .await?;
        Ok(q.map(|q| self.with_name(q)))
    }

    async fn quotes(
        &self,
        codes: &[StockCode],
        req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError> {
        let now = self.clock.now();
        let mut out: Vec<Sourced<Quote>> = Vec::with_capacity(codes.len());
        let mut stale: HashMap<StockCode, (Quote, DateTime<Utc>)> = HashMap::new();
        let mut missing: Vec<StockCode> = Vec::new();
        for &code in codes {
            if missing.contains(&code) || out.iter().any(|q| q.value.code == code) {
                continue;
            }
            if req.freshness == Freshness::Direct {
                missing.push(code);
                continue;
            }
            match self.cached::<Quote>(&self.keys.price(code)).await {
                Some((q, at))
                    if req.freshness == Freshness::Cached
                        && self.policy.is_fresh(CacheKind::Price, at, now) =>
                {
                    self.note_lookup(true);
                    out.push(Sourced::new(q, Provenance::Cached { fetched_at: at }));
                }
                other => {
                    self.note_lookup(false);
                    if let Some((q, at)) = other {
                        stale.insert(code, (q, at));
                    }
                    missing.push(code);
                }
            }
        }
        if !missing.is_empty() {
            match self.client.multi_quote(&missing, req.priority).await {
                Ok(fetched) => {
                    let at = self.clock.now();
                    for q in fetched {
                        if !missing.contains(&q.code) {
                            continue;
                        }
                        if req.freshness != Freshness::Direct {
                            self.store(CacheKind::Price, &self.keys.price(q.code), &q, at)
                                .await;
                        }
                        self.counters.live.fetch_add(1, Ordering::Relaxed);
                        out.push(Sourced::new(q, Provenance::Live { env: self.env }));
                    }
                }
                Err(e) => {
                    let e = SourceError::from(e);
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

    async fn order_book(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<OrderBook>, SourceError> {
        let client = &self.client;
        self.fetch(
            CacheKind::OrderBook,
            self.keys.order_book(code),
            req,
            || client.order_book(code, req.priority),
        )
        .await
    }

    async fn chart(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        let client = &self.client;
        self.fetch(
            CacheKind::Chart,
            self.keys.chart(code, period, from, to),
            req,
            || client.period_chart(code, period, from, to, req.priority),
        )
        .await
    }

    async fn chart_days(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
        adjusted: bool,
        req: Req,
    ) -> Result<Sourced<Vec<crate::market::ChartDay>>, SourceError> {
        let client = &self.client;
        let key = format!(
            "{}:{}",
            self.keys.chart(code, Period::Day, from, to),
            if adjusted { "adj" } else { "raw" }
        );
        self.fetch(CacheKind::Chart, key, req, || {
            client.daily_chart_days(code, from, to, adjusted, req.priority)
        })
        .await
    }

    async fn minute_chart(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        let client = &self.client;
        let today = kst_date(self.clock.now());
        self.fetch(
            CacheKind::Chart,
            self.keys.minute_chart(code, today),
            req,
            || client.minute_chart(code, req.priority),
        )
        .await
    }

    /// A finished session's minutes never change: kept as long as info is, so the chart's
    /// polls do not ask for them again. Refused once (the virtual server may lack it), never
    /// asked again.
    async fn day_minute_chart(
        &self,
        code: StockCode,
        date: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        if self.day_minutes_refused.load(Ordering::Relaxed) {
            return Err(SourceError::Unsupported(
                "the server refused the minute chart by date".into(),
            ));
        }
        let client = &self.client;
        let r = self
            .fetch(
                CacheKind::Info,
                self.keys.day_minute_chart(code, date),
                req,
                || client.day_minute_chart(code, date, req.priority),
            )
            .await;
        if let Err(SourceError::Fatal(e) | SourceError::Unsupported(e)) = &r {
            tracing::info!(error = %e, "minute chart by date refused: the chart shows today's minutes only");
            self.day_minutes_refused.store(true, Ordering::Relaxed);
        }
        r
    }

    async fn info(&self, code: StockCode, req: Req) -> Result<Sourced<StockInfo>, SourceError> {
        let client = &self.client;
        let info = self
            .fetch(CacheKind::Info, self.keys.info(code), req, || {
                client.stock_info(code, req.priority)
            })
            .await?;
        self.learn_name(code, &info.value.name);
        self.learn_english(code, info.value.name_en.as_deref())
            .await;
        Ok(info)
    }

    /// The universe is large and the client keeps it in memory and on disk (refreshed twice a
    /// day), so it does not go through Redis.
    async fn universe(&self, _req: Req) -> Result<Sourced<Vec<Listing>>, SourceError> {
        match self.client.universe().await {
            Ok(u) => {
                {
                    let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
                    for l in u.iter() {
                        names.entry(l.code).or_insert_with(|| l.name.clone());
                    }
                }
                let mut list = u.as_ref().clone();
                self.merge_english(&mut list).await;
                Ok(Sourced::new(list, Provenance::Live { env: self.env }))
            }
            Err(e) => Err(self.failed(e.into())),
        }
    }

    async fn index(&self, code: IndexCode, req: Req) -> Result<Sourced<IndexQuote>, SourceError> {
        let client = &self.client;
        self.fetch(CacheKind::Price, self.keys.index(code), req, || {
            client.index(code, req.priority)
        })
        .await
    }

    async fn index_chart(
        &self,
        code: IndexCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<IndexBar>>, SourceError> {
        let client = &self.client;
        self.fetch(
            CacheKind::Chart,
            self.keys.index_chart(code, period, from, to),
            req,
            || client.index_chart(code, period, from, to, req.priority),
        )
        .await
    }

    /// Refused on the virtual server without a request.
    async fn index_minutes(
        &self,
        code: IndexCode,
        req: Req,
    ) -> Result<Sourced<Vec<IndexBar>>, SourceError> {
        if self.env == Env::Virtual {
            return Err(SourceError::Unsupported(
                INDEX_MINUTES_REAL_ONLY.to_string(),
            ));
        }
        let client = &self.client;
        let today = kst_date(self.clock.now());
        self.fetch(
            CacheKind::Chart,
            self.keys.index_chart(code, Period::Minute, today, today),
            req,
            || client.index_minutes(code, req.priority),
        )
        .await
    }

    /// Refused on the virtual server without a request. The fluctuation ranking sends no
    /// traded value: one multi-quote call (30 codes) fills it in.
    async fn ranking(
        &self,
        kind: RankKind,
        market: RankMarket,
        req: Req,
    ) -> Result<Sourced<Vec<RankRow>>, SourceError> {
        if self.env == Env::Virtual {
            return Err(SourceError::Unsupported(RANKINGS_REAL_ONLY.to_string()));
        }
        let client = &self.client;
        self.fetch(
            CacheKind::Price,
            self.keys.ranking(kind, market),
            req,
            || async move {
                let mut rows = client.ranking(kind, market, req.priority).await?;
                let missing: Vec<StockCode> = rows
                    .iter()
                    .filter(|r| r.value.is_none())
                    .map(|r| r.code)
                    .collect();
                if !missing.is_empty() {
                    match client.multi_quote(&missing, req.priority).await {
                        Ok(quotes) => {
                            for r in rows.iter_mut().filter(|r| r.value.is_none()) {
                                r.value = quotes.iter().find(|q| q.code == r.code).map(|q| q.value);
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "ranking: traded values not filled"),
                    }
                }
                Ok(rows)
            },
        )
        .await
    }

    async fn investor_flows(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<InvestorDay>>, SourceError> {
        let client = &self.client;
        self.fetch(CacheKind::Info, self.keys.investors(code), req, || {
            client.investors(code, req.priority)
        })
        .await
    }

    async fn vi_status(
        &self,
        code: Option<StockCode>,
        req: Req,
    ) -> Result<Sourced<Vec<ViEvent>>, SourceError> {
        if self.env == Env::Virtual {
            return Err(SourceError::Unsupported(VI_REAL_ONLY.to_string()));
        }
        let client = &self.client;
        self.fetch(CacheKind::Price, self.keys.vi(code), req, || {
            client.vi_status(code, req.priority)
        })
        .await
    }

    fn status(&self) -> SourceStatus {
        let breaker = self.client.breaker();
        let (budget_used, budget_limit) = self.client.limiter_usage();
        let cache = self.cache.stats();
        SourceStatus {
            breaker: Some(breaker.label().to_string()),
            breaker_retry_at: match breaker {
                BreakerState::Open { until } => Some(until),
                _ => None,
            },
            redis_up: cache.redis_up,
            cache_hit_rate: self.serve_stats().served_from_cache(),
            token_expires_at: self.client.token_expiry(),
            budget_used,
            budget_limit,
            budget_peers: self.client.budget_peers().unwrap_or(0),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    fn open_stream(&self) -> Option<super::live::Stream> {
        use super::live::{Channel, Stream};
        let (ws, cap) = self.stream.clone()?;
        match crate::kis::ws::WsClient::start(ws, self.clock.clone(), &[]) {
            Ok((client, events)) => Some(Stream {
                handle: Box::new(client),
                events,
                cap,
                channels: match self.env {
                    Env::Real => &Channel::ALL,
                    Env::Virtual => &[Channel::Trades, Channel::Book],
                },
            }),
            Err(e) => {
                tracing::warn!("the live stream could not start, polling over REST: {e}");
                None
            }
        }
    }

    fn metrics(&self) -> SourceMetrics {
        let m = self.client.metrics();
        SourceMetrics {
            api_calls: m.requests,
            rate_limited: m.rate_limited,
            retries: m.retries,
            cache_hits: m.cache_hits,
            tokens_issued: m.tokens_issued,
            breaker_transitions: m.breaker_transitions,
            latency: m
                .latency
                .into_iter()
                .map(|(ep, l)| (ep.to_string(), l))
                .collect(),
        }
    }
}

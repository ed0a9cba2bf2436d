//! `KisSource` over the real client against kis-sim, with a private Redis behind the cache:
//! fresh entries spare KIS, failures and an open breaker serve the cached value marked stale,
//! and a half-open probe brings live data back once kis-sim recovers.

use chrono::{DateTime, Duration as CDur, Utc};
use hoga::clock::{Clock, ManualClock, SharedClock};
use hoga::config::{Config, Settings};
use hoga::market::{Env, Provenance, StockCode};
use hoga::paths::Paths;
use hoga::sim::{
    FaultKind, FaultRule, SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET,
};
use hoga::source::factory;
use hoga::source::{DataSource, Req, SourceError};
use secrecy::SecretString;
use std::sync::Arc;

const SESSION: &str = "2026-11-25T10:30:00+09:00";

fn session_instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(SESSION)
        .unwrap()
        .with_timezone(&Utc)
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

mod common;
use common::PrivateRedis;

fn config(sim: &SimHandle, redis: &PrivateRedis) -> Config {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.master_url = sim.master_url();
    c.kis.connect_timeout_ms = 1_000;
    c.kis.request_timeout_ms = 2_000;
    // One attempt per call, so five calls are five breaker failures.
    c.kis.max_retries = 0;
    c.redis.url = format!("redis://127.0.0.1:{}/", redis.port);
    c.redis.timeout_ms = 250;
    c
}

/// A KIS source built from `cfg` as the loader would, with its dirs under `dir`.
fn kis_source(
    cfg: &Config,
    dir: &std::path::Path,
    clock: SharedClock,
) -> Result<hoga::source::kis::KisSource, SourceError> {
    let settings = Settings::build(cfg, &Paths::under(dir))
        .unwrap_or_else(|problems| panic!("invalid test config: {problems:?}"));
    factory::kis_source(&settings.source, clock)
}

/// inquire-price requests kis-sim has answered.
fn price_calls(sim: &SimHandle) -> u64 {
    sim.stats()
        .requests_by_tr_id
        .get("FHKST01010100")
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breaker_open_serves_cached_values_stale_then_recovers() {
    let sim = SimServer::start(SimConfig::frozen(SESSION)).await.unwrap();
    let redis = PrivateRedis::start();
    let cfg = config(&sim, &redis);
    let dir = tempfile::tempdir().unwrap();
    let manual = ManualClock::new(session_instant());
    let clock: SharedClock = Arc::new(manual.clone());
    let src = kis_source(&cfg, dir.path(), clock).unwrap();
    let c = code("005930");
    let price_calls = || price_calls(&sim);

    // Live, then served from the cache while fresh without asking KIS.
    assert_eq!(src.status().cache_hit_rate, None, "nothing looked up yet");
    let live = src.quote(c, Req::INTERACTIVE).await.unwrap();
    assert_eq!(live.provenance, Provenance::Live { env: Env::Real });
    let truth = sim.market().quote_at(c, session_instant()).unwrap();
    assert_eq!(live.value.price, truth.price);
    let fetched_at = session_instant();
    let calls = price_calls();
    let cached = src.quote(c, Req::INTERACTIVE).await.unwrap();
    assert_eq!(cached.provenance, Provenance::Cached { fetched_at });
    assert_eq!(price_calls(), calls, "fresh hit must not call KIS");
    assert_eq!(src.status().redis_up, Some(true));
    assert!(src.cache_stats().hits >= 1);
    // The status bar's figure is what it claims: reads answered without asking KIS. One
    // read went to KIS, one was a fresh hit.
    let rate = src.status().cache_hit_rate.unwrap();
    assert!((rate - 0.5).abs() < 1e-9, "{rate}");
    assert_eq!(calls, price_calls(), "{rate}");

    // KIS starts failing: every answer is the cached quote, marked stale since its fetch.
    sim.add_fault(FaultRule::always(FaultKind::Transient { code: None }));
    manual.advance(CDur::seconds(5));
    for i in 0..5 {
        let q = src
            .quote(c, Req::INTERACTIVE)
            .await
            .unwrap_or_else(|e| panic!("call {i}: {e}"));
        assert_eq!(
            q.provenance,
            Provenance::Stale { since: fetched_at },
            "call {i}"
        );
        assert_eq!(q.value.price, truth.price);
    }
    let st = src.status();
    assert_eq!(st.breaker.as_deref(), Some("open"), "{st:?}");
    assert!(st.breaker_retry_at.is_some());
    assert!(st.last_error.is_some());

    // Open: no request reaches KIS, the stale value is still served.
    let calls = price_calls();
    let q = src.quote(c, Req::INTERACTIVE).await.unwrap();
    assert!(matches!(q.provenance, Provenance::Stale { .. }));
    assert_eq!(price_calls(), calls, "an open breaker must not call KIS");
    // Nothing cached for this code: the failure reaches the caller as unavailable.
    assert!(matches!(
        src.quote(code("000660"), Req::INTERACTIVE).await,
        Err(SourceError::Unavailable { .. })
    ));

    // kis-sim recovers; after the open period a half-open probe brings live data back.
    sim.clear_faults();
    manual.advance(CDur::seconds(61));
    let q = src.quote(c, Req::INTERACTIVE).await.unwrap();
    assert_eq!(q.provenance, Provenance::Live { env: Env::Real });
    assert_eq!(src.status().breaker.as_deref(), Some("closed"));
    let served = src.serve_stats();
    assert!(served.stale >= 6 && served.live >= 2, "{served:?}");
}

/// Each request says how fresh it must be: `Cached` takes a fresh entry, `Refresh` asks KIS
/// anyway and rewrites the entry, `Direct` (the ingest) asks KIS and neither reads nor writes
/// the cache, and never gets a stale stand-in when KIS fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freshness_is_chosen_per_request() {
    use hoga::source::Freshness;
    let sim = SimServer::start(SimConfig::frozen(SESSION)).await.unwrap();
    let redis = PrivateRedis::start();
    let cfg = config(&sim, &redis);
    let dir = tempfile::tempdir().unwrap();
    let manual = ManualClock::new(session_instant());
    let clock: SharedClock = Arc::new(manual.clone());
    let src = kis_source(&cfg, dir.path(), clock).unwrap();
    let price_calls = || price_calls(&sim);
    let (a, b) = (code("005930"), code("000660"));
    let cached = Req::INTERACTIVE;
    let refresh = Req::INTERACTIVE.refresh();
    assert_eq!(refresh.freshness, Freshness::Refresh);

    assert!(matches!(
        src.quote(a, cached).await.unwrap().provenance,
        Provenance::Live { .. }
    ));
    assert!(matches!(
        src.quote(a, cached).await.unwrap().provenance,
        Provenance::Cached { .. }
    ));
    // `r`: asks KIS although the entry is fresh, and the new answer is what is cached.
    let calls = price_calls();
    manual.advance(CDur::milliseconds(300));
    let refreshed_at = manual.now();
    assert!(matches!(
        src.quote(a, refresh).await.unwrap().provenance,
        Provenance::Live { .. }
    ));
    assert_eq!(price_calls(), calls + 1);
    assert_eq!(
        src.quote(a, cached).await.unwrap().provenance,
        Provenance::Cached {
            fetched_at: refreshed_at
        }
    );

    // Direct: a call every time, nothing cached by it.
    let calls = price_calls();
    for _ in 0..2 {
        let q = src.quote(b, Req::BATCH).await.unwrap();
        assert!(matches!(q.provenance, Provenance::Live { .. }));
    }
    assert_eq!(
        price_calls(),
        calls + 2,
        "direct requests never read the cache"
    );
    assert!(
        matches!(
            src.quote(b, cached).await.unwrap().provenance,
            Provenance::Live { .. }
        ),
        "direct requests never write the cache"
    );

    // KIS fails: cached and refresh requests get the retained entry marked stale, a direct
    // request gets the error (an ingest must never store a stale quote as today's bar).
    sim.add_fault(FaultRule::always(FaultKind::Transient { code: None }));
    manual.advance(CDur::seconds(5));
    assert!(matches!(
        src.quote(a, refresh).await.unwrap().provenance,
        Provenance::Stale { .. }
    ));
    assert!(matches!(
        src.quote(a, Req::BATCH).await,
        Err(SourceError::Unavailable { .. })
    ));
    let batch = src.quotes(&[a, b], Req::BATCH).await;
    assert!(batch.is_err(), "{batch:?}");
    sim.clear_faults();

    // Errors that will not pass are never hidden behind a cached value.
    let mut bad = cfg.clone();
    bad.kis.app_secret = Some(SecretString::from("wrong".to_string()));
    let dir2 = tempfile::tempdir().unwrap();
    let wrong = kis_source(&bad, dir2.path(), Arc::new(ManualClock::new(manual.now()))).unwrap();
    assert!(matches!(
        wrong.quote(a, Req::INTERACTIVE.refresh()).await,
        Err(SourceError::Auth(_))
    ));
}

//! Rate limiting against kis-sim's sliding one-second window: thousands of mixed requests from
//! many tasks at the configured limit cause zero EGW00201, alone and with two clients sharing
//! one appkey's budget (and token) through Redis.

mod client_support;

/// Each test here asserts zero EGW00201 against kis-sim's real-time one-second window, so they
/// run one at a time: two hammering at once would share two cores and measure each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

use client_support::*;
use hoga::kis::{KisClient, Priority};
use hoga::market::{Period, StockCode};
use hoga::sim::{SimConfig, SimHandle};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Runs `total` mixed requests from `tasks` tasks spread over `clients`.
async fn hammer(clients: &[KisClient], codes: &[StockCode], total: usize, tasks: usize) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for t in 0..tasks {
        let c = clients[t % clients.len()].clone();
        let (next, ok, codes) = (next.clone(), ok.clone(), codes.to_vec());
        handles.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let code = codes[i % codes.len()];
                let prio = match i % 3 {
                    0 => Priority::Interactive,
                    1 => Priority::Background,
                    _ => Priority::Batch,
                };
                let r = match i % 4 {
                    0 | 1 => c.quote(code, prio).await.map(|_| ()),
                    2 => c.order_book(code, prio).await.map(|_| ()),
                    _ => c.daily_price(code, prio).await.map(|_| ()),
                };
                if r.is_ok() {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    ok.load(Ordering::Relaxed)
}

fn all_codes(sim: &SimHandle) -> Vec<StockCode> {
    codes(sim, 500)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_mixed_requests_cause_no_rate_limit() {
    let _alone = alone().await;
    let rate = 200;
    let sim = start(SimConfig::frozen(SESSION).rate(rate)).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(
        &config(&sim, rate),
        options(dir.path(), Some(manual_clock().1)),
    );
    let codes = all_codes(&sim);
    let t = Instant::now();
    let ok = hammer(std::slice::from_ref(&c), &codes, 2_000, 32).await;
    let took = t.elapsed();
    eprintln!(
        "2000 requests in {took:?} ({:.1}/s)",
        2000.0 / took.as_secs_f64()
    );
    assert_eq!(ok, 2_000);
    assert_eq!(sim.stats().rate_limited, 0, "kis-sim counted EGW00201");
    assert_eq!(c.metrics().rate_limited, 0);
    // Paced, not bursting: 2000 at 200/s takes about 10 s.
    assert!(took >= Duration::from_millis(9_500), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_key_through_redis_stay_under_the_limit() {
    let _alone = alone().await;
    let rate = 100;
    let sim = start(SimConfig::frozen(SESSION).rate(rate)).await;
    let prefix = format!("hoga-test-{}-{}", std::process::id(), fastrand::u64(..));
    let make = |dir: &std::path::Path| {
        let mut o = options(dir, Some(manual_clock().1));
        o.redis_url = Some("redis://127.0.0.1:6379/".to_string());
        o.redis_prefix = prefix.clone();
        o.redis_timeout = Duration::from_millis(500);
        client(&config(&sim, rate), o)
    };
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Two processes: separate state dirs, the same appkey, each configured for the full rate.
    let (a, b) = (make(d1.path()), make(d2.path()));
    let codes = all_codes(&sim);
    let t = Instant::now();
    let ok = hammer(&[a.clone(), b.clone()], &codes, 600, 16).await;
    let took = t.elapsed();
    eprintln!("600 requests from two clients in {took:?}");
    assert_eq!(ok, 600);
    assert_eq!(sim.stats().rate_limited, 0, "kis-sim counted EGW00201");
    // One token for both: the second found it in Redis.
    assert_eq!(token_requests(&sim), 1);
    assert_eq!(a.metrics().tokens_issued + b.metrics().tokens_issued, 1);
    assert_eq!(a.redis_up(), Some(true));
    // Each sees the other on the key (for the status bar's "shared ×2").
    assert_eq!(a.budget_peers(), Some(2));
    assert_eq!(b.budget_peers(), Some(2));
    // They shared one budget: 600 at 100/s takes about 6 s (alone each would take 3 s).
    assert!(took >= Duration::from_millis(5_500), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_the_configured_share_keeps_two_clients_under_the_limit() {
    let _alone = alone().await;
    let rate = 100;
    let sim = start(SimConfig::frozen(SESSION).rate(rate)).await;
    let mut cfg = config(&sim, rate);
    cfg.kis.rate_share = 0.5;
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = client(&cfg, options(d1.path(), Some(manual_clock().1)));
    // Give `a` the token first so `b` reuses it from... nowhere: separate dirs, no Redis, so
    // b would be refused by the one-per-minute rule. Share the state dir instead.
    a.quote(codes(&sim, 1)[0], Priority::Interactive)
        .await
        .unwrap();
    let b = client(&cfg, options(d1.path(), Some(manual_clock().1)));
    let _ = d2;
    let ok = hammer(&[a, b], &all_codes(&sim), 400, 16).await;
    assert_eq!(ok, 400);
    assert_eq!(sim.stats().rate_limited, 0);
}

/// A process started right after another on the same key (a lookup after an ingest, cron
/// jobs back to back) counts the other's last second: no opening burst into a full window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_process_on_a_key_inherits_the_last_second() {
    let _alone = alone().await;
    let rate = 20;
    let sim = start(SimConfig::frozen(SESSION).rate(rate)).await;
    let mut cfg = config(&sim, rate);
    cfg.kis.max_retries = 0;
    let dir = tempfile::tempdir().unwrap();
    let codes = all_codes(&sim);
    let a = client(&cfg, options(dir.path(), Some(manual_clock().1)));
    // Saturate the window, then end the "process".
    assert_eq!(hammer(std::slice::from_ref(&a), &codes, 50, 8).await, 50);
    drop(a);
    let t = Instant::now();
    let b = client(&cfg, options(dir.path(), Some(manual_clock().1)));
    assert_eq!(hammer(std::slice::from_ref(&b), &codes, 20, 8).await, 20);
    assert_eq!(sim.stats().rate_limited, 0, "kis-sim counted EGW00201");
    // b waited for a's requests to leave the window rather than bursting.
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn chart_paging_respects_the_limit_too() {
    let _alone = alone().await;
    let rate = 20;
    let sim = start(SimConfig::frozen(SESSION).rate(rate)).await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(
        &config(&sim, rate),
        options(dir.path(), Some(manual_clock().1)),
    );
    let to = hoga::market::kst_date(session_instant());
    let from = to - chrono::Duration::days(700);
    let code = codes(&sim, 1)[0];
    let bars = c
        .period_chart(code, Period::Day, from, to, Priority::Batch)
        .await
        .unwrap();
    assert!(bars.len() > 400);
    assert_eq!(sim.stats().rate_limited, 0);
}

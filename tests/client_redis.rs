//! The Redis-shared request budget and token lock, against the real Redis on 127.0.0.1:6379
//! (unique key prefixes per test; nothing else touched).

use hoga::kis::coord::RedisCoord;
use std::sync::Arc;
use std::time::{Duration, Instant};

const URL: &str = "redis://127.0.0.1:6379/";

fn unique(tag: &str) -> String {
    format!(
        "hoga-test:{tag}:{}:{}",
        std::process::id(),
        fastrand::u64(..)
    )
}

fn coord(base: &str) -> Arc<RedisCoord> {
    Arc::new(
        RedisCoord::new(
            URL,
            base.to_string(),
            Duration::from_millis(500),
            Duration::from_secs(1),
        )
        .unwrap(),
    )
}

fn max_in_window(times: &mut [Instant], w: Duration) -> usize {
    times.sort();
    let (mut best, mut j) = (0, 0);
    for i in 0..times.len() {
        while times[i].duration_since(times[j]) >= w {
            j += 1;
        }
        best = best.max(i - j + 1);
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_budget() {
    let base = unique("budget");
    // Two coordinators = two processes on the same appkey.
    let (a, b) = (coord(&base), coord(&base));
    let limit = 50;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..8 {
        let c = if k % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in 0..15 {
                c.acquire_budget(limit, Duration::from_millis(20))
                    .await
                    .unwrap();
                times.push(Instant::now());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.unwrap());
    }
    assert_eq!(times.len(), 120);
    // Local timestamps are taken after Redis answered; allow a little jitter on the window.
    let worst = max_in_window(&mut times, Duration::from_millis(950));
    assert!(worst <= limit as usize, "{worst} permits in under a second");
    // 120 permits at 50/s: a bit over 2 s, and not dramatically slower.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// KIS counts a request when it arrives, which can be well after its grant (a busy machine,
/// a slow network). Requests here "arrive" up to 60 ms after their grant, in random order
/// across two processes: no one-second window of arrivals may hold more than the limit, and
/// the pair still gets most of the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_arrivals_never_crowd_a_window_and_the_budget_is_used() {
    let base = unique("arrivals");
    let (a, b) = (coord(&base), coord(&base));
    let limit = 40;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..8 {
        let c = if k % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut arrivals = Vec::new();
            for _ in 0..20 {
                let slot = c
                    .acquire_budget(limit, Duration::from_millis(10))
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(fastrand::u64(0..60))).await;
                arrivals.push(Instant::now());
                // The "answer" comes a little after the arrival.
                tokio::time::sleep(Duration::from_millis(2)).await;
                drop(slot);
            }
            arrivals
        }));
    }
    let mut arrivals = Vec::new();
    for t in tasks {
        arrivals.extend(t.await.unwrap());
    }
    let took = start.elapsed();
    assert_eq!(arrivals.len(), 160);
    let worst = max_in_window(&mut arrivals, Duration::from_secs(1));
    assert!(
        worst <= limit as usize,
        "{worst} arrivals within one second"
    );
    // 160 at 40/s is 4 s at the bound; the late arrivals may cost a little, not a lot.
    assert!(took < Duration::from_millis(5200), "{took:?}");
    assert_eq!(a.peers(), 2);
    assert_eq!(b.peers(), 2);
}

#[tokio::test]
async fn issue_lock_is_exclusive_and_released_only_by_its_holder() {
    let base = unique("lock");
    let (a, b) = (coord(&base), coord(&base));
    assert!(
        a.try_lock("token-lock", Duration::from_secs(5))
            .await
            .unwrap()
    );
    assert!(
        !b.try_lock("token-lock", Duration::from_secs(5))
            .await
            .unwrap()
    );
    // b cannot release a's lock.
    b.unlock("token-lock").await.unwrap();
    assert!(
        !b.try_lock("token-lock", Duration::from_secs(5))
            .await
            .unwrap()
    );
    a.unlock("token-lock").await.unwrap();
    assert!(
        b.try_lock("token-lock", Duration::from_secs(5))
            .await
            .unwrap()
    );
    assert!(b.pttl("token-lock").await.unwrap() > 0);
    b.del("token-lock").await.unwrap();
}

#[tokio::test]
async fn unreachable_redis_fails_fast_and_backs_off() {
    // A black hole: connections are accepted (and counted) but never answered.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(s);
        }
    });
    let timeout = Duration::from_millis(100);
    let c = Arc::new(
        RedisCoord::new(
            &format!("redis://127.0.0.1:{port}/"),
            unique("down"),
            timeout,
            Duration::from_secs(30),
        )
        .unwrap(),
    );
    let t = Instant::now();
    assert!(c.acquire_budget(10, Duration::ZERO).await.is_err());
    assert!(!c.is_up());
    // Bounded by the timeout (the wrapper allows two), with slack for a loaded machine.
    assert!(t.elapsed() < timeout * 2 * 10, "{:?}", t.elapsed());
    // Inside the back-off nothing even tries: no new connection reaches the server.
    let tried = accepted.load(std::sync::atomic::Ordering::SeqCst);
    assert!(tried >= 1, "the first call did try");
    for _ in 0..20 {
        assert!(c.get("token").await.is_err());
        assert!(c.acquire_budget(10, Duration::ZERO).await.is_err());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        tried,
        "calls inside the back-off reached Redis"
    );
}

mod client_support;

mod common;
use common::PrivateRedis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_keep_working_when_redis_dies_and_use_it_again_when_it_returns() {
    use client_support::*;
    use hoga::kis::Priority;
    let mut redis = PrivateRedis::start();
    let port = redis.port;
    let sim = start(hoga::sim::SimConfig::frozen(SESSION).rate(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(dir.path(), Some(manual_clock().1));
    o.redis_url = Some(format!("redis://127.0.0.1:{port}/"));
    o.redis_prefix = unique("kill");
    o.redis_timeout = Duration::from_millis(100);
    o.redis_retry_after = Duration::from_millis(300);
    let mut cfg = config(&sim, 100);
    cfg.kis.rate_share = 0.5;
    let c = client(&cfg, o);
    let codes = codes(&sim, 20);
    for code in &codes {
        c.quote(*code, Priority::Interactive).await.unwrap();
    }
    assert_eq!(c.redis_up(), Some(true));
    assert_eq!(
        c.limiter_usage().1,
        100,
        "Redis coordinates: the whole budget"
    );

    redis.kill();
    let t = Instant::now();
    for code in &codes {
        c.quote(*code, Priority::Interactive).await.unwrap();
    }
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "no call waited on the dead Redis: {:?}",
        t.elapsed()
    );
    assert_eq!(c.redis_up(), Some(false));
    assert_eq!(
        c.limiter_usage().1,
        50,
        "without Redis only the configured share"
    );

    redis.restart();
    let back = async {
        loop {
            c.quote(codes[0], Priority::Interactive).await.unwrap();
            if c.redis_up() == Some(true) && c.limiter_usage().1 == 100 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), back)
        .await
        .expect("Redis used again after it came back");
    assert_eq!(sim.stats().rate_limited, 0);
}

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
    // Nothing listens on port 1.
    let c = Arc::new(
        RedisCoord::new(
            "redis://127.0.0.1:1/",
            unique("down"),
            Duration::from_millis(100),
            Duration::from_secs(30),
        )
        .unwrap(),
    );
    let t = Instant::now();
    assert!(c.acquire_budget(10, Duration::ZERO).await.is_err());
    assert!(!c.is_up());
    // Inside the back-off nothing even tries.
    let t2 = Instant::now();
    assert!(c.get("token").await.is_err());
    assert!(t2.elapsed() < Duration::from_millis(5));
    assert!(t.elapsed() < Duration::from_secs(2));
}

mod client_support;

/// A private redis-server this test may kill.
struct PrivateRedis {
    port: u16,
    child: std::process::Child,
}

impl PrivateRedis {
    fn start(port: u16) -> PrivateRedis {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        PrivateRedis { port, child }
    }

    async fn wait_ready(&self) {
        let url = format!("redis://127.0.0.1:{}/", self.port);
        for _ in 0..200 {
            if let Ok(c) = redis::Client::open(url.as_str())
                && let Ok(mut conn) = c.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("private redis did not start");
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_keep_working_when_redis_dies_and_use_it_again_when_it_returns() {
    use client_support::*;
    use hoga::kis::Priority;
    let port = free_port();
    let mut redis = PrivateRedis::start(port);
    redis.wait_ready().await;
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

    let redis2 = PrivateRedis::start(port);
    redis2.wait_ready().await;
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

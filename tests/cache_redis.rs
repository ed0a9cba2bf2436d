//! Redis cache against a real, private `redis-server`: killed mid-run the calls keep working from
//! memory without waiting on it; restarted, it is used again by itself. Never touches :6379.

use chrono::Utc;
use hoga::cache::{Cache, CacheEntry, MemoryCache, RedisCache, RedisSettings, TieredCache};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{PrivateRedis, free_port};

fn config(port: u16) -> RedisSettings {
    RedisSettings {
        url: format!("redis://127.0.0.1:{port}/"),
        // Generous for two loaded cores; the point is that it is bounded.
        timeout: Duration::from_millis(1_000),
        retry_after: Duration::from_millis(300),
    }
}

fn tiered(redis: Arc<RedisCache>) -> TieredCache {
    TieredCache::new(
        Some(redis),
        Arc::new(MemoryCache::new(1_000, hoga::clock::system())),
    )
}

fn entry(p: &str) -> CacheEntry {
    CacheEntry::new(Utc::now(), p.to_string())
}

const TTL: Duration = Duration::from_secs(60);

#[tokio::test]
async fn redis_killed_mid_run_then_restarted_is_used_again() {
    let mut server = PrivateRedis::start();
    let port = server.port;
    let redis = Arc::new(RedisCache::new(&config(port)).unwrap());
    let cache = tiered(redis.clone());

    // Up: writes land in Redis, reads come from it.
    cache.set("kis:real:price:005930", &entry("a"), TTL).await;
    assert!(server.raw_get("kis:real:price:005930").is_some());
    assert_eq!(
        cache.get("kis:real:price:005930").await.unwrap().payload,
        "a"
    );
    assert_eq!(redis.stats().hits, 1);
    assert_eq!(redis.stats().redis_up, Some(true));

    // Killed mid-run: every call still answers, from memory, without waiting on Redis. Only
    // a call that actually tried Redis (an error counted) may wait, and never past the
    // configured timeout (with slack for a loaded machine).
    server.kill();
    let timeout = config(port).timeout;
    let mut slow = 0;
    for i in 0..50 {
        let started = Instant::now();
        let got = cache.get("kis:real:price:005930").await;
        assert_eq!(got.map(|e| e.payload).as_deref(), Some("a"), "call {i}");
        cache
            .set(&format!("kis:real:price:{i:06}"), &entry("m"), TTL)
            .await;
        let took = started.elapsed();
        assert!(
            took < timeout * 2 * 3,
            "call {i} waited {took:?} on a dead Redis (timeout {timeout:?})"
        );
        if took >= timeout / 2 {
            slow += 1;
        }
    }
    let down = redis.stats();
    assert_eq!(down.redis_up, Some(false));
    assert!(down.errors >= 1, "{down:?}");
    assert!(
        slow <= down.errors,
        "{slow} calls waited while only {} tried Redis: {down:?}",
        down.errors
    );
    assert!(down.skipped >= 40, "backoff spares most calls: {down:?}");
    assert_eq!(
        cache.stats().misses,
        0,
        "no lookup was lost: {:?}",
        cache.stats()
    );
    assert_eq!(
        cache
            .get("kis:real:price:000049")
            .await
            .map(|e| e.payload)
            .as_deref(),
        Some("m"),
        "written while Redis was down, served from memory"
    );

    // Restarted on the same port: hoga reconnects by itself and writes reach Redis again.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = 0;
    loop {
        n += 1;
        let key = format!("kis:real:price:R{n:05}");
        cache.set(&key, &entry("back"), TTL).await;
        if server.raw_get(&key).is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Redis not used again: {:?}",
            redis.stats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(redis.stats().redis_up, Some(true));
    let hits_before = redis.stats().hits;
    let key = format!("kis:real:price:R{n:05}");
    assert_eq!(cache.get(&key).await.unwrap().payload, "back");
    assert_eq!(
        redis.stats().hits,
        hits_before + 1,
        "read served by Redis again"
    );
}

#[tokio::test]
async fn redis_down_at_start_is_a_silent_miss_and_memory_carries_on() {
    // Nothing listens on this port.
    let port = free_port();
    let redis = Arc::new(RedisCache::new(&config(port)).unwrap());
    let cache = tiered(redis.clone());
    let started = Instant::now();
    assert_eq!(cache.get("kis:real:info:005930").await, None);
    cache.set("kis:real:info:005930", &entry("i"), TTL).await;
    assert_eq!(
        cache
            .get("kis:real:info:005930")
            .await
            .map(|e| e.payload)
            .as_deref(),
        Some("i")
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let s = redis.stats();
    assert_eq!(s.redis_up, Some(false));
    assert!(s.errors >= 1);
    let t = cache.stats();
    assert_eq!((t.hits, t.misses), (1, 1));
}

#[tokio::test]
async fn entries_expire_in_redis_after_their_retention() {
    let server = PrivateRedis::start();
    let redis = RedisCache::new(&config(server.port)).unwrap();
    redis
        .set(
            "kis:real:orderbook:005930",
            &entry("b"),
            Duration::from_millis(150),
        )
        .await;
    assert!(redis.get("kis:real:orderbook:005930").await.is_some());
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.raw_get("kis:real:orderbook:005930").is_some() {
        assert!(Instant::now() < deadline, "entry never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(redis.get("kis:real:orderbook:005930").await, None);
}

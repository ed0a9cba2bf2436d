//! Redis cache against a real, private `redis-server`: killed mid-run the calls keep working from
//! memory without waiting on it; restarted, it is used again by itself. Never touches :6379.

use chrono::Utc;
use hoga::cache::{Cache, CacheEntry, MemoryCache, RedisCache, TieredCache};
use hoga::config::RedisConfig;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(port: u16) -> PrivateRedis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for this test");
        let r = PrivateRedis {
            port,
            child: Some(child),
        };
        r.wait_ready();
        r
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let client = redis::Client::open(self.url()).unwrap();
        while Instant::now() < deadline {
            if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("private redis-server on {} did not start", self.port);
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn raw_get(&self, key: &str) -> Option<String> {
        let client = redis::Client::open(self.url()).ok()?;
        let mut c = client
            .get_connection_with_timeout(Duration::from_secs(1))
            .ok()?;
        redis::cmd("GET").arg(key).query(&mut c).ok()?
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config(port: u16) -> RedisConfig {
    RedisConfig {
        enabled: true,
        url: format!("redis://127.0.0.1:{port}/"),
        key_prefix: "kis".to_string(),
        // Generous for two loaded cores; the point is that it is bounded.
        timeout_ms: 1_000,
        retry_after_ms: 300,
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
    let port = free_port();
    let mut server = PrivateRedis::start(port);
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

    // Killed mid-run: every call still answers, from memory, without waiting on Redis.
    server.kill();
    for i in 0..50 {
        let started = Instant::now();
        let got = cache.get("kis:real:price:005930").await;
        assert_eq!(got.map(|e| e.payload).as_deref(), Some("a"), "call {i}");
        cache
            .set(&format!("kis:real:price:{i:06}"), &entry("m"), TTL)
            .await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "call {i} waited {:?} on a dead Redis",
            started.elapsed()
        );
    }
    let down = redis.stats();
    assert_eq!(down.redis_up, Some(false));
    assert!(down.errors >= 1, "{down:?}");
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
    let server = PrivateRedis::start(port);
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
    let port = free_port();
    let server = PrivateRedis::start(port);
    let redis = RedisCache::new(&config(port)).unwrap();
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

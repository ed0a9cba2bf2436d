//! Redis cache-hit latency on loopback (target: p95 < 1 ms), for the raw `RedisCache`, the
//! `TieredCache` hoga uses, and a fresh-hit `KisSource::quote` (lookup + JSON decode).
//! Runs against a private `redis-server` it starts on a free port (falls back to the shared one
//! on 6379 with a unique key prefix). `cargo bench --bench cache_redis`; `HOGA_BENCH_N` sets
//! the number of samples (default 20000).

use chrono::Utc;
use hoga::cache::{
    Cache, CacheEntry, CachePolicy, MemoryCache, RedisCache, RedisSettings, TieredCache,
};
use hoga::market::*;
use hoga::source::kis::KisSource;
use hoga::source::{DataSource, Req};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A KIS client that is never reached on a fresh hit: its base URL is a closed port.
fn unreachable_client(dir: &std::path::Path) -> hoga::kis::KisClient {
    let mut cfg = hoga::config::Config::default();
    cfg.kis.app_key = Some(secrecy::SecretString::from("bench-key".to_string()));
    cfg.kis.app_secret = Some(secrecy::SecretString::from("bench-secret".to_string()));
    cfg.kis.base_url = Some("http://127.0.0.1:1".to_string());
    cfg.redis.enabled = false;
    let opts = hoga::kis::ClientOptions::in_dirs(dir.join("state"), dir.join("data"));
    hoga::kis::KisClient::new(&settings(&cfg).source.kis, opts)
        .expect("the client builds without a network")
}

/// Every layer's settings from `c`, built as the loader builds them (directories named only).
fn settings(c: &hoga::config::Config) -> hoga::config::Settings {
    hoga::config::Settings::build(
        c,
        &hoga::paths::Paths::under(std::path::Path::new("/nonexistent/hoga-bench")),
    )
    .unwrap_or_else(|problems| panic!("invalid bench config: {problems:?}"))
}

fn free_port() -> Option<u16> {
    Some(
        std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
    )
}

fn start_private_redis() -> Option<(Child, u16)> {
    let port = free_port()?;
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, port));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pct = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1e6
    };
    let p95 = pct(0.95);
    println!(
        "{name:<34} n={:>6}  p50 {:>7.1} µs  p95 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs  [{}]",
        samples.len(),
        pct(0.50),
        p95,
        pct(0.99),
        pct(1.0),
        if p95 < 1000.0 {
            "p95 < 1 ms: OK"
        } else {
            "p95 >= 1 ms: MISSED"
        }
    );
}

fn sample_quote(code: StockCode) -> Quote {
    Quote {
        code,
        name: Some("삼성전자".into()),
        price: Krw(65_850),
        change: Krw(-150),
        change_rate: Rate(-23),
        prev_close: Krw(66_000),
        open: Krw(66_000),
        high: Krw(66_200),
        low: Krw(65_700),
        volume: 5_123_456,
        value: Krw(337_000_000_000),
        upper_limit: Krw(85_800),
        lower_limit: Krw(46_200),
        flags: StatusFlags::default(),
        expected: None,
        as_of: Utc::now(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and then this is a
    // quick smoke run rather than a measurement.
    let full = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("HOGA_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 20_000 } else { 200 });
    let private = start_private_redis();
    let (url, prefix) = match &private {
        Some((_, port)) => (format!("redis://127.0.0.1:{port}/"), "bench".to_string()),
        None => (
            "redis://127.0.0.1:6379/".to_string(),
            format!("hoga-bench-{}", std::process::id()),
        ),
    };
    println!("cache_redis bench against {url} ({n} samples each)");
    let cfg = RedisSettings {
        url,
        timeout: Duration::from_millis(100),
        retry_after: Duration::from_secs(1),
    };
    let redis = match RedisCache::new(&cfg) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            println!("skipped: {e}");
            return;
        }
    };
    if !redis.ping().await {
        println!("skipped: no Redis reachable");
        return;
    }
    let code = StockCode::new("005930").unwrap_or_else(|_| unreachable!());
    let keys = hoga::cache::Keys::new(&prefix, Env::Real);
    let key = keys.price(code);
    let entry =
        CacheEntry::encode(Utc::now(), &sample_quote(code)).unwrap_or_else(|| unreachable!());
    redis.set(&key, &entry, Duration::from_secs(600)).await;

    // Warm up the connection and the allocator.
    for _ in 0..500 {
        let _ = redis.get(&key).await;
    }

    let mut s = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let hit = redis.get(&key).await;
        s.push(t.elapsed());
        assert!(hit.is_some(), "cache miss in a hit benchmark");
    }
    report("RedisCache::get (hit)", s);

    let memory = Arc::new(MemoryCache::new(1_000, hoga::clock::system()));
    let tiered = Arc::new(TieredCache::new(Some(redis.clone()), memory));
    let mut s = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let hit = tiered.get(&key).await;
        s.push(t.elapsed());
        assert!(hit.is_some());
    }
    report("TieredCache::get (Redis hit)", s);

    let mut lifetimes = settings(&hoga::config::Config::default())
        .source
        .cache
        .lifetimes;
    lifetimes.price.fresh = Duration::from_secs(3_600);
    let dir = tempfile::tempdir().expect("a temporary dir");
    let source = KisSource::new(
        unreachable_client(dir.path()),
        tiered,
        CachePolicy::new(lifetimes),
        &prefix,
        hoga::clock::system(),
    );
    let mut s = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let q = source.quote(code, Req::INTERACTIVE).await;
        s.push(t.elapsed());
        assert!(matches!(
            q.map(|q| q.provenance),
            Ok(Provenance::Cached { .. })
        ));
    }
    report("KisSource::quote (fresh Redis hit)", s);

    redis.delete(&key).await;
    if let Some((mut child, _)) = private {
        let _ = child.kill();
        let _ = child.wait();
    }
}

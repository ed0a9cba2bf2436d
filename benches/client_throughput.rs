//! Client benchmarks against an in-process kis-sim (a bench binary that prints figures):
//!
//! 1. throughput: sim limit 200/s, client 200/s, 32 tasks, for CLIENT_BENCH_SECS (default 60):
//!    sustained rate as a share of the limit, and EGW00201 counted by the sim (target ≥ 95 %, 0).
//! 2. soak: KIS's real 18/s for CLIENT_BENCH_SOAK_SECS (default 600): requests per minute
//!    (target ≥ 1,000/min) and EGW00201 (target 0).
//! 3. shared: two clients (two hoga processes) on one appkey, coordinating through the Redis
//!    on 127.0.0.1:6379 (unique keys), 8 tasks each, for CLIENT_BENCH_SHARED_SECS (default
//!    30) at 18/s and at 200/s: their combined rate as a share of the limit, EGW00201 counted
//!    by the sim, tokenP calls (targets: ≥ 95 %, 0, 1). Skipped when Redis is not there.
//! 4. latency: sequential calls, limiter not the bottleneck: the client stack (dedup, breaker,
//!    limiter, token, wire parse) vs a bare reqwest GET of the same endpoint (target: added
//!    p95 < 1 ms).
//!
//! Run: `cargo bench --bench client_throughput`; quick: `CLIENT_BENCH_SECS=10
//! CLIENT_BENCH_SOAK_SECS=60 cargo bench --bench client_throughput`; one phase:
//! `CLIENT_BENCH_PHASES=latency`.

use hoga::config::Config;
use hoga::kis::{ClientOptions, KisClient, Priority};
use hoga::market::StockCode;
use hoga::sim::{SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// kis-sim runs on its own runtime (its own threads), like the separate process it is in
/// production, so its handlers do not share worker threads with the client under test.
fn sim_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kis-sim")
            .enable_all()
            .build()
            .expect("sim runtime")
    })
}

async fn start_sim(cfg: SimConfig) -> SimHandle {
    sim_runtime()
        .spawn(SimServer::start(cfg))
        .await
        .expect("sim task")
        .expect("sim starts")
}

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The client's settings for `sim` at `rate` requests/s, built as the loader builds them. The
/// rate is set afterwards: the throughput runs go beyond what a config may ask (1 to 1000) to
/// measure the client itself rather than the limiter.
fn kis_settings(sim: &SimHandle, rate: u32) -> hoga::kis::Settings {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.master_url = sim.master_url();
    c.redis.enabled = false;
    let paths = hoga::paths::Paths::under(std::path::Path::new("/nonexistent/hoga-bench"));
    let mut kis = hoga::config::Settings::build(&c, &paths)
        .unwrap_or_else(|problems| panic!("invalid bench config: {problems:?}"))
        .source
        .kis;
    kis.requests_per_sec = rate;
    kis
}

fn codes(sim: &SimHandle) -> Vec<StockCode> {
    sim.market()
        .stocks()
        .iter()
        .take(500)
        .map(|s| s.code)
        .collect()
}

/// Keeps `tasks` tasks busy for `secs`; returns (completed requests, elapsed).
async fn run_load(c: &KisClient, codes: &[StockCode], tasks: usize, secs: u64) -> (u64, Duration) {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut hs = Vec::new();
    for t in 0..tasks {
        let (c, done, stop, codes) = (c.clone(), done.clone(), stop.clone(), codes.to_vec());
        hs.push(tokio::spawn(async move {
            let mut i = t;
            while !stop.load(Ordering::Relaxed) {
                let code = codes[i % codes.len()];
                i += tasks;
                let r = if i % 3 == 0 {
                    c.order_book(code, Priority::Background).await.map(|_| ())
                } else {
                    c.quote(code, Priority::Background).await.map(|_| ())
                };
                if r.is_ok() {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let n = done.load(Ordering::Relaxed);
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    for h in hs {
        let _ = h.await;
    }
    (n, elapsed)
}

/// The ceiling of this machine right now: client and sim limits out of the way.
async fn capacity(secs: u64) {
    let limit = 100_000;
    let sim = start_sim(SimConfig::default().rate(limit)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let c = KisClient::new(
        &kis_settings(&sim, limit),
        ClientOptions::in_dirs(dir.path().join("s"), dir.path().join("d")),
    )
    .expect("client");
    let codes = codes(&sim);
    c.quote(codes[0], Priority::Interactive)
        .await
        .expect("warm-up");
    let (n, el) = run_load(&c, &codes, 32, secs).await;
    println!(
        "capacity (no limits, same mix, 32 tasks): {:.1}/s over {:.1} s",
        n as f64 / el.as_secs_f64(),
        el.as_secs_f64()
    );
}

async fn throughput(secs: u64) {
    let limit = 200;
    let sim = start_sim(SimConfig::default().rate(limit)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let c = KisClient::new(
        &kis_settings(&sim, limit),
        ClientOptions::in_dirs(dir.path().join("s"), dir.path().join("d")),
    )
    .expect("client");
    let codes = codes(&sim);
    // Token first, so the run measures steady state.
    c.quote(codes[0], Priority::Interactive)
        .await
        .expect("warm-up");
    let before = sim.stats().requests;
    let (n, el) = run_load(&c, &codes, 32, secs).await;
    let served = sim.stats().requests - before;
    let rate = n as f64 / el.as_secs_f64();
    println!(
        "throughput: {n} ok requests in {:.1} s = {rate:.1}/s = {:.1}% of the {limit}/s limit \
         (sim saw {served}); EGW00201 counted by kis-sim: {}, by client: {}   [target ≥ 95%, 0]",
        el.as_secs_f64(),
        100.0 * rate / limit as f64,
        sim.stats().rate_limited,
        c.metrics().rate_limited
    );
}

async fn soak(secs: u64) {
    let limit = 18;
    let sim = start_sim(SimConfig::default().rate(limit)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let c = KisClient::new(
        &kis_settings(&sim, limit),
        ClientOptions::in_dirs(dir.path().join("s"), dir.path().join("d")),
    )
    .expect("client");
    let codes = codes(&sim);
    c.quote(codes[0], Priority::Interactive)
        .await
        .expect("warm-up");
    let (n, el) = run_load(&c, &codes, 8, secs).await;
    let per_min = n as f64 * 60.0 / el.as_secs_f64();
    println!(
        "soak at 18/s: {n} ok requests in {:.0} s = {per_min:.0}/min; EGW00201 counted by kis-sim: {}   \
         [target ≥ 1000/min for 10 min, 0]",
        el.as_secs_f64(),
        sim.stats().rate_limited
    );
}

async fn shared(secs: u64, limit: u32) {
    let url = "redis://127.0.0.1:6379/";
    if redis::Client::open(url)
        .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(300)))
        .is_err()
    {
        println!("shared budget: no Redis on 127.0.0.1:6379, skipped");
        return;
    }
    let sim = start_sim(SimConfig::default().rate(limit)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = format!("hoga-bench-{}-{}", std::process::id(), limit);
    let client = |name: &str| {
        let mut o = ClientOptions::in_dirs(dir.path().join(name), dir.path().join("d"));
        o.redis_url = Some(url.to_string());
        o.redis_prefix = prefix.clone();
        KisClient::new(&kis_settings(&sim, limit), o).expect("client")
    };
    let (a, b) = (client("a"), client("b"));
    let codes = codes(&sim);
    a.quote(codes[0], Priority::Interactive)
        .await
        .expect("warm-up a");
    b.quote(codes[1], Priority::Interactive)
        .await
        .expect("warm-up b");
    let (half_a, half_b) = codes.split_at(codes.len() / 2);
    let (ra, rb) = tokio::join!(run_load(&a, half_a, 8, secs), run_load(&b, half_b, 8, secs));
    let el = ra.1.max(rb.1).as_secs_f64();
    let rate = (ra.0 + rb.0) as f64 / el;
    let st = sim.stats();
    println!(
        "shared budget at {limit}/s, two clients through Redis: {} + {} ok requests in {el:.1} s = \
         {rate:.1}/s = {:.1}% of the limit; EGW00201 counted by kis-sim: {}; tokenP: {}   \
         [target ≥ 95%, 0, 1]",
        ra.0,
        rb.0,
        100.0 * rate / limit as f64,
        st.rate_limited,
        st.tokens_issued
    );
}

fn pct(v: &mut [u64], p: f64) -> u64 {
    v.sort_unstable();
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

async fn latency(n: usize) {
    let limit = 100_000;
    let sim = start_sim(SimConfig::default().rate(limit)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("s");
    let c = KisClient::new(
        &kis_settings(&sim, limit),
        ClientOptions::in_dirs(state.clone(), dir.path().join("d")),
    )
    .expect("client");
    let codes = codes(&sim);
    c.quote(codes[0], Priority::Interactive)
        .await
        .expect("warm-up");
    let saved: serde_json::Value = serde_json::from_slice(
        &std::fs::read(state.join("kis-token-real.json")).expect("token file"),
    )
    .expect("token json");
    let token = saved["token"].as_str().expect("token").to_string();
    let bare = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .expect("reqwest");
    let url = format!(
        "{}/uapi/domestic-stock/v1/quotations/inquire-price",
        sim.base_url()
    );
    let (mut b, mut k) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n + 200 {
        let code = codes[i % codes.len()];
        let t = Instant::now();
        let r = bare
            .get(&url)
            .query(&[
                ("FID_COND_MRKT_DIV_CODE", "J"),
                ("FID_INPUT_ISCD", code.as_str()),
            ])
            .header("authorization", format!("Bearer {token}"))
            .header("appkey", TEST_APP_KEY)
            .header("appsecret", TEST_APP_SECRET)
            .header("tr_id", "FHKST01010100")
            .header("custtype", "P")
            .send()
            .await
            .expect("bare send");
        let _ = r.bytes().await.expect("bare body");
        let bare_us = t.elapsed().as_micros() as u64;
        let t = Instant::now();
        c.quote(code, Priority::Interactive)
            .await
            .expect("client quote");
        let client_us = t.elapsed().as_micros() as u64;
        if i >= 200 {
            b.push(bare_us);
            k.push(client_us);
        }
    }
    let (b50, b95, b99) = (pct(&mut b, 50.0), pct(&mut b, 95.0), pct(&mut b, 99.0));
    let (k50, k95, k99) = (pct(&mut k, 50.0), pct(&mut k, 95.0), pct(&mut k, 99.0));
    println!(
        "latency over {n} sequential calls (µs): bare reqwest p50 {b50} p95 {b95} p99 {b99}; \
         client stack p50 {k50} p95 {k95} p99 {k99}; added p50 {} p95 {} µs   [target added p95 < 1000 µs]",
        k50 as i64 - b50 as i64,
        k95 as i64 - b95 as i64
    );
}

fn main() {
    let phases = std::env::var("CLIENT_BENCH_PHASES")
        .unwrap_or_else(|_| "throughput,shared,soak,latency".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if phases.contains("latency") {
            latency(env_secs("CLIENT_BENCH_LATENCY_N", 2000) as usize).await;
        }
        if phases.contains("capacity") || phases.contains("throughput") {
            capacity(5).await;
        }
        if phases.contains("throughput") {
            throughput(env_secs("CLIENT_BENCH_SECS", 60)).await;
        }
        if phases.contains("shared") {
            let secs = env_secs("CLIENT_BENCH_SHARED_SECS", 30);
            shared(secs, 18).await;
            shared(secs, 200).await;
        }
        if phases.contains("soak") {
            soak(env_secs("CLIENT_BENCH_SOAK_SECS", 600)).await;
        }
    });
}

//! The `kis-sim` binary: a faithful local KIS Open API server over a deterministic market.
//!
//! `kis-sim --port 9443 --seed 7 [--virtual] [--rate 18] [--token-ttl 86400]
//!  [--clock real|frozen:2026-11-26T10:30:00+09:00|accel:60[@2026-11-26 08:25]]
//!  [--fault transient:rate=0.05] [--fault latency:ms=200,jitter=50,endpoint=inquire-price] ...`
//!
//! Prints its base URL (for `[kis] base_url`) and master URL (for `[kis] master_url`), then
//! serves until Ctrl-C.

use clap::Parser;
use hoga::market::Env;
use hoga::sim::{ClockMode, FaultRule, SimConfig, SimServer, TEST_APP_KEY, TEST_APP_SECRET};

#[derive(Parser, Debug)]
#[command(
    name = "kis-sim",
    about = "A local KIS Open API server for tests and demos"
)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Market seed: the same seed gives the same market.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Imitate the paper-trading (모의투자) server: 1 req/s, real-only TRs refused.
    #[arg(long = "virtual")]
    virtual_server: bool,
    /// Requests per second per appkey (default 18 real, 1 virtual).
    #[arg(long)]
    rate: Option<u32>,
    /// Access-token lifetime in seconds (default 86400).
    #[arg(long, default_value_t = 86_400)]
    token_ttl: i64,
    /// real | frozen:<instant> | accel:<factor>[@<instant>] (instants in RFC 3339 or KST).
    #[arg(long, default_value = "real", value_parser = ClockMode::parse)]
    clock: ClockMode,
    /// A fault rule `KIND[:key=value,...]`; repeatable. Kinds: transient, latency, hang, drop,
    /// truncate, malformed, html, empty_rows, rate_limit, bad_bar_high_low, bad_bar_off_grid;
    /// keys: rate, count, endpoint, ms, jitter, code.
    #[arg(long = "fault", value_parser = FaultRule::parse)]
    faults: Vec<FaultRule>,
    /// URL path of the master files.
    #[arg(long, default_value = "/common/master")]
    master_path: String,
    /// Accept this appkey (with --app-secret) instead of the built-in test pair.
    #[arg(long, requires = "app_secret")]
    app_key: Option<String>,
    #[arg(long, requires = "app_key")]
    app_secret: Option<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut cfg = SimConfig {
        port: args.port,
        seed: args.seed,
        env: if args.virtual_server {
            Env::Virtual
        } else {
            Env::Real
        },
        clock: args.clock,
        rate_per_sec: args.rate,
        master_path: args.master_path,
        faults: args.faults,
        ..SimConfig::default()
    };
    match chrono::Duration::try_seconds(args.token_ttl)
        .filter(|d| *d >= chrono::Duration::seconds(1) && *d <= chrono::Duration::days(3_650))
    {
        Some(ttl) => cfg.auth.ttl = ttl,
        None => {
            eprintln!("kis-sim: --token-ttl must be between 1 second and 10 years");
            std::process::exit(2);
        }
    }
    if let (Some(k), Some(s)) = (args.app_key, args.app_secret) {
        cfg.app_keys = vec![(k, s)];
    }
    let using_test_keys = cfg.app_keys[0].0 == TEST_APP_KEY;
    let mut sim = match SimServer::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kis-sim: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", sim.base_url());
    eprintln!("kis-sim: KIS REST at {}", sim.base_url());
    eprintln!("kis-sim: master files at {}", sim.master_url());
    eprintln!("kis-sim: admin at {}/_sim/stats", sim.base_url());
    if using_test_keys {
        eprintln!("kis-sim: accepting the test appkey {TEST_APP_KEY}");
        eprintln!("kis-sim: and its appsecret {TEST_APP_SECRET}");
    }
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("kis-sim: cannot wait for Ctrl-C; stopping");
    }
    sim.stop().await;
    eprintln!("kis-sim: stopped");
}

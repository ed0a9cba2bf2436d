//! The `kis-sim` binary: a faithful local KIS Open API server over a deterministic market.
//!
//! `kis-sim --port 9443 --seed 7 [--virtual] [--rate 18] [--token-ttl 86400]
//!  [--clock real|frozen:2026-11-26T10:30:00+09:00|accel:60[@2026-11-26 08:25]]
//!  [--fault transient:rate=0.05] [--fault latency:ms=200,jitter=50,endpoint=inquire-price] ...
//!  [--ws-port 0 [--ws-ping-secs 20] [--ws-echo-timeout-secs 100] [--ws-slot-hold-secs 10]
//!   [--ws-book-fields 62] [--ws-fault malformed:rate=0.1] ...]`
//!
//! Prints its base URL on the first line of stdout (for `[kis] base_url`) and, with
//! `--ws-port`, its WebSocket URL on the second; the master URL goes to stderr. Serves until
//! Ctrl-C.

use clap::Parser;
use hoga::market::Env;
use hoga::sim::{
    ClockMode, FaultRule, SimConfig, SimServer, TEST_APP_KEY, TEST_APP_SECRET, WsConfig, WsFaults,
};

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
    /// Serve the KIS WebSocket on this 127.0.0.1 port too (0 picks a free one).
    #[arg(long)]
    ws_port: Option<u16>,
    /// Sim seconds between PINGPONGs.
    #[arg(long, default_value_t = 20.0)]
    ws_ping_secs: f64,
    /// Sim seconds after an unanswered PINGPONG before the session is closed.
    #[arg(long, default_value_t = 100.0)]
    ws_echo_timeout_secs: f64,
    /// Sim seconds an appkey's session slot stays held after an abnormal end (OPSP8996 meanwhile).
    #[arg(long, default_value_t = 10.0)]
    ws_slot_hold_secs: f64,
    /// (tr_id, tr_key) pairs per session.
    #[arg(long, default_value_t = 41)]
    ws_max_registrations: usize,
    /// Most records per data frame (1–999).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=999))]
    ws_batch: u16,
    /// H0STASP0 fields per record: 62 (as captured in 2026) or 59 (the spec).
    #[arg(long, default_value = "62", value_parser = ["59", "62"])]
    ws_book_fields: String,
    /// A WebSocket stream fault; repeatable: malformed[:rate=R], unknown_tr[:rate=R],
    /// extra_fields, slow_subscribe[:ms=N], and periodic outages drop:every=SECS,
    /// stall:every=SECS[,secs=S], refuse:every=SECS[,secs=S] (sim seconds). One-off drops,
    /// stalls and refusals are run-time (`POST /_sim/ws/drop|stall|refuse`).
    #[arg(long = "ws-fault")]
    ws_faults: Vec<String>,
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
    let mut faults = WsFaults::default();
    for f in &args.ws_faults {
        if let Err(e) = faults.apply(f) {
            eprintln!("kis-sim: --ws-fault: {e}");
            std::process::exit(2);
        }
    }
    for (name, v, min) in [
        ("--ws-ping-secs", args.ws_ping_secs, f64::MIN_POSITIVE),
        (
            "--ws-echo-timeout-secs",
            args.ws_echo_timeout_secs,
            f64::MIN_POSITIVE,
        ),
        ("--ws-slot-hold-secs", args.ws_slot_hold_secs, 0.0),
    ] {
        if !(v.is_finite() && v >= min && v <= 1.0e7) {
            eprintln!("kis-sim: {name} must be a number of seconds (up to 10000000), got {v}");
            std::process::exit(2);
        }
    }
    cfg.ws = WsConfig {
        port: args.ws_port,
        ping_secs: args.ws_ping_secs,
        echo_timeout_secs: args.ws_echo_timeout_secs,
        slot_hold_secs: args.ws_slot_hold_secs,
        max_registrations: args.ws_max_registrations,
        max_batch: usize::from(args.ws_batch),
        book_fields_2026: args.ws_book_fields == "62",
        faults,
    };
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
    if let Some(ws) = sim.ws_url() {
        println!("{ws}");
    }
    eprintln!("kis-sim: KIS REST at {}", sim.base_url());
    if let Some(ws) = sim.ws_url() {
        eprintln!("kis-sim: KIS WebSocket at {ws} (any path, e.g. {ws}/tryitout)");
        eprintln!(
            "kis-sim: WebSocket ground truth at {}/_sim/ws/sent",
            sim.base_url()
        );
    }
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

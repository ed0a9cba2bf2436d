//! Lookup commands end to end: the built `hoga` binary against an in-process kis-sim over HTTP,
//! its JSON compared with the simulator's ground truth; exit codes for data and auth errors.

use chrono::{DateTime, NaiveDate, Utc};
use hoga::market::{Candle, Period, StockCode};
use hoga::sim::{SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET};
use serde_json::Value;
use std::process::{Command, Output};

/// A Thursday in the middle of a trading session (KST).
const FROZEN: &str = "2026-11-19 11:00";

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

struct Env {
    sim: SimHandle,
    home: tempfile::TempDir,
}

async fn start(config: SimConfig) -> Env {
    let sim = SimServer::start(config).await.expect("kis-sim starts");
    Env {
        sim,
        home: tempfile::tempdir().unwrap(),
    }
}

impl Env {
    fn now(&self) -> DateTime<Utc> {
        self.sim.market().now()
    }

    /// Runs `hoga` with only the environment the test chooses (no stray KIS_* or HOGA_*).
    fn hoga_with(&self, args: &[&str], key: &str, secret: &str) -> Output {
        self.hoga_env(args, key, secret, &[("HOGA_REDIS_ENABLED", "false")])
    }

    fn hoga_env(&self, args: &[&str], key: &str, secret: &str, extra: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hoga"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOGA_HOME", self.home.path())
            .env("HOGA_KIS_BASE_URL", self.sim.base_url())
            .env("HOGA_KIS_MASTER_URL", self.sim.master_url())
            .env("HOGA_KIS_APP_KEY", key)
            .env("HOGA_KIS_APP_SECRET", secret)
            // Never touch the shared Redis from a test (callers pass HOGA_REDIS_*).
            .envs(extra.iter().copied())
            .output()
            .expect("hoga runs")
    }

    fn hoga(&self, args: &[&str]) -> Output {
        self.hoga_with(args, TEST_APP_KEY, TEST_APP_SECRET)
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.hoga(args);
        assert!(
            out.status.success(),
            "hoga {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "hoga {args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

fn bars_json(bars: &[Candle]) -> Vec<Value> {
    bars.iter()
        .map(|c| {
            let mut v = serde_json::json!({
                "date": c.date.to_string(),
                "open": c.open.0,
                "high": c.high.0,
                "low": c.low.0,
                "close": c.close.0,
                "volume": c.volume,
                "value": c.value.0,
            });
            if let Some(t) = c.time {
                v["time"] = Value::from(t.format("%H:%M").to_string());
            }
            v
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quote_json_matches_the_simulator() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let truth = env
        .sim
        .market()
        .quote_at(code("005930"), env.now())
        .unwrap();
    let v = env.json(&["quote", "005930", "--json"]);
    let expected = serde_json::json!({
        "code": "005930",
        "name": truth.name.clone().unwrap(),
        "price": truth.price.0,
        "change": truth.change.0,
        "prev_close": truth.prev_close.0,
        "open": truth.open.0,
        "high": truth.high.0,
        "low": truth.low.0,
        "volume": truth.volume,
        "value": truth.value.0,
        "upper_limit": truth.upper_limit.0,
        "lower_limit": truth.lower_limit.0,
    });
    for (k, want) in expected.as_object().unwrap() {
        assert_eq!(&v[k], want, "field {k} in {v:#}");
    }
    assert_eq!(
        v["change_rate"].as_f64().unwrap(),
        truth.change_rate.as_f64()
    );
    assert_eq!(v["provenance"]["kind"], "live");
    assert_eq!(v["provenance"]["env"], "real");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "name",
            "price",
            "change",
            "change_rate",
            "prev_close",
            "open",
            "high",
            "low",
            "volume",
            "value",
            "upper_limit",
            "lower_limit",
            "as_of",
            "provenance"
        ]
    );
    // change_rate is printed with exactly two decimals.
    let text = String::from_utf8(env.hoga(&["quote", "005930", "--json"]).stdout).unwrap();
    let rate_text = text
        .lines()
        .find(|l| l.contains("\"change_rate\""))
        .unwrap()
        .split(':')
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(',');
    assert_eq!(
        rate_text.split('.').nth(1).map(str::len),
        Some(2),
        "{rate_text}"
    );

    // Several codes: an array in the order asked, with names.
    let v = env.json(&["quote", "000660", "005930", "--json"]);
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["code"], "000660");
    let sk = env
        .sim
        .market()
        .quote_at(code("000660"), env.now())
        .unwrap();
    assert_eq!(arr[0]["price"], sk.price.0);
    assert_eq!(arr[0]["name"], sk.name.unwrap());
    assert_eq!(arr[1]["price"], truth.price.0);

    // The table aligns Hangul names by display width and exits 0.
    let out = env.hoga(&["quote", "005930", "000660"]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains(truth.name.as_deref().unwrap()), "{table}");
    assert!(table.contains(&truth.price.grouped()), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_json_matches_the_simulator() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let truth = env.sim.market().book_at(code("005930"), env.now()).unwrap();
    let v = env.json(&["book", "005930", "--json"]);
    let levels = |ls: &[hoga::market::Level]| {
        ls.iter()
            .map(|l| serde_json::json!({"price": l.price.0, "qty": l.qty}))
            .collect::<Vec<_>>()
    };
    assert_eq!(v["code"], "005930");
    assert_eq!(v["asks"], Value::from(levels(&truth.asks)));
    assert_eq!(v["bids"], Value::from(levels(&truth.bids)));
    assert_eq!(v["asks"].as_array().unwrap().len(), 10);
    assert_eq!(v["bids"].as_array().unwrap().len(), 10);
    assert!(
        v["asks"][0]["price"].as_i64() < v["asks"][1]["price"].as_i64(),
        "best ask first"
    );
    assert!(
        v["bids"][0]["price"].as_i64() > v["bids"][1]["price"].as_i64(),
        "best bid first"
    );
    assert_eq!(v["total_ask_qty"], truth.total_ask_qty);
    assert_eq!(v["total_bid_qty"], truth.total_bid_qty);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_match_the_simulator_across_pages() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let c = code("005930");
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // ~200 daily rows: two pages past KIS's 100-row cap.
    let (from, to) = (d("2026-02-01"), d("2026-11-18"));
    let truth = env
        .sim
        .market()
        .period_bars_at(c, Period::Day, from, to, env.now());
    assert!(truth.len() > 150, "{}", truth.len());
    let v = env.json(&[
        "chart",
        "005930",
        "--period",
        "D",
        "--from",
        "2026-02-01",
        "--to",
        "2026-11-18",
        "--json",
    ]);
    assert_eq!(v["code"], "005930");
    assert_eq!(v["period"], "D");
    assert_eq!(v["bars"], Value::from(bars_json(&truth)));

    let truth = env.sim.market().period_bars_at(
        c,
        Period::Week,
        d("2025-01-01"),
        d("2026-11-19"),
        env.now(),
    );
    let v = env.json(&[
        "chart",
        "005930",
        "--period",
        "W",
        "--from",
        "2025-01-01",
        "--to",
        "2026-11-19",
        "--json",
    ]);
    assert_eq!(v["period"], "W");
    assert_eq!(v["bars"], Value::from(bars_json(&truth)));

    // Table form, and a reversed range is a usage error.
    let out = env.hoga(&[
        "chart",
        "005930",
        "--period",
        "M",
        "--from",
        "2026-01-01",
        "--to",
        "2026-11-19",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.hoga(&[
        "chart",
        "005930",
        "--from",
        "2026-11-19",
        "--to",
        "2026-01-01",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_chart_is_raw_and_adjusted_with_the_flag() {
    // 솔브레인 (357780) splits 1:5 on 2025-04-14.
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let c = code("357780");
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let (from, to) = (d("2025-03-01"), d("2025-05-30"));
    let m = env.sim.market();
    let raw: Vec<Candle> = m
        .period_day_bars_adj(c, Period::Day, from, to, env.now(), false, false)
        .iter()
        .map(|b| hoga::sim::model::candle(b, None))
        .collect();
    let adj: Vec<Candle> = m
        .period_day_bars_adj(c, Period::Day, from, to, env.now(), false, true)
        .iter()
        .map(|b| hoga::sim::model::candle(b, None))
        .collect();
    assert_ne!(raw, adj);
    let args = |adjusted: bool| {
        let mut a = vec![
            "chart",
            "357780",
            "--from",
            "2025-03-01",
            "--to",
            "2025-05-30",
            "--json",
        ];
        if adjusted {
            a.push("--adjusted");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |adjusted: bool| {
        let a = args(adjusted);
        env.json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(run(false)["bars"], Value::from(bars_json(&raw)));
    assert_eq!(run(true)["bars"], Value::from(bars_json(&adj)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minute_chart_matches_the_simulator() {
    // kis-sim frozen and hoga on the same clock (`--clock`), at every kind of moment of a
    // trading day, so every path runs whatever the wall clock says.
    for at in [
        "2026-11-19 08:45", // pre-open auction: no minutes yet
        "2026-11-19 09:06",
        "2026-11-19 10:31:20",
        "2026-11-19 15:25", // closing auction
        "2026-11-19 16:10", // after hours
        "2026-11-19 23:59:30",
        "2026-11-22 12:00", // a Sunday
    ] {
        minute_chart_against_sim_frozen_at(at).await;
    }
}

/// Compares `hoga chart --period 1m`, on kis-sim's frozen clock, with the sim's minute bars.
async fn minute_chart_against_sim_frozen_at(at: &str) {
    let env = start(SimConfig::frozen(at).seed(7)).await;
    let truth = env.sim.market().minute_bars_at(code("005930"), env.now());
    let session = hoga::market::Calendar::krx().session_at(env.now());
    if session == hoga::market::Session::Continuous || session == hoga::market::Session::AfterHours
    {
        assert!(
            !truth.is_empty(),
            "{at}: a trading day past the open has minute bars"
        );
    }
    let clock = format!("frozen:{at}");
    let v = env.json(&[
        "--clock", &clock, "chart", "005930", "--period", "1m", "--json",
    ]);
    assert_eq!(v["period"], "1m");
    let bars = v["bars"].as_array().unwrap();
    assert_eq!(bars.len(), truth.len(), "{at}");
    for (got, want) in bars.iter().zip(bars_json(&truth)) {
        for k in ["date", "time", "open", "high", "low", "close", "volume"] {
            assert_eq!(got[k], want[k], "{at} {k}: {got} vs {want}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_and_search_match_the_simulator() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let truth = env.sim.market().info_at(code("000660"), env.now()).unwrap();
    let v = env.json(&["info", "000660", "--json"]);
    assert_eq!(v["code"], "000660");
    assert_eq!(v["name"], truth.name);
    assert_eq!(v["name_en"], truth.name_en.clone().unwrap());
    assert_eq!(v["market"], serde_json::to_value(truth.market).unwrap());
    assert_eq!(v["listed_shares"], truth.listed_shares.unwrap());
    assert_eq!(v["sector"].is_string(), truth.sector.is_some());

    let listing = env
        .sim
        .market()
        .listing_at(code("000660"), env.now())
        .unwrap();
    let v = env.json(&["search", "000660", "--json"]);
    assert_eq!(v[0]["code"], "000660");
    assert_eq!(v[0]["name"], listing.name);
    let v = env.json(&["search", &listing.name, "--json"]);
    assert_eq!(v[0]["code"], "000660", "exact name ranks first: {v:#}");
    let out = env.hoga(&["search", "없는종목이름xyz"]);
    assert_eq!(out.status.code(), Some(1));
}

/// The master files carry no English names: `hoga search samsung` finds nothing at first and
/// says why; a stock-info answer's `prdt_eng_name` is kept in the store's `stocks` table, so
/// the next process (any lookup or the monitor) finds the stock in English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_names_are_learned_from_stock_info_and_kept_in_the_store() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let samsung = code("005930");
    let truth = env.sim.market().info_at(samsung, env.now()).unwrap();
    let en = truth.name_en.clone().expect("kis-sim serves prdt_eng_name");
    let word = en.split(' ').next().unwrap().to_lowercase();
    assert_eq!(word, "samsung");

    let out = env.hoga(&["search", &word]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing is known in English yet"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("English names are known for 0 of"), "{err}");

    let v = env.json(&["info", "005930", "--json"]);
    assert_eq!(v["name_en"], en);

    // A new process: the name comes from the store.
    let v = env.json(&["search", &word, "--json"]);
    assert_eq!(v[0]["code"], "005930", "{v:#}");
    assert_eq!(v[0]["name_en"], en);
    let v = env.json(&["search", "electronics", "--json"]);
    assert!(
        v.as_array().unwrap().iter().any(|r| r["code"] == "005930"),
        "{v:#}"
    );

    // In the store's stocks table, next to the universe's other columns.
    let data_dir = env.home.path().join("data");
    let spec = hoga::store::StoreSpec::parse("", &data_dir).unwrap();
    let store = spec.open().await.expect("the store hoga wrote");
    let stocks = store.load_stocks().await.unwrap();
    let row = stocks.iter().find(|l| l.code == samsung).expect("stored");
    assert_eq!(row.name_en.as_deref(), Some(en.as_str()));
    assert_eq!(row.name, truth.name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_for_data_usage_and_auth_errors() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let out = env.hoga(&["quote", "999999"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stderr.is_empty());
    let out = env.hoga(&["quote", "abc"]);
    assert_eq!(out.status.code(), Some(2));
    // A wrong secret is refused by the simulator: an auth error.
    let other = tempfile::tempdir().unwrap();
    let wrong = Env {
        sim: SimServer::start(SimConfig::frozen(FROZEN)).await.unwrap(),
        home: other,
    };
    let out = wrong.hoga_with(&["quote", "005930"], TEST_APP_KEY, "not-the-secret");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("not-the-secret"),
        "secret echoed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_mock_answers_without_kis() {
    let env = start(SimConfig::frozen(FROZEN)).await;
    let v = env.json(&["--source", "mock", "quote", "005930", "--json"]);
    assert_eq!(v["code"], "005930");
    assert_eq!(v["provenance"]["kind"], "simulated");
    assert!(v["price"].as_i64().unwrap() > 0);
    assert_eq!(env.sim.stats().requests, 0, "KIS not asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_redis_never_reaches_the_user() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}/");
    let started = std::time::Instant::now();
    let out = env.hoga_env(
        &["quote", "005930", "--json"],
        TEST_APP_KEY,
        TEST_APP_SECRET,
        &[("HOGA_REDIS_ENABLED", "true"), ("HOGA_REDIS_URL", &url)],
    );
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let truth = env
        .sim
        .market()
        .quote_at(code("005930"), env.now())
        .unwrap();
    assert_eq!(v["price"], truth.price.0);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_server_quotes_and_info_fall_back_as_kis_requires() {
    // 모의투자: 1 request/s, no multi-quote and no search-stock-info (the client falls back).
    let env = start(SimConfig::frozen(FROZEN).seed(7).virtual_server()).await;
    let out = env.hoga_env(
        &["quote", "005930", "000660", "--json"],
        TEST_APP_KEY,
        TEST_APP_SECRET,
        &[
            ("HOGA_REDIS_ENABLED", "false"),
            ("HOGA_KIS_VIRTUAL", "true"),
        ],
    );
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, c) in ["005930", "000660"].iter().enumerate() {
        let truth = env.sim.market().quote_at(code(c), env.now()).unwrap();
        assert_eq!(v[i]["code"], *c);
        assert_eq!(v[i]["price"], truth.price.0);
        assert_eq!(
            v[i]["name"],
            truth.name.unwrap(),
            "name filled in on virtual too"
        );
        assert_eq!(v[i]["provenance"]["env"], "virtual");
    }
    // EGW00201 counts are for the client's rate-limit tests; a stray one under load is retried
    // by the client and must not change the answer checked above.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partly_unknown_codes_print_the_known_and_exit_1() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let out = env.hoga(&["quote", "005930", "999999", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["code"], "005930");
    assert!(String::from_utf8_lossy(&out.stderr).contains("999999"));
}

/// `--clock` moves "today" and every instant hoga reads: the built-in simulated market under a
/// frozen clock answers exactly what kis-sim (same seed) serves at that instant, and the
/// default chart ends on the clock's day, not the machine's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_option_is_followed_by_lookups() {
    let env = start(SimConfig::frozen(FROZEN)).await;
    let clock = format!("frozen:{FROZEN}");
    let q = env.json(&[
        "--clock", &clock, "--source", "mock", "quote", "005930", "--json",
    ]);
    let truth = env
        .sim
        .market()
        .quote_at(code("005930"), env.now())
        .unwrap();
    assert_eq!(q["price"].as_i64(), Some(truth.price.0), "{q}");
    assert_eq!(q["volume"].as_u64(), Some(truth.volume), "{q}");
    assert_eq!(q["as_of"], "2026-11-19T11:00:00+09:00", "{q}");
    let c = env.json(&[
        "--clock", &clock, "--source", "mock", "chart", "005930", "--period", "D", "--json",
    ]);
    let last = c["bars"]
        .as_array()
        .and_then(|b| b.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["date"], "2026-11-19", "{c}");
    let bad = env.hoga(&[
        "--clock",
        "sometimes",
        "--source",
        "mock",
        "quote",
        "005930",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected real, frozen"));
}

/// A gateway's HTML 502 page, malformed JSON or a truncated body is a blip: the lookup retries
/// within its budget and answers, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_retry_gateway_garbage() {
    use hoga::sim::{FaultKind, FaultRule};
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    for kind in [FaultKind::Html, FaultKind::Malformed, FaultKind::Truncate] {
        env.sim
            .add_fault(FaultRule::always(kind.clone()).on("FHKST01010100").times(1));
        let out = env.hoga(&["quote", "005930", "--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["code"], "005930", "{kind:?}");
        env.sim.clear_faults();
    }
}

/// Lookup output says what is wrong instead of printing it silently: bad bars are flagged by the
/// ingest's rules, an empty range is an error that says why, a bad date is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_flags_bad_bars_and_empty_ranges() {
    use hoga::sim::{FaultKind, FaultRule};
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let range = ["--from", "2026-11-02", "--to", "2026-11-18"];
    let mut args = vec!["chart", "005930"];
    args.extend(range);
    let clean = env.json(&[&args[..], &["--json"]].concat());
    assert_eq!(clean["warnings"], serde_json::json!([]), "{clean}");
    for (kind, what) in [
        (FaultKind::BadBarHighLow, "< low"),
        (FaultKind::BadBarOffGrid, "tick grid"),
    ] {
        env.sim.add_fault(FaultRule::always(kind.clone()).times(1));
        let v = env.json(&[&args[..], &["--json"]].concat());
        let w = v["warnings"].as_array().cloned().unwrap_or_default();
        assert_eq!(w.len(), 1, "{kind:?}: {v}");
        assert!(w[0].as_str().unwrap().contains(what), "{kind:?}: {w:?}");
        env.sim.add_fault(FaultRule::always(kind.clone()).times(1));
        let out = env.hoga(&args);
        assert_eq!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("warning") && err.contains(what),
            "{kind:?}: {err}"
        );
        env.sim.clear_faults();
    }
    // A Sunday: no trading day in the range.
    let out = env.hoga(&[
        "chart",
        "005930",
        "--from",
        "2026-11-29",
        "--to",
        "2026-11-29",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no KRX trading days"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.hoga(&["chart", "005930", "--from", "2026-13-01"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2026-13-01") && err.contains("YYYY-MM-DD") && err.contains("--from"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_book_and_names_read_as_people_expect() {
    let env = start(SimConfig::frozen(FROZEN).seed(7)).await;
    let out = env.hoga(&["info", "005930"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let cap = text
        .lines()
        .find(|l| l.contains("market cap"))
        .unwrap_or_default();
    assert!(cap.ends_with('조') || cap.ends_with('억'), "{cap}");
    let out = env.hoga(&["book", "005930"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("spread 1 tick") || text.contains("ticks ("),
        "{text}"
    );
    assert!(text.contains("last "), "{text}");
    // A name that means one stock is resolved; one that means several is listed, exit 1.
    let v = env.json(&["quote", "삼성전자", "--json"]);
    assert_eq!(v["code"], "005930", "{v}");
    let out = env.hoga(&["quote", "삼성"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("005930 삼성전자") && err.contains("matches"),
        "{err}"
    );
}

//! Several appkeys (`[[kis.accounts]]`, issue 13 §4): two shards on two keys against one
//! kis-sim, each with its own token and budget; the union of their bars is complete, both keys
//! were used, and kis-sim never answered EGW00201. The wall-time ratio against one key is a
//! figure of the `ingest_rate` bench, not asserted here. Also the binary: `--shard 1/2` picks
//! the second appkey, and `--account N` beyond the configured ones is a configuration error.

mod common;
mod ingest_common;

use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::config::AccountConfig;
use hoga::ingest::{Shard, Summary, Via};
use hoga::kis::{ClientOptions, KisClient};
use hoga::market::StockCode;
use hoga::sim::{
    SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_KEY_2, TEST_APP_SECRET, TEST_APP_SECRET_2,
};
use ingest_common::*;
use secrecy::SecretString;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Friday 2026-03-06, 16:00 KST: after the close.
const AFTER_CLOSE: &str = "2026-03-06 16:00";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn tail(key: &str) -> String {
    key[key.len() - 4..].to_string()
}

/// The sim's config with `[kis] app_key` the first test key and one `[[kis.accounts]]` entry
/// holding the second.
fn two_key_config(sim: &SimHandle, rate: u32) -> hoga::config::Config {
    let mut c = config(sim, rate);
    c.kis.accounts = vec![AccountConfig {
        name: Some("batch-2".into()),
        app_key: Some(SecretString::from(TEST_APP_KEY_2.to_string())),
        app_secret: Some(SecretString::from(TEST_APP_SECRET_2.to_string())),
    }];
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_on_two_appkeys_each_use_their_own_key_and_together_store_everything() {
    let _g = shared().await;
    // 20 requests/s per appkey, enforced by kis-sim per key.
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(20)).await;
    let cfg = two_key_config(&sim, 20);
    let dir = tempfile::tempdir().unwrap();
    let kis = settings(&cfg, dir.path()).source.kis;
    assert_eq!(kis.accounts.len(), 2);
    assert_eq!(kis.accounts[1].name, "batch-2");
    // Secrets never in Debug.
    let debug = format!("{kis:?} {:?}", kis.accounts);
    assert!(
        !debug.contains(TEST_APP_KEY_2) && !debug.contains(TEST_APP_SECRET_2),
        "{debug}"
    );
    let clock: SharedClock = Arc::new(ManualClock::new(at(AFTER_CLOSE)));
    let codes: Vec<StockCode> = sim
        .market()
        .universe_at(sim.market().now())
        .iter()
        .map(|l| l.code)
        .take(80)
        .collect();
    let (from, to) = (day(2026, 2, 2), day(2026, 3, 5));
    let store = sqlite(dir.path()).await;
    let before = sim.stats();
    let mut jobs = Vec::new();
    for k in 0..2u32 {
        let shard = Shard { index: k, count: 2 };
        let args = hoga::ingest::args::IngestArgs {
            shard: Some(shard),
            ..Default::default()
        };
        let n = hoga::ingest::cmd::account_number(&args, kis.accounts.len());
        assert_eq!(n, k as usize + 1);
        let (on, _) = kis.on_account(n).unwrap();
        let mut o = ClientOptions::in_dirs(
            dir.path().join(format!("state{n}")),
            dir.path().join("data"),
        );
        o.clock = clock.clone();
        o.retry_base = Duration::from_millis(20);
        let client = KisClient::new(&on, o).unwrap();
        let mut p = plan(from, to, Via::Chart);
        p.codes = Some(codes.clone());
        p.shard = Some(shard);
        p.concurrency = 8;
        let (store, clock) = (store.clone(), clock.clone());
        jobs.push(tokio::spawn(async move {
            ingest(&p, &client, Some(store), clock, CancellationToken::new()).await
        }));
    }
    let mut summaries: Vec<Summary> = Vec::new();
    for j in jobs {
        summaries.push(j.await.unwrap());
    }
    for s in &summaries {
        assert_eq!(s.exit_code, 0, "{}", s.render());
        assert_eq!(s.metrics.rate_limited, 0, "{}", s.render());
        assert_eq!(s.metrics.tokens_issued, 1, "{}", s.render());
    }
    assert_eq!(
        summaries.iter().map(|s| s.stocks_total).sum::<u64>(),
        codes.len() as u64
    );
    let after = sim.stats();
    assert_eq!(
        after.rate_limited - before.rate_limited,
        0,
        "EGW00201 served"
    );
    let used = |key: &str| {
        after
            .requests_by_appkey
            .get(&tail(key))
            .copied()
            .unwrap_or(0)
            - before
                .requests_by_appkey
                .get(&tail(key))
                .copied()
                .unwrap_or(0)
    };
    // Each shard's stocks (one chart call each) went over its own key.
    for (k, key) in [TEST_APP_KEY, TEST_APP_KEY_2].iter().enumerate() {
        let stocks = summaries[k].stocks_total;
        assert!(
            used(key) >= stocks,
            "{key}: {} requests for {stocks} stocks",
            used(key)
        );
    }
    assert_matches_truth(store.as_ref(), &sim, &codes, from, to).await;
}

/// `hoga --config FILE --clock frozen:… ingest ARGS` with only the environment the test sets.
fn hoga(sim: &SimHandle, home: &Path, args: &[&str]) -> tokio::process::Command {
    let file = home.join("two-keys.toml");
    let text = format!(
        "[kis]\napp_key = \"{TEST_APP_KEY}\"\napp_secret = \"{TEST_APP_SECRET}\"\n\
         base_url = \"{}\"\nmaster_url = \"{}\"\n\n\
         [[kis.accounts]]\nname = \"batch-2\"\napp_key = \"{TEST_APP_KEY_2}\"\n\
         app_secret = \"{TEST_APP_SECRET_2}\"\n\n[redis]\nenabled = false\n",
        sim.base_url(),
        sim.master_url()
    );
    std::fs::write(&file, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let db = format!("sqlite:{}", home.join("bars.db").display());
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hoga"));
    cmd.arg("--config")
        .arg(&file)
        .args([
            "--clock",
            &format!("frozen:{AFTER_CLOSE}"),
            "ingest",
            "--store",
            &db,
        ])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOGA_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_picks_the_appkey_of_its_shard_and_refuses_an_unknown_account() {
    let _g = shared().await;
    let sim = start(SimConfig::frozen(AFTER_CLOSE).rate(200)).await;
    let home = tempfile::tempdir().unwrap();
    let codes = "005930,000660,035720,068270";
    let before = sim.stats();
    let o = hoga(
        &sim,
        home.path(),
        &[
            "--date",
            "2026-03-05",
            "--codes",
            codes,
            "--shard",
            "1/2",
            "--json",
        ],
    )
    .output()
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["account"], "batch-2 (appkey 2 of 2)", "{summary}");
    assert!(!err.contains(TEST_APP_KEY_2) && !err.contains(TEST_APP_SECRET_2));
    let after = sim.stats();
    let used = |key: &str| {
        after
            .requests_by_appkey
            .get(&tail(key))
            .copied()
            .unwrap_or(0)
            - before
                .requests_by_appkey
                .get(&tail(key))
                .copied()
                .unwrap_or(0)
    };
    assert!(used(TEST_APP_KEY_2) > 0, "{:?}", after.requests_by_appkey);
    assert_eq!(used(TEST_APP_KEY), 0, "{:?}", after.requests_by_appkey);
    // The second account's token is its own file, private.
    let token = home.path().join("state/accounts/2/kis-token-real.json");
    let found = walk(home.path(), "kis-token-real.json");
    assert!(
        found
            .iter()
            .any(|p| p.ends_with("accounts/2/kis-token-real.json")),
        "{found:?} (looked for {})",
        token.display()
    );
    // `--account 1` overrides the shard's choice.
    let o = hoga(
        &sim,
        home.path(),
        &[
            "--date",
            "2026-03-05",
            "--codes",
            codes,
            "--shard",
            "1/2",
            "--account",
            "1",
            "--json",
        ],
    )
    .output()
    .await
    .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["account"], "kis (appkey 1 of 2)", "{summary}");
    // The master files read by these runs are the listing history: the universe on a date.
    let o = hoga(
        &sim,
        home.path(),
        &["--universe-on", "2026-03-05", "--json"],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let on: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let listed = on.as_array().unwrap();
    assert_eq!(
        listed.len(),
        sim.market().universe_at(sim.market().now()).len()
    );
    assert!(
        listed
            .iter()
            .any(|i| i["code"] == "005930" && i["name"] == "삼성전자" && i["market"] == "kospi"),
        "{on}"
    );
    // There is no third appkey.
    let o = hoga(
        &sim,
        home.path(),
        &["--date", "2026-03-05", "--account", "3"],
    )
    .output()
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--account 3: 2 appkeys are configured"),
        "{err}"
    );
}

/// Files named `name` under `dir`.
fn walk(dir: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                out.push(p);
            }
        }
    }
    out
}

//! Configuration: defaults, then the TOML file, then environment overrides (`HOGA_<SECTION>_<KEY>`,
//! or the seed names `KIS_APP_KEY`, `KIS_APP_SECRET`, `KIS_USE_VIRTUAL_SERVER`; the `HOGA_` name
//! wins when both are set). Secrets are `secrecy` types: `Debug` and `Serialize` redact them.
//!
//! The file's shape lives here; no layer below the entry reads it. Loading is split by idea:
//! `config/load.rs` puts the steps together, `config/file.rs` reads the file, `config/env.rs`
//! applies the environment, `config/origin.rs` says where a bad value came from,
//! `config/ranges.rs` bounds every number, and `config/settings.rs` builds each layer's typed
//! settings (`kis::Settings`, `cache::Settings`, `source::factory::Settings`,
//! `ingest::Settings`, `tui::UiSettings`), which checks every other value by parsing it.
//! Adding a key: add the field and its default; if it is an `Option`, also list it in
//! `env::OPTIONAL_KEYS`; give it to its layer in `settings.rs`; document it in
//! `config.example.toml` (a test checks that).

mod env;
mod file;
mod load;
mod origin;
mod ranges;
mod settings;

pub use env::EnvVars;
pub use load::{EXAMPLE_CONFIG, LoadedConfig};
pub use origin::{ConfigError, Origin};
pub use settings::{MAX_ACCOUNTS, Problem, Settings};

use crate::kis::{MASTER_BASE_URL, REAL_BASE_URL, REAL_WS_URL, VIRTUAL_BASE_URL, VIRTUAL_WS_URL};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// Serializes a secret as `"<redacted, N chars>"`: `--check-config` shows that a key is set
/// (and its length, to spot a truncated paste) without revealing it.
fn redact<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_str(&format!(
            "<redacted, {} chars>",
            secret.expose_secret().chars().count()
        )),
        None => s.serialize_none(),
    }
}

/// Serializes a URL with its password hidden (`redis://:***@host`), as the ingest summary shows
/// store URLs: one redaction, [`crate::store::redact_url`].
fn redact_url<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::store::redact_url(v))
}

fn redact_opt_url<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(url) => redact_url(url, s),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[[alerts]]`: one rule each, a stock code and one condition key (first, so that an empty
    /// list serializes before the tables).
    pub alerts: Vec<crate::market::alert::RuleSpec>,
    pub kis: KisConfig,
    pub redis: RedisConfig,
    pub cache: CacheConfig,
    pub breaker: BreakerConfig,
    pub watchlist: WatchlistConfig,
    pub ingest: IngestConfig,
    pub ui: UiConfig,
    /// How the alerts re-arm and what a firing does.
    pub alerts_settings: AlertsSettingsConfig,
    /// Action name → key(s), e.g. `quit = ["q", "ctrl-c"]`.
    pub keys: BTreeMap<String, KeyBinding>,
}

/// One key or several for an action.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum KeyBinding {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KisConfig {
    #[serde(serialize_with = "redact", skip_serializing_if = "Option::is_none")]
    pub app_key: Option<SecretString>,
    #[serde(serialize_with = "redact", skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<SecretString>,
    /// Use the paper-trading (모의투자) server.
    #[serde(rename = "virtual")]
    pub virtual_server: bool,
    /// REST base URL; defaults to the real or virtual KIS host. Point it at kis-sim for tests.
    #[serde(
        serialize_with = "redact_opt_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_url: Option<String>,
    #[serde(
        serialize_with = "redact_opt_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub ws_url: Option<String>,
    /// Where `kospi_code.mst.zip` and `kosdaq_code.mst.zip` are downloaded from.
    #[serde(serialize_with = "redact_url")]
    pub master_url: String,
    /// Requests per second for this appkey; defaults to 18 (real) or 1 (virtual).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_per_sec: Option<u32>,
    /// Share of the budget this process may use when Redis cannot coordinate (0 < share ≤ 1).
    pub rate_share: f64,
    /// `P` individual, `B` corporate.
    pub custtype: String,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// Retry attempts for transient failures (total tries = 1 + retries).
    pub max_retries: u32,
    /// Give up retrying after this long, whatever the attempt count.
    pub retry_budget_ms: u64,
    /// Refresh the token this long before it expires.
    pub token_refresh_margin_secs: u64,
    /// Stream live trades and books over KIS's WebSocket (REST polling covers what has no slot).
    pub stream: bool,
    /// Registrations hoga may hold on the appkey's one WebSocket session (KIS allows 41 in
    /// all; leave room when another program shares the appkey).
    pub ws_registrations: u32,
    /// More appkeys (`[[kis.accounts]]`), each with its own token and budget: ingest shards
    /// spread over them (`--shard`, `--account`). `HOGA_KIS_ACCOUNTS` takes a TOML array.
    pub accounts: Vec<AccountConfig>,
}

/// One `[[kis.accounts]]` entry: an appkey and its secret, and a name for logs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountConfig {
    /// Shown in logs and the ingest summary instead of the key (default `account N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(serialize_with = "redact", skip_serializing_if = "Option::is_none")]
    pub app_key: Option<SecretString>,
    #[serde(serialize_with = "redact", skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<SecretString>,
}

impl Default for KisConfig {
    fn default() -> Self {
        KisConfig {
            app_key: None,
            app_secret: None,
            virtual_server: false,
            base_url: None,
            ws_url: None,
            master_url: MASTER_BASE_URL.to_string(),
            requests_per_sec: None,
            rate_share: 1.0,
            custtype: "P".to_string(),
            connect_timeout_ms: 3_000,
            request_timeout_ms: 10_000,
            max_retries: 4,
            retry_budget_ms: 15_000,
            token_refresh_margin_secs: 600,
            stream: true,
            ws_registrations: 41,
            accounts: Vec::new(),
        }
    }
}

impl KisConfig {
    /// Which half of the credentials is missing when only one is set: hoga then shows the
    /// simulated market (and `--source kis` fails), so the loader warns naming it.
    pub fn missing_credential(&self) -> Option<&'static str> {
        let set = |v: &Option<SecretString>| {
            v.as_ref()
                .is_some_and(|s| !s.expose_secret().trim().is_empty())
        };
        match (set(&self.app_key), set(&self.app_secret)) {
            (true, false) => Some("app_secret"),
            (false, true) => Some("app_key"),
            _ => None,
        }
    }

    pub fn effective_base_url(&self) -> String {
        match &self.base_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None if self.virtual_server => VIRTUAL_BASE_URL.to_string(),
            None => REAL_BASE_URL.to_string(),
        }
    }

    /// `[kis] ws_url` (or `HOGA_KIS_WS_URL`), else KIS's WebSocket server for the real or
    /// virtual environment (KIS_API.md §6/§13).
    pub fn effective_ws_url(&self) -> String {
        match &self.ws_url {
            Some(u) => u.clone(),
            None if self.virtual_server => VIRTUAL_WS_URL.to_string(),
            None => REAL_WS_URL.to_string(),
        }
    }

    pub fn effective_rate(&self) -> u32 {
        self.requests_per_sec
            .unwrap_or(if self.virtual_server { 1 } else { 18 })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// Set to false to use the in-memory cache only.
    pub enabled: bool,
    #[serde(serialize_with = "redact_url")]
    pub url: String,
    /// Prefix of every key; the environment (real/virtual) is appended so they never mix.
    pub key_prefix: String,
    /// Per-command timeout; Redis never holds up a request longer than this.
    pub timeout_ms: u64,
    /// After a failure, do not try Redis again for this long.
    pub retry_after_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            enabled: true,
            url: "redis://127.0.0.1:6379/".to_string(),
            key_prefix: "kis".to_string(),
            timeout_ms: 100,
            retry_after_ms: 5_000,
        }
    }
}

/// Freshness (serve without calling KIS) and retention (TTL: how long a fallback) per kind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    pub price_fresh_ms: u64,
    pub price_ttl_secs: u64,
    pub orderbook_fresh_ms: u64,
    pub orderbook_ttl_secs: u64,
    pub chart_fresh_secs: u64,
    pub chart_ttl_secs: u64,
    pub info_fresh_secs: u64,
    pub info_ttl_secs: u64,
    /// Entries kept by the in-memory cache.
    pub memory_capacity: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            price_fresh_ms: 1_000,
            price_ttl_secs: 30 * 60,
            orderbook_fresh_ms: 1_000,
            orderbook_ttl_secs: 10,
            chart_fresh_secs: 60,
            chart_ttl_secs: 60 * 60,
            info_fresh_secs: 60 * 60,
            info_ttl_secs: 24 * 60 * 60,
            memory_capacity: 20_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// How long it stays open before a half-open probe.
    pub open_secs: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NamedList {
    pub name: String,
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchlistConfig {
    /// Initial watchlists, used until the user edits them in the UI (edits are saved in the
    /// state dir and win afterwards).
    pub lists: Vec<NamedList>,
}

impl Default for WatchlistConfig {
    fn default() -> Self {
        let codes = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        WatchlistConfig {
            lists: vec![
                NamedList {
                    name: "대형주".to_string(),
                    codes: codes(&[
                        "005930", "000660", "373220", "207940", "005380", "000270", "005935",
                        "068270", "035420", "035720", "105560", "055550",
                    ]),
                },
                NamedList {
                    name: "코스닥".to_string(),
                    codes: codes(&["247540", "086520", "028300", "196170", "263750", "293490"]),
                },
            ],
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// `sqlite:PATH` or `postgres://...`; empty means `sqlite:` in the data dir.
    #[serde(serialize_with = "redact_url")]
    pub store: String,
    /// Bars written per transaction.
    pub batch_size: usize,
    /// Requests in flight at once (the rate limiter still paces them).
    pub concurrency: usize,
    /// Trading days an issue may be missing from the master files before the listing history
    /// marks it delisted (its rows are kept).
    pub delist_after_days: u32,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            store: String::new(),
            batch_size: 2_000,
            concurrency: 8,
            delist_after_days: 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Colour of rising prices (Korean convention: red).
    pub up_color: String,
    /// Colour of falling prices (Korean convention: blue).
    pub down_color: String,
    /// Upper bound on redraws per second; idle screens are not redrawn at all.
    pub max_fps: u32,
    pub mouse: bool,
    /// How long a changed cell stays highlighted.
    pub flash_ms: u64,
    /// Initial chart interval: 1m, D, W, M or Y.
    pub default_interval: String,
    /// The language of the monitor: "ko" or "en".
    pub lang: String,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            up_color: "red".to_string(),
            down_color: "blue".to_string(),
            max_fps: 30,
            mouse: true,
            flash_ms: 600,
            default_interval: "D".to_string(),
            lang: "ko".to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsSettingsConfig {
    /// The band a rule must be false beyond before it re-arms: percent of the threshold
    /// (percentage points for change rates). A rule's own `hysteresis_pct` wins.
    pub hysteresis_pct: f64,
    /// A VI rule re-arms once the VI has been lifted this long.
    pub vi_rearm_secs: u64,
    /// Ring the terminal bell in the monitor when an alert fires.
    pub bell: bool,
    /// Show a desktop notification (`notify-send`, when installed).
    pub desktop_notification: bool,
    /// A program and its arguments to run on each firing, the alert as JSON on stdin
    /// (empty: none).
    pub command: Vec<String>,
    /// The command is killed after this long.
    pub command_timeout_secs: u64,
}

impl Default for AlertsSettingsConfig {
    fn default() -> Self {
        AlertsSettingsConfig {
            hysteresis_pct: 1.0,
            vi_rearm_secs: 600,
            bell: true,
            desktop_notification: false,
            command: Vec::new(),
            command_timeout_secs: 10,
        }
    }
}

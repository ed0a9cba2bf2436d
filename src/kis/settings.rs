//! What the client is told by the configuration: the server, the credentials, the budget, the
//! timeouts and the breaker, typed and already validated (the entry layer builds it once at
//! load). Runtime wiring that is not configuration (clock, directories, Redis coordination,
//! test knobs) is [`ClientOptions`](super::ClientOptions).

use crate::market::Env;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub const REAL_BASE_URL: &str = "https://openapi.koreainvestment.com:9443";
pub const VIRTUAL_BASE_URL: &str = "https://openapivts.koreainvestment.com:29443";
/// KIS_API.md §6/§13: the WebSocket servers (plain `ws://`), real and virtual.
pub const REAL_WS_URL: &str = "ws://ops.koreainvestment.com:21000";
pub const VIRTUAL_WS_URL: &str = "ws://ops.koreainvestment.com:31000";
pub const MASTER_BASE_URL: &str = "https://new.real.download.dws.co.kr/common/master";

/// KIS's `custtype` header: who the appkey belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CustType {
    /// `P`
    #[default]
    Individual,
    /// `B`
    Corporate,
}

impl CustType {
    /// The header value.
    pub fn code(self) -> &'static str {
        match self {
            CustType::Individual => "P",
            CustType::Corporate => "B",
        }
    }
}

impl FromStr for CustType {
    type Err = String;

    fn from_str(s: &str) -> Result<CustType, String> {
        match s {
            "P" => Ok(CustType::Individual),
            "B" => Ok(CustType::Corporate),
            _ => Err("expected \"P\" (individual) or \"B\" (corporate)".to_string()),
        }
    }
}

/// An appkey and its secret: both or neither (a half is a configuration warning, not a client).
#[derive(Clone)]
pub struct Credentials {
    pub app_key: SecretString,
    pub app_secret: SecretString,
}

impl Credentials {
    /// Both halves, when both are set and not blank.
    pub fn new(app_key: &Option<SecretString>, app_secret: &Option<SecretString>) -> Option<Self> {
        let set = |v: &Option<SecretString>| {
            v.as_ref()
                .filter(|s| !s.expose_secret().trim().is_empty())
                .cloned()
        };
        Some(Credentials {
            app_key: set(app_key)?,
            app_secret: set(app_secret)?,
        })
    }
}

// Never show a secret, not even its length.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

/// One appkey the client may use: `[kis] app_key` (named `kis`) or a `[[kis.accounts]]` entry.
#[derive(Clone, Debug)]
pub struct Account {
    /// For logs and summaries (never the key).
    pub name: String,
    pub credentials: Credentials,
}

/// The circuit breaker's thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// How long it stays open before a half-open probe (the first window in market hours is
    /// shorter, see `Breaker`).
    pub open: Duration,
}

/// The client's configuration.
#[derive(Clone)]
pub struct Settings {
    pub env: Env,
    /// REST base URL without a trailing `/`.
    pub base_url: String,
    /// WebSocket URL (`HOGA_KIS_WS_URL`, `[kis] ws_url`, else KIS's for `env`).
    pub ws_url: String,
    /// Where the master files are downloaded from.
    pub master_url: String,
    /// `None`: every call fails with `KisError::NoCredentials` (downloads still work). The
    /// first of `accounts`.
    pub credentials: Option<Credentials>,
    /// Every configured appkey, numbered from 1: `[kis] app_key` when set, then each
    /// `[[kis.accounts]]` entry. Ingest shards spread over them.
    pub accounts: Vec<Account>,
    pub custtype: CustType,
    /// This appkey's budget.
    pub requests_per_sec: u32,
    /// Share of the budget this process may use when Redis cannot coordinate (0 < share ≤ 1).
    pub rate_share: f64,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries of a transient failure (total tries = 1 + retries).
    pub max_retries: u32,
    /// Give up retrying after this long, whatever the attempt count.
    pub retry_budget: Duration,
    /// Refresh the token this long before it expires.
    pub token_refresh_margin: Duration,
    /// Stream over the WebSocket (`[kis] stream`).
    pub stream: bool,
    /// Registrations this process may hold on the session (`[kis] ws_registrations`, ≤ 41).
    pub ws_registrations: usize,
    pub breaker: BreakerSettings,
}

// The URLs may carry a password (`http://user:pw@proxy`): only the budget and the server kind.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("env", &self.env)
            .field("kis_host", &self.is_kis_host())
            .field("credentials", &self.credentials)
            .field("requests_per_sec", &self.requests_per_sec)
            .field("breaker", &self.breaker)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// These settings on account `n` (from 1) alone: its credentials, and a state directory of
    /// its own for its token and request history (`None` when there is no such account).
    pub fn on_account(&self, n: usize) -> Option<(Settings, &Account)> {
        let a = self.accounts.get(n.checked_sub(1)?)?;
        let mut s = self.clone();
        s.credentials = Some(a.credentials.clone());
        s.accounts = vec![a.clone()];
        Some((s, a))
    }

    /// Whether `base_url` is one of KIS's own servers (not kis-sim or a proxy).
    pub fn is_kis_host(&self) -> bool {
        self.base_url == REAL_BASE_URL || self.base_url == VIRTUAL_BASE_URL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_need_both_halves_and_never_show() {
        let s = |v: &str| Some(SecretString::from(v.to_string()));
        assert!(Credentials::new(&s("k"), &s("s")).is_some());
        assert!(Credentials::new(&s("k"), &None).is_none());
        assert!(Credentials::new(&s(" "), &s("s")).is_none());
        let c = Credentials::new(&s("KEY-123"), &s("SECRET-456"));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("KEY-123") && !debug.contains("SECRET-456"),
            "{debug}"
        );
    }

    #[test]
    fn custtype_parses_only_the_two_codes() {
        assert_eq!("P".parse(), Ok(CustType::Individual));
        assert_eq!("B".parse::<CustType>().map(CustType::code), Ok("B"));
        assert!("p".parse::<CustType>().is_err() && "".parse::<CustType>().is_err());
    }
}

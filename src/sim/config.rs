//! `SimConfig`: everything a kis-sim instance is started with (CLI flags map onto it 1:1).

use crate::market::Env;
use crate::sim::auth::{
    AuthRules, TEST_APP_KEY, TEST_APP_KEY_2, TEST_APP_SECRET, TEST_APP_SECRET_2,
};
use crate::sim::clock::ClockMode;
use crate::sim::faults::FaultRule;
use crate::sim::ws::WsConfig;
use chrono::Duration;

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// 0 picks a free port.
    pub port: u16,
    pub seed: u64,
    /// Which KIS server to imitate: real (실전) or virtual (모의투자).
    pub env: Env,
    pub clock: ClockMode,
    /// Accepted (appkey, appsecret) pairs.
    pub app_keys: Vec<(String, String)>,
    /// Requests per second per appkey; `None` = KIS's 18 (real) / 1 (virtual).
    pub rate_per_sec: Option<u32>,
    pub auth: AuthRules,
    /// URL path under which the master zips are served (the client's `master_url` is
    /// `base_url() + master_path`).
    pub master_path: String,
    pub faults: Vec<FaultRule>,
    /// How many served responses to keep for ground truth.
    pub served_capacity: usize,
    /// The WebSocket server (off unless `ws.port` is set).
    pub ws: WsConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            seed: 1,
            env: Env::Real,
            clock: ClockMode::Real,
            app_keys: vec![
                (TEST_APP_KEY.to_string(), TEST_APP_SECRET.to_string()),
                (TEST_APP_KEY_2.to_string(), TEST_APP_SECRET_2.to_string()),
            ],
            rate_per_sec: None,
            auth: AuthRules::default(),
            master_path: "/common/master".to_string(),
            faults: Vec::new(),
            served_capacity: 5_000,
            ws: WsConfig::default(),
        }
    }
}

impl SimConfig {
    /// A config frozen at a KST wall-clock time or RFC 3339 instant (a test convenience:
    /// a malformed literal is a bug in the calling test, so it panics rather than silently
    /// running on the real clock).
    pub fn frozen(at: &str) -> SimConfig {
        let clock = match crate::sim::clock::parse_instant(at) {
            Ok(t) => ClockMode::Frozen(t),
            Err(e) => panic!("SimConfig::frozen: {e}"),
        };
        SimConfig {
            clock,
            ..SimConfig::default()
        }
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn virtual_server(mut self) -> Self {
        self.env = Env::Virtual;
        self
    }

    pub fn rate(mut self, per_sec: u32) -> Self {
        self.rate_per_sec = Some(per_sec);
        self
    }

    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.auth.ttl = ttl;
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves the KIS WebSocket on 127.0.0.1:`port` too (0 = a free port).
    pub fn ws_port(mut self, port: u16) -> Self {
        self.ws.port = Some(port);
        self
    }

    /// The WebSocket settings (keeps a port already chosen with [`SimConfig::ws_port`]).
    pub fn ws(mut self, ws: WsConfig) -> Self {
        let port = self.ws.port;
        self.ws = ws;
        self.ws.port = self.ws.port.or(port);
        self
    }

    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    pub fn effective_rate(&self) -> u32 {
        self.rate_per_sec.unwrap_or(match self.env {
            Env::Real => 18,
            Env::Virtual => 1,
        })
    }
}

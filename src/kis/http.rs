//! The one shared `reqwest` client: pooled connections, explicit connect/read/total timeouts,
//! an idle timeout shorter than typical server keep-alives (so we never reuse a connection
//! the server is about to close), and mapping of transport errors to `KisError`.

use super::error::KisError;
use std::time::Duration;

/// Idle pooled connections are dropped after this; servers commonly close at 60 s or more.
pub const POOL_IDLE: Duration = Duration::from_secs(20);

pub fn build(
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<reqwest::Client, KisError> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .read_timeout(request_timeout)
        .timeout(request_timeout + connect_timeout)
        .pool_idle_timeout(POOL_IDLE)
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .tcp_keepalive(Duration::from_secs(30))
        .user_agent(concat!("hoga/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| KisError::Io(format!("could not build the HTTP client: {e}")))
}

/// A transport error as a `KisError`. Never includes the URL's query (no secrets there, but
/// keep messages short) or headers.
pub fn network_error(endpoint: &str, e: &reqwest::Error) -> KisError {
    let timeout = e.is_timeout();
    if e.is_body() || e.is_decode() {
        return KisError::Parse {
            endpoint: endpoint.to_string(),
            status: e.status().map_or(0, |s| s.as_u16()),
            msg_cd: String::new(),
            msg1: String::new(),
            detail: format!("body cut short: {}", root_cause(e)),
            transient: true,
        };
    }
    let kind = if timeout {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    KisError::Network {
        endpoint: endpoint.to_string(),
        message: format!("{kind}: {}", root_cause(e)),
        timeout,
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

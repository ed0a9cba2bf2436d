//! The KIS Open API client: one shared HTTP client, token manager, rate limiter, retry,
//! circuit breaker, request de-duplication and metrics around the quotation endpoints.
//! KIS field names live only in `wire`.

pub mod breaker;
pub mod coord;
pub mod error;
pub mod http;
pub mod limiter;
pub mod master;
pub mod metrics;
mod recent;
mod settings;
pub mod token;
pub mod wire;
pub mod ws;

mod client;

/// The most appkeys hoga takes (`[kis] app_key` and `[[kis.accounts]]` together).
pub const MAX_ACCOUNTS: usize = 64;

pub use breaker::{Admit, Breaker, BreakerState};
pub use client::{ClientOptions, KisClient};
pub use error::KisError;
pub use limiter::{LimiterConfig, Priority, RateLimiter};
pub use metrics::{LatencySummary, MetricsSnapshot};
pub use settings::{
    Account, BreakerSettings, Credentials, CustType, MASTER_BASE_URL, REAL_BASE_URL, REAL_WS_URL,
    Settings, VIRTUAL_BASE_URL, VIRTUAL_WS_URL,
};
pub use wire::info::DayStatus;

//! kis-sim: a faithful local KIS Open API server over a deterministic synthetic market.
//!
//! - [`model`]: `SimMarket`, the deterministic market (universe, daily history, intraday path);
//!   also the ground truth tests compare against.
//! - [`wire`]: kis-sim's own KIS JSON (never the client's types).
//! - [`server`]: `SimServer::start(SimConfig) -> SimHandle` (axum on 127.0.0.1), KIS routes,
//!   master files, `/_sim/` admin routes.
//! - [`auth`], [`ratelimit`], [`faults`], [`master`], [`stats`], [`clock`]: the rules KIS
//!   enforces, the faults it exhibits, the files it serves, what it counted.
//!
//! Test credentials: [`TEST_APP_KEY`] / [`TEST_APP_SECRET`] are accepted by default.

pub mod auth;
pub mod clock;
pub mod config;
pub mod faults;
pub mod hash;
pub mod master;
pub mod model;
pub mod ratelimit;
pub mod server;
pub mod stats;
pub mod wire;

pub use auth::{TEST_APP_KEY, TEST_APP_SECRET};
pub use clock::{ClockMode, SimClock};
pub use config::SimConfig;
pub use faults::{FaultKind, FaultRule};
pub use model::SimMarket;
pub use server::{SimHandle, SimServer, SimState};
pub use stats::{Served, StatsSnapshot};

//! kis-sim: the synthetic market and the KIS wire server behind the `kis-sim` binary.
//!
//! - [`model`]: `SimMarket`, the deterministic market (universe, daily history, intraday path).
//! - [`clock`]: the simulator's clock (real, frozen, accelerated).

pub mod clock;
pub mod hash;
pub mod model;

pub use clock::{ClockMode, SimClock};
pub use model::SimMarket;

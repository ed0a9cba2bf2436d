//! The simulator's clock is the crate's [`ModeClock`](crate::clock::ModeClock): real, frozen
//! or accelerated, switchable at run time (admin route) and shared with the market model.

pub use crate::clock::{ClockMode, ModeClock as SimClock, parse_instant};

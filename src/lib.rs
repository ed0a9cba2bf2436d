//! hoga (호가): a terminal market monitor and daily ingestion job for the Korean stock market
//! on the Korea Investment & Securities (KIS) Open API, plus `kis-sim`, a faithful local KIS.
//!
//! Layers, each depending only on those below it (`../shared/design/ARCHITECTURE.md`;
//! `tests/layers.rs` checks every import):
//! entry (`main`, `cli`, `config`, `paths`, `logging`, `lookup`, `stream`, `alerts`) → `tui` → `feed` → `ingest`
//! → `source` → `store`, `cache` → `kis` → `clock` → `market`.
//! `sim` is a sibling that uses `market` and `clock` but owns its own wire format; `source`
//! serves the built-in simulated market from it.

pub mod alerts;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod exit;
pub mod feed;
pub mod ingest;
pub mod kis;
pub mod logging;
pub mod lookup;
pub mod market;
pub mod paths;
pub mod signal;
pub mod sim;
pub mod source;
pub mod store;
pub mod stream;
pub mod tui;

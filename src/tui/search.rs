//! The TUI's `/` lookup: the one stock search of `market::search`, with its prepared index.

pub use crate::market::search::Index;

//! hoga's own widgets: candlesticks, depth bars, display-width-aware text.

pub mod candles;
pub mod depth;
pub mod text;

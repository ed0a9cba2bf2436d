//! hoga's own widgets: candlesticks, moving-average lines, the won axis, depth bars,
//! display-width-aware text.

pub mod axis;
pub mod candles;
pub mod depth;
pub mod ma_lines;
pub mod text;

//! The pure domain: money, codes, quotes, books, candles, tick sizes, limits, the KRX calendar.
//! No I/O and no tokio here; every other layer speaks these types.

pub mod adjust;
pub mod alert;
pub mod bar_check;
pub mod calendar;
pub mod candle;
pub mod code;
pub mod flows;
pub mod index;
pub mod interval;
pub mod live;
pub mod money;
pub mod search;
pub mod text;
pub mod tick;
pub mod types;
pub mod venue;

pub use adjust::{ActionKind, ChartDay, Ratio};
pub use calendar::{Calendar, KST, Session, SessionTimes, kst_date, kst_to_utc};
pub use candle::{Side, Trade};
pub use code::{InvalidCode, Market, StockCode};
pub use flows::{Flow, InvestorDay, ViEvent, ViKind};
pub use index::{
    Breadth, IndexBar, IndexCode, IndexQuote, Points, RANK_ROWS, RankKind, RankMarket, RankRow,
};
pub use interval::{Interval, UnknownInterval};
pub use live::{ExpectedUpdate, LiveEvent, MarketStatus};
pub use money::{Krw, Rate, group_thousands};
pub use tick::{is_valid_price, on_grid, price_limits, tick_size};
pub use types::*;
pub use venue::{NxtSession, NxtTimes, Venue};

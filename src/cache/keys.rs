//! Cache key names: `{prefix}:{env}:price:{code}` and friends, so real and virtual never mix.

use crate::market::{Env, Period, StockCode};
use chrono::NaiveDate;

/// Builds keys under `{prefix}:{env}`, e.g. `kis:real:price:005930`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    base: String,
}

impl Keys {
    pub fn new(prefix: &str, env: Env) -> Keys {
        let prefix = prefix.trim().trim_end_matches(':');
        let prefix = if prefix.is_empty() { "kis" } else { prefix };
        Keys {
            base: format!("{prefix}:{}", env.label()),
        }
    }

    pub fn price(&self, code: StockCode) -> String {
        format!("{}:price:{code}", self.base)
    }

    pub fn order_book(&self, code: StockCode) -> String {
        format!("{}:orderbook:{code}", self.base)
    }

    /// A period chart over an inclusive date range (the original design's `{count}` is the range).
    pub fn chart(&self, code: StockCode, period: Period, from: NaiveDate, to: NaiveDate) -> String {
        format!(
            "{}:chart:{code}:{}:{}_{}",
            self.base,
            period.code(),
            from.format("%Y%m%d"),
            to.format("%Y%m%d")
        )
    }

    /// Today's minute bars (the trading date keeps yesterday's bars from being served today).
    pub fn minute_chart(&self, code: StockCode, date: NaiveDate) -> String {
        format!("{}:chart:{code}:1m:{}", self.base, date.format("%Y%m%d"))
    }

    /// One session's minutes by date (a finished session's never change).
    pub fn day_minute_chart(&self, code: StockCode, date: NaiveDate) -> String {
        format!(
            "{}:chart:{code}:1m-day:{}",
            self.base,
            date.format("%Y%m%d")
        )
    }

    pub fn info(&self, code: StockCode) -> String {
        format!("{}:info:{code}", self.base)
    }

    pub fn universe(&self) -> String {
        format!("{}:universe", self.base)
    }

    /// An index snapshot (`0001`, …).
    pub fn index(&self, code: crate::market::IndexCode) -> String {
        format!("{}:index:{code}", self.base)
    }

    /// An index chart over an inclusive date range.
    pub fn index_chart(
        &self,
        code: crate::market::IndexCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
    ) -> String {
        format!(
            "{}:indexchart:{code}:{}:{}_{}",
            self.base,
            period.code(),
            from.format("%Y%m%d"),
            to.format("%Y%m%d")
        )
    }

    /// A stock's investor flows.
    pub fn investors(&self, code: StockCode) -> String {
        format!("{}:investors:{code}", self.base)
    }

    /// The day's VI events, of every stock (`all`) or of one.
    pub fn vi(&self, code: Option<StockCode>) -> String {
        match code {
            Some(c) => format!("{}:vi:{c}", self.base),
            None => format!("{}:vi:all", self.base),
        }
    }

    /// One ranking (`volume`, `gainers`, …) of one market.
    pub fn ranking(
        &self,
        kind: crate::market::RankKind,
        market: crate::market::RankMarket,
    ) -> String {
        format!("{}:rank:{}:{}", self.base, kind.label(), market.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_the_kis_shape_and_separate_envs() {
        let code = StockCode::new("005930").unwrap();
        let real = Keys::new("kis", Env::Real);
        let virt = Keys::new("kis:", Env::Virtual);
        assert_eq!(real.price(code), "kis:real:price:005930");
        assert_eq!(virt.price(code), "kis:virtual:price:005930");
        assert_eq!(real.order_book(code), "kis:real:orderbook:005930");
        assert_eq!(real.info(code), "kis:real:info:005930");
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            real.chart(code, Period::Day, d("2025-01-02"), d("2025-03-31")),
            "kis:real:chart:005930:D:20250102_20250331"
        );
        assert_eq!(
            real.minute_chart(code, d("2025-01-02")),
            "kis:real:chart:005930:1m:20250102"
        );
        assert_eq!(
            Keys::new("", Env::Real).price(code),
            "kis:real:price:005930"
        );
    }
}

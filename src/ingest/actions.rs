//! Learning corporate actions from what KIS sends, so the store keeps raw bars plus exact
//! factors and never mixes price bases.
//!
//! - A backfill reads the raw daily chart (`FID_ORG_ADJ_PRC=1`): each row's base price
//!   (close − `prdy_vrss`) against the raw close of the row before it. A base that is not
//!   that close is an ex-date, and `base / previous close` is its exact factor; the row's
//!   `flng_cls_code` / `revl_issu_reas` give the kind.
//! - A daily run reads today's quote: its base (KIS's adjusted previous close, 기준가) against
//!   the raw close stored for the previous trading day.
//!
//! KIS's base equals the previous close to the won on every other day (it is that close), so
//! any difference is an action; no tolerance is needed or used.

use crate::market::{ActionKind, ChartDay, Krw, Ratio, StockCode};
use crate::store::Adjustment;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// `source` of an action learned from a raw daily chart.
pub const FROM_CHART: &str = "kis:daily_chart";
/// `source` of an action learned from a quote's base price.
pub const FROM_QUOTE: &str = "kis:quote_base";

/// The actions in a raw series (oldest first) and the base price of each ex-date.
pub fn in_series(
    code: StockCode,
    days: &[ChartDay],
) -> (Vec<Adjustment>, BTreeMap<NaiveDate, Krw>) {
    let mut found = Vec::new();
    let mut bases = BTreeMap::new();
    for pair in days.windows(2) {
        let (prev, day) = (&pair[0], &pair[1]);
        let Some(base) = day.base else {
            continue;
        };
        let prev_close = prev.candle.close;
        if base == prev_close || prev_close.0 <= 0 {
            continue;
        }
        let Some(factor) = Ratio::new(base.0, prev_close.0) else {
            continue;
        };
        let kind = ActionKind::from_codes(
            day.flng_cls_code.as_deref(),
            day.revl_issu_reas.as_deref(),
            factor,
        );
        bases.insert(day.candle.date, base);
        found.push(Adjustment {
            code,
            ex_date: day.candle.date,
            factor,
            kind,
            source: FROM_CHART.into(),
        });
    }
    (found, bases)
}

/// The action a quote's base reveals against the stored raw close of the day before, if any.
pub fn from_base(
    code: StockCode,
    date: NaiveDate,
    base: Krw,
    stored_close: Krw,
) -> Option<Adjustment> {
    if base == stored_close || base.0 <= 0 || stored_close.0 <= 0 {
        return None;
    }
    let factor = Ratio::new(base.0, stored_close.0)?;
    Some(Adjustment {
        code,
        ex_date: date,
        factor,
        kind: ActionKind::from_codes(None, None, factor),
        source: FROM_QUOTE.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Candle;

    fn day(d: u32, close: i64, base: Option<i64>, flng: Option<&str>) -> ChartDay {
        let date = NaiveDate::from_ymd_opt(2025, 4, d).unwrap();
        ChartDay {
            candle: Candle {
                date,
                time: None,
                open: Krw(close),
                high: Krw(close),
                low: Krw(close),
                close: Krw(close),
                volume: 1,
                value: Krw(close),
            },
            base: base.map(Krw),
            flng_cls_code: flng.map(String::from),
            revl_issu_reas: None,
            prtt_rate: None,
            modified: false,
        }
    }

    #[test]
    fn a_moved_base_is_an_action_with_an_exact_factor() {
        let code = StockCode::new("357780").unwrap();
        let days = [
            day(10, 50_000, Some(49_000), None),
            day(11, 52_300, Some(50_000), None),
            day(14, 10_600, Some(10_460), Some("00")),
            day(15, 10_700, Some(10_600), None),
            day(16, 10_500, None, None),
            day(17, 10_100, Some(10_200), Some("02")),
        ];
        let (found, bases) = in_series(code, &days);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].factor, Ratio::new(1, 5).unwrap());
        assert_eq!(found[0].kind, ActionKind::Other);
        assert_eq!(found[1].factor, Ratio::new(10_200, 10_500).unwrap());
        assert_eq!(found[1].kind, ActionKind::Dividend);
        assert_eq!(bases.len(), 2);
        assert!(from_base(code, days[1].candle.date, Krw(50_000), Krw(50_000)).is_none());
        let a = from_base(code, days[2].candle.date, Krw(10_460), Krw(52_300)).unwrap();
        assert_eq!(a.factor, Ratio::new(1, 5).unwrap());
        assert_eq!(a.source, FROM_QUOTE);
    }
}

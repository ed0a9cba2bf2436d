//! kis-sim's corporate actions: a fixed table of splits, reverse splits, rights issues,
//! dividends and capital reductions on a few issues across the simulated history.
//!
//! On an ex-date the day's base price (기준가) is no longer the raw close before it but that
//! close moved by the action (`base_on`); the raw series goes on from there, so raw charts
//! (`FID_ORG_ADJ_PRC=1`) jump, and adjusted charts (`0`) scale every earlier price by the
//! exact factor `base / previous close` (the product of the factors of every later ex-date up
//! to the day asked about, rounded once, half up, `market::adjust`). The ex-date row carries
//! `flng_cls_code`, `revl_issu_reas`, `prtt_rate` and `mod_yn` (`wire_codes`).

use super::grid::Grid;
use crate::market::{ActionKind, Calendar, Ratio};
use chrono::NaiveDate;

/// How an action moves the base price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// Shares × n (액면분할 1:n): base = close / n.
    Split(i64),
    /// Shares ÷ n (병합 or 감자 n:1): base = close × n.
    Merge(i64),
    /// A cash dividend of this many won per share: base = close − dividend, onto the grid.
    Dividend(i64),
    /// A rights issue: `new_per_old` (per mille) new shares at `price_pct` % of the close:
    /// base = the theoretical ex-rights price.
    Rights { new_per_mille: i64, price_pct: i64 },
}

/// One corporate action of the simulated market.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimAction {
    pub code: &'static str,
    /// The first trading day on or after this date is the ex-date.
    pub on_or_after: (i32, u32, u32),
    pub kind: ActionKind,
    pub effect: Effect,
}

const fn a(
    code: &'static str,
    y: i32,
    m: u32,
    d: u32,
    kind: ActionKind,
    effect: Effect,
) -> SimAction {
    SimAction {
        code,
        on_or_after: (y, m, d),
        kind,
        effect,
    }
}

use ActionKind as K;

/// The table. Two actions on 리노공업 exercise cumulative factors; 에스엠's 2026-03-09 rights
/// issue is the ex-date right after the tests' usual 2026-03-06.
pub const ACTIONS: &[SimAction] = &[
    a("357780", 2025, 4, 14, K::Split, Effect::Split(5)),
    a("058470", 2024, 9, 2, K::Split, Effect::Split(10)),
    a("058470", 2025, 12, 29, K::Dividend, Effect::Dividend(300)),
    a("003550", 2024, 12, 27, K::Dividend, Effect::Dividend(3_100)),
    a("003550", 2025, 12, 29, K::Dividend, Effect::Dividend(3_200)),
    a("293490", 2025, 7, 1, K::ReverseSplit, Effect::Merge(2)),
    a("263750", 2025, 2, 3, K::CapitalReduction, Effect::Merge(3)),
    a(
        "145020",
        2025,
        10,
        13,
        K::Rights,
        Effect::Rights {
            new_per_mille: 250,
            price_pct: 70,
        },
    ),
    a(
        "041510",
        2026,
        3,
        9,
        K::Rights,
        Effect::Rights {
            new_per_mille: 200,
            price_pct: 75,
        },
    ),
];

impl SimAction {
    /// The ex-date: the first KRX trading day on or after `on_or_after`.
    pub fn ex_date(&self, cal: &Calendar) -> NaiveDate {
        let (y, m, d) = self.on_or_after;
        let day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        if cal.is_trading_day(day) {
            day
        } else {
            cal.next_trading_day(day)
        }
    }

    /// The ex-date's base price given the raw close before it.
    pub fn base_on(&self, prev_close: i64, g: Grid) -> i64 {
        let p = prev_close as f64;
        let base = match self.effect {
            Effect::Split(n) => g.near(p / n as f64),
            Effect::Merge(n) => g.near(p * n as f64),
            Effect::Dividend(w) => g.down((prev_close - w).max(1)),
            Effect::Rights {
                new_per_mille,
                price_pct,
            } => {
                let r = new_per_mille as f64 / 1000.0;
                let issue = p * price_pct as f64 / 100.0;
                g.near((p + issue * r) / (1.0 + r))
            }
        };
        base.max(g.tick(1))
    }

    /// (`flng_cls_code`, `revl_issu_reas`) of the ex-date row, as KIS codes them.
    pub fn wire_codes(&self) -> (&'static str, &'static str) {
        match self.kind {
            K::Rights => ("01", "00"),
            K::Dividend => ("02", "00"),
            K::CapitalReduction => ("00", "02"),
            K::Merger => ("00", "01"),
            K::Split | K::ReverseSplit | K::Other => ("00", "99"),
        }
    }
}

/// A stock's actions with their ex-dates, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StockActions {
    pub list: Vec<(NaiveDate, SimAction)>,
}

impl StockActions {
    pub fn on(&self, date: NaiveDate) -> Option<&SimAction> {
        self.list.iter().find(|(d, _)| *d == date).map(|(_, a)| a)
    }
}

/// Every code's actions.
pub fn by_code(cal: &Calendar) -> std::collections::HashMap<&'static str, StockActions> {
    let mut out: std::collections::HashMap<&'static str, StockActions> = Default::default();
    for act in ACTIONS {
        out.entry(act.code)
            .or_default()
            .list
            .push((act.ex_date(cal), *act));
    }
    for v in out.values_mut() {
        v.list.sort_by_key(|(d, _)| *d);
    }
    out
}

/// The factor of an ex-date: its base over the raw close before it.
pub fn factor(base: i64, prev_close: i64) -> Ratio {
    Ratio::new(base, prev_close).unwrap_or(Ratio::ONE)
}

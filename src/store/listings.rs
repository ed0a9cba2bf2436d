//! Listing history: what a master-file observation changes in the store, as a pure function of
//! the stored state, so both backends apply exactly the same rules.
//!
//! - An issue first seen is listed from the master file's 상장일자 (or from the observation,
//!   when the file has no date); its name and market hold from then on.
//! - A name or market that differs from the stored one holds from the trading day after the
//!   last master file that showed the old one (the observation day itself when that is later
//!   or unknown). With a daily run that is the day of the change.
//! - An issue missing from the master files on every trading day after the last one that
//!   listed it, for `delist_after` trading days up to the observation, is delisted: its
//!   `delisted_on` is the first of those days. Its rows are kept. Fewer days missing is
//!   pending (a master file that lost a line for a day does not delist anything).
//! - A delisted issue listed again is relisted (`delisted_on` cleared).
//!
//! Code changes are not followed: a new code is a new issue (KRX's ISIN carries the code, so
//! nothing in the master files links the two).

use crate::market::{Calendar, Listing, Market, StockCode};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// One issue's listing as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListingState {
    pub code: StockCode,
    /// 상장일자; `None` until a master file with a date has been read.
    pub listed_on: Option<NaiveDate>,
    /// The first trading day it was no longer listed.
    pub delisted_on: Option<NaiveDate>,
    /// The KST date of the last master file that listed it.
    pub last_seen: Option<NaiveDate>,
    /// Name and market from each date on, oldest first.
    pub names: Vec<NameSpan>,
}

impl ListingState {
    /// The name and market in force on `d` (the first known ones before any row starts).
    pub fn name_on(&self, d: NaiveDate) -> Option<&NameSpan> {
        self.names
            .iter()
            .rev()
            .find(|n| n.valid_from <= d)
            .or(self.names.first())
    }

    /// Whether it was listed on `d` (an unknown listing date counts as listed).
    pub fn listed_on_day(&self, d: NaiveDate) -> bool {
        self.listed_on.is_none_or(|l| l <= d) && self.delisted_on.is_none_or(|x| d < x)
    }
}

/// A name and market holding from `valid_from` until the next row's `valid_from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NameSpan {
    pub valid_from: NaiveDate,
    pub name: String,
    pub market: Market,
}

/// An issue of "the universe on date D": listed on D, with its name and market as of D.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListedIssue {
    pub code: StockCode,
    pub name: String,
    pub market: Market,
    pub listed_on: Option<NaiveDate>,
    pub delisted_on: Option<NaiveDate>,
}

/// What one observation changed, for the run summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListingChanges {
    /// The KST date of the observation.
    pub observed: Option<NaiveDate>,
    /// Issues the store had never seen.
    pub new: Vec<StockCode>,
    pub renamed: Vec<StockCode>,
    /// Moved between KOSPI and KOSDAQ.
    pub moved: Vec<StockCode>,
    pub delisted: Vec<StockCode>,
    pub relisted: Vec<StockCode>,
    /// Missing from the master files, not yet for `delist_after` trading days.
    pub pending: Vec<StockCode>,
}

impl ListingChanges {
    /// `3 new, 1 renamed, 2 delisted` (only what is not zero), or `no change`.
    pub fn line(&self) -> String {
        let parts: Vec<String> = [
            ("new", self.new.len()),
            ("renamed", self.renamed.len()),
            ("moved", self.moved.len()),
            ("delisted", self.delisted.len()),
            ("relisted", self.relisted.len()),
            ("missing (not yet delisted)", self.pending.len()),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
        if parts.is_empty() {
            "no change".into()
        } else {
            parts.join(", ")
        }
    }
}

/// One write an observation makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListingOp {
    /// Sets the listing columns of `code` (its `stocks` row is upserted from the master).
    Dates {
        code: StockCode,
        listed_on: Option<NaiveDate>,
        delisted_on: Option<NaiveDate>,
        last_seen: Option<NaiveDate>,
    },
    /// Inserts (or replaces) a name row.
    Name { code: StockCode, span: NameSpan },
    /// Moves the first name row's start back to the listing date.
    FirstNameFrom {
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
    },
}

/// The writes that record `master`, read on KST date `observed`, over the stored `states`.
pub fn observe(
    states: &HashMap<StockCode, ListingState>,
    master: &[Listing],
    observed: NaiveDate,
    delist_after: u32,
    cal: &Calendar,
) -> (Vec<ListingOp>, ListingChanges) {
    let mut ops = Vec::new();
    let mut ch = ListingChanges {
        observed: Some(observed),
        ..ListingChanges::default()
    };
    let mut seen: std::collections::HashSet<StockCode> = Default::default();
    for l in master {
        if !seen.insert(l.code) {
            continue;
        }
        match states.get(&l.code) {
            None => {
                let from = l.listed_on.filter(|d| *d <= observed).unwrap_or(observed);
                ops.push(ListingOp::Dates {
                    code: l.code,
                    listed_on: l.listed_on,
                    delisted_on: None,
                    last_seen: Some(observed),
                });
                ops.push(ListingOp::Name {
                    code: l.code,
                    span: NameSpan {
                        valid_from: from,
                        name: l.name.clone(),
                        market: l.market,
                    },
                });
                ch.new.push(l.code);
            }
            Some(st) => {
                if st.delisted_on.is_some() {
                    ch.relisted.push(l.code);
                }
                let listed_on = l.listed_on.or(st.listed_on);
                // The first name holds from the listing date.
                if let (Some(lo), Some(first)) = (listed_on, st.names.first())
                    && lo < first.valid_from
                {
                    ops.push(ListingOp::FirstNameFrom {
                        code: l.code,
                        from: first.valid_from,
                        to: lo,
                    });
                }
                let current = st.names.last();
                let renamed = current.is_some_and(|c| c.name != l.name);
                let moved = current.is_some_and(|c| c.market != l.market);
                if current.is_none() || renamed || moved {
                    let from = match current {
                        // A row stored without history (by `upsert_stocks`): from the listing.
                        None => listed_on.filter(|d| *d <= observed).unwrap_or(observed),
                        Some(_) => st
                            .last_seen
                            .map(|d| cal.next_trading_day(d))
                            .filter(|d| *d <= observed)
                            .unwrap_or(observed),
                    };
                    // Never before the row it follows.
                    let from = current.map_or(from, |c| from.max(c.valid_from));
                    ops.push(ListingOp::Name {
                        code: l.code,
                        span: NameSpan {
                            valid_from: from,
                            name: l.name.clone(),
                            market: l.market,
                        },
                    });
                    if renamed {
                        ch.renamed.push(l.code);
                    }
                    if moved {
                        ch.moved.push(l.code);
                    }
                }
                ops.push(ListingOp::Dates {
                    code: l.code,
                    listed_on,
                    delisted_on: None,
                    last_seen: st.last_seen.max(Some(observed)),
                });
            }
        }
    }
    let mut gone: Vec<&ListingState> = states
        .values()
        .filter(|s| s.delisted_on.is_none() && !seen.contains(&s.code))
        .collect();
    gone.sort_by_key(|s| s.code);
    for st in gone {
        let Some(last) = st.last_seen else {
            continue;
        };
        let first_missing = cal.next_trading_day(last);
        let missing = if first_missing > observed {
            0
        } else {
            cal.trading_days(first_missing, observed).len()
        };
        if missing >= delist_after.max(1) as usize {
            ops.push(ListingOp::Dates {
                code: st.code,
                listed_on: st.listed_on,
                delisted_on: Some(first_missing),
                last_seen: st.last_seen,
            });
            ch.delisted.push(st.code);
        } else if missing > 0 {
            ch.pending.push(st.code);
        }
    }
    (ops, ch)
}

/// "The universe on date D" in SQL: the issues listed on D (listed on or before it, not yet
/// delisted), each with the name and market of its latest history row starting on or before D
/// (or its first row, for a day before its history starts). `{d}` is the date parameter
/// (`?1` in SQLite, `$1` in PostgreSQL); dates are `YYYY-MM-DD` text, so they compare as text.
pub const UNIVERSE_ON_SQL: &str = "SELECT s.code, h.name, h.market, s.listed_on, s.delisted_on
    FROM stocks s JOIN stock_history h ON h.code = s.code
    WHERE s.listed_on <= {d} AND (s.delisted_on IS NULL OR s.delisted_on > {d})
      AND h.valid_from = COALESCE(
        (SELECT MAX(x.valid_from) FROM stock_history x WHERE x.code = s.code AND x.valid_from <= {d}),
        (SELECT MIN(x.valid_from) FROM stock_history x WHERE x.code = s.code))
    ORDER BY s.code";

/// "The universe on `d`" from the stored states, ordered by code: the rule the SQL of
/// `Store::universe_on` follows (and the test that holds them to each other).
pub fn universe_on(states: &[ListingState], d: NaiveDate) -> Vec<ListedIssue> {
    let mut out: Vec<ListedIssue> = states
        .iter()
        .filter(|s| s.listed_on.is_some_and(|l| l <= d) && s.delisted_on.is_none_or(|x| d < x))
        .filter_map(|s| {
            let n = s.name_on(d)?;
            Some(ListedIssue {
                code: s.code,
                name: n.name.clone(),
                market: n.market,
                listed_on: s.listed_on,
                delisted_on: s.delisted_on,
            })
        })
        .collect();
    out.sort_by_key(|i| i.code);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Krw, SecurityKind, StatusFlags};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn listing(code: &str, name: &str, market: Market, listed: NaiveDate) -> Listing {
        Listing {
            code: StockCode::new(code).unwrap(),
            isin: String::new(),
            name: name.into(),
            name_en: None,
            market,
            group: "ST".into(),
            kind: SecurityKind::Stock,
            base_price: Krw(1_000),
            listed_shares: 1,
            flags: StatusFlags::default(),
            market_cap_eok: 1,
            listed_on: Some(listed),
        }
    }

    /// Applies `ops` to `states` as the stores do.
    fn apply(states: &mut HashMap<StockCode, ListingState>, ops: &[ListingOp]) {
        for op in ops {
            match op {
                ListingOp::Dates {
                    code,
                    listed_on,
                    delisted_on,
                    last_seen,
                } => {
                    let s = states.entry(*code).or_insert_with(|| ListingState {
                        code: *code,
                        listed_on: None,
                        delisted_on: None,
                        last_seen: None,
                        names: Vec::new(),
                    });
                    s.listed_on = *listed_on;
                    s.delisted_on = *delisted_on;
                    s.last_seen = *last_seen;
                }
                ListingOp::Name { code, span } => {
                    let s = states.get_mut(code).unwrap();
                    s.names.retain(|n| n.valid_from != span.valid_from);
                    s.names.push(span.clone());
                    s.names.sort_by_key(|n| n.valid_from);
                }
                ListingOp::FirstNameFrom { code, from, to } => {
                    let s = states.get_mut(code).unwrap();
                    if let Some(n) = s.names.iter_mut().find(|n| n.valid_from == *from) {
                        n.valid_from = *to;
                    }
                }
            }
        }
    }

    #[test]
    fn listings_renames_moves_and_delistings_over_daily_observations() {
        let cal = Calendar::krx();
        let mut states = HashMap::new();
        let a = listing("000010", "가나", Market::Kosdaq, d(2001, 1, 2));
        let b = listing("000020", "다라", Market::Kosdaq, d(2001, 1, 2));
        let c = listing("000030", "마바", Market::Kospi, d(2026, 3, 4));
        // 2026-03-03 (Tue): a and b.
        let (ops, ch) = observe(&states, &[a.clone(), b.clone()], d(2026, 3, 3), 3, cal);
        apply(&mut states, &ops);
        assert_eq!(ch.new.len(), 2);
        // 03-04: c is listed, a renamed and moved, b missing.
        let mut a2 = a.clone();
        a2.name = "가나홀딩스".into();
        a2.market = Market::Kospi;
        let (ops, ch) = observe(&states, &[a2.clone(), c.clone()], d(2026, 3, 4), 3, cal);
        apply(&mut states, &ops);
        assert_eq!(ch.new, vec![c.code]);
        assert_eq!(ch.renamed, vec![a.code]);
        assert_eq!(ch.moved, vec![a.code]);
        assert_eq!(ch.pending, vec![b.code]);
        // 03-05, 03-06: b is still missing; on the third trading day it is delisted.
        let (ops, ch) = observe(&states, &[a2.clone(), c.clone()], d(2026, 3, 5), 3, cal);
        apply(&mut states, &ops);
        assert_eq!((ch.delisted.len(), ch.pending.len()), (0, 1));
        let (ops, ch) = observe(&states, &[a2.clone(), c.clone()], d(2026, 3, 6), 3, cal);
        apply(&mut states, &ops);
        assert_eq!(ch.delisted, vec![b.code]);
        assert_eq!(states[&b.code].delisted_on, Some(d(2026, 3, 4)));
        // A second observation the same day changes nothing.
        let (ops, ch) = observe(&states, &[a2.clone(), c.clone()], d(2026, 3, 6), 3, cal);
        let before = states.clone();
        apply(&mut states, &ops);
        assert_eq!(states, before);
        assert_eq!(ch.line(), "no change");

        let all: Vec<ListingState> = states.values().cloned().collect();
        let on = |day| {
            universe_on(&all, day)
                .into_iter()
                .map(|i| (i.code.to_string(), i.name, i.market))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            on(d(2026, 3, 3)),
            vec![
                ("000010".into(), "가나".into(), Market::Kosdaq),
                ("000020".into(), "다라".into(), Market::Kosdaq)
            ]
        );
        assert_eq!(
            on(d(2026, 3, 4)),
            vec![
                ("000010".into(), "가나홀딩스".into(), Market::Kospi),
                ("000030".into(), "마바".into(), Market::Kospi)
            ]
        );
        // Before the first observation the first name holds back to the listing date.
        assert_eq!(on(d(2010, 1, 4)).len(), 2);
    }

    #[test]
    fn sparse_observations_count_trading_days_not_runs() {
        let cal = Calendar::krx();
        let mut states = HashMap::new();
        let a = listing("000010", "가나", Market::Kosdaq, d(2001, 1, 2));
        let (ops, _) = observe(&states, &[a], d(2026, 3, 3), 5, cal);
        apply(&mut states, &ops);
        // One observation a week later: five trading days missing.
        let (ops, ch) = observe(&states, &[], d(2026, 3, 10), 5, cal);
        apply(&mut states, &ops);
        assert_eq!(ch.delisted.len(), 1);
        assert_eq!(
            states.values().next().unwrap().delisted_on,
            Some(d(2026, 3, 4))
        );
    }
}

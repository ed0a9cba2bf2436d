//! What the status bar's state slot says about the data, decided from the state alone.
//!
//! LIVE while KIS answers: a fresh cache entry served between two polls is not a degraded
//! state (the cache shows only in its own figure). One failed poll marks the pane it hit
//! (each pane shows its own staleness); the whole bar says STALE, or BREAKER OPEN, only when
//! every kind of data on screen that asked KIS has failed for longer than one poll. Data
//! served from a fresh cache entry asked nobody (after the close the day's final values stay
//! fresh for hours), so it neither proves KIS answers nor that it fails.

use super::state::{Data, State};
use super::update::areas;
use crate::market::{Env, Provenance};
use crate::source::SourceKind;
use chrono::{DateTime, Utc};

/// Failed (or were served stale) this many times in a row before the whole bar says so.
pub const FAILING_STREAK: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// KIS answers (fresh cache hits between polls included).
    Live(Env),
    /// The built-in simulated market.
    Simulated,
    /// KIS asked, nothing answered yet.
    Connecting(Env),
    /// Everything on screen has been failing: the newest good data is from `since` (`None`:
    /// nothing ever arrived).
    Stale { since: Option<DateTime<Utc>> },
    /// As `Stale`, and the circuit breaker is open until `retry_at`.
    BreakerOpen {
        since: Option<DateTime<Utc>>,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// One kind of data on screen: whether it has answered at all, whether it is failing for
/// longer than one poll, and when its shown value was fetched.
struct Kind {
    /// Its last answer came from KIS (live, or a failure), not from a fresh cache entry.
    asked: bool,
    failing: bool,
    good_at: Option<DateTime<Utc>>,
}

fn from_cache(p: Option<Provenance>) -> bool {
    matches!(p, Some(Provenance::Cached { .. }))
}

fn kind<T>(d: &Data<T>) -> Kind {
    let answered = d.received_at.is_some() || d.problem.is_some();
    Kind {
        asked: answered && (d.problem.is_some() || !from_cache(d.provenance)),
        failing: d.streak >= FAILING_STREAK,
        good_at: d.fetched_at(),
    }
}

pub fn health(state: &State) -> Health {
    let a = areas(state);
    let mut kinds = Vec::with_capacity(4);
    if a.watchlist.is_some() {
        let answered = state.quotes_at.is_some() || state.quotes_problem.is_some();
        let all_cached = state.quotes_problem.is_none()
            && !state.quotes.is_empty()
            && state
                .rows()
                .iter()
                .filter_map(|c| state.quotes.get(c))
                .all(|q| from_cache(Some(q.provenance)));
        kinds.push(Kind {
            asked: answered && !all_cached,
            failing: state.quotes_streak >= FAILING_STREAK,
            good_at: state.quotes_at.filter(|_| state.quotes_streak == 0),
        });
    }
    if a.book.is_some() {
        kinds.push(kind(&state.book));
    }
    if a.chart.is_some() {
        kinds.push(kind(&state.chart.data));
    }
    if a.info.is_some() {
        kinds.push(kind(&state.info));
    }
    let asked: Vec<&Kind> = kinds.iter().filter(|k| k.asked).collect();
    let all_failing = !asked.is_empty() && asked.iter().all(|k| k.failing);
    if all_failing {
        let since = asked.iter().filter_map(|k| k.good_at).max();
        let s = &state.status;
        if s.breaker.as_deref() == Some("open") {
            return Health::BreakerOpen {
                since,
                retry_at: s.breaker_retry_at,
            };
        }
        return Health::Stale { since };
    }
    let answered = kinds.iter().any(|k| k.asked || k.good_at.is_some());
    match state.source_kind {
        SourceKind::Simulated => Health::Simulated,
        SourceKind::Kis(env) if !answered => Health::Connecting(env),
        SourceKind::Kis(env) => Health::Live(env),
    }
}

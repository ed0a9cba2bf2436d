//! How long each kind of value is fresh (served without calling KIS) and retained (TTL: how long
//! it can serve as a fallback), aware of the market: after the close the day's final values stay
//! fresh until the next session opens; once a session opens, older entries are not fresh.

use crate::market::{Calendar, kst_date, kst_to_utc};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// What a cache entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CacheKind {
    Price,
    OrderBook,
    Chart,
    Info,
    /// The listed universe (master files); as slow-moving as info.
    Universe,
}

impl CacheKind {
    pub fn label(self) -> &'static str {
        match self {
            CacheKind::Price => "price",
            CacheKind::OrderBook => "orderbook",
            CacheKind::Chart => "chart",
            CacheKind::Info => "info",
            CacheKind::Universe => "universe",
        }
    }

    /// Values that move while the market trades (and are final once it closes).
    fn follows_market(self) -> bool {
        matches!(
            self,
            CacheKind::Price | CacheKind::OrderBook | CacheKind::Chart
        )
    }
}

/// How long one kind of value is fresh (served without calling KIS) and retained (its TTL:
/// how long it can stand in when KIS fails).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime {
    pub fresh: Duration,
    pub ttl: Duration,
}

/// The lifetime of each kind (the listed universe lives as long as info).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    pub price: Lifetime,
    pub order_book: Lifetime,
    pub chart: Lifetime,
    pub info: Lifetime,
}

#[derive(Clone, Debug)]
pub struct CachePolicy {
    lifetimes: Lifetimes,
    calendar: &'static Calendar,
}

impl CachePolicy {
    pub fn new(lifetimes: Lifetimes) -> CachePolicy {
        CachePolicy::with_calendar(lifetimes, Calendar::krx())
    }

    pub fn with_calendar(lifetimes: Lifetimes, calendar: &'static Calendar) -> CachePolicy {
        CachePolicy {
            lifetimes,
            calendar,
        }
    }

    fn lifetime(&self, kind: CacheKind) -> Lifetime {
        let l = &self.lifetimes;
        match kind {
            CacheKind::Price => l.price,
            CacheKind::OrderBook => l.order_book,
            CacheKind::Chart => l.chart,
            CacheKind::Info | CacheKind::Universe => l.info,
        }
    }

    /// Configured freshness of a kind.
    pub fn freshness(&self, kind: CacheKind) -> Duration {
        self.lifetime(kind).fresh
    }

    /// Retention of an entry written at `now`. Market data written while the market is shut is
    /// kept at least until the next session starts, so the day's final values survive the night.
    pub fn ttl(&self, kind: CacheKind, now: DateTime<Utc>) -> Duration {
        let base = self.lifetime(kind).ttl.max(self.freshness(kind));
        if kind.follows_market() && !self.calendar.session_at(now).is_live() {
            let until_open = (self.next_live_start(now) - now)
                .to_std()
                .unwrap_or(Duration::ZERO);
            base.max(until_open)
        } else {
            base
        }
    }

    /// Whether an entry fetched at `fetched_at` may be served at `now` without asking KIS.
    pub fn is_fresh(&self, kind: CacheKind, fetched_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        // A session has begun since the fetch: yesterday's close is not today's price.
        let next_live = self.next_live_start(fetched_at);
        if now >= next_live {
            return false;
        }
        let fetched_while_shut = !self.calendar.session_at(fetched_at).is_live();
        if kind.follows_market() && fetched_while_shut {
            // Nothing trades until `next_live`: the value is final.
            return true;
        }
        let age = (now - fetched_at).to_std().unwrap_or(Duration::ZERO);
        age <= self.freshness(kind)
    }

    /// The first instant after `at` when a live session (pre-open auction, regular trading or
    /// after-hours) starts.
    pub fn next_live_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let next_open = self.calendar.next_pre_open(at);
        let today = kst_date(at);
        match self.calendar.session_times(today) {
            Some(t) => {
                let after_hours = kst_to_utc(today.and_time(t.after_hours_start));
                if after_hours > at && after_hours < next_open {
                    after_hours
                } else {
                    next_open
                }
            }
            None => next_open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};

    fn kst(date: &str, time: &str) -> DateTime<Utc> {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let t = NaiveTime::parse_from_str(time, "%H:%M:%S").unwrap();
        kst_to_utc(d.and_time(t))
    }

    /// `config.example.toml`'s lifetimes.
    fn policy() -> CachePolicy {
        let l = |fresh_ms, ttl_secs| Lifetime {
            fresh: Duration::from_millis(fresh_ms),
            ttl: Duration::from_secs(ttl_secs),
        };
        CachePolicy::new(Lifetimes {
            price: l(1_000, 30 * 60),
            order_book: l(1_000, 10),
            chart: l(60_000, 60 * 60),
            info: l(3_600_000, 24 * 60 * 60),
        })
    }

    fn trading_days() -> (String, String) {
        // Two consecutive trading days from the calendar data, so the test follows the assets.
        let cal = Calendar::krx();
        let mut d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        while !cal.is_trading_day(d) {
            d = d.succ_opt().unwrap();
        }
        let next = cal.next_trading_day(d);
        (d.to_string(), next.to_string())
    }

    #[test]
    fn during_trading_freshness_is_the_configured_age() {
        let p = policy();
        let (day, _) = trading_days();
        let f = kst(&day, "10:00:00");
        assert!(p.is_fresh(CacheKind::Price, f, f + chrono::Duration::milliseconds(900)));
        assert!(!p.is_fresh(
            CacheKind::Price,
            f,
            f + chrono::Duration::milliseconds(1_100)
        ));
        assert!(p.is_fresh(CacheKind::Info, f, f + chrono::Duration::minutes(59)));
        assert_eq!(p.ttl(CacheKind::Price, f), Duration::from_secs(30 * 60));
        assert_eq!(p.ttl(CacheKind::OrderBook, f), Duration::from_secs(10));
    }

    #[test]
    fn after_the_close_the_final_quote_stays_fresh_until_the_next_open() {
        let p = policy();
        let (day, next) = trading_days();
        let f = kst(&day, "18:30:00");
        assert!(p.is_fresh(CacheKind::Price, f, kst(&next, "08:29:59")));
        assert!(!p.is_fresh(CacheKind::Price, f, kst(&next, "08:30:00")));
        // Retention covers the night.
        let ttl = p.ttl(CacheKind::Price, f);
        assert_eq!(ttl, (kst(&next, "08:30:00") - f).to_std().unwrap());
        assert!(p.ttl(CacheKind::OrderBook, f) > Duration::from_secs(3600));
    }

    #[test]
    fn at_the_open_older_entries_are_not_fresh() {
        let p = policy();
        let (day, _) = trading_days();
        // Info is fresh for an hour, but not across the opening auction.
        let f = kst(&day, "08:10:00");
        assert!(p.is_fresh(CacheKind::Info, f, kst(&day, "08:29:00")));
        assert!(!p.is_fresh(CacheKind::Info, f, kst(&day, "08:31:00")));
        // Between the close and after-hours, the close is final only until after-hours opens.
        let f = kst(&day, "15:31:00");
        assert!(p.is_fresh(CacheKind::Price, f, kst(&day, "15:39:00")));
        assert!(!p.is_fresh(CacheKind::Price, f, kst(&day, "15:41:00")));
    }
}

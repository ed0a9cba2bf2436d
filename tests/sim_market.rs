//! Market invariants of kis-sim's model over thousands of generated quotes, books and bars:
//! tick grid, daily limits, OHLC order, book ordering, trading days only, determinism, and
//! agreement between quote, book and minute bars at the same instant.

use chrono::{Duration, NaiveDate};
use hoga::clock::SharedClock;
use hoga::market::{Calendar, Krw, Period, SecurityKind, StockCode};
use hoga::sim::model::grid::Grid;
use hoga::sim::model::{Phase, SimMarket};
use hoga::sim::{ClockMode, SimClock};
use std::sync::Arc;

fn market(seed: u64, at: &str) -> SimMarket {
    let clock = SimClock::new(ClockMode::parse(&format!("frozen:{at}")).unwrap());
    SimMarket::new(seed, Arc::new(clock) as SharedClock)
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn grid(m: &SimMarket, c: StockCode) -> Grid {
    m.grid(c)
}

#[test]
fn universe_has_the_well_known_names() {
    let m = market(1, "2026-11-26 10:00");
    let names = [
        ("005930", "삼성전자"),
        ("000660", "SK하이닉스"),
        ("373220", "LG에너지솔루션"),
        ("005380", "현대차"),
        ("035420", "NAVER"),
        ("035720", "카카오"),
        ("247540", "에코프로비엠"),
        ("005935", "삼성전자우"),
        ("069500", "KODEX 200"),
    ];
    for (c, n) in names {
        assert_eq!(m.stock(code(c)).unwrap().name, n);
    }
    assert!(m.stocks().len() >= 2_400);
    assert_eq!(m.stock(code("069500")).unwrap().kind, SecurityKind::Etf);
    assert!(m.stocks().iter().any(|s| s.flags.halted));
    assert!(m.stocks().iter().any(|s| s.flags.managed));
}

#[test]
fn daily_history_is_on_grid_within_limits_on_trading_days_only() {
    let m = market(42, "2026-11-26 16:00");
    let now = m.now();
    let cal = Calendar::krx();
    let from = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let mut checked = 0;
    for s in m.stocks().iter().step_by(25) {
        let g = grid(&m, s.code);
        let bars = m.daily_bars_at(s.code, from, to, now);
        assert!(bars.len() > 450, "{} has {} bars", s.code, bars.len());
        assert_eq!(
            bars.last().unwrap().date,
            to,
            "today's final bar present after close"
        );
        let mut prev_close = None;
        for b in &bars {
            assert!(
                cal.is_trading_day(b.date),
                "{} on non-trading {}",
                s.code,
                b.date
            );
            if let Some(pc) = prev_close {
                match m.action_on(s.code, b.date) {
                    // An ex-date's base is the previous close moved by the action.
                    Some(a) => assert_eq!((a.prev_close, a.base), (pc, b.base)),
                    None => assert_eq!(b.base, pc, "base is the previous close"),
                }
            }
            let (lo, hi) = g.limits(b.base);
            for p in [b.open, b.high, b.low, b.close] {
                assert!(g.on_grid(p), "{} {} off grid {p}", s.code, b.date);
                assert!(
                    p >= lo && p <= hi,
                    "{} {} {p} outside [{lo},{hi}]",
                    s.code,
                    b.date
                );
            }
            assert!(b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close));
            if b.volume > 0 {
                let avg = b.value as f64 / b.volume as f64;
                assert!(avg >= b.low as f64 * 0.999 && avg <= b.high as f64 * 1.001);
            }
            prev_close = Some(b.close);
            checked += 1;
        }
        // Strictly increasing dates.
        assert!(bars.windows(2).all(|w| w[0].date < w[1].date));
    }
    assert!(checked > 40_000, "{checked}");
}

#[test]
fn deterministic_and_random_access() {
    let a = market(9, "2026-11-26 11:00");
    let b = market(9, "2026-11-26 11:00");
    let c = code("005930");
    // Access in a different order first: results must not depend on it.
    let _ = b.quote(code("000660"));
    let d = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
    assert_eq!(a.final_day_bar(c, d), b.final_day_bar(c, d));
    assert_eq!(a.quote(c), b.quote(c));
    assert_eq!(a.minute_bars(c), b.minute_bars(c));
    let other = market(10, "2026-11-26 11:00");
    assert_ne!(a.final_day_bar(c, d), other.final_day_bar(c, d));
}

#[test]
fn quotes_books_and_minute_bars_agree_through_a_day() {
    let m = market(3, "2026-11-26 08:00");
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let codes: Vec<StockCode> = m.stocks().iter().step_by(97).map(|s| s.code).collect();
    let mut quotes = 0;
    let mut instant = SimMarket::kst(day, 8, 0, 0);
    let end = SimMarket::kst(day, 16, 0, 0);
    while instant <= end {
        for &c in &codes {
            let g = grid(&m, c);
            let q = m.quote_at(c, instant).unwrap();
            let snap = m.snapshot_at(c, instant).unwrap();
            quotes += 1;
            assert!(g.on_grid(q.price.0), "{c} {instant} {}", q.price);
            assert!(q.price >= q.lower_limit && q.price <= q.upper_limit);
            assert_eq!(q.change, q.price - q.prev_close);
            if q.volume > 0 {
                assert!(q.low <= q.price && q.price <= q.high, "{c} {instant}");
                assert!(q.low <= q.open && q.open <= q.high);
            }
            match snap.phase {
                Phase::PreOpenAuction { .. } | Phase::ClosingAuction { .. } => {
                    if !m.stock(c).unwrap().flags.halted {
                        let e = q.expected.expect("auctions carry an expected fill");
                        assert!(g.on_grid(e.price.0));
                        assert!(e.price >= q.lower_limit && e.price <= q.upper_limit);
                    }
                }
                _ => assert!(q.expected.is_none()),
            }
            let book = m.book_at(c, instant).unwrap();
            assert!(book.asks.len() <= 10 && book.bids.len() <= 10);
            if let (Some(a), Some(b)) = (book.best_ask(), book.best_bid()) {
                assert!(a > b, "{c} ask1 {a} bid1 {b}");
            }
            assert!(book.asks.windows(2).all(|w| w[0].price < w[1].price));
            assert!(book.bids.windows(2).all(|w| w[0].price > w[1].price));
            for l in book.asks.iter().chain(&book.bids) {
                assert!(g.on_grid(l.price.0) && l.qty > 0);
                assert!(l.price >= q.lower_limit && l.price <= q.upper_limit);
            }
            assert_eq!(
                book.total_ask_qty,
                book.asks.iter().map(|l| l.qty).sum::<u64>()
            );
            assert_eq!(
                book.total_bid_qty,
                book.bids.iter().map(|l| l.qty).sum::<u64>()
            );
            // Minute bars up to now agree with the quote.
            let bars = m.minute_bars_at(c, instant);
            if let Some(last) = bars.last() {
                assert_eq!(last.close, q.price, "{c} {instant}");
                assert_eq!(bars.iter().map(|b| b.volume).sum::<u64>(), q.volume);
                assert_eq!(bars.iter().map(|b| b.high).max().unwrap(), q.high);
                assert_eq!(bars.iter().map(|b| b.low).min().unwrap(), q.low);
                for b in &bars {
                    assert!(b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close));
                    assert!(g.on_grid(b.low.0) && g.on_grid(b.high.0));
                }
            }
        }
        instant += Duration::minutes(7);
    }
    assert!(quotes > 1_500, "{quotes}");
    // After the close: the final daily bar equals the whole day's minute bars.
    for &c in &codes {
        let bars = m.minute_bars_at(c, end);
        let day_bar = m.final_day_bar(c, day).unwrap();
        if day_bar.volume == 0 {
            assert!(bars.is_empty());
            continue;
        }
        assert_eq!(bars.first().unwrap().open, Krw(day_bar.open));
        assert_eq!(bars.last().unwrap().close, Krw(day_bar.close));
        assert_eq!(
            bars.iter().map(|b| b.high).max().unwrap(),
            Krw(day_bar.high)
        );
        assert_eq!(bars.iter().map(|b| b.low).min().unwrap(), Krw(day_bar.low));
        assert_eq!(bars.iter().map(|b| b.volume).sum::<u64>(), day_bar.volume);
        assert_eq!(bars.iter().map(|b| b.value.0).sum::<i64>(), day_bar.value);
    }
}

#[test]
fn weekends_show_the_last_trading_day_and_periods_aggregate() {
    let m = market(5, "2026-11-28 12:00"); // Saturday
    let c = code("005930");
    let q = m.quote(c).unwrap();
    let fri = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    assert_eq!(q.price.0, m.final_day_bar(c, fri).unwrap().close);
    let now = m.now();
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let months = m.period_bars_at(c, Period::Month, from, fri, now);
    assert_eq!(months.len(), 23);
    let days = m.daily_bars_at(c, from, fri, now);
    assert_eq!(
        months.iter().map(|b| b.volume).sum::<u64>(),
        days.iter().map(|b| b.volume).sum::<u64>()
    );
    assert_eq!(months.last().unwrap().date, fri);
    let years = m.period_bars_at(c, Period::Year, from, fri, now);
    assert_eq!(years.len(), 2);
}

#[test]
fn halted_stock_does_not_trade() {
    let m = market(5, "2026-11-26 11:00");
    let c = code(hoga::sim::model::HALTED_CODE);
    let q = m.quote(c).unwrap();
    assert!(q.flags.halted);
    assert_eq!(q.volume, 0);
    assert_eq!(q.change, Krw(0));
    let b = m.book(c).unwrap();
    assert!(b.asks.is_empty() && b.bids.is_empty());
    assert!(m.minute_bars(c).is_empty());
    assert!(
        m.quote(code(hoga::sim::model::MANAGED_CODE))
            .unwrap()
            .flags
            .managed
    );
}

#[test]
fn some_days_close_at_the_limit_with_the_right_sign() {
    let m = market(42, "2026-11-26 16:00");
    let now = m.now();
    let from = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let (mut up, mut down) = (0, 0);
    for s in m.stocks().iter().step_by(5) {
        let g = grid(&m, s.code);
        for b in m.daily_bars_at(s.code, from, to, now) {
            let (lo, hi) = g.limits(b.base);
            if b.close == hi && b.close > b.base {
                up += 1;
            }
            if b.close == lo && b.close < b.base {
                down += 1;
            }
        }
    }
    assert!(up > 10 && down > 3, "upper {up}, lower {down}");
    // The sign code of a limit close is 1 (상한) / 4 (하한).
    let s = m.stocks().iter().find_map(|s| {
        let bars = m.daily_bars_at(s.code, to, to, now);
        let b = bars.first()?;
        (b.close == grid(&m, s.code).limits(b.base).1 && b.close > b.base).then_some(s.code)
    });
    if let Some(c) = s {
        let q = m.quote_at(c, now).unwrap();
        assert_eq!(q.direction(), hoga::market::Direction::UpperLimit);
    }
}

#[test]
fn valuation_ratios_follow_the_sign_of_earnings() {
    let m = market(1, "2026-11-26 10:00");
    let t = m.now();
    let mut losses = 0;
    for l in m.universe_at(t).iter().take(400) {
        let Some(info) = m.info_at(l.code, t) else {
            continue;
        };
        let (Some(eps), Some(price)) = (info.eps, m.quote_at(l.code, t).map(|q| q.price)) else {
            continue;
        };
        match info.per {
            Some(per) => {
                assert_eq!(
                    per.0.signum() as i64,
                    eps.0.signum(),
                    "{} per {per} eps {eps}",
                    l.code
                );
                // PER × EPS ≈ price (PER kept to two decimals).
                let implied = per.0 as i64 * eps.0 / 100;
                assert!(
                    (implied - price.0).abs() <= eps.0.abs() / 50 + 1,
                    "{}",
                    l.code
                );
                losses += usize::from(eps.0 < 0);
            }
            None => assert!(eps.0 == 0 || l.kind == SecurityKind::Etf, "{}", l.code),
        }
    }
    assert!(losses > 0, "some generated companies should be loss-making");
}

//! Cost of alert evaluation (`market::alert::Evaluator`) on one core: 1,000 rules (every
//! kind, five on each of 200 stocks) over a stream of trades and quotes at 5,000 events a
//! second, prices walking across the thresholds so rules fire and re-arm. The figure is the
//! share of one core that evaluation takes at that rate (target < 5 %).
//!
//! Run: `cargo bench --bench alert_eval`. `ALERT_BENCH_EVENTS` sets how many events are
//! evaluated (default 1,500,000 — five minutes of the load — under `cargo bench`, 5,000
//! otherwise: `cargo test --all-targets` runs this binary as a smoke run that proves nothing
//! about speed).

use hoga::market::alert::{Condition, Evaluator, FiredState, Observation, Rule, Tuning};
use hoga::market::{Calendar, Krw, Quote, Rate, StatusFlags, StockCode, Trade, price_limits};
use std::hint::black_box;
use std::time::Instant;

const RULES: usize = 1_000;
const STOCKS: usize = 200;
const EVENTS_PER_SEC: f64 = 5_000.0;
/// One event in this many is a polled quote (limits, VI), the rest streamed trades.
const QUOTE_EVERY: usize = 20;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let events: usize = std::env::var("ALERT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 1_500_000 } else { 5_000 });
    let codes: Vec<StockCode> = (0..STOCKS)
        .map(|i| StockCode::new(&format!("{:06}", 100_000 + i)).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let prev = Krw(50_000);
    let (lower, upper) = price_limits(prev);
    let kinds = |i: usize| match i % 8 {
        0 => Condition::PriceAtOrAbove(Krw(51_000 + (i % 7) as i64 * 100)),
        1 => Condition::PriceAtOrBelow(Krw(49_000 - (i % 7) as i64 * 100)),
        2 => Condition::ChangeRateAbove(Rate(150)),
        3 => Condition::ChangeRateBelow(Rate(-150)),
        4 => Condition::LimitUp,
        5 => Condition::LimitDown,
        6 => Condition::Vi,
        _ => Condition::VolumeRatioAbove(200),
    };
    let rules: Vec<Rule> = (0..RULES)
        .map(|i| Rule::new(codes[i % STOCKS], kinds(i)))
        .collect();
    let tuning = Tuning {
        band: Rate(50),
        vi_rearm: chrono::Duration::seconds(30),
    };
    let mut eval = Evaluator::new(
        &rules,
        tuning,
        Calendar::krx().clone(),
        &FiredState::default(),
    );
    for c in &codes {
        eval.set_average_volume(*c, 2_000_000);
    }
    // 2026-11-26 10:00 KST, one event every 200 µs.
    let start_at = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+09:00")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    let mut rng = fastrand::Rng::with_seed(12);
    let mut prices = vec![prev.0; STOCKS];
    let mut volumes = vec![0u64; STOCKS];
    let observations: Vec<Observation> = (0..events.min(200_000))
        .map(|n| {
            let s = n % STOCKS;
            prices[s] = (prices[s] + rng.i64(-3..=3) * 50).clamp(lower.0, upper.0);
            volumes[s] += rng.u64(1..500);
            let at = start_at + chrono::Duration::microseconds(200 * n as i64);
            let price = Krw(prices[s]);
            if n % QUOTE_EVERY == 0 {
                Observation::of_quote(&Quote {
                    code: codes[s],
                    name: None,
                    price,
                    change: price - prev,
                    change_rate: Rate::of(price - prev, prev),
                    prev_close: prev,
                    open: prev,
                    high: price,
                    low: price,
                    volume: volumes[s],
                    value: Krw(0),
                    upper_limit: upper,
                    lower_limit: lower,
                    flags: StatusFlags {
                        vi: rng.u8(..) < 8,
                        ..StatusFlags::default()
                    },
                    expected: None,
                    as_of: at,
                })
            } else {
                Observation::of_trade(&Trade {
                    code: codes[s],
                    at,
                    price,
                    change: price - prev,
                    change_rate: Rate::of(price - prev, prev),
                    qty: 1,
                    acc_volume: volumes[s],
                    acc_value: Krw(0),
                    side: None,
                    strength: None,
                })
            }
        })
        .collect();
    let mut out = Vec::new();
    let mut fired = 0usize;
    // Warm up, then measure.
    for o in observations.iter().take(events / 10 + 1) {
        eval.observe(o, &mut out);
        out.clear();
    }
    let t0 = Instant::now();
    for o in observations.iter().cycle().take(events) {
        eval.observe(black_box(o), &mut out);
        fired += out.len();
        out.clear();
    }
    let secs = t0.elapsed().as_secs_f64();
    let per_event = secs / events as f64;
    let share = per_event * EVENTS_PER_SEC * 100.0;
    println!(
        "alert_eval: {RULES} rules on {STOCKS} stocks, {events} events ({fired} firings): \
         {:.2} µs an event, {share:.3} % of one core at {EVENTS_PER_SEC:.0} events/s \
         (target < 5 %: {})",
        per_event * 1e6,
        if share < 5.0 { "met" } else { "NOT MET" }
    );
}

//! The adjusted view (`daily_bars_adjusted`) over 1,000,000 bars in SQLite: ~2,000 stocks × 2
//! years, one corporate action on every tenth stock (two on every fiftieth). Prints the median
//! and worst time of a full-history query for one stock and of a whole-market single-day query,
//! and checks a few adjusted prices against `Ratio::apply`.
//! Targets: one stock < 5 ms, one day < 50 ms. Run: `cargo bench --bench adjusted_view`.

use chrono::{Datelike, NaiveDate, Utc};
use hoga::market::{ActionKind, Calendar, Krw, Listing, Market, Ratio, SecurityKind, StockCode};
use hoga::store::{Adjustment, Bar, StoreSpec, WriteBatch};
use std::time::{Duration, Instant};

const FULL_BARS: usize = 1_000_000;

fn listing(code: StockCode) -> Listing {
    Listing {
        code,
        isin: format!("KR7{code}003"),
        name: format!("종목{code}"),
        name_en: None,
        market: Market::Kospi,
        group: "ST".into(),
        kind: SecurityKind::Stock,
        base_price: Krw(10_000),
        listed_shares: 1_000_000,
        flags: Default::default(),
        market_cap_eok: 100,
        listed_on: None,
    }
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(v[v.len() / 2]), ms(v[v.len() - 1]))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a quick smoke test.
    let full = std::env::args().any(|a| a == "--bench");
    let bars_target = if full { FULL_BARS } else { 20_000 };
    let dir = tempfile::tempdir()?;
    let spec = StoreSpec::parse(
        &format!("sqlite:{}", dir.path().join("bench.db").display()),
        dir.path(),
    )?;
    let store = spec.open().await?;
    let cal = Calendar::krx();
    let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
    let days = cal.trading_days(from, to);
    let n_stocks = bars_target.div_ceil(days.len());
    let mut codes = Vec::with_capacity(n_stocks);
    let load = Instant::now();
    for s in 0..n_stocks {
        let code = StockCode::new(&format!("{:06}", 100_000 + s))?;
        codes.push(code);
        let mut batch = WriteBatch {
            source: "bench".into(),
            ingested_at: Utc::now(),
            ..Default::default()
        };
        let mut close = 10_000 + (s as i64 % 50) * 1_000;
        for d in &days {
            close += if d.ordinal() % 3 == 0 { 50 } else { -40 };
            batch.bars.push(Bar {
                code,
                date: *d,
                open: Krw(close - 50),
                high: Krw(close + 100),
                low: Krw(close - 100),
                close: Krw(close),
                volume: 100_000,
                value: Krw(close * 100_000),
            });
        }
        if s % 10 == 0 {
            batch.adjustments.push(Adjustment {
                code,
                ex_date: days[days.len() / 2],
                factor: Ratio::new(1, 5).unwrap_or(Ratio::ONE),
                kind: ActionKind::Split,
                source: "bench".into(),
            });
        }
        if s % 50 == 0 {
            batch.adjustments.push(Adjustment {
                code,
                ex_date: days[days.len() * 3 / 4],
                factor: Ratio::new(9_700, 10_000).unwrap_or(Ratio::ONE),
                kind: ActionKind::Dividend,
                source: "bench".into(),
            });
        }
        store.write(batch).await?;
    }
    let listings: Vec<Listing> = codes.iter().map(|c| listing(*c)).collect();
    store.upsert_stocks(&listings, Utc::now()).await?;
    let count = store.count_bars().await?;
    let load_secs = load.elapsed().as_secs_f64();

    // Correctness on an adjusted stock.
    let c0 = codes[0];
    let raw = store.bars(Some(c0), from, to).await?;
    let adj = store.adjusted_bars(Some(c0), from, to).await?;
    let f = Ratio::new(1, 5)
        .unwrap_or(Ratio::ONE)
        .times(Ratio::new(9_700, 10_000).unwrap_or(Ratio::ONE));
    anyhow::ensure!(
        adj.first().map(|b| b.bar.close.0) == raw.first().and_then(|b| f.apply(b.bar.close.0)),
        "adjusted close of the first day"
    );

    let rounds = if full { 200 } else { 10 };
    let mut one = Vec::with_capacity(rounds);
    let mut rows_one = 0;
    for i in 0..rounds {
        let c = codes[(i * 37) % codes.len()];
        let t = Instant::now();
        rows_one = store.adjusted_bars(Some(c), from, to).await?.len();
        one.push(t.elapsed());
    }
    let mut day = Vec::with_capacity(rounds / 4);
    let mut rows_day = 0;
    for i in 0..(rounds / 4).max(3) {
        let d = days[(i * 7) % days.len()];
        let t = Instant::now();
        rows_day = store.adjusted_day(d).await?.len();
        day.push(t.elapsed());
    }
    let (one_p50, one_max) = stats(one);
    let (day_p50, day_max) = stats(day);
    println!(
        "adjusted_view: {count} bars, {} stocks, loaded in {load_secs:.1} s; one stock's full \
         history ({rows_one} rows) p50 {one_p50:.2} ms max {one_max:.2} ms (target < 5 ms); \
         whole market one day ({rows_day} rows) p50 {day_p50:.2} ms max {day_max:.2} ms \
         (target < 50 ms)",
        codes.len()
    );
    if full {
        anyhow::ensure!(one_p50 < 5.0, "one stock {one_p50:.2} ms");
        anyhow::ensure!(day_p50 < 50.0, "one day {day_p50:.2} ms");
    }
    Ok(())
}

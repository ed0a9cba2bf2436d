//! Storage bench: 1,000,000 daily bars (a 2-year backfill of ~2,000 stocks) into SQLite through
//! the `Store` trait in ingest-sized batches. Prints the time, the rate and the peak RSS.
//! Target: under 20 s, peak memory under 100 MB. Run: `cargo bench --bench ingest_store`.

use chrono::{Datelike, NaiveDate, Utc};
use hoga::market::{Calendar, Krw, StockCode};
use hoga::store::{Bar, Progress, StoreSpec, WriteBatch};
use std::time::Instant;

const FULL_BARS: usize = 1_000_000;
const BATCH: usize = 2_000;

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
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
    let stocks = bars_target.div_ceil(days.len());
    let start = Instant::now();
    let mut batch = WriteBatch::default();
    let mut written = 0usize;
    'outer: for s in 0..stocks {
        let code = StockCode::new(&format!("{:06}", 100_000 + s))?;
        let mut close = 10_000 + (s as i64 % 50) * 1_000;
        for d in &days {
            if written + batch.bars.len() >= bars_target {
                break 'outer;
            }
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
            if batch.bars.len() >= BATCH {
                batch.source = "bench".into();
                batch.ingested_at = Utc::now();
                written += store.write(std::mem::take(&mut batch)).await?;
            }
        }
        batch
            .progress
            .push(("bench".into(), code, Progress::Stored));
    }
    batch.source = "bench".into();
    batch.ingested_at = Utc::now();
    written += store.write(batch).await?;
    let secs = start.elapsed().as_secs_f64();
    let count = store.count_bars().await?;
    let hwm_mb = vm_hwm_kb() as f64 / 1024.0;
    println!(
        "ingest_store: {written} bars ({count} rows) into SQLite in {secs:.2} s = {:.0} bars/s; \
         peak RSS (VmHWM) {hwm_mb:.1} MB; targets < 20 s, < 100 MB: {}",
        written as f64 / secs,
        verdict(full, secs < 20.0 && hwm_mb < 100.0)
    );
    Ok(())
}

/// MET / MISSED under `cargo bench`; a smoke run (`cargo test`) is not judged.
fn verdict(full: bool, met: bool) -> &'static str {
    match (full, met) {
        (false, _) => "not judged (smoke run; use cargo bench)",
        (true, true) => "MET",
        (true, false) => "MISSED",
    }
}

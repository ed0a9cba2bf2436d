//! Parsing speed of the KIS WebSocket wire (`kis::wire::ws::parse_frame`) on one core:
//! H0STCNT0 trade records in batched frames (target ≥ 1,000,000 records a second), and
//! 62-field H0STASP0 books for comparison. The frames are built from the captured sample with
//! varied codes, prices and quantities, 10 records per frame (KIS batches up to `NNN`).
//!
//! Run: `cargo bench --bench ws_parse`. `WS_PARSE_RECORDS` sets how many records are parsed
//! (default 5,000,000 under `cargo bench`, 20,000 otherwise: `cargo test --all-targets` runs
//! this binary as a smoke run that proves nothing about speed).

use chrono::NaiveDate;
use hoga::kis::wire::ws::{Dates, ServerFrame, parse_frame};
use std::hint::black_box;
use std::time::Instant;

const PER_FRAME: usize = 10;
const DISTINCT_FRAMES: usize = 512;

const TRADE: &str = include_str!("../tests/fixtures/kis/ws_h0stcnt0_frame.txt");
const BOOK: &str = include_str!("../tests/fixtures/kis/ws_h0stasp0_frame.txt");
const CODES: [&str; 8] = [
    "005930", "000660", "373220", "207940", "005380", "000270", "035420", "035720",
];

/// `DISTINCT_FRAMES` frames of `PER_FRAME` records each, varied from the sample `base`.
fn frames(base: &str, vary: impl Fn(&mut Vec<String>, usize)) -> Vec<String> {
    let mut parts = base.splitn(4, '|');
    let tr_id = parts.nth(1).unwrap_or_default().to_string();
    let payload = parts.nth(1).unwrap_or_default();
    let fields: Vec<String> = payload.split('^').map(str::to_string).collect();
    (0..DISTINCT_FRAMES)
        .map(|frame| {
            let records: Vec<String> = (0..PER_FRAME)
                .map(|r| {
                    let mut f = fields.clone();
                    vary(&mut f, frame * PER_FRAME + r);
                    f.join("^")
                })
                .collect();
            format!("0|{tr_id}|{PER_FRAME:03}|{}", records.join("^"))
        })
        .collect()
}

/// Parses frames round-robin until `records` records came out; records a second.
fn run(frames: &[String], records: usize) -> (f64, usize) {
    let mut dates = Dates::new(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default());
    let mut out = Vec::with_capacity(PER_FRAME);
    let (mut parsed, mut bytes) = (0usize, 0usize);
    let start = Instant::now();
    for frame in frames.iter().cycle() {
        if parsed >= records {
            break;
        }
        out.clear();
        match parse_frame(black_box(frame), &mut dates, &mut out) {
            Ok(ServerFrame::Data { records, .. }) => parsed += records,
            other => panic!("a bench frame did not parse: {other:?}"),
        }
        bytes += frame.len();
        black_box(&out);
    }
    let secs = start.elapsed().as_secs_f64();
    (parsed as f64 / secs, bytes)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let records: usize = std::env::var("WS_PARSE_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 5_000_000 } else { 20_000 });

    let trades = frames(TRADE, |f, i| {
        f[0] = CODES[i % CODES.len()].to_string();
        f[1] = format!("{:02}{:02}{:02}", 9 + i / 3600 % 6, i / 60 % 60, i % 60);
        f[2] = (60_000 + (i % 997) * 100).to_string();
        f[12] = (1 + i % 313).to_string();
        f[13] = (9_694_968 + i).to_string();
        f[21] = if i % 3 == 0 { "5" } else { "1" }.to_string();
    });
    let books = frames(BOOK, |f, i| {
        f[0] = CODES[i % CODES.len()].to_string();
        f[23] = (50_000 + i % 7919).to_string();
    });
    // Warm up (page in, caches), then measure.
    run(&trades, records / 10 + 1);
    let (trade_rate, bytes) = run(&trades, records);
    let (book_rate, _) = run(&books, records / 4 + 1);
    let mb = bytes as f64 / 1e6;
    println!(
        "ws_parse H0STCNT0: {records} records in frames of {PER_FRAME}: {trade_rate:.0} records/s \
         on one core ({mb:.0} MB parsed; target ≥ 1,000,000: {})",
        if trade_rate >= 1_000_000.0 {
            "met"
        } else {
            "NOT MET"
        }
    );
    println!("ws_parse H0STASP0 (62 fields): {book_rate:.0} records/s on one core");
}

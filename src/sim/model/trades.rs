//! The trades behind the intraday path: what kis-sim streams as H0STCNT0 and what its REST
//! answers add up. Each 10-second step of the path is a short burst of trades, all stamped
//! with the step's first second (the instant the step's volume enters the snapshot), whose
//! quantities sum to the step's volume, whose values sum to the step's value and whose last
//! price is the step's price. Inside a minute the burst walks from the previous step's price
//! to this one, so a minute's trades have exactly the minute bar's open, high, low, close,
//! volume and value. The closing auction is one trade at the close.
//!
//! So for any instant `t`: the trades stamped at or before `t` sum to the quote's ACML_VOL and
//! ACML_TR_PBMN at `t`, and the trades of a finished minute are that minute's REST bar.

use super::grid::Grid;
use super::intraday::{Path, STEP_SECS, STEPS_PER_MIN};
use super::series::day_key;
use crate::sim::hash::{Stream, hash, word};
use chrono::{DateTime, NaiveTime, Utc};

/// Who crossed the spread (CCLD_DVSN): a buyer lifting the ask, a seller hitting the bid, or
/// the opening/closing call auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
    Auction,
}

/// One trade and the day's running totals after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Trade {
    pub at: DateTime<Utc>,
    /// KST wall-clock time (STCK_CNTG_HOUR).
    pub time: NaiveTime,
    /// The path step it belongs to (`steps()` for the closing auction).
    pub step: usize,
    pub price: i64,
    pub qty: u64,
    /// Won traded by this trade.
    pub value: i64,
    pub side: Side,
    pub acc_volume: u64,
    pub acc_value: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub open_time: NaiveTime,
    pub high_time: NaiveTime,
    pub low_time: NaiveTime,
    /// Counts and volumes of seller- and buyer-initiated trades so far (SELN/SHNU_CNTG_*).
    pub sell_count: u64,
    pub buy_count: u64,
    pub sell_volume: u64,
    pub buy_volume: u64,
    /// The closing auction's single print.
    pub closing_auction: bool,
}

/// Every trade of one day, oldest first. `open` is the continuous session's start and `close`
/// the closing auction's uncross, both as instants.
pub fn day_trades(
    seed: u64,
    code: &str,
    grid: Grid,
    path: &Path,
    open: DateTime<Utc>,
    close: DateTime<Utc>,
) -> Vec<Trade> {
    let mut out: Vec<Trade> = Vec::new();
    if path.bar.volume == 0 {
        return out;
    }
    let mut r = Stream::new(hash(&[
        seed,
        word(code),
        day_key(path.bar.date),
        word("trades"),
    ]));
    let mut acc = Acc::default();
    for step in 0..path.steps() {
        let vol = u64::from(path.vols[step]);
        if vol == 0 {
            continue;
        }
        let at = open + chrono::Duration::seconds(step as i64 * STEP_SECS);
        let price = path.price(step);
        let first_of_minute = step % STEPS_PER_MIN == 0;
        let from = if first_of_minute {
            price
        } else {
            path.price(step - 1)
        };
        let n = r.range(1, 5).min(vol) as usize;
        let qtys = split(vol, n, &mut r);
        let prices: Vec<i64> = (0..n)
            .map(|k| {
                if k + 1 == n {
                    price
                } else {
                    let f = (k + 1) as f64 / n as f64;
                    grid.near(from as f64 + (price - from) as f64 * f)
                        .clamp(from.min(price), from.max(price))
                }
            })
            .collect();
        let values = split_value(path.step_value(step), &qtys, &prices);
        for k in 0..n {
            let side = if step == 0 && k == 0 {
                Side::Auction
            } else {
                let prev = out.last().map(|t| t.price).unwrap_or(prices[k]);
                match prices[k].cmp(&prev) {
                    std::cmp::Ordering::Greater => Side::Buy,
                    std::cmp::Ordering::Less => Side::Sell,
                    std::cmp::Ordering::Equal if r.unit() < 0.5 => Side::Buy,
                    std::cmp::Ordering::Equal => Side::Sell,
                }
            };
            out.push(acc.trade(at, step, prices[k], qtys[k], values[k], side, false));
        }
    }
    if path.close_auction_vol > 0 {
        out.push(acc.trade(
            close,
            path.steps(),
            path.bar.close,
            path.close_auction_vol,
            path.close_auction_value(),
            Side::Auction,
            true,
        ));
    }
    out
}

#[derive(Default)]
struct Acc {
    volume: u64,
    value: i64,
    open: i64,
    high: i64,
    low: i64,
    open_time: NaiveTime,
    high_time: NaiveTime,
    low_time: NaiveTime,
    sell_count: u64,
    buy_count: u64,
    sell_volume: u64,
    buy_volume: u64,
}

impl Acc {
    #[allow(clippy::too_many_arguments)]
    fn trade(
        &mut self,
        at: DateTime<Utc>,
        step: usize,
        price: i64,
        qty: u64,
        value: i64,
        side: Side,
        closing_auction: bool,
    ) -> Trade {
        let time = at.with_timezone(&crate::market::KST).time();
        if self.volume == 0 {
            (self.open, self.high, self.low) = (price, price, price);
            (self.open_time, self.high_time, self.low_time) = (time, time, time);
        }
        if price > self.high {
            (self.high, self.high_time) = (price, time);
        }
        if price < self.low {
            (self.low, self.low_time) = (price, time);
        }
        self.volume += qty;
        self.value += value;
        match side {
            Side::Buy => {
                self.buy_count += 1;
                self.buy_volume += qty;
            }
            Side::Sell => {
                self.sell_count += 1;
                self.sell_volume += qty;
            }
            Side::Auction => {}
        }
        Trade {
            at,
            time,
            step,
            price,
            qty,
            value,
            side,
            acc_volume: self.volume,
            acc_value: self.value,
            open: self.open,
            high: self.high,
            low: self.low,
            open_time: self.open_time,
            high_time: self.high_time,
            low_time: self.low_time,
            sell_count: self.sell_count,
            buy_count: self.buy_count,
            sell_volume: self.sell_volume,
            buy_volume: self.buy_volume,
            closing_auction,
        }
    }
}

/// `total` (≥ n) split into `n` positive parts.
fn split(total: u64, n: usize, r: &mut Stream) -> Vec<u64> {
    let weights: Vec<f64> = (0..n).map(|_| 0.2 + r.unit()).collect();
    let sum: f64 = weights.iter().sum();
    let spare = total - n as u64;
    let mut parts: Vec<u64> = weights
        .iter()
        .map(|w| 1 + (spare as f64 * w / sum) as u64)
        .collect();
    let assigned: u64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - assigned;
    }
    parts
}

/// The step's value spread over its trades in proportion to quantity × price, the remainder on
/// the last so the parts sum exactly.
fn split_value(total: i64, qtys: &[u64], prices: &[i64]) -> Vec<i64> {
    let weights: Vec<f64> = qtys
        .iter()
        .zip(prices)
        .map(|(q, p)| *q as f64 * *p as f64)
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                (total as f64 * w / sum).floor() as i64
            } else {
                0
            }
        })
        .collect();
    let assigned: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - assigned;
    }
    parts
}

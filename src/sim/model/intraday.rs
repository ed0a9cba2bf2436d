//! The intraday path of one stock on one day: a price every 10 seconds of continuous trading
//! that starts at the day's open, touches its high and low, and ends at its close, plus the
//! volume traded in each step. Quotes, books and minute bars at any instant read from it, so
//! they agree with each other and with the daily bar.

use super::grid::Grid;
use super::series::{DayBar, day_key};
use crate::sim::hash::{Stream, hash, word};

/// Seconds per price step.
pub const STEP_SECS: i64 = 10;
/// Steps per minute.
pub const STEPS_PER_MIN: usize = 6;

#[derive(Debug)]
pub struct Path {
    pub bar: DayBar,
    /// Price at each step (step 0 = the opening auction print at the open).
    pub prices: Vec<u32>,
    /// Shares traded in each step (step 0 includes the opening auction).
    pub vols: Vec<u32>,
    /// Shares matched in the closing auction.
    pub close_auction_vol: u64,
    /// Won per (share × won) so the day's cumulative value ends exactly at `bar.value`.
    pub value_scale: f64,
}

impl Path {
    pub fn steps(&self) -> usize {
        self.prices.len()
    }

    pub fn price(&self, step: usize) -> i64 {
        self.prices[step.min(self.prices.len() - 1)] as i64
    }

    /// Value traded in one step, scaled to the day's total.
    pub fn step_value(&self, step: usize) -> i64 {
        (self.vols[step] as f64 * self.prices[step] as f64 * self.value_scale).round() as i64
    }

    /// The closing auction's traded value: the day's value minus everything before it.
    pub fn close_auction_value(&self) -> i64 {
        let before: i64 = (0..self.steps()).map(|i| self.step_value(i)).sum();
        (self.bar.value - before).max(0)
    }
}

/// Builds the path for `bar` with `steps` continuous-session steps.
pub fn build(seed: u64, code: &str, grid: Grid, bar: DayBar, steps: usize) -> Path {
    let steps = steps.max(4);
    let mut r = Stream::new(hash(&[seed, word(code), day_key(bar.date), word("path")]));
    let (o, h, l, c) = (bar.open, bar.high, bar.low, bar.close);
    let mut prices = vec![0u32; steps];
    if bar.volume == 0 {
        prices.iter_mut().for_each(|p| *p = c as u32);
        return Path {
            bar,
            prices,
            vols: vec![0; steps],
            close_auction_vol: 0,
            value_scale: 1.0,
        };
    }
    let kh = r.range(1, steps as u64 - 2) as usize;
    let mut kl = r.range(1, steps as u64 - 2) as usize;
    if kl == kh {
        kl = if kh + 1 < steps - 1 { kh + 1 } else { kh - 1 };
    }
    let mut knots = vec![(0usize, o), (kh, h), (kl, l), (steps - 1, c)];
    knots.sort_by_key(|k| k.0);
    let amp = ((h - l) as f64).max(grid.tick(c) as f64);
    for w in knots.windows(2) {
        let ((a, va), (b, vb)) = (w[0], w[1]);
        let n = b - a;
        let sigma = amp * 0.35 / (n as f64).sqrt().max(1.0);
        let mut walk = vec![0f64; n + 1];
        for j in 1..=n {
            walk[j] = walk[j - 1] + r.normal() * sigma;
        }
        for j in 0..=n {
            let t = j as f64 / n as f64;
            let bridge = walk[j] - t * walk[n];
            let p = va as f64 + (vb - va) as f64 * t + bridge;
            let p = grid.near(p.clamp(l as f64, h as f64)).clamp(l, h);
            prices[a + j] = p as u32;
        }
    }
    for (k, v) in &knots {
        prices[*k] = *v as u32;
    }

    // Volume: opening and closing auctions take a slice; the rest follows a U-shape with noise.
    let total = bar.volume;
    let open_auction = (total as f64 * (0.02 + 0.03 * r.unit())) as u64;
    let close_auction = (total as f64 * (0.04 + 0.04 * r.unit())) as u64;
    let cont = total - open_auction - close_auction;
    let weights: Vec<f64> = (0..steps)
        .map(|j| {
            let u = j as f64 / steps as f64;
            (0.5 + 2.0 * (2.0 * u - 1.0).powi(2)) * (0.3 + 1.4 * r.unit())
        })
        .collect();
    let wsum: f64 = weights.iter().sum();
    let mut vols: Vec<u64> = weights
        .iter()
        .map(|w| (cont as f64 * w / wsum) as u64)
        .collect();
    let assigned: u64 = vols.iter().sum();
    vols[steps / 2] += cont - assigned;
    vols[0] += open_auction;
    let raw_value: f64 = vols
        .iter()
        .zip(&prices)
        .map(|(v, p)| *v as f64 * *p as f64)
        .sum::<f64>()
        + close_auction as f64 * c as f64;
    let value_scale = if raw_value > 0.0 {
        bar.value as f64 / raw_value
    } else {
        1.0
    };
    Path {
        bar,
        prices,
        vols: vols
            .into_iter()
            .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
            .collect(),
        close_auction_vol: close_auction,
        value_scale,
    }
}

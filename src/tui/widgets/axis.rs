//! The chart's won axis on the tick grid: labels at round steps (1, 2 or 5 × 10ⁿ won, never
//! finer than the KRX tick size of the range), so a trader reads 65,000 / 66,000 rather than
//! the 66,472 an even division of the pane gives. Chart crates pick "nice" steps for floats;
//! none knows the KRX tick grid, hence this.

use crate::market::{Krw, tick_size};

/// The step between labels: the smallest 1/2/5 × 10ⁿ that leaves at most `max_labels` labels
/// in `[lo, hi]`, and at least the tick size at `hi` (a multiple of every finer tick below it).
pub fn step(lo: i64, hi: i64, max_labels: u16) -> i64 {
    let span = hi.saturating_sub(lo).max(1);
    let labels = i64::from(max_labels.max(1));
    let min = tick_size(Krw(hi)).max(1);
    let mut base: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let s = base.saturating_mul(m);
            if s >= min && span / s < labels {
                return s;
            }
        }
        if base > i64::MAX / 10 {
            return i64::MAX;
        }
        base *= 10;
    }
}

/// The labelled prices in `[lo, hi]`, highest first: every multiple of [`step`].
pub fn ticks(lo: i64, hi: i64, max_labels: u16) -> Vec<i64> {
    if hi < lo {
        return Vec::new();
    }
    let s = step(lo, hi, max_labels);
    let mut p = hi - hi.rem_euclid(s);
    let mut out = Vec::new();
    while p >= lo {
        out.push(p);
        match p.checked_sub(s) {
            Some(next) => p = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_and_on_the_tick_grid() {
        // 65,300..67,800 over 8 labels: 500 won, on the 100-won grid of that range.
        assert_eq!(
            ticks(65_300, 67_800, 8),
            [67_500, 67_000, 66_500, 66_000, 65_500]
        );
        assert_eq!(ticks(65_300, 67_800, 3), [67_000, 66_000]);
        // 1,000,000 and up trade in 1,000-won ticks: never a 500-won label there.
        assert_eq!(step(1_000_000, 1_001_000, 10), 1_000);
        // Below 2,000 won the tick is 1 won.
        assert_eq!(ticks(1_001, 1_009, 5), [1_008, 1_006, 1_004, 1_002]);
        // A flat range still has its one label; a bad one has none.
        assert_eq!(ticks(50_000, 50_000, 4), [50_000]);
        assert!(ticks(2, 1, 4).is_empty());
        // Prices from outside never overflow it.
        assert!(ticks(i64::MIN, i64::MAX, 1).len() <= 3);
    }
}

//! Price grid helpers for simulated issues: stocks use the KRX tick table, ETFs a flat 5 won.

use crate::market::{Krw, tick};

/// The price grid an issue trades on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grid {
    Stock,
    /// ETFs/ETNs: flat 5-won ticks.
    Flat5,
}

impl Grid {
    pub fn tick(self, p: i64) -> i64 {
        match self {
            Grid::Stock => tick::tick_size(Krw(p)),
            Grid::Flat5 => tick::ETF_TICK,
        }
    }

    pub fn on_grid(self, p: i64) -> bool {
        p > 0 && p % self.tick(p) == 0
    }

    pub fn down(self, p: i64) -> i64 {
        match self {
            Grid::Stock => tick::round_down(Krw(p)).0,
            Grid::Flat5 => (p.max(0) / 5) * 5,
        }
    }

    pub fn up(self, p: i64) -> i64 {
        match self {
            Grid::Stock => tick::round_up(Krw(p)).0,
            Grid::Flat5 => p.max(0).div_euclid(5) * 5 + if p % 5 == 0 { 0 } else { 5 },
        }
    }

    /// The nearest grid price (ties round up), never below one tick.
    pub fn near(self, p: f64) -> i64 {
        let f = p.floor().max(1.0) as i64;
        let d = self.down(f).max(self.tick(1));
        let u = self.up(f.max(1));
        if (p - d as f64).abs() <= (u as f64 - p).abs() {
            d
        } else {
            u
        }
    }

    pub fn step_up(self, p: i64) -> i64 {
        match self {
            Grid::Stock => tick::tick_up(Krw(p)).0,
            Grid::Flat5 => p + 5,
        }
    }

    pub fn step_down(self, p: i64) -> i64 {
        match self {
            Grid::Stock => tick::tick_down(Krw(p)).0,
            Grid::Flat5 => (p - 5).max(0),
        }
    }

    /// Daily limits (lower, upper) around `base`: ±30 %, truncated toward the base onto the grid.
    pub fn limits(self, base: i64) -> (i64, i64) {
        match self {
            Grid::Stock => {
                let (lo, hi) = tick::price_limits(Krw(base));
                (lo.0, hi.0)
            }
            Grid::Flat5 => {
                let w = base * 30 / 100;
                (self.up((base - w).max(5)), self.down(base + w))
            }
        }
    }

    pub fn clamp(self, p: i64, base: i64) -> i64 {
        let (lo, hi) = self.limits(base);
        p.clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids() {
        assert_eq!(Grid::Stock.near(65_849.0), 65_800);
        assert_eq!(Grid::Stock.near(65_851.0), 65_900);
        assert_eq!(Grid::Flat5.near(12_343.0), 12_345);
        assert_eq!(Grid::Flat5.limits(10_000), (7_000, 13_000));
        assert_eq!(Grid::Stock.limits(66_000), (46_200, 85_800));
        for p in [1.0, 1.4, 1999.6, 2001.0, 49_999.0, 499_990.0] {
            assert!(Grid::Stock.on_grid(Grid::Stock.near(p)), "{p}");
            assert!(Grid::Flat5.on_grid(Grid::Flat5.near(p)), "{p}");
        }
    }
}

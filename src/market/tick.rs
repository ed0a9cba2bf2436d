//! KRX tick sizes (호가가격단위, unified since 2023-01-25) and daily price limits (±30 %).

use super::money::Krw;

/// Tick size for a stock trading at `price` (KOSPI, KOSDAQ and KONEX alike since 2023-01-25).
pub fn tick_size(price: Krw) -> i64 {
    match price.0 {
        i64::MIN..2_000 => 1,
        2_000..5_000 => 5,
        5_000..20_000 => 10,
        20_000..50_000 => 50,
        50_000..200_000 => 100,
        200_000..500_000 => 500,
        _ => 1_000,
    }
}

/// ETFs, ETNs and ELWs keep a flat 5-won tick.
pub const ETF_TICK: i64 = 5;

/// Whether `price` sits on the tick grid for its own band.
pub fn on_grid(price: Krw) -> bool {
    price.0 > 0 && price.0 % tick_size(price) == 0
}

/// The largest grid price ≤ `price`.
pub fn round_down(price: Krw) -> Krw {
    if price.0 <= 0 {
        return Krw(0);
    }
    let t = tick_size(price);
    Krw(price.0 - price.0 % t)
}

/// The smallest grid price ≥ `price`.
pub fn round_up(price: Krw) -> Krw {
    if price.0 <= 0 {
        return Krw(0);
    }
    let down = round_down(price);
    if down == price {
        return price;
    }
    // Rounding up may cross into a band with a larger tick; the boundaries are themselves
    // multiples of every smaller tick, so the next grid price is the band start or down + tick.
    let next = Krw(down.0 + tick_size(down));
    if on_grid(next) { next } else { round_up(next) }
}

/// One tick above `price` (which should be on the grid).
pub fn tick_up(price: Krw) -> Krw {
    Krw(price.0 + tick_size(price))
}

/// One tick below `price`: the tick of the band just below when `price` starts a band.
pub fn tick_down(price: Krw) -> Krw {
    if price.0 <= 1 {
        return Krw(0);
    }
    let below = Krw(price.0 - 1);
    round_down(below)
}

/// Number of grid steps from `low` up to `high` (negative if `high < low`).
pub fn ticks_between(low: Krw, high: Krw) -> i64 {
    if high < low {
        return -ticks_between(high, low);
    }
    let mut n = 0;
    let mut p = low;
    while p < high && n < 1_000_000 {
        p = tick_up(p);
        n += 1;
    }
    n
}

/// The day's price limits: (lower, upper) = base ∓ 30 %, truncated toward the base onto the grid.
pub fn price_limits(base: Krw) -> (Krw, Krw) {
    let width = base.0 * 30 / 100;
    let upper = round_down(Krw(base.0 + width));
    let lower = round_up(Krw((base.0 - width).max(1)));
    (lower, upper)
}

/// Whether `price` is a legal trade price for a day with base price `base`.
pub fn is_valid_price(price: Krw, base: Krw) -> bool {
    let (lo, hi) = price_limits(base);
    on_grid(price) && price >= lo && price <= hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_boundaries() {
        let cases = [
            (1, 1),
            (1_999, 1),
            (2_000, 5),
            (4_999, 5),
            (5_000, 10),
            (19_999, 10),
            (20_000, 50),
            (49_999, 50),
            (50_000, 100),
            (199_999, 100),
            (200_000, 500),
            (499_999, 500),
            (500_000, 1_000),
            (2_000_000, 1_000),
        ];
        for (p, t) in cases {
            assert_eq!(tick_size(Krw(p)), t, "price {p}");
        }
    }

    #[test]
    fn stepping_across_bands() {
        assert_eq!(tick_up(Krw(1_999)), Krw(2_000));
        assert_eq!(tick_up(Krw(2_000)), Krw(2_005));
        assert_eq!(tick_down(Krw(2_000)), Krw(1_999));
        assert_eq!(tick_down(Krw(50_000)), Krw(49_950));
        assert_eq!(tick_down(Krw(500_000)), Krw(499_500));
        assert_eq!(round_up(Krw(49_990)), Krw(50_000));
        assert_eq!(round_up(Krw(1_999)), Krw(1_999));
        assert_eq!(round_down(Krw(65_899)), Krw(65_800));
        assert_eq!(ticks_between(Krw(49_950), Krw(50_100)), 2);
        assert_eq!(ticks_between(Krw(50_100), Krw(49_950)), -2);
    }

    #[test]
    fn limits_match_the_kis_sample() {
        // inquire-price 005930 on 2025-07-25: sdpr 66000 → mxpr 85800, llam 46200.
        assert_eq!(price_limits(Krw(66_000)), (Krw(46_200), Krw(85_800)));
        let (lo, hi) = price_limits(Krw(12_345));
        assert!(on_grid(lo) && on_grid(hi));
        assert!(hi.0 <= 12_345 + 12_345 * 30 / 100);
        assert!(lo.0 >= 12_345 - 12_345 * 30 / 100);
        assert!(is_valid_price(Krw(66_000), Krw(66_000)));
        assert!(!is_valid_price(Krw(66_050), Krw(66_000)));
        assert!(!is_valid_price(Krw(85_900), Krw(66_000)));
    }

    #[test]
    fn every_price_rounds_onto_the_grid() {
        for p in 1..600_000i64 {
            let d = round_down(Krw(p));
            let u = round_up(Krw(p));
            assert!(on_grid(d) && on_grid(u), "{p}");
            assert!(d.0 <= p && u.0 >= p, "{p}");
        }
    }
}

//! Stateless deterministic randomness: every simulated number is a pure function of
//! (seed, stock, date, purpose), so any stock/day can be computed on its own, in any order.

/// SplitMix64 finaliser: a fast, well-mixed 64-bit permutation.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a sequence of words into one.
pub fn hash(parts: &[u64]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64;
    for &p in parts {
        h = mix(h ^ p);
    }
    h
}

/// A stable number for a short ASCII string (codes, tags).
pub fn word(s: &str) -> u64 {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01B3);
    }
    mix(h)
}

/// Uniform in [0, 1).
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Standard normal (Box–Muller on two derived uniforms).
pub fn normal(h: u64) -> f64 {
    let u1 = unit(mix(h ^ 0x5151)).max(1e-12);
    let u2 = unit(mix(h ^ 0xA7A7));
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Uniform integer in [lo, hi] (inclusive).
pub fn range(h: u64, lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        return lo;
    }
    lo + h % (hi - lo + 1)
}

/// A tiny sequential generator seeded from a hash, for loops within one pure computation.
#[derive(Clone, Debug)]
pub struct Stream(u64);

impl Stream {
    pub fn new(h: u64) -> Stream {
        Stream(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    pub fn unit(&mut self) -> f64 {
        unit(self.next_u64())
    }

    pub fn normal(&mut self) -> f64 {
        normal(self.next_u64())
    }

    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        range(self.next_u64(), lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_spread() {
        assert_eq!(hash(&[1, 2, 3]), hash(&[1, 2, 3]));
        assert_ne!(hash(&[1, 2, 3]), hash(&[1, 2, 4]));
        let mean: f64 = (0..10_000).map(|i| unit(mix(i))).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let var: f64 = (0..10_000).map(|i| normal(mix(i)).powi(2)).sum::<f64>() / 10_000.0;
        assert!((var - 1.0).abs() < 0.1, "{var}");
    }
}

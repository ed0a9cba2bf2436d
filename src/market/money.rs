//! Money and rates: won as integers, percentages as fixed-point hundredths — never floats in data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Neg, Sub};

/// An amount in Korean won. Prices, changes and traded values are all whole won.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Krw(pub i64);

impl Krw {
    pub const ZERO: Krw = Krw(0);

    pub fn get(self) -> i64 {
        self.0
    }

    /// The magnitude; `Krw(i64::MIN)` saturates to `Krw(i64::MAX)`.
    pub fn abs(self) -> Krw {
        Krw(self.0.saturating_abs())
    }

    /// The amount with thousands separators and no unit: `65,850`, `-1,200`.
    pub fn grouped(self) -> String {
        group_thousands(self.0)
    }
}

impl fmt::Display for Krw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&group_thousands(self.0))
    }
}

// Arithmetic on won saturates at the i64 bounds (±9.2 × 10¹⁸ won, far beyond any real
// amount): a hostile value from outside stays a huge number, never a wrapped one or a panic.
impl Add for Krw {
    type Output = Krw;
    fn add(self, rhs: Krw) -> Krw {
        Krw(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Krw {
    type Output = Krw;
    fn sub(self, rhs: Krw) -> Krw {
        Krw(self.0.saturating_sub(rhs.0))
    }
}

impl Neg for Krw {
    type Output = Krw;
    fn neg(self) -> Krw {
        Krw(self.0.saturating_neg())
    }
}

/// A PER as a trader reads it: `13.42`, `적자` (a loss: KIS sends the negative ratio of a
/// negative EPS, which means nothing as a multiple), `-` when unknown.
pub fn fmt_per(per: Option<Rate>) -> String {
    match per {
        Some(r) if r.0 < 0 => "적자".to_string(),
        Some(r) => r.to_string(),
        None => "-".to_string(),
    }
}

/// Won in 억 (10⁸) or 조 (10¹²) for market caps and traded values.
pub fn fmt_eok(won: i64) -> String {
    let eok = won / 100_000_000;
    if eok >= 10_000 {
        format!("{}.{}조", eok / 10_000, (eok % 10_000) / 1_000)
    } else if eok > 0 {
        format!("{}억", group_thousands(eok))
    } else {
        format!("{}만", group_thousands(won / 10_000))
    }
}

/// Formats an integer with `,` every three digits.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    let first = digits.len() % 3;
    for (i, ch) in digits.chars().enumerate() {
        if i != 0 && (i + 3 - first).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A percentage with two decimals, stored as hundredths of a percent: `Rate(-23)` is −0.23 %.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rate(pub i32);

impl Rate {
    /// The rate of `change` against `base`, rounded half away from zero to two decimals.
    pub fn of(change: Krw, base: Krw) -> Rate {
        if base.0 == 0 {
            return Rate(0);
        }
        let num = change.0 as i128 * 10_000;
        let den = base.0 as i128;
        let q = num / den;
        let r = num % den;
        let rounded = if (r.abs() * 2) >= den.abs() {
            q + num.signum() * den.signum()
        } else {
            q
        };
        // Saturates: a rate beyond ±21 million percent is a hostile input, not a rate.
        Rate(rounded.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32)
    }

    /// Parses `"-0.23"`, `"12.5"`, `"3"` into hundredths. Anything else is `None`.
    pub fn parse(s: &str) -> Option<Rate> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let (neg, body) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int_v: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut frac_digits = frac.bytes().map(|b| (b - b'0') as i64);
        let d1 = frac_digits.next().unwrap_or(0);
        let d2 = frac_digits.next().unwrap_or(0);
        let d3 = frac_digits.next().unwrap_or(0);
        let mut v = int_v.checked_mul(100)?.checked_add(d1 * 10 + d2)?;
        if d3 >= 5 {
            v = v.checked_add(1)?;
        }
        let v = if neg { -v } else { v };
        i32::try_from(v).ok().map(Rate)
    }

    /// As a float, for display and JSON only.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        f.pad(&format!("{sign}{}.{:02}", a / 100, a % 100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negative_per_is_a_loss() {
        assert_eq!(fmt_per(Some(Rate(-3057))), "적자");
        assert_eq!(fmt_per(Some(Rate(1342))), "13.42");
        assert_eq!(fmt_per(Some(Rate(0))), "0.00");
        assert_eq!(fmt_per(None), "-");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(65850), "65,850");
        assert_eq!(group_thousands(-1234567), "-1,234,567");
        assert_eq!(Krw(100000).to_string(), "100,000");
    }

    #[test]
    fn rates() {
        assert_eq!(Rate::of(Krw(-150), Krw(66000)), Rate(-23));
        assert_eq!(Rate::of(Krw(19800), Krw(66000)), Rate(3000));
        assert_eq!(Rate::parse("-0.23"), Some(Rate(-23)));
        assert_eq!(Rate::parse("4950.00"), Some(Rate(495000)));
        assert_eq!(Rate::parse("12.5"), Some(Rate(1250)));
        assert_eq!(Rate::parse("abc"), None);
        assert_eq!(Rate::parse(""), None);
        assert_eq!(Rate(-23).to_string(), "-0.23");
        assert_eq!(Rate(5).to_string(), "0.05");
    }
}

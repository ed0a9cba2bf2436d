//! Corporate actions and price adjustment (수정주가): the exact factor of an action, its kind,
//! and the one rounding rule every adjusted price follows (kis-sim's adjusted chart, the
//! store's adjusted view, `hoga chart --adjusted`).
//!
//! A factor is the ratio of the ex-date's base price (기준가) to the raw close before it, kept
//! as a reduced fraction of integers. A price on a day before one or more ex-dates is adjusted
//! by the product of their factors, once, rounded half up to the won:
//! `adjusted = floor((2 · price · num + den) / (2 · den))`.

use super::{Candle, Krw};
use serde::{Deserialize, Serialize};

/// One row of KIS's daily chart with what it says about corporate actions (§4.3). Every field
/// past the candle is optional: KIS's meaning of some is UNCONFIRMED, so readers tolerate it
/// missing or blank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartDay {
    pub candle: Candle,
    /// The day's base price (기준가) = close − `prdy_vrss`, when the row carries the change.
    pub base: Option<Krw>,
    /// 락구분 `flng_cls_code` (01 권리락, 02 배당락, ...; "00" or blank: none).
    pub flng_cls_code: Option<String>,
    /// 재평가사유 `revl_issu_reas` (00 none, 01 회사분할, 02 자본감소, ..., 99 기타).
    pub revl_issu_reas: Option<String>,
    /// `prtt_rate` as sent (기준가/전일종가; its scale is UNCONFIRMED).
    pub prtt_rate: Option<String>,
    /// `mod_yn` = "Y".
    pub modified: bool,
}

impl ChartDay {
    /// A row with nothing but the candle.
    pub fn plain(candle: Candle) -> ChartDay {
        ChartDay {
            candle,
            base: None,
            flng_cls_code: None,
            revl_issu_reas: None,
            prtt_rate: None,
            modified: false,
        }
    }

    /// Whether the row names an action: a 락구분 or a 재평가사유 other than none.
    pub fn names_action(&self) -> bool {
        let set = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .is_some_and(|c| !c.is_empty() && c != "00" && c != "0")
        };
        set(&self.flng_cls_code) || set(&self.revl_issu_reas)
    }
}

/// An exact positive ratio `num / den`, always reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio {
    pub num: i64,
    pub den: i64,
}

/// Numerators and denominators are kept below this so `2 · price · num` fits an i64 for any
/// price below 2^31 won (SQL evaluates the same expression in 64-bit integers).
pub const RATIO_BOUND: i64 = 1 << 30;

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.abs()
}

impl Ratio {
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den` reduced; `None` unless both are positive.
    pub fn new(num: i64, den: i64) -> Option<Ratio> {
        Ratio::reduce(num as i128, den as i128)
    }

    fn reduce(num: i128, den: i128) -> Option<Ratio> {
        if num <= 0 || den <= 0 {
            return None;
        }
        let g = gcd(num, den);
        let (mut n, mut d) = (num / g, den / g);
        // Keep within bounds: the closest fraction with smaller terms (continued fractions).
        if n >= RATIO_BOUND as i128 || d >= RATIO_BOUND as i128 {
            let (bn, bd) = best_approx(n, d, RATIO_BOUND as i128 - 1);
            n = bn;
            d = bd;
        }
        Some(Ratio {
            num: i64::try_from(n).ok()?,
            den: i64::try_from(d).ok()?,
        })
    }

    /// The product of two ratios (bounded, see [`RATIO_BOUND`]).
    pub fn times(self, o: Ratio) -> Ratio {
        Ratio::reduce(
            self.num as i128 * o.num as i128,
            self.den as i128 * o.den as i128,
        )
        .unwrap_or(Ratio::ONE)
    }

    pub fn is_one(self) -> bool {
        self.num == self.den
    }

    /// `price · num / den`, rounded half up to the won. `None` on overflow or a negative price.
    pub fn apply(self, price: i64) -> Option<i64> {
        if price < 0 {
            return None;
        }
        let p = price as i128;
        let v = (2 * p * self.num as i128 + self.den as i128) / (2 * self.den as i128);
        i64::try_from(v).ok()
    }

    /// The ratio as a float, for display only.
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// The closest fraction to `n/d` with numerator and denominator at most `bound`.
fn best_approx(n: i128, d: i128, bound: i128) -> (i128, i128) {
    let (mut p0, mut q0, mut p1, mut q1) = (0i128, 1i128, 1i128, 0i128);
    let (mut a, mut b) = (n, d);
    while b != 0 {
        let q = a / b;
        let p2 = q * p1 + p0;
        let q2 = q * q1 + q0;
        if p2 > bound || q2 > bound {
            break;
        }
        (p0, q0, p1, q1) = (p1, q1, p2, q2);
        let r = a - q * b;
        a = b;
        b = r;
    }
    if q1 == 0 { (bound, 1) } else { (p1.max(1), q1) }
}

/// What kind of corporate action an ex-date was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// 액면분할: more shares, a lower price.
    Split,
    /// 액면병합 (주식병합): fewer shares, a higher price.
    ReverseSplit,
    /// 권리락: a rights issue (유상증자) or a bonus issue (무상증자).
    Rights,
    /// 배당락 (and 분배락, 중간/분기배당락).
    Dividend,
    /// 감자 (자본감소).
    CapitalReduction,
    /// 회사분할, 합병.
    Merger,
    Other,
}

impl ActionKind {
    pub const ALL: [ActionKind; 7] = [
        ActionKind::Split,
        ActionKind::ReverseSplit,
        ActionKind::Rights,
        ActionKind::Dividend,
        ActionKind::CapitalReduction,
        ActionKind::Merger,
        ActionKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Split => "split",
            ActionKind::ReverseSplit => "reverse_split",
            ActionKind::Rights => "rights",
            ActionKind::Dividend => "dividend",
            ActionKind::CapitalReduction => "capital_reduction",
            ActionKind::Merger => "merger",
            ActionKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind from the chart row's `flng_cls_code` (락구분) and `revl_issu_reas` (재평가사유),
    /// with the factor deciding split vs reverse split when only "other" is said.
    /// Tolerant: unknown or blank codes give `Other` (or split/reverse by the factor).
    pub fn from_codes(flng: Option<&str>, revl: Option<&str>, factor: Ratio) -> ActionKind {
        let flng = flng.map(str::trim).unwrap_or("");
        let revl = revl.map(str::trim).unwrap_or("");
        match flng {
            "01" | "04" | "06" | "07" => return ActionKind::Rights,
            "02" | "03" | "05" => return ActionKind::Dividend,
            _ => {}
        }
        match revl {
            "01" | "06" => ActionKind::Merger,
            "02" => ActionKind::CapitalReduction,
            _ if factor.num < factor.den && !revl.is_empty() && revl != "00" => ActionKind::Split,
            _ if factor.num > factor.den && !revl.is_empty() && revl != "00" => {
                ActionKind::ReverseSplit
            }
            _ => ActionKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_reduce_multiply_and_round_half_up() {
        let r = Ratio::new(10_000, 50_000).unwrap();
        assert_eq!(r, Ratio { num: 1, den: 5 });
        assert_eq!(r.apply(52_300), Some(10_460));
        // 12,345 / 2 = 6,172.5 → 6,173 (half up)
        assert_eq!(Ratio::new(1, 2).unwrap().apply(12_345), Some(6_173));
        assert_eq!(Ratio::new(1, 2).unwrap().apply(12_344), Some(6_172));
        assert_eq!(Ratio::new(0, 2), None);
        assert_eq!(Ratio::new(-1, 2), None);
        let m = r.times(Ratio::new(5, 1).unwrap());
        assert!(m.is_one());
        // Bounded terms stay close to the exact value.
        let big = Ratio::new(1_000_000_007, 999_999_937).unwrap();
        assert!(big.num < RATIO_BOUND && big.den < RATIO_BOUND);
        assert!((big.as_f64() - 1_000_000_007f64 / 999_999_937f64).abs() < 1e-12);
    }

    #[test]
    fn kinds_from_codes() {
        let half = Ratio::new(1, 2).unwrap();
        let twice = Ratio::new(2, 1).unwrap();
        assert_eq!(
            ActionKind::from_codes(Some("01"), None, half),
            ActionKind::Rights
        );
        assert_eq!(
            ActionKind::from_codes(Some("02"), Some("00"), half),
            ActionKind::Dividend
        );
        assert_eq!(
            ActionKind::from_codes(Some("00"), Some("02"), twice),
            ActionKind::CapitalReduction
        );
        assert_eq!(
            ActionKind::from_codes(None, Some("99"), half),
            ActionKind::Split
        );
        assert_eq!(
            ActionKind::from_codes(Some(""), Some("99"), twice),
            ActionKind::ReverseSplit
        );
        assert_eq!(ActionKind::from_codes(None, None, half), ActionKind::Other);
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.as_str()), Some(k));
        }
    }
}

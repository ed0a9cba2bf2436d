//! Alerts on a stock, in the domain's words: the rules (price at or above / at or below, change
//! rate above / below, 상한가 / 하한가 reached, VI triggered, volume beyond N × its 20-day average
//! by this time of day) and their evaluation on every trade and quote. Pure: no I/O, no clock
//! reads — the instant of the trade or quote decides everything time-dependent.
//!
//! Each rule fires once when its condition becomes true, then stays quiet until it has been
//! false again *beyond a hysteresis band*, which re-arms it:
//! - price rules (`price_at_or_above`/`below`, `limit_up`/`down`): the band is a percentage of
//!   the threshold (1 % of 100,000 won: re-armed below 99,000 won, or above 101,000);
//! - change-rate rules: the band is in percentage points (1 → `change_rate_above = 5` re-arms
//!   below 4 %);
//! - `volume_ratio_above`: a percentage of the ratio (1 % of 3.00× re-arms below 2.97×);
//! - `vi`: a VI is a state, so its band is a time: the VI must have been lifted for
//!   `vi_rearm` before a new VI fires again.
//!
//! [`Evaluator`] keeps an index from stock code to the rules on it, so an event costs the
//! rules on its code only. Its fired set is what the state file keeps ([`FiredState`]), keyed by
//! a [`RuleId`] derived from the rule's content: editing a rule gives it a new id, which starts
//! armed.

use super::{Calendar, Krw, Quote, Rate, StockCode, Trade, price_limits};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The highest price threshold a rule may name (won): far above any KRX price, far below
/// where arithmetic on it could overflow.
pub const MAX_PRICE: i64 = 1_000_000_000;
/// Change-rate thresholds, percent: KRX's daily limits are ±30 %.
pub const MAX_CHANGE_RATE: f64 = 30.0;
/// Volume-ratio thresholds (× the 20-day average by this time of day).
pub const MIN_VOLUME_RATIO: f64 = 0.01;
pub const MAX_VOLUME_RATIO: f64 = 1000.0;
/// The hysteresis band, percent (of the threshold, or percentage points for change rates).
pub const MAX_HYSTERESIS_PCT: f64 = 50.0;
/// The expected volume is never scaled below this much of the session (seconds): the opening
/// auction's print alone would otherwise look like many times the day's average.
pub const MIN_ELAPSED_SECS: i64 = 5 * 60;
/// Days in the average volume.
pub const AVERAGE_DAYS: usize = 20;

/// What a rule watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    PriceAtOrAbove(Krw),
    PriceAtOrBelow(Krw),
    /// The change against the previous close at or above this rate.
    ChangeRateAbove(Rate),
    /// The change against the previous close at or below this rate (usually negative).
    ChangeRateBelow(Rate),
    /// 상한가: the price at the day's upper limit.
    LimitUp,
    /// 하한가: the price at the day's lower limit.
    LimitDown,
    /// A VI (volatility interruption) in force.
    Vi,
    /// The day's volume at or above this many hundredths of its 20-day average, scaled by the
    /// share of the regular session elapsed (300 = 3.00×).
    VolumeRatioAbove(u32),
}

impl Condition {
    /// The config key that names this kind of rule (also `rule` in the NDJSON).
    pub fn key(&self) -> &'static str {
        match self {
            Condition::PriceAtOrAbove(_) => "price_at_or_above",
            Condition::PriceAtOrBelow(_) => "price_at_or_below",
            Condition::ChangeRateAbove(_) => "change_rate_above",
            Condition::ChangeRateBelow(_) => "change_rate_below",
            Condition::LimitUp => "limit_up",
            Condition::LimitDown => "limit_down",
            Condition::Vi => "vi",
            Condition::VolumeRatioAbove(_) => "volume_ratio_above",
        }
    }

    /// The threshold as written (`None` for the flag rules).
    pub fn threshold(&self) -> Option<Reading> {
        match *self {
            Condition::PriceAtOrAbove(p) | Condition::PriceAtOrBelow(p) => Some(Reading::Price(p)),
            Condition::ChangeRateAbove(r) | Condition::ChangeRateBelow(r) => Some(Reading::Rate(r)),
            Condition::VolumeRatioAbove(x) => Some(Reading::Ratio(x)),
            Condition::LimitUp | Condition::LimitDown | Condition::Vi => None,
        }
    }
}

/// Every condition key, in the order the config documents them.
pub const CONDITION_KEYS: [&str; 8] = [
    "price_at_or_above",
    "price_at_or_below",
    "change_rate_above",
    "change_rate_below",
    "limit_up",
    "limit_down",
    "vi",
    "volume_ratio_above",
];

/// One rule on one stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub code: StockCode,
    pub condition: Condition,
    /// This rule's own band (hundredths of a percent), else the settings' default.
    pub hysteresis: Option<Rate>,
}

/// A rule's identity: a hash of its content (code, kind, threshold, own band), stable across
/// runs and versions, so the fired state survives a restart and an edited rule starts armed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// FNV-1a, 64 bits: tiny, and the same on every platform and Rust version (std's hasher is
/// not promised to be).
fn fnv1a(text: &str) -> u64 {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01B3);
    }
    h
}

impl Rule {
    pub fn new(code: StockCode, condition: Condition) -> Rule {
        Rule {
            code,
            condition,
            hysteresis: None,
        }
    }

    pub fn id(&self) -> RuleId {
        let threshold = match self.condition.threshold() {
            Some(Reading::Price(p)) => p.0.to_string(),
            Some(Reading::Rate(r)) | Some(Reading::RateOfChange(r)) => r.0.to_string(),
            Some(Reading::Ratio(x)) => x.to_string(),
            _ => "-".to_string(),
        };
        let band = self
            .hysteresis
            .map_or_else(|| "-".to_string(), |r| r.0.to_string());
        let text = format!("{}|{}|{threshold}|{band}", self.code, self.condition.key());
        RuleId(format!("{:016x}", fnv1a(&text)))
    }

    /// For people: `005930 price_at_or_above 100,000`.
    pub fn describe(&self) -> String {
        match self.condition.threshold() {
            Some(t) => format!("{} {} {t}", self.code, self.condition.key()),
            None => format!("{} {}", self.code, self.condition.key()),
        }
    }

    /// The rule as the config and the rules file write it.
    pub fn spec(&self) -> RuleSpec {
        let mut s = RuleSpec {
            code: self.code.as_str().to_string(),
            hysteresis_pct: self.hysteresis.map(Rate::as_f64),
            ..RuleSpec::default()
        };
        match self.condition {
            Condition::PriceAtOrAbove(p) => s.price_at_or_above = Some(p.0),
            Condition::PriceAtOrBelow(p) => s.price_at_or_below = Some(p.0),
            Condition::ChangeRateAbove(r) => s.change_rate_above = Some(r.as_f64()),
            Condition::ChangeRateBelow(r) => s.change_rate_below = Some(r.as_f64()),
            Condition::LimitUp => s.limit_up = Some(true),
            Condition::LimitDown => s.limit_down = Some(true),
            Condition::Vi => s.vi = Some(true),
            Condition::VolumeRatioAbove(x) => s.volume_ratio_above = Some(f64::from(x) / 100.0),
        }
        s
    }
}

/// A rule as text writes it: `[[alerts]]` in the config, an entry of the rules file. A stock
/// code and exactly one condition key; [`RuleSpec::to_rule`] checks it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_at_or_above: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_at_or_below: Option<i64>,
    /// Percent: `5` is +5 %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_rate_above: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_rate_below: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_up: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_down: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vi: Option<bool>,
    /// × the 20-day average volume by this time of day: `3` is three times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_ratio_above: Option<f64>,
    /// This rule's own hysteresis band, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hysteresis_pct: Option<f64>,
}

/// What is wrong with a [`RuleSpec`]: the key (`""` for the rule as a whole) and what was
/// expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    pub key: &'static str,
    pub message: String,
}

fn spec_error(key: &'static str, message: impl Into<String>) -> SpecError {
    SpecError {
        key,
        message: message.into(),
    }
}

/// A percentage with at most two decimals as hundredths, if it is within `[min, max]`.
fn hundredths(v: f64, min: f64, max: f64) -> Option<i32> {
    (v.is_finite() && v >= min && v <= max).then(|| (v * 100.0).round() as i32)
}

impl RuleSpec {
    /// The condition keys this spec sets.
    pub fn condition_keys(&self) -> Vec<&'static str> {
        let set = [
            self.price_at_or_above.is_some(),
            self.price_at_or_below.is_some(),
            self.change_rate_above.is_some(),
            self.change_rate_below.is_some(),
            self.limit_up.is_some(),
            self.limit_down.is_some(),
            self.vi.is_some(),
            self.volume_ratio_above.is_some(),
        ];
        CONDITION_KEYS
            .iter()
            .zip(set)
            .filter(|(_, s)| *s)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The rule, or what is wrong: an invalid code, no condition key or more than one, a
    /// value out of its range, a flag set to `false`.
    pub fn to_rule(&self) -> Result<Rule, SpecError> {
        let code = StockCode::new(&self.code).map_err(|e| spec_error("code", e.to_string()))?;
        let keys = self.condition_keys();
        let key = match keys.as_slice() {
            [one] => *one,
            [] => {
                return Err(spec_error(
                    "",
                    format!(
                        "expected one condition key besides `code`: one of {}",
                        CONDITION_KEYS.join(", ")
                    ),
                ));
            }
            [first, second, ..] => {
                return Err(spec_error(
                    second,
                    format!(
                        "one condition per [[alerts]] table: `{first}` is already set (write \
                         another [[alerts]] table for `{second}`)"
                    ),
                ));
            }
        };
        let price = |v: Option<i64>| match v {
            Some(p) if (1..=MAX_PRICE).contains(&p) => Ok(Krw(p)),
            _ => Err(spec_error(
                key,
                format!("expected a price from 1 to {MAX_PRICE} (won)"),
            )),
        };
        let rate = |v: Option<f64>| {
            v.and_then(|v| hundredths(v, -MAX_CHANGE_RATE, MAX_CHANGE_RATE))
                .map(Rate)
                .ok_or_else(|| {
                    spec_error(
                        key,
                        format!(
                            "expected a number from -{MAX_CHANGE_RATE} to {MAX_CHANGE_RATE} \
                             (percent)"
                        ),
                    )
                })
        };
        let flag = |v: Option<bool>| match v {
            Some(true) => Ok(()),
            _ => Err(spec_error(
                key,
                "expected true (leave the key out for no such rule)",
            )),
        };
        let condition = match key {
            "price_at_or_above" => Condition::PriceAtOrAbove(price(self.price_at_or_above)?),
            "price_at_or_below" => Condition::PriceAtOrBelow(price(self.price_at_or_below)?),
            "change_rate_above" => Condition::ChangeRateAbove(rate(self.change_rate_above)?),
            "change_rate_below" => Condition::ChangeRateBelow(rate(self.change_rate_below)?),
            "limit_up" => flag(self.limit_up).map(|_| Condition::LimitUp)?,
            "limit_down" => flag(self.limit_down).map(|_| Condition::LimitDown)?,
            "vi" => flag(self.vi).map(|_| Condition::Vi)?,
            _ => Condition::VolumeRatioAbove(
                self.volume_ratio_above
                    .and_then(|v| hundredths(v, MIN_VOLUME_RATIO, MAX_VOLUME_RATIO))
                    .and_then(|x| u32::try_from(x).ok())
                    .ok_or_else(|| {
                        spec_error(
                            key,
                            format!(
                                "expected a number from {MIN_VOLUME_RATIO} to {MAX_VOLUME_RATIO} \
                                 (× the 20-day average volume)"
                            ),
                        )
                    })?,
            ),
        };
        let hysteresis = match self.hysteresis_pct {
            None => None,
            Some(v) => Some(Rate(hundredths(v, 0.0, MAX_HYSTERESIS_PCT).ok_or_else(
                || {
                    spec_error(
                        "hysteresis_pct",
                        format!("expected a number from 0 to {MAX_HYSTERESIS_PCT} (percent)"),
                    )
                },
            )?)),
        };
        Ok(Rule {
            code,
            condition,
            hysteresis,
        })
    }
}

/// A value a rule compares: what was observed, or its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Price(Krw),
    /// A threshold rate (percent, hundredths).
    Rate(Rate),
    /// An observed change rate.
    RateOfChange(Rate),
    /// × the average, in hundredths.
    Ratio(u32),
    Flag(bool),
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reading::Price(p) => write!(f, "{p}"),
            Reading::Rate(r) | Reading::RateOfChange(r) => write!(f, "{r}%"),
            Reading::Ratio(x) => write!(f, "{}.{:02}×", x / 100, x % 100),
            Reading::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// How rules re-arm, unless a rule says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// The hysteresis band, hundredths of a percent (`Rate(100)` = 1 %).
    pub band: Rate,
    /// How long a VI must have been lifted before a new one fires again.
    pub vi_rearm: chrono::Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            band: Rate(100),
            vi_rearm: chrono::Duration::minutes(10),
        }
    }
}

/// What one trade, quote or status change says about a stock, as the rules read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    pub code: StockCode,
    pub at: DateTime<Utc>,
    /// `None` for a status change without a price (a streamed VI notice).
    pub price: Option<Krw>,
    pub change_rate: Option<Rate>,
    pub prev_close: Option<Krw>,
    /// The day's accumulated volume.
    pub volume: Option<u64>,
    /// The day's (lower, upper) limits, when the event carries them (quotes do, trades not).
    pub limits: Option<(Krw, Krw)>,
    /// Whether a VI is in force, when the event says (quotes and status changes do).
    pub vi: Option<bool>,
}

impl Observation {
    /// A polled quote (a price of 0 is a stock that has not traded: no price reading).
    pub fn of_quote(q: &Quote) -> Observation {
        let priced = q.price.0 > 0;
        Observation {
            code: q.code,
            at: q.as_of,
            price: priced.then_some(q.price),
            change_rate: priced.then_some(q.change_rate),
            prev_close: (q.prev_close.0 > 0).then_some(q.prev_close),
            volume: Some(q.volume),
            limits: (q.upper_limit.0 > 0 && q.lower_limit.0 > 0)
                .then_some((q.lower_limit, q.upper_limit)),
            vi: Some(q.flags.vi),
        }
    }

    /// A streamed trade: no limits and no VI flag (the stock's last known ones stand).
    pub fn of_trade(t: &Trade) -> Observation {
        let prev = t.price - t.change;
        Observation {
            code: t.code,
            at: t.at,
            price: (t.price.0 > 0).then_some(t.price),
            change_rate: (t.price.0 > 0).then_some(t.change_rate),
            prev_close: (prev.0 > 0).then_some(prev),
            volume: Some(t.acc_volume),
            limits: None,
            vi: None,
        }
    }

    /// A status change (장운영정보): whether a VI is in force, nothing else.
    pub fn of_vi(code: StockCode, at: DateTime<Utc>, vi: bool) -> Observation {
        Observation {
            code,
            at,
            price: None,
            change_rate: None,
            prev_close: None,
            volume: None,
            limits: None,
            vi: Some(vi),
        }
    }
}

/// One rule firing.
#[derive(Clone, Debug, PartialEq)]
pub struct Firing {
    pub id: RuleId,
    pub rule: Rule,
    /// What was observed: the price, the change rate, the ratio, or the VI flag.
    pub value: Reading,
    /// What it was compared with: the rule's threshold, the day's limit, `None` for VI.
    pub threshold: Option<Reading>,
    pub at: DateTime<Utc>,
}

impl Firing {
    /// For people: `005930 price_at_or_above: 100,500 (threshold 100,000)`.
    pub fn describe(&self) -> String {
        match self.threshold {
            Some(t) => format!(
                "{} {}: {} (threshold {t})",
                self.rule.code,
                self.rule.condition.key(),
                self.value
            ),
            None => format!(
                "{} {}: {}",
                self.rule.code,
                self.rule.condition.key(),
                self.value
            ),
        }
    }
}

/// One fired rule in the state file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FiredEntry {
    pub code: StockCode,
    /// The rule for people (`005930 price_at_or_above 100,000`): the file can be read.
    pub rule: String,
    pub at: DateTime<Utc>,
}

/// The rules that have fired and not re-armed, by id: what survives a restart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FiredState {
    pub fired: BTreeMap<RuleId, FiredEntry>,
}

/// What the evaluator remembers of a stock between events.
#[derive(Clone, Copy, Debug, Default)]
struct StockContext {
    limits: Option<(Krw, Krw)>,
    prev_close: Option<Krw>,
    vi: Option<bool>,
    /// Average daily volume over [`AVERAGE_DAYS`] days.
    average_volume: Option<u64>,
}

#[derive(Clone, Debug)]
struct Slot {
    rule: Rule,
    id: RuleId,
    band: Rate,
    fired: Option<FiredEntry>,
    /// A fired VI rule: since when the VI has been lifted.
    vi_off_since: Option<DateTime<Utc>>,
}

/// Whether a rule's condition holds, whether it is false beyond its band (re-arms), and the
/// readings to report.
struct Verdict {
    holds: bool,
    rearms: bool,
    value: Reading,
    threshold: Option<Reading>,
}

/// `v` at or above `t`; re-armed below `t × (1 − band)`.
fn at_or_above(v: i128, t: i128, band: i128) -> (bool, bool) {
    (v >= t, v * 10_000 < t * (10_000 - band))
}

/// `v` at or below `t`; re-armed above `t × (1 + band)`.
fn at_or_below(v: i128, t: i128, band: i128) -> (bool, bool) {
    (v <= t, v * 10_000 > t * (10_000 + band))
}

/// The share of `date`'s regular session elapsed at `at`, as (elapsed, whole) seconds: at
/// least [`MIN_ELAPSED_SECS`]; the whole session after the close and on days without one.
pub fn session_elapsed(calendar: &Calendar, at: DateTime<Utc>) -> (i64, i64) {
    const REGULAR: i64 = 390 * 60;
    let local = at.with_timezone(&super::KST);
    let Some(t) = calendar.session_times(local.date_naive()) else {
        return (REGULAR, REGULAR);
    };
    let whole = (t.close - t.open).num_seconds().max(MIN_ELAPSED_SECS);
    let elapsed = (local.time() - t.open).num_seconds();
    (elapsed.clamp(MIN_ELAPSED_SECS, whole), whole)
}

/// The day's volume in hundredths of the average volume expected by `at`.
pub fn volume_ratio(
    volume: u64,
    average: u64,
    calendar: &Calendar,
    at: DateTime<Utc>,
) -> Option<u32> {
    let (elapsed, whole) = session_elapsed(calendar, at);
    let expected = u128::from(average) * u128::try_from(elapsed).ok()?;
    if expected == 0 {
        return None;
    }
    let ratio = u128::from(volume) * 100 * u128::try_from(whole).ok()? / expected;
    Some(u32::try_from(ratio).unwrap_or(u32::MAX))
}

/// The mean daily volume of the last [`AVERAGE_DAYS`] bars before `today` (`None` with none).
pub fn average_volume(bars: &[super::Candle], today: chrono::NaiveDate) -> Option<u64> {
    let past: Vec<u64> = bars
        .iter()
        .filter(|b| b.date < today)
        .map(|b| b.volume)
        .collect();
    let last = &past[past.len().saturating_sub(AVERAGE_DAYS)..];
    if last.is_empty() {
        return None;
    }
    let sum: u128 = last.iter().map(|v| u128::from(*v)).sum();
    u64::try_from(sum / last.len() as u128).ok()
}

/// The rules and their fired state, indexed by stock code.
#[derive(Clone, Debug)]
pub struct Evaluator {
    slots: Vec<Slot>,
    by_code: HashMap<StockCode, Vec<usize>>,
    context: HashMap<StockCode, StockContext>,
    calendar: Calendar,
    tuning: Tuning,
}

impl Evaluator {
    /// The rules (duplicates, by id, kept once), armed unless `fired` says they fired.
    pub fn new(rules: &[Rule], tuning: Tuning, calendar: Calendar, fired: &FiredState) -> Self {
        let mut slots: Vec<Slot> = Vec::with_capacity(rules.len());
        let mut by_code: HashMap<StockCode, Vec<usize>> = HashMap::new();
        for rule in rules {
            let id = rule.id();
            if slots.iter().any(|s| s.id == id) {
                continue;
            }
            by_code.entry(rule.code).or_default().push(slots.len());
            slots.push(Slot {
                rule: *rule,
                band: rule.hysteresis.unwrap_or(tuning.band),
                fired: fired.fired.get(&id).cloned(),
                vi_off_since: None,
                id,
            });
        }
        Evaluator {
            slots,
            by_code,
            context: HashMap::new(),
            calendar,
            tuning,
        }
    }

    /// The rules, each once, in the order given.
    pub fn rules(&self) -> impl Iterator<Item = (&RuleId, &Rule)> {
        self.slots.iter().map(|s| (&s.id, &s.rule))
    }

    /// The stocks the rules watch, in the order of their first rule.
    pub fn codes(&self) -> Vec<StockCode> {
        let mut out: Vec<StockCode> = Vec::with_capacity(self.by_code.len());
        for s in &self.slots {
            if !out.contains(&s.rule.code) {
                out.push(s.rule.code);
            }
        }
        out
    }

    /// The stocks with a volume-ratio rule (they need their average volume).
    pub fn volume_codes(&self) -> Vec<StockCode> {
        let mut out: Vec<StockCode> = Vec::new();
        for s in &self.slots {
            if matches!(s.rule.condition, Condition::VolumeRatioAbove(_))
                && !out.contains(&s.rule.code)
            {
                out.push(s.rule.code);
            }
        }
        out
    }

    /// The stocks with a VI rule (they want VI notices where a stream carries them).
    pub fn vi_codes(&self) -> Vec<StockCode> {
        let mut out: Vec<StockCode> = Vec::new();
        for s in &self.slots {
            if s.rule.condition == Condition::Vi && !out.contains(&s.rule.code) {
                out.push(s.rule.code);
            }
        }
        out
    }

    /// Gives a stock's average daily volume (from its daily bars: [`average_volume`]).
    pub fn set_average_volume(&mut self, code: StockCode, average: u64) {
        self.context.entry(code).or_default().average_volume = Some(average);
    }

    /// Whether the rule is fired (not armed).
    pub fn is_fired(&self, id: &RuleId) -> bool {
        self.slots.iter().any(|s| &s.id == id && s.fired.is_some())
    }

    /// The fired set, for the state file.
    pub fn fired_state(&self) -> FiredState {
        FiredState {
            fired: self
                .slots
                .iter()
                .filter_map(|s| Some((s.id.clone(), s.fired.clone()?)))
                .collect(),
        }
    }

    /// Evaluates the rules on `obs.code` against `obs`, appending each firing to `out`.
    /// Returns whether the fired set changed (a rule fired or re-armed): time to save it.
    pub fn observe(&mut self, obs: &Observation, out: &mut Vec<Firing>) -> bool {
        let Some(indices) = self.by_code.get(&obs.code) else {
            return false;
        };
        let ctx = self.context.entry(obs.code).or_default();
        if obs.limits.is_some() {
            ctx.limits = obs.limits;
        }
        if obs.prev_close.is_some() {
            ctx.prev_close = obs.prev_close;
        }
        if obs.vi.is_some() {
            ctx.vi = obs.vi;
        }
        let ctx = *ctx;
        // A trade before any quote: the limits from the previous close.
        let limits = ctx.limits.or_else(|| ctx.prev_close.map(price_limits));
        let mut changed = false;
        for &i in indices {
            let slot = &mut self.slots[i];
            let Some(v) = verdict(slot, obs, &ctx, limits, &self.calendar, &self.tuning) else {
                continue;
            };
            if slot.fired.is_some() && v.rearms {
                slot.fired = None;
                slot.vi_off_since = None;
                changed = true;
            }
            if slot.fired.is_none() && v.holds {
                slot.fired = Some(FiredEntry {
                    code: slot.rule.code,
                    rule: slot.rule.describe(),
                    at: obs.at,
                });
                out.push(Firing {
                    id: slot.id.clone(),
                    rule: slot.rule,
                    value: v.value,
                    threshold: v.threshold,
                    at: obs.at,
                });
                changed = true;
            }
        }
        changed
    }
}

/// The rule's verdict on `obs`, or `None` when the observation says nothing it reads.
fn verdict(
    slot: &mut Slot,
    obs: &Observation,
    ctx: &StockContext,
    limits: Option<(Krw, Krw)>,
    calendar: &Calendar,
    tuning: &Tuning,
) -> Option<Verdict> {
    let band = i128::from(slot.band.0);
    let priced = |t: Krw, above: bool| -> Option<Verdict> {
        let p = obs.price?;
        let (holds, rearms) = if above {
            at_or_above(i128::from(p.0), i128::from(t.0), band)
        } else {
            at_or_below(i128::from(p.0), i128::from(t.0), band)
        };
        Some(Verdict {
            holds,
            rearms,
            value: Reading::Price(p),
            threshold: Some(Reading::Price(t)),
        })
    };
    match slot.rule.condition {
        Condition::PriceAtOrAbove(t) => priced(t, true),
        Condition::PriceAtOrBelow(t) => priced(t, false),
        Condition::LimitUp => priced(limits?.1, true),
        Condition::LimitDown => priced(limits?.0, false),
        Condition::ChangeRateAbove(t) | Condition::ChangeRateBelow(t) => {
            let r = obs.change_rate?;
            let above = matches!(slot.rule.condition, Condition::ChangeRateAbove(_));
            let (v, t32, b) = (i64::from(r.0), i64::from(t.0), i64::from(slot.band.0));
            let (holds, rearms) = if above {
                (v >= t32, v < t32 - b)
            } else {
                (v <= t32, v > t32 + b)
            };
            Some(Verdict {
                holds,
                rearms,
                value: Reading::RateOfChange(r),
                threshold: Some(Reading::Rate(t)),
            })
        }
        Condition::VolumeRatioAbove(t) => {
            let ratio = volume_ratio(obs.volume?, ctx.average_volume?, calendar, obs.at)?;
            let (holds, rearms) = at_or_above(i128::from(ratio), i128::from(t), band);
            Some(Verdict {
                holds,
                rearms,
                value: Reading::Ratio(ratio),
                threshold: Some(Reading::Ratio(t)),
            })
        }
        Condition::Vi => {
            let on = ctx.vi?;
            if on {
                slot.vi_off_since = None;
            } else if slot.vi_off_since.is_none() {
                slot.vi_off_since = Some(obs.at);
            }
            let rearms = slot
                .vi_off_since
                .is_some_and(|since| obs.at - since >= tuning.vi_rearm);
            Some(Verdict {
                holds: on,
                rearms,
                value: Reading::Flag(on),
                threshold: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> StockCode {
        StockCode::new("005930").unwrap()
    }

    /// 2026-11-26 (a Thursday, a trading day) at KST `h:m`, plus `s` seconds.
    fn at(h: u32, m: u32, s: i64) -> DateTime<Utc> {
        super::super::kst_to_utc(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap(),
        ) + chrono::Duration::seconds(s)
    }

    /// A quote at `price` (previous close 80,000: limits 56,000 / 104,000), `vi`, `volume`.
    fn quote(price: i64, vi: bool, volume: u64, t: DateTime<Utc>) -> Quote {
        let prev = Krw(80_000);
        let (lower, upper) = price_limits(prev);
        Quote {
            code: code(),
            name: None,
            price: Krw(price),
            change: Krw(price) - prev,
            change_rate: Rate::of(Krw(price) - prev, prev),
            prev_close: prev,
            open: prev,
            high: Krw(price),
            low: Krw(price),
            volume,
            value: Krw(0),
            upper_limit: upper,
            lower_limit: lower,
            flags: crate::market::StatusFlags {
                vi,
                ..Default::default()
            },
            expected: None,
            as_of: t,
        }
    }

    fn evaluator(rule: Rule, fired: &FiredState) -> Evaluator {
        let tuning = Tuning {
            band: Rate(100), // 1 %
            vi_rearm: chrono::Duration::minutes(10),
        };
        let mut e = Evaluator::new(&[rule], tuning, Calendar::krx().clone(), fired);
        e.set_average_volume(code(), 1_000_000);
        e
    }

    /// Runs `path` (price, vi, volume, seconds after 10:00) through a fresh evaluator of
    /// `rule`; the indices of the quotes that fired.
    fn fires(rule: Rule, path: &[(i64, bool, u64, i64)]) -> Vec<usize> {
        let mut e = evaluator(rule, &FiredState::default());
        let mut out = Vec::new();
        let mut hits = Vec::new();
        for (i, &(p, vi, vol, s)) in path.iter().enumerate() {
            let before = out.len();
            e.observe(
                &Observation::of_quote(&quote(p, vi, vol, at(10, 0, s))),
                &mut out,
            );
            if out.len() > before {
                hits.push(i);
            }
        }
        hits
    }

    /// Price paths that cross the threshold three times, the dips inside the 1 % band, then
    /// leave the band and come back: one firing in the noise, a second after re-arming.
    #[test]
    fn each_price_rule_fires_once_through_noise_inside_the_band() {
        let v = 1_000_000;
        let t = |i: usize| (i * 10) as i64;
        // Threshold 100,000 from below; the band reaches down to 99,000.
        let up: Vec<(i64, bool, u64, i64)> = [
            98_000, 100_000, 99_500, 100_100, 99_100, 100_300, 98_900, 100_000,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, false, v, t(i)))
        .collect();
        let rule = Rule::new(code(), Condition::PriceAtOrAbove(Krw(100_000)));
        assert_eq!(fires(rule, &up), [1, 7]);
        let down: Vec<(i64, bool, u64, i64)> = [
            62_000, 60_000, 60_500, 59_900, 60_590, 60_000, 60_700, 59_000,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, false, v, t(i)))
        .collect();
        let rule = Rule::new(code(), Condition::PriceAtOrBelow(Krw(60_000)));
        assert_eq!(fires(rule, &down), [1, 7]);
        // 상한가 104,000 (80,000 + 30 %): the band reaches down to 102,960.
        let limit_up: Vec<(i64, bool, u64, i64)> = [
            100_000, 104_000, 103_500, 104_000, 103_000, 104_000, 102_900, 104_000,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, false, v, t(i)))
        .collect();
        assert_eq!(
            fires(Rule::new(code(), Condition::LimitUp), &limit_up),
            [1, 7]
        );
        // 하한가 56,000: the band reaches up to 56,560.
        let limit_down: Vec<(i64, bool, u64, i64)> = [
            58_000, 56_000, 56_500, 56_000, 56_400, 56_000, 56_600, 56_000,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, false, v, t(i)))
        .collect();
        assert_eq!(
            fires(Rule::new(code(), Condition::LimitDown), &limit_down),
            [1, 7]
        );
    }

    #[test]
    fn each_change_rate_rule_fires_once_through_noise_inside_the_band() {
        // +5 % of 80,000 is 84,000; the 1-point band reaches down to +4 % (83,200).
        let v = 1_000_000;
        let path: Vec<(i64, bool, u64, i64)> = [
            82_000, 84_000, 83_500, 84_100, 83_300, 84_400, 83_100, 84_000,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, false, v, (i * 10) as i64))
        .collect();
        let rule = Rule::new(code(), Condition::ChangeRateAbove(Rate(500)));
        assert_eq!(fires(rule, &path), [1, 7]);
        // −5 % is 76,000; the band reaches up to −4 % (76,800).
        let path: Vec<(i64, bool, u64, i64)> = [
            78_000, 76_000, 76_500, 75_900, 76_700, 76_000, 76_900, 75_000,
        ]
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, false, v, (i * 10) as i64))
        .collect();
        let rule = Rule::new(code(), Condition::ChangeRateBelow(Rate(-500)));
        assert_eq!(fires(rule, &path), [1, 7]);
    }

    #[test]
    fn the_volume_rule_scales_the_average_by_the_session_elapsed_and_fires_once() {
        // At 12:15 half of the 390-minute session has passed: 3 × half of 1,000,000 is
        // 1,500,000; the 1 % band reaches down to 1,485,000.
        let s = |m: i64| 135 * 60 + m; // seconds after 10:00 → 12:15 + m seconds
        let path = [
            (80_000, false, 1_400_000, s(0)),
            (80_000, false, 1_500_000, s(0)),
            (80_000, false, 1_490_000, s(0)),
            (80_000, false, 1_510_000, s(0)),
            (80_000, false, 1_486_000, s(0)),
            (80_000, false, 1_500_000, s(0)),
            (80_000, false, 1_480_000, s(0)),
            (80_000, false, 1_520_000, s(0)),
        ];
        let rule = Rule::new(code(), Condition::VolumeRatioAbove(300));
        assert_eq!(fires(rule, &path), [1, 7]);
        let cal = Calendar::krx();
        assert_eq!(session_elapsed(cal, at(12, 15, 0)), (195 * 60, 390 * 60));
        assert_eq!(
            session_elapsed(cal, at(9, 0, 10)).0,
            MIN_ELAPSED_SECS,
            "the first minutes count as five"
        );
        assert_eq!(session_elapsed(cal, at(16, 0, 0)), (390 * 60, 390 * 60));
        assert_eq!(
            volume_ratio(3_000_000, 1_000_000, cal, at(18, 0, 0)),
            Some(300)
        );
    }

    #[test]
    fn the_vi_rule_fires_once_per_vi_lifted_beyond_its_rearm_time() {
        // VI on, lifted for a minute, on again, lifted, on: one VI episode inside the band.
        let m = |min: i64| min * 60;
        let path = [
            (80_000, false, 1, m(0)),
            (88_000, true, 1, m(1)),
            (88_000, false, 1, m(3)),
            (88_100, true, 1, m(4)),
            (88_000, false, 1, m(6)),
            (88_000, true, 1, m(7)),
            (88_000, false, 1, m(9)),
            (88_000, false, 1, m(20)),
            (88_000, true, 1, m(21)),
        ];
        assert_eq!(fires(Rule::new(code(), Condition::Vi), &path), [1, 8]);
    }

    #[test]
    fn trades_carry_no_limits_or_vi_the_last_quote_s_stand() {
        let mut e = evaluator(
            Rule::new(code(), Condition::LimitUp),
            &FiredState::default(),
        );
        let trade = |p: i64, s: i64| Trade {
            code: code(),
            at: at(10, 0, s),
            price: Krw(p),
            change: Krw(p - 80_000),
            change_rate: Rate::of(Krw(p - 80_000), Krw(80_000)),
            qty: 1,
            acc_volume: 10,
            acc_value: Krw(p),
            side: None,
            strength: None,
        };
        let mut out = Vec::new();
        // No quote yet: the limits come from the previous close.
        e.observe(&Observation::of_trade(&trade(103_900, 0)), &mut out);
        assert!(out.is_empty());
        e.observe(&Observation::of_trade(&trade(104_000, 1)), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].threshold, Some(Reading::Price(Krw(104_000))));
        assert_eq!(out[0].value, Reading::Price(Krw(104_000)));
        // A VI notice has no price: price rules ignore it.
        assert!(!e.observe(&Observation::of_vi(code(), at(10, 0, 2), true), &mut out));
    }

    #[test]
    fn the_fired_state_survives_a_restart() {
        let rule = Rule::new(code(), Condition::PriceAtOrAbove(Krw(100_000)));
        let mut e = evaluator(rule, &FiredState::default());
        let mut out = Vec::new();
        let q = |p: i64, s: i64| Observation::of_quote(&quote(p, false, 1, at(10, 0, s)));
        assert!(e.observe(&q(100_500, 0), &mut out));
        let saved = e.fired_state();
        assert!(saved.fired.contains_key(&rule.id()));
        // Restarted with the state: still true, no new firing.
        let json = serde_json::to_string(&saved).unwrap();
        let back: FiredState = serde_json::from_str(&json).unwrap();
        let mut e = evaluator(rule, &back);
        assert!(!e.observe(&q(100_600, 10), &mut out));
        assert_eq!(out.len(), 1);
        // False beyond the band, then true: it fires.
        assert!(e.observe(&q(98_000, 20), &mut out));
        assert!(e.observe(&q(100_000, 30), &mut out));
        assert_eq!(out.len(), 2);
        // An edited rule is another rule: it starts armed whatever the file says.
        let edited = Rule::new(code(), Condition::PriceAtOrAbove(Krw(100_100)));
        assert_ne!(edited.id(), rule.id());
        let mut e = evaluator(edited, &back);
        assert!(e.observe(&q(100_600, 40), &mut out));
    }

    #[test]
    fn specs_take_one_condition_in_range() {
        let spec = |toml: &str| -> RuleSpec { toml::from_str(toml).unwrap() };
        let r = spec("code = \"005930\"\nprice_at_or_above = 100000\n")
            .to_rule()
            .unwrap();
        assert_eq!(r.condition, Condition::PriceAtOrAbove(Krw(100_000)));
        assert_eq!(r.spec().to_rule(), Ok(r));
        for (text, key) in [
            ("code = \"005930\"\n", ""),
            // Two conditions: the second in the documented order is named.
            ("code = \"005930\"\nvi = true\nlimit_up = true\n", "vi"),
            ("code = \"59\"\nvi = true\n", "code"),
            ("code = \"005930\"\nvi = false\n", "vi"),
            (
                "code = \"005930\"\nprice_at_or_below = 0\n",
                "price_at_or_below",
            ),
            (
                "code = \"005930\"\nchange_rate_above = 31\n",
                "change_rate_above",
            ),
            (
                "code = \"005930\"\nvolume_ratio_above = 0\n",
                "volume_ratio_above",
            ),
            (
                "code = \"005930\"\nvi = true\nhysteresis_pct = 51\n",
                "hysteresis_pct",
            ),
        ] {
            let err = spec(text).to_rule().expect_err(text);
            assert_eq!(err.key, key, "{text}: {err}");
        }
        assert!(toml::from_str::<RuleSpec>("code = \"005930\"\nprice = 1\n").is_err());
        let r = spec("code = \"005930\"\nchange_rate_below = -3.5\nhysteresis_pct = 0.5\n")
            .to_rule()
            .unwrap();
        assert_eq!(r.condition, Condition::ChangeRateBelow(Rate(-350)));
        assert_eq!(r.hysteresis, Some(Rate(50)));
        assert_eq!(r.spec().to_rule(), Ok(r));
    }

    #[test]
    fn average_volume_takes_the_last_twenty_days_before_today() {
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let bars: Vec<super::super::Candle> = (1..=25)
            .map(|d| super::super::Candle::flat(day(d), None, Krw(1), u64::from(d) * 10, Krw(0)))
            .collect();
        // Days 5..=24 (today 25 is left out): mean of 50..=240 step 10 = 145.
        assert_eq!(average_volume(&bars, day(25)), Some(145));
        assert_eq!(average_volume(&bars[..0], day(25)), None);
    }
}

//! The range of every integer key ([`RANGES`]; `config.example.toml` states each), checked at
//! load. Bounds keep each value far from where arithmetic on it overflows and within what makes
//! sense for the setting.

use super::Config;

/// The allowed range of one integer key, checked at load.
pub(super) struct IntRange {
    pub key: &'static str,
    pub min: u64,
    pub max: u64,
    /// What the number counts, for the message.
    pub unit: &'static str,
    get: fn(&Config) -> Option<u64>,
}

impl IntRange {
    /// What a value of this key must be.
    pub fn expected(&self) -> String {
        format!(
            "expected an integer from {} to {} ({})",
            self.min, self.max, self.unit
        )
    }
}

const fn range(
    key: &'static str,
    min: u64,
    max: u64,
    unit: &'static str,
    get: fn(&Config) -> Option<u64>,
) -> IntRange {
    IntRange {
        key,
        min,
        max,
        unit,
        get,
    }
}

/// Thirty days: the longest a cache entry is kept or a value counts as fresh.
const MONTH_SECS: u64 = 30 * 24 * 60 * 60;
const HOUR_MS: u64 = 60 * 60 * 1000;

/// Every integer key and its range. Bounds keep each value far from where arithmetic on it
/// overflows (`DateTime + TimeDelta`, millisecond conversions, Redis `SET EX`) and within what
/// makes sense for the setting. A test checks that every integer key is listed here.
pub(super) const RANGES: &[IntRange] = &[
    range(
        "kis.requests_per_sec",
        1,
        1000,
        "requests per second",
        |c| c.kis.requests_per_sec.map(u64::from),
    ),
    range("kis.connect_timeout_ms", 1, 600_000, "milliseconds", |c| {
        Some(c.kis.connect_timeout_ms)
    }),
    range("kis.request_timeout_ms", 1, 600_000, "milliseconds", |c| {
        Some(c.kis.request_timeout_ms)
    }),
    range("kis.ws_registrations", 1, 41, "registrations", |c| {
        Some(u64::from(c.kis.ws_registrations))
    }),
    range("kis.max_retries", 0, 20, "retries", |c| {
        Some(u64::from(c.kis.max_retries))
    }),
    range("kis.retry_budget_ms", 0, HOUR_MS, "milliseconds", |c| {
        Some(c.kis.retry_budget_ms)
    }),
    range("kis.token_refresh_margin_secs", 0, 43_200, "seconds", |c| {
        Some(c.kis.token_refresh_margin_secs)
    }),
    range("redis.timeout_ms", 1, 60_000, "milliseconds", |c| {
        Some(c.redis.timeout_ms)
    }),
    range("redis.retry_after_ms", 0, HOUR_MS, "milliseconds", |c| {
        Some(c.redis.retry_after_ms)
    }),
    range("cache.price_fresh_ms", 0, HOUR_MS, "milliseconds", |c| {
        Some(c.cache.price_fresh_ms)
    }),
    range("cache.price_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.price_ttl_secs)
    }),
    range(
        "cache.orderbook_fresh_ms",
        0,
        HOUR_MS,
        "milliseconds",
        |c| Some(c.cache.orderbook_fresh_ms),
    ),
    range("cache.orderbook_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.orderbook_ttl_secs)
    }),
    range("cache.chart_fresh_secs", 0, MONTH_SECS, "seconds", |c| {
        Some(c.cache.chart_fresh_secs)
    }),
    range("cache.chart_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.chart_ttl_secs)
    }),
    range("cache.info_fresh_secs", 0, MONTH_SECS, "seconds", |c| {
        Some(c.cache.info_fresh_secs)
    }),
    range("cache.info_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.info_ttl_secs)
    }),
    range("cache.memory_capacity", 1, 10_000_000, "entries", |c| {
        Some(c.cache.memory_capacity as u64)
    }),
    range("breaker.failure_threshold", 1, 1000, "failures", |c| {
        Some(u64::from(c.breaker.failure_threshold))
    }),
    range("breaker.open_secs", 1, 86_400, "seconds", |c| {
        Some(c.breaker.open_secs)
    }),
    range("ingest.batch_size", 1, 100_000, "bars", |c| {
        Some(c.ingest.batch_size as u64)
    }),
    range("ingest.concurrency", 1, 256, "requests", |c| {
        Some(c.ingest.concurrency as u64)
    }),
    range("ingest.delist_after_days", 1, 60, "trading days", |c| {
        Some(u64::from(c.ingest.delist_after_days))
    }),
    range("ui.max_fps", 1, 240, "frames per second", |c| {
        Some(u64::from(c.ui.max_fps))
    }),
    range("ui.flash_ms", 0, 60_000, "milliseconds", |c| {
        Some(c.ui.flash_ms)
    }),
    range("alerts_settings.vi_rearm_secs", 0, 86_400, "seconds", |c| {
        Some(c.alerts_settings.vi_rearm_secs)
    }),
    range(
        "alerts_settings.command_timeout_secs",
        1,
        3_600,
        "seconds",
        |c| Some(c.alerts_settings.command_timeout_secs),
    ),
];

/// The allowed range of one decimal key, checked at load (`kis.rate_share`, whose range is
/// open at 0, is checked with the KIS settings).
pub(super) struct FloatRange {
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
    get: fn(&Config) -> f64,
}

impl FloatRange {
    pub fn expected(&self) -> String {
        format!(
            "expected a number from {} to {} ({})",
            self.min, self.max, self.unit
        )
    }
}

/// Every decimal key but `kis.rate_share`, and its range. The numbers of each `[[alerts]]`
/// rule are bounded by the rule parser itself (`market::alert`), which checks the monitor's
/// rules file with the same bounds.
pub(super) const FLOAT_RANGES: &[FloatRange] = &[FloatRange {
    key: "alerts_settings.hysteresis_pct",
    min: 0.0,
    max: crate::market::alert::MAX_HYSTERESIS_PCT,
    unit: "percent",
    get: |c| c.alerts_settings.hysteresis_pct,
}];

/// The range of an integer key, if it is one.
pub(super) fn int_range(key: &str) -> Option<&'static IntRange> {
    RANGES.iter().find(|r| r.key == key)
}

/// Every integer or decimal key outside its range: (dotted key, what was expected).
pub(super) fn out_of_range(c: &Config) -> Vec<(String, String)> {
    let ints = RANGES
        .iter()
        .filter(|r| (r.get)(c).is_some_and(|v| !(r.min..=r.max).contains(&v)))
        .map(|r| (r.key.to_string(), r.expected()));
    let floats = FLOAT_RANGES
        .iter()
        .filter(|r| {
            let v = (r.get)(c);
            !(v.is_finite() && v >= r.min && v <= r.max)
        })
        .map(|r| (r.key.to_string(), r.expected()));
    ints.chain(floats).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EXAMPLE_CONFIG;
    use crate::config::env::{Kind, env_var_name, schema};
    use crate::config::load::tests::load_str;

    #[test]
    fn every_integer_key_has_a_range_and_the_example_states_it() {
        let mut integers = Vec::new();
        for (section, keys) in schema() {
            for (key, kind) in keys {
                let dotted = format!("{section}.{key}");
                match kind {
                    Kind::Integer => integers.push(dotted),
                    Kind::Float => assert!(
                        dotted == "kis.rate_share" || FLOAT_RANGES.iter().any(|r| r.key == dotted),
                        "{dotted}: a float without a check"
                    ),
                    _ => {}
                }
            }
        }
        assert!(integers.len() >= 20, "{integers:?}");
        for key in &integers {
            assert!(int_range(key).is_some(), "{key} has no range in RANGES");
        }
        assert_eq!(
            RANGES.len(),
            integers.len(),
            "a range for a key that is not one"
        );
        // The example states each range in the paragraph of the key.
        let paragraphs: Vec<&str> = EXAMPLE_CONFIG.split("\n\n").collect();
        for r in RANGES {
            let key = r.key.split_once('.').map_or(r.key, |(_, k)| k);
            let para = paragraphs
                .iter()
                .find(|p| {
                    p.lines().any(|l| {
                        l.trim_start_matches(['#', ' '])
                            .starts_with(&format!("{key} ="))
                    })
                })
                .unwrap_or_else(|| panic!("{} not in the example", r.key));
            let stated = format!("{} to {}", r.min, r.max);
            assert!(
                para.contains(&stated),
                "{}: example should say {stated:?}:\n{para}",
                r.key
            );
        }
    }

    #[test]
    fn every_range_is_enforced_at_both_ends_from_file_and_env() {
        for r in RANGES {
            let (section, key) = r.key.split_once('.').expect("dotted");
            let var = env_var_name(section, key);
            let file = |v: u64| format!("[{section}]\n{key} = {v}\n");
            for ok in [r.min, r.max] {
                load_str(&file(ok), &[]).unwrap_or_else(|e| panic!("{}={ok}: {e}", r.key));
            }
            let mut bad = vec![r.max + 1];
            if r.min > 0 {
                bad.push(r.min - 1);
            }
            for v in bad {
                let err = load_str(&file(v), &[]).expect_err(r.key);
                assert_eq!(err.key(), Some(r.key), "{err}");
                let msg = err.to_string();
                assert!(msg.starts_with("test.toml:2:1:"), "{msg}");
                assert!(msg.contains(&format!("{} to {}", r.min, r.max)), "{msg}");
                let err = load_str("", &[(&var, &v.to_string())]).expect_err(&var);
                assert_eq!(err.key(), Some(r.key), "{err}");
                assert!(err.to_string().contains(&var), "{err}");
            }
        }
    }

    #[test]
    fn every_float_range_is_enforced_at_both_ends_from_file_and_env() {
        for r in FLOAT_RANGES {
            let (section, key) = r.key.split_once('.').expect("dotted");
            let var = env_var_name(section, key);
            let file = |v: f64| format!("[{section}]\n{key} = {v:?}\n");
            for ok in [r.min, r.max] {
                load_str(&file(ok), &[]).unwrap_or_else(|e| panic!("{}={ok}: {e}", r.key));
            }
            for bad in [r.min - 0.01, r.max + 0.01] {
                let err = load_str(&file(bad), &[]).expect_err(r.key);
                assert_eq!(err.key(), Some(r.key), "{err}");
                assert!(err.to_string().starts_with("test.toml:2:1:"), "{err}");
                let err = load_str("", &[(&var, &bad.to_string())]).expect_err(&var);
                assert!(err.to_string().contains(&var), "{err}");
            }
            let para = EXAMPLE_CONFIG
                .split("\n\n")
                .find(|p| p.lines().any(|l| l.starts_with(&format!("{key} ="))))
                .unwrap_or_else(|| panic!("{} not in the example", r.key));
            assert!(para.contains(&format!("{} to {}", r.min, r.max)), "{para}");
        }
    }

    #[test]
    fn huge_numbers_are_refused_naming_the_key_not_only_line_and_column() {
        // The values of issue 9: each used to load and then panic or misbehave later.
        for (var, val, key) in [
            (
                "HOGA_KIS_TOKEN_REFRESH_MARGIN_SECS",
                "9223372036854775807",
                "kis.token_refresh_margin_secs",
            ),
            (
                "HOGA_KIS_TOKEN_REFRESH_MARGIN_SECS",
                "1e13",
                "kis.token_refresh_margin_secs",
            ),
            (
                "HOGA_BREAKER_OPEN_SECS",
                "9223372036854775807",
                "breaker.open_secs",
            ),
            ("HOGA_BREAKER_OPEN_SECS", "1e11", "breaker.open_secs"),
            (
                "HOGA_BREAKER_OPEN_SECS",
                "100000000000",
                "breaker.open_secs",
            ),
            (
                "HOGA_CACHE_PRICE_TTL_SECS",
                "9223372036854775807",
                "cache.price_ttl_secs",
            ),
            (
                "HOGA_CACHE_PRICE_TTL_SECS",
                "99999999999999999999",
                "cache.price_ttl_secs",
            ),
            ("HOGA_KIS_MAX_RETRIES", "4294967296", "kis.max_retries"),
        ] {
            let err = load_str("", &[(var, val)]).expect_err(var);
            assert_eq!(err.key(), Some(key), "{var}={val}: {err}");
            let msg = err.to_string();
            assert!(
                msg.contains(var) && msg.contains("expected an integer from"),
                "{msg}"
            );
        }
        for (text, key, range) in [
            // Beyond i64: TOML itself refuses it, before any key is known.
            (
                "[kis]\ntoken_refresh_margin_secs = 99999999999999999999\n",
                "kis.token_refresh_margin_secs",
                "0 to 43200",
            ),
            (
                "[cache]\n\nprice_ttl_secs = 9223372036854775808 # i64::MAX + 1\n",
                "cache.price_ttl_secs",
                "1 to 2592000",
            ),
            // Beyond the field's type (u32) and negative for an unsigned one.
            (
                "[kis]\nmax_retries = 99999999999\n",
                "kis.max_retries",
                "0 to 20",
            ),
            ("[ui]\nmax_fps = -1\n", "ui.max_fps", "1 to 240"),
            (
                "[breaker]\nopen_secs = 9223372036854775807\n",
                "breaker.open_secs",
                "1 to 86400",
            ),
        ] {
            let err = load_str(text, &[]).expect_err(key);
            assert_eq!(err.key(), Some(key), "{text}: {err}");
            let msg = err.to_string();
            assert!(
                msg.contains(&format!("`{key}`")) && msg.contains(range),
                "{msg}"
            );
            assert!(msg.starts_with("test.toml:"), "{msg}");
        }
    }
}

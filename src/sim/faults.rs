//! Fault injection: rules set by CLI flag, admin route or library call, each optionally
//! limited to one endpoint (a tr_id or a path fragment), firing at a rate and/or a fixed
//! number of times. Randomness is seeded, so a faulty run replays.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with EGW00001 (default) or EGW00002.
    Transient {
        #[serde(default)]
        code: Option<String>,
    },
    /// Answer after `ms` ± `jitter_ms` extra delay.
    Latency {
        ms: u64,
        #[serde(default)]
        jitter_ms: u64,
    },
    /// Hold the request `ms` (default 10 minutes) before answering: clients must time out.
    Hang {
        #[serde(default)]
        ms: Option<u64>,
    },
    /// Close the connection without answering.
    Drop,
    /// Send the first half of the JSON body only (with a matching Content-Length).
    Truncate,
    /// Send syntactically broken JSON.
    Malformed,
    /// Answer with an HTML error page (HTTP 502), as a proxy in front of KIS might.
    Html,
    /// Insert empty `{}` objects into array outputs (KIS pads; python-kis filters them).
    EmptyRows,
    /// Answer EGW00201 regardless of the real request rate (a rate-limit storm).
    RateLimit,
    /// Corrupt one chart row so that its high is below its low.
    BadBarHighLow,
    /// Move one chart row's close off the tick grid.
    BadBarOffGrid,
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Transient { .. } => "transient",
            FaultKind::Latency { .. } => "latency",
            FaultKind::Hang { .. } => "hang",
            FaultKind::Drop => "drop",
            FaultKind::Truncate => "truncate",
            FaultKind::Malformed => "malformed",
            FaultKind::Html => "html",
            FaultKind::EmptyRows => "empty_rows",
            FaultKind::RateLimit => "rate_limit",
            FaultKind::BadBarHighLow => "bad_bar_high_low",
            FaultKind::BadBarOffGrid => "bad_bar_off_grid",
        }
    }
}

fn one() -> f64 {
    1.0
}

/// One fault rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only requests whose tr_id equals this, or whose path contains it. `None`: every route
    /// except `/_sim/`.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Probability of firing per matching request (0–1).
    #[serde(default = "one")]
    pub rate: f64,
    /// Fire at most this many times, then retire.
    #[serde(default)]
    pub count: Option<u64>,
}

impl FaultRule {
    pub fn always(kind: FaultKind) -> FaultRule {
        FaultRule {
            kind,
            endpoint: None,
            rate: 1.0,
            count: None,
        }
    }

    pub fn on(mut self, endpoint: &str) -> FaultRule {
        self.endpoint = Some(endpoint.to_string());
        self
    }

    pub fn rate(mut self, rate: f64) -> FaultRule {
        self.rate = rate;
        self
    }

    pub fn times(mut self, n: u64) -> FaultRule {
        self.count = Some(n);
        self
    }

    fn matches(&self, path: &str, tr_id: Option<&str>) -> bool {
        match &self.endpoint {
            None => true,
            Some(e) => tr_id == Some(e.as_str()) || path.contains(e.as_str()),
        }
    }

    /// Parses the CLI form `KIND[:k=v,...]`, e.g. `transient:rate=0.1`,
    /// `latency:ms=200,jitter=50,endpoint=inquire-price`, `hang:ms=30000`, `drop:count=3`,
    /// `transient:code=EGW00002`.
    pub fn parse(s: &str) -> Result<FaultRule, String> {
        let (kind, args) = match s.split_once(':') {
            Some((k, a)) => (k.trim(), a),
            None => (s.trim(), ""),
        };
        let mut kv = std::collections::BTreeMap::new();
        for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("fault {s:?}: expected key=value, got {part:?}"))?;
            kv.insert(k.trim().to_string(), v.trim().to_string());
        }
        let num = |k: &str| -> Result<Option<u64>, String> {
            kv.get(k)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("fault {s:?}: {k} must be a whole number, got {v:?}"))
                })
                .transpose()
        };
        let kind = match kind.replace('-', "_").as_str() {
            "transient" => FaultKind::Transient {
                code: kv.get("code").cloned(),
            },
            "latency" => FaultKind::Latency {
                ms: num("ms")?.unwrap_or(500),
                jitter_ms: num("jitter")?.or(num("jitter_ms")?).unwrap_or(0),
            },
            "hang" => FaultKind::Hang { ms: num("ms")? },
            "drop" => FaultKind::Drop,
            "truncate" => FaultKind::Truncate,
            "malformed" => FaultKind::Malformed,
            "html" => FaultKind::Html,
            "empty_rows" => FaultKind::EmptyRows,
            "rate_limit" | "ratelimit" => FaultKind::RateLimit,
            "bad_bar_high_low" => FaultKind::BadBarHighLow,
            "bad_bar_off_grid" => FaultKind::BadBarOffGrid,
            other => {
                return Err(format!(
                    "unknown fault {other:?}: expected transient, latency, hang, drop, truncate, \
                     malformed, html, empty_rows, rate_limit, bad_bar_high_low or bad_bar_off_grid"
                ));
            }
        };
        let rate = match kv.get("rate") {
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| format!("fault {s:?}: rate must be between 0 and 1, got {v:?}"))?,
            None => 1.0,
        };
        Ok(FaultRule {
            kind,
            endpoint: kv.get("endpoint").cloned(),
            rate,
            count: num("count")?,
        })
    }
}

/// The active rules.
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    rng: Mutex<fastrand::Rng>,
}

impl Faults {
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Faults {
        Faults {
            rules: Mutex::new(rules),
            rng: Mutex::new(fastrand::Rng::with_seed(seed ^ 0xFA17)),
        }
    }

    pub fn add(&self, rule: FaultRule) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The faults that fire for this request (consuming their counts).
    pub fn roll(&self, path: &str, tr_id: Option<&str>) -> Vec<FaultKind> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let mut fired = Vec::new();
        for r in rules.iter_mut() {
            if !r.matches(path, tr_id) || r.count == Some(0) {
                continue;
            }
            if r.rate >= 1.0 || rng.f64() < r.rate {
                fired.push(r.kind.clone());
                if let Some(c) = r.count.as_mut() {
                    *c -= 1;
                }
            }
        }
        rules.retain(|r| r.count != Some(0));
        fired
    }

    /// A jitter in [-j, +j] ms.
    pub fn jitter(&self, j: u64) -> i64 {
        if j == 0 {
            return 0;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.i64(-(j as i64)..=(j as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_forms_and_json() {
        let r = FaultRule::parse("latency:ms=200,jitter=50,endpoint=inquire-price").unwrap();
        assert_eq!(
            r.kind,
            FaultKind::Latency {
                ms: 200,
                jitter_ms: 50
            }
        );
        assert_eq!(r.endpoint.as_deref(), Some("inquire-price"));
        let r = FaultRule::parse("transient:rate=0.25,code=EGW00002").unwrap();
        assert_eq!(r.rate, 0.25);
        assert!(FaultRule::parse("gremlins").is_err());
        assert!(FaultRule::parse("transient:rate=2").is_err());
        let j: FaultRule =
            serde_json::from_str(r#"{"kind":"drop","endpoint":"FHKST01010100","count":2}"#)
                .unwrap();
        assert_eq!(j.kind, FaultKind::Drop);
        assert_eq!(j.count, Some(2));
        let f = Faults::new(vec![j], 1);
        assert_eq!(f.roll("/x", Some("FHKST01010100")).len(), 1);
        assert_eq!(f.roll("/x", Some("FHKST03010100")).len(), 0);
        assert_eq!(f.roll("/x", Some("FHKST01010100")).len(), 1);
        assert_eq!(f.roll("/x", Some("FHKST01010100")).len(), 0);
        assert!(f.list().is_empty());
    }
}

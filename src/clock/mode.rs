//! A clock that follows a mode: the real clock, frozen at an instant, or accelerated from a
//! starting instant; switchable at run time. kis-sim runs its market on it (`--clock`, the
//! admin route), and hoga follows the same syntax (`hoga --clock`) so the monitor, lookups and
//! the ingest can run in step with a simulator, a demo or (later) a replay.

use super::Clock;
use crate::market::kst_to_utc;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How the simulator's time runs.
#[derive(Clone, Debug, PartialEq)]
pub enum ClockMode {
    /// The wall clock.
    Real,
    /// Always this instant (tests move it with [`ModeClock::set`] / [`ModeClock::advance`]).
    Frozen(DateTime<Utc>),
    /// Starts at `start` and runs `factor` times faster than the wall clock.
    Accelerated { start: DateTime<Utc>, factor: f64 },
}

impl ClockMode {
    /// Parses `real`, `frozen:2026-11-26T10:30:00+09:00` (or `frozen:2026-11-26 10:30` KST),
    /// `accel:60` (from now) or `accel:60@2026-11-26 08:25`.
    pub fn parse(s: &str) -> Result<ClockMode, String> {
        let s = s.trim();
        if s == "real" {
            return Ok(ClockMode::Real);
        }
        if let Some(rest) = s.strip_prefix("frozen:") {
            return parse_instant(rest).map(ClockMode::Frozen);
        }
        if let Some(rest) = s.strip_prefix("accel:") {
            let (f, start) = match rest.split_once('@') {
                Some((f, at)) => (f, parse_instant(at)?),
                None => (rest, Utc::now()),
            };
            let factor: f64 = f
                .trim()
                .parse()
                .map_err(|_| format!("bad acceleration factor {f:?}: expected a number like 60"))?;
            if !(factor > 0.0 && factor <= 1_000_000.0) {
                return Err(format!(
                    "acceleration factor must be above 0 and at most 1000000, got {f}"
                ));
            }
            return Ok(ClockMode::Accelerated { start, factor });
        }
        Err(format!(
            "bad clock {s:?}: expected real, frozen:<instant> or accel:<factor>[@<instant>]"
        ))
    }
}

/// Parses an RFC 3339 instant, or a KST wall-clock time `YYYY-MM-DD HH:MM[:SS]` / `...THH:MM[:SS]`.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(kst_to_utc(local));
        }
    }
    Err(format!(
        "bad instant {s:?}: expected RFC 3339 or KST 'YYYY-MM-DD HH:MM[:SS]'"
    ))
}

#[derive(Debug)]
struct State {
    mode: ClockMode,
    /// Wall-clock reference for accelerated mode.
    origin: Instant,
}

/// A clock in a [`ClockMode`]. Cloning shares it.
#[derive(Clone, Debug)]
pub struct ModeClock(Arc<Mutex<State>>);

impl ModeClock {
    pub fn new(mode: ClockMode) -> ModeClock {
        ModeClock(Arc::new(Mutex::new(State {
            mode,
            origin: Instant::now(),
        })))
    }

    pub fn real() -> ModeClock {
        ModeClock::new(ClockMode::Real)
    }

    pub fn frozen(at: DateTime<Utc>) -> ModeClock {
        ModeClock::new(ClockMode::Frozen(at))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn mode(&self) -> ClockMode {
        self.lock().mode.clone()
    }

    /// Switches mode; an accelerated clock starts counting from now.
    pub fn set_mode(&self, mode: ClockMode) {
        let mut g = self.lock();
        g.mode = mode;
        g.origin = Instant::now();
    }

    /// Freezes the clock at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        self.set_mode(ClockMode::Frozen(at));
    }

    /// Moves the clock forward by `d` (freezing it at the new instant).
    pub fn advance(&self, d: Duration) {
        let now = self.now();
        self.set(now.checked_add_signed(d).unwrap_or(now));
    }
}

impl Clock for ModeClock {
    fn now(&self) -> DateTime<Utc> {
        let g = self.lock();
        match &g.mode {
            ClockMode::Real => Utc::now(),
            ClockMode::Frozen(t) => *t,
            ClockMode::Accelerated { start, factor } => {
                let real = g.origin.elapsed().as_secs_f64() * factor;
                start
                    .checked_add_signed(Duration::milliseconds((real * 1000.0) as i64))
                    .unwrap_or(*start)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes() {
        assert_eq!(ClockMode::parse("real"), Ok(ClockMode::Real));
        let f = ClockMode::parse("frozen:2026-11-26 10:30").unwrap();
        assert_eq!(
            f,
            ClockMode::Frozen(
                DateTime::parse_from_rfc3339("2026-11-26T01:30:00Z")
                    .unwrap()
                    .into()
            )
        );
        assert!(matches!(
            ClockMode::parse("accel:60@2026-11-26T08:25:00+09:00"),
            Ok(ClockMode::Accelerated { factor, .. }) if factor == 60.0
        ));
        assert!(ClockMode::parse("accel:-1").is_err());
        assert!(ClockMode::parse("sometimes").is_err());
    }

    #[test]
    fn frozen_and_advance() {
        let t = parse_instant("2026-11-26 10:00").unwrap();
        let c = ModeClock::frozen(t);
        assert_eq!(c.now(), t);
        c.advance(Duration::seconds(90));
        assert_eq!(c.now(), t + Duration::seconds(90));
    }
}

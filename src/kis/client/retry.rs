//! The retry policy, pure: whether a failed attempt is tried again and after how long. The call
//! path (`pipeline`) does the waiting; this decides, so every rule is tested without a clock.

use super::super::error::KisError;
use std::time::Duration;

/// No retry waits longer than this, however many attempts came before.
const MAX_DELAY: Duration = Duration::from_secs(5);
/// After an EGW00201 (rate limited) the first wait is at least this: the window must move.
const RATE_LIMITED_BASE: Duration = Duration::from_millis(200);

/// The client's retry settings.
#[derive(Clone, Copy, Debug)]
pub(super) struct Policy {
    pub max_retries: u32,
    /// The first delay; it doubles with each attempt up to [`MAX_DELAY`].
    pub base: Duration,
    /// The whole call, retries included, gives up rather than run past this.
    pub budget: Duration,
}

#[derive(Debug)]
pub(super) enum Next {
    /// Try again after the delay (the error is handed back for the log).
    Retry(Duration, KisError),
    /// Stop with this error.
    Fail(KisError),
}

/// After attempt `attempt` (0 = the first) failed with `e`, `elapsed` into the call: try again
/// after a delay, or stop with the error to report — the error itself when it is not worth a
/// retry or retries are off, else "gave up after N attempts" with the last error. `jitter`
/// spreads the delay (see [`jitter`]).
pub(super) fn next(
    e: KisError,
    attempt: u32,
    elapsed: Duration,
    p: &Policy,
    jitter: impl FnOnce(Duration) -> Duration,
) -> Next {
    if !e.is_retryable() {
        return Next::Fail(e);
    }
    if attempt >= p.max_retries {
        return Next::Fail(if attempt == 0 {
            e
        } else {
            exhausted(e, attempt)
        });
    }
    let base = if e.is_rate_limited() {
        p.base.max(RATE_LIMITED_BASE)
    } else {
        p.base
    };
    let delay = jitter(crate::clock::doubling(base, attempt, MAX_DELAY));
    if elapsed.saturating_add(delay) > p.budget {
        return Next::Fail(exhausted(e, attempt));
    }
    Next::Retry(delay, e)
}

fn exhausted(e: KisError, attempt: u32) -> KisError {
    KisError::Exhausted {
        attempts: attempt.saturating_add(1),
        last: Box::new(e),
    }
}

/// Between half and the whole of `d`, at random, so that clients retrying together spread out.
pub(super) fn jitter(d: Duration) -> Duration {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(ms / 2 + fastrand::u64(0..=ms / 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kis::error::codes;

    fn api(status: u16, code: &str) -> KisError {
        KisError::api("inquire-price", status, code, "m")
    }

    const P: Policy = Policy {
        max_retries: 3,
        base: Duration::from_millis(100),
        budget: Duration::from_secs(10),
    };

    fn exact(d: Duration) -> Duration {
        d
    }

    fn delay(n: Next) -> Option<Duration> {
        match n {
            Next::Retry(d, _) => Some(d),
            Next::Fail(_) => None,
        }
    }

    fn server_error() -> KisError {
        api(500, codes::SERVER_ERROR)
    }

    #[test]
    fn transient_failures_back_off_doubling_to_a_cap() {
        let d: Vec<Option<Duration>> = (0..3)
            .map(|n| delay(next(server_error(), n, Duration::ZERO, &P, exact)))
            .collect();
        assert_eq!(d, [100, 200, 400].map(|ms| Some(Duration::from_millis(ms))));
        let many = Policy {
            max_retries: 30,
            ..P
        };
        let late = next(server_error(), 20, Duration::ZERO, &many, exact);
        assert_eq!(delay(late), Some(MAX_DELAY));
    }

    #[test]
    fn rate_limits_wait_for_the_window_and_fatal_errors_stop_at_once() {
        let limited = api(500, codes::RATE_LIMITED);
        let d = delay(next(limited, 0, Duration::ZERO, &P, exact));
        assert_eq!(d, Some(RATE_LIMITED_BASE));
        match next(api(200, "OPSQ2002"), 0, Duration::ZERO, &P, exact) {
            Next::Fail(KisError::Api { .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retries_stop_at_the_count_and_within_the_budget() {
        match next(server_error(), 3, Duration::ZERO, &P, exact) {
            Next::Fail(e) => assert!(e.to_string().contains("gave up after 4 attempts"), "{e}"),
            other => panic!("{other:?}"),
        }
        match next(server_error(), 1, Duration::from_millis(9_900), &P, exact) {
            Next::Fail(e) => assert!(e.to_string().contains("gave up after 2 attempts"), "{e}"),
            other => panic!("{other:?}"),
        }
        // Retries off: the error itself, not "gave up after 1 attempt".
        let off = Policy {
            max_retries: 0,
            ..P
        };
        match next(server_error(), 0, Duration::ZERO, &off, exact) {
            Next::Fail(KisError::Api { .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn jitter_stays_between_half_and_whole() {
        for _ in 0..1_000 {
            let j = jitter(Duration::from_millis(400));
            assert!(j >= Duration::from_millis(200) && j <= Duration::from_millis(400));
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}

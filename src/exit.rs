//! The exit codes of every `hoga` mode, in one place (README: "Exit codes" under ingestion and
//! under the lookup commands).
//!
//! | code | monitor | lookups | ingest |
//! |---|---|---|---|
//! | 0 `Ok` | quit normally | answered | every stock stored (or had no trades) |
//! | 1 `Data` | stopped on an error | unknown code, nothing found, KIS unavailable | partial: failed stocks, rejected bars, interrupted |
//! | 2 `Config` | bad config, no terminal | bad arguments, credentials missing or refused | bad option, no credentials, store unusable, appkey refused |
//! | 3 `NothingFetched` | — | — | nothing could be fetched |
//!
//! `hoga stream` and `hoga alerts` exit 0 at `--duration` or on SIGINT/SIGTERM, 2 on a bad config,
//! refused credentials or (alerts) no rules at all.
//!
//! clap also exits 2 on bad arguments, and a panic in the monitor exits 101 (the panic hook).

use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// A data error at run time: some or all of what was asked could not be had.
    Data = 1,
    /// Usage, configuration or authentication error: running again unchanged will not help.
    Config = 2,
    /// An ingest that could fetch nothing at all.
    NothingFetched = 3,
}

impl Exit {
    /// The numeric code (as the ingest's JSON summary and `i32`-returning commands use it).
    pub const fn code(self) -> i32 {
        self as i32
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

impl From<Exit> for u8 {
    fn from(e: Exit) -> u8 {
        e as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_readme() {
        assert_eq!(Exit::Ok.code(), 0);
        assert_eq!(Exit::Data.code(), 1);
        assert_eq!(Exit::Config.code(), 2);
        assert_eq!(Exit::NothingFetched.code(), 3);
        assert_eq!(u8::from(Exit::Config), 2);
    }
}

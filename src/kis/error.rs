//! `KisError`: every way a KIS call can fail, typed, with the endpoint, `msg_cd` and `msg1` kept.
//! Messages are for people and never carry secrets (no appkey, appsecret or token).

use chrono::{DateTime, Utc};

/// Gateway codes worth naming (see KIS_API.md §5.2).
pub mod codes {
    pub const TEMPORARY: &str = "EGW00001";
    pub const SERVER_ERROR: &str = "EGW00002";
    pub const INVALID_TOKEN: &str = "EGW00121";
    pub const NO_TOKEN: &str = "EGW00122";
    pub const EXPIRED_TOKEN: &str = "EGW00123";
    pub const TOKEN_TOO_SOON: &str = "EGW00133";
    pub const RATE_LIMITED: &str = "EGW00201";
    pub const NO_SUCH_SERVICE: &str = "OPSQ0002";
}

/// A failed KIS call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KisError {
    /// Could not connect, the connection dropped, or the server did not answer in time.
    #[error("{endpoint}: network error: {message}")]
    Network {
        endpoint: String,
        message: String,
        timeout: bool,
    },
    /// KIS answered with an error envelope (`rt_cd` ≠ 0, or the token endpoint's `error_code`).
    #[error("{endpoint}: KIS error {msg_cd}: {msg1} (HTTP {status})")]
    Api {
        endpoint: String,
        status: u16,
        msg_cd: String,
        msg1: String,
    },
    /// The body could not be understood: HTML, truncated or malformed JSON, missing fields.
    #[error("{endpoint}: unreadable response (HTTP {status}, {msg_cd} {msg1}): {detail}")]
    Parse {
        endpoint: String,
        status: u16,
        msg_cd: String,
        msg1: String,
        detail: String,
        /// Garbage a gateway or a dropped connection leaves (a truncated body, an HTML error
        /// page, malformed JSON): worth retrying. A well-formed body of the wrong shape is not.
        transient: bool,
    },
    /// KIS answered, but the stock does not exist.
    #[error("{endpoint}: unknown stock code {code}")]
    NotFound { endpoint: String, code: String },
    /// The circuit breaker is open: KIS failed repeatedly and is left alone for a while.
    #[error(
        "KIS unavailable ({cause}; circuit breaker open) until {} KST",
        until.with_timezone(&crate::market::KST).format("%H:%M:%S")
    )]
    BreakerOpen {
        until: DateTime<Utc>,
        /// What the failures that opened it were, in words.
        cause: &'static str,
    },
    /// No appkey/appsecret configured.
    #[error("no KIS credentials configured (set KIS_APP_KEY and KIS_APP_SECRET)")]
    NoCredentials,
    /// The request queue is full; the caller should back off.
    #[error("request queue full ({0} waiting)")]
    Overloaded(usize),
    /// Gave up retrying within the configured budget; carries the last failure.
    #[error("{last} (gave up after {attempts} attempts)")]
    Exhausted { attempts: u32, last: Box<KisError> },
    /// Master-file download or local file trouble.
    #[error("{0}")]
    Io(String),
}

impl KisError {
    /// What went wrong, in words a trader reads in the status bar.
    pub fn cause(&self) -> &'static str {
        match self.root() {
            KisError::Network { timeout: true, .. } => "시간 초과 (timed out)",
            KisError::Network { message, .. } if message.starts_with("could not connect") => {
                "연결 거부 (connection refused)"
            }
            KisError::Network { .. } => "연결 끊김 (connection lost)",
            KisError::Api { .. } | KisError::Parse { .. } => "응답 오류 (bad answer)",
            KisError::BreakerOpen { cause, .. } => cause,
            _ => "오류 (error)",
        }
    }

    pub(crate) fn api(endpoint: &str, status: u16, msg_cd: &str, msg1: &str) -> KisError {
        KisError::Api {
            endpoint: endpoint.to_string(),
            status,
            msg_cd: msg_cd.trim().to_string(),
            msg1: msg1.trim().to_string(),
        }
    }

    /// The innermost error (through `Exhausted`).
    pub fn root(&self) -> &KisError {
        match self {
            KisError::Exhausted { last, .. } => last.root(),
            e => e,
        }
    }

    /// The KIS message code, when KIS gave one.
    pub fn msg_cd(&self) -> Option<&str> {
        match self.root() {
            KisError::Api { msg_cd, .. } => Some(msg_cd),
            KisError::Parse { msg_cd, .. } if !msg_cd.is_empty() => Some(msg_cd),
            _ => None,
        }
    }

    /// KIS said "too many requests per second" (EGW00201).
    pub fn is_rate_limited(&self) -> bool {
        self.msg_cd() == Some(codes::RATE_LIMITED)
    }

    /// The token was refused as expired or invalid during a call (replay after a refresh).
    pub fn is_token_rejected(&self) -> bool {
        matches!(
            self.msg_cd(),
            Some(codes::EXPIRED_TOKEN | codes::INVALID_TOKEN | codes::NO_TOKEN)
        )
    }

    /// Safe and transient: worth another attempt of the same request.
    pub fn is_retryable(&self) -> bool {
        match self {
            KisError::Network { .. } => true,
            KisError::Parse { transient, .. } => *transient,
            KisError::Api { status, msg_cd, .. } => {
                msg_cd == codes::RATE_LIMITED
                    || (*status >= 500
                        && (msg_cd == codes::TEMPORARY || msg_cd == codes::SERVER_ERROR))
            }
            _ => false,
        }
    }

    /// A failure that may pass by itself (network, server trouble, rate limit, open breaker):
    /// a cached value may stand in for it.
    pub fn is_transient(&self) -> bool {
        match self.root() {
            KisError::BreakerOpen { .. } | KisError::Overloaded(_) => true,
            KisError::Parse { .. } => true,
            KisError::Api { status, .. } if *status >= 500 && !self.is_auth() => {
                // A 5xx with a fatal code (bad parameter, unsupported service) will not pass.
                !self.is_fatal_code()
            }
            e => e.is_retryable(),
        }
    }

    /// Credentials missing or refused, or no token could be had.
    pub fn is_auth(&self) -> bool {
        match self.root() {
            KisError::NoCredentials => true,
            KisError::Api { msg_cd, .. } => matches!(
                msg_cd.as_str(),
                "EGW00102"
                    | "EGW00103"
                    | "EGW00104"
                    | "EGW00105"
                    | "EGW00121"
                    | "EGW00122"
                    | "EGW00123"
                    | "EGW00133"
                    | "EGW00205"
                    | "EGW00206"
                    | "EGW00207"
                    | "EGW02004"
            ),
            _ => false,
        }
    }

    /// The stock code is unknown.
    pub fn is_not_found(&self) -> bool {
        matches!(self.root(), KisError::NotFound { .. })
    }

    /// The service is not offered here (a real-only TR on the virtual server).
    pub fn is_unsupported(&self) -> bool {
        matches!(self.msg_cd(), Some(codes::NO_SUCH_SERVICE | "EGW00205"))
    }

    fn is_fatal_code(&self) -> bool {
        match self.msg_cd() {
            Some(c) => c.starts_with("OPSQ") || c == "IGW00007" || c == "EGW00101",
            None => false,
        }
    }

    /// Whether this failure says something about KIS's health (counts against the breaker).
    /// Rate limits, auth problems and bad requests do not: the server answered sensibly.
    pub fn counts_against_breaker(&self) -> bool {
        match self.root() {
            KisError::Network { .. } | KisError::Parse { .. } => true,
            KisError::Api { status, .. } => {
                *status >= 500
                    && !self.is_rate_limited()
                    && !self.is_auth()
                    && !self.is_fatal_code()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> KisError {
        KisError::api("inquire-price", status, code, "m")
    }

    #[test]
    fn classification() {
        assert!(api(500, codes::RATE_LIMITED).is_retryable());
        assert!(!api(500, codes::RATE_LIMITED).counts_against_breaker());
        assert!(api(500, codes::TEMPORARY).counts_against_breaker());
        assert!(
            !api(200, codes::TEMPORARY).is_retryable(),
            "only 5xx with EGW00001 is retried"
        );
        assert!(api(500, "EGW00103").is_auth());
        assert!(!api(500, "OPSQ0002").is_transient());
        assert!(api(503, "XYZ").is_transient());
        let ex = KisError::Exhausted {
            attempts: 3,
            last: Box::new(api(500, codes::SERVER_ERROR)),
        };
        assert_eq!(ex.msg_cd(), Some(codes::SERVER_ERROR));
        assert!(ex.is_transient());
        assert!(ex.to_string().contains("gave up after 3 attempts"));
    }
}

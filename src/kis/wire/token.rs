//! tokenP request and response bodies.

use super::Body;
use crate::kis::error::KisError;
use crate::market::kst_to_utc;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::json;

/// The JSON body of a tokenP request. Holds secrets: never log it.
pub fn token_request(appkey: &str, appsecret: &str) -> serde_json::Value {
    json!({"grant_type": "client_credentials", "appkey": appkey, "appsecret": appsecret})
}

/// An issued token.
#[derive(Clone)]
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Reads `access_token` and its expiry: `access_token_token_expired` (KST) when present,
/// otherwise `now + expires_in`.
pub fn issued(body: &Body, now: DateTime<Utc>) -> Result<Issued, KisError> {
    let token = match body.obj.get("access_token") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return Err(body.error("no access_token in the tokenP answer")),
    };
    let by_stamp = super::field(&body.obj, "access_token_token_expired")
        .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
        .map(kst_to_utc);
    let by_secs = super::int(&body.obj, "expires_in")
        .ok()
        .flatten()
        .map(|s| now + chrono::Duration::seconds(s));
    // A stamp in the past (seen by users after maintenance) loses to expires_in.
    let expires_at = match (by_stamp, by_secs) {
        (Some(a), Some(b)) if a <= now => b,
        (Some(a), _) => a,
        (None, Some(b)) => b,
        (None, None) => return Err(body.error("tokenP answer has no expiry")),
    };
    Ok(Issued { token, expires_at })
}

//! The WebSocket approval key (접속키, KIS_API.md §2.4, §13.3): issued by `POST
//! /oauth2/Approval` on the REST host, valid 24 h, used once per connection. Kept in the state
//! dir (0600, written atomically, tied to a hash of the appkey and of the WebSocket URL, like
//! the access token) and reused across reconnects and restarts; never one per subscribe.

use super::WsSettings;
use crate::kis::KisError;
use crate::kis::token::{sha256_hex, write_private};
use crate::kis::wire::{self, ws as wire_ws};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// How long KIS keeps an approval key valid.
const VALIDITY: Duration = Duration::hours(24);
/// A key this close to its end is not used for a new connection.
const MARGIN: Duration = Duration::minutes(10);

/// What the key file holds.
#[derive(Serialize, Deserialize)]
struct Persisted {
    approval_key: String,
    expires_at: DateTime<Utc>,
    appkey_sha256: String,
    ws_url_sha256: String,
}

/// The approval key of one appkey and WebSocket URL. `Debug` never shows the key.
pub(super) struct Approval {
    key: Option<(SecretString, DateTime<Utc>)>,
    loaded: bool,
    appkey_hash: String,
    url_hash: String,
}

impl Approval {
    pub(super) fn new(s: &WsSettings) -> Approval {
        Approval {
            key: None,
            loaded: false,
            appkey_hash: sha256_hex(s.appkey.expose_secret()),
            url_hash: sha256_hex(&s.ws_url),
        }
    }

    /// A key valid at `now`: the one in hand, the saved one, or a new one from KIS.
    pub(super) async fn get(
        &mut self,
        s: &WsSettings,
        http: &reqwest::Client,
        now: DateTime<Utc>,
    ) -> Result<SecretString, KisError> {
        if !self.loaded {
            self.loaded = true;
            self.key = self.load(s);
        }
        if let Some((key, expires)) = &self.key
            && now + MARGIN < *expires
        {
            return Ok(key.clone());
        }
        let key = issue(s, http).await?;
        let expires_at = now + VALIDITY;
        let saved = Persisted {
            approval_key: key.expose_secret().to_string(),
            expires_at,
            appkey_sha256: self.appkey_hash.clone(),
            ws_url_sha256: self.url_hash.clone(),
        };
        if let Err(e) = write_private(&s.approval_path, &saved) {
            tracing::warn!(error = %e, "could not save the WebSocket approval key");
        }
        self.key = Some((key.clone(), expires_at));
        Ok(key)
    }

    /// KIS refused the key (OPSP0011): forget it here and on disk.
    pub(super) fn forget(&mut self, s: &WsSettings) {
        self.key = None;
        if let Err(e) = std::fs::remove_file(&s.approval_path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, "could not remove the refused approval key");
        }
    }

    fn load(&self, s: &WsSettings) -> Option<(SecretString, DateTime<Utc>)> {
        let bytes = std::fs::read(&s.approval_path).ok()?;
        let p: Persisted = serde_json::from_slice(&bytes).ok()?;
        (p.appkey_sha256 == self.appkey_hash && p.ws_url_sha256 == self.url_hash).then(|| {
            tracing::debug!("reusing the saved WebSocket approval key");
            (SecretString::from(p.approval_key), p.expires_at)
        })
    }
}

impl std::fmt::Debug for Approval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let expires = self.key.as_ref().map(|(_, e)| *e);
        write!(f, "Approval(<redacted>, expires {expires:?})")
    }
}

async fn issue(s: &WsSettings, http: &reqwest::Client) -> Result<SecretString, KisError> {
    let endpoint = wire_ws::APPROVAL_ENDPOINT;
    let url = format!(
        "{}{}",
        s.rest_url.trim_end_matches('/'),
        wire_ws::APPROVAL_PATH
    );
    let body = wire_ws::approval_request(s.appkey.expose_secret(), s.appsecret.expose_secret());
    tracing::info!("requesting a KIS WebSocket approval key");
    let resp = http
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .json(&body)
        .send()
        .await
        .map_err(|e| crate::kis::http::network_error(endpoint, &e))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| crate::kis::http::network_error(endpoint, &e))?;
    let parsed = wire::parse_body(endpoint, status, &bytes)?;
    wire_ws::approval_key(&parsed).map(SecretString::from)
}

//! Access-token manager: one tokenP for any number of concurrent callers (single-flight),
//! persisted atomically with mode 0600 and reused across restarts, refreshed ahead of expiry,
//! never requested twice within the minimum interval (60 s) even when refused, and shared
//! between processes through Redis with an issue lock.

use super::coord::RedisCoord;
use super::error::{KisError, codes};
use super::metrics::Metrics;
use super::wire;
use crate::clock::SharedClock;
use crate::market::Env;
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A token handed to callers. `Debug` never shows it.
#[derive(Clone)]
pub struct Token {
    pub value: Arc<str>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(<redacted>, expires {})", self.expires_at)
    }
}

/// What the token file holds.
#[derive(Serialize, Deserialize)]
struct Persisted {
    token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    env: Env,
    /// sha256 of the appkey (hex): a token is only reused for the key that got it.
    appkey_sha256: String,
    /// sha256 of the base URL: a kis-sim token never goes to the real server.
    base_url_sha256: String,
    /// Last tokenP attempt, successful or not (the 60 s rule survives restarts).
    last_attempt: Option<DateTime<Utc>>,
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    last_attempt: Option<DateTime<Utc>>,
    loaded: bool,
    /// After tokenP failed in passing (network, 5xx): not before this instant, and how many
    /// such failures in a row. The one-a-minute rule is about tokens KIS issued; a failed
    /// request is tried again within seconds.
    retry: Option<(DateTime<Utc>, u32)>,
}

pub struct TokenSettings {
    pub base_url: String,
    pub env: Env,
    pub appkey: SecretString,
    pub appsecret: SecretString,
    pub state_dir: PathBuf,
    /// Refresh this long before expiry.
    pub refresh_margin: Duration,
    /// Never ask tokenP twice within this (KIS: one per minute).
    pub min_interval: Duration,
    /// Give up waiting for a token after this long.
    pub max_wait: std::time::Duration,
}

pub struct TokenManager {
    s: TokenSettings,
    http: reqwest::Client,
    clock: SharedClock,
    redis: Option<Arc<RedisCoord>>,
    metrics: Arc<Metrics>,
    state: Mutex<State>,
    flight: tokio::sync::Mutex<()>,
    key_hash: String,
    url_hash: String,
}

impl TokenManager {
    pub fn new(
        s: TokenSettings,
        http: reqwest::Client,
        clock: SharedClock,
        redis: Option<Arc<RedisCoord>>,
        metrics: Arc<Metrics>,
    ) -> TokenManager {
        let key_hash = sha256_hex(s.appkey.expose_secret());
        let url_hash = sha256_hex(&s.base_url);
        TokenManager {
            s,
            http,
            clock,
            redis,
            metrics,
            state: Mutex::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
            key_hash,
            url_hash,
        }
    }

    pub fn file_path(&self) -> PathBuf {
        self.s
            .state_dir
            .join(format!("kis-token-{}.json", self.s.env.label()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Expiry of the token in hand.
    pub fn expiry(&self) -> Option<DateTime<Utc>> {
        self.lock().token.as_ref().map(|t| t.expires_at)
    }

    fn fresh(&self, t: &Token, now: DateTime<Utc>) -> bool {
        now + self.s.refresh_margin < t.expires_at
    }

    fn usable(t: &Token, now: DateTime<Utc>) -> bool {
        now < t.expires_at
    }

    /// A valid token, issuing one if needed.
    pub async fn get(&self) -> Result<Token, KisError> {
        let now = self.clock.now();
        if let Some(t) = self.lock().token.clone()
            && self.fresh(&t, now)
        {
            return Ok(t);
        }
        let deadline = tokio::time::Instant::now() + self.s.max_wait;
        let _flight = self.flight.lock().await;
        loop {
            let now = self.clock.now();
            self.load_file_once();
            let (held, last_attempt) = {
                let g = self.lock();
                (g.token.clone(), g.last_attempt)
            };
            if let Some(t) = &held
                && self.fresh(t, now)
            {
                return Ok(t.clone());
            }
            // Another process may have refreshed it.
            if let Some(t) = self.shared_token(now).await {
                return Ok(t);
            }
            // Inside the minimum interval (or a short back-off after a failed request): keep
            // using a still-valid token, or wait.
            let retry_at = self.lock().retry.map(|(at, _)| at);
            let next_allowed = match (last_attempt.map(|a| a + self.s.min_interval), retry_at) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if let Some(at) = next_allowed
                && now < at
            {
                if let Some(t) = held.filter(|t| Self::usable(t, now)) {
                    return Ok(t);
                }
                self.wait_until(at, deadline).await?;
                continue;
            }
            // Cross-process issue lock; it also holds the minimum interval for everyone.
            if let Some(r) = &self.redis {
                match r
                    .try_lock(
                        "token-lock",
                        self.s.min_interval.to_std().unwrap_or_default(),
                    )
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        if let Some(t) = held.filter(|t| Self::usable(t, now)) {
                            return Ok(t);
                        }
                        self.wait_for_peer(r, deadline).await?;
                        continue;
                    }
                    Err(_) => {} // Redis down: act alone.
                }
            }
            match self.issue(now).await {
                Ok(t) => return Ok(t),
                Err(e) if e.msg_cd() == Some(codes::TOKEN_TOO_SOON) => {
                    tracing::warn!("tokenP refused (one per minute): waiting before asking again");
                    if let Some(t) = held.filter(|t| Self::usable(t, self.clock.now())) {
                        return Ok(t);
                    }
                    continue;
                }
                Err(e) => {
                    if let Some(t) = held.filter(|t| Self::usable(t, self.clock.now())) {
                        tracing::warn!(error = %e, "token refresh failed; keeping the current token");
                        return Ok(t);
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn wait_until(
        &self,
        at: DateTime<Utc>,
        deadline: tokio::time::Instant,
    ) -> Result<(), KisError> {
        let wait = (at - self.clock.now()).to_std().unwrap_or_default();
        let until = tokio::time::Instant::now() + wait;
        if until > deadline {
            tokio::time::sleep_until(deadline).await;
            return Err(KisError::api(
                wire::request::TOKEN_ENDPOINT,
                403,
                codes::TOKEN_TOO_SOON,
                "token issuance is limited to one per minute; still waiting",
            ));
        }
        tokio::time::sleep(wait + std::time::Duration::from_millis(5)).await;
        Ok(())
    }

    async fn wait_for_peer(
        &self,
        r: &RedisCoord,
        deadline: tokio::time::Instant,
    ) -> Result<(), KisError> {
        loop {
            if tokio::time::Instant::now() >= deadline {
                return Err(KisError::api(
                    wire::request::TOKEN_ENDPOINT,
                    403,
                    codes::TOKEN_TOO_SOON,
                    "another process holds the token lock; no token yet",
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if self.shared_token(self.clock.now()).await.is_some() {
                return Ok(());
            }
            match r.pttl("token-lock").await {
                Ok(ms) if ms > 0 => {}
                _ => return Ok(()),
            }
        }
    }

    async fn shared_token(&self, now: DateTime<Utc>) -> Option<Token> {
        let r = self.redis.as_ref()?;
        let text = r.get("token").await.ok()??;
        let p: SharedToken = serde_json::from_str(&text).ok()?;
        let t = Token {
            value: p.token.into(),
            expires_at: p.expires_at,
        };
        if !self.fresh(&t, now) {
            return None;
        }
        let mut g = self.lock();
        g.token = Some(t.clone());
        let last = g.last_attempt;
        drop(g);
        self.save_file(Some(&t), last);
        Some(t)
    }

    /// One tokenP request. It counts as this minute's issuance from the moment it is sent
    /// (another process must not ask meanwhile); if it failed in passing (no answer, a 5xx),
    /// KIS issued nothing, so the minute is given back and the next try comes after a short,
    /// doubling back-off instead.
    async fn issue(&self, now: DateTime<Utc>) -> Result<Token, KisError> {
        let previous = self.lock().last_attempt;
        let r = self.request_token(now).await;
        match &r {
            Ok(_) => self.lock().retry = None,
            Err(e) if e.is_transient() && e.msg_cd() != Some(codes::TOKEN_TOO_SOON) => {
                let held = {
                    let mut g = self.lock();
                    let failures = g.retry.map_or(0, |(_, n)| n).saturating_add(1);
                    let wait = crate::clock::doubling(
                        std::time::Duration::from_secs(1),
                        failures - 1,
                        std::time::Duration::from_secs(30),
                    );
                    let at = now + chrono::Duration::from_std(wait).unwrap_or_default();
                    g.retry = Some((at, failures));
                    g.last_attempt = previous;
                    g.token.clone()
                };
                self.save_file(held.as_ref(), previous);
                if let Some(redis) = &self.redis {
                    let _ = redis.unlock("token-lock").await;
                }
                tracing::warn!(error = %e, "tokenP failed in passing; trying again shortly");
            }
            Err(_) => {}
        }
        r
    }

    async fn request_token(&self, now: DateTime<Utc>) -> Result<Token, KisError> {
        self.lock().last_attempt = Some(now);
        let held = self.lock().token.clone();
        self.save_file(held.as_ref(), Some(now));
        let url = format!("{}{}", self.s.base_url, wire::request::TOKEN_PATH);
        let body = wire::token::token_request(
            self.s.appkey.expose_secret(),
            self.s.appsecret.expose_secret(),
        );
        tracing::info!(env = self.s.env.label(), "requesting a KIS access token");
        let resp = self
            .http
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .json(&body)
            .send()
            .await
            .map_err(|e| super::http::network_error(wire::request::TOKEN_ENDPOINT, &e))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| super::http::network_error(wire::request::TOKEN_ENDPOINT, &e))?;
        let parsed = wire::parse_body(wire::request::TOKEN_ENDPOINT, status, &bytes)?;
        let issued = wire::token::issued(&parsed, self.clock.now())?;
        Metrics::inc(&self.metrics.tokens_issued);
        let t = Token {
            value: issued.token.into(),
            expires_at: issued.expires_at,
        };
        self.lock().token = Some(t.clone());
        self.save_file(Some(&t), Some(now));
        if let Some(r) = &self.redis {
            let shared = SharedToken {
                token: t.value.to_string(),
                expires_at: t.expires_at,
            };
            if let (Ok(text), Ok(ttl)) = (
                serde_json::to_string(&shared),
                (t.expires_at - self.clock.now()).to_std(),
            ) {
                let _ = r.set_px("token", &text, ttl).await;
            }
        }
        tracing::info!(expires = %t.expires_at, "KIS access token ready");
        Ok(t)
    }

    /// The server refused `bad` (expired or invalid) mid-flight: forget it everywhere, so the
    /// next `get` issues a new one. A newer token already in hand is kept.
    pub async fn invalidate(&self, bad: &Token) {
        {
            let mut g = self.lock();
            if g.token.as_ref().is_some_and(|t| t.value == bad.value) {
                g.token = None;
            }
            // The refused token does not count as a recent issuance.
            let last = g.last_attempt;
            drop(g);
            self.save_file(None, last);
        }
        if let Some(r) = &self.redis
            && let Ok(Some(text)) = r.get("token").await
            && let Ok(p) = serde_json::from_str::<SharedToken>(&text)
            && *p.token == *bad.value
        {
            let _ = r.del("token").await;
        }
    }

    fn load_file_once(&self) {
        if self.lock().loaded {
            return;
        }
        let path = self.file_path();
        let parsed = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Persisted>(&b).ok());
        let mut g = self.lock();
        g.loaded = true;
        let Some(p) = parsed else {
            return;
        };
        if p.env != self.s.env
            || p.appkey_sha256 != self.key_hash
            || p.base_url_sha256 != self.url_hash
        {
            return;
        }
        g.last_attempt = match (g.last_attempt, p.last_attempt) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if g.token.is_none()
            && let (Some(tok), Some(exp)) = (p.token, p.expires_at)
        {
            g.token = Some(Token {
                value: tok.into(),
                expires_at: exp,
            });
            tracing::debug!(path = %path.display(), "reusing the saved KIS token");
        }
    }

    fn save_file(&self, t: Option<&Token>, last_attempt: Option<DateTime<Utc>>) {
        let p = Persisted {
            token: t.map(|t| t.value.to_string()),
            expires_at: t.map(|t| t.expires_at),
            env: self.s.env,
            appkey_sha256: self.key_hash.clone(),
            base_url_sha256: self.url_hash.clone(),
            last_attempt,
        };
        if let Err(e) = write_private(&self.file_path(), &p) {
            tracing::warn!(error = %e, "could not save the KIS token file");
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SharedToken {
    token: String,
    expires_at: DateTime<Utc>,
}

/// Writes JSON to `path` atomically (temp file + rename) with mode 0600.
pub(crate) fn write_private<T: Serialize>(path: &std::path::Path, v: &T) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    // A missing state dir (another appkey's, `accounts/N`) is created private: 0700.
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("token"),
        fastrand::u64(..)
    ));
    let bytes = serde_json::to_vec(v).map_err(std::io::Error::other)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    let res = f.write_all(&bytes).and_then(|_| f.sync_all());
    drop(f);
    if let Err(e) = res.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_is_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/t.json");
        write_private(&path, &serde_json::json!({"a": 1})).unwrap();
        write_private(&path, &serde_json::json!({"a": 2})).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, r#"{"a":2}"#);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temp files left behind.
        let n = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(n, 1);
    }

    #[test]
    fn debug_hides_the_token() {
        let t = Token {
            value: "secret-token-value".into(),
            expires_at: Utc::now(),
        };
        assert!(!format!("{t:?}").contains("secret"));
    }
}

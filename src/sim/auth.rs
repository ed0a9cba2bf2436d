//! OAuth as KIS does it: one token per appkey, 24 h lifetime (configurable), the same token
//! again within 6 h, at most one tokenP per minute per appkey (EGW00133), revocation.
//! Times are read from the simulator clock so tests move time instead of sleeping.

use crate::sim::hash::{hash, mix, word};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// The documented test credentials kis-sim accepts by default (36-char key, 180-char secret).
pub const TEST_APP_KEY: &str = "PSU8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool";
pub const TEST_APP_SECRET: &str = "HyGcFRl1SPnXNYvMIHa/2o76umfXfKm/r5kJP1VrT+1FJors/6ILi8IHn5kxsC7tVO/HbkQfyy/KV5zjR3j1twdTKWTddB+XhkAS1voQG6yyzyN9zHYIa4UOrGNATMuDJawTgsu8PO+799nKSNrh9UCauSDmLhuVtcqcYezdZ/tDDj8hYs5s";

/// A second test pair kis-sim also accepts by default, so tests can run two appkeys (each with
/// its own token and budget) against one server.
pub const TEST_APP_KEY_2: &str = "PSQ2mTzhY7vKc0Wn4RbXs9LdE3uJfGa1oP6i";
pub const TEST_APP_SECRET_2: &str = "Zt7Qw2Xn8Vb4Mk1Lp9Rc3Jh6Fg5Ds0Ae2Wy8Ui4Ot7Pm1Nl3Kb9Hj5Gf6Cd2Sx0Za8Qe4Rv7Tw1Yu3Io5Pa9Lk2Mj6Nh8Bg0Vf4Cx7Dz1Es3Wq5Ra9Ty2Ui6Op8As0Dk4Fj7Gl1Hh3Jz5Kx9Lc2Vb6Nm8Mq0We4Rt7Yu1Ip3Oa5Sd9Xq2Wz8";

/// Timing rules (defaults are KIS's).
#[derive(Clone, Debug)]
pub struct AuthRules {
    pub ttl: Duration,
    /// Within this age a new tokenP returns the same token.
    pub reuse: Duration,
    /// Minimum interval between tokenP calls per appkey.
    pub issue_interval: Duration,
    /// Lifetime of a WebSocket approval key (KIS: 24 h, §13.3).
    pub approval_ttl: Duration,
    /// Minimum interval between `/oauth2/Approval` calls per appkey (KIS: 1 a second).
    pub approval_interval: Duration,
}

impl Default for AuthRules {
    fn default() -> Self {
        AuthRules {
            ttl: Duration::hours(24),
            reuse: Duration::hours(6),
            issue_interval: Duration::seconds(60),
            approval_ttl: Duration::hours(24),
            approval_interval: Duration::seconds(1),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    pub appkey_tail: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Clone, Debug)]
struct TokenRec {
    token: String,
    appkey: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked: bool,
}

/// What tokenP answers.
#[derive(Debug, PartialEq)]
pub enum Issue {
    /// (token, expiry, seconds left, newly issued?)
    Ok {
        token: String,
        expires_at: DateTime<Utc>,
        expires_in: i64,
        fresh: bool,
    },
    BadKey,
    BadSecret,
    TooSoon,
}

/// Why a bearer token was refused.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Refusal {
    Invalid,
    Expired,
}

#[derive(Default)]
struct Inner {
    /// appkey → current token
    current: HashMap<String, TokenRec>,
    /// token → record (old tokens stay known so they are "expired"/"invalid" correctly)
    by_token: HashMap<String, TokenRec>,
    /// Last tokenP per appkey: simulated instant and wall-clock instant.
    last_call: HashMap<String, (DateTime<Utc>, std::time::Instant)>,
    counter: u64,
    /// appkey → its current approval key and expiry.
    approvals: HashMap<String, (String, DateTime<Utc>)>,
    /// approval key → (appkey, expiry); old keys stay known so they read as expired.
    by_approval: HashMap<String, (String, DateTime<Utc>)>,
    /// Last `/oauth2/Approval` per appkey: simulated and wall-clock instants.
    last_approval: HashMap<String, (DateTime<Utc>, std::time::Instant)>,
}

/// What `/oauth2/Approval` answers.
#[derive(Debug, PartialEq)]
pub enum ApprovalIssue {
    /// The key, and whether it is new (else the appkey's live key again).
    Ok {
        key: String,
        fresh: bool,
    },
    BadKey,
    BadSecret,
    /// Asked again within `approval_interval`.
    TooSoon,
}

pub struct Auth {
    keys: HashMap<String, String>,
    rules: Mutex<AuthRules>,
    seed: u64,
    inner: Mutex<Inner>,
}

impl Auth {
    pub fn new(keys: &[(String, String)], rules: AuthRules, seed: u64) -> Auth {
        Auth {
            keys: keys.iter().cloned().collect(),
            rules: Mutex::new(rules),
            seed,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn rules(&self) -> AuthRules {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_ttl(&self, ttl: Duration) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).ttl = ttl;
    }

    /// Whether (appkey, appsecret) is a configured pair: (key known, secret matches).
    pub fn check_key(&self, appkey: &str, secret: &str) -> (bool, bool) {
        match self.keys.get(appkey) {
            Some(s) => (true, s == secret),
            None => (false, false),
        }
    }

    pub fn key_known(&self, appkey: &str) -> bool {
        self.keys.contains_key(appkey)
    }

    /// POST /oauth2/tokenP.
    pub fn issue(&self, appkey: &str, secret: &str, now: DateTime<Utc>) -> Issue {
        match self.check_key(appkey, secret) {
            (false, _) => return Issue::BadKey,
            (true, false) => return Issue::BadSecret,
            _ => {}
        }
        let rules = self.rules();
        let mut g = self.lock();
        // The guard lifts when a minute has passed on either clock: tests move the sim clock,
        // while a client waiting in real time against a frozen sim must not wait forever.
        if let Some((last, real)) = g.last_call.get(appkey)
            && now - *last < rules.issue_interval
            && now >= *last
            && real.elapsed() < rules.issue_interval.to_std().unwrap_or_default()
        {
            return Issue::TooSoon;
        }
        g.last_call
            .insert(appkey.to_string(), (now, std::time::Instant::now()));
        if let Some(cur) = g.current.get(appkey)
            && !cur.revoked
            && now < cur.expires_at
            && now - cur.issued_at < rules.reuse
        {
            return Issue::Ok {
                token: cur.token.clone(),
                expires_at: cur.expires_at,
                expires_in: (cur.expires_at - now).num_seconds(),
                fresh: false,
            };
        }
        g.counter += 1;
        let token = make_jwt(
            appkey,
            now,
            now + rules.ttl,
            hash(&[self.seed, g.counter, word(appkey)]),
        );
        let rec = TokenRec {
            token: token.clone(),
            appkey: appkey.to_string(),
            issued_at: now,
            expires_at: now + rules.ttl,
            revoked: false,
        };
        g.current.insert(appkey.to_string(), rec.clone());
        g.by_token.insert(token.clone(), rec);
        Issue::Ok {
            token,
            expires_at: now + rules.ttl,
            expires_in: rules.ttl.num_seconds(),
            fresh: true,
        }
    }

    /// Checks a bearer token presented with `appkey`.
    pub fn validate(&self, token: &str, appkey: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
        let g = self.lock();
        let Some(rec) = g.by_token.get(token) else {
            return Err(Refusal::Invalid);
        };
        if rec.appkey != appkey || rec.revoked {
            return Err(Refusal::Invalid);
        }
        if now >= rec.expires_at {
            return Err(Refusal::Expired);
        }
        Ok(())
    }

    /// POST /oauth2/revokeP: true if the token was live and belonged to `appkey`.
    pub fn revoke(&self, appkey: &str, token: &str) -> bool {
        let mut g = self.lock();
        let ok = matches!(g.by_token.get(token), Some(r) if r.appkey == appkey && !r.revoked);
        if ok {
            if let Some(r) = g.by_token.get_mut(token) {
                r.revoked = true;
            }
            if let Some(r) = g.current.get_mut(appkey)
                && r.token == token
            {
                r.revoked = true;
            }
        }
        ok
    }

    /// Fault: every live token expires at `now` (early expiry). Returns how many.
    pub fn expire_all(&self, now: DateTime<Utc>) -> usize {
        let mut g = self.lock();
        let mut n = 0;
        for r in g.by_token.values_mut() {
            if r.expires_at > now {
                r.expires_at = now;
                n += 1;
            }
        }
        for r in g.current.values_mut() {
            r.expires_at = r.expires_at.min(now);
        }
        n
    }

    /// Fault: revoke every token (server-side invalidation, e.g. KIS maintenance).
    pub fn revoke_all(&self) -> usize {
        let mut g = self.lock();
        let mut n = 0;
        for r in g.by_token.values_mut() {
            if !r.revoked {
                r.revoked = true;
                n += 1;
            }
        }
        for r in g.current.values_mut() {
            r.revoked = true;
        }
        n
    }

    /// POST /oauth2/Approval: the appkey's live approval key again, or a new one; at most one
    /// call a second per appkey (either clock lifts the guard, as for tokenP).
    pub fn approval(&self, appkey: &str, secret: &str, now: DateTime<Utc>) -> ApprovalIssue {
        match self.check_key(appkey, secret) {
            (false, _) => return ApprovalIssue::BadKey,
            (true, false) => return ApprovalIssue::BadSecret,
            _ => {}
        }
        let rules = self.rules();
        let mut g = self.lock();
        if let Some((last, real)) = g.last_approval.get(appkey)
            && now - *last < rules.approval_interval
            && now >= *last
            && real.elapsed() < rules.approval_interval.to_std().unwrap_or_default()
        {
            return ApprovalIssue::TooSoon;
        }
        g.last_approval
            .insert(appkey.to_string(), (now, std::time::Instant::now()));
        if let Some((key, expires)) = g.approvals.get(appkey)
            && now < *expires
        {
            return ApprovalIssue::Ok {
                key: key.clone(),
                fresh: false,
            };
        }
        g.counter += 1;
        let h = hash(&[self.seed, g.counter, word(appkey), word("approval")]);
        let h2 = mix(h);
        let key = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (h >> 32) as u32,
            (h >> 16) as u16,
            h as u16,
            (h2 >> 48) as u16,
            h2 & 0xFFFF_FFFF_FFFF
        );
        let expires = now + rules.approval_ttl;
        g.approvals
            .insert(appkey.to_string(), (key.clone(), expires));
        g.by_approval
            .insert(key.clone(), (appkey.to_string(), expires));
        ApprovalIssue::Ok { key, fresh: true }
    }

    /// The appkey an approval key was issued to, and whether the key is still live at `now`.
    pub fn approval_owner(&self, key: &str, now: DateTime<Utc>) -> Option<(String, bool)> {
        self.lock()
            .by_approval
            .get(key)
            .map(|(appkey, expires)| (appkey.clone(), now < *expires))
    }

    /// Fault: every approval key expires at `now`. Returns how many were live.
    pub fn expire_approvals(&self, now: DateTime<Utc>) -> usize {
        let mut g = self.lock();
        let mut n = 0;
        for (_, exp) in g.by_approval.values_mut() {
            if *exp > now {
                *exp = now;
                n += 1;
            }
        }
        for (_, exp) in g.approvals.values_mut() {
            *exp = (*exp).min(now);
        }
        n
    }

    /// Forget the per-minute issuance guard (tests that need a fresh token quickly).
    pub fn reset_issue_guard(&self) {
        let mut g = self.lock();
        g.last_call.clear();
        g.last_approval.clear();
    }

    pub fn tokens(&self) -> Vec<TokenInfo> {
        self.lock()
            .current
            .values()
            .map(|r| TokenInfo {
                appkey_tail: r
                    .appkey
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect(),
                issued_at: r.issued_at,
                expires_at: r.expires_at,
                revoked: r.revoked,
            })
            .collect()
    }
}

/// A JWT-shaped token like KIS's (HS512 header; claims sub, aud, prdt_cd, iss, exp, iat, jti).
fn make_jwt(appkey: &str, iat: DateTime<Utc>, exp: DateTime<Utc>, salt: u64) -> String {
    let header = b64url(br#"{"typ":"JWT","alg":"HS512"}"#);
    let aud = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (salt >> 32) as u32,
        (salt >> 16) as u16,
        salt as u16,
        (mix(salt) >> 48) as u16,
        mix(salt) & 0xFFFF_FFFF_FFFF
    );
    let claims = format!(
        r#"{{"sub":"token","aud":"{aud}","prdt_cd":"","iss":"unogw","exp":{},"iat":{},"jti":"{appkey}"}}"#,
        exp.timestamp(),
        iat.timestamp()
    );
    let mut sig = Vec::with_capacity(64);
    let mut h = salt;
    for _ in 0..8 {
        h = mix(h ^ 0x5EED);
        sig.extend_from_slice(&h.to_le_bytes());
    }
    format!("{header}.{}.{}", b64url(claims.as_bytes()), b64url(&sig))
}

/// Base64url without padding.
pub fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 3);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_credentials_have_kis_lengths() {
        assert_eq!(TEST_APP_KEY.len(), 36);
        assert!(TEST_APP_KEY.starts_with("PS"));
        assert_eq!(TEST_APP_SECRET.len(), 180);
        assert_eq!(
            b64url(br#"{"typ":"JWT","alg":"HS512"}"#),
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9"
        );
    }

    #[test]
    fn reuse_limit_and_expiry() {
        let keys = vec![(TEST_APP_KEY.to_string(), TEST_APP_SECRET.to_string())];
        let a = Auth::new(&keys, AuthRules::default(), 1);
        let t0 = Utc::now();
        let Issue::Ok {
            token, fresh: true, ..
        } = a.issue(TEST_APP_KEY, TEST_APP_SECRET, t0)
        else {
            panic!("first issue")
        };
        assert!(token.len() > 300 && token.len() <= 350, "{}", token.len());
        assert_eq!(
            a.issue(TEST_APP_KEY, TEST_APP_SECRET, t0 + Duration::seconds(30)),
            Issue::TooSoon
        );
        let Issue::Ok {
            token: t2,
            fresh: false,
            ..
        } = a.issue(TEST_APP_KEY, TEST_APP_SECRET, t0 + Duration::hours(5))
        else {
            panic!("reuse")
        };
        assert_eq!(t2, token);
        let Issue::Ok {
            token: t3,
            fresh: true,
            ..
        } = a.issue(TEST_APP_KEY, TEST_APP_SECRET, t0 + Duration::hours(7))
        else {
            panic!("new after 6h")
        };
        assert_ne!(t3, token);
        assert_eq!(
            a.validate(&t3, TEST_APP_KEY, t0 + Duration::hours(8)),
            Ok(())
        );
        assert_eq!(
            a.validate(&t3, TEST_APP_KEY, t0 + Duration::hours(31)),
            Err(Refusal::Expired)
        );
        assert_eq!(a.validate("nope", TEST_APP_KEY, t0), Err(Refusal::Invalid));
        assert_eq!(a.issue("PSbad", TEST_APP_SECRET, t0), Issue::BadKey);
    }
}

//! The last second of requests, handed from one process to the next on the same key: a
//! `hoga quote` run right after an ingest that used the whole budget must not open with a
//! burst into the window the ingest filled (KIS counts per appkey, not per process). Written
//! when a client is dropped, read when the next one starts; Redis, when configured, covers
//! the same ground for processes that run at the same time.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Serialize, Deserialize, Default)]
struct Recent {
    /// Latest possible arrival of each request, Unix milliseconds.
    sent_ms: Vec<u64>,
}

/// `<state dir>/kis-recent-<env>-<key and server hash>.json`.
pub fn path(state_dir: &Path, env: &str, key_hash: &str) -> PathBuf {
    state_dir.join(format!("kis-recent-{env}-{key_hash}.json"))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// How long ago each recorded request arrived; unreadable or missing files count as none.
pub fn load(path: &Path) -> Vec<Duration> {
    let Ok(text) = std::fs::read(path) else {
        return Vec::new();
    };
    let Ok(r) = serde_json::from_slice::<Recent>(&text) else {
        return Vec::new();
    };
    let now = now_ms();
    r.sent_ms
        .into_iter()
        .filter(|t| *t <= now)
        .map(|t| Duration::from_millis(now - t))
        .filter(|age| *age < Duration::from_secs(2))
        .collect()
}

/// Records requests that arrived `ages` ago. Nothing recent: nothing written.
pub fn save(path: &Path, ages: &[Duration]) {
    if ages.is_empty() {
        return;
    }
    let now = now_ms();
    let r = Recent {
        sent_ms: ages
            .iter()
            .map(|a| now.saturating_sub(a.as_millis() as u64))
            .collect(),
    };
    if let Err(e) = super::token::write_private(path, &r) {
        tracing::debug!(error = %e, path = %path.display(), "could not record recent requests");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_recent_and_drops_old_or_broken() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), "real", "abc");
        assert!(load(&p).is_empty());
        save(&p, &[Duration::from_millis(300), Duration::from_millis(20)]);
        let ages = load(&p);
        assert_eq!(ages.len(), 2);
        assert!(ages[0] >= Duration::from_millis(300) && ages[0] < Duration::from_millis(400));
        std::fs::write(&p, br#"{"sent_ms":[1]}"#).unwrap();
        assert!(load(&p).is_empty(), "1970 is not recent");
        std::fs::write(&p, b"<html>").unwrap();
        assert!(load(&p).is_empty());
    }
}

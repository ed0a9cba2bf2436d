//! Picks the data source: KIS when credentials are configured (or `--source kis`), otherwise
//! the simulated market (or `--source mock`). KIS gets the Redis/memory cache in front.

use super::kis::KisSource;
use super::mock::MockSource;
use super::{DataSource, SourceError};
use crate::cache::{self, CachePolicy};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::kis::{ClientOptions, KisClient};
use crate::paths::Paths;
use std::sync::Arc;

/// Which source the user asked for (`--source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SourceChoice {
    /// KIS when credentials are configured, else the simulated market.
    #[default]
    Auto,
    Kis,
    Mock,
}

/// What `build` resolved `Auto` to.
pub fn resolve(cfg: &Config, choice: SourceChoice) -> SourceChoice {
    match choice {
        SourceChoice::Auto if cfg.kis.has_credentials() => SourceChoice::Kis,
        SourceChoice::Auto => SourceChoice::Mock,
        other => other,
    }
}

/// A KIS source: the client (token, limiter, retry, breaker) behind the tiered cache. Each
/// request says its own priority and freshness.
pub fn kis_source(
    cfg: &Config,
    paths: &Paths,
    clock: SharedClock,
) -> Result<KisSource, SourceError> {
    if !cfg.kis.has_credentials() {
        return Err(SourceError::Auth(
            "no KIS credentials configured: set KIS_APP_KEY and KIS_APP_SECRET (or [kis] \
             app_key/app_secret), or use --source mock"
                .to_string(),
        ));
    }
    let mut opts = ClientOptions::from_config(cfg, paths);
    opts.clock = clock.clone();
    let client = KisClient::new(cfg, opts).map_err(SourceError::from)?;
    Ok(over_client(cfg, client, clock))
}

/// The KIS source over an existing client, with the cache `cfg` configures under the keys
/// every source on the same base URL uses.
pub fn over_client(cfg: &Config, client: KisClient, clock: SharedClock) -> KisSource {
    let cache = Arc::new(cache::from_config(cfg, clock.clone()));
    KisSource::new(
        client,
        cache,
        CachePolicy::new(&cfg.cache),
        &cache_prefix(cfg),
        clock,
    )
}

/// `[redis] key_prefix`, plus a short hash of the base URL when it is not one of KIS's own hosts
/// (kis-sim, a proxy): a simulated price must never be served as a real one from a shared Redis.
pub fn cache_prefix(cfg: &Config) -> String {
    use sha2::{Digest, Sha256};
    let prefix = cfg.redis.key_prefix.trim().trim_end_matches(':');
    let prefix = if prefix.is_empty() { "kis" } else { prefix };
    let url = cfg.kis.effective_base_url();
    if url == crate::config::REAL_BASE_URL || url == crate::config::VIRTUAL_BASE_URL {
        prefix.to_string()
    } else {
        let digest = Sha256::digest(url.as_bytes());
        format!("{prefix}:{}", hex::encode(&digest[..4]))
    }
}

/// The source for this run.
pub fn build(
    cfg: &Config,
    paths: &Paths,
    choice: SourceChoice,
    clock: SharedClock,
) -> Result<Arc<dyn DataSource>, SourceError> {
    match resolve(cfg, choice) {
        SourceChoice::Mock => mock_source(cfg, clock),
        _ => Ok(Arc::new(kis_source(cfg, paths, clock)?)),
    }
}

/// The simulated market, on the same seed as a default kis-sim so the two agree.
fn mock_source(_cfg: &Config, clock: SharedClock) -> Result<Arc<dyn DataSource>, SourceError> {
    Ok(Arc::new(MockSource::new(MOCK_SEED, clock)))
}

/// kis-sim's default seed.
pub const MOCK_SEED: u64 = 1;

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn auto_picks_kis_only_with_credentials() {
        let mut cfg = Config::default();
        assert_eq!(resolve(&cfg, SourceChoice::Auto), SourceChoice::Mock);
        cfg.kis.app_key = Some(SecretString::from("k".to_string()));
        cfg.kis.app_secret = Some(SecretString::from("s".to_string()));
        assert_eq!(resolve(&cfg, SourceChoice::Auto), SourceChoice::Kis);
        assert_eq!(resolve(&cfg, SourceChoice::Mock), SourceChoice::Mock);
    }

    #[test]
    fn cache_keys_of_other_hosts_never_mix_with_kis() {
        let mut cfg = Config::default();
        assert_eq!(cache_prefix(&cfg), "kis");
        cfg.kis.virtual_server = true;
        assert_eq!(cache_prefix(&cfg), "kis");
        cfg.kis.base_url = Some("http://127.0.0.1:18777".to_string());
        let sim = cache_prefix(&cfg);
        assert!(
            sim.starts_with("kis:") && sim.len() == "kis:".len() + 8,
            "{sim}"
        );
        cfg.kis.base_url = Some("http://127.0.0.1:18778".to_string());
        assert_ne!(cache_prefix(&cfg), sim);
    }

    #[test]
    fn mock_is_built_without_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let s = build(
            &Config::default(),
            &paths,
            SourceChoice::Auto,
            crate::clock::system(),
        )
        .unwrap();
        assert_eq!(s.kind(), crate::source::SourceKind::Simulated);
    }

    #[test]
    fn kis_without_credentials_is_an_auth_error() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let r = kis_source(&Config::default(), &paths, crate::clock::system());
        assert!(matches!(r, Err(SourceError::Auth(_))));
    }
}

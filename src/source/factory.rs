//! Picks the data source: KIS when credentials are configured (or `--source kis`), otherwise
//! the simulated market (or `--source mock`). KIS gets the Redis/memory cache in front.

use super::kis::KisSource;
use super::mock::MockSource;
use super::{DataSource, SourceError};
use crate::cache::{self, CachePolicy};
use crate::clock::SharedClock;
use crate::kis::{self, ClientOptions, KisClient};
use std::sync::Arc;

/// What a KIS source is built from: the client's settings and wiring, the cache's.
#[derive(Clone, Debug)]
pub struct Settings {
    pub kis: kis::Settings,
    /// Directories and Redis coordination of the client; the clock is replaced by the run's.
    pub client: ClientOptions,
    pub cache: cache::Settings,
    /// `[redis] key_prefix`: the start of every cache key.
    pub key_prefix: String,
    /// Where the English names learned from stock-info answers are kept (the `stocks` table
    /// of `[ingest] store`); `None` keeps them in memory only.
    pub names_store: Option<crate::store::StoreSpec>,
}

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
pub fn resolve(settings: &Settings, choice: SourceChoice) -> SourceChoice {
    match choice {
        SourceChoice::Auto if settings.kis.has_credentials() => SourceChoice::Kis,
        SourceChoice::Auto => SourceChoice::Mock,
        other => other,
    }
}

/// A KIS source: the client (token, limiter, retry, breaker) behind the tiered cache. Each
/// request says its own priority and freshness.
pub fn kis_source(settings: &Settings, clock: SharedClock) -> Result<KisSource, SourceError> {
    if !settings.kis.has_credentials() {
        return Err(SourceError::Auth(
            "no KIS credentials configured: set KIS_APP_KEY and KIS_APP_SECRET (or [kis] \
             app_key/app_secret), or use --source mock"
                .to_string(),
        ));
    }
    let opts = ClientOptions {
        clock: clock.clone(),
        ..settings.client.clone()
    };
    let client = KisClient::new(&settings.kis, opts).map_err(SourceError::from)?;
    Ok(over_client(settings, client, clock))
}

/// The KIS source over an existing client, with the cache `settings` configure under the keys
/// every source on the same base URL uses.
pub fn over_client(settings: &Settings, client: KisClient, clock: SharedClock) -> KisSource {
    let cache = Arc::new(cache::tiered(&settings.cache, clock.clone()));
    let source = KisSource::new(
        client,
        cache,
        CachePolicy::new(settings.cache.lifetimes),
        &cache_prefix(settings),
        clock,
    );
    match &settings.names_store {
        Some(spec) => source.with_names_store(spec.clone()),
        None => source,
    }
}

/// `[redis] key_prefix`, plus a short hash of the base URL when it is not one of KIS's own hosts
/// (kis-sim, a proxy): a simulated price must never be served as a real one from a shared Redis.
pub fn cache_prefix(settings: &Settings) -> String {
    use sha2::{Digest, Sha256};
    let prefix = settings.key_prefix.trim().trim_end_matches(':');
    let prefix = if prefix.is_empty() { "kis" } else { prefix };
    if settings.kis.is_kis_host() {
        prefix.to_string()
    } else {
        let digest = Sha256::digest(settings.kis.base_url.as_bytes());
        format!("{prefix}:{}", hex::encode(&digest[..4]))
    }
}

/// The source for this run.
pub fn build(
    settings: &Settings,
    choice: SourceChoice,
    clock: SharedClock,
) -> Result<Arc<dyn DataSource>, SourceError> {
    match resolve(settings, choice) {
        // The simulated market, on the same seed as a default kis-sim so the two agree.
        SourceChoice::Mock => Ok(Arc::new(MockSource::new(MOCK_SEED, clock))),
        _ => Ok(Arc::new(kis_source(settings, clock)?)),
    }
}

/// kis-sim's default seed.
pub const MOCK_SEED: u64 = 1;

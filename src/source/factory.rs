//! Picks the data source: KIS when credentials are configured (or `--source kis`), otherwise
//! the simulated market (or `--source mock`). KIS gets the Redis/memory cache in front.

use super::kis::KisSource;
use super::mock::MockSource;
use super::{DataSource, SourceError};
use crate::cache::{self, CachePolicy};
use crate::clock::SharedClock;
use crate::kis::ws::WsSettings;
use crate::kis::{self, ClientOptions, KisClient};
use crate::market::Env;
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
    let source = over_client(settings, client, clock);
    Ok(match ws_settings(settings) {
        Ok(ws) if streams(&settings.kis) => source.with_stream(ws, settings.kis.ws_registrations),
        _ => source,
    })
}

/// Whether the source streams: `[kis] stream`, and a WebSocket that belongs to the REST
/// server. With the REST side pointed elsewhere (kis-sim, a proxy) and no `[kis] ws_url`, KIS's
/// own WebSocket would be the wrong market (or unreachable): REST only, said in the log.
pub fn streams(kis: &kis::Settings) -> bool {
    let default_ws = kis.ws_url == kis::REAL_WS_URL || kis.ws_url == kis::VIRTUAL_WS_URL;
    if kis.stream && default_ws && !kis.is_kis_host() {
        tracing::info!(
            "REST points at another server and [kis] ws_url (HOGA_KIS_WS_URL) is not set: \
             no stream, REST polling only"
        );
        return false;
    }
    kis.stream
}

/// The WebSocket settings for the data path's settings. `HOGA_KIS_WS_URL` (`[kis] ws_url`)
/// points hoga at kis-sim; the approval key is kept beside the access token in the state dir.
pub fn ws_settings(source: &Settings) -> Result<WsSettings, String> {
    let kis = &source.kis;
    let Some(c) = &kis.credentials else {
        return Err(
            "no KIS credentials configured: set KIS_APP_KEY and KIS_APP_SECRET (or \
                    [kis] app_key/app_secret)"
                .to_string(),
        );
    };
    let env = match kis.env {
        Env::Virtual => "virtual",
        Env::Real => "real",
    };
    let mut s = WsSettings::new(
        kis.ws_url.clone(),
        kis.base_url.clone(),
        c.app_key.clone(),
        c.app_secret.clone(),
        source
            .client
            .state_dir
            .join(format!("kis-ws-approval-{env}.json")),
    );
    s.custtype = kis.custtype.code().to_string();
    s.connect_timeout = kis.connect_timeout;
    Ok(s)
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

//! The HTTP server: `SimServer::start(config)` binds 127.0.0.1, serves the KIS routes
//! (`kis`), the master files and the `/_sim/` admin routes (`admin`), and returns a
//! `SimHandle` that can stop it (closing every open connection) and restart it on the same port.

mod admin;
mod kis;

use crate::clock::SharedClock;
use crate::market::Market;
use crate::sim::auth::Auth;
use crate::sim::clock::SimClock;
use crate::sim::config::SimConfig;
use crate::sim::faults::{FaultRule, Faults};
use crate::sim::model::SimMarket;
use crate::sim::ratelimit::RateLimiter;
use crate::sim::stats::{Served, Stats, StatsSnapshot};
use crate::sim::ws::WsHub;
use axum::Router;
use chrono::NaiveDate;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Built master zips per (market, trading day).
type MasterCache = HashMap<(Market, NaiveDate), Arc<Vec<u8>>>;

/// Everything the routes share.
pub struct SimState {
    pub config: SimConfig,
    pub clock: SimClock,
    pub market: Arc<SimMarket>,
    pub auth: Auth,
    pub limiter: RateLimiter,
    pub faults: Faults,
    pub stats: Stats,
    pub ws: WsHub,
    masters: Mutex<MasterCache>,
}

impl SimState {
    pub fn new(config: SimConfig) -> SimState {
        let clock = SimClock::new(config.clock.clone());
        let shared: SharedClock = Arc::new(clock.clone());
        SimState {
            market: Arc::new(SimMarket::new(config.seed, shared)),
            auth: Auth::new(&config.app_keys, config.auth.clone(), config.seed),
            limiter: RateLimiter::new(config.effective_rate()),
            faults: Faults::new(config.faults.clone(), config.seed),
            stats: Stats::new(config.served_capacity),
            ws: WsHub::new(config.ws.clone(), clock.clone()),
            clock,
            config,
            masters: Mutex::new(HashMap::new()),
        }
    }

    /// The master zip for `market` as of now (cached per trading day).
    pub fn master_zip(&self, market: Market) -> std::io::Result<Arc<Vec<u8>>> {
        let now = crate::clock::Clock::now(&self.clock);
        let day = self
            .market
            .phase_at(now)
            .map(|p| p.0)
            .unwrap_or_else(|| self.market.today());
        if let Some(z) = self
            .masters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(market, day))
        {
            return Ok(z.clone());
        }
        let z = Arc::new(crate::sim::master::build_zip(&self.market, market, now)?);
        self.masters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((market, day), z.clone());
        Ok(z)
    }
}

/// Lets a route close its own connection (the `drop` fault).
#[derive(Clone)]
pub(crate) struct ConnKill(pub Arc<Notify>);

pub struct SimServer;

impl SimServer {
    /// Starts kis-sim in-process on 127.0.0.1:`config.port` (0 = any free port).
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        let port = config.port;
        let state = Arc::new(SimState::new(config));
        let ws_port = state.config.ws.port;
        let mut handle = SimHandle {
            state,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            ws_addr: ws_port.map(|p| SocketAddr::from(([127, 0, 0, 1], p))),
            cancel: CancellationToken::new(),
            task: None,
            ws_task: None,
        };
        handle.bind_and_serve().await?;
        Ok(handle)
    }
}

/// A running (or stopped) kis-sim. Dropping it stops the server.
pub struct SimHandle {
    state: Arc<SimState>,
    addr: SocketAddr,
    /// The WebSocket listener's address, when it serves one.
    ws_addr: Option<SocketAddr>,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
    ws_task: Option<JoinHandle<()>>,
}

impl SimHandle {
    async fn bind_and_serve(&mut self) -> std::io::Result<()> {
        let socket = TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(self.addr)?;
        let listener = socket.listen(1024)?;
        self.addr = listener.local_addr()?;
        self.cancel = CancellationToken::new();
        let router = router(self.state.clone());
        self.task = Some(tokio::spawn(accept_loop(
            listener,
            router,
            self.cancel.clone(),
        )));
        if let Some(addr) = self.ws_addr {
            let listener = crate::sim::ws::bind(addr.port())?;
            self.ws_addr = Some(listener.local_addr()?);
            self.ws_task = Some(tokio::spawn(crate::sim::ws::accept_loop(
                listener,
                self.state.clone(),
                self.cancel.clone(),
            )));
            tokio::spawn(crate::sim::ws::periodic_outages(
                self.state.clone(),
                self.cancel.clone(),
            ));
        }
        Ok(())
    }

    /// `ws://127.0.0.1:<ws port>`: the client's WebSocket URL, when kis-sim serves one
    /// (`SimConfig::ws_port`). Any path is accepted (`/tryitout` is what KIS clients use).
    pub fn ws_url(&self) -> Option<String> {
        self.ws_addr.map(|a| format!("ws://{a}"))
    }

    /// The WebSocket side: settings, faults and ground truth.
    pub fn ws(&self) -> &WsHub {
        &self.state.ws
    }

    /// `http://127.0.0.1:<port>`: the client's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where the master zips are: the client's `master_url`.
    pub fn master_url(&self) -> String {
        format!("{}{}", self.base_url(), self.state.config.master_path)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Shared state: market, clock, auth, faults, stats (ground truth for tests).
    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    pub fn market(&self) -> &Arc<SimMarket> {
        &self.state.market
    }

    pub fn clock(&self) -> &SimClock {
        &self.state.clock
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }

    /// The last `n` responses served, oldest first.
    pub fn served(&self, n: usize) -> Vec<Served> {
        self.state.stats.served(n)
    }

    pub fn add_fault(&self, rule: FaultRule) {
        self.state.faults.add(rule);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Every live token expires now (early expiry).
    pub fn expire_tokens(&self) -> usize {
        self.state
            .auth
            .expire_all(crate::clock::Clock::now(&self.state.clock))
    }

    /// Every token is revoked server-side.
    pub fn revoke_tokens(&self) -> usize {
        self.state.auth.revoke_all()
    }

    pub fn set_rate(&self, per_sec: u32) {
        self.state.limiter.set_limit(per_sec);
    }

    /// Stops listening and closes every open connection (WebSocket sessions end without a
    /// close frame). State (tokens, stats, ground truth) is kept.
    pub async fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        if let Some(t) = self.ws_task.take() {
            let _ = t.await;
        }
    }

    /// Starts again on the same port, with the same state.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop().await;
        self.bind_and_serve().await
    }

    pub fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .nest("/_sim", admin::routes())
        .fallback(kis::entry)
        .with_state(state)
}

async fn accept_loop(listener: TcpListener, router: Router, cancel: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = cancel.cancelled() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let router = router.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let k = kill.clone();
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnKill(k.clone()));
                    router.clone().oneshot(req)
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = cancel.cancelled() => {}
                _ = kill.notified() => {}
            }
        });
    }
}

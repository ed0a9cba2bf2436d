//! The live stream behind a data source: what the feed tells it to carry (registrations of
//! (channel, stock) pairs) and what it reports (market events, its health, refusals, gaps).
//! KIS streams over its WebSocket (`kis::ws`); the simulated market streams its own trades and
//! books in-process ([`MockStream`](super::mock::MockStream)), so both look the same above here.

pub use crate::kis::ws::{Cause, Channel, Gap, Health, Pair, WsEvent as StreamEvent};

use tokio::sync::mpsc;

/// KIS's cap on registrations per session (KIS_API.md §13): every (tr_id, tr_key) pair counts.
pub const KIS_CAP: usize = 41;

/// A running stream. Registrations are carried on every session the stream opens, until
/// unregistered; the order of calls is the order the server sees them, so an unregister
/// followed by a register never holds both at once.
pub trait LiveStream: Send + Sync {
    fn register(&self, pair: Pair);
    fn unregister(&self, pair: Pair);
    fn health(&self) -> Health;
}

impl LiveStream for crate::kis::ws::WsClient {
    fn register(&self, (channel, code): Pair) {
        crate::kis::ws::WsClient::register(self, channel, code);
    }

    fn unregister(&self, (channel, code): Pair) {
        crate::kis::ws::WsClient::unregister(self, channel, code);
    }

    fn health(&self) -> Health {
        crate::kis::ws::WsClient::health(self)
    }
}

/// A stream that was opened: the handle that steers it and its events, in the order they
/// happened.
pub struct Stream {
    pub handle: Box<dyn LiveStream>,
    pub events: mpsc::Receiver<StreamEvent>,
    /// How many registrations one session may hold (`[kis] ws_registrations`, at most 41).
    pub cap: usize,
    /// The channels this server carries: the virtual server has no 예상체결 (H0STANC0) and no
    /// 장운영정보 (H0STMKO0) (KIS_API.md §13.7).
    pub channels: &'static [Channel],
}

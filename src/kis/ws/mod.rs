//! The KIS WebSocket client (KIS_API.md §6, §13): one long-lived session per appkey that
//! carries every registration, stays up all day and says when it missed something.
//!
//! - The approval key is cached in the state dir and reused across reconnects and restarts.
//! - The desired registrations and the acknowledged ones are kept apart; every (re)connect
//!   registers all desired pairs again. A pair the server refuses (OPSP0008, the 41 cap) is
//!   reported and dropped, never fatal.
//! - Reconnects use exponential backoff with jitter, the first within about a second, with no
//!   retry limit. OPSP8996 (the appkey's one session is held: by another process, or by KIS for
//!   a while after a drop) closes that connection and tries again after the backoff.
//! - PINGPONG is echoed as the identical text frame; a session without any frame for
//!   `stall_timeout` is taken for dead and replaced.
//! - What comes out are `market` events, health changes and gaps ([`WsEvent`]), never wire
//!   fields.

mod approval;
mod registry;
mod session;

pub use crate::kis::wire::ws::Channel;
pub use registry::Pair;

use crate::clock::SharedClock;
use crate::market::{LiveEvent, StockCode};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// What the client needs, built by the caller (the entry point) from its configuration.
#[derive(Clone, Debug)]
pub struct WsSettings {
    /// `ws://ops.koreainvestment.com:21000` (real), `:31000` (virtual), or kis-sim's.
    pub ws_url: String,
    /// The REST host that issues approval keys.
    pub rest_url: String,
    pub appkey: SecretString,
    pub appsecret: SecretString,
    /// `P` individual, `B` corporate.
    pub custtype: String,
    /// Where the approval key is kept (in the private state dir).
    pub approval_path: PathBuf,
    /// For the TCP + WebSocket handshake, and for the approval request.
    pub connect_timeout: Duration,
    /// No frame at all (not even PINGPONG, which KIS sends about every 20 s) for this long:
    /// the session is stalled and replaced.
    pub stall_timeout: Duration,
    /// The first retry's delay (jittered between half and all of it) and the cap.
    pub backoff_first: Duration,
    pub backoff_max: Duration,
    /// For this long after a session is lost, OPSP8996 is retried at the first delay: KIS
    /// holds the slot of a dropped session for a while, and the gap should end when it does.
    /// After it the retries slow down (another process holds the key).
    pub slot_hold_window: Duration,
}

impl WsSettings {
    /// Settings with the default timings.
    pub fn new(
        ws_url: String,
        rest_url: String,
        appkey: SecretString,
        appsecret: SecretString,
        approval_path: PathBuf,
    ) -> WsSettings {
        WsSettings {
            ws_url,
            rest_url,
            appkey,
            appsecret,
            custtype: "P".to_string(),
            approval_path,
            connect_timeout: Duration::from_secs(5),
            stall_timeout: Duration::from_secs(65),
            backoff_first: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            slot_hold_window: Duration::from_secs(30),
        }
    }
}

/// Why the stream is not up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The connection could not be made or broke (network, handshake, closed by the server).
    Connection(String),
    /// No frame for the stall timeout.
    Stalled(Duration),
    /// OPSP8996: the appkey's one session is held (another process on the same key, or the
    /// slot KIS keeps for a while after a drop).
    SessionInUse,
    /// The approval key could not be had, or KIS refused it.
    Approval(String),
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Connection(e) => write!(f, "connection lost: {e}"),
            Cause::Stalled(d) => write!(f, "no frame for {} s: stalled", d.as_secs()),
            Cause::SessionInUse => f.write_str(
                "the appkey's one session is in use (OPSP8996): another hoga on the same \
                 appkey, or the slot KIS holds after a drop",
            ),
            Cause::Approval(e) => write!(f, "approval key: {e}"),
        }
    }
}

/// The stream's health, for the status bar and `hoga stream`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// The first session is being opened and registered.
    Connecting,
    /// A session is up and every registration sent on it has been answered.
    Connected { subscribed: usize },
    /// Between sessions: the next try and why the last one ended.
    Reconnecting {
        next_try: DateTime<Utc>,
        cause: Cause,
    },
    /// Given up for good: the credentials are refused. Never for a lost connection.
    Down { cause: String },
}

/// A stretch of time in which records of these registrations may have been missed: from the
/// loss of a session to the moment every registration was restored on the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The pairs acknowledged on the lost session, in the order asked.
    pub pairs: Vec<Pair>,
}

/// What the client reports, in the order it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum WsEvent {
    Live(LiveEvent),
    Health(Health),
    /// The server refused this pair for good (OPSP0008 at the cap, an invalid pair): it is no
    /// longer registered, and must be served some other way (REST).
    Refused {
        pair: Pair,
        reason: String,
    },
    Gap(Gap),
}

enum Command {
    Register(Pair),
    Unregister(Pair),
    Close,
}

/// A handle on the running session task. Dropping it ends the task.
pub struct WsClient {
    commands: mpsc::UnboundedSender<Command>,
    health: watch::Receiver<Health>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Events are buffered up to this many; past it the session stops reading (the socket
/// applies backpressure) until the consumer catches up.
const EVENT_BUFFER: usize = 16_384;

impl WsClient {
    /// Starts the session task (it connects at once) with `registrations` wanted from the
    /// first session on (so its `Connected` counts them), and returns the handle and its events.
    pub fn start(
        settings: WsSettings,
        clock: SharedClock,
        registrations: &[Pair],
    ) -> Result<(WsClient, mpsc::Receiver<WsEvent>), crate::kis::KisError> {
        let http = crate::kis::http::build(settings.connect_timeout, settings.connect_timeout)?;
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (events, event_rx) = mpsc::channel(EVENT_BUFFER);
        let (health_tx, health) = watch::channel(Health::Connecting);
        let mut session =
            session::Session::new(settings, clock, http, command_rx, events, health_tx);
        for pair in registrations {
            session.want(*pair);
        }
        let task = tokio::spawn(session::run(session));
        Ok((
            WsClient {
                commands,
                health,
                task: Some(task),
            },
            event_rx,
        ))
    }

    /// Wants `channel` of `code` registered, now and on every later session.
    pub fn register(&self, channel: Channel, code: StockCode) {
        let _ = self.commands.send(Command::Register((channel, code)));
    }

    /// No longer wants it: unregistered on the session (freeing its slot) and not restored.
    pub fn unregister(&self, channel: Channel, code: StockCode) {
        let _ = self.commands.send(Command::Unregister((channel, code)));
    }

    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    /// Closes the session with a close frame and waits (at most a few seconds) for the task.
    pub async fn close(mut self) {
        let _ = self.commands.send(Command::Close);
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// The delay before retry number `attempt` (0 = the first): doubling from `first` up to
/// `max`, then a random point between half of it and all of it, so that many clients
/// dropped at once do not come back at once.
pub fn backoff(first: Duration, attempt: u32, max: Duration) -> Duration {
    let d = crate::clock::doubling(first, attempt, max);
    d / 2 + d.mul_f64(fastrand::f64() / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let (first, max) = (Duration::from_secs(1), Duration::from_secs(30));
        for _ in 0..200 {
            let d0 = backoff(first, 0, max);
            assert!(d0 >= Duration::from_millis(500) && d0 <= first, "{d0:?}");
            let d3 = backoff(first, 3, max);
            assert!(d3 >= Duration::from_secs(4) && d3 <= Duration::from_secs(8));
            let d = backoff(first, 40, max);
            assert!(d >= max / 2 && d <= max, "{d:?}");
        }
    }

    #[test]
    fn causes_never_carry_secrets_and_say_what_happened() {
        assert!(Cause::SessionInUse.to_string().contains("OPSP8996"));
        assert!(
            Cause::Stalled(Duration::from_secs(65))
                .to_string()
                .contains("65 s")
        );
        let s = WsSettings::new(
            "ws://x".into(),
            "http://x".into(),
            SecretString::from("appkey-secret-1".to_string()),
            SecretString::from("appsecret-secret-2".to_string()),
            PathBuf::from("/tmp/x"),
        );
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("secret-1") && !dbg.contains("secret-2"),
            "{dbg}"
        );
    }
}

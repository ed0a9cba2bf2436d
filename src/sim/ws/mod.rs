//! kis-sim's WebSocket server: the KIS real-time protocol (KIS_API.md §6, §13) over plain
//! `ws://127.0.0.1:<ws port>` (any path: `/`, `/tryitout`, `/tryitout/H0STCNT0`).
//!
//! - One session per appkey: a connection binds to the appkey of the approval key in its first
//!   subscribe frame; a second connection on that appkey gets OPSP8996 on every subscribe
//!   until the first has gone (the connection itself stays open). After an abnormal end (the
//!   TCP connection lost, the PINGPONG timeout, a drop fault, the server stopping) the slot
//!   stays held for `slot_hold`; a client's close frame frees it at once.
//! - The approval key is checked when the session binds (unknown or expired: OPSP0011); once
//!   bound the session keeps working past the key's expiry, as KIS documents (§13.3).
//! - At most `max_registrations` (41) (tr_id, tr_key) pairs per session over every TR; the next
//!   gets OPSP0008 and the session stays.
//! - PINGPONG every `ping_interval`; the session is closed (close frame, slot held) when no text
//!   echo has come `echo_timeout` after a ping. A protocol pong does not count.
//! - Data: the trades (H0STCNT0) and books (H0STASP0) of the market model as the sim clock
//!   passes them (`model::trades`), several records per frame, in time order. Real server
//!   only: H0STANC0 (expected fills during the auctions) and H0STMKO0 (session changes, VI,
//!   halts). The virtual server accepts only H0STCNT0, H0STASP0 and H0STCNI9 (§13.7); other
//!   TRs get OPSP8991. H0STCNI0/H0STCNI9 (fill notices, tr_key = HTS ID) register but never
//!   send: kis-sim takes no orders.
//! - Every interval (ping, echo timeout, slot hold, faults' durations) is in sim time, run
//!   `factor` times faster on an accelerated clock and in wall time on a frozen one.
//!
//! Ground truth (`/_sim/ws/…`, and [`WsHub`]'s methods in-process): every data record sent to
//! each session with its frame sequence number and times, every junk frame, the registration
//! log and the current registrations, pings and echoes, sessions and how they ended.

pub mod admin;
mod session;

use crate::sim::clock::{ClockMode, SimClock};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;

pub(crate) use session::serve_connection;

/// The WebSocket server's settings (CLI flags and `/_sim/ws/config`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WsConfig {
    /// 127.0.0.1 port (0 = a free one); `None` = no WebSocket server.
    pub port: Option<u16>,
    /// Seconds of sim time between PINGPONGs (KIS: about 20).
    pub ping_secs: f64,
    /// Seconds after an unanswered PINGPONG before the session is closed (KIS: about 100).
    pub echo_timeout_secs: f64,
    /// Seconds the appkey's slot stays held after an abnormal end (KIS: UNCONFIRMED).
    pub slot_hold_secs: f64,
    /// (tr_id, tr_key) pairs per session (KIS: 41).
    pub max_registrations: usize,
    /// Most records in one data frame (the count is three digits: at most 999).
    pub max_batch: usize,
    /// H0STASP0 with the three trailing fields of the 2026 captures (62), else 59.
    pub book_fields_2026: bool,
    pub faults: WsFaults,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            port: None,
            ping_secs: 20.0,
            echo_timeout_secs: 100.0,
            slot_hold_secs: 10.0,
            max_registrations: 41,
            max_batch: 8,
            book_fields_2026: true,
            faults: WsFaults::default(),
        }
    }
}

/// Standing faults of the data stream (`--ws-fault`, `/_sim/ws/faults`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WsFaults {
    /// Probability per data frame of a junk frame sent before it (truncated records, non-JSON
    /// text, an encrypted frame without a key, a binary frame).
    pub malformed: f64,
    /// Probability per data frame of a frame of an unknown TR sent before it.
    pub unknown_tr: f64,
    /// Every data record carries three extra trailing fields (field-count drift, §13.6).
    pub extra_fields: bool,
    /// Delay before every subscribe/unsubscribe ack, in wall-clock milliseconds.
    pub slow_subscribe_ms: u64,
    /// Every this many seconds of sim time, drop every session (0 = never).
    pub drop_every_secs: f64,
    /// Every this many seconds of sim time, stall every session for `stall_secs` (0 = never).
    pub stall_every_secs: f64,
    pub stall_secs: f64,
    /// Every this many seconds of sim time, refuse connections for `refuse_secs` (0 = never).
    pub refuse_every_secs: f64,
    pub refuse_secs: f64,
}

impl WsFaults {
    /// Applies one CLI fault `KIND[:key=value]`: `malformed:rate=0.1`, `unknown_tr:rate=0.05`,
    /// `extra_fields`, `slow_subscribe:ms=500`, and the periodic outages `drop:every=300`,
    /// `stall:every=600,secs=90`, `refuse:every=900,secs=20` (seconds of sim time).
    pub fn apply(&mut self, s: &str) -> Result<(), String> {
        let (kind, args) = s.split_once(':').unwrap_or((s, ""));
        let mut kv = BTreeMap::new();
        for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("ws fault {s:?}: expected key=value, got {part:?}"))?;
            kv.insert(k.trim(), v.trim());
        }
        let rate = || -> Result<f64, String> {
            match kv.get("rate") {
                None => Ok(1.0),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| format!("ws fault {s:?}: rate must be 0–1, got {v:?}")),
            }
        };
        // A positive number of seconds (up to ten years of sim time).
        let secs = |key: &str, default: Option<f64>| -> Result<f64, String> {
            match (kv.get(key), default) {
                (None, Some(d)) => Ok(d),
                (None, None) => Err(format!("ws fault {s:?}: needs {key}=SECS")),
                (Some(v), _) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| *x > 0.0 && *x <= 315_360_000.0)
                    .ok_or_else(|| format!("ws fault {s:?}: {key} must be seconds > 0, got {v:?}")),
            }
        };
        match kind.trim().replace('-', "_").as_str() {
            "malformed" => self.malformed = rate()?,
            "unknown_tr" => self.unknown_tr = rate()?,
            "extra_fields" => self.extra_fields = true,
            "slow_subscribe" => {
                self.slow_subscribe_ms = match kv.get("ms") {
                    None => 1_000,
                    Some(v) => v
                        .parse()
                        .map_err(|_| format!("ws fault {s:?}: ms must be a whole number"))?,
                }
            }
            "drop" => self.drop_every_secs = secs("every", None)?,
            "stall" => {
                self.stall_every_secs = secs("every", None)?;
                self.stall_secs = secs("secs", Some(60.0))?;
            }
            "refuse" => {
                self.refuse_every_secs = secs("every", None)?;
                self.refuse_secs = secs("secs", Some(10.0))?;
            }
            other => {
                return Err(format!(
                    "unknown ws fault {other:?}: expected malformed, unknown_tr, extra_fields, \
                     slow_subscribe, drop, stall or refuse"
                ));
            }
        }
        Ok(())
    }
}

/// One data record as sent.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SentRecord {
    pub session: u64,
    /// The frame's sequence number within its session (every text frame the server sends
    /// counts: acks, PINGPONG, data, junk), from 1.
    pub seq: u64,
    /// The record's place in its frame, from 0.
    pub index: usize,
    pub tr_id: String,
    pub tr_key: String,
    /// The record exactly as sent (`^`-joined fields, extra trailing fields included).
    pub record: String,
    /// Sim time of sending.
    pub sent_at: DateTime<Utc>,
    /// Wall-clock time of sending.
    pub wall: DateTime<Utc>,
}

/// A junk frame a fault sent (not data: a client must skip it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JunkFrame {
    pub session: u64,
    pub seq: u64,
    pub kind: String,
    /// The text sent (hex for a binary frame).
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

/// A registration change.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RegEvent {
    pub session: u64,
    /// `register`, `unregister`, `refused` (OPSP0008 at the cap: not held), or `session_end`
    /// (the session ended holding this pair).
    pub action: String,
    pub tr_id: String,
    pub tr_key: String,
    pub at: DateTime<Utc>,
    pub wall: DateTime<Utc>,
}

/// A PINGPONG sent and its echo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PingRecord {
    pub session: u64,
    pub datetime: String,
    pub sent_at: DateTime<Utc>,
    pub wall: DateTime<Utc>,
    /// Wall-clock time of the first text echo after it.
    pub echoed: Option<DateTime<Utc>>,
}

/// A connection and how it went.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SessionInfo {
    pub id: u64,
    /// The last four characters of the bound appkey (never the whole key).
    pub appkey_tail: Option<String>,
    pub connected: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    /// `client_close`, `connection_lost`, `ping_timeout`, `dropped`, `server_stopped`.
    pub end: Option<String>,
    /// Current (tr_id, tr_key) pairs.
    pub registrations: BTreeSet<(String, String)>,
    pub frames_sent: u64,
    pub records_sent: u64,
    /// Protocol pongs received (they keep nothing alive).
    pub protocol_pongs: u64,
    /// Stalls this session has entered.
    pub stalls_seen: u64,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The client sent a close frame: the slot is free at once.
    ClientClose,
    ConnectionLost,
    PingTimeout,
    Dropped,
    ServerStopped,
}

impl End {
    fn name(self) -> &'static str {
        match self {
            End::ClientClose => "client_close",
            End::ConnectionLost => "connection_lost",
            End::PingTimeout => "ping_timeout",
            End::Dropped => "dropped",
            End::ServerStopped => "server_stopped",
        }
    }
}

#[derive(Default)]
struct Hub {
    sessions: BTreeMap<u64, SessionInfo>,
    /// appkey → the session holding it.
    bound: HashMap<String, u64>,
    /// appkey → until when its slot stays held after an abnormal end.
    holds: HashMap<String, Instant>,
    sent: VecDeque<SentRecord>,
    junk: VecDeque<JunkFrame>,
    regs: VecDeque<RegEvent>,
    pings: VecDeque<PingRecord>,
    refuse_until: Option<Instant>,
    /// Stalls: session id (0 = every session) → until when.
    stalls: HashMap<u64, Instant>,
    refused: u64,
}

/// How many ground-truth entries of each kind are kept (oldest dropped first).
const TRUTH_CAPACITY: usize = 200_000;

fn push_bounded<T>(q: &mut VecDeque<T>, v: T) {
    q.push_back(v);
    while q.len() > TRUTH_CAPACITY {
        q.pop_front();
    }
}

/// The WebSocket side of a kis-sim: settings, sessions, faults and ground truth.
pub struct WsHub {
    config: Mutex<WsConfig>,
    hub: Mutex<Hub>,
    /// Bumped to drop every session at once (no close frame).
    drop_all: tokio::sync::watch::Sender<u64>,
    next_id: AtomicU64,
    clock: SimClock,
}

impl WsHub {
    pub fn new(config: WsConfig, clock: SimClock) -> WsHub {
        WsHub {
            config: Mutex::new(config),
            hub: Mutex::new(Hub::default()),
            drop_all: tokio::sync::watch::Sender::new(0),
            next_id: AtomicU64::new(1),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> WsConfig {
        self.config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the settings (the port is kept: it is bound at start).
    pub fn set_config(&self, mut c: WsConfig) {
        let mut g = self.config.lock().unwrap_or_else(|e| e.into_inner());
        c.port = g.port;
        *g = c;
    }

    pub fn set_faults(&self, f: WsFaults) {
        self.config.lock().unwrap_or_else(|e| e.into_inner()).faults = f;
    }

    /// A span of sim time as wall time: divided by the factor of an accelerated clock, as is
    /// on a real or frozen one.
    pub fn wall(&self, sim_secs: f64) -> std::time::Duration {
        let secs = match self.clock.mode() {
            ClockMode::Accelerated { factor, .. } => sim_secs / factor,
            ClockMode::Real | ClockMode::Frozen(_) => sim_secs,
        };
        std::time::Duration::from_secs_f64(secs.clamp(0.001, 1.0e9))
    }

    /// Drops every session now: TCP closed, no close frame (slots held).
    pub fn drop_all(&self) {
        self.drop_all.send_modify(|g| *g += 1);
    }

    /// Stalls one session (or every one with `None`) for `secs` of sim time: no data and no
    /// PINGPONG (data due meanwhile is not sent later), though frames are still read.
    pub fn stall(&self, session: Option<u64>, secs: f64) {
        let until = Instant::now() + self.wall(secs);
        self.lock().stalls.insert(session.unwrap_or(0), until);
    }

    /// Refuses new connections (closed before the handshake) for `secs` of sim time.
    pub fn refuse(&self, secs: f64) {
        self.lock().refuse_until = Some(Instant::now() + self.wall(secs));
    }

    /// Ends every stall and refusal.
    pub fn clear_outages(&self) {
        let mut g = self.lock();
        g.stalls.clear();
        g.refuse_until = None;
    }

    /// Frees every held slot now.
    pub fn release_holds(&self) {
        self.lock().holds.clear();
    }

    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.lock().sessions.values().cloned().collect()
    }

    /// Data records sent, oldest first; `session` filters.
    pub fn sent(&self, session: Option<u64>) -> Vec<SentRecord> {
        self.lock()
            .sent
            .iter()
            .filter(|r| session.is_none_or(|s| r.session == s))
            .cloned()
            .collect()
    }

    pub fn junk(&self) -> Vec<JunkFrame> {
        self.lock().junk.iter().cloned().collect()
    }

    pub fn registration_log(&self) -> Vec<RegEvent> {
        self.lock().regs.iter().cloned().collect()
    }

    /// The pairs registered now, per live session.
    pub fn registrations(&self) -> BTreeMap<u64, BTreeSet<(String, String)>> {
        self.lock()
            .sessions
            .values()
            .filter(|s| s.ended.is_none())
            .map(|s| (s.id, s.registrations.clone()))
            .collect()
    }

    pub fn pings(&self) -> Vec<PingRecord> {
        self.lock().pings.iter().cloned().collect()
    }

    /// Connections refused by the refuse fault.
    pub fn refused(&self) -> u64 {
        self.lock().refused
    }

    /// Forgets the logs (sent, junk, registration events, pings, ended sessions).
    pub fn reset_truth(&self) {
        let mut g = self.lock();
        g.sent.clear();
        g.junk.clear();
        g.regs.clear();
        g.pings.clear();
        g.sessions.retain(|_, s| s.ended.is_none());
    }

    // The session side.

    fn open_session(&self) -> Option<u64> {
        let mut g = self.lock();
        if g.refuse_until.is_some_and(|u| Instant::now() < u) {
            g.refused += 1;
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        g.sessions.insert(
            id,
            SessionInfo {
                id,
                appkey_tail: None,
                connected: Utc::now(),
                ended: None,
                end: None,
                registrations: BTreeSet::new(),
                frames_sent: 0,
                records_sent: 0,
                protocol_pongs: 0,
                stalls_seen: 0,
            },
        );
        Some(id)
    }

    /// Binds `appkey` to session `id`, unless another live session or a hold has it.
    fn bind(&self, id: u64, appkey: &str) -> bool {
        let mut g = self.lock();
        if let Some(&other) = g.bound.get(appkey)
            && other != id
        {
            return false;
        }
        if g.holds.get(appkey).is_some_and(|u| Instant::now() < *u) {
            return false;
        }
        g.holds.remove(appkey);
        g.bound.insert(appkey.to_string(), id);
        if let Some(s) = g.sessions.get_mut(&id) {
            let tail: String = appkey.chars().rev().take(4).collect();
            s.appkey_tail = Some(tail.chars().rev().collect());
        }
        true
    }

    fn end_session(&self, id: u64, appkey: Option<&str>, end: End) {
        let hold = self.wall(self.config().slot_hold_secs);
        let at = self.clock_now();
        let mut g = self.lock();
        if let Some(k) = appkey
            && g.bound.get(k) == Some(&id)
        {
            g.bound.remove(k);
            if end != End::ClientClose {
                g.holds.insert(k.to_string(), Instant::now() + hold);
            }
        }
        let regs = match g.sessions.get_mut(&id) {
            Some(s) => {
                s.ended = Some(Utc::now());
                s.end = Some(end.name().to_string());
                std::mem::take(&mut s.registrations)
            }
            None => BTreeSet::new(),
        };
        for (tr_id, tr_key) in regs {
            push_bounded(
                &mut g.regs,
                RegEvent {
                    session: id,
                    action: "session_end".into(),
                    tr_id,
                    tr_key,
                    at,
                    wall: Utc::now(),
                },
            );
        }
    }

    fn clock_now(&self) -> DateTime<Utc> {
        crate::clock::Clock::now(&self.clock)
    }

    fn registered(&self, id: u64, tr_id: &str, tr_key: &str, on: bool) {
        let at = self.clock_now();
        let mut g = self.lock();
        if let Some(s) = g.sessions.get_mut(&id) {
            let pair = (tr_id.to_string(), tr_key.to_string());
            if on {
                s.registrations.insert(pair);
            } else {
                s.registrations.remove(&pair);
            }
        }
        push_bounded(
            &mut g.regs,
            RegEvent {
                session: id,
                action: if on { "register" } else { "unregister" }.into(),
                tr_id: tr_id.into(),
                tr_key: tr_key.into(),
                at,
                wall: Utc::now(),
            },
        );
    }

    /// A registration refused at the cap (OPSP0008): logged as `refused`, nothing held.
    fn over_cap(&self, id: u64, tr_id: &str, tr_key: &str) {
        let at = self.clock_now();
        push_bounded(
            &mut self.lock().regs,
            RegEvent {
                session: id,
                action: "refused".into(),
                tr_id: tr_id.into(),
                tr_key: tr_key.into(),
                at,
                wall: Utc::now(),
            },
        );
    }

    fn stalled(&self, id: u64) -> bool {
        let mut g = self.lock();
        let now = Instant::now();
        g.stalls.retain(|_, u| now < *u);
        g.stalls.contains_key(&0) || g.stalls.contains_key(&id)
    }

    fn stall_entered(&self, id: u64) {
        if let Some(s) = self.lock().sessions.get_mut(&id) {
            s.stalls_seen += 1;
        }
    }

    fn frame_sent(&self, id: u64, records: &[SentRecord]) {
        let mut g = self.lock();
        if let Some(s) = g.sessions.get_mut(&id) {
            s.frames_sent += 1;
            s.records_sent += records.len() as u64;
        }
        for r in records {
            push_bounded(&mut g.sent, r.clone());
        }
    }

    fn junk_sent(&self, j: JunkFrame) {
        let mut g = self.lock();
        if let Some(s) = g.sessions.get_mut(&j.session) {
            s.frames_sent += 1;
        }
        push_bounded(&mut g.junk, j);
    }

    fn control_sent(&self, id: u64) {
        if let Some(s) = self.lock().sessions.get_mut(&id) {
            s.frames_sent += 1;
        }
    }

    fn ping_sent(&self, p: PingRecord) {
        let mut g = self.lock();
        if let Some(s) = g.sessions.get_mut(&p.session) {
            s.frames_sent += 1;
        }
        push_bounded(&mut g.pings, p);
    }

    /// Marks the session's unanswered pings echoed.
    fn echoed(&self, id: u64) {
        let now = Utc::now();
        for p in self.lock().pings.iter_mut().rev() {
            if p.session != id {
                continue;
            }
            if p.echoed.is_some() {
                break;
            }
            p.echoed = Some(now);
        }
    }

    fn protocol_pong(&self, id: u64) {
        if let Some(s) = self.lock().sessions.get_mut(&id) {
            s.protocol_pongs += 1;
        }
    }
}

/// The periodic outages of [`WsFaults`], run until `cancel`: each kind is due every so many
/// seconds of sim time, counted from when the server started (or the fault was set).
pub(crate) async fn periodic_outages(
    hub_state: Arc<crate::sim::SimState>,
    cancel: CancellationToken,
) {
    let hub = &hub_state.ws;
    let mut last: [Option<DateTime<Utc>>; 3] = [None; 3];
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let f = hub.config().faults;
        let now = hub.clock_now();
        let every = [f.drop_every_secs, f.stall_every_secs, f.refuse_every_secs];
        for (i, every) in every.into_iter().enumerate() {
            if every <= 0.0 {
                last[i] = None;
                continue;
            }
            let Some(since) = last[i] else {
                last[i] = Some(now);
                continue;
            };
            if (now - since).num_milliseconds() as f64 / 1000.0 < every {
                continue;
            }
            last[i] = Some(now);
            match i {
                0 => hub.drop_all(),
                1 => hub.stall(None, f.stall_secs),
                _ => {
                    hub.refuse(f.refuse_secs);
                    hub.drop_all();
                }
            }
            hub_state
                .stats
                .fault(["ws_drop", "ws_stall", "ws_refuse"][i]);
            tracing::info!(
                kind = ["drop", "stall", "refuse"][i],
                "kis-sim: periodic WebSocket outage"
            );
        }
    }
}

/// Binds the WebSocket listener on 127.0.0.1:`port` (0 = any free port).
pub(crate) fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(1024)
}

/// Accepts WebSocket connections until `cancel`.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<crate::sim::SimState>,
    cancel: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = cancel.cancelled() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let Some(id) = state.ws.open_session() else {
            // Refused: the connection is closed before the handshake.
            drop(stream);
            continue;
        };
        tokio::spawn(serve_connection(state.clone(), stream, id, cancel.clone()));
    }
}

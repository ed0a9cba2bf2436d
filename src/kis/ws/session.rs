//! The session task: connect, register every desired pair, read frames (echoing PINGPONG,
//! turning records into events, acks into registry changes), detect stalls, and on any loss
//! wait the backoff and start over — for as long as the handle lives.

use super::approval::Approval;
use super::registry::{Outcome, Pair, Registry};
use super::{Cause, Command, Gap, Health, WsEvent, WsSettings, backoff};
use crate::clock::SharedClock;
use crate::kis::wire::ws::{Action, Dates, ServerFrame, parse_frame, subscribe_frame};
use crate::market::kst_date;
use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How a session ended.
enum End {
    /// The caller asked (or went away).
    Closed,
    /// Try again after the backoff.
    Lost(Cause),
    /// Try no more: the credentials are refused.
    Down(String),
}

/// KIS refused a fresh approval key this many times in a row: the appkey itself is bad.
const MAX_REFUSED_KEYS: u32 = 2;
/// How long a polite close may take.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

pub(super) struct Session {
    s: WsSettings,
    clock: SharedClock,
    http: reqwest::Client,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<WsEvent>,
    health: watch::Sender<Health>,
    registry: Registry,
    approval: Approval,
    /// Since when records may have been missed, and which pairs were held then.
    gap: Option<(DateTime<Utc>, Vec<Pair>)>,
    /// Failed tries since the last session that came up.
    attempt: u32,
    refused_keys: u32,
    dates: Dates,
    parsed: Vec<crate::market::LiveEvent>,
}

impl Session {
    pub(super) fn new(
        s: WsSettings,
        clock: SharedClock,
        http: reqwest::Client,
        commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::Sender<WsEvent>,
        health: watch::Sender<Health>,
    ) -> Session {
        let approval = Approval::new(&s);
        let dates = Dates::new(kst_date(clock.now()));
        Session {
            s,
            clock,
            http,
            commands,
            events,
            health,
            registry: Registry::default(),
            approval,
            gap: None,
            attempt: 0,
            refused_keys: 0,
            dates,
            parsed: Vec::new(),
        }
    }

    /// Wants `pair` before the first session.
    pub(super) fn want(&mut self, pair: Pair) {
        self.registry.want(pair);
    }

    async fn emit(&self, e: WsEvent) -> bool {
        self.events.send(e).await.is_ok()
    }

    async fn set_health(&self, h: Health) -> bool {
        self.health.send_replace(h.clone());
        self.emit(WsEvent::Health(h)).await
    }

    /// One session from connect to loss.
    async fn one(&mut self) -> End {
        // The key's 24 h are KIS's real time, whatever clock the market follows.
        let key = match self.approval.get(&self.s, &self.http, Utc::now()).await {
            Ok(k) => k,
            Err(e) if e.is_auth() => return End::Down(format!("approval key refused: {e}")),
            Err(e) => return End::Lost(Cause::Approval(e.to_string())),
        };
        let connect = tokio_tungstenite::connect_async(self.s.ws_url.as_str());
        let mut ws = match tokio::time::timeout(self.s.connect_timeout, connect).await {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => return End::Lost(Cause::Connection(e.to_string())),
            Err(_) => {
                return End::Lost(Cause::Connection(format!(
                    "no answer within {} ms",
                    self.s.connect_timeout.as_millis()
                )));
            }
        };
        tracing::info!(url = %self.s.ws_url, "KIS WebSocket connected");
        for pair in self.registry.new_session() {
            if let Err(e) = self.send(&mut ws, &key, Action::Register, pair).await {
                return End::Lost(e);
            }
        }
        let mut up = false;
        loop {
            if !up && self.registry.settled() {
                up = true;
                if !self.came_up().await {
                    return close(&mut ws).await;
                }
            }
            tokio::select! {
                frame = tokio::time::timeout(self.s.stall_timeout, ws.next()) => {
                    let msg = match frame {
                        Err(_) => {
                            tracing::warn!("KIS WebSocket stalled: reconnecting");
                            let _ = tokio::time::timeout(CLOSE_WAIT, ws.close(None)).await;
                            return self.lost(Cause::Stalled(self.s.stall_timeout));
                        }
                        Ok(None) => return self.lost(Cause::Connection("closed".into())),
                        Ok(Some(Err(e))) => return self.lost(Cause::Connection(e.to_string())),
                        Ok(Some(Ok(m))) => m,
                    };
                    match msg {
                        Message::Text(text) => {
                            if let Some(end) = self.on_text(&mut ws, text).await {
                                return end;
                            }
                        }
                        Message::Close(frame) => {
                            let why = match frame {
                                Some(f) => format!("closed by the server ({} {})", f.code, f.reason),
                                None => "closed by the server".to_string(),
                            };
                            return self.lost(Cause::Connection(why));
                        }
                        // tungstenite answers protocol pings itself; KIS sends text.
                        Message::Binary(_) | Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                    }
                }
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Register(pair)) => {
                        if self.registry.want(pair)
                            && let Err(e) = self.send(&mut ws, &key, Action::Register, pair).await
                        {
                            return self.lost(e);
                        }
                    }
                    Some(Command::Unregister(pair)) => {
                        if self.registry.drop_pair(pair)
                            && let Err(e) = self.send(&mut ws, &key, Action::Unregister, pair).await
                        {
                            return self.lost(e);
                        }
                    }
                    Some(Command::Close) | None => return close(&mut ws).await,
                },
            }
        }
    }

    /// Every registration of a new session is answered: it is up.
    async fn came_up(&mut self) -> bool {
        self.attempt = 0;
        self.refused_keys = 0;
        let subscribed = self.registry.acknowledged().len();
        tracing::info!(subscribed, "KIS WebSocket registrations restored");
        if !self.set_health(Health::Connected { subscribed }).await {
            return false;
        }
        match self.gap.take() {
            Some((from, pairs)) if !pairs.is_empty() => {
                let to = self.clock.now();
                self.emit(WsEvent::Gap(Gap { from, to, pairs })).await
            }
            _ => true,
        }
    }

    /// The session is gone: the gap starts now (unless an earlier loss already started it).
    fn lost(&mut self, cause: Cause) -> End {
        let held = self.registry.acknowledged();
        match &mut self.gap {
            Some((_, pairs)) => {
                for p in held {
                    if !pairs.contains(&p) {
                        pairs.push(p);
                    }
                }
            }
            None => self.gap = Some((self.clock.now(), held)),
        }
        End::Lost(cause)
    }

    /// A text frame; `Some` when it ends the session.
    async fn on_text(
        &mut self,
        ws: &mut Socket,
        text: tokio_tungstenite::tungstenite::Utf8Bytes,
    ) -> Option<End> {
        self.dates.today = kst_date(self.clock.now());
        self.parsed.clear();
        match parse_frame(text.as_str(), &mut self.dates, &mut self.parsed) {
            Ok(ServerFrame::PingPong) => {
                // The identical text back: a protocol pong alone gets the session closed.
                if let Err(e) = ws.send(Message::Text(text)).await {
                    return Some(self.lost(Cause::Connection(e.to_string())));
                }
            }
            Ok(ServerFrame::Data { skipped, error, .. }) => {
                if skipped > 0 {
                    tracing::warn!(
                        skipped,
                        frame = %crate::kis::wire::ws::snippet(text.as_str()),
                        "skipped records that do not parse: {}",
                        error.unwrap_or_default()
                    );
                }
                let events = std::mem::take(&mut self.parsed);
                for e in events {
                    if !self.emit(WsEvent::Live(e)).await {
                        return Some(close_now(ws).await);
                    }
                }
            }
            Ok(ServerFrame::Ack(ack)) => match self.registry.on_ack(&ack) {
                Outcome::Quiet => {}
                Outcome::Refused(pair, reason) => {
                    tracing::warn!(channel = pair.0.label(), code = %pair.1, %reason, "registration refused");
                    if !self.emit(WsEvent::Refused { pair, reason }).await {
                        return Some(close_now(ws).await);
                    }
                }
                Outcome::SessionInUse => {
                    tracing::warn!(
                        "KIS: the appkey's session is in use (OPSP8996); retrying later"
                    );
                    let _ = tokio::time::timeout(CLOSE_WAIT, ws.close(None)).await;
                    return Some(self.lost(Cause::SessionInUse));
                }
                Outcome::InvalidApproval => {
                    self.approval.forget(&self.s);
                    self.refused_keys += 1;
                    let _ = tokio::time::timeout(CLOSE_WAIT, ws.close(None)).await;
                    if self.refused_keys >= MAX_REFUSED_KEYS {
                        return Some(End::Down(format!(
                            "KIS refused {MAX_REFUSED_KEYS} approval keys in a row ({} {})",
                            ack.msg_cd, ack.msg
                        )));
                    }
                    return Some(self.lost(Cause::Approval(format!(
                        "KIS refused the key ({} {}); asking for a new one",
                        ack.msg_cd, ack.msg
                    ))));
                }
            },
            Ok(ServerFrame::Ignored(why)) => tracing::debug!("ignored a frame: {why}"),
            Err(e) => {
                tracing::warn!(frame = %e.snippet, "skipped a frame that does not parse: {}", e.detail)
            }
        }
        None
    }

    async fn send(
        &mut self,
        ws: &mut Socket,
        key: &SecretString,
        action: Action,
        pair: Pair,
    ) -> Result<(), Cause> {
        let frame = subscribe_frame(
            key.expose_secret(),
            &self.s.custtype,
            action,
            pair.0,
            pair.1,
        );
        ws.send(Message::Text(frame.into()))
            .await
            .map_err(|e| Cause::Connection(e.to_string()))?;
        if action == Action::Register {
            self.registry.sent(pair);
        }
        Ok(())
    }

    /// Waits `delay` between sessions, still taking the caller's commands; false on close.
    async fn wait(&mut self, delay: Duration) -> bool {
        let until = tokio::time::Instant::now() + delay;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return true,
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Register(pair)) => {
                        self.registry.want(pair);
                    }
                    Some(Command::Unregister(pair)) => {
                        self.registry.drop_pair(pair);
                    }
                    Some(Command::Close) | None => return false,
                },
            }
        }
    }

    /// The delay before the next try after `cause`.
    fn delay(&mut self, cause: &Cause) -> Duration {
        let since_loss = self
            .gap
            .as_ref()
            .and_then(|(from, _)| (self.clock.now() - *from).to_std().ok());
        let holding = matches!(cause, Cause::SessionInUse)
            && since_loss.is_none_or(|d| d < self.s.slot_hold_window);
        let attempt = if holding { 0 } else { self.attempt };
        self.attempt = self.attempt.saturating_add(1);
        backoff(self.s.backoff_first, attempt, self.s.backoff_max)
    }
}

/// Runs sessions until the handle closes or the credentials are refused.
pub(super) async fn run(mut s: Session) {
    loop {
        match s.one().await {
            End::Closed => return,
            End::Down(cause) => {
                tracing::error!("KIS WebSocket down for good: {cause}");
                if !s.set_health(Health::Down { cause }).await {
                    return;
                }
                // Nothing more to do but wait for the caller to close.
                while let Some(cmd) = s.commands.recv().await {
                    if matches!(cmd, Command::Close) {
                        return;
                    }
                }
                return;
            }
            End::Lost(cause) => {
                let delay = s.delay(&cause);
                let next_try = s.clock.now()
                    + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero());
                tracing::warn!(
                    "KIS WebSocket: {cause}; next try in {} ms",
                    delay.as_millis()
                );
                if !s.set_health(Health::Reconnecting { next_try, cause }).await
                    || !s.wait(delay).await
                {
                    return;
                }
            }
        }
    }
}

/// Closes politely: a close frame, then the server's answer (briefly).
async fn close(ws: &mut Socket) -> End {
    if tokio::time::timeout(CLOSE_WAIT, ws.close(None))
        .await
        .is_ok()
    {
        let drain = async { while let Some(Ok(_)) = ws.next().await {} };
        let _ = tokio::time::timeout(CLOSE_WAIT, drain).await;
    }
    End::Closed
}

/// Closes because the caller went away.
async fn close_now(ws: &mut Socket) -> End {
    let _ = tokio::time::timeout(CLOSE_WAIT, ws.close(None)).await;
    End::Closed
}

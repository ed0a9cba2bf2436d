//! One WebSocket connection: subscribe frames and their acks, PINGPONG and its echo deadline,
//! and the data the market model produces as the sim clock moves.

use super::{End, JunkFrame, PingRecord, SentRecord};
use crate::clock::Clock;
use crate::market::{Env, OrderBook, StockCode, kst_to_utc};
use crate::sim::SimState;
use crate::sim::model::Phase;
use crate::sim::model::intraday::STEP_SECS;
use crate::sim::wire::realtime::{self as rt, ack};
use chrono::{DateTime, Utc};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

type Tx = SplitSink<WebSocketStream<TcpStream>, Message>;
type Sent = Result<(), tokio_tungstenite::tungstenite::Error>;

/// How often the session looks at the clock for data, pings and deadlines (wall time).
const TICK: Duration = Duration::from_millis(25);

/// The TRs each server carries (§13.7).
fn carried(env: Env, tr_id: &str) -> bool {
    match env {
        Env::Real => [
            rt::H0STCNT0,
            rt::H0STASP0,
            rt::H0STANC0,
            rt::H0STMKO0,
            rt::H0STCNI0,
        ]
        .contains(&tr_id),
        Env::Virtual => [rt::H0STCNT0, rt::H0STASP0, rt::H0STCNI9].contains(&tr_id),
    }
}

/// A registration: data is sent for what happens after `since` (sim time).
struct Reg {
    since: DateTime<Utc>,
    ctx: Option<rt::DayCtx>,
}

struct Session {
    st: Arc<SimState>,
    id: u64,
    appkey: Option<String>,
    regs: BTreeMap<(String, String), Reg>,
    /// Text frames sent so far.
    seq: u64,
    iv: String,
    key: String,
    rng: fastrand::Rng,
    next_ping: Instant,
    echo_deadline: Option<Instant>,
    stalled: bool,
}

pub(crate) async fn serve_connection(
    st: Arc<SimState>,
    stream: TcpStream,
    id: u64,
    cancel: CancellationToken,
) {
    let ws = match tokio_tungstenite::accept_async(stream).await {
        Ok(ws) => ws,
        Err(_) => {
            st.ws.end_session(id, None, End::ConnectionLost);
            return;
        }
    };
    let (mut tx, mut rx) = ws.split();
    let mut s = Session::new(st.clone(), id);
    let mut drops = st.ws.drop_all.subscribe();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let end = loop {
        tokio::select! {
            _ = cancel.cancelled() => break End::ServerStopped,
            _ = drops.changed() => break End::Dropped,
            m = rx.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    if s.on_text(&mut tx, t.as_str()).await.is_err() {
                        break End::ConnectionLost;
                    }
                }
                Some(Ok(Message::Pong(_))) => st.ws.protocol_pong(id),
                Some(Ok(Message::Close(_))) => {
                    // tungstenite queued the close reply; send it.
                    let _ = tx.flush().await;
                    break End::ClientClose;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break End::ConnectionLost,
            },
            _ = tick.tick() => match s.on_tick(&mut tx).await {
                Ok(None) => {}
                Ok(Some(end)) => break end,
                Err(_) => break End::ConnectionLost,
            },
        }
    };
    if end == End::PingTimeout {
        let close = CloseFrame {
            code: CloseCode::Policy,
            reason: "PINGPONG timeout".into(),
        };
        let _ = tx.send(Message::Close(Some(close))).await;
    }
    st.ws.end_session(id, s.appkey.as_deref(), end);
    // Dropping both halves closes the TCP connection (no close frame unless sent above).
}

impl Session {
    fn new(st: Arc<SimState>, id: u64) -> Session {
        let mut rng = fastrand::Rng::with_seed(crate::sim::hash::hash(&[st.config.seed, id]));
        let iv: String = (0..16)
            .map(|_| char::from(b"0123456789abcdef"[rng.usize(..16)]))
            .collect();
        let key: String = (0..32).map(|_| rng.lowercase()).collect();
        let ping = st.ws.wall(st.ws.config().ping_secs);
        Session {
            st,
            id,
            appkey: None,
            regs: BTreeMap::new(),
            seq: 0,
            iv,
            key,
            rng,
            next_ping: Instant::now() + ping,
            echo_deadline: None,
            stalled: false,
        }
    }

    async fn send(&mut self, tx: &mut Tx, text: String) -> Sent {
        self.seq += 1;
        tx.send(Message::text(text)).await
    }

    async fn reply(
        &mut self,
        tx: &mut Tx,
        tr_id: &str,
        tr_key: &str,
        code: (&str, &str, &str),
        with_keys: bool,
    ) -> Sent {
        let keys = with_keys.then_some((self.iv.as_str(), self.key.as_str()));
        let text = rt::ack(tr_id, tr_key, code, keys);
        self.st.ws.control_sent(self.id);
        self.send(tx, text).await
    }

    /// A client's text frame: a PINGPONG echo, or a subscribe/unsubscribe request.
    async fn on_text(&mut self, tx: &mut Tx, text: &str) -> Sent {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return self.reply(tx, "", "", ack::BAD_JSON, false).await;
        };
        if rt::is_pingpong(&v) {
            self.echo_deadline = None;
            self.st.ws.echoed(self.id);
            return Ok(());
        }
        let str_at = |p: &str| v.pointer(p).and_then(Value::as_str);
        let tr_id = str_at("/body/input/tr_id").unwrap_or("").to_string();
        let tr_key = str_at("/body/input/tr_key").unwrap_or("").to_string();
        let refusal = if !v.get("header").is_some_and(Value::is_object) {
            Some(ack::NO_HEADER)
        } else if !v.get("body").is_some_and(Value::is_object) {
            Some(ack::NO_BODY)
        } else if !v.pointer("/body/input").is_some_and(Value::is_object) {
            Some(ack::NO_INPUT)
        } else if str_at("/body/input/tr_id").is_none() {
            Some(ack::NO_TR_ID)
        } else if str_at("/body/input/tr_key").is_none() {
            Some(ack::NO_TR_KEY)
        } else if str_at("/header/approval_key").is_none() {
            Some(ack::NO_APPROVAL_KEY)
        } else if !matches!(str_at("/header/tr_type"), Some("1" | "2")) {
            Some(ack::BAD_TR_TYPE)
        } else {
            None
        };
        if let Some(code) = refusal {
            return self.reply(tx, &tr_id, &tr_key, code, false).await;
        }
        let approval_key = str_at("/header/approval_key").unwrap_or("");
        let register = str_at("/header/tr_type") == Some("1");
        let slow = self.st.ws.config().faults.slow_subscribe_ms;
        if slow > 0 {
            self.st.stats.fault("ws_slow_subscribe");
            tokio::time::sleep(Duration::from_millis(slow)).await;
        }
        let now = self.st.clock.now();
        let bound = self.appkey.clone();
        let code = match self.st.auth.approval_owner(approval_key, now) {
            None => ack::BAD_APPROVAL,
            Some((owner, live)) => match bound {
                Some(bound) if bound != owner => ack::BAD_APPROVAL,
                Some(_) => self.request(&tr_id, &tr_key, register, now),
                None if !live => ack::BAD_APPROVAL,
                None if !self.st.ws.bind(self.id, &owner) => ack::IN_USE,
                None => {
                    self.appkey = Some(owner);
                    self.request(&tr_id, &tr_key, register, now)
                }
            },
        };
        let with_keys = code.0 == "0";
        self.reply(tx, &tr_id, &tr_key, code, with_keys).await
    }

    /// A well-formed request on a bound session: the ack code.
    fn request(
        &mut self,
        tr_id: &str,
        tr_key: &str,
        register: bool,
        now: DateTime<Utc>,
    ) -> (&'static str, &'static str, &'static str) {
        if !carried(self.st.config.env, tr_id) {
            return ack::BAD_TR_ID;
        }
        let key_ok = if tr_id == rt::H0STCNI0 || tr_id == rt::H0STCNI9 {
            !tr_key.is_empty()
                && tr_key.len() <= 16
                && tr_key.chars().all(|c| c.is_ascii_alphanumeric())
        } else {
            StockCode::new(tr_key)
                .ok()
                .is_some_and(|c| self.st.market.stock(c).is_some())
        };
        if !key_ok {
            return ack::BAD_TR_KEY;
        }
        let pair = (tr_id.to_string(), tr_key.to_string());
        if register {
            if self.regs.contains_key(&pair) {
                return ack::ALREADY;
            }
            if self.regs.len() >= self.st.ws.config().max_registrations {
                self.st.ws.over_cap(self.id, tr_id, tr_key);
                return ack::MAX_OVER;
            }
            self.regs.insert(
                pair,
                Reg {
                    since: now,
                    ctx: None,
                },
            );
            self.st.ws.registered(self.id, tr_id, tr_key, true);
            ack::SUBSCRIBED
        } else if self.regs.remove(&pair).is_some() {
            self.st.ws.registered(self.id, tr_id, tr_key, false);
            ack::UNSUBSCRIBED
        } else {
            ack::NOT_FOUND
        }
    }

    /// Pings, the echo deadline, and the data due since the last tick.
    async fn on_tick(
        &mut self,
        tx: &mut Tx,
    ) -> Result<Option<End>, tokio_tungstenite::tungstenite::Error> {
        let cfg = self.st.ws.config();
        let now = Instant::now();
        let stalled = self.st.ws.stalled(self.id);
        if stalled || self.stalled {
            // Nothing goes out while stalled; what fell due meanwhile is never sent.
            if stalled && !self.stalled {
                self.st.ws.stall_entered(self.id);
            }
            self.stalled = stalled;
            self.echo_deadline = None;
            self.next_ping = now + self.st.ws.wall(cfg.ping_secs);
            let t = self.st.clock.now();
            for r in self.regs.values_mut() {
                r.since = r.since.max(t);
            }
            if stalled {
                return Ok(None);
            }
        }
        if self.echo_deadline.is_some_and(|d| now >= d) {
            return Ok(Some(End::PingTimeout));
        }
        if now >= self.next_ping {
            let at = self.st.clock.now();
            let datetime = at
                .with_timezone(&crate::market::KST)
                .format("%Y%m%d%H%M%S")
                .to_string();
            self.st.ws.ping_sent(PingRecord {
                session: self.id,
                datetime: datetime.clone(),
                sent_at: at,
                wall: Utc::now(),
                echoed: None,
            });
            self.send(tx, rt::pingpong(&datetime)).await?;
            if self.echo_deadline.is_none() {
                self.echo_deadline = Some(now + self.st.ws.wall(cfg.echo_timeout_secs));
            }
            self.next_ping = now + self.st.ws.wall(cfg.ping_secs);
        }
        self.emit(tx, &cfg).await?;
        Ok(None)
    }

    /// Sends the records that fell due, oldest first, batched per TR.
    async fn emit(&mut self, tx: &mut Tx, cfg: &super::WsConfig) -> Sent {
        let now = self.st.clock.now();
        let mut due: Vec<(DateTime<Utc>, &'static str, String, String)> = Vec::new();
        let m = self.st.market.clone();
        for ((tr_id, tr_key), reg) in self.regs.iter_mut() {
            if now <= reg.since {
                reg.since = reg.since.min(now);
                continue;
            }
            let Ok(code) = StockCode::new(tr_key) else {
                continue;
            };
            let after = reg.since;
            reg.since = now;
            match tr_id.as_str() {
                rt::H0STCNT0 => {
                    let trades = m.trades_between(code, after, now);
                    let mut book: Option<(DateTime<Utc>, Option<OrderBook>)> = None;
                    for t in &trades {
                        let ctx = day_ctx(&self.st, code, t.at, &mut reg.ctx);
                        let Some(ctx) = ctx else { continue };
                        if book.as_ref().is_none_or(|(at, _)| *at != t.at) {
                            book = Some((t.at, m.book_at(code, t.at)));
                        }
                        let b = book.as_ref().and_then(|(_, b)| b.as_ref());
                        due.push((
                            t.at,
                            rt::H0STCNT0,
                            tr_key.clone(),
                            rt::trade_record(&ctx, t, b),
                        ));
                    }
                }
                rt::H0STASP0 => {
                    for at in m.book_changes_between(after, now) {
                        let (Some(ctx), Some(book), Some(snap)) = (
                            day_ctx(&self.st, code, at, &mut reg.ctx),
                            m.book_at(code, at),
                            m.snapshot_at(code, at),
                        ) else {
                            continue;
                        };
                        let prev = m
                            .book_at(code, at - chrono::Duration::seconds(STEP_SECS))
                            .map(|b| (b.total_ask_qty, b.total_bid_qty))
                            .unwrap_or((book.total_ask_qty, book.total_bid_qty));
                        let x = rt::BookCtx {
                            time: at.with_timezone(&crate::market::KST).time(),
                            hour_cls: hour_cls(snap.phase),
                            expected: snap.expected,
                            acc_volume: snap.volume,
                            prev_totals: prev,
                        };
                        due.push((
                            at,
                            rt::H0STASP0,
                            tr_key.clone(),
                            rt::book_record(&ctx, &book, &x, cfg.book_fields_2026),
                        ));
                    }
                }
                rt::H0STANC0 => {
                    for at in m.book_changes_between(after, now) {
                        let (Some(ctx), Some(snap)) = (
                            day_ctx(&self.st, code, at, &mut reg.ctx),
                            m.snapshot_at(code, at),
                        ) else {
                            continue;
                        };
                        if !matches!(
                            snap.phase,
                            Phase::PreOpenAuction { .. } | Phase::ClosingAuction { .. }
                        ) || snap.expected.is_none()
                        {
                            continue;
                        }
                        let book = m.book_at(code, at);
                        let time = at.with_timezone(&crate::market::KST).time();
                        due.push((
                            at,
                            rt::H0STANC0,
                            tr_key.clone(),
                            rt::expected_record(&ctx, &snap, time, book.as_ref()),
                        ));
                    }
                }
                rt::H0STMKO0 => {
                    let managed = m.stock(code).is_some_and(|s| s.flags.managed);
                    let mut events = market_events(&self.st, after, now);
                    events.extend(vi_events(&self.st, code, after, now));
                    for (at, event) in events {
                        if let Some(ctx) = day_ctx(&self.st, code, at, &mut reg.ctx) {
                            let record = rt::market_status_record(&ctx, event, managed);
                            due.push((at, rt::H0STMKO0, tr_key.clone(), record));
                        }
                    }
                }
                _ => {}
            }
        }
        due.sort_by_key(|d| d.0);
        let batch = cfg.max_batch.clamp(1, 999);
        let mut i = 0;
        while i < due.len() {
            let tr_id = due[i].1;
            let mut j = i;
            while j < due.len() && due[j].1 == tr_id && j - i < batch {
                j += 1;
            }
            self.junk_before(tx, cfg).await?;
            let records: Vec<String> = due[i..j]
                .iter()
                .map(|d| {
                    if cfg.faults.extra_fields {
                        format!("{}^0^0^N", d.3)
                    } else {
                        d.3.clone()
                    }
                })
                .collect();
            let text = rt::frame(tr_id, &records);
            self.send(tx, text).await?;
            let wall = Utc::now();
            let sent: Vec<SentRecord> = due[i..j]
                .iter()
                .zip(records)
                .enumerate()
                .map(|(k, (d, record))| SentRecord {
                    session: self.id,
                    seq: self.seq,
                    index: k,
                    tr_id: tr_id.to_string(),
                    tr_key: d.2.clone(),
                    record,
                    sent_at: now,
                    wall,
                })
                .collect();
            self.st.ws.frame_sent(self.id, &sent);
            i = j;
        }
        Ok(())
    }

    /// The malformed and unknown-TR faults: a junk frame before a data frame.
    async fn junk_before(&mut self, tx: &mut Tx, cfg: &super::WsConfig) -> Sent {
        let f = &cfg.faults;
        let mut junk: Vec<(&str, Message, String)> = Vec::new();
        if f.malformed > 0.0 && self.rng.f64() < f.malformed {
            let (kind, text) = match self.rng.usize(..4) {
                0 => ("truncated", "0|H0STCNT0|002|005930^0901".to_string()),
                1 => ("not_json", "{\"header\":{\"tr_id\":".to_string()),
                2 => (
                    "encrypted",
                    "1|H0STCNI0|001|bm90IGEgcmVhbCBub3RpY2U=".to_string(),
                ),
                _ => ("binary", String::new()),
            };
            if kind == "binary" {
                let bytes = vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x7c];
                junk.push((kind, Message::binary(bytes.clone()), hex::encode(bytes)));
            } else {
                junk.push((kind, Message::text(text.clone()), text));
            }
        }
        if f.unknown_tr > 0.0 && self.rng.f64() < f.unknown_tr {
            let text = "0|H0ZZZZZ0|001|005930^093000^1^2^3".to_string();
            junk.push(("unknown_tr", Message::text(text.clone()), text));
        }
        for (kind, msg, text) in junk {
            self.st.stats.fault(&format!("ws_{kind}"));
            self.seq += 1;
            self.st.ws.junk_sent(JunkFrame {
                session: self.id,
                seq: self.seq,
                kind: kind.to_string(),
                text,
                sent_at: self.st.clock.now(),
            });
            tx.send(msg).await?;
        }
        Ok(())
    }
}

/// The session changes of the trading day in force at `upto` that fall in `(after, upto]`.
fn market_events(
    st: &SimState,
    after: DateTime<Utc>,
    upto: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, rt::MarketEvent)> {
    let date = crate::market::kst_date(upto);
    let Some(t) = st.market.calendar().session_times(date) else {
        return Vec::new();
    };
    [
        (t.pre_open_auction, rt::MarketEvent::PreOpenAuction),
        (t.open, rt::MarketEvent::Open),
        (t.closing_auction, rt::MarketEvent::ClosingAuction),
        (t.close, rt::MarketEvent::Close),
    ]
    .into_iter()
    .map(|(time, e)| (kst_to_utc(date.and_time(time)), e))
    .filter(|(at, _)| *at > after && *at <= upto)
    .collect()
}

/// The static VIs of `code` triggered or released in `(after, upto]`: VI_CLS_CODE Y at the
/// trigger, N at the release (the model's ground truth, as inquire-vi-status reports it).
fn vi_events(
    st: &SimState,
    code: StockCode,
    after: DateTime<Utc>,
    upto: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, rt::MarketEvent)> {
    let mut out = Vec::new();
    for vi in st.market.vi_events_at(Some(code), upto) {
        let (Some(date), Some(t)) = (vi.date, vi.triggered_at) else {
            continue;
        };
        let on = kst_to_utc(date.and_time(t));
        let off = match vi.released_at {
            Some(r) => kst_to_utc(date.and_time(r)),
            None => on + chrono::Duration::minutes(crate::sim::model::overview::VI_MINUTES),
        };
        for (at, e) in [(on, true), (off, false)] {
            if at > after && at <= upto {
                out.push((at, rt::MarketEvent::Vi { on: e }));
            }
        }
    }
    out
}

fn hour_cls(p: Phase) -> &'static str {
    match p {
        Phase::PreOpenAuction { .. } => "B",
        Phase::ClosingAuction { .. } => "A",
        Phase::Continuous { .. } | Phase::Final => "0",
    }
}

/// The day's fixed values for `code` at `at`, cached per trading day.
fn day_ctx(
    st: &SimState,
    code: StockCode,
    at: DateTime<Utc>,
    cache: &mut Option<rt::DayCtx>,
) -> Option<rt::DayCtx> {
    let date = crate::market::kst_date(at);
    if let Some(c) = cache.as_ref()
        && c.date == date
    {
        return Some(c.clone());
    }
    let snap = st.market.snapshot_at(code, at)?;
    let stock = st.market.stock(code)?;
    let times = st.market.calendar().session_times(snap.date)?;
    let open = kst_to_utc(snap.date.and_time(times.open));
    let cont_end = kst_to_utc(snap.date.and_time(times.closing_auction));
    let c = rt::DayCtx {
        code: code.as_str().to_string(),
        date: snap.date,
        base: snap.base,
        upper: snap.upper_limit,
        lower: snap.lower_limit,
        prev_volume: snap.prev.map(|p| p.volume).unwrap_or(0),
        listed_shares: stock.listed_shares,
        steps: ((cont_end - open).num_seconds() / STEP_SECS).max(1) as usize,
        open: times.open,
        halted: stock.flags.halted,
    };
    *cache = Some(c.clone());
    Some(c)
}

//! The KIS WebSocket client (`kis::ws`) against an in-process kis-sim over a real WebSocket:
//! a stream with two forced drops, a stall, junk frames and 62-field books loses nothing while
//! a session is up (every record kis-sim sent, once, in order, field by field), reports each
//! gap for the down time, restores every registration, waits out OPSP8996 during the slot
//! hold and uses one approval key; and PINGPONG is answered so that kis-sim never closes a
//! session over a long accelerated run with a short echo timeout.

use chrono::{DateTime, Utc};
use hoga::clock::SharedClock;
use hoga::kis::ws::{Cause, Channel, Gap, Health, WsClient, WsEvent, WsSettings};
use hoga::market::{KST, LiveEvent, StockCode, kst_to_utc};
use hoga::sim::{
    ClockMode, SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET, WsConfig, WsFaults,
};
use secrecy::SecretString;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A KST instant of a trading day (a Thursday).
fn at(hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("2026-11-26 {hm}"), "%Y-%m-%d %H:%M")
        .unwrap();
    kst_to_utc(t)
}

async fn sim(factor: f64, ws: WsConfig) -> SimHandle {
    let config = SimConfig {
        clock: ClockMode::Accelerated {
            start: at("10:00"),
            factor,
        },
        ..SimConfig::default()
    };
    SimServer::start(config.ws_port(0).ws(ws))
        .await
        .expect("kis-sim starts")
}

fn settings(sim: &SimHandle, dir: &std::path::Path) -> WsSettings {
    let mut s = WsSettings::new(
        sim.ws_url().expect("kis-sim serves WebSocket"),
        sim.base_url(),
        SecretString::from(TEST_APP_KEY.to_string()),
        SecretString::from(TEST_APP_SECRET.to_string()),
        dir.join("kis-ws-approval.json"),
    );
    s.stall_timeout = Duration::from_secs(2);
    s
}

fn codes(sim: &SimHandle, n: usize) -> Vec<StockCode> {
    sim.market()
        .stocks()
        .iter()
        .filter(|s| !s.flags.halted)
        .take(n)
        .map(|s| s.code)
        .collect()
}

/// Every event the client reported, with when it arrived.
struct Log {
    events: Vec<(Instant, WsEvent)>,
}

impl Log {
    /// Reads events until `done` holds for the log (or the deadline, a failure).
    async fn until(
        &mut self,
        rx: &mut mpsc::Receiver<WsEvent>,
        what: &str,
        secs: u64,
        done: impl Fn(&[(Instant, WsEvent)]) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !done(&self.events) {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(e)) => self.events.push((Instant::now(), e)),
                Ok(None) => panic!("the client ended while waiting for {what}"),
                Err(_) => panic!("no {what} within {secs} s; events: {:?}", self.health()),
            }
        }
    }

    /// Reads events for `d`.
    async fn for_a_while(&mut self, rx: &mut mpsc::Receiver<WsEvent>, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        while let Ok(Some(e)) = tokio::time::timeout_at(until, rx.recv()).await {
            self.events.push((Instant::now(), e));
        }
    }

    fn health(&self) -> Vec<&Health> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                WsEvent::Health(h) => Some(h),
                _ => None,
            })
            .collect()
    }

    fn gaps(&self) -> Vec<&Gap> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                WsEvent::Gap(g) => Some(g),
                _ => None,
            })
            .collect()
    }

    fn live(&self) -> Vec<&LiveEvent> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                WsEvent::Live(l) => Some(l),
                _ => None,
            })
            .collect()
    }
}

fn connected_count(events: &[(Instant, WsEvent)]) -> usize {
    events
        .iter()
        .filter(|(_, e)| matches!(e, WsEvent::Health(Health::Connected { .. })))
        .count()
}

fn kst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST).format("%Y%m%d%H%M%S").to_string()
}

/// What a record kis-sim sent says, read by the documented positions (KIS_API.md §6.4, §6.5),
/// in the same words as the client's event. Books carry only a time of day.
fn truth_line(tr_id: &str, record: &str) -> String {
    let f: Vec<&str> = record.split('^').collect();
    let n = |i: usize| {
        f[i].parse::<i64>()
            .unwrap_or_else(|_| panic!("{tr_id} field {}: {:?}", i + 1, f[i]))
    };
    match tr_id {
        "H0STCNT0" => {
            let sign = if matches!(f[3], "4" | "5") {
                -1
            } else if f[3] == "3" {
                0
            } else {
                1
            };
            let side = match f[21] {
                "1" => "buy",
                "5" => "sell",
                _ => "-",
            };
            format!(
                "trade {} {}{} {} {} {} {} {} {} {}",
                f[0],
                f[33],
                f[1],
                n(2),
                sign * n(4).abs(),
                f[5].parse::<f64>().unwrap(),
                n(12),
                n(13),
                n(14),
                side
            )
        }
        "H0STASP0" => {
            let side = |p: usize, q: usize| -> String {
                (0..10)
                    .map(|i| format!("{}x{}", n(p + i), n(q + i)))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!(
                "book {} {} {} {} {} {}",
                f[0],
                f[1],
                side(3, 23),
                side(13, 33),
                n(43),
                n(44)
            )
        }
        other => panic!("unexpected TR {other}"),
    }
}

fn event_line(e: &LiveEvent) -> String {
    match e {
        LiveEvent::Trade(t) => format!(
            "trade {} {} {} {} {} {} {} {} {}",
            t.code,
            kst_time(t.at),
            t.price.0,
            t.change.0,
            t.change_rate.as_f64(),
            t.qty,
            t.acc_volume,
            t.acc_value.0,
            match t.side {
                Some(hoga::market::Side::Buy) => "buy",
                Some(hoga::market::Side::Sell) => "sell",
                None => "-",
            }
        ),
        LiveEvent::Book(b) => {
            let side = |ls: &[hoga::market::Level]| {
                ls.iter()
                    .map(|l| format!("{}x{}", l.price.0, l.qty))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!(
                "book {} {} {} {} {} {}",
                b.code,
                b.as_of.with_timezone(&KST).format("%H%M%S"),
                side(&b.asks),
                side(&b.bids),
                b.total_ask_qty,
                b.total_bid_qty
            )
        }
        other => panic!("not registered: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_while_a_session_is_up_across_drops_a_stall_and_junk() {
    // 10× market time: pings every 2 s, the slot held 1.5 s after an abnormal end.
    let sim = sim(
        10.0,
        WsConfig {
            ping_secs: 20.0,
            echo_timeout_secs: 100.0,
            slot_hold_secs: 15.0,
            book_fields_2026: true,
            faults: WsFaults {
                malformed: 0.05,
                unknown_tr: 0.05,
                ..WsFaults::default()
            },
            ..WsConfig::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let clock: SharedClock = hoga::clock::system();
    let stocks = codes(&sim, 3);
    let trades = stocks.iter().map(|c| (Channel::Trades, *c));
    let pairs: Vec<_> = trades
        .chain(stocks.iter().map(|c| (Channel::Book, *c)))
        .collect();
    let (ws, mut rx) = WsClient::start(settings(&sim, dir.path()), clock, &pairs[..5]).unwrap();
    // One more after the start, as a screen asking for it later would.
    ws.register(pairs[5].0, pairs[5].1);
    let mut log = Log { events: Vec::new() };
    log.until(&mut rx, "the first session", 20, |e| {
        connected_count(e) == 1
    })
    .await;
    log.for_a_while(&mut rx, Duration::from_secs(3)).await;
    for n in 2..=3 {
        sim.ws().drop_all();
        log.until(&mut rx, "a session after a drop", 30, |e| {
            connected_count(e) == n
        })
        .await;
        log.for_a_while(&mut rx, Duration::from_secs(2)).await;
    }
    // A stall longer than the client's stall timeout (2 s): no data, no PINGPONG.
    sim.ws().stall(None, 100.0);
    log.until(&mut rx, "a session after the stall", 30, |e| {
        connected_count(e) == 4
    })
    .await;
    log.for_a_while(&mut rx, Duration::from_secs(2)).await;
    ws.close().await;
    while let Some(e) = rx.recv().await {
        log.events.push((Instant::now(), e));
    }

    // Every record kis-sim sent, in order, once, field by field.
    let sent: Vec<String> = sim
        .ws()
        .sent(None)
        .into_iter()
        .filter(|r| r.tr_id == "H0STCNT0" || r.tr_id == "H0STASP0")
        .map(|r| truth_line(&r.tr_id, &r.record))
        .collect();
    let got: Vec<String> = log.live().into_iter().map(event_line).collect();
    assert!(
        sent.len() > 50,
        "too little data to prove anything: {}",
        sent.len()
    );
    assert!(!sim.ws().junk().is_empty(), "no junk frames were sent");
    if got != sent {
        let first = got.iter().zip(&sent).position(|(a, b)| a != b);
        panic!(
            "received {} records, kis-sim sent {}; first difference at {first:?}: got {:?}, sent {:?}",
            got.len(),
            sent.len(),
            first.map(|i| &got[i]),
            first.map(|i| &sent[i])
        );
    }
    // 62-field books were among them.
    assert!(
        sim.ws()
            .sent(None)
            .iter()
            .any(|r| r.tr_id == "H0STASP0" && r.record.split('^').count() == 62)
    );

    // Four sessions of ours; every one after the first registered all six pairs again.
    let sessions = sim.ws().sessions();
    assert_eq!(
        sessions.iter().filter(|s| s.appkey_tail.is_some()).count(),
        4,
        "{sessions:?}"
    );
    let log_regs = sim.ws().registration_log();
    for s in sessions.iter().filter(|s| s.appkey_tail.is_some()) {
        let regs = log_regs
            .iter()
            .filter(|r| r.session == s.id && r.action == "register")
            .count();
        assert_eq!(regs, 6, "session {} registered {regs} pairs", s.id);
    }
    // The slot hold was met with OPSP8996 and waited out.
    assert!(
        log.health().iter().any(|h| matches!(
            h,
            Health::Reconnecting {
                cause: Cause::SessionInUse,
                ..
            }
        )),
        "{:?}",
        log.health()
    );
    // One gap per outage, from the loss to the restoration, with the pairs held.
    let gaps = log.gaps();
    assert_eq!(gaps.len(), 3, "{gaps:?}");
    let ours: Vec<_> = sessions
        .iter()
        .filter(|s| s.appkey_tail.is_some())
        .collect();
    for (i, g) in gaps.iter().enumerate() {
        assert_eq!(g.pairs.len(), 6, "{g:?}");
        let ended = ours[i].ended.expect("the lost session ended");
        let restored = log_regs
            .iter()
            .filter(|r| r.session == ours[i + 1].id && r.action == "register")
            .map(|r| r.wall)
            .max()
            .expect("registrations on the next session");
        let tol = chrono::Duration::milliseconds(1_500);
        assert!(
            (g.from - ended).abs() < tol,
            "gap {i} from {} but session ended {ended}",
            g.from
        );
        assert!(
            g.to >= restored - tol && g.to - restored < tol,
            "gap {i} to {} but restored {restored}",
            g.to
        );
    }
    // One approval key for the whole run.
    let stats = sim.stats();
    assert_eq!(
        (stats.approvals_issued, stats.approvals_reused),
        (1, 0),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pingpong_echoes_keep_a_long_accelerated_session_open() {
    // Ten minutes of market time in ten seconds: a PINGPONG every 20 s of it, and the session
    // closed 5 s after an unanswered one (50 ms of wall time).
    let sim = sim(
        60.0,
        WsConfig {
            ping_secs: 20.0,
            echo_timeout_secs: 5.0,
            ..WsConfig::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let pair = (Channel::Trades, codes(&sim, 1)[0]);
    let (ws, mut rx) =
        WsClient::start(settings(&sim, dir.path()), hoga::clock::system(), &[pair]).unwrap();
    let mut log = Log { events: Vec::new() };
    log.until(&mut rx, "the session", 20, |e| connected_count(e) == 1)
        .await;
    log.for_a_while(&mut rx, Duration::from_secs(10)).await;
    ws.close().await;
    let sessions = sim.ws().sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_ne!(sessions[0].end.as_deref(), Some("ping_timeout"));
    let pings = sim.ws().pings();
    assert!(pings.len() >= 25, "only {} pings", pings.len());
    // Every ping but possibly the last (sent as the session closed) was echoed as text.
    let unanswered = pings.iter().filter(|p| p.echoed.is_none()).count();
    assert!(
        unanswered <= 1,
        "{unanswered} of {} pings unanswered",
        pings.len()
    );
    assert_eq!(connected_count(&log.events), 1);
    assert!(
        !log.health()
            .iter()
            .any(|h| matches!(h, Health::Reconnecting { .. })),
        "{:?}",
        log.health()
    );
}

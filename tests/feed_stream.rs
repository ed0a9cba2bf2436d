//! The feed's live stream against an in-process kis-sim over real WebSocket and HTTP: the
//! registration slots are given by priority and never exceed the cap, even with 60 codes and
//! the focus moving all the time; pairs the server refuses are polled over REST; while the
//! stream is down REST serves everything, and after it comes back the gap is reported and the
//! streamed stocks are fetched again.

use chrono::{DateTime, Utc};
use hoga::clock::{ModeClock, SharedClock};
use hoga::config::{Config, Settings};
use hoga::feed::{Event, Feed, Interest, Pace, StreamState};
use hoga::market::{StockCode, kst_to_utc};
use hoga::paths::Paths;
use hoga::sim::{
    ClockMode, SimConfig, SimHandle, SimServer, TEST_APP_KEY, TEST_APP_SECRET, WsConfig,
};
use hoga::source::factory;
use hoga::source::live::{Channel, Health};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

fn at(hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("2026-11-26 {hm}"), "%Y-%m-%d %H:%M")
        .unwrap();
    kst_to_utc(t)
}

fn mode() -> ClockMode {
    ClockMode::Accelerated {
        start: at("10:00"),
        factor: 1.0,
    }
}

async fn sim(ws: WsConfig) -> SimHandle {
    let config = SimConfig {
        clock: mode(),
        ..SimConfig::default()
    };
    SimServer::start(config.ws_port(0).ws(ws))
        .await
        .expect("kis-sim starts")
}

/// A feed over a KIS source on `sim`, streaming, on the sim's clock.
fn feed(sim: &SimHandle, dir: &std::path::Path) -> (Feed, mpsc::UnboundedReceiver<Event>) {
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.ws_url = sim.ws_url();
    c.kis.master_url = sim.master_url();
    c.redis.enabled = false;
    let settings = Settings::build(&c, &Paths::under(dir))
        .unwrap_or_else(|p| panic!("invalid test config: {p:?}"));
    let clock: SharedClock = Arc::new(ModeClock::new(mode()));
    let source = factory::kis_source(&settings.source, clock.clone()).expect("source");
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Feed::spawn(Arc::new(source), clock, tx, Pace::default()),
        rx,
    )
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

/// Reads events until `done` says so; fails after `secs`.
async fn until(
    rx: &mut mpsc::UnboundedReceiver<Event>,
    what: &str,
    secs: u64,
    mut done: impl FnMut(&Event) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) if done(&e) => return,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the feed ended while waiting for {what}"),
            Err(_) => panic!("no {what} within {secs} s"),
        }
    }
}

/// The most pairs any session of `sim` held at once, replaying its registration log.
fn peak_registrations(sim: &SimHandle) -> usize {
    let mut held: BTreeMap<u64, std::collections::BTreeSet<(String, String)>> = BTreeMap::new();
    let mut peak = 0;
    for e in sim.ws().registration_log() {
        let s = held.entry(e.session).or_default();
        match e.action.as_str() {
            "register" => {
                s.insert((e.tr_id, e.tr_key));
            }
            "refused" => {}
            _ => {
                s.remove(&(e.tr_id, e.tr_key));
            }
        }
        peak = peak.max(s.len());
    }
    peak
}

/// Registrations kis-sim refused at the cap (OPSP0008).
fn cap_refusals(sim: &SimHandle) -> usize {
    sim.ws()
        .registration_log()
        .iter()
        .filter(|e| e.action == "refused")
        .count()
}

fn interest(codes: &[StockCode], focus: usize, version: u64) -> Interest {
    Interest {
        focused: Some(codes[focus]),
        version,
        period: Some(hoga::market::Interval::Min1),
        book: true,
        info: false,
        watchlist: codes[..30].to_vec(),
        more: codes[30..].to_vec(),
        refresh: 0,
        indices: Vec::new(),
        ranking: None,
        alerts: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_codes_and_a_moving_focus_never_exceed_the_cap() {
    let sim = sim(WsConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (feed, mut rx) = feed(&sim, dir.path());
    let codes = codes(&sim, 60);
    feed.set_interest(interest(&codes, 0, 1));
    let mut last: Option<StreamState> = None;
    until(&mut rx, "a stream holding 41 pairs", 20, |e| {
        if let Event::Stream(s) = e {
            last = Some(s.clone());
        }
        last.as_ref()
            .is_some_and(|s| s.is_up() && s.registered.len() == 41)
    })
    .await;
    // The open stock's trades, its book and its status first, then the rows top down.
    let s = last.clone().unwrap();
    assert_eq!(s.registered[0], (Channel::Trades, codes[0]));
    assert_eq!(s.registered[1], (Channel::Book, codes[0]));
    assert_eq!(s.registered[2], (Channel::Status, codes[0]));
    assert_eq!(s.registered[3], (Channel::Trades, codes[1]));
    // The focus moves every 250 ms for 60 moves, over rows on screen and off it.
    for step in 1..=60u64 {
        let focus = ((step * 7) % 60) as usize;
        feed.set_interest(interest(&codes, focus, 1 + step));
        tokio::time::sleep(Duration::from_millis(250)).await;
        while rx.try_recv().is_ok() {}
    }
    // Let the last moves be answered.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let peak = peak_registrations(&sim);
    assert_eq!(peak, 41, "the session held at most the cap, and used it");
    assert_eq!(
        cap_refusals(&sim),
        0,
        "no registration was refused: every move unregistered before it registered"
    );
    assert_eq!(sim.stats().rate_limited, 0, "zero EGW00201");
    // What kis-sim holds now is what the feed wants for the last focus.
    let regs = sim.ws().registrations();
    let (_, held) = regs.iter().next().expect("one live session");
    assert_eq!(held.len(), 41);
    let focus = codes[(60 * 7) % 60];
    assert!(held.contains(&("H0STASP0".to_string(), focus.as_str().to_string())));
    let books = held.iter().filter(|(tr, _)| tr == "H0STASP0").count();
    assert_eq!(books, 1, "only the open stock's book is streamed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_pairs_are_polled_over_rest() {
    // Another program holds most of the appkey's slots: kis-sim lets this session have 12.
    let sim = sim(WsConfig {
        max_registrations: 12,
        ..WsConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (feed, mut rx) = feed(&sim, dir.path());
    let codes = codes(&sim, 60);
    feed.set_interest(interest(&codes, 0, 1));
    let mut state: Option<StreamState> = None;
    until(&mut rx, "refusals settled", 20, |e| {
        if let Event::Stream(s) = e {
            state = Some(s.clone());
        }
        state
            .as_ref()
            .is_some_and(|s| s.is_up() && s.registered.len() == 12 && !s.refused.is_empty())
    })
    .await;
    let s = state.unwrap();
    assert!(s.registered.contains(&(Channel::Trades, codes[0])));
    // A row refused its trades is polled: its quote comes over REST.
    let refused_row = s
        .refused
        .iter()
        .find(|(ch, c)| *ch == Channel::Trades && codes[..30].contains(c))
        .map(|p| p.1)
        .expect("a watchlist row was refused");
    until(
        &mut rx,
        "the refused row's quote over REST",
        20,
        |e| match e {
            Event::Quotes {
                reply: Ok(list), ..
            } => list.iter().any(|q| q.value.code == refused_row),
            _ => false,
        },
    )
    .await;
    assert_eq!(peak_registrations(&sim), 12);
    assert!(cap_refusals(&sim) > 0);
    assert_eq!(sim.stats().rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_takes_over_while_the_stream_is_down_and_the_gap_is_reported() {
    let sim = sim(WsConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (feed, mut rx) = feed(&sim, dir.path());
    let codes = codes(&sim, 8);
    feed.set_interest(Interest {
        focused: Some(codes[0]),
        version: 1,
        period: Some(hoga::market::Interval::Min1),
        book: true,
        info: false,
        watchlist: codes.clone(),
        more: Vec::new(),
        refresh: 0,
        indices: Vec::new(),
        ranking: None,
        alerts: Vec::new(),
    });
    until(&mut rx, "a streamed trade", 30, |e| {
        matches!(e, Event::Trade { .. })
    })
    .await;
    // kis-sim drops every session and refuses connections for 4 s.
    sim.ws().refuse(4.0);
    sim.ws().drop_all();
    until(
        &mut rx,
        "the stream reconnecting",
        10,
        |e| matches!(e, Event::Stream(s) if matches!(s.health, Health::Reconnecting { .. })),
    )
    .await;
    // REST serves the rows and the book while it is down.
    let mut quotes = false;
    let mut book = false;
    until(&mut rx, "REST quotes and book during the outage", 10, |e| {
        match e {
            Event::Quotes { reply: Ok(_), .. } => quotes = true,
            Event::Book { reply: Ok(b), .. } => {
                book |= matches!(b.provenance, hoga::market::Provenance::Live { .. })
            }
            _ => {}
        }
        quotes && book
    })
    .await;
    let mut gap = None;
    until(&mut rx, "the gap after the stream is back", 30, |e| {
        if let Event::Gap { codes, from, to } = e {
            gap = Some((codes.clone(), *from, *to));
        }
        gap.is_some()
    })
    .await;
    let (gap_codes, from, to) = gap.unwrap();
    assert!(to > from);
    for c in &codes {
        assert!(gap_codes.contains(c), "{c} was streamed before the drop");
    }
    // After it: streaming again, and the streamed stocks fetched again over REST.
    let mut resynced = false;
    let mut traded = false;
    until(&mut rx, "trades and a REST resync after the gap", 30, |e| {
        match e {
            Event::Quotes { reply: Ok(_), .. } => resynced = true,
            Event::Trade { .. } => traded = true,
            _ => {}
        }
        resynced && traded
    })
    .await;
}

//! Candles from the stream: the 1-minute candles the client builds from streamed trades
//! (`market::candle::apply_trade`, the rule the monitor's chart follows) equal kis-sim's REST
//! minute bars for every minute of a 30-minute accelerated session, and the day's bar, grown
//! from a REST daily chart by the same trades, equals the REST quote at the end. Real
//! WebSocket and HTTP; the accumulated volume of every trade adds up.

use chrono::{DateTime, Utc};
use hoga::clock::{Clock, ModeClock, SharedClock};
use hoga::config::{Config, Settings};
use hoga::kis::ws::{Channel, WsClient, WsEvent};
use hoga::market::candle::apply_trade;
use hoga::market::{Calendar, Candle, Interval, LiveEvent, Period, StockCode, Trade, kst_to_utc};
use hoga::paths::Paths;
use hoga::sim::{ClockMode, SimConfig, SimServer, TEST_APP_KEY, TEST_APP_SECRET, WsConfig};
use hoga::source::{DataSource, Req, factory};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn at(hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("2026-11-26 {hm}"), "%Y-%m-%d %H:%M")
        .unwrap();
    kst_to_utc(t)
}

/// What a candle is, without where it came from.
fn ohlcv(c: &Candle) -> (Option<chrono::NaiveTime>, i64, i64, i64, i64, u64) {
    (c.time, c.open.0, c.high.0, c.low.0, c.close.0, c.volume)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minute_candles_from_the_stream_equal_rest_minute_bars() {
    // The market waits at 10:00 while the day so far is read and the stream registers;
    // then 30 minutes of session run in 30 s of wall time.
    let mode = ClockMode::Accelerated {
        start: at("10:00"),
        factor: 60.0,
    };
    let config = SimConfig {
        clock: ClockMode::Frozen(at("10:00")),
        ..SimConfig::default()
    };
    let sim = SimServer::start(config.ws_port(0).ws(WsConfig::default()))
        .await
        .expect("kis-sim starts");
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::default();
    c.kis.app_key = Some(SecretString::from(TEST_APP_KEY.to_string()));
    c.kis.app_secret = Some(SecretString::from(TEST_APP_SECRET.to_string()));
    c.kis.base_url = Some(sim.base_url());
    c.kis.ws_url = sim.ws_url();
    c.kis.master_url = sim.master_url();
    c.redis.enabled = false;
    let settings = Settings::build(&c, &Paths::under(dir.path())).expect("config");
    let clock: SharedClock = Arc::new(ModeClock::new(mode.clone()));
    let source = factory::kis_source(&settings.source, clock.clone()).expect("source");
    let codes: Vec<StockCode> = sim
        .market()
        .stocks()
        .iter()
        .filter(|s| !s.flags.halted)
        .take(3)
        .map(|s| s.code)
        .collect();
    let pairs: Vec<_> = codes.iter().map(|c| (Channel::Trades, *c)).collect();
    // The day so far, over REST: the base the stream grows.
    let today = at("10:00").with_timezone(&hoga::market::KST).date_naive();
    let mut days: HashMap<StockCode, Vec<Candle>> = HashMap::new();
    for c in &codes {
        let bars = source
            .chart(
                *c,
                Period::Day,
                today - chrono::Duration::days(10),
                today,
                Req::INTERACTIVE.refresh(),
            )
            .await
            .expect("daily chart")
            .value;
        days.insert(*c, bars);
    }
    let ws = factory::ws_settings(&settings.source).expect("ws settings");
    let (client, mut events) = WsClient::start(ws, clock.clone(), &pairs).expect("client");
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Some(WsEvent::Health(hoga::kis::ws::Health::Connected { subscribed }))) => {
                assert_eq!(subscribed, 3);
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no session: {other:?}"),
        }
    }
    sim.clock().set_mode(mode);
    let mut trades: HashMap<StockCode, Vec<Trade>> = HashMap::new();
    let end = at("10:30");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while Clock::now(sim.clock()) < end {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the session did not reach 10:30"
        );
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(WsEvent::Live(LiveEvent::Trade(t)))) => {
                trades.entry(t.code).or_default().push(t)
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the client ended"),
            Err(_) => panic!("no event for 5 s"),
        }
    }
    // Stop the market where it is, and take what was sent up to that instant.
    let stop = Clock::now(sim.clock());
    sim.clock().set(stop);
    let drain = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Some(e)) = tokio::time::timeout_at(drain, events.recv()).await {
        if let WsEvent::Live(LiveEvent::Trade(t)) = e {
            trades.entry(t.code).or_default().push(t);
        }
    }
    client.close().await;
    let cal = Calendar::krx();
    for code in &codes {
        let list = trades.get(code).expect("trades of every code");
        assert!(list.len() > 100, "{code}: {} trades", list.len());
        // Nothing missed: each trade adds its quantity to the day's volume.
        for w in list.windows(2) {
            assert_eq!(
                w[0].acc_volume + w[1].qty,
                w[1].acc_volume,
                "{code} at {}",
                w[1].at
            );
        }
        let mut built: Vec<Candle> = Vec::new();
        for t in list {
            apply_trade(&mut built, Interval::Min1, t, cal);
        }
        let rest = source
            .minute_chart(*code, Req::INTERACTIVE.refresh())
            .await
            .expect("minute chart")
            .value;
        let rest: HashMap<_, _> = rest.iter().map(|c| (c.time, ohlcv(c))).collect();
        // The first minute began before the registration; every later one is whole, the
        // forming one included (the market stopped where the stream did).
        assert!(built.len() >= 29, "{code}: {} minutes", built.len());
        for c in built.iter().skip(1) {
            assert_eq!(
                rest.get(&c.time),
                Some(&ohlcv(c)),
                "{code}: the minute {:?} from the stream",
                c.time
            );
        }
        // The day's bar: the REST chart of the morning grown by the stream = the REST quote.
        let day = days.get_mut(code).unwrap();
        for t in list {
            apply_trade(day, Interval::Day, t, cal);
        }
        let bar = day.last().unwrap();
        let q = source
            .quote(*code, Req::INTERACTIVE.refresh())
            .await
            .expect("quote")
            .value;
        assert_eq!(bar.date, today);
        assert_eq!(
            (bar.open, bar.high, bar.low, bar.close, bar.volume),
            (q.open, q.high, q.low, q.price, q.volume),
            "{code}: the day's bar against the quote at {stop}"
        );
    }
}

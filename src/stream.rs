//! `hoga stream CODE... [--book] [--json] [--duration SECS]`: the headless stream. Registers
//! the codes' trades (then, with `--book`, their books) on the appkey's one WebSocket session
//! up to the registration cap, polls the rest over REST within the rate budget, and prints
//! every event — one line for people, or NDJSON — until `--duration` ends or SIGINT/SIGTERM.
//! Then it closes the session with a close frame. Nothing here knows KIS field names.

use crate::clock::SharedClock;
use crate::exit::Exit;
use crate::kis::ws::{Channel, Health, Pair, WsClient, WsEvent, WsSettings};
use crate::market::{KST, LiveEvent, OrderBook, Quote, Side, StockCode, Trade};
use crate::source::factory::{self, SourceChoice};
use crate::source::{DataSource, Req, SourceError};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// KIS's registration cap per session (KIS_API.md §13.2).
pub const MAX_REGISTRATIONS: u16 = 41;

/// How often the codes without a WebSocket slot are polled (the rate limiter may space the
/// calls further apart: the budget is shared with everything else on the appkey).
const POLL_EVERY: Duration = Duration::from_secs(1);

/// `hoga stream CODE...`
#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// Six-character stock codes, e.g. 005930 000660: their trades are streamed (in this
    /// order until the registration cap; the rest are polled over REST).
    #[arg(value_name = "CODE", required = true)]
    pub codes: Vec<String>,
    /// Also stream the codes' 10-level order books (after every code's trades).
    #[arg(long)]
    pub book: bool,
    /// Print NDJSON events on stdout (diagnostics go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Stop this many seconds after the start (default: run until SIGINT or SIGTERM).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// Registrations to use on the session (KIS allows 41 per appkey, shared by every
    /// real-time product on it).
    #[arg(long, value_name = "N", default_value_t = MAX_REGISTRATIONS,
          value_parser = clap::value_parser!(u16).range(1..=41))]
    pub slots: u16,
    /// Take the session for dead after this many seconds without any frame (KIS sends
    /// PINGPONG about every 20 s), and reconnect.
    #[arg(long, value_name = "SECS", default_value_t = 65,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub stall_secs: u64,
}

/// Which pairs get a WebSocket slot, in the order §5 gives: every code's trades, then (with
/// `--book`) every code's book, until `slots`. The codes whose trades got no slot are polled.
pub fn plan(codes: &[StockCode], book: bool, slots: usize) -> (Vec<Pair>, Vec<StockCode>) {
    let trades = codes.iter().map(|c| (Channel::Trades, *c));
    let books = codes.iter().filter(|_| book).map(|c| (Channel::Book, *c));
    let streamed: Vec<Pair> = trades.chain(books).take(slots).collect();
    let polled = codes
        .iter()
        .filter(|c| !streamed.contains(&(Channel::Trades, **c)))
        .copied()
        .collect();
    (streamed, polled)
}

/// Runs `hoga stream` for the binary; returns the exit code. `started` is when the process
/// started (`--duration` counts from it).
pub fn execute(
    args: &StreamArgs,
    source_settings: &factory::Settings,
    choice: SourceChoice,
    clock: SharedClock,
    started: Instant,
) -> u8 {
    let fail = |msg: String| {
        tracing::error!(target: crate::logging::FILE_ONLY, "stream: {msg}");
        eprintln!("hoga: {msg}");
        u8::from(Exit::Config)
    };
    if choice == SourceChoice::Mock {
        return fail("hoga stream reads KIS's WebSocket; there is no simulated stream".into());
    }
    let mut codes: Vec<StockCode> = Vec::with_capacity(args.codes.len());
    for c in &args.codes {
        match StockCode::new(c) {
            Ok(code) if !codes.contains(&code) => codes.push(code),
            Ok(_) => {}
            Err(e) => return fail(e.to_string()),
        }
    }
    let mut settings = match factory::ws_settings(source_settings) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    settings.stall_timeout = Duration::from_secs(args.stall_secs);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hoga: cannot start the runtime: {e}");
            return Exit::Data.into();
        }
    };
    let deadline = args.duration.map(|d| started + Duration::from_secs(d));
    rt.block_on(async {
        let source: Arc<dyn DataSource> = match factory::kis_source(source_settings, clock.clone())
        {
            Ok(s) => Arc::new(s),
            Err(e) => return fail(e.to_string()),
        };
        let opts = Options {
            json: args.json,
            book: args.book,
            slots: usize::from(args.slots),
            deadline,
        };
        let mut out = std::io::stdout();
        run(&codes, opts, settings, source, clock, &mut out)
            .await
            .into()
    })
}

/// What `run` was asked for.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub json: bool,
    pub book: bool,
    pub slots: usize,
    /// When to stop (`None`: at SIGINT or SIGTERM only).
    pub deadline: Option<Instant>,
}

/// A REST poll's result for the printing loop (and `hoga alerts`'s).
pub enum Polled {
    Quote(Quote, DateTime<Utc>),
    /// The credentials were refused: stop with exit 2.
    Auth(String),
}

/// Streams `codes` and writes events to `out` until the deadline or a signal.
pub async fn run(
    codes: &[StockCode],
    opts: Options,
    settings: WsSettings,
    source: Arc<dyn DataSource>,
    clock: SharedClock,
    out: &mut dyn Write,
) -> Exit {
    let (streamed, polled) = plan(codes, opts.book, opts.slots);
    let (ws, mut events) = match WsClient::start(settings, clock.clone(), &streamed) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("hoga: {e}");
            return Exit::Data;
        }
    };
    let polled = Arc::new(Mutex::new(polled));
    let (quote_tx, mut quotes) = mpsc::channel(1024);
    let pace = PollPace {
        live: POLL_EVERY,
        idle: POLL_EVERY,
    };
    let poller = tokio::spawn(poll(source, polled.clone(), quote_tx, clock.clone(), pace));
    let stop = crate::signal::interrupted();
    tokio::pin!(stop);
    let deadline = until(opts.deadline);
    tokio::pin!(deadline);
    let mut printer = Printer::new(out, opts.json);
    let (mut exit, mut streaming, mut in_outage) = (Exit::Ok, false, false);
    while printer.open {
        tokio::select! {
            _ = &mut deadline => break,
            _ = &mut stop => break,
            polled = quotes.recv() => match polled {
                Some(Polled::Quote(q, at)) => printer.quote(&q, at),
                Some(Polled::Auth(e)) => {
                    eprintln!("hoga: {e}");
                    exit = Exit::Config;
                    break;
                }
                None => {}
            },
            ev = events.recv() => match ev {
                None => break,
                Some(WsEvent::Live(LiveEvent::Trade(t))) => printer.trade(&t),
                Some(WsEvent::Live(LiveEvent::Book(b))) => printer.book(&b),
                Some(WsEvent::Live(_)) => {}
                Some(WsEvent::Health(h)) => match h {
                    Health::Connecting => {}
                    Health::Connected { subscribed } => {
                        streaming = true;
                        in_outage = false;
                        printer.status("connected", subscribed, "every registration answered");
                    }
                    Health::Reconnecting { cause, .. } => {
                        if !in_outage {
                            in_outage = true;
                            printer.status("reconnecting", 0, &cause.to_string());
                        }
                    }
                    Health::Down { cause } => {
                        printer.status("down", 0, &cause);
                        eprintln!("hoga: {cause}");
                        exit = Exit::Config;
                        break;
                    }
                },
                Some(WsEvent::Refused { pair: (channel, code), reason }) => {
                    eprintln!("hoga: {} of {code} refused ({reason}): {}", channel.label(),
                        if channel == Channel::Trades { "polled over REST" } else { "not printed" });
                    if channel == Channel::Trades {
                        let mut p = polled.lock().unwrap_or_else(|e| e.into_inner());
                        if !p.contains(&code) {
                            p.push(code);
                        }
                    }
                }
                Some(WsEvent::Gap(g)) => {
                    let codes: Vec<StockCode> = g
                        .pairs
                        .iter()
                        .filter(|(c, _)| *c == Channel::Trades)
                        .map(|(_, code)| *code)
                        .collect();
                    if !codes.is_empty() {
                        printer.gap(&codes, g.from, g.to);
                    }
                }
            },
        }
    }
    poller.abort();
    ws.close().await;
    if exit == Exit::Ok && !streaming && !streamed.is_empty() {
        eprintln!("hoga: no WebSocket session could be opened");
        return Exit::NothingFetched;
    }
    exit
}

/// How often [`poll`] asks: while the KRX session is live, and outside it.
#[derive(Clone, Copy, Debug)]
pub struct PollPace {
    pub live: Duration,
    pub idle: Duration,
}

/// Polls the quotes of `codes` (the codes without a slot; the list may grow as the stream
/// refuses registrations), at background priority, until aborted or `tx` closes. A refused
/// credential is sent once and ends the poll; other failures are reported and retried.
pub async fn poll(
    source: Arc<dyn DataSource>,
    codes: Arc<Mutex<Vec<StockCode>>>,
    tx: mpsc::Sender<Polled>,
    clock: SharedClock,
    pace: PollPace,
) {
    let calendar = crate::market::Calendar::krx();
    loop {
        let now: Vec<StockCode> = codes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if !now.is_empty() {
            match source.quotes(&now, Req::BACKGROUND).await {
                Ok(quotes) => {
                    let at = clock.now();
                    for q in quotes {
                        if tx.send(Polled::Quote(q.value, at)).await.is_err() {
                            return;
                        }
                    }
                }
                Err(SourceError::Auth(e)) => {
                    let _ = tx
                        .send(Polled::Auth(format!("authentication failed: {e}")))
                        .await;
                    return;
                }
                Err(e) => eprintln!("hoga: REST quotes: {e}"),
            }
        }
        let live = calendar.session_at(clock.now()).is_live();
        tokio::time::sleep(if live { pace.live } else { pace.idle }).await;
    }
}

/// Writes events, one line each; stops at a closed pipe.
/// Writes one line per event, NDJSON or for people; stops at a closed pipe (`open` false).
pub(crate) struct Printer<'a> {
    out: &'a mut dyn Write,
    json: bool,
    pub(crate) open: bool,
}

/// Resolves at `at` (`--duration`'s end), never without one.
pub(crate) async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// An instant as RFC 3339 in KST, to the second.
fn kst(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// An instant as a KST wall-clock time for people.
fn kst_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn side(s: Option<Side>) -> Value {
    match s {
        Some(Side::Buy) => json!("buy"),
        Some(Side::Sell) => json!("sell"),
        None => Value::Null,
    }
}

impl<'a> Printer<'a> {
    pub(crate) fn new(out: &'a mut dyn Write, json: bool) -> Printer<'a> {
        Printer {
            out,
            json,
            open: true,
        }
    }

    /// `json` as one NDJSON line, or `text()` for people.
    pub(crate) fn line(&mut self, json: Value, text: impl FnOnce() -> String) {
        let line = if self.json { json.to_string() } else { text() };
        if let Err(e) = writeln!(self.out, "{line}").and_then(|_| self.out.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("hoga: cannot write output: {e}");
            }
            self.open = false;
        }
    }

    fn trade(&mut self, t: &Trade) {
        let v = json!({
            "type": "trade",
            "code": t.code.as_str(),
            "time": kst(t.at),
            "price": t.price.0,
            "change": t.change.0,
            "change_rate": t.change_rate.as_f64(),
            "qty": t.qty,
            "acc_volume": t.acc_volume,
            "acc_value": t.acc_value.0,
            "side": side(t.side),
            "via": "ws",
        });
        self.line(v, || {
            format!(
                "{} trade {} {} {:+} ({}%) qty {} volume {} value {}{}",
                kst_text(t.at),
                t.code,
                t.price,
                t.change.0,
                t.change_rate,
                t.qty,
                crate::market::group_thousands(i64::try_from(t.acc_volume).unwrap_or(i64::MAX)),
                t.acc_value,
                match t.side {
                    Some(Side::Buy) => " buy",
                    Some(Side::Sell) => " sell",
                    None => "",
                }
            )
        });
    }

    fn book(&mut self, b: &OrderBook) {
        let levels = |ls: &[crate::market::Level]| -> Vec<Value> {
            ls.iter()
                .map(|l| json!({"price": l.price.0, "qty": l.qty}))
                .collect()
        };
        let v = json!({
            "type": "book",
            "code": b.code.as_str(),
            "time": kst(b.as_of),
            "asks": levels(&b.asks),
            "bids": levels(&b.bids),
            "total_ask_qty": b.total_ask_qty,
            "total_bid_qty": b.total_bid_qty,
            "via": "ws",
        });
        self.line(v, || {
            let best = |ls: &[crate::market::Level]| {
                ls.first()
                    .map_or("-".to_string(), |l| format!("{}×{}", l.price, l.qty))
            };
            format!(
                "{} book {} ask {} bid {} total ask {} bid {}",
                kst_text(b.as_of),
                b.code,
                best(&b.asks),
                best(&b.bids),
                b.total_ask_qty,
                b.total_bid_qty
            )
        });
    }

    fn quote(&mut self, q: &Quote, at: DateTime<Utc>) {
        let v = json!({
            "type": "quote",
            "code": q.code.as_str(),
            "time": kst(at),
            "price": q.price.0,
            "change": q.change.0,
            "acc_volume": q.volume,
            "via": "rest",
        });
        self.line(v, || {
            format!(
                "{} quote {} {} {:+} volume {} (REST)",
                kst_text(at),
                q.code,
                q.price,
                q.change.0,
                q.volume
            )
        });
    }

    fn status(&mut self, stream: &str, subscribed: usize, reason: &str) {
        let v =
            json!({"type": "status", "stream": stream, "subscribed": subscribed, "reason": reason});
        self.line(v, || match stream {
            "connected" => format!("stream connected: {subscribed} registered"),
            _ => format!("stream {stream}: {reason}"),
        });
    }

    fn gap(&mut self, codes: &[StockCode], from: DateTime<Utc>, to: DateTime<Utc>) {
        let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        let v = json!({"type": "gap", "codes": list, "from": kst(from), "to": kst(to)});
        self.line(v, || {
            format!(
                "gap {} from {} to {}: trades in between may be missing",
                list.join(","),
                kst_text(from),
                kst_text(to)
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(n: usize) -> Vec<StockCode> {
        (0..n)
            .map(|i| StockCode::new(&format!("{:06}", 100 + i)).unwrap())
            .collect()
    }

    #[test]
    fn slots_go_to_every_code_s_trades_then_books_until_the_cap() {
        let c = codes(3);
        let (s, p) = plan(&c, true, 41);
        assert_eq!(s.len(), 6);
        assert_eq!(s[0], (Channel::Trades, c[0]));
        assert_eq!(s[3], (Channel::Book, c[0]));
        assert!(p.is_empty());
        let c = codes(45);
        let (s, p) = plan(&c, true, 41);
        assert_eq!(s.len(), 41);
        assert!(s.iter().all(|(ch, _)| *ch == Channel::Trades));
        assert_eq!(p, c[41..].to_vec());
        let (s, p) = plan(&codes(2), true, 3);
        assert_eq!(
            s.iter().map(|p| p.0).collect::<Vec<_>>(),
            [Channel::Trades, Channel::Trades, Channel::Book]
        );
        assert!(p.is_empty());
    }

    #[test]
    fn ndjson_shapes() {
        let mut buf = Vec::new();
        let mut p = Printer {
            out: &mut buf,
            json: true,
            open: true,
        };
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 1, 31, 5).unwrap();
        p.trade(&Trade {
            code: StockCode::new("005930").unwrap(),
            at,
            price: crate::market::Krw(80_200),
            change: crate::market::Krw(-1_800),
            change_rate: crate::market::Rate(-220),
            qty: 15,
            acc_volume: 1_234_567,
            acc_value: crate::market::Krw(98_765_432_100),
            side: Some(Side::Buy),
            strength: None,
        });
        p.gap(&[StockCode::new("005930").unwrap()], at, at);
        p.status("connected", 2, "x");
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines[0],
            json!({"type":"trade","code":"005930","time":"2026-12-01T10:31:05+09:00","price":80200,
                   "change":-1800,"change_rate":-2.2,"qty":15,"acc_volume":1234567,
                   "acc_value":98765432100u64,"side":"buy","via":"ws"})
        );
        assert_eq!(lines[1]["codes"], json!(["005930"]));
        assert_eq!(lines[2]["subscribed"], 2);
    }
}

//! `hoga alerts [--json] [--duration SECS]`: the headless alerts. Evaluates the config's
//! `[[alerts]]` and the monitor's rules (`alerts.json` in the state dir) on live data and
//! prints each firing — one line for people, or NDJSON
//! `{"type":"alert","code","rule","value","threshold","time"}` — until `--duration` ends or
//! SIGINT/SIGTERM (exit 0). The data: the stream where the source has one (the KIS WebSocket:
//! each code's trades, in the registration plan of `hoga stream`, the rest polled), REST
//! polling otherwise (and on the simulated market). Streamed codes are also polled now and then
//! for what trades do not carry (the day's limits, the VI flag); on the real server the VI
//! rules' stocks get the VI notices (장운영정보) with the slots left after the trades. The fired state is the
//! monitor's, so a rule that fired and is still true does not fire again after a restart.
//! Nothing here knows KIS field names.

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::exit::Exit;
use crate::feed::alerts::{AlertEngine, UserRules, alert_json, alert_line, merged};
use crate::market::alert::{Firing, Rule, average_volume};
use crate::market::{Calendar, LiveEvent, Period, StockCode, kst_date};
use crate::source::factory::{self, SourceChoice};
use crate::source::live::{Channel, Health, StreamEvent};
use crate::source::{DataSource, Req, SourceKind};
use crate::stream::{PollPace, Polled, Printer, plan, poll, until};
use clap::Args;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The codes without a stream slot: polled this often while the market is live (the limiter
/// may space the calls further apart), and outside it.
const POLL: PollPace = PollPace {
    live: Duration::from_secs(1),
    idle: Duration::from_secs(30),
};
/// The streamed codes: polled this often for their limits and VI flag.
const REFRESH: PollPace = PollPace {
    live: Duration::from_secs(30),
    idle: Duration::from_secs(120),
};
/// Calendar days of daily bars fetched for the 20-day average volume.
const AVERAGE_WINDOW_DAYS: i64 = 45;

/// `hoga alerts`
#[derive(Debug, Clone, Args)]
pub struct AlertsArgs {
    /// Print NDJSON alerts on stdout (diagnostics go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Stop this many seconds after the start (default: run until SIGINT or SIGTERM).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
}

/// Runs `hoga alerts` for the binary; returns the exit code. `started` is when the process
/// started (`--duration` counts from it).
pub fn execute(
    args: &AlertsArgs,
    settings: &Settings,
    choice: SourceChoice,
    clock: SharedClock,
    started: Instant,
) -> u8 {
    let (user, warnings) = UserRules::load(&settings.alerts.state_dir);
    for w in &warnings {
        tracing::warn!(target: crate::logging::FILE_ONLY, "{w}");
        eprintln!("hoga: warning: {w}");
    }
    let rules: Vec<Rule> = merged(&settings.alerts.rules, &user)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    if rules.is_empty() {
        eprintln!(
            "hoga: no alert rules: add [[alerts]] tables to the config (a stock code and one \
             condition, e.g. code = \"005930\" and price_at_or_above = 100000; see \
             config.example.toml), or define alerts in the monitor"
        );
        return Exit::Config.into();
    }
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
        let source = match factory::build(&settings.source, choice, clock.clone()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("hoga: {e}");
                return u8::from(if e.is_auth() {
                    Exit::Config
                } else {
                    Exit::Data
                });
            }
        };
        let (engine, warnings) =
            AlertEngine::new(&settings.alerts, &rules, Calendar::krx().clone());
        for w in &warnings {
            tracing::warn!(target: crate::logging::FILE_ONLY, "{w}");
            eprintln!("hoga: warning: {w}");
        }
        let mut out = std::io::stdout();
        let opts = Options {
            json: args.json,
            deadline,
        };
        run(engine, source, clock, opts, &mut out).await.into()
    })
}

/// What `run` was asked for.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub json: bool,
    /// When to stop (`None`: at SIGINT or SIGTERM only).
    pub deadline: Option<Instant>,
}

/// Each stock's 20-day average volume, for the volume-ratio rules: its daily bars, once.
async fn fetch_averages(engine: &mut AlertEngine, source: &dyn DataSource, clock: &SharedClock) {
    let today = kst_date(clock.now());
    let from = today - chrono::Duration::days(AVERAGE_WINDOW_DAYS);
    for code in engine.evaluator().volume_codes() {
        match source
            .chart(code, Period::Day, from, today, Req::BACKGROUND)
            .await
        {
            Ok(bars) => match average_volume(&bars.value, today) {
                Some(avg) if avg > 0 => engine.evaluator_mut().set_average_volume(code, avg),
                _ => eprintln!(
                    "hoga: {code}: no daily volume before today; its volume rules stay silent"
                ),
            },
            Err(e) => eprintln!(
                "hoga: {code}: daily bars for the average volume: {e}; its volume rules stay \
                 silent"
            ),
        }
    }
}

/// Evaluates the engine's rules on `source`'s live data and writes each firing to `out`
/// until the deadline or a signal.
pub async fn run(
    mut engine: AlertEngine,
    source: Arc<dyn DataSource>,
    clock: SharedClock,
    opts: Options,
    out: &mut dyn Write,
) -> Exit {
    fetch_averages(&mut engine, source.as_ref(), &clock).await;
    let codes: Vec<StockCode> = engine.evaluator().codes();
    // The simulated market is polled: its quotes carry everything the rules read.
    let mut stream = match source.kind() {
        SourceKind::Simulated => None,
        SourceKind::Kis(_) => source.open_stream(),
    };
    let (mut streamed, polled) = match &stream {
        Some(s) => plan(&codes, false, s.cap),
        None => (Vec::new(), codes.clone()),
    };
    // VI notices (장운영정보, real server only) for the VI rules' stocks, with the slots left.
    if let Some(s) = &stream
        && s.channels.contains(&Channel::Status)
    {
        let vi = engine.evaluator().vi_codes();
        let room = s.cap.saturating_sub(streamed.len());
        streamed.extend(vi.into_iter().take(room).map(|c| (Channel::Status, c)));
    }
    if let Some(s) = &stream {
        for pair in &streamed {
            s.handle.register(*pair);
        }
    }
    let streamed_codes: Vec<StockCode> = streamed
        .iter()
        .filter(|(ch, _)| *ch == Channel::Trades)
        .map(|(_, c)| *c)
        .collect();
    eprintln!(
        "hoga: {} alert rules on {} stocks: {} streamed, {} polled",
        engine.evaluator().rules().count(),
        codes.len(),
        streamed_codes.len(),
        polled.len()
    );
    let polled = Arc::new(Mutex::new(polled));
    let (quote_tx, mut quotes) = mpsc::channel(1024);
    let mut pollers = vec![tokio::spawn(poll(
        source.clone(),
        polled.clone(),
        quote_tx.clone(),
        clock.clone(),
        POLL,
    ))];
    if !streamed_codes.is_empty() {
        pollers.push(tokio::spawn(poll(
            source.clone(),
            Arc::new(Mutex::new(streamed_codes)),
            quote_tx,
            clock.clone(),
            REFRESH,
        )));
    } else {
        drop(quote_tx);
    }
    let stop = crate::signal::interrupted();
    tokio::pin!(stop);
    let deadline = until(opts.deadline);
    tokio::pin!(deadline);
    let mut printer = Printer::new(out, opts.json);
    let mut exit = Exit::Ok;
    while printer.open {
        let event = async {
            match stream.as_mut() {
                Some(s) => s.events.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut deadline => break,
            _ = &mut stop => break,
            polled = quotes.recv() => match polled {
                Some(Polled::Quote(q, _)) => print_firings(&mut printer, &engine.on_quote(&q)),
                Some(Polled::Auth(e)) => {
                    eprintln!("hoga: {e}");
                    exit = Exit::Config;
                    break;
                }
                None => {}
            },
            ev = event => match ev {
                None => stream = None,
                Some(StreamEvent::Live(LiveEvent::Trade(t))) => {
                    print_firings(&mut printer, &engine.on_trade(&t));
                }
                Some(StreamEvent::Live(LiveEvent::Status(s))) => {
                    print_firings(&mut printer, &engine.on_vi(s.code, clock.now(), s.flags.vi));
                }
                Some(StreamEvent::Live(_)) | Some(StreamEvent::Gap(_)) => {}
                Some(StreamEvent::Health(h)) => match h {
                    Health::Connected { subscribed } => {
                        eprintln!("hoga: stream connected: {subscribed} registered");
                    }
                    Health::Down { cause } => {
                        eprintln!("hoga: {cause}");
                        exit = Exit::Config;
                        break;
                    }
                    Health::Connecting | Health::Reconnecting { .. } => {}
                },
                Some(StreamEvent::Refused { pair: (channel, code), reason }) => {
                    if channel == Channel::Trades {
                        eprintln!("hoga: trades of {code} refused ({reason}): polled over REST");
                        let mut p = polled.lock().unwrap_or_else(|e| e.into_inner());
                        if !p.contains(&code) {
                            p.push(code);
                        }
                    }
                }
            },
        }
    }
    for p in pollers {
        p.abort();
    }
    drop(stream);
    exit
}

/// Writes firings, one line each, with `hoga stream`'s printer; stops at a closed pipe.
fn print_firings(printer: &mut Printer<'_>, firings: &[Firing]) {
    for f in firings {
        if !printer.open {
            return;
        }
        printer.line(alert_json(f), || alert_line(f));
    }
}

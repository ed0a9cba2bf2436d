//! The background task layer between the data source and the UI. The UI says what is on screen
//! (`Interest`); this task polls exactly that at a pace that fits the market session, one
//! request in flight per kind (identical requests coalesce), and reports every reply or failure
//! as an [`Event`] tagged with the version it was asked for. The UI never awaits the network;
//! errors never end anything — they become events with the next try's time.

pub mod alerts;
mod event;
mod live;

pub use event::{Event, Failure, Interest, Reply, StreamState};

use crate::clock::SharedClock;
use crate::market::interval::aggregate_minutes;
use crate::market::{
    Calendar, Candle, Interval, InvestorDay, OrderBook, Period, Provenance, Quote, RankKind,
    RankMarket, RankRow, Session, StockCode, StockInfo, ViEvent, kst_date,
};
use crate::source::live::Channel;
use crate::source::{DataSource, Priority, Req, SourceError, SourceKind, SourceStatus, Sourced};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How often each kind of data is fetched while the market is live, and when it is not.
#[derive(Clone, Debug)]
pub struct Pace {
    pub book: Duration,
    pub quote: Duration,
    pub watchlist: Duration,
    pub chart_minute: Duration,
    pub chart_period: Duration,
    pub info: Duration,
    /// The index strip (three calls a round: 0.6 a second, a thirtieth of the real budget).
    pub index: Duration,
    /// The open stock's investor flows and VI (two calls a round, while the info pane shows).
    /// Flows are published after the close; the VI state also comes with every quote.
    pub flows: Duration,
    /// The ranking on screen (one call a round). Rankings move slowly and the open stock's
    /// book and quote come first: with the strip, 0.7 calls a second, under 4 % of 20.
    pub ranking: Duration,
    /// Everything, outside market hours (the close does not change).
    pub closed: Duration,
    pub status: Duration,
    /// What is streamed is still fetched over REST this often: the fields a stream does not
    /// carry (the day's limits, the previous close) and a check on what it does.
    pub streamed: Duration,
    /// Backoff after failures: doubling from `backoff_min` up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            book: Duration::from_secs(1),
            quote: Duration::from_secs(1),
            watchlist: Duration::from_secs(2),
            chart_minute: Duration::from_secs(20),
            chart_period: Duration::from_secs(60),
            info: Duration::from_secs(600),
            index: Duration::from_secs(5),
            ranking: Duration::from_secs(10),
            flows: Duration::from_secs(60),
            closed: Duration::from_secs(600),
            status: Duration::from_secs(1),
            streamed: Duration::from_secs(30),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Job {
    Universe,
    Quote,
    Book,
    Watchlist,
    Chart,
    Info,
    Index,
    Ranking,
    Flows,
    Watched,
}

impl Job {
    const ALL: [Job; 10] = [
        Job::Book,
        Job::Quote,
        Job::Watchlist,
        Job::Chart,
        Job::Info,
        Job::Flows,
        Job::Index,
        Job::Ranking,
        Job::Watched,
        Job::Universe,
    ];
}

/// The wait before the next fetch of `job` after a success, given the session. `budget_limit`
/// is the source's requests per second (0 = unknown); a tiny budget (the paper-trading
/// server's 1/s) slows everything down so the focused stock still gets through.
pub fn pace_for(
    pace: &Pace,
    job: Job,
    period: Option<Interval>,
    session: Session,
    budget_limit: u32,
) -> Duration {
    let live = match job {
        Job::Book => pace.book,
        Job::Quote => pace.quote,
        Job::Watchlist => pace.watchlist,
        Job::Chart => match period {
            Some(i) if i.is_intraday() => pace.chart_minute,
            _ => pace.chart_period,
        },
        Job::Info => pace.info,
        Job::Index => pace.index,
        Job::Ranking => pace.ranking,
        Job::Flows => pace.flows,
        // The alert rules' stocks nothing else brings: as often as the watchlist rows.
        Job::Watched => pace.watchlist,
        Job::Universe => Duration::from_secs(24 * 3600),
    };
    let base = if session.is_live() {
        live
    } else {
        live.max(pace.closed)
    };
    match (budget_limit > 0 && budget_limit < 5, job) {
        // The open stock's book gets every other request of a 1-a-second budget (when it is
        // not streamed), so the watchlist rows still fill; everything else a quarter of it.
        (true, Job::Book) => base * 2,
        (true, _) => base * 4,
        (false, _) => base,
    }
}

/// The wait after `failures` failures in a row: the one backoff rule (`clock::doubling`).
pub fn backoff(pace: &Pace, failures: u32) -> Duration {
    crate::clock::doubling(
        pace.backoff_min,
        failures.saturating_sub(1),
        pace.backoff_max,
    )
}

enum Done {
    Universe(Result<Sourced<Vec<crate::market::Listing>>, SourceError>),
    Quote(StockCode, u64, Result<Sourced<Quote>, SourceError>),
    Book(StockCode, u64, Result<Sourced<OrderBook>, SourceError>),
    Watchlist(Result<Vec<Sourced<Quote>>, SourceError>),
    Chart(
        StockCode,
        Interval,
        u64,
        Result<Sourced<Vec<Candle>>, SourceError>,
    ),
    Info(StockCode, u64, Result<Sourced<StockInfo>, SourceError>),
    Index(Result<Vec<Sourced<crate::market::IndexQuote>>, SourceError>),
    Ranking(
        RankKind,
        RankMarket,
        Result<Sourced<Vec<RankRow>>, SourceError>,
    ),
    Flows(
        StockCode,
        u64,
        Result<Sourced<Vec<InvestorDay>>, SourceError>,
        Result<Sourced<Vec<ViEvent>>, SourceError>,
    ),
    Watched(Result<Vec<Sourced<Quote>>, SourceError>),
}

#[derive(Clone, Debug)]
struct Slot {
    due: Option<Instant>,
    in_flight: bool,
    /// The request in flight, so it can be called off when the user leaves its stock.
    task: Option<tokio::task::AbortHandle>,
    /// Bumped per request started; a reply of an earlier (cancelled) one is not this slot's.
    seq: u64,
    failures: u32,
    /// The user asked for a refresh: the next fetch asks KIS whatever the cache holds.
    refresh: bool,
}

/// A handle on the feed task. Dropping it stops the task.
pub struct Feed {
    interest: watch::Sender<Interest>,
    task: JoinHandle<()>,
}

impl Feed {
    pub fn spawn(
        source: Arc<dyn DataSource>,
        clock: SharedClock,
        tx: mpsc::UnboundedSender<Event>,
        pace: Pace,
    ) -> Feed {
        let (itx, irx) = watch::channel(Interest::default());
        let task = tokio::spawn(run(source, clock, tx, pace, irx));
        Feed {
            interest: itx,
            task,
        }
    }

    /// Tells the feed what is on screen now.
    pub fn set_interest(&self, i: Interest) {
        self.interest.send_if_modified(|cur| {
            if *cur == i {
                false
            } else {
                *cur = i;
                true
            }
        });
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn failure(e: &SourceError, next_try: DateTime<Utc>) -> Failure {
    let next_try = match e {
        SourceError::Unavailable {
            retry_at: Some(t), ..
        } if *t > next_try => *t,
        _ => next_try,
    };
    Failure {
        message: e.to_string(),
        next_try: (!e.is_unsupported()).then_some(next_try),
        unsupported: e.is_unsupported(),
    }
}

async fn run(
    source: Arc<dyn DataSource>,
    clock: SharedClock,
    tx: mpsc::UnboundedSender<Event>,
    pace: Pace,
    mut irx: watch::Receiver<Interest>,
) {
    let calendar = Calendar::krx();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(u64, Done)>();
    let mut slots: std::collections::HashMap<Job, Slot> = Job::ALL
        .iter()
        .map(|j| {
            (
                *j,
                Slot {
                    due: None,
                    in_flight: false,
                    task: None,
                    seq: 0,
                    failures: 0,
                    refresh: false,
                },
            )
        })
        .collect();
    if let Some(s) = slots.get_mut(&Job::Universe) {
        s.due = Some(Instant::now());
    }
    let mut interest = Interest::default();
    let mut last_status: Option<SourceStatus> = None;
    let mut last_session: Option<Session> = None;
    let batches = source.batches_quotes();
    let mut sweep = 0usize;
    let provenance = match source.kind() {
        SourceKind::Kis(env) => Provenance::Live { env },
        SourceKind::Simulated => Provenance::Simulated,
    };
    let mut live = source.open_stream().map(|s| live::Live::new(s, provenance));
    // Streamed stocks whose quote came over REST since the stream came up: their rows need
    // no more polling (the trades move them).
    let mut snapped: HashSet<StockCode> = HashSet::new();
    let mut status_tick = tokio::time::interval(pace.status);
    status_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    loop {
        let now_utc = clock.now();
        let session = calendar.session_at(now_utc);
        let budget = last_status.as_ref().map(|s| s.budget_limit).unwrap_or(0);
        let now = Instant::now();
        // A new session (the open, the uncross at the close): what is on screen changed in
        // kind (an expected fill is gone, the closing price is set), so fetch it all once.
        if last_session.is_some_and(|s| s != session) {
            for (job, slot) in slots.iter_mut() {
                if *job != Job::Universe && !slot.in_flight {
                    slot.due = Some(now);
                }
            }
            if let Some(l) = live.as_mut()
                && l.steer(&interest, session.is_auction())
                && tx.send(Event::Stream(l.state())).is_err()
            {
                return;
            }
        }
        last_session = Some(session);
        // Start whatever is due and wanted.
        for job in Job::ALL {
            let Some(slot) = slots.get_mut(&job) else {
                continue;
            };
            if slot.in_flight || slot.due.is_none_or(|d| d > now) {
                continue;
            }
            let req = request(job, slot.refresh);
            slot.seq += 1;
            let ctx = Start {
                req,
                seq: slot.seq,
                today: kst_date(now_utc),
                one_page: budget > 0 && budget < 5,
                sweep: (!batches).then_some(sweep),
            };
            let rows = sweep_rows(&interest, |c| settled(&live, &snapped, c));
            // The alert rules' stocks no pane shows and the stream does not keep current.
            let watched: Vec<StockCode> = interest
                .alerts
                .iter()
                .copied()
                .filter(|c| Some(*c) != interest.focused && !interest.watchlist.contains(c))
                .filter(|c| !settled(&live, &snapped, *c))
                .take(if batches { 30 } else { 3 })
                .collect();
            match start(job, ctx, &interest, (&rows, &watched), &source, &done_tx) {
                Some(task) => {
                    slot.in_flight = true;
                    slot.task = Some(task);
                    slot.due = None;
                    slot.refresh = false;
                }
                // Nothing on screen needs it; wait for the interest to change.
                None => slot.due = None,
            }
        }
        let next_due = slots
            .values()
            .filter(|s| !s.in_flight)
            .filter_map(|s| s.due)
            .min();
        let sleep = async {
            match next_due {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = irx.changed() => {
                if changed.is_err() {
                    return;
                }
                let new = irx.borrow_and_update().clone();
                let now = Instant::now();
                let refresh = new.refresh != interest.refresh;
                let focus_changed = new.focused != interest.focused || new.version != interest.version;
                // The user left the stock: its requests still in flight are called off, so the
                // one now open does not wait behind them (on a 1-a-second budget, seconds).
                if focus_changed {
                    for job in [Job::Quote, Job::Book, Job::Chart, Job::Info, Job::Flows] {
                        if let Some(s) = slots.get_mut(&job)
                            && s.in_flight
                        {
                            if let Some(t) = s.task.take() {
                                t.abort();
                            }
                            s.in_flight = false;
                        }
                    }
                }
                let mut wake = |job: Job, cond: bool| {
                    if (cond || refresh)
                        && let Some(s) = slots.get_mut(&job)
                    {
                        s.due = Some(now);
                        s.failures = 0;
                        s.refresh |= refresh;
                    }
                };
                wake(Job::Quote, focus_changed && new.focused.is_some());
                wake(Job::Book, new.book && (focus_changed || !interest.book));
                wake(Job::Chart, (focus_changed || new.period != interest.period) && new.period.is_some());
                wake(Job::Info, new.info && (focus_changed || !interest.info));
                wake(Job::Flows, new.info && (focus_changed || !interest.info));
                let added = new.watchlist.iter().any(|c| !interest.watchlist.contains(c));
                wake(Job::Watchlist, added);
                wake(Job::Index, !new.indices.is_empty() && new.indices != interest.indices);
                wake(Job::Ranking, new.ranking.is_some() && new.ranking != interest.ranking);
                wake(Job::Watched, new.alerts.iter().any(|c| !interest.alerts.contains(c)));
                interest = new;
                if let Some(l) = live.as_mut()
                    && l.steer(&interest, session.is_auction())
                    && tx.send(Event::Stream(l.state())).is_err()
                {
                    return;
                }
            }
            Some((seq, done)) = done_rx.recv() => {
                let job = match &done {
                    Done::Universe(_) => Job::Universe,
                    Done::Quote(..) => Job::Quote,
                    Done::Book(..) => Job::Book,
                    Done::Watchlist(_) => Job::Watchlist,
                    Done::Chart(..) => Job::Chart,
                    Done::Info(..) => Job::Info,
                    Done::Index(_) => Job::Index,
                    Done::Ranking(..) => Job::Ranking,
                    Done::Flows(..) => Job::Flows,
                    Done::Watched(_) => Job::Watched,
                };
                // A stale copy (the source failed and served its cache) counts as a failure
                // for pacing: retry on the backoff schedule, not at the closed-market pace.
                fn fresh<T>(r: &Result<Sourced<T>, SourceError>) -> bool {
                    r.as_ref().is_ok_and(|s| !s.provenance.is_stale())
                }
                let ok = match &done {
                    Done::Universe(r) => r.is_ok(),
                    Done::Quote(_, _, r) => fresh(r),
                    Done::Book(_, _, r) => fresh(r),
                    Done::Watchlist(r) => {
                        r.as_ref().is_ok_and(|v| !v.iter().any(|q| q.provenance.is_stale()))
                    }
                    Done::Chart(_, _, _, r) => fresh(r),
                    Done::Info(_, _, r) => fresh(r),
                    Done::Index(r) => r.is_ok(),
                    Done::Ranking(_, _, r) => fresh(r),
                    // What the source does not serve at all is no failure to retry.
                    Done::Flows(_, _, f, v) => [f.as_ref().err(), v.as_ref().err()]
                        .into_iter()
                        .flatten()
                        .all(SourceError::is_unsupported),
                    Done::Watched(r) => {
                        r.as_ref().is_ok_and(|v| !v.iter().any(|q| q.provenance.is_stale()))
                    }
                };
                let at = clock.now();
                let Some(slot) = slots.get_mut(&job) else { continue };
                if seq != slot.seq {
                    // A request called off after it had answered: not this slot's any more.
                    continue;
                }
                // A source that serves no index at all: the strip stays empty, never asked
                // again until the strip is asked for anew.
                if let Done::Index(Err(e)) = &done
                    && e.is_unsupported()
                {
                    slot.in_flight = false;
                    slot.task = None;
                    slot.due = None;
                    continue;
                }
                slot.in_flight = false;
                slot.task = None;
                // Part way through a one-row-at-a-time sweep of the watchlist: the next row
                // now (the rate budget paces it behind the open stock's requests).
                let mut mid_sweep = false;
                match &done {
                    Done::Watchlist(Ok(v)) | Done::Watched(Ok(v)) => {
                        snapped.extend(v.iter().map(|q| q.value.code))
                    }
                    Done::Quote(c, _, Ok(_)) => {
                        snapped.insert(*c);
                    }
                    _ => {}
                }
                if ok && job == Job::Watchlist && !batches {
                    sweep += 1;
                    mid_sweep = sweep < sweep_rows(&interest, |c| settled(&live, &snapped, c)).len();
                    if !mid_sweep {
                        sweep = 0;
                    }
                }
                let wait = if mid_sweep {
                    slot.failures = 0;
                    Duration::ZERO
                } else if ok {
                    slot.failures = 0;
                    let mut w = pace_for(&pace, job, interest.period, session, budget);
                    if streamed(&live, &snapped, job, &interest) {
                        w = w.max(pace.streamed);
                    }
                    // Closes from the daily chart (the virtual server) do not move until the
                    // next session.
                    if let Done::Index(Ok(v)) = &done
                        && !v.is_empty()
                        && v.iter().all(|q| q.value.closed_on.is_some())
                    {
                        w = w.max(pace.closed);
                    }
                    if !session.is_live() {
                        // Resume at the pre-open whatever the closed pace says.
                        let until_open = (calendar.next_pre_open(at) - at).to_std().unwrap_or_default();
                        w = w.min(until_open.max(Duration::from_secs(1)));
                    }
                    w
                } else {
                    slot.failures += 1;
                    backoff(&pace, slot.failures)
                };
                // A reply for a stock the user already left: fetch the current one now.
                let outdated = match &done {
                    Done::Quote(c, v, _) | Done::Book(c, v, _) | Done::Info(c, v, _) | Done::Flows(c, v, _, _) => Some(*c) != interest.focused || *v != interest.version,
                    Done::Chart(c, p, v, _) => Some(*c) != interest.focused || *v != interest.version || Some(*p) != interest.period,
                    Done::Ranking(k, m, _) => Some((*k, *m)) != interest.ranking,
                    _ => false,
                };
                slot.due = Some(if outdated { Instant::now() } else { Instant::now() + wait });
                // A source that serves no rankings (the virtual server): the view says so and
                // the feed does not ask again until another ranking is asked for.
                if let Done::Ranking(_, _, Err(e)) = &done
                    && e.is_unsupported()
                    && !outdated
                {
                    slot.due = None;
                }
                let next_try = at + chrono::Duration::from_std(wait).unwrap_or_default();
                let fail = |e: &SourceError| failure(e, next_try);
                let event = match done {
                    Done::Universe(r) => Event::Universe { at, reply: r.map_err(|e| fail(&e)) },
                    Done::Quote(code, version, r) => Event::Quote { code, version, at, reply: r.map_err(|e| fail(&e)) },
                    Done::Book(code, version, r) => Event::Book { code, version, at, reply: r.map_err(|e| fail(&e)) },
                    Done::Watchlist(r) => Event::Quotes { at, reply: r.map_err(|e| fail(&e)) },
                    Done::Chart(code, period, version, r) => Event::Chart { code, period, version, at, reply: r.map_err(|e| fail(&e)) },
                    Done::Info(code, version, r) => Event::Info { code, version, at, reply: r.map_err(|e| fail(&e)) },
                    Done::Index(r) => Event::Indices { at, reply: r.map_err(|e| fail(&e)) },
                    Done::Ranking(kind, market, r) => Event::Ranking { kind, market, at, reply: r.map_err(|e| fail(&e)) },
                    Done::Watched(r) => Event::Watched { at, reply: r.map_err(|e| fail(&e)) },
                    Done::Flows(code, version, f, v) => Event::Flows {
                        code,
                        version,
                        at,
                        flows: f.map_err(|e| fail(&e)),
                        vi: v.map_err(|e| fail(&e)),
                    },
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
            ev = async {
                match live.as_mut() {
                    Some(l) => l.events().recv().await,
                    None => std::future::pending().await,
                }
            } => {
                let Some(l) = live.as_mut() else { continue };
                let Some(ev) = ev else {
                    // The stream's task ended: REST serves everything from now on.
                    tracing::warn!("the live stream ended: polling over REST");
                    live = None;
                    continue;
                };
                let at = clock.now();
                let mut out = Vec::new();
                let mut wake = l.on_event(ev, at, &interest, &mut out);
                // Whatever else has arrived goes in the same pass (a batched frame).
                for _ in 0..1024 {
                    let Ok(ev) = l.events().try_recv() else { break };
                    let w = l.on_event(ev, at, &interest, &mut out);
                    wake.all |= w.all;
                    wake.chart |= w.chart;
                    wake.polled |= w.polled;
                }
                if wake.polled && l.steer(&interest, session.is_auction()) {
                    out.push(Event::Stream(l.state()));
                }
                for e in out {
                    if tx.send(e).is_err() {
                        return;
                    }
                }
                let now = Instant::now();
                if wake.all {
                    snapped.clear();
                    sweep = 0;
                }
                for (job, slot) in slots.iter_mut() {
                    let due = match job {
                        Job::Universe | Job::Info | Job::Index | Job::Ranking | Job::Flows => false,
                        Job::Watched => wake.all,
                        Job::Chart => wake.all || wake.chart,
                        Job::Watchlist | Job::Book | Job::Quote => wake.all || wake.polled,
                    };
                    if due && !slot.in_flight {
                        slot.due = Some(now);
                    }
                }
            }
            _ = status_tick.tick() => {
                let s = source.status();
                if last_status.as_ref() != Some(&s) {
                    last_status = Some(s.clone());
                    if tx.send(Event::Status(s)).is_err() {
                        return;
                    }
                }
            }
            _ = sleep => {}
        }
    }
}

/// How `job` asks the source: the open stock's quote, book and chart first in the rate
/// budget, the rest behind them; after a refresh, whatever the cache holds, KIS is asked.
fn request(job: Job, refresh: bool) -> Req {
    let priority = match job {
        Job::Quote | Job::Book | Job::Chart => Priority::Interactive,
        Job::Watchlist
        | Job::Watched
        | Job::Info
        | Job::Flows
        | Job::Index
        | Job::Ranking
        | Job::Universe => Priority::Background,
    };
    let req = Req::INTERACTIVE.at(priority);
    if refresh { req.refresh() } else { req }
}

/// How one fetch is made.
#[derive(Clone, Copy, Debug)]
struct Start {
    req: Req,
    seq: u64,
    today: chrono::NaiveDate,
    /// A tiny budget (the virtual server's 1 a second): one chart page up front, not three.
    one_page: bool,
    /// Where the watchlist sweep is when quotes cost a call each (see [`sweep_rows`]); `None`
    /// when one multi-quote call serves every row.
    sweep: Option<usize>,
}

/// The watchlist rows a sweep asks for one at a time where each quote is a call of its own
/// (the virtual server): those on screen, without the open stock, whose quote is fetched
/// anyway. One row per request, so each shows as soon as it arrives instead of all of them
/// after the slowest, 10–20 s later at 1 request a second.
fn sweep_rows(i: &Interest, settled: impl Fn(StockCode) -> bool) -> Vec<StockCode> {
    i.watchlist
        .iter()
        .copied()
        .filter(|c| Some(*c) != i.focused && !settled(*c))
        .collect()
}

/// A watchlist row the stream keeps current: its trades are streamed and its quote has come
/// over REST once since the stream came up.
fn settled(live: &Option<live::Live>, snapped: &HashSet<StockCode>, code: StockCode) -> bool {
    snapped.contains(&code)
        && live
            .as_ref()
            .is_some_and(|l| l.streams(Channel::Trades, code))
}

/// Everything `job` fetches is streamed now: REST polls it only at the slow resync pace.
fn streamed(
    live: &Option<live::Live>,
    snapped: &HashSet<StockCode>,
    job: Job,
    i: &Interest,
) -> bool {
    let Some(l) = live.as_ref() else { return false };
    let focused = |ch: Channel| i.focused.is_some_and(|c| l.streams(ch, c));
    match job {
        Job::Book => focused(Channel::Book),
        Job::Quote => focused(Channel::Trades),
        Job::Chart => focused(Channel::Trades) && i.period.is_some_and(|p| p.is_intraday()),
        Job::Watchlist => i.watchlist.iter().all(|c| settled(live, snapped, *c)),
        Job::Watched => i.alerts.iter().all(|c| settled(live, snapped, *c)),
        Job::Info | Job::Flows | Job::Index | Job::Ranking | Job::Universe => false,
    }
}

/// Calendar days of daily, weekly, monthly and yearly bars a chart asks for: about 280 daily
/// bars (three 100-row pages), or one page on a tiny budget. Every yearly bar KIS keeps fits
/// one page.
fn chart_span(period: Period, one_page: bool) -> i64 {
    match (period, one_page) {
        (Period::Day, false) => 400,
        (Period::Day, true) => 140,
        (Period::Week, false) => 7 * 300,
        (Period::Week, true) => 7 * 100,
        (Period::Year, _) => 366 * 20,
        (_, false) => 31 * 240,
        (_, true) => 31 * 100,
    }
}

/// Spawns the fetch for `job` if the interest needs it; `None` when there is nothing to fetch.
fn start(
    job: Job,
    ctx: Start,
    i: &Interest,
    (rows, watched): (&[StockCode], &[StockCode]),
    source: &Arc<dyn DataSource>,
    done: &mpsc::UnboundedSender<(u64, Done)>,
) -> Option<tokio::task::AbortHandle> {
    let src = source.clone();
    let done = done.clone();
    let version = i.version;
    let Start {
        req,
        seq,
        today,
        one_page,
        sweep,
    } = ctx;
    let task = match job {
        Job::Universe => tokio::spawn(async move {
            let _ = done.send((seq, Done::Universe(src.universe(req).await)));
        }),
        Job::Quote => {
            let code = i.focused?;
            tokio::spawn(async move {
                let r = src.quote(code, req).await;
                let _ = done.send((seq, Done::Quote(code, version, r)));
            })
        }
        Job::Book => {
            let code = i.focused.filter(|_| i.book)?;
            tokio::spawn(async move {
                let r = src.order_book(code, req).await;
                let _ = done.send((seq, Done::Book(code, version, r)));
            })
        }
        Job::Watchlist => {
            let codes = match sweep {
                None => i.watchlist.clone(),
                Some(n) => vec![*rows.get(n % rows.len().max(1))?],
            };
            if codes.is_empty() {
                return None;
            }
            tokio::spawn(async move {
                let _ = done.send((seq, Done::Watchlist(src.quotes(&codes, req).await)));
            })
        }
        Job::Chart => {
            let (code, interval) = (i.focused?, i.period?);
            tokio::spawn(async move {
                let r = match interval.period() {
                    // Every minute interval is one fetch of 1-minute bars (the pages of
                    // `minute_chart`, cached as one entry), bucketed here.
                    // The previous session's minutes come first, so a chart at 09:06 is not
                    // seven bars; a source without them leaves today's alone.
                    Period::Minute => match src.minute_chart(code, req).await {
                        Ok(mut s) => {
                            let cal = Calendar::krx();
                            let day = s.value.first().map_or(today, |b| b.date);
                            let prev = cal.prev_trading_day(day);
                            if let Ok(p) = src.day_minute_chart(code, prev, req).await {
                                let mut bars: Vec<Candle> =
                                    p.value.into_iter().filter(|b| b.date < day).collect();
                                bars.append(&mut s.value);
                                s.value = bars;
                            }
                            s.value = aggregate_minutes(&s.value, interval, cal);
                            Ok(s)
                        }
                        Err(e) => Err(e),
                    },
                    p => {
                        let from = today - chrono::Duration::days(chart_span(p, one_page));
                        src.chart(code, p, from, today, req).await
                    }
                };
                let _ = done.send((seq, Done::Chart(code, interval, version, r)));
            })
        }
        Job::Info => {
            let code = i.focused.filter(|_| i.info)?;
            tokio::spawn(async move {
                let r = src.info(code, req).await;
                let _ = done.send((seq, Done::Info(code, version, r)));
            })
        }
        Job::Index => {
            if i.indices.is_empty() {
                return None;
            }
            let codes = i.indices.clone();
            tokio::spawn(async move {
                // One index a call; an index the source refuses is left out, the rest shown.
                let mut out = Vec::new();
                let mut last_err = None;
                for c in codes {
                    match src.index(c, req).await {
                        Ok(q) => out.push(q),
                        Err(e) => last_err = Some(e),
                    }
                }
                let r = match (out.is_empty(), last_err) {
                    (true, Some(e)) => Err(e),
                    _ => Ok(out),
                };
                let _ = done.send((seq, Done::Index(r)));
            })
        }
        Job::Watched => {
            if watched.is_empty() {
                return None;
            }
            let codes = watched.to_vec();
            tokio::spawn(async move {
                let _ = done.send((seq, Done::Watched(src.quotes(&codes, req).await)));
            })
        }
        Job::Flows => {
            let code = i.focused.filter(|_| i.info)?;
            tokio::spawn(async move {
                let f = src.investor_flows(code, req).await;
                let v = src.vi_status(Some(code), req).await;
                let _ = done.send((seq, Done::Flows(code, version, f, v)));
            })
        }
        Job::Ranking => {
            let (kind, market) = i.ranking?;
            tokio::spawn(async move {
                let r = src.ranking(kind, market, req).await;
                let _ = done.send((seq, Done::Ranking(kind, market, r)));
            })
        }
    };
    Some(task.abort_handle())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_slows_outside_market_hours_and_on_tiny_budgets() {
        let p = Pace::default();
        assert_eq!(
            pace_for(&p, Job::Book, None, Session::Continuous, 18),
            Duration::from_secs(1)
        );
        assert_eq!(
            pace_for(&p, Job::Book, None, Session::Closed, 18),
            Duration::from_secs(600)
        );
        assert_eq!(
            pace_for(
                &p,
                Job::Chart,
                Some(Interval::Min5),
                Session::Continuous,
                18
            ),
            Duration::from_secs(20)
        );
        assert_eq!(
            pace_for(&p, Job::Chart, Some(Interval::Day), Session::Continuous, 18),
            Duration::from_secs(60)
        );
        assert_eq!(
            pace_for(&p, Job::Watchlist, None, Session::Continuous, 1),
            Duration::from_secs(8)
        );
        assert_eq!(
            pace_for(&p, Job::Book, None, Session::PreOpenAuction, 1),
            Duration::from_secs(2),
            "the book leaves half of a 1-a-second budget to the rows"
        );
    }

    #[test]
    fn backoff_doubles_to_a_cap() {
        let p = Pace::default();
        assert_eq!(backoff(&p, 1), Duration::from_secs(1));
        assert_eq!(backoff(&p, 3), Duration::from_secs(4));
        assert_eq!(backoff(&p, 30), Duration::from_secs(60));
    }
}

//! The feed task on tokio's paused clock: it polls only what is on screen, at the session's
//! pace, one request in flight per kind, tags replies with versions, and turns failures into
//! messages with the next try's time.

use async_trait::async_trait;
use chrono::NaiveDate;
use hoga::clock::{ManualClock, SharedClock};
use hoga::feed::{Event, Feed, Interest, Pace};
use hoga::market::{Candle, Listing, OrderBook, Period, Quote, StockCode, StockInfo};
use hoga::source::{DataSource, Freshness, Req, SourceError, SourceKind, SourceStatus, Sourced};
use hoga::tui::fixtures::{self, StaticSource};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Counts calls; can fail or be slow on demand.
struct Probe {
    inner: StaticSource,
    calls: Mutex<Vec<String>>,
    failing: AtomicBool,
    slow_book: Option<Duration>,
    /// The requests per second the source reports (0 = unknown).
    budget: std::sync::atomic::AtomicU32,
    /// Calendar days each period chart asked for.
    spans: Mutex<Vec<i64>>,
    /// Rankings are refused as the virtual server refuses them.
    no_rankings: AtomicBool,
}

impl Probe {
    fn new(slow_book: Option<Duration>) -> Arc<Probe> {
        Arc::new(Probe {
            inner: StaticSource::new(40),
            calls: Mutex::new(Vec::new()),
            failing: AtomicBool::new(false),
            slow_book,
            budget: std::sync::atomic::AtomicU32::new(0),
            spans: Mutex::new(Vec::new()),
            no_rankings: AtomicBool::new(false),
        })
    }
    /// Logs a call, with the request's priority and ` refresh` when it must ask KIS.
    fn log(&self, s: String, req: Req) -> Result<(), SourceError> {
        let refresh = if req.freshness == Freshness::Refresh {
            " refresh"
        } else {
            ""
        };
        self.calls
            .lock()
            .unwrap()
            .push(format!("{s} [{:?}]{refresh}", req.priority));
        if self.failing.load(Ordering::SeqCst) {
            Err(SourceError::Unavailable {
                message: "connection refused".into(),
                retry_at: None,
            })
        } else {
            Ok(())
        }
    }
    fn count(&self, prefix: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl DataSource for Probe {
    fn kind(&self) -> SourceKind {
        SourceKind::Simulated
    }
    async fn quote(&self, code: StockCode, req: Req) -> Result<Sourced<Quote>, SourceError> {
        self.log(format!("quote {code}"), req)?;
        self.inner.quote(code, req).await
    }
    async fn quotes(
        &self,
        codes: &[StockCode],
        req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError> {
        let list: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        self.log(format!("quotes {}", list.join(",")), req)?;
        self.inner.quotes(codes, req).await
    }
    async fn order_book(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<OrderBook>, SourceError> {
        if let Some(d) = self.slow_book {
            tokio::time::sleep(d).await;
        }
        self.log(format!("book {code}"), req)?;
        self.inner.order_book(code, req).await
    }
    async fn chart(
        &self,
        code: StockCode,
        p: Period,
        from: NaiveDate,
        to: NaiveDate,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        self.log(format!("chart {code} {}", p.code()), req)?;
        self.spans.lock().unwrap().push((to - from).num_days());
        self.inner.chart(code, p, from, to, req).await
    }
    async fn minute_chart(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        self.log(format!("chart {code} 1m"), req)?;
        self.inner.minute_chart(code, req).await
    }
    async fn info(&self, code: StockCode, req: Req) -> Result<Sourced<StockInfo>, SourceError> {
        self.log(format!("info {code}"), req)?;
        self.inner.info(code, req).await
    }
    async fn universe(&self, req: Req) -> Result<Sourced<Vec<Listing>>, SourceError> {
        self.log("universe".into(), req)?;
        self.inner.universe(req).await
    }
    async fn index(
        &self,
        code: hoga::market::IndexCode,
        req: Req,
    ) -> Result<Sourced<hoga::market::IndexQuote>, SourceError> {
        self.log(format!("index {code}"), req)?;
        let q = fixtures::index_quotes(fixtures::now())
            .into_iter()
            .find(|q| q.code == code)
            .ok_or_else(|| SourceError::Unsupported(format!("no index {code}")))?;
        Ok(Sourced::new(q, hoga::market::Provenance::Simulated))
    }
    async fn investor_flows(
        &self,
        code: StockCode,
        req: Req,
    ) -> Result<Sourced<Vec<hoga::market::InvestorDay>>, SourceError> {
        self.log(format!("flows {code}"), req)?;
        Ok(Sourced::new(
            fixtures::investor_days(code, fixtures::now()),
            hoga::market::Provenance::Simulated,
        ))
    }
    async fn vi_status(
        &self,
        code: Option<StockCode>,
        req: Req,
    ) -> Result<Sourced<Vec<hoga::market::ViEvent>>, SourceError> {
        let code = code.ok_or_else(|| SourceError::Unsupported("all VI".into()))?;
        self.log(format!("vi {code}"), req)?;
        Ok(Sourced::new(
            fixtures::vi_events(code, "삼성전자", fixtures::now()),
            hoga::market::Provenance::Simulated,
        ))
    }
    async fn ranking(
        &self,
        kind: hoga::market::RankKind,
        market: hoga::market::RankMarket,
        req: Req,
    ) -> Result<Sourced<Vec<hoga::market::RankRow>>, SourceError> {
        self.log(format!("ranking {} {}", kind.label(), market.label()), req)?;
        if self.no_rankings.load(Ordering::SeqCst) {
            return Err(SourceError::Unsupported(
                "OPSQ0002: 모의투자에서는 해당업무가 제공되지 않습니다.".into(),
            ));
        }
        Ok(Sourced::new(
            fixtures::rank_rows(kind, market, fixtures::now()),
            hoga::market::Provenance::Simulated,
        ))
    }
    fn status(&self) -> SourceStatus {
        SourceStatus {
            budget_limit: self.budget.load(Ordering::SeqCst),
            ..SourceStatus::default()
        }
    }
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn interest(focused: &str, version: u64, watch: &[&str]) -> Interest {
    Interest {
        focused: Some(code(focused)),
        version,
        period: Some(Period::Day.into()),
        book: true,
        info: false,
        watchlist: watch.iter().map(|c| code(c)).collect(),
        more: Vec::new(),
        refresh: 0,
        indices: Vec::new(),
        ranking: None,
        alerts: Vec::new(),
    }
}

fn start(probe: &Arc<Probe>, clock: SharedClock) -> (Feed, mpsc::UnboundedReceiver<Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let feed = Feed::spawn(probe.clone(), clock, tx, Pace::default());
    (feed, rx)
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(m) = rx.try_recv() {
        out.push(m);
    }
    out
}

/// 10:15 KST on a Wednesday: continuous trading.
fn live_clock() -> SharedClock {
    Arc::new(ManualClock::new(fixtures::now()))
}

#[tokio::test(start_paused = true)]
async fn polls_only_what_is_on_screen_at_the_live_pace() {
    let probe = Probe::new(None);
    let (feed, mut rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &["000660", "373220"]));
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    let calls = probe.calls();
    // The focused stock's book about once a second.
    let books = probe.count("book 005930");
    assert!(
        (5..=7).contains(&books),
        "{books} books in 5.5 s: {calls:?}"
    );
    // The visible watchlist rows in one multi-quote call every ~2 s, nothing else.
    assert!(
        calls
            .iter()
            .filter(|c| c.starts_with("quotes"))
            .all(|c| c == "quotes 000660,373220 [Background]"),
        "{calls:?}"
    );
    assert!((2..=4).contains(&probe.count("quotes")), "{calls:?}");
    // The chart once (refreshed after a minute), no info (not on screen).
    assert_eq!(probe.count("chart 005930 D"), 1, "{calls:?}");
    assert_eq!(probe.count("info"), 0);
    assert_eq!(probe.count("universe"), 1);
    let msgs = drain(&mut rx);
    assert!(msgs.iter().any(|m| matches!(
        m,
        Event::Book {
            version: 1,
            reply: Ok(_),
            ..
        }
    )));
    assert!(
        msgs.iter()
            .any(|m| matches!(m, Event::Universe { reply: Ok(_), .. }))
    );
    // The info pane appears: fetched right away.
    let mut i = interest("005930", 1, &["000660", "373220"]);
    i.info = true;
    feed.set_interest(i);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(probe.count("info 005930"), 1);
}

#[tokio::test(start_paused = true)]
async fn identical_requests_coalesce_and_replies_carry_their_version() {
    let probe = Probe::new(Some(Duration::from_secs(3)));
    let (feed, mut rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &[]));
    // Asked again and again while the slow book is in flight: still one request.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        feed.set_interest(interest("005930", 1, &[]));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(probe.count("book"), 0, "the slow book has not answered yet");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(probe.count("book 005930"), 1, "{:?}", probe.calls());
    // The user moves on while the next book is in flight: that reply keeps the old version
    // (the UI drops it) and the new stock is fetched as soon as the slot frees up.
    feed.set_interest(interest("000660", 2, &[]));
    tokio::time::sleep(Duration::from_secs(8)).await;
    let msgs = drain(&mut rx);
    let books: Vec<(StockCode, u64)> = msgs
        .iter()
        .filter_map(|m| match m {
            Event::Book { code, version, .. } => Some((*code, *version)),
            _ => None,
        })
        .collect();
    assert!(books.contains(&(code("005930"), 1)));
    assert!(books.contains(&(code("000660"), 2)), "{books:?}");
    assert!(!books.contains(&(code("000660"), 1)));
}

#[tokio::test(start_paused = true)]
async fn outside_market_hours_the_pace_drops_and_resumes_at_the_pre_open() {
    // Saturday noon: a few fetches at start, then next to nothing.
    let probe = Probe::new(None);
    let sat = fixtures::kst(2026, 11, 28, 12, 0);
    let (feed, _rx) = start(&probe, Arc::new(ManualClock::new(sat)));
    feed.set_interest(interest("005930", 1, &["000660"]));
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(probe.count("book"), 1, "{:?}", probe.calls());
    assert_eq!(probe.count("quotes"), 1);
    drop(feed);

    // Ten seconds before the pre-open auction: the next fetch comes at the pre-open, not ten
    // minutes later.
    let probe = Probe::new(None);
    let before_open = fixtures::kst(2026, 11, 25, 8, 29) + chrono::Duration::seconds(50);
    let (feed, _rx) = start(&probe, Arc::new(ManualClock::new(before_open)));
    feed.set_interest(interest("005930", 1, &[]));
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(probe.count("book"), 1);
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(probe.count("book"), 2, "{:?}", probe.calls());
}

#[tokio::test(start_paused = true)]
async fn failures_become_messages_with_the_next_try_and_recover() {
    let probe = Probe::new(None);
    probe.failing.store(true, Ordering::SeqCst);
    let (feed, mut rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &["000660"]));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let msgs = drain(&mut rx);
    let failure = msgs
        .iter()
        .find_map(|m| match m {
            Event::Book { reply: Err(f), .. } => Some(f.clone()),
            _ => None,
        })
        .expect("a failed book becomes a message");
    assert!(failure.message.contains("connection refused"));
    assert!(failure.next_try.is_some());
    assert!(
        msgs.iter()
            .any(|m| matches!(m, Event::Quotes { reply: Err(_), .. }))
    );
    // Backoff: 1 s, 2 s, 4 s... not a hammering loop.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let tries = probe.count("book");
    assert!((3..=5).contains(&tries), "{tries} tries in ~10 s");
    // The source comes back: the next try succeeds and the feed keeps going.
    probe.failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(20)).await;
    let msgs = drain(&mut rx);
    assert!(
        msgs.iter()
            .any(|m| matches!(m, Event::Book { reply: Ok(_), .. }))
    );
    assert!(
        msgs.iter()
            .any(|m| matches!(m, Event::Quotes { reply: Ok(_), .. }))
    );
}

#[tokio::test(start_paused = true)]
async fn each_request_says_its_priority_and_refresh_asks_kis_once() {
    let probe = Probe::new(None);
    let (feed, _rx) = start(&probe, live_clock());
    let mut i = interest("005930", 1, &["000660"]);
    i.info = true;
    feed.set_interest(i.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = probe.calls();
    // The open stock first in the budget; rows, info and the universe behind it.
    for want in [
        "book 005930 [Interactive]",
        "chart 005930 D [Interactive]",
        "quote 005930 [Interactive]",
        "quotes 000660 [Background]",
        "info 005930 [Background]",
        "universe [Background]",
    ] {
        assert!(calls.iter().any(|c| c == want), "{want}: {calls:?}");
    }
    assert!(!calls.iter().any(|c| c.ends_with("refresh")), "{calls:?}");
    // `r`: everything on screen is asked again at once, bypassing the cache, exactly once.
    let before = calls.len();
    i.refresh = 1;
    feed.set_interest(i);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let calls = probe.calls();
    let refreshed: Vec<&String> = calls[before..].iter().collect();
    for want in [
        "book 005930 [Interactive] refresh",
        "chart 005930 D [Interactive] refresh",
        "quote 005930 [Interactive] refresh",
        "quotes 000660 [Background] refresh",
        "info 005930 [Background] refresh",
    ] {
        assert!(
            refreshed.iter().any(|c| *c == want),
            "{want}: {refreshed:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = probe.calls();
    assert!(
        later[before + refreshed.len()..]
            .iter()
            .all(|c| !c.ends_with("refresh")),
        "only the first fetch after `r` bypasses the cache: {later:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn requests_for_a_stock_the_user_left_are_called_off() {
    // Each book takes 3 s (a 1-a-second budget with a queue ahead of it, say).
    let probe = Probe::new(Some(Duration::from_secs(3)));
    let (feed, mut rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &[]));
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The user moves on while 005930's book is in flight: it is called off, and 000660's
    // is asked at once instead of after it.
    feed.set_interest(interest("000660", 2, &[]));
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let books: Vec<(StockCode, u64)> = drain(&mut rx)
        .iter()
        .filter_map(|m| match m {
            Event::Book { code, version, .. } => Some((*code, *version)),
            _ => None,
        })
        .collect();
    assert_eq!(books, vec![(code("000660"), 2)], "{:?}", probe.calls());
    assert_eq!(
        probe.count("book 005930"),
        0,
        "the old book never completed"
    );
}

#[tokio::test(start_paused = true)]
async fn a_tiny_budget_fetches_one_chart_page_up_front() {
    let probe = Probe::new(None);
    let (feed, _rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &[]));
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The real server's budget: about three 100-row pages of daily bars.
    assert_eq!(probe.spans.lock().unwrap().as_slice(), &[400]);
    // The virtual server (1 request a second): one page, the rest when the user pans.
    probe.budget.store(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    feed.set_interest(interest("000660", 2, &[]));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(probe.spans.lock().unwrap().last(), Some(&140));
}

/// Every minute interval is one fetch of 1-minute bars, bucketed by the session minute: a
/// 60-minute chart on the virtual server's budget costs what the 1-minute chart does, and
/// a yearly chart is one page of KIS's `Y` bars.
#[tokio::test(start_paused = true)]
async fn minute_intervals_are_bucketed_from_one_minute_fetch() {
    use hoga::market::Interval;
    let probe = Probe::new(None);
    probe.budget.store(1, Ordering::SeqCst);
    let (feed, mut rx) = start(&probe, live_clock());
    let mut i = interest("005930", 1, &[]);
    i.period = Some(Interval::Min60);
    feed.set_interest(i.clone());
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(probe.count("chart 005930 1m"), 1, "{:?}", probe.calls());
    assert_eq!(probe.count("chart 005930 D"), 0, "{:?}", probe.calls());
    let hours: Vec<(Interval, Vec<Candle>)> = drain(&mut rx)
        .into_iter()
        .filter_map(|m| match m {
            Event::Chart {
                period,
                reply: Ok(s),
                ..
            } => Some((period, s.value)),
            _ => None,
        })
        .collect();
    let minutes = fixtures::candles(120, Period::Minute, 1, 4, fixtures::now().date_naive());
    assert_eq!(hours.len(), 1);
    let (period, bars) = &hours[0];
    assert_eq!(*period, Interval::Min60);
    let times: Vec<String> = bars
        .iter()
        .map(|b| b.time.unwrap().format("%H:%M").to_string())
        .collect();
    assert_eq!(times, ["09:00", "10:00"], "120 minutes from 09:00");
    let first_hour: u64 = minutes[..60].iter().map(|b| b.volume).sum();
    assert_eq!(bars[0].volume, first_hour);
    // The yearly chart: one period-chart call of `Y` bars.
    i.period = Some(Interval::Year);
    feed.set_interest(i);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(probe.count("chart 005930 Y"), 1, "{:?}", probe.calls());
    assert_eq!(probe.spans.lock().unwrap().as_slice(), &[366 * 20]);
}

/// The index strip: asked for when it is on screen, answered with every index the source
/// serves, in the strip's order.
#[tokio::test]
async fn the_index_strip_is_fetched_with_every_index_served() {
    use hoga::market::IndexCode;
    let clock = Arc::new(hoga::sim::SimClock::frozen(
        hoga::sim::clock::parse_instant("2026-11-26 10:30").unwrap(),
    ));
    let source = Arc::new(hoga::source::mock::MockSource::new(1, clock.clone()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let feed = Feed::spawn(source, clock, tx, Pace::default());
    let mut i = interest("005930", 1, &["005930"]);
    i.indices = IndexCode::DEFAULTS.to_vec();
    feed.set_interest(i);
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(Event::Indices { reply, .. }) = rx.recv().await {
                return reply;
            }
        }
    })
    .await
    .expect("the strip's indices");
    let list = got.expect("served");
    let codes: Vec<_> = list.iter().map(|q| q.value.code).collect();
    assert_eq!(codes, IndexCode::DEFAULTS.to_vec());
    assert!(
        list.iter()
            .all(|q| q.value.value.0 > 0 && q.value.breadth.is_some())
    );
}

/// The rankings view: fetched only while open, at once when it opens or changes ranking, then
/// every 10 s; none while closed. With the index strip they stay far under a tenth of the real
/// server's budget (counted on the paused clock: 20 requests a second × 60 s = 1,200).
#[tokio::test(start_paused = true)]
async fn rankings_are_fetched_only_while_open_and_with_the_strip_stay_under_a_tenth_of_the_budget()
{
    use hoga::market::{IndexCode, RankKind, RankMarket};
    let probe = Probe::new(None);
    let (feed, mut rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &["000660"]));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(probe.count("ranking"), 0, "closed view: no request");
    assert_eq!(probe.count("index"), 0, "no strip on screen: no request");

    // The strip and the rankings view on screen for a minute.
    let mut i = interest("005930", 1, &[]);
    i.indices = IndexCode::DEFAULTS.to_vec();
    i.ranking = Some((RankKind::Volume, RankMarket::All));
    feed.set_interest(i.clone());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(probe.count("ranking volume all"), 1, "fetched at once");
    let before = probe.calls().len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let rankings = probe.count("ranking volume all");
    assert!((6..=8).contains(&rankings), "{rankings} in 60 s");
    let overview = probe.count("ranking") + probe.count("index");
    let all = probe.calls().len() - before;
    eprintln!(
        "strip + rankings: {overview} calls in 60 s = {:.1} % of 20/s (all calls: {all})",
        overview as f64 * 100.0 / 1200.0
    );
    assert!(
        overview * 10 < 20 * 60,
        "{overview} strip and ranking calls in 60 s: over a tenth of 1,200"
    );
    assert!(all > overview, "the open stock still gets its share");
    let rows = drain(&mut rx)
        .into_iter()
        .find_map(|e| match e {
            Event::Ranking {
                kind,
                market,
                reply: Ok(r),
                ..
            } => Some((kind, market, r.value)),
            _ => None,
        })
        .expect("a ranking event");
    assert_eq!(
        (rows.0, rows.1, rows.2.len()),
        (RankKind::Volume, RankMarket::All, 30)
    );

    // Another ranking: fetched at once with its own kind and market.
    i.ranking = Some((RankKind::Gainers, RankMarket::Kosdaq));
    feed.set_interest(i.clone());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(probe.count("ranking gainers kosdaq"), 1);

    // Closed: no more ranking requests.
    i.ranking = None;
    feed.set_interest(i);
    let n = probe.count("ranking");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(probe.count("ranking"), n);
}

/// A source without rankings (the virtual server): the view is told so once, and the feed
/// does not ask again until another ranking is asked for.
#[tokio::test(start_paused = true)]
async fn a_source_without_rankings_is_asked_once() {
    use hoga::market::{RankKind, RankMarket};
    let probe = Probe::new(None);
    probe.no_rankings.store(true, Ordering::SeqCst);
    let (feed, mut rx) = start(&probe, live_clock());
    let mut i = interest("005930", 1, &[]);
    i.ranking = Some((RankKind::Volume, RankMarket::All));
    feed.set_interest(i.clone());
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(probe.count("ranking"), 1, "{:?}", probe.calls());
    let failure = drain(&mut rx)
        .into_iter()
        .find_map(|e| match e {
            Event::Ranking { reply: Err(f), .. } => Some(f),
            _ => None,
        })
        .expect("the refusal reaches the view");
    assert!(
        failure.unsupported && failure.next_try.is_none(),
        "{failure:?}"
    );
    assert!(failure.message.contains("OPSQ0002"), "{failure:?}");
    i.ranking = Some((RankKind::Losers, RankMarket::All));
    feed.set_interest(i);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(probe.count("ranking"), 2);
}

/// The info pane's investor flows and VI: asked for the open stock when the pane shows, then
/// once a minute, never while it is hidden; a reply carries the version it was asked under.
#[tokio::test(start_paused = true)]
async fn investor_flows_and_vi_follow_the_info_pane() {
    let probe = Probe::new(None);
    let (feed, mut rx) = start(&probe, live_clock());
    feed.set_interest(interest("005930", 1, &[]));
    tokio::time::sleep(Duration::from_secs(90)).await;
    assert_eq!(probe.count("flows") + probe.count("vi"), 0, "info hidden");
    let mut i = interest("005930", 1, &[]);
    i.info = true;
    feed.set_interest(i.clone());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        (probe.count("flows 005930"), probe.count("vi 005930")),
        (1, 1)
    );
    tokio::time::sleep(Duration::from_secs(125)).await;
    assert_eq!(probe.count("flows 005930"), 3, "{:?}", probe.calls());
    let ev = drain(&mut rx)
        .into_iter()
        .find_map(|e| match e {
            Event::Flows {
                code,
                version,
                flows: Ok(f),
                vi: Ok(v),
                ..
            } => Some((code, version, f.value, v.value)),
            _ => None,
        })
        .expect("a flows event");
    assert_eq!(
        (ev.0, ev.1, ev.2.len(), ev.3.len()),
        (code("005930"), 1, 5, 1)
    );
    // Another stock: asked at once under its version.
    i.focused = Some(code("000660"));
    i.version = 2;
    feed.set_interest(i);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(probe.count("flows 000660"), 1);
}

//! `SimMarket`: the deterministic synthetic market behind kis-sim and `MockSource`.
//!
//! Everything is a pure function of the seed, computed lazily and memoised per stock: the
//! universe (`universe`), a daily close series over KRX trading days (`series`), and for the
//! days someone looks at intraday, a 10-second price path (`intraday`) from which quotes,
//! order books and minute bars at any instant are read. Ground truth for tests is the same
//! API: "what is the quote/bar/book of this code at this instant".

pub mod actions;
pub mod grid;
pub mod intraday;
pub mod listings;
pub mod overview;
pub mod series;
pub mod trades;
pub mod universe;

use crate::clock::SharedClock;
use crate::market::{
    Calendar, Candle, Direction, ExpectedFill, Krw, Level, Listing, OrderBook, Period, Quote, Rate,
    SecurityKind, StockCode, StockInfo, kst_date, kst_to_utc,
};
use crate::sim::hash::{Stream, hash, word};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use grid::Grid;
use intraday::{Path, STEP_SECS, STEPS_PER_MIN};
use series::{DayBar, grid_of};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
pub use trades::{Side, Trade};
pub use universe::{HALTED_CODE, MANAGED_CODE, SimStock};

/// The first simulated trading day (its base is the stock's initial level).
pub fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or(NaiveDate::MIN)
}

/// The last day the daily series reaches.
pub fn horizon() -> NaiveDate {
    NaiveDate::from_ymd_opt(2031, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Where the market is within its day at an instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    /// Opening call auction; `frac` of it has elapsed. No trades yet today.
    PreOpenAuction { frac: f64 },
    /// Continuous trading; the latest 10-second step.
    Continuous { step: usize },
    /// Closing call auction; `frac` elapsed; continuous trading has ended.
    ClosingAuction { frac: f64 },
    /// The day is over (or is a past day): final values.
    Final,
}

/// A stock's state at an instant: the single source every quote/book/bar is built from.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub code: StockCode,
    /// The trading day the values belong to (today, or the last trading day when closed).
    pub date: NaiveDate,
    pub phase: Phase,
    /// 기준가: the previous close.
    pub base: i64,
    /// Last trade price (the base when nothing has traded yet today).
    pub price: i64,
    /// 0 when nothing has traded yet today.
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub volume: u64,
    pub value: i64,
    pub lower_limit: i64,
    pub upper_limit: i64,
    /// Expected fill (price, volume) during call auctions.
    pub expected: Option<(i64, u64)>,
    /// KST wall-clock time the values are as of (HH:MM:SS).
    pub time: NaiveTime,
    /// The previous trading day's bar (for prdy_* fields).
    pub prev: Option<DayBar>,
}

impl Snapshot {
    pub fn change(&self) -> i64 {
        self.price - self.base
    }

    pub fn direction(&self) -> Direction {
        Direction::of_change(
            Krw(self.price),
            Krw(self.base),
            Krw(self.upper_limit),
            Krw(self.lower_limit),
        )
    }
}

struct Cache {
    /// Daily closes per stock index, from `anchor()` over `days`, extended on demand.
    closes: HashMap<usize, Vec<i64>>,
    /// Intraday paths for (stock, day index).
    paths: HashMap<(usize, usize), Arc<Path>>,
    /// The trades behind those paths.
    trades: HashMap<(usize, usize), Arc<Vec<Trade>>>,
}

/// The simulated market. Cheap to share (`Arc`); all methods take `&self`.
pub struct SimMarket {
    seed: u64,
    stocks: Vec<SimStock>,
    index: HashMap<StockCode, usize>,
    /// Trading days from `anchor()` to `horizon()`, oldest first.
    days: Vec<NaiveDate>,
    /// Corporate actions by stock index: (ex-date's day index, action), oldest first.
    actions: HashMap<usize, Vec<(usize, actions::SimAction)>>,
    /// Listing histories of the issues of the listing table, by stock index.
    listings: HashMap<usize, listings::SimListing>,
    calendar: &'static Calendar,
    clock: SharedClock,
    cache: Mutex<Cache>,
    /// Index and ranking memos (`overview`).
    overview: Mutex<overview::Memo>,
}

impl std::fmt::Debug for SimMarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimMarket")
            .field("seed", &self.seed)
            .field("stocks", &self.stocks.len())
            .finish()
    }
}

impl SimMarket {
    pub fn new(seed: u64, clock: SharedClock) -> SimMarket {
        let stocks = universe::build(seed);
        let index = stocks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.code, i))
            .collect();
        let calendar = Calendar::krx();
        let days = calendar.trading_days(anchor(), horizon());
        let mut acts: HashMap<usize, Vec<(usize, actions::SimAction)>> = HashMap::new();
        for (code, list) in actions::by_code(calendar) {
            let Some(si) = stocks.iter().position(|s| s.code.as_str() == code) else {
                continue;
            };
            for (d, act) in list.list {
                if let Ok(di) = days.binary_search(&d)
                    && di > 0
                {
                    acts.entry(si).or_default().push((di, act));
                }
            }
        }
        let listing_map = stocks
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                listings::history(s.code.as_str(), s.listed_on, calendar).map(|h| (i, h))
            })
            .collect();
        SimMarket {
            seed,
            listings: listing_map,
            stocks,
            index,
            days,
            actions: acts,
            calendar,
            clock,
            cache: Mutex::new(Cache {
                closes: HashMap::new(),
                paths: HashMap::new(),
                trades: HashMap::new(),
            }),
            overview: Mutex::new(overview::Memo::default()),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn calendar(&self) -> &'static Calendar {
        self.calendar
    }

    pub fn stocks(&self) -> &[SimStock] {
        &self.stocks
    }

    pub fn stock(&self, code: StockCode) -> Option<&SimStock> {
        self.index.get(&code).map(|&i| &self.stocks[i])
    }

    pub fn grid(&self, code: StockCode) -> Grid {
        self.stock(code).map(grid_of).unwrap_or(Grid::Stock)
    }

    fn lock(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn day_index(&self, d: NaiveDate) -> Option<usize> {
        self.days.binary_search(&d).ok()
    }

    /// Index of the latest trading day ≤ `d`.
    fn day_index_at_or_before(&self, d: NaiveDate) -> Option<usize> {
        match self.days.binary_search(&d) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }

    /// Closes of stock `si` for day indices `0..=upto` (raw: as traded).
    fn closes(&self, si: usize, upto: usize) -> Vec<i64> {
        self.with_closes(si, upto, |v| v[..=upto].to_vec())
    }

    /// `f` on the closes of stock `si` for day indices `0..=upto` (at least), read in place.
    fn with_closes<R>(&self, si: usize, upto: usize, f: impl FnOnce(&[i64]) -> R) -> R {
        let mut cache = self.lock();
        let s = &self.stocks[si];
        let acts = self.actions.get(&si).map(Vec::as_slice).unwrap_or(&[]);
        let v = cache.closes.entry(si).or_default();
        if v.len() <= upto {
            // The level the series reverts to moves with every action already passed.
            let mut level = s.level as f64;
            for (di, act) in acts.iter().filter(|(di, _)| *di < v.len()) {
                let prev = v[*di - 1];
                level *= act.base_on(prev, grid_of(s)) as f64 / prev as f64;
            }
            let mut close = v
                .last()
                .copied()
                .unwrap_or_else(|| series::initial_close(self.seed, s));
            for d in v.len()..=upto {
                let mut base = close;
                if let Some((_, act)) = acts.iter().find(|(di, _)| *di == d) {
                    base = act.base_on(close, grid_of(s));
                    level *= base as f64 / close as f64;
                }
                close = series::next_close_at(self.seed, s, level, self.days[d], base);
                v.push(close);
            }
        }
        f(v)
    }

    /// The base (기준가) of day `di` given the closes up to at least `di - 1`: the previous
    /// close, moved by a corporate action on an ex-date.
    fn base_from(&self, si: usize, di: usize, closes: &[i64]) -> i64 {
        if di == 0 {
            return series::initial_close(self.seed, &self.stocks[si]);
        }
        let prev = closes[di - 1];
        match self.action_at(si, di) {
            Some(act) => act.base_on(prev, grid_of(&self.stocks[si])),
            None => prev,
        }
    }

    fn action_at(&self, si: usize, di: usize) -> Option<&actions::SimAction> {
        self.actions
            .get(&si)?
            .iter()
            .find(|(d, _)| *d == di)
            .map(|(_, a)| a)
    }

    fn close_and_base(&self, si: usize, di: usize) -> (i64, i64) {
        // Reads the two values in place: copying the whole series per call is what made a
        // market-wide pass (indices, rankings) slow.
        self.with_closes(si, di, |c| (self.base_from(si, di, c), c[di]))
    }

    fn bar_at(&self, si: usize, di: usize) -> DayBar {
        let (base, close) = self.close_and_base(si, di);
        series::bar(self.seed, &self.stocks[si], self.days[di], base, close)
    }

    /// The corporate actions of `code` with ex-dates up to `asof`: (ex-date, kind, factor,
    /// `flng_cls_code`, `revl_issu_reas`), oldest first. Ground truth for tests.
    pub fn actions_until(&self, code: StockCode, asof: NaiveDate) -> Vec<SimActionInfo> {
        let Some(&si) = self.index.get(&code) else {
            return Vec::new();
        };
        let Some(acts) = self.actions.get(&si) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (di, act) in acts {
            if self.days[*di] > asof {
                continue;
            }
            let c = self.closes(si, *di);
            let base = self.base_from(si, *di, &c);
            let (flng, revl) = act.wire_codes();
            out.push(SimActionInfo {
                code,
                ex_date: self.days[*di],
                kind: act.kind,
                factor: actions::factor(base, c[*di - 1]),
                base,
                prev_close: c[*di - 1],
                flng_cls_code: flng,
                revl_issu_reas: revl,
            });
        }
        out
    }

    /// The action of `code` whose ex-date is `date`, if any.
    pub fn action_on(&self, code: StockCode, date: NaiveDate) -> Option<SimActionInfo> {
        self.actions_until(code, date)
            .into_iter()
            .find(|a| a.ex_date == date)
    }

    /// `bars` (of `code`, daily) adjusted as KIS's 수정주가 chart is on `asof`: each price is
    /// scaled by the product of the factors of the ex-dates after its day (up to `asof`),
    /// rounded half up to the won once. Volume and value are left as traded.
    pub fn adjust_bars(&self, code: StockCode, bars: &mut [DayBar], asof: NaiveDate) {
        let acts = self.actions_until(code, asof);
        if acts.is_empty() {
            return;
        }
        for b in bars.iter_mut() {
            let f = acts
                .iter()
                .filter(|a| a.ex_date > b.date)
                .fold(crate::market::Ratio::ONE, |f, a| f.times(a.factor));
            if f.is_one() {
                continue;
            }
            let adj = |p: i64| if p == 0 { 0 } else { f.apply(p).unwrap_or(p) };
            b.open = adj(b.open);
            b.high = adj(b.high);
            b.low = adj(b.low);
            b.close = adj(b.close);
            b.base = adj(b.base);
        }
    }

    fn path(&self, si: usize, di: usize) -> Arc<Path> {
        if let Some(p) = self.lock().paths.get(&(si, di)) {
            return p.clone();
        }
        let bar = self.bar_at(si, di);
        let steps = self.steps_of(self.days[di]);
        let s = &self.stocks[si];
        let p = Arc::new(intraday::build(
            self.seed,
            s.code.as_str(),
            grid_of(s),
            bar,
            steps,
        ));
        let mut cache = self.lock();
        // Keep only paths of the two most recent days asked for: memory stays bounded.
        if cache.paths.len() > 4 * self.stocks.len() {
            let keep = di;
            cache.paths.retain(|(_, d), _| *d + 1 >= keep);
        }
        cache.paths.insert((si, di), p.clone());
        p
    }

    fn steps_of(&self, date: NaiveDate) -> usize {
        match self.calendar.session_times(date) {
            Some(t) => ((t.closing_auction - t.open).num_seconds() / STEP_SECS) as usize,
            None => 2_280,
        }
    }

    /// The trading day and phase in force at `t`. `None` before the simulated history starts.
    pub fn phase_at(&self, t: DateTime<Utc>) -> Option<(NaiveDate, Phase, NaiveTime)> {
        let local = t.with_timezone(&crate::market::KST);
        let today = local.date_naive();
        let now = local.time();
        if let Some(st) = self.calendar.session_times(today)
            && now >= st.pre_open_auction
            && self.day_index(today).is_some()
        {
            let frac = |a: NaiveTime, b: NaiveTime| {
                ((now - a).num_milliseconds() as f64 / (b - a).num_milliseconds() as f64)
                    .clamp(0.0, 1.0)
            };
            let phase = if now < st.open {
                Phase::PreOpenAuction {
                    frac: frac(st.pre_open_auction, st.open),
                }
            } else if now < st.closing_auction {
                let step = ((now - st.open).num_seconds() / STEP_SECS) as usize;
                Phase::Continuous { step }
            } else if now < st.close {
                Phase::ClosingAuction {
                    frac: frac(st.closing_auction, st.close),
                }
            } else {
                Phase::Final
            };
            return Some((today, phase, now));
        }
        let di = self.day_index_at_or_before(today.pred_opt()?)?;
        let d = self.days[di];
        let close = self
            .calendar
            .session_times(d)
            .map(|s| s.close)
            .unwrap_or_else(|| NaiveTime::from_hms_opt(15, 30, 0).unwrap_or(NaiveTime::MIN));
        Some((d, Phase::Final, close))
    }

    /// The state of `code` at instant `t` (ground truth for every quote-like response).
    pub fn snapshot_at(&self, code: StockCode, t: DateTime<Utc>) -> Option<Snapshot> {
        let si = *self.index.get(&code)?;
        let (date, phase, time) = self.phase_at(t)?;
        let di = self.day_index(date)?;
        let s = &self.stocks[si];
        let g = grid_of(s);
        let bar = self.bar_at(si, di);
        let prev = if di > 0 {
            Some(self.bar_at(si, di - 1))
        } else {
            None
        };
        let (lower_limit, upper_limit) = g.limits(bar.base);
        let mut snap = Snapshot {
            code,
            date,
            phase,
            base: bar.base,
            price: bar.base,
            open: 0,
            high: 0,
            low: 0,
            volume: 0,
            value: 0,
            lower_limit,
            upper_limit,
            expected: None,
            time,
            prev,
        };
        match phase {
            Phase::Final => {
                snap.price = bar.close;
                if bar.volume > 0 {
                    snap.open = bar.open;
                    snap.high = bar.high;
                    snap.low = bar.low;
                }
                snap.volume = bar.volume;
                snap.value = bar.value;
            }
            Phase::PreOpenAuction { frac } => {
                if bar.volume > 0 {
                    let path = self.path(si, di);
                    let p = g.near(bar.base as f64 + (bar.open - bar.base) as f64 * frac);
                    let vol = (path.vols[0] as f64 * frac.max(0.05)) as u64;
                    snap.expected = Some((g.clamp(p, bar.base), vol.max(1)));
                }
            }
            Phase::Continuous { step } => {
                let path = self.path(si, di);
                self.fill_from_path(&mut snap, &path, step.min(path.steps() - 1));
            }
            Phase::ClosingAuction { frac } => {
                let path = self.path(si, di);
                let last = path.steps() - 1;
                self.fill_from_path(&mut snap, &path, last);
                if bar.volume > 0 {
                    let from = path.price(last) as f64;
                    let p = g.near(from + (bar.close as f64 - from) * frac);
                    let vol = (path.close_auction_vol as f64 * frac.max(0.05)) as u64;
                    snap.expected = Some((g.clamp(p, bar.base), vol.max(1)));
                }
            }
        }
        Some(snap)
    }

    fn fill_from_path(&self, snap: &mut Snapshot, path: &Path, step: usize) {
        if path.bar.volume == 0 {
            return;
        }
        let mut high = 0;
        let mut low = i64::MAX;
        let mut vol = 0u64;
        let mut value = 0i64;
        for i in 0..=step {
            let p = path.price(i);
            high = high.max(p);
            low = low.min(p);
            vol += path.vols[i] as u64;
            value += path.step_value(i);
        }
        snap.price = path.price(step);
        snap.open = path.price(0);
        snap.high = high;
        snap.low = low;
        snap.volume = vol;
        snap.value = value;
    }

    /// Quote of `code` at `t` as the domain type (ground truth).
    pub fn quote_at(&self, code: StockCode, t: DateTime<Utc>) -> Option<Quote> {
        let snap = self.snapshot_at(code, t)?;
        let s = self.stock(code)?;
        Some(Quote {
            code,
            name: Some(s.name.clone()),
            price: Krw(snap.price),
            change: Krw(snap.change()),
            change_rate: Rate::of(Krw(snap.change()), Krw(snap.base)),
            prev_close: Krw(snap.base),
            open: Krw(snap.open),
            high: Krw(snap.high),
            low: Krw(snap.low),
            volume: snap.volume,
            value: Krw(snap.value),
            upper_limit: Krw(snap.upper_limit),
            lower_limit: Krw(snap.lower_limit),
            flags: s.flags,
            expected: snap.expected.map(|(p, v)| expected_fill(p, v, snap.base)),
            as_of: t,
        })
    }

    /// The 10-level book of `code` at `t`. Halted stocks have an empty book.
    pub fn book_at(&self, code: StockCode, t: DateTime<Utc>) -> Option<OrderBook> {
        let snap = self.snapshot_at(code, t)?;
        let s = self.stock(code)?;
        let g = grid_of(s);
        let center = snap.expected.map(|e| e.0).unwrap_or(snap.price);
        let step_key = match snap.phase {
            Phase::Continuous { step } => step as u64,
            Phase::PreOpenAuction { frac } | Phase::ClosingAuction { frac } => {
                (frac * 1000.0) as u64
            }
            Phase::Final => 99_999,
        };
        let mut r = Stream::new(hash(&[
            self.seed,
            word(code.as_str()),
            series::day_key(snap.date),
            step_key,
            word("book"),
        ]));
        let (mut asks, mut bids) = (Vec::new(), Vec::new());
        if !s.flags.halted {
            let (ask1, bid1) = if r.unit() < 0.5 {
                (center, g.step_down(center))
            } else {
                (g.step_up(center), center)
            };
            let depth = (s.listed_shares as f64 * s.turnover / 400.0).max(10.0);
            let mut p = ask1;
            for k in 0..10 {
                if p <= snap.upper_limit && p > 0 {
                    let q = (depth * (0.2 + 2.0 * r.unit()) * (1.0 + k as f64 / 4.0)) as u64;
                    asks.push(Level {
                        price: Krw(p),
                        qty: q.max(1),
                    });
                }
                p = g.step_up(p);
            }
            let mut p = bid1;
            for k in 0..10 {
                if p >= snap.lower_limit && p > 0 {
                    let q = (depth * (0.2 + 2.0 * r.unit()) * (1.0 + k as f64 / 4.0)) as u64;
                    bids.push(Level {
                        price: Krw(p),
                        qty: q.max(1),
                    });
                }
                p = g.step_down(p);
            }
        }
        Some(OrderBook {
            code,
            total_ask_qty: asks.iter().map(|l| l.qty).sum(),
            total_bid_qty: bids.iter().map(|l| l.qty).sum(),
            asks,
            bids,
            last: Some(Krw(snap.price)),
            prev_close: Some(Krw(snap.base)),
            expected: snap.expected.map(|(p, v)| expected_fill(p, v, snap.base)),
            as_of: t,
        })
    }

    /// Daily bars of `code` with dates in `[from, to]` as known at `t`, oldest first. The
    /// current day appears once it has traded (a partial bar during the session).
    pub fn daily_bars_at(
        &self,
        code: StockCode,
        from: NaiveDate,
        to: NaiveDate,
        t: DateTime<Utc>,
    ) -> Vec<DayBar> {
        let Some(&si) = self.index.get(&code) else {
            return Vec::new();
        };
        let Some((date, phase, _)) = self.phase_at(t) else {
            return Vec::new();
        };
        let last_final = match phase {
            Phase::Final => self.day_index(date),
            _ => self.day_index(date).and_then(|d| d.checked_sub(1)),
        };
        let mut out = Vec::new();
        let start = match self.days.binary_search(&from) {
            Ok(i) | Err(i) => i,
        };
        if let Some(last) = last_final {
            let end = match self.day_index_at_or_before(to) {
                Some(e) => e.min(last),
                None => return out,
            };
            if start <= end {
                let closes = self.closes(si, end);
                for di in start..=end {
                    if !self.listed_si(si, self.days[di]) {
                        continue;
                    }
                    let base = self.base_from(si, di, &closes);
                    out.push(series::bar(
                        self.seed,
                        &self.stocks[si],
                        self.days[di],
                        base,
                        closes[di],
                    ));
                }
            }
        }
        // Today's bar so far, once trading has started.
        if !matches!(phase, Phase::Final | Phase::PreOpenAuction { .. })
            && date >= from
            && date <= to
            && self.listed_si(si, date)
            && let Some(snap) = self.snapshot_at(code, t)
            && snap.volume > 0
        {
            out.push(DayBar {
                date,
                base: snap.base,
                open: snap.open,
                high: snap.high,
                low: snap.low,
                close: snap.price,
                volume: snap.volume,
                value: snap.value,
            });
        }
        out
    }

    /// Period bars (D/W/M/Y) in `[from, to]` at `t`, oldest first. A week/month/year bar is
    /// dated by its last trading day in range, as the period chart does.
    pub fn period_bars_at(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        t: DateTime<Utc>,
    ) -> Vec<Candle> {
        self.period_day_bars_at(code, period, from, to, t, false)
            .iter()
            .map(|b| candle(b, None))
            .collect()
    }

    /// Period bars with their base (the close before the period's first day). Rows are dated
    /// by the period's first trading day when `date_by_first` (inquire-daily-price), else by
    /// the last (inquire-daily-itemchartprice).
    pub fn period_day_bars_at(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        t: DateTime<Utc>,
        date_by_first: bool,
    ) -> Vec<DayBar> {
        self.period_day_bars_adj(code, period, from, to, t, date_by_first, false)
    }

    /// `period_day_bars_at`, adjusted for corporate actions up to `t`'s day when `adjusted`
    /// (the chart's `FID_ORG_ADJ_PRC=0`); periods are built from the adjusted days.
    #[allow(clippy::too_many_arguments)]
    pub fn period_day_bars_adj(
        &self,
        code: StockCode,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        t: DateTime<Utc>,
        date_by_first: bool,
        adjusted: bool,
    ) -> Vec<DayBar> {
        let mut days = self.daily_bars_at(code, from, to, t);
        if adjusted {
            self.adjust_bars(code, &mut days, kst_date(t));
        }
        let key = |d: NaiveDate| -> (i32, u32) {
            match period {
                Period::Week => {
                    let w = d.iso_week();
                    (w.year(), w.week())
                }
                Period::Month => (d.year(), d.month()),
                Period::Year => (d.year(), 0),
                Period::Day | Period::Minute => (d.num_days_from_ce(), 0),
            }
        };
        let mut out: Vec<(DayBar, (i32, u32))> = Vec::new();
        for b in days {
            let k = key(b.date);
            match out.last_mut() {
                Some((agg, ak)) if *ak == k => {
                    if !date_by_first {
                        agg.date = b.date;
                    }
                    if agg.volume == 0 && b.volume > 0 {
                        agg.open = b.open;
                    }
                    agg.high = agg.high.max(b.high);
                    agg.low = if agg.low == 0 {
                        b.low
                    } else {
                        agg.low.min(b.low)
                    };
                    agg.close = b.close;
                    agg.volume += b.volume;
                    agg.value += b.value;
                }
                _ => out.push((b, k)),
            }
        }
        out.into_iter().map(|(b, _)| b).collect()
    }

    /// The daily bar of `code` on `date` as final (ground truth), if it is a simulated trading day.
    pub fn final_day_bar(&self, code: StockCode, date: NaiveDate) -> Option<DayBar> {
        let si = *self.index.get(&code)?;
        let di = self.day_index(date)?;
        if !self.listed_si(si, date) {
            return None;
        }
        Some(self.bar_at(si, di))
    }

    /// One-minute bars of the trading day in force at `t`, oldest first, up to `t` (the last
    /// one partial). After the close, a final bar at the close time holds the closing auction.
    pub fn minute_bars_at(&self, code: StockCode, t: DateTime<Utc>) -> Vec<Candle> {
        let Some(&si) = self.index.get(&code) else {
            return Vec::new();
        };
        let Some((date, phase, _)) = self.phase_at(t) else {
            return Vec::new();
        };
        let Some(di) = self.day_index(date) else {
            return Vec::new();
        };
        let Some(st) = self.calendar.session_times(date) else {
            return Vec::new();
        };
        let path = self.path(si, di);
        if path.bar.volume == 0 {
            return Vec::new();
        }
        let last_step = match phase {
            Phase::PreOpenAuction { .. } => return Vec::new(),
            Phase::Continuous { step } => step.min(path.steps() - 1),
            Phase::ClosingAuction { .. } | Phase::Final => path.steps() - 1,
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i <= last_step {
            let minute = i / STEPS_PER_MIN;
            let end = ((minute + 1) * STEPS_PER_MIN - 1).min(last_step);
            let (mut hi, mut lo, mut vol, mut val) = (0i64, i64::MAX, 0u64, 0i64);
            for j in i..=end {
                let p = path.price(j);
                hi = hi.max(p);
                lo = lo.min(p);
                vol += path.vols[j] as u64;
                val += path.step_value(j);
            }
            out.push(Candle {
                date,
                time: Some(st.open + Duration::minutes(minute as i64)),
                open: Krw(path.price(i)),
                high: Krw(hi),
                low: Krw(lo),
                close: Krw(path.price(end)),
                volume: vol,
                value: Krw(val),
            });
            i = end + 1;
        }
        if phase == Phase::Final {
            let c = path.bar.close;
            out.push(Candle {
                date,
                time: Some(st.close),
                open: Krw(c),
                high: Krw(c),
                low: Krw(c),
                close: Krw(c),
                volume: path.close_auction_vol,
                value: Krw(path.close_auction_value()),
            });
        }
        out
    }

    /// Whether `code` is listed on KST date `d` (`listings`): every issue outside the listing
    /// table always is.
    pub fn listed_on(&self, code: StockCode, d: NaiveDate) -> bool {
        match self.index.get(&code) {
            Some(si) => self.listed_si(*si, d),
            None => false,
        }
    }

    fn listed_si(&self, si: usize, d: NaiveDate) -> bool {
        self.listings.get(&si).is_none_or(|h| h.listed(d))
    }

    /// The listing histories of the issues that were listed, delisted, renamed or moved
    /// within the simulated history (ground truth for tests), ordered by code.
    pub fn listing_histories(&self) -> Vec<listings::SimListing> {
        let mut v: Vec<_> = self.listings.values().cloned().collect();
        v.sort_by(|a, b| a.code.cmp(&b.code));
        v
    }

    /// The KST date whose master files are served at `t`: the trading day in force.
    pub fn master_day(&self, t: DateTime<Utc>) -> NaiveDate {
        self.phase_at(t).map(|p| p.0).unwrap_or_else(|| kst_date(t))
    }

    /// The listing of every issue listed at `t` (what the master files describe).
    pub fn universe_at(&self, t: DateTime<Utc>) -> Vec<Listing> {
        self.stocks
            .iter()
            .filter_map(|s| self.listing_at(s.code, t))
            .collect()
    }

    /// One issue's listing as the master files show it at `t` (base price = the 기준가 in
    /// force); `None` when it is not listed then.
    pub fn listing_at(&self, code: StockCode, t: DateTime<Utc>) -> Option<Listing> {
        let si = *self.index.get(&code)?;
        let s = &self.stocks[si];
        let day = self.master_day(t);
        if !self.listed_si(si, day) {
            return None;
        }
        let (name, name_en, market) = match self.listings.get(&si) {
            Some(h) => {
                let (n, en, m) = h.name_on(day);
                (n.to_string(), en.to_string(), m)
            }
            None => (s.name.clone(), s.name_en.clone(), s.market),
        };
        let base = self.base_price_at(code, t).unwrap_or(s.level);
        Some(Listing {
            code,
            isin: s.isin.clone(),
            name,
            name_en: Some(name_en),
            market,
            group: s.group.to_string(),
            kind: s.kind,
            base_price: Krw(base),
            listed_shares: s.listed_shares,
            flags: s.flags,
            market_cap_eok: (base as u128 * s.listed_shares as u128 / 100_000_000) as u64,
            listed_on: Some(s.listed_on),
        })
    }

    /// The base price (previous close) for the trading day in force at `t`; after the close,
    /// the next day's base is still the day's base until the next session starts.
    pub fn base_price_at(&self, code: StockCode, t: DateTime<Utc>) -> Option<i64> {
        self.snapshot_at(code, t).map(|s| s.base)
    }

    /// Reference information as of `t`.
    pub fn info_at(&self, code: StockCode, t: DateTime<Utc>) -> Option<StockInfo> {
        let s = self.stock(code)?;
        let snap = self.snapshot_at(code, t)?;
        let (w52_high, w52_low) = self.w52(code, t).unwrap_or((snap.price, snap.price));
        let f = self.fundamentals(code);
        Some(StockInfo {
            code,
            name: s.name.clone(),
            name_en: Some(s.name_en.clone()),
            market: s.market,
            kind: s.kind,
            isin: Some(s.isin.clone()),
            sector: Some(s.sector.to_string()),
            listed_shares: Some(s.listed_shares),
            market_cap: Some(Krw(snap.price.saturating_mul(s.listed_shares as i64))),
            // Signed like the wire's `per`: a loss-making company has a negative PER, and
            // no ratio exists without earnings or book value.
            per: (s.kind != SecurityKind::Etf && f.eps != 0)
                .then(|| Rate((snap.price * 100 / f.eps) as i32)),
            pbr: (s.kind != SecurityKind::Etf && f.bps > 0)
                .then(|| Rate((snap.price * 100 / f.bps) as i32)),
            eps: Some(Krw(f.eps)),
            bps: Some(Krw(f.bps)),
            w52_high: Some(Krw(w52_high)),
            w52_low: Some(Krw(w52_low)),
            upper_limit: Some(Krw(snap.upper_limit)),
            lower_limit: Some(Krw(snap.lower_limit)),
            flags: s.flags,
        })
    }

    /// 52-week (high, low) up to the day in force at `t`.
    pub fn w52(&self, code: StockCode, t: DateTime<Utc>) -> Option<(i64, i64)> {
        let (date, _, _) = self.phase_at(t)?;
        let bars = self.daily_bars_at(code, date - Duration::days(365), date, t);
        let hi = bars.iter().map(|b| b.high).filter(|&h| h > 0).max()?;
        let lo = bars.iter().map(|b| b.low).filter(|&l| l > 0).min()?;
        Some((hi, lo))
    }

    /// Per-share fundamentals (EPS, BPS), fixed per stock.
    pub fn fundamentals(&self, code: StockCode) -> Fundamentals {
        let s = match self.stock(code) {
            Some(s) => s,
            None => return Fundamentals { eps: 0, bps: 0 },
        };
        let mut r = Stream::new(hash(&[self.seed, word(code.as_str()), word("fund")]));
        let per = 5.0 + r.unit() * 30.0;
        let pbr = 0.3 + r.unit() * 3.0;
        let eps = (s.level as f64 / per) as i64;
        let eps = if r.unit() < 0.15 { -eps / 3 } else { eps };
        Fundamentals {
            eps,
            bps: (s.level as f64 / pbr) as i64,
        }
    }

    /// Every trade of the trading day in force at `t` (the whole day, also the part after
    /// `t`), oldest first; empty before the history starts or on a day without trades.
    pub fn day_trades_at(&self, code: StockCode, t: DateTime<Utc>) -> Arc<Vec<Trade>> {
        let empty = || Arc::new(Vec::new());
        let Some(&si) = self.index.get(&code) else {
            return empty();
        };
        let Some((date, _, _)) = self.phase_at(t) else {
            return empty();
        };
        let (Some(di), Some(st)) = (self.day_index(date), self.calendar.session_times(date)) else {
            return empty();
        };
        if let Some(v) = self.lock().trades.get(&(si, di)) {
            return v.clone();
        }
        let path = self.path(si, di);
        let s = &self.stocks[si];
        let v = Arc::new(trades::day_trades(
            self.seed,
            s.code.as_str(),
            grid_of(s),
            &path,
            kst_to_utc(date.and_time(st.open)),
            kst_to_utc(date.and_time(st.close)),
        ));
        let mut cache = self.lock();
        // Like the paths: only the most recent days stay.
        if cache.trades.len() > 2 * self.stocks.len() {
            cache.trades.retain(|(_, d), _| *d + 1 >= di);
        }
        cache.trades.insert((si, di), v.clone());
        v
    }

    /// The trades stamped in `(after, upto]` on the trading day in force at `upto`: what a
    /// subscriber to `code` receives while the clock moves from `after` to `upto`.
    pub fn trades_between(
        &self,
        code: StockCode,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> Vec<Trade> {
        if upto <= after {
            return Vec::new();
        }
        let day = self.day_trades_at(code, upto);
        let from = day.partition_point(|t| t.at <= after);
        let to = day.partition_point(|t| t.at <= upto);
        day.get(from..to).map(<[Trade]>::to_vec).unwrap_or_default()
    }

    /// The instants in `(after, upto]` at which the book of a stock changes: every 10 seconds
    /// from the pre-open auction to the close of the trading day in force at `upto`.
    pub fn book_changes_between(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let local = upto.with_timezone(&crate::market::KST);
        let Some(st) = self.calendar.session_times(local.date_naive()) else {
            return out;
        };
        let date = local.date_naive();
        let first = kst_to_utc(date.and_time(st.pre_open_auction));
        let last = kst_to_utc(date.and_time(st.close)).min(upto);
        let step = Duration::seconds(STEP_SECS);
        let start = if after < first {
            first
        } else {
            let n = (after - first).num_seconds() / STEP_SECS + 1;
            first + Duration::seconds(n * STEP_SECS)
        };
        let mut t = start;
        while t <= last {
            out.push(t);
            t += step;
        }
        out
    }

    // Convenience: the same at the clock's now.

    pub fn quote(&self, code: StockCode) -> Option<Quote> {
        self.quote_at(code, self.now())
    }

    pub fn book(&self, code: StockCode) -> Option<OrderBook> {
        self.book_at(code, self.now())
    }

    pub fn minute_bars(&self, code: StockCode) -> Vec<Candle> {
        self.minute_bars_at(code, self.now())
    }

    /// KST today at the clock's now.
    pub fn today(&self) -> NaiveDate {
        kst_date(self.now())
    }

    /// The instant of a KST wall-clock time on `date` (test convenience).
    pub fn kst(date: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        kst_to_utc(date.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap_or(NaiveTime::MIN)))
    }
}

/// A corporate action as kis-sim applies it (ground truth for tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimActionInfo {
    pub code: StockCode,
    pub ex_date: NaiveDate,
    pub kind: crate::market::ActionKind,
    /// base / prev_close, reduced.
    pub factor: crate::market::Ratio,
    /// The ex-date's base price (기준가) and the raw close before it.
    pub base: i64,
    pub prev_close: i64,
    pub flng_cls_code: &'static str,
    pub revl_issu_reas: &'static str,
}

/// Per-share fundamentals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fundamentals {
    pub eps: i64,
    pub bps: i64,
}

fn expected_fill(price: i64, volume: u64, base: i64) -> ExpectedFill {
    ExpectedFill {
        price: Krw(price),
        volume,
        change: Krw(price - base),
        change_rate: Rate::of(Krw(price - base), Krw(base)),
    }
}

/// A daily bar as the domain's candle.
pub fn candle(b: &DayBar, time: Option<NaiveTime>) -> Candle {
    Candle {
        date: b.date,
        time,
        open: Krw(b.open),
        high: Krw(b.high),
        low: Krw(b.low),
        close: Krw(b.close),
        volume: b.volume,
        value: Krw(b.value),
    }
}

/// Formats a KST time as KIS does: `HHMMSS`.
pub fn hhmmss(t: NaiveTime) -> String {
    format!("{:02}{:02}{:02}", t.hour(), t.minute(), t.second())
}

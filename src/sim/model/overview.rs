//! The market at a glance, computed from the same snapshots every quote is built from: the
//! indices (KOSPI 0001, KOSDAQ 1001, KOSPI200 2001) as capitalisation-weighted sums of their
//! constituents, their breadth, and the rankings. So the index moves with its constituents,
//! breadth counts agree with the quotes and rankings agree with the quotes.
//!
//! An index is `scale × Σ price_i × listed_shares_i`, `scale` fixed so the index stands at its
//! base level on the simulated history's first day. Intraday, its high and low are the
//! extremes of the summed 10-second paths so far; a finished day's high and low are settled
//! from the day's open, close and the constituents' extremes (cheap for any day of history).

use super::*;
use crate::market::{
    Breadth, IndexBar, IndexCode, IndexQuote, Points, RankKind, RankMarket, RankRow,
};

/// One simulated index.
#[derive(Debug)]
pub struct IndexDef {
    pub code: &'static str,
    pub name: &'static str,
    /// Level on the first simulated day, in points.
    pub base: f64,
}

pub const INDICES: [IndexDef; 3] = [
    IndexDef {
        code: "0001",
        name: "코스피",
        base: 2_500.0,
    },
    IndexDef {
        code: "1001",
        name: "코스닥",
        base: 750.0,
    },
    IndexDef {
        code: "2001",
        name: "코스피200",
        base: 330.0,
    },
];

/// Constituents of KOSPI200: the largest KOSPI issues by capitalisation at their level.
pub const KOSPI200_SIZE: usize = 200;

pub fn index_def(code: &str) -> Option<&'static IndexDef> {
    INDICES.iter().find(|d| d.code == code.trim())
}

/// A finished day of an index, in hundredths of a point, shares and won.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexDay {
    pub date: NaiveDate,
    pub base: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub volume: u64,
    pub value: i64,
    pub breadth: Breadth,
}

impl IndexDay {
    pub fn bar(&self) -> IndexBar {
        IndexBar {
            date: self.date,
            time: None,
            open: Points(self.open),
            high: Points(self.high),
            low: Points(self.low),
            close: Points(self.close),
            volume: self.volume,
            value: Krw(self.value),
        }
    }
}

struct Members {
    idx: Vec<usize>,
    weights: Vec<f64>,
    /// Hundredths of a point per won of weighted price.
    scale: f64,
}

/// One stock's state at an instant, as its quote shows it.
#[derive(Clone, Copy, Debug)]
struct StockNow {
    price: i64,
    base: i64,
    change_rate: Rate,
    volume: u64,
    value: i64,
    direction: Direction,
}

/// Every stock at one instant (memoised per 10-second step).
struct MarketNow {
    key: (usize, u8, usize),
    stocks: Vec<Option<StockNow>>,
}

/// Shares and won per 10-second step of one index's day.
type StepFlows = Arc<(Vec<u64>, Vec<i64>)>;

#[derive(Default)]
pub struct Memo {
    members: HashMap<&'static str, Arc<Members>>,
    paths: HashMap<(&'static str, usize), Arc<Vec<f64>>>,
    /// Shares and won traded in each step, summed over the constituents.
    flows: HashMap<(&'static str, usize), StepFlows>,
    days: HashMap<(&'static str, usize), IndexDay>,
    now: Option<Arc<MarketNow>>,
}

fn breadth_add(b: &mut Breadth, d: Direction) {
    match d {
        Direction::UpperLimit => {
            b.up += 1;
            b.limit_up += 1;
        }
        Direction::Up => b.up += 1,
        Direction::Flat => b.unchanged += 1,
        Direction::LowerLimit => {
            b.down += 1;
            b.limit_down += 1;
        }
        Direction::Down => b.down += 1,
    }
}

fn pts(sum: f64, scale: f64) -> i64 {
    (sum * scale).round() as i64
}

impl SimMarket {
    fn overview(&self) -> MutexGuard<'_, Memo> {
        self.overview.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn members(&self, def: &'static IndexDef) -> Arc<Members> {
        if let Some(m) = self.overview().members.get(def.code) {
            return m.clone();
        }
        let equity = |s: &SimStock| matches!(s.kind, SecurityKind::Stock | SecurityKind::Preferred);
        let mut idx: Vec<usize> = (0..self.stocks.len())
            .filter(|&i| {
                let s = &self.stocks[i];
                equity(s)
                    && match def.code {
                        "1001" => s.market == crate::market::Market::Kosdaq,
                        _ => s.market == crate::market::Market::Kospi,
                    }
            })
            .collect();
        if def.code == "2001" {
            let cap = |i: &usize| {
                let s = &self.stocks[*i];
                s.level as u128 * s.listed_shares as u128
            };
            idx.sort_by(|a, b| cap(b).cmp(&cap(a)).then(a.cmp(b)));
            idx.truncate(KOSPI200_SIZE);
            idx.sort_unstable();
        }
        let weights: Vec<f64> = idx
            .iter()
            .map(|&i| self.stocks[i].listed_shares as f64)
            .collect();
        let first: f64 = idx
            .iter()
            .zip(&weights)
            .map(|(&i, w)| series::initial_close(self.seed, &self.stocks[i]) as f64 * w)
            .sum();
        let scale = if first > 0.0 {
            def.base * 100.0 / first
        } else {
            0.0
        };
        let m = Arc::new(Members {
            idx,
            weights,
            scale,
        });
        self.overview().members.insert(def.code, m.clone());
        m
    }

    /// The weighted price sum of an index at every 10-second step of day `di`.
    fn index_path(&self, def: &'static IndexDef, di: usize) -> Arc<Vec<f64>> {
        if let Some(p) = self.overview().paths.get(&(def.code, di)) {
            return p.clone();
        }
        let m = self.members(def);
        let steps = self.steps_of(self.days[di]).max(4);
        let mut sums = vec![0.0f64; steps];
        for (&si, w) in m.idx.iter().zip(&m.weights) {
            let path = self.path(si, di);
            if path.bar.volume == 0 {
                let b = path.bar.base as f64 * w;
                sums.iter_mut().for_each(|s| *s += b);
            } else {
                for (k, s) in sums.iter_mut().enumerate() {
                    *s += path.price(k) as f64 * w;
                }
            }
        }
        let p = Arc::new(sums);
        let mut memo = self.overview();
        if memo.paths.len() > 16 {
            memo.paths.retain(|(_, d), _| *d + 1 >= di);
        }
        memo.paths.insert((def.code, di), p.clone());
        p
    }

    fn index_step_flows(&self, def: &'static IndexDef, di: usize) -> StepFlows {
        if let Some(f) = self.overview().flows.get(&(def.code, di)) {
            return f.clone();
        }
        let m = self.members(def);
        let steps = self.steps_of(self.days[di]).max(4);
        let (mut vols, mut values) = (vec![0u64; steps], vec![0i64; steps]);
        for &si in &m.idx {
            let path = self.path(si, di);
            if path.bar.volume == 0 {
                continue;
            }
            for k in 0..steps.min(path.steps()) {
                vols[k] = vols[k].saturating_add(u64::from(path.vols[k]));
                values[k] = values[k].saturating_add(path.step_value(k));
            }
        }
        let f = Arc::new((vols, values));
        let mut memo = self.overview();
        if memo.flows.len() > 16 {
            memo.flows.retain(|(_, d), _| *d + 1 >= di);
        }
        memo.flows.insert((def.code, di), f.clone());
        f
    }

    /// One-minute bars of index `code` for the trading day in force at `t`, oldest first, up
    /// to `t` (the last one partial), labelled by the minute's start (ground truth for
    /// inquire-time-indexchartprice). Empty before the open.
    pub fn index_minutes_at(&self, code: &str, t: DateTime<Utc>) -> Vec<IndexBar> {
        let Some(def) = index_def(code) else {
            return Vec::new();
        };
        let Some((date, phase, _)) = self.phase_at(t) else {
            return Vec::new();
        };
        let (Some(di), Some(st)) = (self.day_index(date), self.calendar.session_times(date)) else {
            return Vec::new();
        };
        let m = self.members(def);
        let path = self.index_path(def, di);
        let last = match phase {
            Phase::PreOpenAuction { .. } => return Vec::new(),
            Phase::Continuous { step } => step.min(path.len() - 1),
            Phase::ClosingAuction { .. } | Phase::Final => path.len() - 1,
        };
        let flows = self.index_step_flows(def, di);
        let mut out = Vec::new();
        let mut i = 0;
        while i <= last {
            let minute = i / STEPS_PER_MIN;
            let end = ((minute + 1) * STEPS_PER_MIN - 1).min(last);
            let span = &path[i..=end];
            let hi = span.iter().copied().fold(f64::MIN, f64::max);
            let lo = span.iter().copied().fold(f64::MAX, f64::min);
            out.push(IndexBar {
                date,
                time: Some(st.open + Duration::minutes(minute as i64)),
                open: Points(pts(path[i], m.scale)),
                high: Points(pts(hi, m.scale)),
                low: Points(pts(lo, m.scale)),
                close: Points(pts(path[end], m.scale)),
                volume: flows.0[i..=end].iter().sum(),
                value: Krw(flows.1[i..=end].iter().sum()),
            });
            i = end + 1;
        }
        out
    }

    /// A finished day of index `def` (day index `di`).
    fn index_day_at(&self, def: &'static IndexDef, di: usize) -> IndexDay {
        if let Some(d) = self.overview().days.get(&(def.code, di)) {
            return *d;
        }
        let m = self.members(def);
        let (mut o, mut h, mut l, mut c, mut b) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut volume, mut value) = (0u64, 0i64);
        let mut breadth = Breadth::default();
        for (&si, w) in m.idx.iter().zip(&m.weights) {
            let bar = self.bar_at(si, di);
            let traded = bar.volume > 0;
            let pick = |p: i64| if traded { p } else { bar.close };
            o += pick(bar.open) as f64 * w;
            h += pick(bar.high) as f64 * w;
            l += pick(bar.low) as f64 * w;
            c += bar.close as f64 * w;
            b += bar.base as f64 * w;
            volume = volume.saturating_add(bar.volume);
            value = value.saturating_add(bar.value);
            let (lower, upper) = grid_of(&self.stocks[si]).limits(bar.base);
            breadth_add(
                &mut breadth,
                Direction::of_change(Krw(bar.close), Krw(bar.base), Krw(upper), Krw(lower)),
            );
        }
        let (open, close) = (pts(o, m.scale), pts(c, m.scale));
        let top = open.max(close);
        let bottom = open.min(close);
        let day = IndexDay {
            date: self.days[di],
            base: pts(b, m.scale),
            open,
            high: top + ((pts(h, m.scale) - top).max(0) as f64 * 0.4).round() as i64,
            low: bottom - ((bottom - pts(l, m.scale)).max(0) as f64 * 0.4).round() as i64,
            close,
            volume,
            value,
            breadth,
        };
        self.overview().days.insert((def.code, di), day);
        day
    }

    /// Every stock at `t`, memoised per step of the trading day in force.
    fn market_now(
        &self,
        t: DateTime<Utc>,
    ) -> Option<(NaiveDate, Phase, NaiveTime, Arc<MarketNow>)> {
        let (date, phase, time) = self.phase_at(t)?;
        let di = self.day_index(date)?;
        let key = match phase {
            Phase::PreOpenAuction { .. } => (di, 0, 0),
            Phase::Continuous { step } => (di, 1, step),
            Phase::ClosingAuction { .. } => (di, 2, 0),
            Phase::Final => (di, 3, 0),
        };
        if let Some(n) = self.overview().now.as_ref().filter(|n| n.key == key) {
            return Some((date, phase, time, n.clone()));
        }
        let stocks = self
            .stocks
            .iter()
            .map(|s| {
                self.snapshot_at(s.code, t).map(|snap| StockNow {
                    price: snap.price,
                    base: snap.base,
                    change_rate: Rate::of(Krw(snap.change()), Krw(snap.base)),
                    volume: snap.volume,
                    value: snap.value,
                    direction: snap.direction(),
                })
            })
            .collect();
        let n = Arc::new(MarketNow { key, stocks });
        self.overview().now = Some(n.clone());
        Some((date, phase, time, n))
    }

    /// Index `code` at `t` (ground truth for inquire-index-price): volume in shares, value in
    /// won, breadth over its constituents as their quotes show them.
    pub fn index_at(&self, code: &str, t: DateTime<Utc>) -> Option<IndexQuote> {
        let def = index_def(code)?;
        let m = self.members(def);
        let (date, phase, _, now) = self.market_now(t)?;
        let di = self.day_index(date)?;
        let day = if phase == Phase::Final {
            Some(self.index_day_at(def, di))
        } else {
            None
        };
        let (mut sum, mut base) = (0.0, 0.0);
        let (mut volume, mut value) = (0u64, 0i64);
        let mut breadth = Breadth::default();
        for (&si, w) in m.idx.iter().zip(&m.weights) {
            let s = now.stocks.get(si).copied().flatten()?;
            sum += s.price as f64 * w;
            base += s.base as f64 * w;
            volume = volume.saturating_add(s.volume);
            value = value.saturating_add(s.value);
            breadth_add(&mut breadth, s.direction);
        }
        let (v, prev) = (pts(sum, m.scale), pts(base, m.scale));
        let (open, high, low) = match (phase, day) {
            (_, Some(d)) => (d.open, d.high, d.low),
            (Phase::PreOpenAuction { .. }, _) => (v, v, v),
            (Phase::Continuous { step }, _) => {
                let path = self.index_path(def, di);
                let upto = &path[..=step.min(path.len() - 1)];
                let hi = upto.iter().copied().fold(f64::MIN, f64::max);
                let lo = upto.iter().copied().fold(f64::MAX, f64::min);
                (pts(path[0], m.scale), pts(hi, m.scale), pts(lo, m.scale))
            }
            _ => {
                let path = self.index_path(def, di);
                let hi = path.iter().copied().fold(f64::MIN, f64::max);
                let lo = path.iter().copied().fold(f64::MAX, f64::min);
                (pts(path[0], m.scale), pts(hi, m.scale), pts(lo, m.scale))
            }
        };
        let change = v - prev;
        Some(IndexQuote {
            code: IndexCode::new(def.code).ok()?,
            name: Some(def.name.to_string()),
            value: Points(v),
            change: Points(change),
            change_rate: Points(change).rate_of(Points(prev)),
            prev_close: Points(prev),
            open: Points(open),
            high: Points(high.max(v).max(open)),
            low: Points(low.min(v).min(open)),
            volume,
            value_traded: Krw(value),
            breadth: Some(breadth),
            as_of: t,
            closed_on: None,
        })
    }

    /// The finished day `date` of index `code` (ground truth for the daily index chart).
    pub fn index_day(&self, code: &str, date: NaiveDate) -> Option<IndexDay> {
        let def = index_def(code)?;
        let di = self.day_index(date)?;
        Some(self.index_day_at(def, di))
    }

    /// Index bars (D/W/M/Y) with dates in `[from, to]` as known at `t`, oldest first, at most
    /// `limit` of the newest (a week/month/year is dated by its last trading day in range).
    /// Today's bar appears once trading has started (a partial bar during the session).
    pub fn index_bars_at(
        &self,
        code: &str,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
        t: DateTime<Utc>,
        limit: usize,
    ) -> Vec<IndexBar> {
        let Some(def) = index_def(code) else {
            return Vec::new();
        };
        let Some((date, phase, _)) = self.phase_at(t) else {
            return Vec::new();
        };
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
        // Newest first: today's partial bar, then finished days back to `from`.
        let mut days: Vec<IndexBar> = Vec::new();
        let today_partial = !matches!(phase, Phase::Final | Phase::PreOpenAuction { .. });
        if today_partial
            && date >= from
            && date <= to
            && let Some(q) = self.index_at(code, t)
        {
            days.push(IndexBar {
                date,
                time: None,
                open: q.open,
                high: q.high,
                low: q.low,
                close: q.value,
                volume: q.volume,
                value: q.value_traded,
            });
        }
        let last_final = match phase {
            Phase::Final => self.day_index(date),
            _ => self.day_index(date).and_then(|d| d.checked_sub(1)),
        };
        let mut periods: Vec<(i32, u32)> = days.iter().map(|b| key(b.date)).collect();
        if let (Some(last), Some(end)) = (last_final, self.day_index_at_or_before(to)) {
            let mut di = end.min(last) as i64;
            while di >= 0 {
                let d = self.days[di as usize];
                if d < from {
                    break;
                }
                let k = key(d);
                if !periods.contains(&k) {
                    if periods.len() >= limit {
                        break;
                    }
                    periods.push(k);
                }
                days.push(self.index_day_at(def, di as usize).bar());
                di -= 1;
            }
        }
        // Aggregate oldest first.
        days.reverse();
        let mut out: Vec<(IndexBar, (i32, u32))> = Vec::new();
        for b in days {
            let k = key(b.date);
            match out.last_mut() {
                Some((agg, ak)) if *ak == k => {
                    agg.date = b.date;
                    agg.high = agg.high.max(b.high);
                    agg.low = agg.low.min(b.low);
                    agg.close = b.close;
                    agg.volume = agg.volume.saturating_add(b.volume);
                    agg.value = Krw(agg.value.0.saturating_add(b.value.0));
                }
                _ => out.push((b, k)),
            }
        }
        let skip = out.len().saturating_sub(limit);
        out.into_iter().skip(skip).map(|(b, _)| b).collect()
    }

    /// A ranking at `t` (ground truth for volume-rank and ranking/fluctuation): 30 rows over
    /// every issue of the market as their quotes show them; ties go to the lower code.
    pub fn ranking_at(&self, kind: RankKind, market: RankMarket, t: DateTime<Utc>) -> Vec<RankRow> {
        let Some((_, _, _, now)) = self.market_now(t) else {
            return Vec::new();
        };
        let mut rows: Vec<(usize, StockNow)> = now
            .stocks
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, (*s)?)))
            .filter(|(i, _)| match market {
                RankMarket::All => true,
                RankMarket::Kospi => self.stocks[*i].market == crate::market::Market::Kospi,
                RankMarket::Kosdaq => self.stocks[*i].market == crate::market::Market::Kosdaq,
            })
            .collect();
        let code = |i: usize| self.stocks[i].code;
        match kind {
            RankKind::Volume => {
                rows.sort_by(|a, b| b.1.volume.cmp(&a.1.volume).then(code(a.0).cmp(&code(b.0))))
            }
            RankKind::Value => {
                rows.sort_by(|a, b| b.1.value.cmp(&a.1.value).then(code(a.0).cmp(&code(b.0))))
            }
            RankKind::Gainers => rows.sort_by(|a, b| {
                b.1.change_rate
                    .cmp(&a.1.change_rate)
                    .then(code(a.0).cmp(&code(b.0)))
            }),
            RankKind::Losers => rows.sort_by(|a, b| {
                a.1.change_rate
                    .cmp(&b.1.change_rate)
                    .then(code(a.0).cmp(&code(b.0)))
            }),
        }
        rows.into_iter()
            .take(crate::market::RANK_ROWS)
            .enumerate()
            .map(|(r, (i, s))| RankRow {
                rank: r as u32 + 1,
                code: self.stocks[i].code,
                name: self.stocks[i].name.clone(),
                price: Krw(s.price),
                change: Krw(s.price - s.base),
                change_rate: s.change_rate,
                volume: s.volume,
                value: Some(Krw(s.value)),
            })
            .collect()
    }

    /// Sign code of a stock's change in a ranking row (상한/상승/보합/하한/하락).
    pub fn direction_of(&self, code: StockCode, t: DateTime<Utc>) -> Option<Direction> {
        self.snapshot_at(code, t).map(|s| s.direction())
    }
}

/// Static VI: a move of this share of the base from it triggers one (KRX: ±10 %).
pub const VI_STATIC_GAP: f64 = 0.10;
/// How long a VI lasts (KRX: 2 minutes of single-price matching).
pub const VI_MINUTES: i64 = 2;

impl SimMarket {
    /// Investor flows of `code` on `date` (ground truth for inquire-investor): the day's
    /// volume and value split between 개인, 외국인 and 기관 by buyers and by sellers, so the
    /// three net figures sum to zero; foreigners lean to the day's direction.
    pub fn investor_day(
        &self,
        code: StockCode,
        date: NaiveDate,
    ) -> Option<crate::market::InvestorDay> {
        let si = *self.index.get(&code)?;
        let di = self.day_index(date)?;
        let bar = self.bar_at(si, di);
        let lean = (bar.close - bar.base).signum() as f64;
        let split = |side: &str, lean: f64| -> [f64; 3] {
            let h = |g: &str| {
                crate::sim::hash::unit(hash(&[
                    self.seed,
                    word(code.as_str()),
                    series::day_key(date),
                    word(side),
                    word(g),
                ]))
            };
            let w = [
                0.5 + h("prsn"),
                0.2 + h("frgn") * (1.0 + 0.6 * lean),
                0.2 + h("orgn"),
            ];
            let sum: f64 = w.iter().sum();
            [w[0] / sum, w[1] / sum, w[2] / sum]
        };
        let buy = split("buy", lean);
        let sell = split("sell", -lean);
        let parts = |f: [f64; 3], total_qty: u64, total_value: i64| -> [(u64, i64); 3] {
            let q0 = (total_qty as f64 * f[0]).round() as u64;
            let q1 = ((total_qty as f64 * f[1]).round() as u64).min(total_qty - q0.min(total_qty));
            let q0 = q0.min(total_qty);
            let q2 = total_qty - q0 - q1;
            let v = |q: u64| {
                if total_qty == 0 {
                    0
                } else {
                    (i128::from(total_value) * i128::from(q) / i128::from(total_qty)) as i64
                }
            };
            let (v0, v1) = (v(q0), v(q1));
            [(q0, v0), (q1, v1), (q2, total_value - v0 - v1)]
        };
        let b = parts(buy, bar.volume, bar.value);
        let s = parts(sell, bar.volume, bar.value);
        let flow = |g: usize| crate::market::Flow {
            net_qty: b[g].0 as i64 - s[g].0 as i64,
            net_value: Krw(b[g].1 - s[g].1),
            buy_qty: b[g].0,
            buy_value: Krw(b[g].1),
            sell_qty: s[g].0,
            sell_value: Krw(s[g].1),
        };
        Some(crate::market::InvestorDay {
            date,
            close: Krw(bar.close),
            change: Krw(bar.close - bar.base),
            individual: flow(0),
            foreign: flow(1),
            institution: flow(2),
        })
    }

    /// The published investor days of `code` at `t`, newest first, at most `n`: today's only
    /// once the day is over.
    pub fn investor_days_at(
        &self,
        code: StockCode,
        t: DateTime<Utc>,
        n: usize,
    ) -> Vec<crate::market::InvestorDay> {
        let Some((date, phase, _)) = self.phase_at(t) else {
            return Vec::new();
        };
        let Some(di) = self.day_index(date) else {
            return Vec::new();
        };
        let last = if phase == Phase::Final {
            Some(di)
        } else {
            di.checked_sub(1)
        };
        let Some(last) = last else {
            return Vec::new();
        };
        (0..=last)
            .rev()
            .take(n)
            .filter_map(|d| self.investor_day(code, self.days[d]))
            .collect()
    }

    /// The static VIs of the trading day in force at `t` up to `t` (ground truth for
    /// inquire-vi-status, which sends the first 30), newest first: a stock's first move of ±10 % from its
    /// base each way triggers one, released two minutes later.
    pub fn vi_events_at(
        &self,
        code: Option<StockCode>,
        t: DateTime<Utc>,
    ) -> Vec<crate::market::ViEvent> {
        let Some((date, phase, now)) = self.phase_at(t) else {
            return Vec::new();
        };
        let (Some(di), Some(st)) = (self.day_index(date), self.calendar.session_times(date)) else {
            return Vec::new();
        };
        let last_step = match phase {
            Phase::PreOpenAuction { .. } => return Vec::new(),
            Phase::Continuous { step } => step,
            Phase::ClosingAuction { .. } | Phase::Final => usize::MAX,
        };
        let mut out = Vec::new();
        for (si, s) in self.stocks.iter().enumerate() {
            if code.is_some_and(|c| c != s.code) || s.flags.halted {
                continue;
            }
            let path = self.path(si, di);
            if path.bar.volume == 0 {
                continue;
            }
            let base = path.bar.base;
            let up = base as f64 * (1.0 + VI_STATIC_GAP);
            let down = base as f64 * (1.0 - VI_STATIC_GAP);
            let end = last_step.min(path.steps() - 1);
            let first = |hit: &dyn Fn(f64) -> bool| (0..=end).find(|&k| hit(path.price(k) as f64));
            for step in [first(&|p| p >= up), first(&|p| p <= down)]
                .into_iter()
                .flatten()
            {
                let at = st.open + Duration::seconds(step as i64 * STEP_SECS);
                let release = at + Duration::minutes(VI_MINUTES);
                let price = path.price(step);
                let active = phase != Phase::Final && now < release;
                out.push(crate::market::ViEvent {
                    code: s.code,
                    name: s.name.clone(),
                    active,
                    kind: Some(crate::market::ViKind::Static),
                    date: Some(date),
                    triggered_at: Some(at),
                    released_at: (!active).then_some(release),
                    price: Krw(price),
                    static_base: Some(Krw(base)),
                    static_gap: Some(Rate::of(Krw(price - base), Krw(base))),
                    dynamic_base: None,
                    dynamic_gap: None,
                    count: 1,
                });
            }
        }
        out.sort_by(|a, b| {
            b.triggered_at
                .cmp(&a.triggered_at)
                .then(a.code.cmp(&b.code))
        });
        // A stock's count is how many it had today.
        let counts: HashMap<StockCode, u32> = out.iter().fold(HashMap::new(), |mut m, e| {
            *m.entry(e.code).or_insert(0) += 1;
            m
        });
        for e in &mut out {
            e.count = counts.get(&e.code).copied().unwrap_or(1);
        }
        out
    }
}

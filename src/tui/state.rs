//! The whole UI state. `update` changes it; views only read it.

use super::action::Keymap;
use super::search::Index;
use super::watchlist::Watchlists;
use crate::feed::alerts::RuleOrigin;
use crate::feed::{Interest, StreamState};
use crate::market::alert::{Firing, Rule};
use crate::market::{
    Candle, Interval, InvestorDay, Listing, OrderBook, Provenance, Quote, RankKind, RankMarket,
    RankRow, StockCode, StockInfo, Trade, ViEvent,
};
use crate::source::{SourceKind, SourceStatus};
use chrono::{DateTime, Duration, Utc};
use ratatui::style::Color;
use std::collections::HashMap;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Watchlist,
    Chart,
    Book,
    Info,
    /// 체결: the open stock's time and sales, streamed.
    Tape,
}

impl Pane {
    pub const ORDER: [Pane; 5] = [
        Pane::Watchlist,
        Pane::Chart,
        Pane::Book,
        Pane::Info,
        Pane::Tape,
    ];
}

/// The tape keeps this many rows: memory stays bounded however long hoga runs.
pub const TAPE_ROWS: usize = 500;

/// One row of the tape, newest first.
#[derive(Clone, Debug, PartialEq)]
pub enum TapeRow {
    Trade(Trade),
    /// The stream was down: trades in between may be missing.
    Gap {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Search,
    Help,
    /// A one-line question in an overlay: [`State::prompt`] holds what is asked and typed.
    Prompt,
    /// The rankings view in place of the watchlist and the middle pane ([`State::rankings`]).
    Rankings,
    /// The alerts view (rules and what fired) in the same place ([`State::alerts`]).
    Alerts,
    /// The small form that adds or edits an alert on a stock ([`AlertsState::form`]).
    AlertForm,
}

/// One rule in the alerts view: where it comes from and whether it has fired (and not yet
/// re-armed).
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRow {
    pub rule: Rule,
    pub origin: RuleOrigin,
    pub fired: bool,
}

/// The alert form: the stock, the kind of rule (an index into `market::alert::CONDITION_KEYS`), the
/// threshold typed so far, the rule it replaces when editing, and what was wrong with the last
/// try.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertForm {
    pub code: StockCode,
    pub kind: usize,
    pub input: String,
    pub editing: Option<Rule>,
    pub error: Option<String>,
    /// The mode to go back to.
    pub back: Mode,
}

/// The alerts shown in the monitor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertsState {
    /// The monitor evaluates alerts (false in tests and benches that run without an engine).
    pub enabled: bool,
    pub rows: Vec<AlertRow>,
    /// What fired since the start, newest first (at most [`ALERT_LOG_ROWS`]).
    pub log: std::collections::VecDeque<Firing>,
    /// How many of the newest log entries are not seen yet: their toast stays until then.
    pub unseen: usize,
    pub cursor: usize,
    pub form: Option<AlertForm>,
    /// The monitor's rules could not be saved or polled: why.
    pub problem: Option<String>,
}

impl AlertsState {
    /// The monitor's own rules (the editable ones), in order.
    pub fn monitor_rules(&self) -> Vec<Rule> {
        self.rows
            .iter()
            .filter(|r| r.origin == RuleOrigin::Monitor)
            .map(|r| r.rule)
            .collect()
    }

    /// The codes with a rule on them, each once.
    pub fn codes(&self) -> Vec<StockCode> {
        let mut out: Vec<StockCode> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.rule.code) {
                out.push(r.rule.code);
            }
        }
        out
    }
}

/// The alerts log keeps this many firings.
pub const ALERT_LOG_ROWS: usize = 200;

/// The rankings view: which ranking is on screen, the row under the cursor, and the last
/// reply of each ranking asked for, so switching back shows it at once (with its age).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RankingsState {
    pub kind: RankKind,
    pub market: RankMarket,
    pub cursor: usize,
    pub scroll: usize,
    pub data: HashMap<(RankKind, RankMarket), Data<Vec<RankRow>>>,
    /// What the source said when it turned rankings down (the virtual server serves none).
    pub unsupported: Option<String>,
}

impl RankingsState {
    /// The ranking on screen.
    pub fn current(&self) -> Option<&Data<Vec<RankRow>>> {
        self.data.get(&(self.kind, self.market))
    }

    /// The rows on screen, in rank order.
    pub fn rows(&self) -> &[RankRow] {
        self.current()
            .and_then(|d| d.value.as_deref())
            .unwrap_or_default()
    }

    /// The stock under the cursor.
    pub fn selected(&self) -> Option<&RankRow> {
        self.rows().get(self.cursor)
    }
}

/// What a [`Mode::Prompt`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// The name of a new watchlist.
    NewList,
    /// A new name for the current watchlist.
    RenameList,
    /// `y` to delete the current watchlist.
    DeleteList,
}

/// The prompt on screen and its input so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
}

/// A watchlist row removed with `d`, kept so that `u` can put it back where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removed {
    pub list: usize,
    pub index: usize,
    pub code: StockCode,
}

/// A failure the UI reports: what failed, in words, and when the next try is.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub at: DateTime<Utc>,
    pub what: String,
    pub message: String,
    pub next_try: Option<DateTime<Utc>>,
    /// Consecutive failures of this kind of data (1 after the first).
    pub streak: u32,
}

/// One pane's data: the last good value, where it came from, and the failure since, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Data<T> {
    pub value: Option<T>,
    pub provenance: Option<Provenance>,
    pub received_at: Option<DateTime<Utc>>,
    pub problem: Option<Problem>,
    /// Consecutive replies that failed or were served stale (0 once KIS answers).
    pub streak: u32,
}

impl<T> Default for Data<T> {
    fn default() -> Self {
        Data {
            value: None,
            provenance: None,
            received_at: None,
            problem: None,
            streak: 0,
        }
    }
}

impl<T> Data<T> {
    /// The source failed since the last good value, or served an old copy.
    pub fn is_stale(&self) -> bool {
        self.problem.is_some() || self.provenance.is_some_and(Provenance::is_stale)
    }

    /// When the shown value was really fetched.
    pub fn fetched_at(&self) -> Option<DateTime<Utc>> {
        match self.provenance {
            Some(Provenance::Stale { since }) => Some(since),
            Some(Provenance::Cached { fetched_at }) => Some(fetched_at),
            _ => self.received_at,
        }
    }
}

/// A watchlist row's quote plus what flashes.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoteCell {
    pub quote: Quote,
    pub provenance: Provenance,
    pub received_at: DateTime<Utc>,
    /// +1 the price ticked up, −1 down, 0 only the volume moved.
    pub tick: i8,
    pub flash_until: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Manual,
    Name,
    Code,
    Price,
    ChangeRate,
    Volume,
    Value,
}

impl SortKey {
    pub const CYCLE: [SortKey; 7] = [
        SortKey::Manual,
        SortKey::Name,
        SortKey::Code,
        SortKey::Price,
        SortKey::ChangeRate,
        SortKey::Volume,
        SortKey::Value,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Manual => "manual",
            SortKey::Name => "name",
            SortKey::Code => "code",
            SortKey::Price => "price",
            SortKey::ChangeRate => "change%",
            SortKey::Volume => "volume",
            SortKey::Value => "value",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

pub const MA_PERIODS: [usize; 4] = [5, 20, 60, 120];

/// Columns per candle: 1 (one column per candle, no gap: months of daily bars) to 6.
pub const STRIDES: std::ops::RangeInclusive<u16> = 1..=6;

/// The chart interval `[ui] default_interval` names: every [`Interval`] the chart steps
/// through. The config validates with this at load, so a value the chart cannot show is
/// refused there.
pub fn chart_period(s: &str) -> Result<Interval, String> {
    s.parse::<Interval>().map_err(|_| {
        let codes: Vec<String> = Interval::ALL
            .iter()
            .map(|p| format!("{:?}", p.code()))
            .collect();
        format!("expected one of {}", codes.join(", "))
    })
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChartState {
    pub period: Interval,
    pub data: Data<Vec<Candle>>,
    /// Columns per candle (1 = densest) for each interval of [`Interval::ALL`]: a zoom set on
    /// the daily chart is still there after a look at the minutes.
    pub zoom: [u16; Interval::ALL.len()],
    /// Index of the candle under the cursor; `None` follows the newest.
    pub cursor: Option<usize>,
    /// Exclusive end of the visible window; `None` follows the newest.
    pub end: Option<usize>,
    pub mas: [bool; 4],
}

impl ChartState {
    /// Columns per candle of the interval on screen.
    pub fn stride(&self) -> u16 {
        self.zoom
            .get(self.period.index())
            .copied()
            .unwrap_or(1)
            .clamp(*STRIDES.start(), *STRIDES.end())
    }

    /// Sets the interval on screen's columns per candle, kept within [`STRIDES`].
    pub fn set_stride(&mut self, stride: u16) {
        if let Some(z) = self.zoom.get_mut(self.period.index()) {
            *z = stride.clamp(*STRIDES.start(), *STRIDES.end());
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchState {
    pub query: String,
    /// Universe indices, best first.
    pub results: Vec<usize>,
    pub cursor: usize,
}

/// Colours from `[ui]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub up: Color,
    pub down: Color,
    pub flat: Color,
    pub accent: Color,
    pub dim: Color,
    pub stale: Color,
    pub error: Color,
    pub cursor_bg: Color,
}

/// The one colour parser: the config builds the theme's `[ui]` colours with it at load, so
/// every colour the config accepts is one the UI draws. ratatui's names (`red`,
/// `lightblue`, `dark-gray`, `bright red`, `grey`, `reset`, ...), an ANSI index `0`..`255`, or
/// `#rrggbb`; surrounding blanks are ignored.
pub fn parse_color(s: &str) -> Result<Color, String> {
    Color::from_str(s.trim()).map_err(|_| {
        "expected a colour name (red, blue, lightred, darkgray, ...), an index 0-255 or #rrggbb"
            .to_string()
    })
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            up: Color::Red,
            down: Color::Blue,
            flat: Color::Reset,
            accent: Color::Cyan,
            dim: Color::DarkGray,
            stale: Color::Yellow,
            error: Color::LightRed,
            cursor_bg: Color::Indexed(236),
        }
    }
}

/// Settings `update` and the views read, fixed at start-up.
#[derive(Clone, Debug)]
pub struct Settings {
    pub keymap: Keymap,
    pub theme: Theme,
    pub flash: Duration,
    pub mouse: bool,
    /// The language of every string on screen (`[ui] lang`).
    pub lang: super::lang::Lang,
    /// Ring the terminal bell when an alert fires (`[alerts_settings] bell`).
    pub bell: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            keymap: Keymap::default(),
            theme: Theme::default(),
            flash: Duration::milliseconds(600),
            mouse: true,
            lang: super::lang::Lang::Ko,
            bell: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct State {
    pub settings: Settings,
    pub now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub mode: Mode,
    pub focus: Pane,
    /// The pane shown beside the watchlist when the terminal is too narrow for all of them.
    pub side: Pane,

    pub source_kind: SourceKind,
    pub status: SourceStatus,
    /// Provenance of the latest reply of any kind.
    pub provenance: Option<Provenance>,
    pub last_problem: Option<Problem>,
    /// A short message for the status bar ("added 삼성전자 to 대형주").
    pub notice: Option<(DateTime<Utc>, String)>,

    pub universe: Vec<Listing>,
    pub index: Index,
    pub by_code: HashMap<StockCode, usize>,
    pub universe_problem: Option<Problem>,

    pub watchlists: Watchlists,
    pub sort: Sort,
    /// The watchlist row under the cursor (kept by code so sorting does not move it).
    pub wl_selected: Option<StockCode>,
    pub wl_scroll: usize,
    pub quotes: HashMap<StockCode, QuoteCell>,
    pub quotes_problem: Option<Problem>,
    pub quotes_at: Option<DateTime<Utc>>,
    /// Consecutive watchlist replies that failed or were served stale (0 once KIS answers).
    pub quotes_streak: u32,

    /// The open stock (chart, book, info) and its version.
    pub selected: Option<StockCode>,
    pub version: u64,
    pub book: Data<OrderBook>,
    /// The previous different snapshot, for the change column.
    pub prev_book: Option<OrderBook>,
    pub chart: ChartState,
    pub info: Data<StockInfo>,
    /// The open stock's investor flows, newest day first (published after the close); `None`
    /// where the source serves none.
    pub flows: Data<Vec<InvestorDay>>,
    /// The open stock's VI events today, newest first.
    pub vi: Data<Vec<ViEvent>>,
    /// The index strip: KOSPI, KOSDAQ, KOSPI200 (those the source serves).
    pub indices: Data<Vec<crate::market::IndexQuote>>,
    /// The rankings view ([`Mode::Rankings`]).
    pub rankings: RankingsState,
    /// Alert rules, what fired, the form ([`Mode::Alerts`], [`Mode::AlertForm`]).
    pub alerts: AlertsState,

    pub search: SearchState,
    pub help_scroll: u16,

    pub refresh: u64,
    pub last_interest: Option<Interest>,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// Fingerprint of the time-dependent text on screen; a tick redraws only when it changes.
    pub time_sig: u64,
    /// The question on screen in [`Mode::Prompt`].
    pub prompt: Option<Prompt>,
    /// The last row removed from a watchlist, for undo.
    pub removed: Option<Removed>,
    /// On the simulated market: how to get real data, kept in the status bar.
    pub real_data_hint: Option<String>,
    /// The live stream, once the feed has one.
    pub stream: Option<StreamState>,
    /// The open stock's trades as they stream in, newest first (at most [`TAPE_ROWS`]).
    pub tape: std::collections::VecDeque<TapeRow>,
}

impl State {
    pub fn new(
        settings: Settings,
        watchlists: Watchlists,
        source_kind: SourceKind,
        period: Interval,
        now: DateTime<Utc>,
    ) -> State {
        let first = watchlists.current().codes.first().copied();
        State {
            settings,
            now,
            size: (80, 24),
            mode: Mode::Normal,
            focus: Pane::Watchlist,
            side: Pane::Chart,
            source_kind,
            status: SourceStatus::default(),
            provenance: None,
            last_problem: None,
            notice: None,
            universe: Vec::new(),
            index: Index::default(),
            by_code: HashMap::new(),
            universe_problem: None,
            watchlists,
            sort: Sort {
                key: SortKey::Manual,
                descending: false,
            },
            wl_selected: first,
            wl_scroll: 0,
            quotes: HashMap::new(),
            quotes_problem: None,
            quotes_at: None,
            quotes_streak: 0,
            selected: first,
            version: 1,
            book: Data::default(),
            prev_book: None,
            chart: ChartState {
                period,
                data: Data::default(),
                // Daily and longer: one column per candle, so months fit as on an HTS;
                // minutes a little wider, a session being a few hours.
                zoom: Interval::ALL.map(|i| if i.is_intraday() { 2 } else { 1 }),
                cursor: None,
                end: None,
                mas: [true, true, false, false],
            },
            info: Data::default(),
            flows: Data::default(),
            vi: Data::default(),
            indices: Data::default(),
            rankings: RankingsState::default(),
            alerts: AlertsState::default(),
            search: SearchState::default(),
            help_scroll: 0,
            refresh: 0,
            last_interest: None,
            dirty: true,
            time_sig: 0,
            prompt: None,
            removed: None,
            real_data_hint: None,
            stream: None,
            tape: std::collections::VecDeque::new(),
        }
    }

    /// Name of a stock from the universe, quotes or info, NFC.
    pub fn name_of(&self, code: StockCode) -> Option<&str> {
        if let Some(l) = self.by_code.get(&code).and_then(|i| self.universe.get(*i)) {
            return Some(&l.name);
        }
        if let Some(n) = self.quotes.get(&code).and_then(|q| q.quote.name.as_deref()) {
            return Some(n);
        }
        self.info
            .value
            .as_ref()
            .filter(|i| i.code == code)
            .map(|i| i.name.as_str())
    }

    pub fn listing(&self, code: StockCode) -> Option<&Listing> {
        self.by_code.get(&code).and_then(|i| self.universe.get(*i))
    }

    /// The current watchlist in display order (sorted or manual).
    pub fn rows(&self) -> Vec<StockCode> {
        let mut codes = self.watchlists.current().codes.clone();
        let key = self.sort.key;
        if key == SortKey::Manual {
            return codes;
        }
        let q = |c: &StockCode| self.quotes.get(c).map(|q| &q.quote);
        codes.sort_by(|a, b| {
            let ord = match key {
                SortKey::Manual => std::cmp::Ordering::Equal,
                SortKey::Name => self
                    .name_of(*a)
                    .unwrap_or("")
                    .cmp(self.name_of(*b).unwrap_or("")),
                SortKey::Code => a.cmp(b),
                SortKey::Price => q(a).map(|q| q.price).cmp(&q(b).map(|q| q.price)),
                SortKey::ChangeRate => q(a)
                    .map(|q| q.change_rate)
                    .cmp(&q(b).map(|q| q.change_rate)),
                SortKey::Volume => q(a).map(|q| q.volume).cmp(&q(b).map(|q| q.volume)),
                SortKey::Value => q(a).map(|q| q.value).cmp(&q(b).map(|q| q.value)),
            };
            if self.sort.descending {
                ord.reverse()
            } else {
                ord
            }
        });
        codes
    }

    pub fn wl_cursor(&self, rows: &[StockCode]) -> usize {
        self.wl_selected
            .and_then(|s| rows.iter().position(|c| *c == s))
            .unwrap_or(0)
    }

    /// The quote of the open stock, if any.
    pub fn selected_quote(&self) -> Option<&QuoteCell> {
        self.selected.and_then(|c| self.quotes.get(&c))
    }
}

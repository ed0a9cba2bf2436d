//! `update(state, msg) -> commands`: every state change, pure (no I/O, no clock reads), so
//! navigation, search, watchlist edits and stale-reply dropping are tested with plain asserts.

use super::action::Action;
use super::layout::{self, Areas};
use super::msg::{Command, Msg};
use super::search::Index;
use super::state::{
    Data, Mode, Pane, Problem, Prompt, PromptKind, QuoteCell, Removed, SortKey, State, TAPE_ROWS,
    TapeRow,
};
use super::view;
use super::watchlist::Watchlist;
use crate::feed::alerts::RuleOrigin;
use crate::feed::{Event, Failure, Interest};
use crate::market::candle::{apply_quote, apply_trade as trade_into};
use crate::market::{Calendar, Interval, KST, OrderBook, Provenance, Quote, StockCode, Trade};
use chrono::{DateTime, Duration, Timelike, Utc};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::layout::Rect;
use std::hash::{Hash, Hasher};

/// How many search results are kept.
pub const SEARCH_LIMIT: usize = 50;
/// How long a notice stays in the status bar.
const NOTICE_SECS: i64 = 5;

pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut cmds = Vec::new();
    match msg {
        Msg::Key(k) => {
            if k.kind != KeyEventKind::Release {
                key(state, k, &mut cmds);
                state.dirty = true;
            }
        }
        Msg::Paste(s) => {
            if state.mode == Mode::Search {
                state.search.query.push_str(s.trim());
                run_search(state);
                state.dirty = true;
            }
        }
        Msg::Mouse(m) => mouse(state, m),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            keep_cursor_visible(state);
            state.dirty = true;
        }
        Msg::Tick(now) => tick(state, now),
        Msg::Feed(e) => event(state, e),
        Msg::Alerts { rows, fired } => {
            state.alerts.enabled = true;
            if rows != state.alerts.rows {
                state.alerts.rows = rows;
                state.alerts.cursor = state
                    .alerts
                    .cursor
                    .min(state.alerts.rows.len().saturating_sub(1));
                state.dirty = true;
            }
            if !fired.is_empty() {
                let n = fired.len();
                for f in fired {
                    state.alerts.log.push_front(f);
                }
                state.alerts.log.truncate(super::state::ALERT_LOG_ROWS);
                state.alerts.unseen = (state.alerts.unseen + n).min(state.alerts.log.len());
                if state.settings.bell {
                    cmds.push(Command::Bell);
                }
                state.dirty = true;
            }
        }
    }
    finish(state, cmds)
}

/// What the feed reported: replies for a stock the user has left are dropped (by version),
/// failures keep the last data and mark it.
fn event(state: &mut State, e: Event) {
    match e {
        Event::Universe { at, reply } => match reply {
            Ok(u) => {
                state.universe = u.value;
                for l in &mut state.universe {
                    l.name = super::widgets::text::nfc(&l.name).into_owned();
                }
                state.index = Index::new(&state.universe);
                state.by_code = state
                    .universe
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.code, i))
                    .collect();
                state.universe_problem = None;
                if state.mode == Mode::Search {
                    run_search(state);
                }
                state.dirty = true;
            }
            Err(f) => {
                let what = state.settings.lang.t().what_universe;
                let p = problem(at, what, f, state.universe_problem.as_ref());
                state.universe_problem = Some(p.clone());
                state.last_problem = Some(p);
                state.dirty = true;
            }
        },
        Event::Quotes { at, reply } => match reply {
            Ok(list) => {
                state.quotes_at = Some(at);
                if state.quotes_problem.take().is_some() {
                    state.dirty = true;
                }
                state.quotes_streak = if list.iter().any(|q| q.provenance.is_stale()) {
                    state.quotes_streak.saturating_add(1)
                } else {
                    0
                };
                for q in list {
                    state.provenance = Some(q.provenance);
                    store_quote(state, q.value, q.provenance, at);
                }
            }
            Err(f) => {
                state.quotes_streak = state.quotes_streak.saturating_add(1);
                let what = state.settings.lang.t().what_quotes;
                let p = problem(at, what, f, state.quotes_problem.as_ref());
                state.quotes_problem = Some(p.clone());
                state.last_problem = Some(p);
                state.dirty = true;
            }
        },
        // The alert rules' own stocks: kept for the alerts view (the loop's engine has
        // evaluated them already); a failure is the alerts' to say.
        Event::Watched { at, reply } => match reply {
            Ok(list) => {
                state.alerts.problem = None;
                for q in list {
                    state.dirty |= store_quote_only(state, q.value, q.provenance, at);
                }
            }
            Err(f) => {
                state.alerts.problem = Some(f.message);
                state.dirty = true;
            }
        },
        Event::Quote {
            code,
            version,
            at,
            reply,
        } => match reply {
            Ok(q) => {
                state.provenance = Some(q.provenance);
                store_quote(state, q.value, q.provenance, at);
            }
            Err(f) => {
                if Some(code) == state.selected && version == state.version {
                    let what = state.settings.lang.what_quote(code.as_str());
                    state.last_problem = Some(problem(at, &what, f, None));
                    state.dirty = true;
                }
            }
        },
        Event::Book {
            code,
            version,
            at,
            reply,
        } => {
            if Some(code) != state.selected || version != state.version {
                return;
            }
            match reply {
                Ok(mut b) => {
                    // An expected fill (예상체결) belongs to an auction: once the market has
                    // uncrossed, a copy fetched during it must not stay on screen.
                    if !auction_at(b.value.as_of) {
                        b.value.expected = None;
                    }
                    // A streamed book carries the levels only: the last price and the
                    // previous close stay what they were.
                    if let Some(old) = state.book.value.as_ref().filter(|o| o.code == code) {
                        b.value.last = b.value.last.or(old.last);
                        b.value.prev_close = b.value.prev_close.or(old.prev_close);
                    }
                    let changed = match &state.book.value {
                        Some(old) => !same_book(old, &b.value),
                        None => true,
                    };
                    if changed {
                        state.prev_book = state.book.value.take().filter(|o| o.code == code);
                        state.book.value = Some(b.value);
                    }
                    let fix =
                        state.book.problem.is_some() || state.book.provenance != Some(b.provenance);
                    accept(&mut state.book, b.provenance, at);
                    state.provenance = Some(b.provenance);
                    state.dirty |= changed || fix;
                }
                Err(f) => {
                    let what = state.settings.lang.what_book(code.as_str());
                    fail(state, Pane::Book, at, &what, f)
                }
            }
        }
        Event::Chart {
            code,
            period,
            version,
            at,
            reply,
        } => {
            if Some(code) != state.selected
                || version != state.version
                || period != state.chart.period
            {
                return;
            }
            match reply {
                Ok(c) => {
                    let mut candles = c.value;
                    candles.sort_by_key(|c| (c.date, c.time));
                    if let Some(q) = state.quotes.get(&code) {
                        apply_quote(&mut candles, period, &q.quote, Calendar::krx());
                    }
                    let changed = state.chart.data.value.as_ref() != Some(&candles);
                    if changed {
                        let len = candles.len();
                        let ch = &mut state.chart;
                        ch.cursor = ch.cursor.filter(|c| *c < len);
                        ch.end = ch.end.filter(|e| *e < len);
                        ch.data.value = Some(candles);
                    }
                    let fix = state.chart.data.problem.is_some()
                        || state.chart.data.provenance != Some(c.provenance);
                    accept(&mut state.chart.data, c.provenance, at);
                    state.dirty |= changed || fix;
                }
                Err(f) => {
                    let what = state.settings.lang.what_chart(period, code.as_str());
                    fail(state, Pane::Chart, at, &what, f)
                }
            }
        }
        Event::Info {
            code,
            version,
            at,
            reply,
        } => {
            if Some(code) != state.selected || version != state.version {
                return;
            }
            match reply {
                Ok(i) => {
                    let mut info = i.value;
                    info.name = super::widgets::text::nfc(&info.name).into_owned();
                    learn_english(state, code, info.name_en.as_deref());
                    let changed =
                        state.info.value.as_ref() != Some(&info) || state.info.problem.is_some();
                    state.info.value = Some(info);
                    accept(&mut state.info, i.provenance, at);
                    state.dirty |= changed;
                }
                Err(f) => {
                    let what = state.settings.lang.what_info(code.as_str());
                    fail(state, Pane::Info, at, &what, f)
                }
            }
        }
        Event::Flows {
            code,
            version,
            at,
            flows,
            vi,
        } => {
            if Some(code) != state.selected || version != state.version {
                return;
            }
            let what = state.settings.lang.what_flows(code.as_str());
            state.dirty |= take(&mut state.flows, flows, at, &what);
            state.dirty |= take(&mut state.vi, vi, at, &what);
        }
        Event::Trade { at, trade } => apply_trade(state, trade, at),
        Event::Expected { update, .. } => {
            if Some(update.code) == state.selected
                && let Some(b) = state.book.value.as_mut()
                && b.code == update.code
                && b.expected.as_ref() != Some(&update.fill)
            {
                b.expected = Some(update.fill);
                state.dirty = true;
            }
        }
        Event::MarketStatus { status, .. } => {
            if let Some(cell) = state.quotes.get_mut(&status.code)
                && cell.quote.flags != status.flags
            {
                cell.quote.flags = status.flags;
                state.dirty = true;
            }
        }
        Event::Stream(s) => {
            if state.stream.as_ref() != Some(&s) {
                state.stream = Some(s);
                state.dirty = true;
            }
        }
        Event::Gap { codes, from, to } => {
            if state.selected.is_some_and(|c| codes.contains(&c)) {
                push_tape(state, TapeRow::Gap { from, to });
            }
            let hms = view::status::hms;
            let text = state
                .settings
                .lang
                .stream_gap(&hms(from), &hms(to), codes.len());
            notice(state, text);
        }
        Event::Indices { at, reply } => match reply {
            Ok(list) => {
                let prov = list.first().map(|q| q.provenance);
                let value: Vec<_> = list.into_iter().map(|q| q.value).collect();
                let changed =
                    state.indices.value.as_ref() != Some(&value) || state.indices.problem.is_some();
                state.indices.value = Some(value);
                if let Some(p) = prov {
                    accept(&mut state.indices, p, at);
                }
                state.dirty |= changed;
            }
            Err(f) => {
                let p = problem(at, "index", f, state.indices.problem.as_ref());
                state.indices.problem = Some(p);
                state.indices.streak = state.indices.streak.saturating_add(1);
                state.dirty = true;
            }
        },
        Event::Ranking {
            kind,
            market,
            at,
            reply,
        } => {
            let what = state.settings.lang.what_ranking(kind);
            let r = &mut state.rankings;
            let d = r.data.entry((kind, market)).or_default();
            match reply {
                Ok(s) => {
                    r.unsupported = None;
                    if d.value.as_ref() != Some(&s.value) || d.problem.is_some() {
                        state.dirty = true;
                    }
                    d.value = Some(s.value);
                    accept(d, s.provenance, at);
                }
                Err(f) if f.unsupported => {
                    r.unsupported = Some(f.message);
                    state.dirty = true;
                }
                Err(f) => {
                    d.problem = Some(problem(at, &what, f, d.problem.as_ref()));
                    d.streak = d.streak.saturating_add(1);
                    state.dirty = true;
                }
            }
            keep_rank_cursor_visible(state);
        }
        Event::Status(s) => {
            if s != state.status {
                state.status = s;
                state.dirty = true;
            }
        }
    }
}

/// An English name from a stock-info answer joins the search universe (the master files
/// carry none), so English search works for what has been looked at.
fn learn_english(state: &mut State, code: StockCode, name_en: Option<&str>) {
    let Some(en) = name_en.map(str::trim).filter(|n| !n.is_empty()) else {
        return;
    };
    let Some(l) = state
        .by_code
        .get(&code)
        .and_then(|i| state.universe.get_mut(*i))
    else {
        return;
    };
    if l.name_en.is_some() {
        return;
    }
    l.name_en = Some(en.to_string());
    state.index = Index::new(&state.universe);
}

fn finish(state: &mut State, mut cmds: Vec<Command>) -> Vec<Command> {
    let i = interest(state);
    if state.last_interest.as_ref() != Some(&i) {
        state.last_interest = Some(i.clone());
        cmds.push(Command::SetInterest(i));
    }
    cmds
}

/// A failure, counted after the ones before it (`previous`) in an unbroken streak.
fn problem(at: DateTime<Utc>, what: &str, f: Failure, previous: Option<&Problem>) -> Problem {
    Problem {
        at,
        what: what.to_string(),
        message: f.message,
        next_try: f.next_try,
        streak: previous.map_or(0, |p| p.streak).saturating_add(1),
    }
}

/// A reply into `d`: the value, or the failure kept beside the last one; what the source does
/// not serve at all leaves `d` empty and quiet. Says whether anything on screen changed.
fn take<T: PartialEq>(
    d: &mut Data<T>,
    reply: crate::feed::Reply<T>,
    at: DateTime<Utc>,
    what: &str,
) -> bool {
    match reply {
        Ok(s) => {
            let changed = d.value.as_ref() != Some(&s.value) || d.problem.is_some();
            d.value = Some(s.value);
            accept(d, s.provenance, at);
            changed
        }
        Err(f) if f.unsupported => {
            let changed = d.value.is_some() || d.problem.is_some();
            *d = Data::default();
            changed
        }
        Err(f) => {
            d.problem = Some(problem(at, what, f, d.problem.as_ref()));
            d.streak = d.streak.saturating_add(1);
            true
        }
    }
}

fn accept<T>(d: &mut Data<T>, provenance: Provenance, at: DateTime<Utc>) {
    d.provenance = Some(provenance);
    d.received_at = Some(at);
    d.problem = None;
    d.streak = if provenance.is_stale() {
        d.streak.saturating_add(1)
    } else {
        0
    };
}

fn fail(state: &mut State, pane: Pane, at: DateTime<Utc>, what: &str, f: Failure) {
    let previous = match pane {
        Pane::Book => state.book.problem.as_ref(),
        Pane::Chart => state.chart.data.problem.as_ref(),
        Pane::Info => state.info.problem.as_ref(),
        Pane::Watchlist => state.quotes_problem.as_ref(),
        // The tape is streamed only: nothing is fetched for it.
        Pane::Tape => None,
    };
    let p = problem(at, what, f, previous);
    match pane {
        Pane::Book => {
            state.book.problem = Some(p.clone());
            state.book.streak = state.book.streak.saturating_add(1);
        }
        Pane::Chart => {
            state.chart.data.problem = Some(p.clone());
            state.chart.data.streak = state.chart.data.streak.saturating_add(1);
        }
        Pane::Info => {
            state.info.problem = Some(p.clone());
            state.info.streak = state.info.streak.saturating_add(1);
        }
        Pane::Watchlist => {
            state.quotes_problem = Some(p.clone());
            state.quotes_streak = state.quotes_streak.saturating_add(1);
        }
        Pane::Tape => {}
    }
    state.last_problem = Some(p);
    state.dirty = true;
}

fn same_book(a: &OrderBook, b: &OrderBook) -> bool {
    a.code == b.code
        && a.asks == b.asks
        && a.bids == b.bids
        && a.total_ask_qty == b.total_ask_qty
        && a.total_bid_qty == b.total_bid_qty
        && a.last == b.last
        && a.expected == b.expected
}

fn same_quote(a: &Quote, b: &Quote) -> bool {
    a.price == b.price
        && a.change == b.change
        && a.volume == b.volume
        && a.value == b.value
        && a.high == b.high
        && a.low == b.low
        && a.flags == b.flags
        && a.expected == b.expected
        && a.name == b.name
}

/// Whether an instant falls in an auction (the opening or the closing call).
fn auction_at(t: DateTime<Utc>) -> bool {
    Calendar::krx().session_at(t).is_auction()
}

fn store_quote(state: &mut State, mut q: Quote, provenance: Provenance, at: DateTime<Utc>) {
    if !auction_at(q.as_of) {
        q.expected = None;
    }
    let code = q.code;
    if store_quote_only(state, q, provenance, at) && Some(code) == state.selected {
        let period = state.chart.period;
        if let (Some(candles), Some(cell)) =
            (state.chart.data.value.as_mut(), state.quotes.get(&code))
        {
            apply_quote(candles, period, &cell.quote, Calendar::krx());
        }
    }
}

/// Stores a quote in its watchlist cell (flashing what moved); true when anything visible
/// changed.
fn store_quote_only(
    state: &mut State,
    mut q: Quote,
    provenance: Provenance,
    at: DateTime<Utc>,
) -> bool {
    if let Some(n) = q.name.take() {
        q.name = Some(super::widgets::text::nfc(&n).into_owned());
    }
    let code = q.code;
    let flash = state.settings.flash;
    let visible_change;
    match state.quotes.get_mut(&code) {
        Some(cell) => {
            let tick = (q.price.0 - cell.quote.price.0).signum() as i8;
            let moved = tick != 0 || q.volume != cell.quote.volume;
            visible_change = !same_quote(&cell.quote, &q) || cell.provenance != provenance;
            if moved {
                cell.tick = tick;
                cell.flash_until = Some(at + flash);
            }
            if q.name.is_none() {
                q.name = cell.quote.name.take();
            }
            cell.quote = q;
            cell.provenance = provenance;
            cell.received_at = at;
        }
        None => {
            visible_change = true;
            state.quotes.insert(
                code,
                QuoteCell {
                    quote: q,
                    provenance,
                    received_at: at,
                    tick: 0,
                    flash_until: None,
                },
            );
        }
    }
    if visible_change {
        state.dirty = true;
    }
    visible_change
}

fn push_tape(state: &mut State, row: TapeRow) {
    state.tape.push_front(row);
    state.tape.truncate(TAPE_ROWS);
    state.dirty = true;
}

/// A streamed trade: the stock's quote takes its price, change and running totals; the open
/// stock's chart grows its forming candle by the market's rule, its book's last price moves
/// and the tape gets a row.
fn apply_trade(state: &mut State, t: Trade, at: DateTime<Utc>) {
    if let Some(cell) = state.quotes.get(&t.code) {
        let mut q = cell.quote.clone();
        q.price = t.price;
        q.change = t.change;
        q.change_rate = t.change_rate;
        q.high = q.high.max(t.price);
        q.low = if q.low.0 > 0 {
            q.low.min(t.price)
        } else {
            t.price
        };
        q.volume = q.volume.max(t.acc_volume);
        q.value = q.value.max(t.acc_value);
        q.as_of = t.at;
        let provenance = cell.provenance;
        // The candle grows from the trade itself, not from the quote it updates.
        store_quote_only(state, q, provenance, at);
        // The list's age is that of its newest data, streamed or polled.
        if state.quotes_problem.is_none() && state.watchlists.current().codes.contains(&t.code) {
            state.quotes_at = Some(state.quotes_at.map_or(at, |q| q.max(at)));
        }
    }
    if Some(t.code) == state.selected {
        let period = state.chart.period;
        if let Some(candles) = state.chart.data.value.as_mut() {
            trade_into(candles, period, &t, Calendar::krx());
            // The chart is as fresh as its newest trade.
            if state.chart.data.problem.is_none() {
                state.chart.data.received_at = Some(at);
            }
            state.dirty = true;
        }
        if let Some(b) = state.book.value.as_mut().filter(|b| b.code == t.code) {
            b.last = Some(t.price);
        }
        push_tape(state, TapeRow::Trade(t));
    }
}

fn tick(state: &mut State, now: DateTime<Utc>) {
    state.now = now;
    if state
        .notice
        .as_ref()
        .is_some_and(|(at, _)| now - *at > Duration::seconds(NOTICE_SECS))
    {
        state.notice = None;
        state.dirty = true;
    }
    let sig = time_signature(state);
    if sig != state.time_sig {
        state.time_sig = sig;
        state.dirty = true;
    }
}

/// A fingerprint of every time-dependent string on screen: the KST clock (minutes), session,
/// countdowns, age labels, running flashes. Ticks that leave it unchanged draw nothing.
pub fn time_signature(state: &State) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let local = state.now.with_timezone(&KST);
    (local.date_naive(), local.hour(), local.minute()).hash(&mut h);
    view::status::time_text(state).hash(&mut h);
    let flashing = state
        .quotes
        .values()
        .filter(|q| q.flash_until.is_some_and(|t| t > state.now))
        .count();
    flashing.hash(&mut h);
    h.finish()
}

pub fn areas(state: &State) -> Areas {
    layout::of_state(state, Rect::new(0, 0, state.size.0, state.size.1))
}

/// The watchlist rows on screen: (scroll offset, how many).
fn wl_window(state: &State) -> (usize, usize) {
    match areas(state).watchlist {
        Some(r) => (state.wl_scroll, view::watchlist::body_rows(r).1 as usize),
        None => (0, 0),
    }
}

fn interest(state: &State) -> Interest {
    let a = areas(state);
    let rows = state.rows();
    let (scroll, n) = wl_window(state);
    let watchlist = rows.iter().skip(scroll).take(n).copied().collect();
    // Off screen: the rows below the window first (the next to scroll into view), then above.
    // Then the alert rules' stocks: streamed while slots remain (else polled for the rules).
    let mut more: Vec<StockCode> = rows
        .iter()
        .skip(scroll + n)
        .chain(rows.iter().take(scroll))
        .copied()
        .collect();
    for c in state.alerts.codes() {
        if !more.contains(&c) && !rows.contains(&c) {
            more.push(c);
        }
    }
    Interest {
        focused: state.selected,
        version: state.version,
        period: a.chart.map(|_| state.chart.period),
        book: a.book.is_some(),
        info: a.info.is_some(),
        watchlist,
        more,
        refresh: state.refresh,
        indices: if a.strip.is_some() {
            crate::market::IndexCode::DEFAULTS.to_vec()
        } else {
            Vec::new()
        },
        ranking: a
            .rankings
            .filter(|_| state.mode == Mode::Rankings)
            .map(|_| (state.rankings.kind, state.rankings.market)),
        alerts: state.alerts.codes(),
    }
}

fn keep_cursor_visible(state: &mut State) {
    let rows = state.rows();
    let (_, n) = wl_window(state);
    let n = n.max(1);
    let cur = state.wl_cursor(&rows);
    if cur < state.wl_scroll {
        state.wl_scroll = cur;
    } else if cur >= state.wl_scroll + n {
        state.wl_scroll = cur + 1 - n;
    }
    let max_scroll = rows.len().saturating_sub(n);
    state.wl_scroll = state.wl_scroll.min(max_scroll);
}

/// Opens a stock in the chart, book and info pane: new version, old data cleared.
pub fn open(state: &mut State, code: StockCode) {
    if state.selected == Some(code) {
        return;
    }
    state.selected = Some(code);
    state.version += 1;
    state.book = Data::default();
    state.prev_book = None;
    state.info = Data::default();
    state.flows = Data::default();
    state.vi = Data::default();
    state.chart.data = Data::default();
    state.chart.cursor = None;
    state.chart.end = None;
    state.tape.clear();
}

fn move_wl_cursor(state: &mut State, delta: isize) {
    let rows = state.rows();
    if rows.is_empty() {
        return;
    }
    let cur = state.wl_cursor(&rows) as isize;
    let next = (cur + delta).clamp(0, rows.len() as isize - 1) as usize;
    state.wl_selected = Some(rows[next]);
    open(state, rows[next]);
    keep_cursor_visible(state);
}

fn switch_list(state: &mut State, idx: usize, cmds: &mut Vec<Command>) {
    let n = state.watchlists.lists.len();
    if idx >= n {
        let new_key = state.settings.keymap.first_key(Action::NewWatchlist);
        let text = state.settings.lang.no_such_list(idx + 1, n, &new_key);
        notice(state, text);
        return;
    }
    if idx == state.watchlists.active {
        return;
    }
    state.watchlists.active = idx;
    state.wl_scroll = 0;
    let rows = state.rows();
    state.wl_selected = rows.first().copied();
    if let Some(c) = state.wl_selected {
        open(state, c);
    }
    cmds.push(Command::SaveWatchlists);
}

fn notice(state: &mut State, text: String) {
    state.notice = Some((state.now, text));
    state.dirty = true;
}

fn chart_capacity(state: &State) -> usize {
    areas(state)
        .chart
        .map(|r| view::chart::capacity(state, r))
        .unwrap_or(60)
        .max(1)
}

/// Moves the chart cursor by `delta` candles, panning the window to keep it visible.
fn move_chart_cursor(state: &mut State, delta: isize) {
    let cap = chart_capacity(state);
    let ch = &mut state.chart;
    let len = ch.data.value.as_ref().map_or(0, |v| v.len());
    if len == 0 {
        return;
    }
    let cur = ch.cursor.unwrap_or(len - 1) as isize;
    let next = (cur + delta).clamp(0, len as isize - 1) as usize;
    let end = ch.end.unwrap_or(len);
    let start = end.saturating_sub(cap);
    let new_end = if next < start {
        next + cap
    } else if next >= end {
        next + 1
    } else {
        end
    };
    ch.end = (new_end < len).then_some(new_end.min(len));
    ch.cursor = (next + 1 < len || ch.end.is_some()).then_some(next);
}

fn pan_chart(state: &mut State, delta: isize) {
    let cap = chart_capacity(state);
    let ch = &mut state.chart;
    let len = ch.data.value.as_ref().map_or(0, |v| v.len());
    if len == 0 {
        return;
    }
    let end = ch.end.unwrap_or(len) as isize;
    let new_end = (end + delta).clamp(cap.min(len) as isize, len as isize) as usize;
    ch.end = (new_end < len).then_some(new_end);
    let start = new_end.saturating_sub(cap);
    if let Some(c) = ch.cursor {
        ch.cursor = Some(c.clamp(start, new_end.saturating_sub(1)));
    } else if new_end < len {
        ch.cursor = Some(new_end - 1);
    }
}

fn key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let action = state.settings.keymap.action(&k);
    match state.mode {
        Mode::Search => search_key(state, k, action, cmds),
        Mode::Help => help_key(state, &k, action, cmds),
        Mode::Prompt => prompt_key(state, k, action, cmds),
        Mode::Rankings => rankings_key(state, k, action, cmds),
        Mode::Alerts => alerts_key(state, k, action, cmds),
        Mode::AlertForm => alert_form_key(state, k, action, cmds),
        Mode::Normal => {
            if let Some(a) = action {
                apply(state, a, cmds);
            }
        }
    }
}

/// Keys in the rankings view: ↑↓ rows, ←→ the ranking, tab the market, enter opens the stock
/// (and closes the view), `a` adds it to the current watchlist; esc or the view's key close
/// it. Everything else does what it does anywhere.
fn rankings_key(state: &mut State, k: KeyEvent, action: Option<Action>, cmds: &mut Vec<Command>) {
    use crate::market::{RankKind, RankMarket};
    fn step<T: Copy + PartialEq>(all: &[T], cur: T, delta: isize) -> T {
        let n = all.len() as isize;
        let i = all.iter().position(|x| *x == cur).unwrap_or(0) as isize;
        all[((i + delta).rem_euclid(n)) as usize]
    }
    let page = (rankings_window(state).1 / 2).max(1) as isize;
    let r = &mut state.rankings;
    let moved = |r: &mut super::state::RankingsState, delta: isize| {
        let n = r.rows().len();
        r.cursor = (r.cursor as isize + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
    };
    match action {
        Some(Action::Cancel | Action::Rankings) => state.mode = Mode::Normal,
        Some(Action::Quit) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            cmds.push(Command::Quit)
        }
        Some(Action::Quit) => state.mode = Mode::Normal,
        Some(Action::Up) => moved(r, -1),
        Some(Action::Down) => moved(r, 1),
        Some(Action::PageUp) => moved(r, -page),
        Some(Action::PageDown) => moved(r, page),
        Some(Action::Top) => moved(r, isize::MIN / 2),
        Some(Action::Bottom) => moved(r, isize::MAX / 2),
        Some(Action::Left | Action::Right) => {
            r.kind = step(
                &RankKind::ALL,
                r.kind,
                if action == Some(Action::Left) { -1 } else { 1 },
            );
            r.cursor = 0;
            r.scroll = 0;
        }
        Some(Action::FocusNext | Action::FocusPrev) => {
            let d = if action == Some(Action::FocusNext) {
                1
            } else {
                -1
            };
            r.market = step(&RankMarket::ALL, r.market, d);
            r.cursor = 0;
            r.scroll = 0;
        }
        Some(Action::Open) => {
            if let Some(code) = r.selected().map(|row| row.code) {
                state.mode = Mode::Normal;
                open(state, code);
            }
        }
        Some(Action::AddToWatchlist) => {
            if let Some(code) = r.selected().map(|row| row.code) {
                add_to_watchlist(state, code, cmds);
            }
        }
        Some(
            a @ (Action::Search
            | Action::Help
            | Action::Refresh
            | Action::NextWatchlist
            | Action::PrevWatchlist),
        ) => apply(state, a, cmds),
        _ => {}
    }
    keep_rank_cursor_visible(state);
}

/// Keys in the alerts view: ↑↓ rules, enter edits the monitor's rule under the cursor, `d`
/// deletes it, `A` adds one on the open stock; esc or the view's key close it.
fn alerts_key(state: &mut State, k: KeyEvent, action: Option<Action>, cmds: &mut Vec<Command>) {
    let t = state.settings.lang.t();
    let n = state.alerts.rows.len();
    let a = &mut state.alerts;
    match action {
        Some(Action::Cancel | Action::AlertsView) => state.mode = Mode::Normal,
        Some(Action::Quit) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            cmds.push(Command::Quit)
        }
        Some(Action::Quit) => state.mode = Mode::Normal,
        Some(Action::Up) => a.cursor = a.cursor.saturating_sub(1),
        Some(Action::Down) => a.cursor = (a.cursor + 1).min(n.saturating_sub(1)),
        Some(Action::Top) => a.cursor = 0,
        Some(Action::Bottom) => a.cursor = n.saturating_sub(1),
        Some(Action::Open) => {
            let Some(row) = a.rows.get(a.cursor).cloned() else {
                return;
            };
            if row.origin == RuleOrigin::Config {
                notice(state, t.alert_read_only.into());
                return;
            }
            open_form(state, row.rule.code, Some(row.rule));
        }
        Some(Action::RemoveFromWatchlist) => {
            let Some(row) = a.rows.get(a.cursor).cloned() else {
                return;
            };
            if row.origin == RuleOrigin::Config {
                notice(state, t.alert_read_only.into());
                return;
            }
            a.rows
                .retain(|r| r.rule != row.rule || r.origin != RuleOrigin::Monitor);
            a.cursor = a.cursor.min(a.rows.len().saturating_sub(1));
            cmds.push(Command::SetAlertRules(a.monitor_rules()));
        }
        Some(Action::NewAlert) => {
            if let Some(code) = state.selected {
                open_form(state, code, None);
            }
        }
        _ => {}
    }
}

/// Opens the alert form on `code`: a new rule (price at or above the price now) or `editing`.
fn open_form(state: &mut State, code: StockCode, editing: Option<crate::market::alert::Rule>) {
    let kind = editing
        .map(|r| {
            crate::market::alert::CONDITION_KEYS
                .iter()
                .position(|k| *k == r.condition.key())
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let input = match editing.and_then(|r| r.condition.threshold()) {
        Some(crate::market::alert::Reading::Price(p)) => p.0.to_string(),
        Some(crate::market::alert::Reading::Rate(r)) => r.to_string(),
        Some(crate::market::alert::Reading::Ratio(x)) => format!("{}.{:02}", x / 100, x % 100),
        _ => default_threshold(state, code, kind),
    };
    state.alerts.form = Some(super::state::AlertForm {
        code,
        kind,
        input,
        editing,
        error: None,
        back: state.mode,
    });
    state.mode = Mode::AlertForm;
}

/// What the form offers for a kind of rule: the price now, ±5 %, 3×, nothing for the flags.
fn default_threshold(state: &State, code: StockCode, kind: usize) -> String {
    match kind {
        0 | 1 => state
            .quotes
            .get(&code)
            .map(|q| q.quote.price.0.to_string())
            .unwrap_or_default(),
        2 => "5".into(),
        3 => "-5".into(),
        7 => "3".into(),
        _ => String::new(),
    }
}

/// Keys in the alert form: ←→ (tab) the kind of rule, digits and `.`/`-` the threshold, enter
/// saves (checked as the config's rules are), esc cancels.
fn alert_form_key(state: &mut State, k: KeyEvent, action: Option<Action>, cmds: &mut Vec<Command>) {
    use crate::market::alert::{CONDITION_KEYS, RuleSpec};
    let Some(mut form) = state.alerts.form.take() else {
        state.mode = Mode::Normal;
        return;
    };
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Char('c') if ctrl => {
            cmds.push(Command::Quit);
            return;
        }
        KeyCode::Char(c) if !ctrl && (c.is_ascii_digit() || c == '.' || c == '-' || c == ',') => {
            if form.input.len() < 16 && c != ',' {
                form.input.push(c);
            }
            form.error = None;
        }
        KeyCode::Backspace => {
            form.input.pop();
            form.error = None;
        }
        KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
            let n = CONDITION_KEYS.len();
            form.kind = if matches!(k.code, KeyCode::Left | KeyCode::BackTab) {
                (form.kind + n - 1) % n
            } else {
                (form.kind + 1) % n
            };
            form.input = default_threshold(state, form.code, form.kind);
            form.error = None;
        }
        KeyCode::Esc => {
            state.mode = form.back;
            return;
        }
        KeyCode::Enter => {
            let t = state.settings.lang.t();
            let mut spec = RuleSpec {
                code: form.code.as_str().to_string(),
                ..RuleSpec::default()
            };
            let text = form.input.trim();
            let int = text.parse::<i64>().ok();
            let num = text.parse::<f64>().ok().filter(|v| v.is_finite());
            let typed = match form.kind {
                0 => int.map(|v| spec.price_at_or_above = Some(v)).is_some(),
                1 => int.map(|v| spec.price_at_or_below = Some(v)).is_some(),
                2 => num.map(|v| spec.change_rate_above = Some(v)).is_some(),
                3 => num.map(|v| spec.change_rate_below = Some(v)).is_some(),
                4 => {
                    spec.limit_up = Some(true);
                    true
                }
                5 => {
                    spec.limit_down = Some(true);
                    true
                }
                6 => {
                    spec.vi = Some(true);
                    true
                }
                _ => num.map(|v| spec.volume_ratio_above = Some(v)).is_some(),
            };
            if !typed {
                form.error = Some(t.alert_bad_number.into());
                state.alerts.form = Some(form);
                return;
            }
            match spec.to_rule() {
                Ok(rule) => {
                    let mut rules = state.alerts.monitor_rules();
                    if let Some(old) = form.editing {
                        rules.retain(|r| *r != old);
                    }
                    if !rules.contains(&rule) {
                        rules.push(rule);
                    }
                    // Shown at once; the engine's list follows.
                    let a = &mut state.alerts;
                    if let Some(old) = form.editing {
                        a.rows
                            .retain(|r| r.rule != old || r.origin != RuleOrigin::Monitor);
                    }
                    if !a.rows.iter().any(|r| r.rule == rule) {
                        a.rows.push(super::state::AlertRow {
                            rule,
                            origin: RuleOrigin::Monitor,
                            fired: false,
                        });
                    }
                    cmds.push(Command::SetAlertRules(rules));
                    let name = state
                        .name_of(rule.code)
                        .unwrap_or(rule.code.as_str())
                        .to_string();
                    let what = state.settings.lang.alert_rule(&rule.condition);
                    state.mode = form.back;
                    notice(state, format!("{} · {name} {what}", t.alerts));
                    return;
                }
                Err(e) => form.error = Some(e.message),
            }
        }
        _ => {
            if action == Some(Action::Quit) && ctrl {
                cmds.push(Command::Quit);
                return;
            }
        }
    }
    state.alerts.form = Some(form);
}

/// The ranking rows on screen: (scroll offset, how many).
fn rankings_window(state: &State) -> (usize, usize) {
    match areas(state).rankings {
        Some(r) => (
            state.rankings.scroll,
            view::rankings::body_rows(r).1 as usize,
        ),
        None => (0, 0),
    }
}

fn keep_rank_cursor_visible(state: &mut State) {
    let (_, n) = rankings_window(state);
    let n = n.max(1);
    let r = &mut state.rankings;
    let len = r.rows().len();
    r.cursor = r.cursor.min(len.saturating_sub(1));
    if r.cursor < r.scroll {
        r.scroll = r.cursor;
    } else if r.cursor >= r.scroll + n {
        r.scroll = r.cursor + 1 - n;
    }
    r.scroll = r.scroll.min(len.saturating_sub(n));
}

/// Adds `code` to the current watchlist, or says it is there already.
fn add_to_watchlist(state: &mut State, code: StockCode, cmds: &mut Vec<Command>) {
    let lang = state.settings.lang;
    let name = state.name_of(code).unwrap_or(code.as_str()).to_string();
    let list = state.watchlists.current().name.clone();
    if state.watchlists.add(code) {
        state.wl_selected = Some(code);
        keep_cursor_visible(state);
        notice(state, lang.added(&name, &list));
        cmds.push(Command::SaveWatchlists);
    } else {
        notice(state, lang.already_in(&name, &list));
    }
}

/// Keys over the help overlay: scrolling, bounded by what the box leaves out.
fn help_key(state: &mut State, k: &KeyEvent, action: Option<Action>, cmds: &mut Vec<Command>) {
    match action {
        Some(Action::Quit) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            cmds.push(Command::Quit)
        }
        Some(Action::Help | Action::Cancel | Action::Quit) => state.mode = Mode::Normal,
        Some(Action::Down) => state.help_scroll = state.help_scroll.saturating_add(1),
        Some(Action::Up) => state.help_scroll = state.help_scroll.saturating_sub(1),
        Some(Action::PageDown) => state.help_scroll = state.help_scroll.saturating_add(10),
        Some(Action::PageUp) => state.help_scroll = state.help_scroll.saturating_sub(10),
        Some(Action::Top) => state.help_scroll = 0,
        Some(Action::Bottom) => state.help_scroll = u16::MAX,
        _ => {}
    }
    clamp_help(state);
}

fn clamp_help(state: &mut State) {
    let screen = Rect::new(0, 0, state.size.0, state.size.1);
    state.help_scroll = state.help_scroll.min(view::help::max_scroll(state, screen));
}

fn search_key(state: &mut State, k: KeyEvent, action: Option<Action>, cmds: &mut Vec<Command>) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Enter => {
            let pick = state.search.results.get(state.search.cursor).copied();
            if let Some(code) = pick.and_then(|i| state.universe.get(i)).map(|l| l.code) {
                open(state, code);
                state.mode = Mode::Normal;
                if state.focus == Pane::Watchlist {
                    state.side = Pane::Chart;
                }
            } else if let Ok(code) = StockCode::new(&state.search.query.to_uppercase()) {
                // A well-formed code not in the (perhaps not yet loaded) universe.
                open(state, code);
                state.mode = Mode::Normal;
            }
        }
        KeyCode::Backspace => {
            state.search.query.pop();
            run_search(state);
        }
        KeyCode::Up => state.search.cursor = state.search.cursor.saturating_sub(1),
        KeyCode::Down => {
            state.search.cursor =
                (state.search.cursor + 1).min(state.search.results.len().saturating_sub(1))
        }
        KeyCode::Char('p') if ctrl => state.search.cursor = state.search.cursor.saturating_sub(1),
        KeyCode::Char('n') if ctrl => {
            state.search.cursor =
                (state.search.cursor + 1).min(state.search.results.len().saturating_sub(1))
        }
        KeyCode::Char('u') if ctrl => {
            state.search.query.clear();
            run_search(state);
        }
        KeyCode::Char(_) if ctrl && action == Some(Action::Quit) => cmds.push(Command::Quit),
        KeyCode::Char(_) if ctrl => {}
        KeyCode::Char(c) => {
            state.search.query.push(c);
            run_search(state);
        }
        _ => {}
    }
}

/// Typing into the prompt overlay: Enter answers, Esc cancels, Backspace and Ctrl-U edit.
fn prompt_key(state: &mut State, k: KeyEvent, action: Option<Action>, cmds: &mut Vec<Command>) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let Some(p) = state.prompt.as_mut() else {
        state.mode = Mode::Normal;
        return;
    };
    match k.code {
        KeyCode::Esc => {
            state.prompt = None;
            state.mode = Mode::Normal;
        }
        KeyCode::Enter => {
            if let Some(p) = state.prompt.take() {
                state.mode = Mode::Normal;
                answer(state, p, cmds);
            }
        }
        KeyCode::Backspace => {
            p.input.pop();
        }
        KeyCode::Char('u') if ctrl => p.input.clear(),
        KeyCode::Char(_) if ctrl && action == Some(Action::Quit) => cmds.push(Command::Quit),
        KeyCode::Char(_) if ctrl => {}
        // A list name is one line of a modest length; y/n needs one letter.
        KeyCode::Char(c) if !c.is_control() && p.input.chars().count() < PROMPT_MAX => {
            p.input.push(c)
        }
        _ => {}
    }
}

/// Longest answer a prompt takes, in characters.
const PROMPT_MAX: usize = 24;

fn ask(state: &mut State, kind: PromptKind, input: String) {
    state.prompt = Some(Prompt { kind, input });
    state.mode = Mode::Prompt;
}

/// Acts on a prompt's answer.
fn answer(state: &mut State, p: Prompt, cmds: &mut Vec<Command>) {
    let name = p.input.trim().to_string();
    let lang = state.settings.lang;
    let t = lang.t();
    match p.kind {
        PromptKind::NewList => {
            let name = if name.is_empty() {
                state.watchlists.fresh_name()
            } else {
                name
            };
            if state.watchlists.lists.iter().any(|l| l.name == name) {
                notice(state, lang.list_exists(&name));
                return;
            }
            state.watchlists.lists.push(Watchlist {
                name: name.clone(),
                codes: Vec::new(),
            });
            let n = state.watchlists.lists.len();
            switch_list(state, n - 1, cmds);
            let km = &state.settings.keymap;
            let (search, add) = (
                km.first_key(Action::Search),
                km.first_key(Action::AddToWatchlist),
            );
            notice(state, lang.created(&name, &search, &add));
        }
        PromptKind::RenameList => {
            let old = state.watchlists.current().name.clone();
            if name.is_empty() || name == old {
                return;
            }
            if state.watchlists.lists.iter().any(|l| l.name == name) {
                notice(state, lang.list_exists(&name));
                return;
            }
            state.watchlists.current_mut().name = name.clone();
            cmds.push(Command::SaveWatchlists);
            notice(state, lang.renamed(&old, &name));
        }
        PromptKind::DeleteList => {
            if !matches!(name.as_str(), "y" | "Y" | "ㅛ") {
                notice(state, t.kept_list.into());
                return;
            }
            let Some(gone) = state.watchlists.delete_current() else {
                notice(state, t.last_list.into());
                return;
            };
            // An undo entry for a row of a list that moved or went would restore it elsewhere.
            state.removed = None;
            state.wl_scroll = 0;
            state.wl_selected = state.rows().first().copied();
            if let Some(c) = state.wl_selected {
                open(state, c);
            }
            cmds.push(Command::SaveWatchlists);
            notice(state, lang.deleted(&gone.name, gone.codes.len()));
        }
    }
}

fn run_search(state: &mut State) {
    state.search.results = state.index.search(&state.search.query, SEARCH_LIMIT);
    state.search.cursor = 0;
}

fn apply(state: &mut State, a: Action, cmds: &mut Vec<Command>) {
    use Action::*;
    let focus = state.focus;
    let lang = state.settings.lang;
    let t = lang.t();
    match a {
        Quit => cmds.push(Command::Quit),
        Help => {
            state.mode = Mode::Help;
            state.help_scroll = 0;
        }
        Search => {
            state.mode = Mode::Search;
            state.search = Default::default();
        }
        Cancel => {
            state.notice = None;
            // The alert toasts have been seen.
            state.alerts.unseen = 0;
        }
        FocusNext | FocusPrev => {
            let i = Pane::ORDER.iter().position(|p| *p == focus).unwrap_or(0);
            let n = Pane::ORDER.len();
            let j = if a == FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            set_focus(state, Pane::ORDER[j]);
        }
        Up | Down | PageUp | PageDown => {
            let (_, rows) = wl_window(state);
            let half = (rows / 2).max(1) as isize;
            let delta = match a {
                Up => -1,
                Down => 1,
                PageUp => -half,
                _ => half,
            };
            match focus {
                Pane::Chart if matches!(a, Up | Down) => {
                    apply(state, if a == Up { ZoomIn } else { ZoomOut }, cmds)
                }
                _ => move_wl_cursor(state, delta),
            }
        }
        Left => move_chart_cursor(state, -1),
        Right => move_chart_cursor(state, 1),
        Top => match focus {
            Pane::Chart => move_chart_cursor(state, isize::MIN / 2),
            _ => move_wl_cursor(state, isize::MIN / 2),
        },
        Bottom => match focus {
            Pane::Chart => {
                state.chart.cursor = None;
                state.chart.end = None;
            }
            _ => move_wl_cursor(state, isize::MAX / 2),
        },
        Open => {
            if let Some(c) = state.wl_selected.filter(|_| focus == Pane::Watchlist) {
                open(state, c);
                state.side = if state.side == Pane::Watchlist {
                    Pane::Chart
                } else {
                    state.side
                };
            }
        }
        AddToWatchlist => {
            if let Some(code) = state.selected {
                add_to_watchlist(state, code, cmds);
            }
        }
        RemoveFromWatchlist => {
            if focus != Pane::Watchlist {
                notice(state, t.focus_to_remove.into());
                return;
            }
            let rows = state.rows();
            if let Some(code) = state.wl_selected {
                let cur = state.wl_cursor(&rows);
                if let Some(index) = state.watchlists.remove(code) {
                    state.removed = Some(Removed {
                        list: state.watchlists.active,
                        index,
                        code,
                    });
                    let rows = state.rows();
                    state.wl_selected = rows.get(cur.min(rows.len().saturating_sub(1))).copied();
                    if let Some(c) = state.wl_selected {
                        open(state, c);
                    }
                    keep_cursor_visible(state);
                    let name = state.name_of(code).unwrap_or(code.as_str()).to_string();
                    let undo = state.settings.keymap.first_key(Action::Undo);
                    notice(state, lang.removed(&name, &undo));
                    cmds.push(Command::SaveWatchlists);
                }
            }
        }
        Undo => {
            let Some(r) = state.removed.take() else {
                notice(state, t.nothing_to_undo.into());
                return;
            };
            if state.watchlists.restore(r.list, r.index, r.code) {
                switch_list(state, r.list, cmds);
                state.wl_selected = Some(r.code);
                open(state, r.code);
                keep_cursor_visible(state);
                let name = state.name_of(r.code).unwrap_or(r.code.as_str()).to_string();
                notice(state, lang.put_back(&name));
                cmds.push(Command::SaveWatchlists);
            }
        }
        MoveRowUp | MoveRowDown => {
            if let Some(code) = state.wl_selected {
                if state.sort.key != SortKey::Manual {
                    // Reordering works on the saved order: show it, and say so, since the
                    // rows jump back to where they were saved.
                    state.sort.key = SortKey::Manual;
                    state.sort.descending = false;
                    let s = state.settings.keymap.first_key(Action::SortNext);
                    notice(state, lang.manual_order(&s));
                }
                let d = if a == MoveRowUp { -1 } else { 1 };
                if state.watchlists.shift(code, d).is_some() {
                    keep_cursor_visible(state);
                    cmds.push(Command::SaveWatchlists);
                }
            }
        }
        NextWatchlist | PrevWatchlist => {
            let n = state.watchlists.lists.len();
            let i = state.watchlists.active;
            let j = if a == NextWatchlist {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            switch_list(state, j, cmds);
        }
        Watchlist1 => switch_list(state, 0, cmds),
        Watchlist2 => switch_list(state, 1, cmds),
        Watchlist3 => switch_list(state, 2, cmds),
        Watchlist4 => switch_list(state, 3, cmds),
        Watchlist5 => switch_list(state, 4, cmds),
        NewWatchlist => ask(state, PromptKind::NewList, String::new()),
        RenameWatchlist => {
            let name = state.watchlists.current().name.clone();
            ask(state, PromptKind::RenameList, name)
        }
        DeleteWatchlist => {
            if state.watchlists.lists.len() < 2 {
                notice(state, t.last_list.into());
            } else {
                ask(state, PromptKind::DeleteList, String::new())
            }
        }
        SortNext => {
            let i = SortKey::CYCLE
                .iter()
                .position(|k| *k == state.sort.key)
                .unwrap_or(0);
            sort_by(state, SortKey::CYCLE[(i + 1) % SortKey::CYCLE.len()]);
            keep_cursor_visible(state);
        }
        SortReverse => {
            state.sort.descending = !state.sort.descending;
            keep_cursor_visible(state);
        }
        PrevInterval | NextInterval => {
            let i = state.chart.period.index();
            let j = if a == NextInterval {
                (i + 1).min(Interval::ALL.len() - 1)
            } else {
                i.saturating_sub(1)
            };
            if j != i {
                state.chart.period = Interval::ALL[j];
                state.chart.data = Data::default();
                state.chart.cursor = None;
                state.chart.end = None;
            }
        }
        ZoomIn => {
            let s = state.chart.stride().saturating_add(1);
            state.chart.set_stride(s);
        }
        ZoomOut => {
            let s = state.chart.stride().saturating_sub(1);
            state.chart.set_stride(s);
        }
        PanLeft | PanRight => {
            let cap = chart_capacity(state) as isize;
            pan_chart(state, if a == PanLeft { -cap } else { cap });
        }
        ToggleMa5 | ToggleMa20 | ToggleMa60 | ToggleMa120 => {
            let i = [ToggleMa5, ToggleMa20, ToggleMa60, ToggleMa120]
                .iter()
                .position(|x| *x == a)
                .unwrap_or(0);
            if let Some(on) = state.chart.mas.get_mut(i) {
                *on = !*on;
            }
        }
        Refresh => state.refresh += 1,
        Tape => {
            // The tape takes the side pane's place (or the whole screen where only one pane
            // fits); again, and the chart is back.
            let show = state.side != Pane::Tape;
            state.side = if show { Pane::Tape } else { Pane::Chart };
            if state.focus == Pane::Tape || (show && areas(state).tape.is_none()) {
                state.focus = state.side;
            }
        }
        Rankings => {
            state.mode = Mode::Rankings;
            keep_rank_cursor_visible(state);
        }
        NewAlert => match state.selected {
            Some(code) => open_form(state, code, None),
            None => notice(state, t.tape_pick.into()),
        },
        AlertsView => {
            state.mode = Mode::Alerts;
            state.alerts.unseen = 0;
        }
    }
}

fn set_focus(state: &mut State, p: Pane) {
    state.focus = p;
    if p != Pane::Watchlist {
        state.side = p;
    }
}

fn mouse(state: &mut State, m: crossterm::event::MouseEvent) {
    if !state.settings.mouse {
        return;
    }
    let (x, y) = (m.column, m.row);
    match state.mode {
        Mode::Help => {
            match m.kind {
                MouseEventKind::ScrollDown => {
                    state.help_scroll = state.help_scroll.saturating_add(3)
                }
                MouseEventKind::ScrollUp => state.help_scroll = state.help_scroll.saturating_sub(3),
                MouseEventKind::Down(_) => state.mode = Mode::Normal,
                _ => return,
            }
            clamp_help(state);
            state.dirty = true;
            return;
        }
        Mode::Search => {
            match m.kind {
                MouseEventKind::ScrollDown => {
                    state.search.cursor =
                        (state.search.cursor + 1).min(state.search.results.len().saturating_sub(1))
                }
                MouseEventKind::ScrollUp => {
                    state.search.cursor = state.search.cursor.saturating_sub(1)
                }
                _ => return,
            }
            state.dirty = true;
            return;
        }
        // A click elsewhere leaves the question on screen: it is answered by keys.
        Mode::Prompt => return,
        Mode::Rankings => {
            rankings_mouse(state, m);
            return;
        }
        // The alerts view and form are driven by keys.
        Mode::Alerts | Mode::AlertForm => return,
        Mode::Normal => {}
    }
    let a = areas(state);
    let Some(pane) = a.pane_at(x, y) else { return };
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            set_focus(state, pane);
            if let Some(r) = a.watchlist.filter(|_| pane == Pane::Watchlist) {
                let (first, n) = view::watchlist::body_rows(r);
                if y >= first && y < first + n {
                    let idx = state.wl_scroll + (y - first) as usize;
                    let rows = state.rows();
                    if let Some(code) = rows.get(idx).copied() {
                        state.wl_selected = Some(code);
                        open(state, code);
                    }
                } else if y == first.saturating_sub(1)
                    && let Some(key) = view::watchlist::header_sort_key_in(state, r, x)
                {
                    // A click on a column header sorts by it; a second click reverses.
                    if key == state.sort.key && key != SortKey::Manual {
                        state.sort.descending = !state.sort.descending;
                    } else {
                        sort_by(state, key);
                    }
                    keep_cursor_visible(state);
                }
            }
            state.dirty = true;
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = m.kind == MouseEventKind::ScrollDown;
            match pane {
                Pane::Watchlist => move_wl_cursor(state, if down { 1 } else { -1 }),
                Pane::Chart => pan_chart(state, if down { 5 } else { -5 }),
                _ => return,
            }
            state.dirty = true;
        }
        _ => {}
    }
}

/// The wheel moves the rankings view's cursor, a click picks a row, a click on a picked row
/// opens it; a click on the book leaves the view.
fn rankings_mouse(state: &mut State, m: crossterm::event::MouseEvent) {
    let a = areas(state);
    let Some(view_area) = a.rankings else { return };
    let inside = view_area.contains((m.column, m.row).into());
    let n = state.rankings.rows().len();
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp if inside => {
            let r = &mut state.rankings;
            r.cursor = if m.kind == MouseEventKind::ScrollDown {
                (r.cursor + 1).min(n.saturating_sub(1))
            } else {
                r.cursor.saturating_sub(1)
            };
        }
        MouseEventKind::Down(MouseButton::Left) if inside => {
            let (first, rows) = view::rankings::body_rows(view_area);
            if m.row >= first && m.row < first + rows {
                let idx = state.rankings.scroll + (m.row - first) as usize;
                if idx < n {
                    if idx == state.rankings.cursor {
                        if let Some(code) = state.rankings.selected().map(|r| r.code) {
                            state.mode = Mode::Normal;
                            open(state, code);
                        }
                    } else {
                        state.rankings.cursor = idx;
                    }
                }
            }
        }
        MouseEventKind::Down(MouseButton::Left) => state.mode = Mode::Normal,
        _ => return,
    }
    keep_rank_cursor_visible(state);
    state.dirty = true;
}

/// Sorts the watchlist by `key`: text columns A→Z, numbers largest first.
fn sort_by(state: &mut State, key: SortKey) {
    state.sort.key = key;
    state.sort.descending = !matches!(key, SortKey::Manual | SortKey::Name | SortKey::Code);
}

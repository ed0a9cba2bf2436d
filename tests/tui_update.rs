//! `update(state, msg)` driven headless: navigation, lookup ranking (초성 included), watchlist
//! edits and sorting, stale-reply dropping, failures kept as stale data, redraw-only-on-change.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use hoga::feed::{Event, Failure};
use hoga::market::{Interval, Period, Provenance, StockCode};
use hoga::source::Sourced;
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::msg::{Command, Msg};
use hoga::tui::state::{Mode, Pane, SortKey, State};
use hoga::tui::update::{areas, update};

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn key(s: &mut State, c: char) -> Vec<Command> {
    let m = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), m)))
}

fn special(s: &mut State, k: KeyCode, m: KeyModifiers) -> Vec<Command> {
    update(s, Msg::Key(KeyEvent::new(k, m)))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, c);
    }
}

fn state() -> State {
    fixtures::state((120, 40), Scenario::default())
}

fn saves(cmds: &[Command]) -> bool {
    cmds.contains(&Command::SaveWatchlists)
}

#[test]
fn vim_keys_move_the_cursor_and_open_the_row() {
    let mut s = state();
    assert_eq!(s.selected, Some(code("005930")));
    let v = s.version;
    key(&mut s, 'j');
    assert_eq!(s.wl_selected, Some(code("000660")));
    assert_eq!(s.selected, Some(code("000660")));
    assert_eq!(s.version, v + 1);
    assert!(
        s.book.value.is_none(),
        "the old stock's book is not shown for the new one"
    );
    special(&mut s, KeyCode::Down, KeyModifiers::NONE);
    key(&mut s, 'k');
    assert_eq!(s.selected, Some(code("000660")));
    key(&mut s, 'G');
    assert_eq!(s.wl_selected, Some(code("055550")));
    key(&mut s, 'g');
    assert_eq!(s.wl_selected, Some(code("005930")));
    special(&mut s, KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert!(s.wl_cursor(&s.rows()) > 1, "ctrl-d moves half a page");
    // Tab cycles panes; shift-tab goes back.
    special(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(s.focus, Pane::Chart);
    special(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(s.focus, Pane::Book);
    special(&mut s, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(s.focus, Pane::Chart);
    assert_eq!(key(&mut s, 'q'), vec![Command::Quit]);
}

#[test]
fn lookup_by_initial_consonants_opens_the_stock() {
    let mut s = state();
    key(&mut s, '/');
    assert_eq!(s.mode, Mode::Search);
    typed(&mut s, "ㅅㅅㅈㅈ");
    let first = s.search.results[0];
    assert_eq!(s.universe[first].name, "삼성전자");
    // Keep typing: results follow the query.
    special(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
    special(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
    typed(&mut s, "ㅂㅇ");
    assert_eq!(s.universe[s.search.results[0]].name, "삼성바이오로직스");
    special(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.selected, Some(code("207940")));
}

#[test]
fn lookup_ranks_name_prefix_by_size_and_matches_english_and_codes() {
    let mut s = state();
    key(&mut s, '/');
    typed(&mut s, "삼성");
    let names: Vec<&str> = s
        .search
        .results
        .iter()
        .map(|i| s.universe[*i].name.as_str())
        .collect();
    assert_eq!(names[0], "삼성전자");
    assert!(names.contains(&"삼성SDI") && names.contains(&"삼성생명"));
    // q and j are text while searching, not quit and down.
    special(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut s, "hynix");
    assert_eq!(s.mode, Mode::Search);
    assert_eq!(s.universe[s.search.results[0]].name, "SK하이닉스");
    special(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut s, "0427");
    assert_eq!(s.universe[s.search.results[0]].name, "한미반도체");
    special(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.selected, Some(code("005930")), "esc opens nothing");
}

#[test]
fn add_remove_reorder_and_switch_watchlists() {
    let mut s = state();
    key(&mut s, '/');
    typed(&mut s, "한미반도체");
    special(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let cmds = key(&mut s, 'a');
    assert!(saves(&cmds));
    assert_eq!(s.watchlists.current().codes.last(), Some(&code("042700")));
    assert!(s.notice.as_ref().unwrap().1.contains("한미반도체"));
    // Adding twice does not duplicate.
    assert!(!saves(&key(&mut s, 'a')));
    assert_eq!(
        s.watchlists
            .current()
            .codes
            .iter()
            .filter(|c| **c == code("042700"))
            .count(),
        1
    );
    // Reorder: move it up one place.
    let n = s.watchlists.current().codes.len();
    assert!(saves(&key(&mut s, 'K')));
    assert_eq!(s.watchlists.current().codes[n - 2], code("042700"));
    // Remove it (watchlist focused).
    assert_eq!(s.focus, Pane::Watchlist);
    assert!(saves(&key(&mut s, 'd')));
    assert!(!s.watchlists.current().codes.contains(&code("042700")));
    assert_eq!(s.watchlists.current().codes.len(), n - 1);
    // Number keys and w switch lists; the new list's first row opens.
    assert!(saves(&key(&mut s, '2')));
    assert_eq!(s.watchlists.active, 1);
    assert_eq!(s.watchlists.current().name, "코스닥");
    assert_eq!(s.selected, s.watchlists.current().codes.first().copied());
    key(&mut s, 'w');
    assert_eq!(s.watchlists.active, 0);
    key(&mut s, 'N');
    special(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.watchlists.lists.len(), 3);
    assert_eq!(s.watchlists.active, 2);
}

#[test]
fn sorting_by_columns_keeps_the_cursor_on_its_stock() {
    let mut s = state();
    key(&mut s, 'j');
    let on = s.wl_selected;
    // manual → name → code → price → change% (descending).
    for _ in 0..4 {
        key(&mut s, 's');
    }
    assert_eq!(s.sort.key, SortKey::ChangeRate);
    assert!(s.sort.descending);
    let rows = s.rows();
    let rates: Vec<i32> = rows
        .iter()
        .map(|c| s.quotes[c].quote.change_rate.0)
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    assert_eq!(s.wl_selected, on);
    key(&mut s, 'S');
    let rows = s.rows();
    let rates: Vec<i32> = rows
        .iter()
        .map(|c| s.quotes[c].quote.change_rate.0)
        .collect();
    assert!(rates.windows(2).all(|w| w[0] <= w[1]), "{rates:?}");
    // Name sort: Hangul order.
    key(&mut s, 's');
    key(&mut s, 's');
    key(&mut s, 's');
    key(&mut s, 's');
    assert_eq!(s.sort.key, SortKey::Name);
    let rows = s.rows();
    let names: Vec<&str> = rows.iter().map(|c| s.name_of(*c).unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn replies_for_a_stock_already_left_are_dropped() {
    let mut s = state();
    let old = s.selected.unwrap();
    let old_version = s.version;
    let q = s.quotes[&old].quote.clone();
    key(&mut s, 'j');
    let new = s.selected.unwrap();
    assert_ne!(old, new);
    s.dirty = false;
    let at = s.now;
    let late = Msg::Feed(Event::Book {
        code: old,
        version: old_version,
        at,
        reply: Ok(Sourced::new(
            fixtures::book(&q, 1, false),
            Provenance::Simulated,
        )),
    });
    update(&mut s, late);
    assert!(
        s.book.value.is_none(),
        "a late book for the stock we left must not show"
    );
    assert!(!s.dirty);
    // Same code but an old version (left and came back) is dropped too.
    key(&mut s, 'k');
    assert_eq!(s.selected, Some(old));
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: old,
            version: old_version,
            at,
            reply: Ok(Sourced::new(
                fixtures::book(&q, 1, false),
                Provenance::Simulated,
            )),
        }),
    );
    assert!(s.book.value.is_none());
    // A chart for another interval is dropped; the current one is taken.
    let v = s.version;
    let candles = fixtures::candles(30, Period::Week, 50_000, 1, fixtures::now().date_naive());
    update(
        &mut s,
        Msg::Feed(Event::Chart {
            code: old,
            period: Interval::Week,
            version: v,
            at,
            reply: Ok(Sourced::new(candles.clone(), Provenance::Simulated)),
        }),
    );
    assert!(s.chart.data.value.is_none());
    update(
        &mut s,
        Msg::Feed(Event::Chart {
            code: old,
            period: Interval::Day,
            version: v,
            at,
            reply: Ok(Sourced::new(candles, Provenance::Simulated)),
        }),
    );
    assert_eq!(s.chart.data.value.as_ref().map(|c| c.len()), Some(30));
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: old,
            version: v,
            at,
            reply: Ok(Sourced::new(
                fixtures::book(&q, 1, false),
                Provenance::Simulated,
            )),
        }),
    );
    assert!(s.book.value.is_some());
}

#[test]
fn a_failure_keeps_the_last_data_marked_stale_until_recovery() {
    let mut s = state();
    let c = s.selected.unwrap();
    let v = s.version;
    let before = s.book.value.clone();
    let at = s.now + Duration::seconds(3);
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: c,
            version: v,
            at,
            reply: Err(Failure {
                message: "connection refused".into(),
                next_try: Some(at + Duration::seconds(4)),
                unsupported: false,
            }),
        }),
    );
    assert_eq!(s.book.value, before, "last good data stays on screen");
    assert!(s.book.is_stale());
    let p = hoga::tui::view::status::current_problem(&s).unwrap();
    assert!(p.what.contains("호가") && p.message.contains("refused"));
    // One failed poll marks the pane, not the whole bar.
    let (label, _) = hoga::tui::view::status::source_label(&s);
    assert_eq!(label, "시뮬레이션");
    // Recovery clears the failure.
    let q = s.quotes[&c].quote.clone();
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: c,
            version: v,
            at: at + Duration::seconds(5),
            reply: Ok(Sourced::new(
                fixtures::book(&q, 2, false),
                Provenance::Simulated,
            )),
        }),
    );
    assert!(!s.book.is_stale());
    assert!(hoga::tui::view::status::current_problem(&s).is_none());
    assert_eq!(hoga::tui::view::status::source_label(&s).0, "시뮬레이션");
}

#[test]
fn idle_ticks_do_not_redraw_but_flashes_and_minutes_do() {
    let mut s = state();
    let t0 = s.now;
    update(&mut s, Msg::Tick(t0));
    s.dirty = false;
    // Within the same second nothing visible changes (the ages count whole seconds).
    update(&mut s, Msg::Tick(t0 + Duration::milliseconds(250)));
    update(&mut s, Msg::Tick(t0 + Duration::milliseconds(900)));
    assert!(!s.dirty, "an idle tick must not redraw");
    // Identical quotes (closed market) do not redraw either.
    let same: Vec<_> = s
        .quotes
        .values()
        .map(|c| Sourced::new(c.quote.clone(), c.provenance))
        .collect();
    let at = s.now;
    update(
        &mut s,
        Msg::Feed(Event::Quotes {
            at,
            reply: Ok(same),
        }),
    );
    assert!(!s.dirty, "identical data must not redraw");
    // A price change flashes and redraws; the flash ending redraws once more.
    let c = s.selected.unwrap();
    let mut q = s.quotes[&c].quote.clone();
    q.price = hoga::market::tick::tick_up(q.price);
    update(
        &mut s,
        Msg::Feed(Event::Quotes {
            at,
            reply: Ok(vec![Sourced::new(q, Provenance::Simulated)]),
        }),
    );
    assert!(s.dirty);
    assert_eq!(s.quotes[&c].tick, 1);
    s.dirty = false;
    update(&mut s, Msg::Tick(at + Duration::milliseconds(100)));
    update(&mut s, Msg::Tick(at + Duration::milliseconds(900)));
    assert!(s.dirty, "the end of a flash redraws");
    s.dirty = false;
    // The clock shows minutes: the next minute redraws.
    update(&mut s, Msg::Tick(at + Duration::seconds(61)));
    assert!(s.dirty);
}

#[test]
fn interest_lists_only_the_rows_on_screen() {
    let mut s = fixtures::state(
        (120, 24),
        Scenario {
            rows: 40,
            universe: 60,
            ..Scenario::default()
        },
    );
    let cmds = update(&mut s, Msg::Resize(120, 20));
    let i = cmds
        .iter()
        .find_map(|c| match c {
            Command::SetInterest(i) => Some(i.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        i.watchlist.len(),
        20 - 1 - 1 - 3,
        "index strip, status bar, border, header, border"
    );
    assert_eq!(i.indices.len(), 3, "the strip's indices are asked for");
    assert_eq!(i.focused, s.selected);
    assert_eq!(i.period, Some(Interval::Day));
    // Scrolling down changes which rows are polled.
    key(&mut s, 'G');
    let i2 = s.last_interest.clone().unwrap();
    assert_eq!(i2.watchlist.last(), s.watchlists.current().codes.last());
    // Narrow: only the focused watchlist fits; the chart, book and info are not polled.
    update(&mut s, Msg::Resize(50, 20));
    let i3 = s.last_interest.clone().unwrap();
    assert_eq!(i3.period, None);
    assert!(!i3.book && !i3.info);
    assert!(!i3.watchlist.is_empty());
}

#[test]
fn intervals_step_through_minutes_days_and_years() {
    let mut s = state();
    key(&mut s, ']');
    assert_eq!(s.chart.period, Interval::Week);
    assert!(
        s.chart.data.value.is_none(),
        "the daily candles are not shown as weekly"
    );
    let mut seen = vec![s.chart.period];
    for _ in 0..3 {
        key(&mut s, ']');
        seen.push(s.chart.period);
    }
    assert_eq!(
        seen,
        [
            Interval::Week,
            Interval::Month,
            Interval::Year,
            Interval::Year
        ]
    );
    let mut down = Vec::new();
    for _ in 0..10 {
        key(&mut s, '[');
        down.push(s.chart.period.code());
    }
    assert_eq!(
        down,
        ["M", "W", "D", "60m", "30m", "10m", "5m", "3m", "1m", "1m"]
    );
    // The feed is asked for what is on screen: the 5-minute chart by its own interval.
    for _ in 0..2 {
        key(&mut s, ']');
    }
    assert_eq!(
        s.last_interest.as_ref().and_then(|i| i.period),
        Some(Interval::Min5)
    );
    assert_eq!(Interval::Min5.period(), Period::Minute);
}

#[test]
fn zoom_is_kept_per_interval_down_to_one_column_a_candle() {
    let mut s = state();
    assert_eq!(s.chart.stride(), 1, "daily bars start one column each");
    key(&mut s, '-');
    assert_eq!(s.chart.stride(), 1, "no narrower than one column");
    key(&mut s, '+');
    key(&mut s, '+');
    assert_eq!(s.chart.stride(), 3);
    // The minutes keep their own zoom; back on the daily chart its zoom is still there.
    for _ in 0..6 {
        key(&mut s, '[');
    }
    assert_eq!(s.chart.period, Interval::Min1);
    assert_eq!(s.chart.stride(), 2);
    key(&mut s, '-');
    assert_eq!(s.chart.stride(), 1);
    for _ in 0..6 {
        key(&mut s, ']');
    }
    assert_eq!(s.chart.period, Interval::Day);
    assert_eq!(s.chart.stride(), 3);
    for _ in 0..10 {
        key(&mut s, '+');
    }
    assert_eq!(s.chart.stride(), 6, "at most six columns a candle");
}

#[test]
fn cursor_pans_and_moving_averages_toggle() {
    let mut s = state();
    let len = s.chart.data.value.as_ref().unwrap().len();
    key(&mut s, 'h');
    assert_eq!(s.chart.cursor, Some(len - 2));
    key(&mut s, 'l');
    assert_eq!(
        s.chart.cursor, None,
        "back on the newest candle follows it again"
    );
    key(&mut s, 'H');
    assert!(s.chart.end.is_some_and(|e| e < len));
    assert_eq!(s.chart.mas, [true, true, false, false]);
    for (k, want) in [
        ('#', [true, true, true, false]),
        ('$', [true, true, true, true]),
        ('!', [false, true, true, true]),
        ('@', [false, false, true, true]),
        ('!', [true, false, true, true]),
    ] {
        key(&mut s, k);
        assert_eq!(s.chart.mas, want, "after {k}");
    }
}

/// Minute bars come from trading only: a quote fetched at night or after the close (the last
/// session's final price) leaves the minute chart alone; one during the session extends it.
#[test]
fn minute_candles_grow_only_while_the_market_trades() {
    use hoga::market::{Candle, Krw, kst_to_utc};
    let s = state();
    let c = s.selected.unwrap();
    let mut q = s.quotes[&c].quote.clone();
    q.price = Krw(70_000);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let bar = |d: chrono::NaiveDate, h: u32, m: u32| Candle {
        date: d,
        time: chrono::NaiveTime::from_hms_opt(h, m, 0),
        open: Krw(69_900),
        high: Krw(70_100),
        low: Krw(69_800),
        close: Krw(70_000),
        volume: 10,
        value: Krw(700_000),
    };
    let at = |d: chrono::NaiveDate, h: u32, m: u32| kst_to_utc(d.and_hms_opt(h, m, 5).unwrap());
    let next = day.succ_opt().unwrap();
    for (when, what) in [
        (at(next, 0, 30), "past midnight"),
        (at(day, 18, 0), "after the close"),
        (at(next, 8, 40), "in the pre-open auction"),
    ] {
        let mut candles = vec![bar(day, 15, 30)];
        q.as_of = when;
        hoga::market::candle::apply_quote(
            &mut candles,
            Interval::Min1,
            &q,
            hoga::market::Calendar::krx(),
        );
        assert_eq!(candles, vec![bar(day, 15, 30)], "{what}");
    }
    let mut candles = vec![bar(next, 10, 30)];
    q.as_of = at(next, 10, 31);
    hoga::market::candle::apply_quote(
        &mut candles,
        Interval::Min1,
        &q,
        hoga::market::Calendar::krx(),
    );
    assert_eq!(candles.len(), 2);
    assert_eq!(candles[1].time, chrono::NaiveTime::from_hms_opt(10, 31, 0));
}

#[test]
fn a_live_quote_moves_the_newest_candle() {
    let mut s = state();
    let c = s.selected.unwrap();
    let mut q = s.quotes[&c].quote.clone();
    let high = s.chart.data.value.as_ref().unwrap().last().unwrap().high;
    q.price = hoga::market::Krw(high.0 + 1_000);
    q.high = q.price;
    let at = s.now;
    let version = s.version;
    update(
        &mut s,
        Msg::Feed(Event::Quote {
            code: c,
            version,
            at,
            reply: Ok(Sourced::new(q.clone(), Provenance::Simulated)),
        }),
    );
    let last = *s.chart.data.value.as_ref().unwrap().last().unwrap();
    assert_eq!(last.close, q.price);
    assert_eq!(last.high, q.price);
}

/// A streamed trade moves the open stock's quote (price, change, running totals) and grows
/// the forming daily candle by its quantity: the same rule the market layer tests.
#[test]
fn a_streamed_trade_moves_the_quote_and_the_forming_candle() {
    use hoga::market::{Krw, Rate, Side, Trade};
    let mut s = state();
    let c = s.selected.unwrap();
    let q = s.quotes[&c].quote.clone();
    let last = *s.chart.data.value.as_ref().unwrap().last().unwrap();
    let price = Krw(last.high.0 + 500);
    let trade = Trade {
        code: c,
        at: s.now,
        price,
        change: Krw(price.0 - q.prev_close.0),
        change_rate: Rate(123),
        qty: 7,
        acc_volume: q.volume + 7,
        acc_value: Krw(q.value.0 + price.0 * 7),
        side: Some(Side::Buy),
        strength: Some(Rate(11_000)),
    };
    let at = s.now;
    s.dirty = false;
    update(&mut s, Msg::Feed(Event::Trade { at, trade }));
    assert!(s.dirty);
    let cell = &s.quotes[&c];
    assert_eq!(cell.quote.price, price);
    assert_eq!(cell.quote.volume, q.volume + 7);
    assert_eq!(cell.quote.change_rate, Rate(123));
    let now = *s.chart.data.value.as_ref().unwrap().last().unwrap();
    assert_eq!((now.date, now.close, now.high), (last.date, price, price));
    assert_eq!(now.volume, last.volume + 7);
}

#[test]
fn mouse_clicks_focus_and_select_and_the_wheel_scrolls() {
    let mut s = state();
    // Third body row of the watchlist (the index strip, border and header above it).
    let top = areas(&s).watchlist.unwrap().y;
    update(
        &mut s,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: top + 4,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(s.wl_selected, Some(code("373220")));
    assert_eq!(s.selected, Some(code("373220")));
    update(
        &mut s,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 5,
            row: 6,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(s.wl_selected, Some(code("207940")));
    // A click in the book focuses it.
    update(
        &mut s,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 100,
            row: 10,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(s.focus, Pane::Book);
}

/// Screen column of the first cell of `word` on screen row `row`, as drawn.
fn column_of(s: &State, row: u16, word: &str) -> u16 {
    let (w, h) = s.size;
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| hoga::tui::view::draw(s, f.buffer_mut()))
        .unwrap();
    let first = word.chars().next().unwrap().to_string();
    let buf = term.backend().buffer();
    (0..w)
        .find(|x| buf[(*x, row)].symbol() == first)
        .unwrap_or_else(|| panic!("{word} not on row {row}"))
}

fn click(s: &mut State, column: u16, row: u16) {
    update(
        s,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    );
}

#[test]
fn clicking_a_column_header_sorts_by_that_column_and_again_reverses() {
    let mut s = state();
    // The watchlist's header is the row under its top border (below the index strip).
    let hdr = areas(&s).watchlist.unwrap().y + 1;
    let rate = column_of(&s, hdr, "등락률");
    click(&mut s, rate + 1, hdr);
    assert_eq!(s.sort.key, SortKey::ChangeRate);
    assert!(s.sort.descending);
    let rates: Vec<i32> = s
        .rows()
        .iter()
        .map(|c| s.quotes[c].quote.change_rate.0)
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    click(&mut s, rate, hdr);
    assert_eq!(s.sort.key, SortKey::ChangeRate);
    assert!(!s.sort.descending);
    let name = column_of(&s, hdr, "종목명");
    click(&mut s, name, hdr);
    assert_eq!(s.sort.key, SortKey::Name);
    assert!(!s.sort.descending);
    let price = column_of(&s, hdr, "현재가");
    click(&mut s, price + 2, hdr);
    assert_eq!(s.sort.key, SortKey::Price);
    assert!(s.sort.descending);
}

/// The status bar says when the rate budget is shared with other hoga processes on the key.
#[test]
fn status_bar_shows_a_shared_budget() {
    let mut s = state();
    s.size = (200, 60);
    update(
        &mut s,
        Msg::Feed(Event::Status(hoga::source::SourceStatus {
            breaker: Some("closed".into()),
            redis_up: Some(true),
            budget_used: 7,
            budget_limit: 18,
            budget_peers: 2,
            cache_hit_rate: Some(0.5),
            ..Default::default()
        })),
    );
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).unwrap();
    term.draw(|f| hoga::tui::view::draw(&s, f.buffer_mut()))
        .unwrap();
    let buf = term.backend().buffer();
    // A wide character's second cell holds nothing of its own.
    let mut last = String::new();
    let mut x = 0u16;
    while x < 200 {
        let sym = buf[(x, 59)].symbol();
        last.push_str(sym);
        x += (unicode_width::UnicodeWidthStr::width(sym) as u16).max(1);
    }
    assert!(last.contains("req 7/18/s 공유 ×2"), "{last}");
    assert!(last.contains("캐시 50%"), "{last}");
    assert!(last.contains("redis 정상"), "{last}");
}

#[test]
fn help_lists_every_action_and_closes() {
    let mut s = state();
    key(&mut s, '?');
    assert_eq!(s.mode, Mode::Help);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 60)).unwrap();
    s.size = (120, 60);
    term.draw(|f| hoga::tui::view::draw(&s, f.buffer_mut()))
        .unwrap();
    let text: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    for a in hoga::tui::action::Action::ALL {
        assert!(text.contains(a.name()), "help misses {}", a.name());
    }
    special(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(s.mode, Mode::Normal);
}

/// The state slot tells the truth: LIVE while KIS answers, cached reads between polls
/// included; one failed poll marks only its pane; STALE (or BREAKER OPEN) only once every
/// kind of data on screen has failed for longer than one poll.
#[test]
fn the_state_slot_is_live_while_kis_answers_and_stale_only_when_everything_fails() {
    use hoga::market::{Env, OrderBook, Quote};
    use hoga::source::SourceKind;
    use hoga::tui::health::{Health, health};
    let mut s = state();
    s.source_kind = SourceKind::Kis(Env::Real);
    let c = s.selected.unwrap();
    let v = s.version;
    let q: Quote = s.quotes[&c].quote.clone();
    let book: OrderBook = fixtures::book(&q, 3, false);
    let t0 = s.now;
    let live = Provenance::Live { env: Env::Real };
    let label = |s: &State| hoga::tui::view::status::source_label(s).0;
    let book_reply = |at, prov| {
        Msg::Feed(Event::Book {
            code: c,
            version: v,
            at,
            reply: Ok(Sourced::new(book.clone(), prov)),
        })
    };
    let quotes_reply = |at, prov| {
        Msg::Feed(Event::Quotes {
            at,
            reply: Ok(vec![Sourced::new(q.clone(), prov)]),
        })
    };
    // A healthy feed: live answers and fresh cache hits alternate; the slot never flickers.
    for i in 0..6 {
        let at = t0 + Duration::seconds(i);
        let prov = if i % 2 == 0 {
            live
        } else {
            Provenance::Cached { fetched_at: at }
        };
        update(&mut s, book_reply(at, prov));
        update(&mut s, quotes_reply(at, prov));
        assert_eq!(label(&s), "실시간 실서버", "reply {i}");
    }
    let fail = |at: chrono::DateTime<chrono::Utc>| Failure {
        message: "HTTP 502 (an HTML error page)".into(),
        next_try: Some(at + Duration::seconds(1)),
        unsupported: false,
    };
    // One failed book poll (an HTML 502): the book is stale, the bar is not.
    let at = t0 + Duration::seconds(7);
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: c,
            version: v,
            at,
            reply: Err(fail(at)),
        }),
    );
    assert!(s.book.is_stale());
    assert_eq!(label(&s), "실시간 실서버");
    // Everything on screen failing, twice in a row: STALE since the newest good data.
    let good = s.chart.data.fetched_at().max(s.info.fetched_at());
    for n in 0..2 {
        let at = t0 + Duration::seconds(8 + n);
        update(
            &mut s,
            Msg::Feed(Event::Book {
                code: c,
                version: v,
                at,
                reply: Err(fail(at)),
            }),
        );
        update(
            &mut s,
            Msg::Feed(Event::Quotes {
                at,
                reply: Err(fail(at)),
            }),
        );
        update(
            &mut s,
            Msg::Feed(Event::Chart {
                code: c,
                period: Interval::Day,
                version: v,
                at,
                reply: Err(fail(at)),
            }),
        );
        update(
            &mut s,
            Msg::Feed(Event::Info {
                code: c,
                version: v,
                at,
                reply: Err(fail(at)),
            }),
        );
    }
    match health(&s) {
        Health::Stale { since } => assert!(since >= good, "{since:?}"),
        other => panic!("{other:?}"),
    }
    assert!(
        label(&s).starts_with("지연 ") && label(&s).ends_with("부터"),
        "{}",
        label(&s)
    );
    // The breaker opens too: the bar says so, with the real countdown.
    let mut st = s.status.clone();
    st.breaker = Some("open".into());
    st.breaker_retry_at = Some(s.now + Duration::seconds(42));
    update(&mut s, Msg::Feed(Event::Status(st)));
    assert_eq!(label(&s), "접속 차단 42s 후 재시도");
    // KIS answers again: LIVE at once.
    let at = t0 + Duration::seconds(20);
    let mut st = s.status.clone();
    st.breaker = Some("closed".into());
    update(&mut s, Msg::Feed(Event::Status(st)));
    update(&mut s, book_reply(at, live));
    assert_eq!(label(&s), "실시간 실서버");
}

/// After the uncross, the closing auction's expected fill leaves the screen: a book or quote
/// fetched after 15:30 that still carries one (a cached copy, a late server) shows none.
#[test]
fn the_expected_fill_is_dropped_once_the_auction_is_over() {
    let mut s = fixtures::state(
        (120, 40),
        Scenario {
            auction: true,
            ..Scenario::default()
        },
    );
    let c = s.selected.unwrap();
    let v = s.version;
    assert!(
        s.book.value.as_ref().and_then(|b| b.expected).is_some(),
        "the pre-open auction shows its expected fill"
    );
    let mut book = s.book.value.clone().unwrap();
    let after_close = fixtures::kst(2026, 11, 25, 15, 33);
    book.as_of = after_close;
    assert!(book.expected.is_some());
    let mut q = s.quotes[&c].quote.clone();
    q.as_of = after_close;
    q.expected = book.expected;
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: c,
            version: v,
            at: after_close,
            reply: Ok(Sourced::new(book, Provenance::Simulated)),
        }),
    );
    update(
        &mut s,
        Msg::Feed(Event::Quote {
            code: c,
            version: v,
            at: after_close,
            reply: Ok(Sourced::new(q, Provenance::Simulated)),
        }),
    );
    assert_eq!(s.book.value.as_ref().and_then(|b| b.expected), None);
    assert_eq!(s.quotes[&c].quote.expected, None);
}

/// After the close the day's values stay fresh in the cache for hours: with KIS down, the
/// panes served from the cache asked nobody, so the rows and info that did ask and keep
/// failing make the bar say STALE.
#[test]
fn with_kis_down_after_the_close_cached_panes_do_not_hide_the_outage() {
    use hoga::market::Env;
    use hoga::source::SourceKind;
    let mut s = state();
    s.source_kind = SourceKind::Kis(Env::Real);
    let c = s.selected.unwrap();
    let v = s.version;
    let q = s.quotes[&c].quote.clone();
    let t0 = s.now;
    let cached = Provenance::Cached { fetched_at: t0 };
    let fail = |at: chrono::DateTime<chrono::Utc>| Failure {
        message: "connection refused".into(),
        next_try: Some(at + Duration::seconds(1)),
        unsupported: false,
    };
    for n in 0..2 {
        let at = t0 + Duration::seconds(n);
        update(
            &mut s,
            Msg::Feed(Event::Book {
                code: c,
                version: v,
                at,
                reply: Ok(Sourced::new(fixtures::book(&q, 1, false), cached)),
            }),
        );
        let candles = s.chart.data.value.clone().unwrap();
        update(
            &mut s,
            Msg::Feed(Event::Chart {
                code: c,
                period: Interval::Day,
                version: v,
                at,
                reply: Ok(Sourced::new(candles, cached)),
            }),
        );
        update(
            &mut s,
            Msg::Feed(Event::Quotes {
                at,
                reply: Err(fail(at)),
            }),
        );
        update(
            &mut s,
            Msg::Feed(Event::Info {
                code: c,
                version: v,
                at,
                reply: Err(fail(at)),
            }),
        );
    }
    let label = hoga::tui::view::status::source_label(&s).0;
    assert!(
        label.starts_with("지연 ") && label.ends_with("부터"),
        "{label}"
    );
}

/// The master files carry no English names: one arriving with a stock-info answer joins the
/// search universe at once, so `samsung` finds the stock that was looked at.
#[test]
fn an_english_name_from_stock_info_joins_the_search() {
    let mut s = state();
    let samsung = code("005930");
    let en = s.listing(samsung).unwrap().name_en.clone().unwrap();
    let mut universe = s.universe.clone();
    for l in &mut universe {
        l.name_en = None;
    }
    let at = s.now;
    update(
        &mut s,
        Msg::Feed(Event::Universe {
            at,
            reply: Ok(Sourced::new(
                universe,
                Provenance::Live {
                    env: hoga::market::Env::Real,
                },
            )),
        }),
    );
    key(&mut s, '/');
    typed(&mut s, "samsung");
    assert!(s.search.results.is_empty(), "no English names yet");
    special(&mut s, KeyCode::Esc, KeyModifiers::NONE);

    let mut info = s.info.value.clone().expect("the fixture's info");
    assert_eq!(info.code, samsung);
    info.name_en = Some(en.clone());
    let version = s.version;
    update(
        &mut s,
        Msg::Feed(Event::Info {
            code: samsung,
            version,
            at,
            reply: Ok(Sourced::new(
                info,
                Provenance::Live {
                    env: hoga::market::Env::Real,
                },
            )),
        }),
    );
    assert_eq!(
        s.listing(samsung).unwrap().name_en.as_deref(),
        Some(en.as_str())
    );
    key(&mut s, '/');
    typed(&mut s, "samsung");
    let first = s.search.results.first().map(|i| s.universe[*i].code);
    assert_eq!(first, Some(samsung));
}

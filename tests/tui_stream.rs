//! The live panes, driven through `update` with the feed's stream events: the tape (newest
//! first, bounded, gaps marked), the book's last price and the rows moving with each trade,
//! streamed rows marked `WS`, the status bar's `WS n/41` and the real reconnect countdown,
//! VI from the status channel, and the `t` key where the tape has no place of its own.
//! Snapshots at 80×24, 120×40 and 200×60.

mod common;
use chrono::Duration;
use common::screen_text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoga::feed::{Event, StreamState};
use hoga::market::{Krw, MarketStatus, Rate, Side, StatusFlags, StockCode, Trade};
use hoga::source::live::{Cause, Channel, Health};
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::msg::Msg;
use hoga::tui::state::{Pane, State, TAPE_ROWS, TapeRow};
use hoga::tui::update::{areas, update};
use hoga::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(state: &State) -> String {
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(state, f.buffer_mut())).unwrap();
    screen_text(term.backend().buffer())
}

fn streaming(size: (u16, u16)) -> State {
    fixtures::state(
        size,
        Scenario {
            streaming: true,
            ..Scenario::default()
        },
    )
}

fn key(s: &mut State, c: char) {
    update(
        s,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

fn trade(code: StockCode, s: &State, price: i64, qty: u64) -> Trade {
    let q = &s.quotes[&code].quote;
    Trade {
        code,
        at: s.now,
        price: Krw(price),
        change: Krw(price - q.prev_close.0),
        change_rate: Rate::of(Krw(price - q.prev_close.0), q.prev_close),
        qty,
        acc_volume: q.volume + qty,
        acc_value: q.value,
        side: Some(Side::Buy),
        strength: None,
    }
}

#[test]
fn each_trade_moves_the_row_the_book_s_last_price_and_tops_the_tape() {
    let mut s = streaming((200, 60));
    let code = s.selected.unwrap();
    let before = s.tape.len();
    assert_eq!(before, 8);
    let price = s.quotes[&code].quote.price.0 + 100;
    let mut t = trade(code, &s, price, 777);
    t.at = s.now + Duration::seconds(5);
    s.dirty = false;
    update(
        &mut s,
        Msg::Feed(Event::Trade {
            at: t.at,
            trade: t.clone(),
        }),
    );
    assert!(s.dirty, "a trade redraws");
    assert_eq!(s.tape.front(), Some(&TapeRow::Trade(t.clone())));
    assert_eq!(s.quotes[&code].quote.price.0, price);
    assert_eq!(
        s.quotes_at,
        Some(t.at),
        "the list is as fresh as its newest trade"
    );
    assert_eq!(s.chart.data.received_at, Some(t.at), "so is the chart");
    assert_eq!(s.book.value.as_ref().unwrap().last, Some(Krw(price)));
    let screen = render(&s);
    assert!(
        screen.contains("777"),
        "the newest trade is on the tape:\n{screen}"
    );
    // Another stock's trade moves its row, not the tape.
    let other = s.rows()[3];
    let op = s.quotes[&other].quote.price.0;
    let t2 = trade(other, &s, op + 50, 5);
    update(
        &mut s,
        Msg::Feed(Event::Trade {
            at: t2.at,
            trade: t2,
        }),
    );
    assert_eq!(s.tape.len(), before + 1);
    assert_eq!(s.quotes[&other].quote.price.0, op + 50);
}

#[test]
fn the_tape_is_bounded_and_cleared_for_another_stock() {
    let mut s = streaming((200, 60));
    let code = s.selected.unwrap();
    let p = s.quotes[&code].quote.price.0;
    for i in 0..(TAPE_ROWS + 100) {
        let t = trade(code, &s, p, i as u64 + 1);
        update(&mut s, Msg::Feed(Event::Trade { at: t.at, trade: t }));
    }
    assert_eq!(s.tape.len(), TAPE_ROWS);
    match s.tape.front() {
        Some(TapeRow::Trade(t)) => assert_eq!(t.qty, (TAPE_ROWS + 100) as u64),
        other => panic!("{other:?}"),
    }
    key(&mut s, 'j');
    assert_ne!(s.selected, Some(code));
    assert!(s.tape.is_empty(), "the tape is the open stock's");
}

#[test]
fn streamed_rows_say_ws_and_the_bar_counts_registrations() {
    let s = streaming((200, 60));
    let screen = render(&s);
    let n = s.stream.as_ref().unwrap().registered.len();
    assert!(screen.contains(&format!("WS {n}/41")), "{screen}");
    let row = screen
        .lines()
        .find(|l| l.contains("000660"))
        .expect("a row");
    assert!(row.contains("WS"), "a streamed row is marked: {row}");
    // A row whose trades are not streamed keeps its age.
    let mut s = s;
    let mut st = s.stream.clone().unwrap();
    let hynix = s.rows()[1];
    st.registered.retain(|p| p.1 != hynix);
    update(&mut s, Msg::Feed(Event::Stream(st)));
    let later = s.now + Duration::seconds(40);
    update(&mut s, Msg::Tick(later));
    let screen = render(&s);
    let row = screen.lines().find(|l| l.contains("000660")).unwrap();
    assert!(row.contains("40s") && !row.contains("WS"), "{row}");
}

#[test]
fn the_reconnect_countdown_is_the_real_one() {
    let mut s = streaming((120, 40));
    let mut st: StreamState = s.stream.clone().unwrap();
    st.health = Health::Reconnecting {
        next_try: s.now + Duration::seconds(4),
        cause: Cause::Connection("closed".into()),
    };
    update(&mut s, Msg::Feed(Event::Stream(st)));
    let t = s.settings.lang.t();
    assert!(render(&s).contains(&format!("{} 4s", t.ws_reconnecting)));
    s.dirty = false;
    let now = s.now;
    update(&mut s, Msg::Tick(now + Duration::seconds(1)));
    assert!(s.dirty, "the countdown redraws");
    assert!(render(&s).contains(&format!("{} 3s", t.ws_reconnecting)));
    update(&mut s, Msg::Tick(now + Duration::seconds(5)));
    assert!(render(&s).contains(&format!("{}…", t.ws_reconnecting)));
    // In English too.
    let mut en = s.clone();
    en.settings.lang = hoga::tui::lang::Lang::En;
    assert!(render(&en).contains("WS reconnecting…"));
    // While it is down, no row is marked streamed and the tape says it waits.
    let screen = render(&s);
    let row = screen.lines().find(|l| l.contains("000660")).unwrap();
    assert!(!row.contains("WS"), "{row}");
}

#[test]
fn a_gap_is_a_row_on_the_tape_and_a_notice() {
    let mut s = streaming((200, 60));
    let code = s.selected.unwrap();
    let (from, to) = (s.now - Duration::seconds(9), s.now - Duration::seconds(2));
    update(
        &mut s,
        Msg::Feed(Event::Gap {
            codes: vec![code],
            from,
            to,
        }),
    );
    assert_eq!(s.tape.front(), Some(&TapeRow::Gap { from, to }));
    let screen = render(&s);
    assert!(screen.contains("끊김"), "{screen}");
    assert!(screen.contains("스트림 끊김"), "the notice: {screen}");
    let mut en = s.clone();
    en.settings.lang = hoga::tui::lang::Lang::En;
    en.notice = None;
    update(
        &mut en,
        Msg::Feed(Event::Gap {
            codes: vec![code],
            from,
            to,
        }),
    );
    let screen = render(&en);
    assert!(screen.contains("── gap "), "{screen}");
    assert!(screen.contains("stream was down"), "{screen}");
}

#[test]
fn vi_from_the_status_channel_marks_the_row_at_once() {
    let mut s = streaming((200, 60));
    let code = s.rows()[2];
    let now = s.now;
    update(
        &mut s,
        Msg::Feed(Event::MarketStatus {
            at: now,
            status: MarketStatus {
                code,
                flags: StatusFlags {
                    vi: true,
                    ..StatusFlags::default()
                },
                halt_reason: None,
            },
        }),
    );
    assert!(s.quotes[&code].quote.flags.vi);
    let screen = render(&s);
    let row = screen.lines().find(|l| l.contains(code.as_str())).unwrap();
    assert!(row.contains("VI"), "{row}");
}

#[test]
fn t_shows_the_tape_where_it_has_no_place_and_t_again_hides_it() {
    let mut s = streaming((120, 40));
    assert!(areas(&s).tape.is_none());
    key(&mut s, 't');
    let a = areas(&s);
    assert!(a.tape.is_some() && a.chart.is_some() && a.book.is_some());
    key(&mut s, 't');
    assert!(areas(&s).tape.is_none() && areas(&s).info.is_some());
    // 80×24: the middle pane; 50 columns: the whole screen.
    let mut s = streaming((80, 24));
    key(&mut s, 't');
    assert!(areas(&s).tape.is_some() && areas(&s).book.is_some());
    let mut s = streaming((50, 20));
    key(&mut s, 't');
    assert_eq!(s.focus, Pane::Tape);
    assert!(areas(&s).tape.is_some());
}

#[test]
fn no_number_on_the_tape_is_cut_at_any_width() {
    let mut s = streaming((80, 24));
    key(&mut s, 't');
    let code = s.selected.unwrap();
    let t = trade(code, &s, 1_234_000, 1_250_000);
    update(&mut s, Msg::Feed(Event::Trade { at: t.at, trade: t }));
    for w in [64u16, 76, 80, 90, 100, 120] {
        update(&mut s, Msg::Resize(w, 24));
        let screen = render(&s);
        let Some(r) = areas(&s).tape else { continue };
        let row = screen.lines().nth(r.y as usize + 1).unwrap();
        assert!(
            row.contains("1,234,000") && row.contains("1.3M"),
            "{w}: {row}"
        );
    }
}

#[test]
fn screen_200x60_streaming() {
    insta::assert_snapshot!(render(&streaming((200, 60))));
}

#[test]
fn screen_120x40_streaming_tape() {
    let mut s = streaming((120, 40));
    key(&mut s, 't');
    insta::assert_snapshot!(render(&s));
}

#[test]
fn screen_80x24_streaming_tape() {
    let mut s = streaming((80, 24));
    key(&mut s, 't');
    insta::assert_snapshot!(render(&s));
}

#[test]
fn streamed_channels_are_counted_by_pair() {
    let s = streaming((200, 60));
    let st = s.stream.as_ref().unwrap();
    let code = s.selected.unwrap();
    assert!(st.streams(Channel::Trades, code) && st.streams(Channel::Book, code));
}

#[test]
fn the_expected_fill_moves_with_the_stream_during_an_auction() {
    use hoga::market::{ExpectedFill, ExpectedUpdate};
    let mut s = fixtures::state(
        (120, 40),
        Scenario {
            auction: true,
            streaming: true,
            ..Scenario::default()
        },
    );
    let code = s.selected.unwrap();
    let before = s.book.value.as_ref().unwrap().expected;
    assert!(
        before.is_some(),
        "the REST book has an expected fill in the auction"
    );
    let fill = ExpectedFill {
        price: Krw(71_300),
        volume: 123_456,
        change: Krw(1_300),
        change_rate: Rate(186),
    };
    s.dirty = false;
    let now = s.now;
    update(
        &mut s,
        Msg::Feed(Event::Expected {
            at: now,
            update: ExpectedUpdate {
                code,
                at: now,
                fill,
            },
        }),
    );
    assert!(s.dirty);
    assert_eq!(s.book.value.as_ref().unwrap().expected, Some(fill));
    assert!(render(&s).contains("71,300"), "{}", render(&s));
    // Another stock's expected fill leaves the open one's alone.
    let other = s.rows()[1];
    let again = s.book.value.clone();
    update(
        &mut s,
        Msg::Feed(Event::Expected {
            at: now,
            update: ExpectedUpdate {
                code: other,
                at: now,
                fill: ExpectedFill {
                    price: Krw(1),
                    volume: 1,
                    change: Krw(0),
                    change_rate: Rate(0),
                },
            },
        }),
    );
    assert_eq!(s.book.value, again);
}

//! Whole-screen snapshots (ratatui `TestBackend` + insta) at 80×24, 120×40 and 200×60 with
//! Hangul names, a halted stock, an open breaker and an auction; plus the candlestick widget on
//! known data and a property test that drawing never panics at any size.

mod common;
use common::screen_text;
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::state::State;
use hoga::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(state: &State) -> String {
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(state, f.buffer_mut())).unwrap();
    screen_text(term.backend().buffer())
}

fn shot(size: (u16, u16), sc: Scenario) -> String {
    render(&fixtures::state(size, sc))
}

#[test]
fn screen_80x24() {
    insta::assert_snapshot!(shot((80, 24), Scenario::default()));
}

/// One pane at a time: the status bar names the others.
#[test]
fn screen_40x15() {
    insta::assert_snapshot!(shot((40, 15), Scenario::default()));
}

#[test]
fn screen_120x40() {
    insta::assert_snapshot!(shot((120, 40), Scenario::default()));
}

#[test]
fn screen_200x60_forty_rows() {
    insta::assert_snapshot!(shot(
        (200, 60),
        Scenario {
            rows: 40,
            universe: 60,
            ..Scenario::default()
        }
    ));
}

#[test]
fn halted_stock_120x40() {
    let s = shot(
        (120, 40),
        Scenario {
            halted: true,
            ..Scenario::default()
        },
    );
    assert!(s.contains("거래정지"), "{s}");
    assert!(s.contains("정지"));
    insta::assert_snapshot!(s);
}

#[test]
fn breaker_open_200x60() {
    let s = shot(
        (200, 60),
        Scenario {
            breaker_open: true,
            ..Scenario::default()
        },
    );
    assert!(s.contains("BREAKER OPEN retry in 42s"), "{s}");
    assert!(s.contains("STALE"), "{s}");
    assert!(s.contains("redis DOWN"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn auction_120x40() {
    let s = shot(
        (120, 40),
        Scenario {
            auction: true,
            ..Scenario::default()
        },
    );
    assert!(s.contains("예상체결"), "{s}");
    assert!(s.contains("pre-open auction"), "{s}");
    insta::assert_snapshot!(s);
}

/// Numbers on screen that were cut: a run of digits, separators or signs right before the `…`
/// that marks a truncation (`1,001,0…`, `-101.…`, `▼1,3…`). A letter before the run is a cut
/// label (`MA1…`), not a number.
fn cut_numbers(screen: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in screen.lines() {
        let chars: Vec<char> = line.chars().collect();
        for (i, ch) in chars.iter().enumerate() {
            if *ch != '…' {
                continue;
            }
            let mut j = i;
            while j > 0 && "0123456789,.+-▲▼%".contains(chars[j - 1]) {
                j -= 1;
            }
            let run: String = chars[j..i].iter().collect();
            let numeric = run
                .chars()
                .any(|c| c.is_ascii_digit() || c == '▲' || c == '▼');
            let after_letter = j > 0 && chars[j - 1].is_alphabetic() && !is_hangul(chars[j - 1]);
            if numeric && !after_letter {
                out.push(format!("{run}… in {line:?}"));
            }
        }
    }
    out
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

fn status_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

/// 삼성바이오로직스 at 1,012,000 (▲30,000): the watchlist, every book level, the last-price
/// line, the chart and the info pane show the prices whole.
#[test]
fn prices_above_a_million_are_never_cut() {
    let sc = Scenario {
        open: Some("207940"),
        ..Scenario::default()
    };
    for size in [
        (200, 60),
        (120, 40),
        (100, 30),
        (80, 24),
        (64, 20),
        (40, 15),
    ] {
        let s = shot(size, sc);
        assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{size:?}\n{s}");
        assert!(s.contains("1,012,000"), "{size:?}\n{s}");
    }
    let s = shot((120, 40), sc);
    // The watchlist row, the ▸ level and the 현재 line.
    let row = s.lines().find(|l| l.starts_with("┃삼성바이")).unwrap();
    assert!(
        row.contains("1,012,000") && row.contains("▲30,000"),
        "{row}"
    );
    assert!(s.lines().any(|l| l.contains("▸ 1,012,000")), "{s}");
    assert!(s.contains("현재 1,012,000 ▲30,000"), "{s}");
    // All 20 levels: ten asks from 1,012,000 up, ten bids from 1,011,000 down.
    for p in ["1,021,000", "1,002,000"] {
        assert!(s.contains(p), "{p}\n{s}");
    }
    insta::assert_snapshot!(s);
}

/// Book quantity changes of 100K shares and more in compact units, whole.
#[test]
fn book_changes_above_100k_are_compact_and_whole() {
    let s = shot(
        (120, 40),
        Scenario {
            big_book_changes: true,
            ..Scenario::default()
        },
    );
    assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{s}");
    assert!(s.contains("+101.6K"), "{s}");
    assert!(s.contains("-1.2M"), "{s}");
}

/// The chart's cursor line keeps every value: open, high, low, close, change and volume.
#[test]
fn chart_cursor_line_keeps_every_value() {
    for size in [(120, 40), (80, 24), (200, 60)] {
        let st = fixtures::state(size, Scenario::default());
        let s = render(&st);
        let c = *st.chart.data.value.as_ref().unwrap().last().unwrap();
        assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{size:?}\n{s}");
        for v in [c.open, c.high, c.low, c.close] {
            assert!(s.contains(&v.grouped()), "{v:?} at {size:?}\n{s}");
        }
        let candles = st.chart.data.value.as_ref().unwrap();
        let prev = candles[candles.len() - 2].close;
        let rate = view::fmt_rate(hoga::market::Rate::of(c.close - prev, prev));
        assert!(s.contains(&rate), "{rate} at {size:?}\n{s}");
        assert!(
            s.contains(&hoga::tui::widgets::text::compact(c.volume)),
            "{size:?}\n{s}"
        );
    }
}

/// At 80×24 the book is on screen beside the watchlist; the status bar says which panes exist
/// and which is focused, and keeps `? help`. At 40×15 (one pane) the same hint.
#[test]
fn small_screens_show_the_book_and_say_which_panes_exist() {
    let s = shot((80, 24), Scenario::default());
    assert!(s.lines().next().unwrap().contains("호가"), "{s}");
    assert!(s.contains("▸ 66,600"), "{s}");
    let status = status_line(&s);
    assert!(status.contains("? help"), "{status}");
    assert!(status.contains("[목록|차트|호가|정보]"), "{status}");
    let s = shot((40, 15), Scenario::default());
    let status = status_line(&s);
    assert!(status.contains("? help"), "{status}");
    assert!(status.contains("[목록|차트|호가|정보]"), "{status}");
}

/// Which pane the strip marks focused, and which it dims as hidden, from the buffer's styles.
#[test]
fn pane_strip_marks_the_focused_pane_and_dims_hidden_ones() {
    let st = fixtures::state((80, 24), Scenario::default());
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| view::draw(&st, f.buffer_mut())).unwrap();
    let buf = term.backend().buffer();
    let y = 23;
    let start = (0..79)
        .find(|x| buf[(*x, y)].symbol() == "[" && buf[(*x + 1, y)].symbol() == "목")
        .expect("the pane strip");
    let cell_of = |word: &str| {
        let first = word.chars().next().unwrap().to_string();
        (start..80)
            .find(|x| buf[(*x, y)].symbol() == first)
            .unwrap_or_else(|| panic!("{word} not in the strip"))
    };
    let theme = st.settings.theme;
    // The watchlist is focused: reversed; the info pane is hidden at 80×24: dim.
    assert!(
        buf[(cell_of("목록"), y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
    assert_eq!(buf[(cell_of("정보"), y)].fg, theme.dim);
    assert_ne!(buf[(cell_of("호가"), y)].fg, theme.dim);
}

#[test]
fn too_small_says_so() {
    let s = shot((30, 8), Scenario::default());
    assert!(s.contains("enlarge the terminal"), "{s}");
}

mod numbers_fit {
    use super::*;
    use hoga::market::tick::round_down;
    use hoga::market::{Krw, group_thousands};
    use hoga::tui::layout;
    use hoga::tui::view::fmt_change;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]
        /// Any size and any price up to 9,999,999 with a change within the ±30% limits: no
        /// number is cut anywhere, and the open stock's price and change are on screen whole
        /// wherever the watchlist is.
        #[test]
        fn no_number_is_ever_cut(w in 40u16..=300, h in 10u16..=100, price in 1_000i64..=9_999_999, pct in -30i64..=30) {
            let price = round_down(Krw(price)).0;
            let change = price * pct / (100 + pct);
            let st = fixtures::state((w, h), Scenario { price: Some((price, change)), ..Scenario::default() });
            let s = render(&st);
            prop_assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{}x{}\n{}", w, h, s);
            let a = layout::areas(ratatui::layout::Rect::new(0, 0, w, h), st.focus, st.side);
            if a.watchlist.is_some_and(|r| r.height >= 4) {
                let row = s.lines().nth(2).unwrap_or("");
                prop_assert!(row.contains(&group_thousands(price)), "{}x{}\n{}", w, h, s);
                if a.watchlist.is_some_and(|r| r.width >= 40) {
                    let q = &st.quotes[&st.selected.unwrap()].quote;
                    prop_assert!(row.contains(&fmt_change(q.change)), "{}x{}\n{}", w, h, s);
                }
            }
        }
    }
}

mod never_panics {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use hoga::tui::msg::Msg;
    use hoga::tui::update::update;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        /// Any size from 1×1 to 300×100, in every mode and scenario, with the cursor anywhere.
        #[test]
        fn drawing_never_panics(w in 1u16..=300, h in 1u16..=100, mode in 0u8..4, sc in 0u8..4, moves in 0usize..30) {
            let scenario = match sc {
                0 => Scenario::default(),
                1 => Scenario { halted: true, ..Scenario::default() },
                2 => Scenario { breaker_open: true, ..Scenario::default() },
                _ => Scenario { auction: true, rows: 40, universe: 60, candles: 3, ..Scenario::default() },
            };
            let mut s = fixtures::state((w, h), scenario);
            for _ in 0..moves {
                update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('h'), KeyModifiers::NONE)));
                update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
            }
            match mode {
                1 => {
                    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)));
                    for c in "ㅅㅅ".chars() {
                        update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
                    }
                }
                2 => {
                    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)));
                }
                3 => {
                    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
                    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('+'), KeyModifiers::NONE)));
                }
                _ => {}
            }
            let _ = render(&s);
        }
    }

    #[test]
    fn every_small_size_draws() {
        for w in 1..=45u16 {
            for h in 1..=14u16 {
                let _ = render(&fixtures::state((w, h), Scenario::default()));
            }
        }
    }
}

//! Whole-screen snapshots (ratatui `TestBackend` + insta) at 80×24, 120×40 and 200×60 with
//! Hangul names, a halted stock, an open breaker and an auction; plus the candlestick widget on
//! known data and a property test that drawing never panics at any size.

use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::state::State;
use hoga::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

/// The screen as text: one line per row, wide characters once (their spacer cell skipped).
fn screen_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        let mut line = String::new();
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            x += UnicodeWidthStr::width(sym).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

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

#[test]
fn too_small_says_so() {
    let s = shot((30, 8), Scenario::default());
    assert!(s.contains("enlarge the terminal"), "{s}");
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

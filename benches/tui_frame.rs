//! Frame cost: a full 200×60 screen (40 watchlist rows, 10-level book, 200 candles, info pane)
//! built into a buffer, the same through ratatui's diffing `Terminal`, and keypress → finished
//! frame (`update` + draw). Targets: frame < 1 ms, keypress → frame < 16 ms.
//!
//! Run: `cargo bench --bench tui_frame`

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::msg::Msg;
use hoga::tui::update::update;
use hoga::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;

fn scenario() -> Scenario {
    Scenario {
        rows: 40,
        universe: 2_500,
        candles: 200,
        ..Scenario::default()
    }
}

fn frame(c: &mut Criterion) {
    let state = fixtures::state((200, 60), scenario());
    let mut buf = Buffer::empty(Rect::new(0, 0, 200, 60));
    c.bench_function("frame_200x60_build", |b| {
        b.iter(|| {
            buf.reset();
            view::draw(black_box(&state), &mut buf);
        })
    });

    // The chart pane alone (candles, volume, averages, axes) at its 200×60 size.
    let chart = hoga::tui::layout::areas(Rect::new(0, 0, 200, 60), state.focus, state.side)
        .chart
        .unwrap_or_else(|| panic!("no chart pane at 200x60"));
    c.bench_function("chart_pane_200x60", |b| {
        b.iter(|| {
            buf.reset();
            view::chart::draw(black_box(&state), chart, &mut buf);
        })
    });
    // Other panes of the same screen, for comparing the chart's cost as a ratio on a noisy
    // machine: the 10-level book and the 40-row watchlist.
    let areas = hoga::tui::layout::areas(Rect::new(0, 0, 200, 60), state.focus, state.side);
    let book = areas
        .book
        .unwrap_or_else(|| panic!("no book pane at 200x60"));
    c.bench_function("book_pane_200x60", |b| {
        b.iter(|| {
            buf.reset();
            view::book::draw(black_box(&state), book, &mut buf);
        })
    });
    let list = areas
        .watchlist
        .unwrap_or_else(|| panic!("no watchlist pane at 200x60"));
    c.bench_function("watchlist_pane_200x60", |b| {
        b.iter(|| {
            buf.reset();
            view::watchlist::draw(black_box(&state), list, &mut buf);
        })
    });
    // The same at two columns a candle (the zoom daily charts used to open at): half the
    // candles of the default one column each.
    let mut wide = state.clone();
    wide.chart.set_stride(2);
    c.bench_function("chart_pane_200x60_two_columns", |b| {
        b.iter(|| {
            buf.reset();
            view::chart::draw(black_box(&wide), chart, &mut buf);
        })
    });

    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("frame_200x60_terminal_draw", |b| {
        b.iter(|| {
            term.draw(|f| view::draw(black_box(&state), f.buffer_mut()))
                .map(|_| ())
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });

    // Keypress → frame: move the watchlist cursor (opens another stock, new interest) and draw.
    let mut state = fixtures::state((200, 60), scenario());
    let mut down = true;
    c.bench_function("keypress_to_frame_200x60", |b| {
        b.iter(|| {
            let code = if down { 'j' } else { 'k' };
            down = !down;
            let cmds = update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Char(code), KeyModifiers::NONE)),
            );
            black_box(cmds);
            term.draw(|f| view::draw(&state, f.buffer_mut()))
                .map(|_| ())
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });

    // A search keystroke over the 2,500-stock universe, then the frame.
    let mut state = fixtures::state((200, 60), scenario());
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    c.bench_function("search_keystroke_to_frame_2500", |b| {
        b.iter(|| {
            update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Char('ㅅ'), KeyModifiers::NONE)),
            );
            update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            );
            term.draw(|f| view::draw(&state, f.buffer_mut()))
                .map(|_| ())
                .unwrap_or_else(|e| panic!("{e}"));
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(60).measurement_time(std::time::Duration::from_secs(3));
    targets = frame
}
criterion_main!(benches);

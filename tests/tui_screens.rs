//! Whole-screen snapshots (ratatui `TestBackend` + insta) at 80×24, 120×40 and 200×60 with
//! Hangul names, a halted stock, an open breaker and an auction; plus the candlestick widget on
//! known data and a property test that drawing never panics at any size.

mod common;
use common::screen_text;
use hoga::market::{RankKind, RankMarket};
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::lang::Lang;
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

/// `[ui] lang = "en"`: the same screens in English.
fn shot_en(size: (u16, u16), sc: Scenario) -> String {
    let mut s = fixtures::state(size, sc);
    s.settings.lang = Lang::En;
    render(&s)
}

fn help(size: (u16, u16), lang: Lang) -> String {
    let mut s = fixtures::state(size, Scenario::default());
    s.settings.lang = lang;
    s.mode = hoga::tui::state::Mode::Help;
    render(&s)
}

/// Hangul that is no stock or list name: what the UI itself says in Korean.
fn ui_hangul(screen: &str) -> Vec<String> {
    let names: Vec<String> = fixtures::universe(60)
        .into_iter()
        .map(|l| l.name)
        // The lists' names and the sectors KIS names (data, not the UI's words).
        .chain(["대형주", "코스닥", "전기·전자", "제약"].map(String::from))
        .collect();
    // A run of Hangul inside a name (also one cut short with `…`) is that name.
    screen
        .split(|c: char| !is_hangul(c))
        .filter(|w| !w.is_empty() && !names.iter().any(|n| n.contains(w)))
        .map(String::from)
        .collect()
}

#[test]
fn screen_80x24_en() {
    let s = shot_en((80, 24), Scenario::default());
    assert!(s.contains("continuous"), "{s}");
    assert!(s.contains("? help"), "{s}");
    // Only the stocks' and lists' names stay Korean (and the search box's 초성, not shown).
    assert_eq!(ui_hangul(&s), Vec::<String>::new(), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn screen_120x40_en() {
    let s = shot_en((120, 40), Scenario::default());
    assert!(s.contains("Watchlist 대형주"), "{s}");
    assert!(s.contains("continuous"), "{s}");
    assert_eq!(ui_hangul(&s), Vec::<String>::new(), "{s}");
    insta::assert_snapshot!(s);
}

/// The default language is Korean everywhere: sessions, ages, the key hint.
#[test]
fn screen_120x40_is_korean_by_default() {
    let s = shot((120, 40), Scenario::default());
    let status = status_line(&s);
    assert!(status.contains("장중"), "{status}");
    assert!(status.contains("시세 0s"), "{status}");
    assert!(status.contains("? 도움말"), "{status}");
    for english in ["continuous", "quotes", "help", "search", "quit"] {
        assert!(!status.contains(english), "{english}: {status}");
    }
}

#[test]
fn help_120x40_ko() {
    let s = help((120, 40), Lang::Ko);
    assert!(s.contains("도움말"), "{s}");
    assert!(s.contains("hoga 종료"), "{s}");
    assert!(!s.contains("quit hoga"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn help_120x40_en() {
    let s = help((120, 40), Lang::En);
    assert!(s.contains("quit hoga"), "{s}");
    assert_eq!(ui_hangul(&s), vec!["초성".to_string()], "{s}");
    insta::assert_snapshot!(s);
}

fn rankings(
    size: (u16, u16),
    lang: Lang,
    kind: RankKind,
    market: RankMarket,
    served: bool,
) -> String {
    let mut s = fixtures::state(size, Scenario::default());
    s.settings.lang = lang;
    fixtures::with_rankings(&mut s, kind, market, served);
    render(&s)
}

/// The rankings view in place of the watchlist and chart, the book beside it, at 80×24 (the
/// change, volume and value columns drop out whole) and 200×60 (every column), both languages.
#[test]
fn rankings_80x24_ko() {
    let s = rankings((80, 24), Lang::Ko, RankKind::Volume, RankMarket::All, true);
    assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn rankings_80x24_en() {
    let s = rankings(
        (80, 24),
        Lang::En,
        RankKind::Gainers,
        RankMarket::Kospi,
        true,
    );
    assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{s}");
    assert_eq!(
        ui_hangul(&s),
        Vec::<String>::new(),
        "Korean left in the English screen:\n{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn rankings_200x60_ko() {
    let s = rankings((200, 60), Lang::Ko, RankKind::Value, RankMarket::All, true);
    assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{s}");
    // All thirty rows, in rank order.
    let ranks: Vec<u32> = s
        .lines()
        .filter_map(|l| l.strip_prefix('┃'))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(ranks, (1..=30).collect::<Vec<_>>(), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn rankings_200x60_en() {
    let s = rankings(
        (200, 60),
        Lang::En,
        RankKind::Losers,
        RankMarket::Kosdaq,
        true,
    );
    assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{s}");
    assert_eq!(
        ui_hangul(&s),
        Vec::<String>::new(),
        "Korean left in the English screen:\n{s}"
    );
    insta::assert_snapshot!(s);
}

/// The virtual server serves no rankings: the view says so, in both languages.
#[test]
fn rankings_on_the_virtual_server_say_real_only() {
    let ko = rankings(
        (120, 40),
        Lang::Ko,
        RankKind::Volume,
        RankMarket::All,
        false,
    );
    assert!(ko.contains("실전 서버만"), "{ko}");
    let en = rankings((80, 24), Lang::En, RankKind::Volume, RankMarket::All, false);
    assert!(en.contains("real KIS server only"), "{en}");
    insta::assert_snapshot!(ko);
}

/// The info pane with today's VI and the investor flows (개인 / 외국인 / 기관, newest day
/// first, marked as published after the close), in the middle pane at 80×24.
fn info_80x24(lang: Lang) -> String {
    let mut s = fixtures::state((80, 24), Scenario::default());
    s.settings.lang = lang;
    s.side = hoga::tui::state::Pane::Info;
    render(&s)
}

#[test]
fn info_flows_80x24_ko() {
    let s = info_80x24(Lang::Ko);
    assert!(
        s.contains("장 마감 후 집계") && s.contains("외국인") && s.contains("VI 해제"),
        "{s}"
    );
    assert_eq!(cut_numbers(&s), Vec::<String>::new(), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn info_flows_80x24_en() {
    let s = info_80x24(Lang::En);
    assert!(
        s.contains("published after the close") && s.contains("Foreign"),
        "{s}"
    );
    assert_eq!(
        ui_hangul(&s),
        Vec::<String>::new(),
        "Korean left in the English screen:\n{s}"
    );
    insta::assert_snapshot!(s);
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
    assert!(s.contains("접속 차단 42s 후 재시도"), "{s}");
    assert!(s.contains("지연"), "{s}");
    assert!(s.contains("redis 중단"), "{s}");
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
    assert!(s.contains("장전 동시호가"), "{s}");
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
    // Under the index strip, the panes' top row: the book is there.
    assert!(s.lines().next().unwrap().contains("KOSPI"), "{s}");
    assert!(s.lines().nth(1).unwrap().contains("호가"), "{s}");
    assert!(s.contains("▸ 66,600"), "{s}");
    let status = status_line(&s);
    assert!(status.contains("? 도움말"), "{status}");
    assert!(status.contains("[목록|차트|호가|정보]"), "{status}");
    // At 40 columns the names shrink to their first syllable rather than drop out.
    let s = shot((40, 15), Scenario::default());
    let status = status_line(&s);
    assert!(status.contains("? 도움말"), "{status}");
    assert!(status.contains("[목|차|호|정]"), "{status}");
    let mut en = fixtures::state((40, 15), Scenario::default());
    en.settings.lang = Lang::En;
    let s = render(&en);
    let status = status_line(&s);
    assert!(status.contains("? help"), "{status}");
    assert!(
        status.contains("[List|Chart|Book|Info]") || status.contains("[L|C|B|I]"),
        "{status}"
    );
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
    assert!(s.contains("터미널을 키우세요"), "{s}");
}

/// The chart pane alone, as text: its snapshots change only with the chart.
fn chart_pane(state: &State) -> String {
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(state, f.buffer_mut())).unwrap();
    let area = hoga::tui::layout::areas(
        ratatui::layout::Rect::new(0, 0, w, h),
        state.focus,
        state.side,
    )
    .chart
    .expect("a chart pane");
    let buf = term.backend().buffer();
    (area.top()..area.bottom())
        .map(|y| {
            let mut line = String::new();
            let mut x = area.left();
            while x < area.right() {
                let sym = buf[(x, y)].symbol();
                line.push_str(sym);
                x += (unicode_width::UnicodeWidthStr::width(sym) as u16).max(1);
            }
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A state showing `candles` of `interval` for the open stock.
fn with_chart(
    size: (u16, u16),
    interval: hoga::market::Interval,
    candles: Vec<hoga::market::Candle>,
) -> State {
    use hoga::feed::Event;
    use hoga::source::Sourced;
    use hoga::tui::msg::Msg;
    use hoga::tui::update::update;
    let mut st = fixtures::state(size, Scenario::default());
    st.chart.period = interval;
    st.chart.data = Default::default();
    let code = st.selected.unwrap();
    let version = st.version;
    update(
        &mut st,
        Msg::Feed(Event::Chart {
            code,
            period: interval,
            version,
            at: fixtures::now(),
            reply: Ok(Sourced::new(candles, hoga::market::Provenance::Simulated)),
        }),
    );
    st
}

/// The won labels of the chart's price axis, top to bottom: the dim words with a thousands
/// separator (the cursor line is in the candle's colour, the last price reversed).
fn axis_labels(state: &State) -> Vec<i64> {
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(state, f.buffer_mut())).unwrap();
    let area = hoga::tui::layout::areas(
        ratatui::layout::Rect::new(0, 0, w, h),
        state.focus,
        state.side,
    )
    .chart
    .unwrap();
    let buf = term.backend().buffer();
    let dim = state.settings.theme.dim;
    let mut out = Vec::new();
    for y in area.top() + 1..area.bottom() - 1 {
        let mut word = String::new();
        // Inside the border; the blank after the last cell ends the last word.
        for x in area.left() + 1..area.right() {
            let c = &buf[(x, y)];
            let axis = c.fg == dim && !c.modifier.contains(ratatui::style::Modifier::REVERSED);
            if x + 1 < area.right() && axis && c.symbol() != " " {
                word.push_str(c.symbol());
                continue;
            }
            if word.contains(',')
                && let Ok(v) = word.replace(',', "").parse::<i64>()
            {
                out.push(v);
            }
            word.clear();
        }
    }
    out
}

/// Months of daily bars: one column per candle, MA lines that can be followed, which MAs are
/// on, and an axis on round prices.
#[test]
fn chart_pane_daily_120x40() {
    let st = fixtures::state((120, 40), Scenario::default());
    let pane = chart_pane(&st);
    assert!(pane.contains("●MA5 ●MA20 ○MA60 ○MA120"), "{pane}");
    assert!(
        pane.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)),
        "MA lines in braille\n{pane}"
    );
    let area =
        hoga::tui::layout::areas(ratatui::layout::Rect::new(0, 0, 120, 40), st.focus, st.side)
            .chart
            .unwrap();
    assert!(view::chart::capacity(&st, area) >= 28, "{pane}");
    insta::assert_snapshot!(pane);
}

#[test]
fn chart_pane_daily_200x60() {
    let st = fixtures::state((200, 60), Scenario::default());
    let area =
        hoga::tui::layout::areas(ratatui::layout::Rect::new(0, 0, 200, 60), st.focus, st.side)
            .chart
            .unwrap();
    assert!(
        view::chart::capacity(&st, area) >= 60,
        "an HTS shows 60–120 daily bars"
    );
    insta::assert_snapshot!(chart_pane(&st));
}

#[test]
fn chart_pane_80x24() {
    let st = fixtures::state((80, 24), Scenario::default());
    let pane = chart_pane(&st);
    assert!(pane.contains("MA●●○○") || pane.contains("●MA5"), "{pane}");
    insta::assert_snapshot!(pane);
}

/// Axis labels sit on the tick grid at one round step (65,000 / 66,000, not 66,472).
#[test]
fn axis_labels_are_round_steps_on_the_tick_grid() {
    for size in [(120, 40), (80, 24), (200, 60)] {
        let st = fixtures::state(size, Scenario::default());
        let labels = axis_labels(&st);
        assert!(
            labels.len() >= 2,
            "{size:?} {labels:?}\n{}",
            chart_pane(&st)
        );
        let steps: Vec<i64> = labels.windows(2).map(|w| w[0] - w[1]).collect();
        let step = steps.iter().copied().min().unwrap();
        let mut base = step;
        while base % 10 == 0 {
            base /= 10;
        }
        assert!([1, 2, 5].contains(&base), "{size:?} step {step} {labels:?}");
        for (l, s) in labels.iter().zip(&steps) {
            assert_eq!(l % step, 0, "{size:?} {labels:?}");
            assert_eq!(s % step, 0, "{size:?} {labels:?}");
            assert_eq!(l % hoga::market::tick_size(hoga::market::Krw(*l)), 0);
        }
    }
}

/// A weekly candle (dated by KIS by its last trading day) is read by its week's first.
#[test]
fn weekly_candles_are_labelled_by_their_first_trading_day() {
    use hoga::market::{Interval, Period};
    let friday = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let candles = fixtures::candles(60, Period::Week, 66_000, 5, friday);
    let st = with_chart((120, 40), Interval::Week, candles);
    let pane = chart_pane(&st);
    assert!(
        pane.contains("2026-11-16"),
        "the newest week began Monday 11/16\n{pane}"
    );
    assert!(!pane.contains("2026-11-20"), "{pane}");
    assert!(pane.contains("주봉"), "{pane}");
    insta::assert_snapshot!(pane);
}

/// When the view spans years the axis says which: the first label and the first of each year.
#[test]
fn the_axis_shows_the_year_when_the_view_spans_years() {
    use hoga::market::{Interval, Period};
    let end = chrono::NaiveDate::from_ymd_opt(2026, 1, 20).unwrap();
    let candles = fixtures::candles(80, Period::Day, 66_000, 5, end);
    let st = with_chart((200, 60), Interval::Day, candles);
    let pane = chart_pane(&st);
    let axis = pane.lines().rev().nth(1).unwrap();
    assert!(axis.contains("2025/"), "{axis}\n{pane}");
    assert!(axis.contains("2026/01/"), "{axis}\n{pane}");
    // Within one year, month and day only.
    let st = fixtures::state((200, 60), Scenario::default());
    let pane = chart_pane(&st);
    let axis = pane.lines().rev().nth(1).unwrap();
    assert!(!axis.contains("2026/"), "{axis}");
    assert!(axis.contains("/"), "{axis}");
}

/// A 5-minute chart: the header strip shows the minutes around it, the axis the times.
#[test]
fn chart_pane_five_minutes_120x40() {
    use hoga::market::Interval;
    use hoga::market::interval::aggregate_minutes;
    let day = fixtures::now().date_naive();
    let minutes = fixtures::candles(75, hoga::market::Period::Minute, 66_000, 4, day);
    let five = aggregate_minutes(&minutes, Interval::Min5, hoga::market::Calendar::krx());
    assert_eq!(five.len(), 15);
    let st = with_chart((120, 40), Interval::Min5, five);
    let pane = chart_pane(&st);
    assert!(pane.contains("5분봉"), "{pane}");
    // 09:00 + 75 minutes, then the live quote at 10:15 opens the forming bucket.
    assert!(pane.contains("11/25 10:15"), "{pane}");
    insta::assert_snapshot!(pane);
}

/// The minute chart holds the previous session before today's: the axis marks where the new
/// day begins by its date, and the cursor says the day of its bar.
#[test]
fn minutes_across_two_sessions_mark_the_new_day() {
    use hoga::market::Interval;
    let day = fixtures::now().date_naive();
    let prev = hoga::market::Calendar::krx().prev_trading_day(day);
    let mut bars = fixtures::candles(40, hoga::market::Period::Minute, 66_000, 4, prev);
    for b in &mut bars {
        b.time = b.time.map(|t| t + chrono::Duration::minutes(350));
    }
    bars.extend(fixtures::candles(
        6,
        hoga::market::Period::Minute,
        66_000,
        5,
        day,
    ));
    let mut st = with_chart((120, 40), Interval::Min1, bars);
    st.chart.set_stride(1);
    let pane = chart_pane(&st);
    let axis = pane.lines().rev().nth(1).unwrap_or_default();
    assert!(axis.contains(&day.format("%m/%d").to_string()), "{pane}");
    assert!(axis.contains("15:"), "the previous session's times: {pane}");
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
            if let Some(wl) = a.watchlist.filter(|r| r.height >= 4) {
                let row = s.lines().nth(wl.y as usize + 2).unwrap_or("");
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
        fn drawing_never_panics(w in 1u16..=300, h in 1u16..=100, mode in 0u8..5, sc in 0u8..4, moves in 0usize..30) {
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
                4 => {
                    let served = moves % 2 == 0;
                    fixtures::with_rankings(&mut s, hoga::market::RankKind::Gainers, RankMarket::All, served);
                    for _ in 0..moves {
                        update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
                    }
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

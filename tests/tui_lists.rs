//! Day-one defects of the watchlist keys, the help overlay and the data ages (issue 10): a new
//! list asks its name, lists can be renamed and deleted, a missing list says so, `d` can be
//! undone, reordering a sorted list says what happened, the sort column stays on screen, the
//! help never cuts or hides lines without a mark, ages count seconds and countdowns never
//! sit at `0s`.

mod common;
use chrono::Duration;
use common::screen_text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoga::feed::{Event, Failure};
use hoga::market::{Krw, Rate, StockCode};
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::msg::{Command, Msg};
use hoga::tui::state::{Mode, Pane, PromptKind, SortKey, State};
use hoga::tui::update::update;
use hoga::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

fn special(s: &mut State, k: KeyCode) -> Vec<Command> {
    update(s, Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, c);
    }
}

fn state(size: (u16, u16)) -> State {
    fixtures::state(size, Scenario::default())
}

fn render(s: &State) -> String {
    let (w, h) = s.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(s, f.buffer_mut())).unwrap();
    screen_text(term.backend().buffer())
}

fn notice(s: &State) -> String {
    s.notice.as_ref().map(|n| n.1.clone()).unwrap_or_default()
}

#[test]
fn a_new_list_asks_its_name_and_esc_creates_nothing() {
    let mut s = state((120, 40));
    let before = s.watchlists.lists.len();
    assert!(
        key(&mut s, 'N').is_empty(),
        "nothing is saved before the answer"
    );
    assert_eq!(s.mode, Mode::Prompt);
    assert_eq!(s.prompt.as_ref().map(|p| p.kind), Some(PromptKind::NewList));
    assert!(render(&s).contains("새 관심목록 이름"), "{}", render(&s));
    typed(&mut s, "반도체");
    // Keys that are actions elsewhere are text here.
    typed(&mut s, "qj");
    special(&mut s, KeyCode::Backspace);
    special(&mut s, KeyCode::Backspace);
    assert!(render(&s).contains("> 반도체"), "{}", render(&s));
    let cmds = special(&mut s, KeyCode::Enter);
    assert!(cmds.contains(&Command::SaveWatchlists));
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.watchlists.lists.len(), before + 1);
    assert_eq!(s.watchlists.current().name, "반도체");

    key(&mut s, 'N');
    typed(&mut s, "버려질 목록");
    assert!(special(&mut s, KeyCode::Esc).is_empty());
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.watchlists.lists.len(), before + 1, "Esc creates nothing");

    // An empty answer takes a fresh default name; a taken name is refused.
    key(&mut s, 'N');
    special(&mut s, KeyCode::Enter);
    assert_eq!(s.watchlists.current().name, format!("목록{}", before + 2));
    key(&mut s, 'N');
    typed(&mut s, "반도체");
    special(&mut s, KeyCode::Enter);
    assert_eq!(s.watchlists.lists.len(), before + 2);
    assert!(notice(&s).contains("이미 있습니다"), "{}", notice(&s));
}

#[test]
fn lists_are_renamed_and_deleted_after_a_yes() {
    let mut s = state((120, 40));
    key(&mut s, 'R');
    assert_eq!(s.prompt.as_ref().map(|p| p.input.as_str()), Some("대형주"));
    special(&mut s, KeyCode::Backspace);
    special(&mut s, KeyCode::Backspace);
    special(&mut s, KeyCode::Backspace);
    typed(&mut s, "우량주");
    assert!(special(&mut s, KeyCode::Enter).contains(&Command::SaveWatchlists));
    assert_eq!(s.watchlists.current().name, "우량주");
    assert!(render(&s).contains("관심종목 우량주"));

    // Deleting asks; anything but y keeps the list.
    let n = s.watchlists.lists.len();
    key(&mut s, 'X');
    assert!(render(&s).contains("우량주 삭제?"), "{}", render(&s));
    typed(&mut s, "n");
    special(&mut s, KeyCode::Enter);
    assert_eq!(s.watchlists.lists.len(), n);
    key(&mut s, 'X');
    typed(&mut s, "y");
    assert!(special(&mut s, KeyCode::Enter).contains(&Command::SaveWatchlists));
    assert_eq!(s.watchlists.lists.len(), n - 1);
    assert_eq!(s.watchlists.current().name, "코스닥");
    assert_eq!(s.selected, s.watchlists.current().codes.first().copied());
    // The last list stays.
    key(&mut s, 'X');
    assert_eq!(s.mode, Mode::Normal);
    assert!(notice(&s).contains("마지막 관심목록"), "{}", notice(&s));
}

#[test]
fn a_missing_list_number_says_so() {
    let mut s = state((120, 40));
    assert_eq!(s.watchlists.lists.len(), 2);
    assert!(key(&mut s, '4').is_empty());
    assert_eq!(s.watchlists.active, 0);
    assert!(
        notice(&s).contains("관심목록 4번은 없습니다"),
        "{}",
        notice(&s)
    );
    key(&mut s, '5');
    assert!(
        notice(&s).contains("관심목록 5번은 없습니다"),
        "{}",
        notice(&s)
    );
}

#[test]
fn a_removed_row_comes_back_with_u_where_it_was() {
    let mut s = state((120, 40));
    let before = s.watchlists.current().codes.clone();
    key(&mut s, 'j');
    key(&mut s, 'j');
    let gone = s.wl_selected.unwrap();
    key(&mut s, 'd');
    assert!(!s.watchlists.current().codes.contains(&gone));
    assert!(notice(&s).contains("u 되돌리기"), "{}", notice(&s));
    // Even after switching lists, u puts it back into its own list at its place.
    key(&mut s, '2');
    let cmds = key(&mut s, 'u');
    assert!(cmds.contains(&Command::SaveWatchlists));
    assert_eq!(s.watchlists.active, 0);
    assert_eq!(s.watchlists.current().codes, before);
    assert_eq!(s.wl_selected, Some(gone));
    assert!(key(&mut s, 'u').is_empty());
    assert!(notice(&s).contains("되돌릴 것이 없습니다"));
}

#[test]
fn reordering_a_sorted_list_says_manual_order_is_back() {
    let mut s = state((120, 40));
    key(&mut s, 's');
    key(&mut s, 's');
    assert_ne!(s.sort.key, SortKey::Manual);
    key(&mut s, 'K');
    assert_eq!(s.sort.key, SortKey::Manual);
    assert!(notice(&s).contains("수동 순서로 돌아감"), "{}", notice(&s));
}

#[test]
fn the_sort_column_stays_on_screen_when_the_pane_is_narrow() {
    let mut s = state((120, 40));
    // At 120 columns the watchlist has no room for volume and value.
    let plain = render(&s);
    assert!(
        !plain.contains("거래량") && !plain.contains("대금"),
        "{plain}"
    );
    while s.sort.key != SortKey::Volume {
        key(&mut s, 's');
    }
    let by_volume = render(&s);
    assert!(by_volume.contains("거래량▾"), "{by_volume}");
    key(&mut s, 's');
    assert_eq!(s.sort.key, SortKey::Value);
    let by_value = render(&s);
    assert!(by_value.contains("대금▾"), "{by_value}");
}

#[test]
fn ages_count_seconds_and_stay_in_the_status_bar_at_120_columns() {
    let mut s = state((120, 40));
    let t = s.now + Duration::seconds(7);
    update(&mut s, Msg::Tick(t));
    let screen = render(&s);
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(status.contains("시세 7s"), "{status}");
    assert!(status.contains("호가 7s"), "{status}");
    // The watchlist's title carries its age.
    let title = screen
        .lines()
        .find(|l| l.contains("관심종목"))
        .unwrap_or_default();
    assert!(title.contains(" 7s "), "{title}");
    // A second later the ages move, so the tick redraws.
    s.dirty = false;
    update(&mut s, Msg::Tick(t + Duration::seconds(1)));
    assert!(s.dirty, "an age that counts seconds is redrawn");
}

#[test]
fn a_row_polled_long_ago_shows_its_age() {
    let mut s = state((120, 40));
    let row = s.watchlists.current().codes[3];
    // Every row but one is refreshed 30 s later: the old one shows its age.
    let later = s.now + Duration::seconds(30);
    for (c, cell) in s.quotes.iter_mut() {
        if *c != row {
            cell.received_at = later;
        }
    }
    update(&mut s, Msg::Tick(later));
    let screen = render(&s);
    assert!(screen.contains("갱신"), "{screen}");
    let name: String = s.name_of(row).unwrap_or_default().chars().take(3).collect();
    let line = screen
        .lines()
        .find(|l| l.contains(&name))
        .unwrap_or_default();
    assert!(line.contains("30s"), "{name}: {screen}");
    // All fresh again: the column goes.
    for cell in s.quotes.values_mut() {
        cell.received_at = later;
    }
    assert!(!render(&s).contains("갱신"));
}

#[test]
fn a_due_retry_says_retrying_not_zero_seconds() {
    let mut s = state((120, 40));
    let at = s.now;
    let c = s.selected.unwrap();
    let version = s.version;
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code: c,
            version,
            at,
            reply: Err(Failure {
                message: "연결 거부".into(),
                next_try: Some(at + Duration::seconds(3)),
                unsupported: false,
            }),
        }),
    );
    update(&mut s, Msg::Tick(at + Duration::seconds(1)));
    assert!(render(&s).contains("재시도 2s"), "{}", render(&s));
    update(&mut s, Msg::Tick(at + Duration::seconds(5)));
    let screen = render(&s);
    assert!(!screen.contains("재시도 0s"), "{screen}");
    assert!(screen.contains("재시도 중…"), "{screen}");
}

#[test]
fn a_negative_per_reads_as_a_loss() {
    let mut s = state((120, 40));
    s.focus = Pane::Info;
    s.side = Pane::Info;
    if let Some(i) = s.info.value.as_mut() {
        i.per = Some(Rate(-3057));
    }
    let screen = render(&s);
    assert!(screen.contains("적자"), "{screen}");
    assert!(!screen.contains("-30.57"), "{screen}");
}

#[test]
fn search_results_show_the_price_and_promise_no_english_without_names() {
    let mut s = state((120, 40));
    key(&mut s, '/');
    typed(&mut s, "삼성전자");
    let screen = render(&s);
    let price = hoga::market::group_thousands(s.quotes[&code("005930")].quote.price.0);
    let line = screen
        .lines()
        .skip_while(|l| !l.contains("/ 삼성전자"))
        .find(|l| l.contains("005930"))
        .unwrap_or_default();
    assert!(line.contains(&price), "{screen}");
    assert!(
        screen.contains("English"),
        "the fixtures carry English names"
    );
    for l in s.universe.iter_mut() {
        l.name_en = None;
    }
    special(&mut s, KeyCode::Backspace);
    let screen = render(&s);
    assert!(!screen.contains("English"), "{screen}");
    assert!(!screen.contains("samsung"), "{screen}");
}

/// Every line of the help, read by scrolling to the end, and whether the box marks more.
fn read_help(size: (u16, u16)) -> (String, bool) {
    let mut s = state(size);
    // No names cut with `…` behind the box: any `…` on screen is then the help's own.
    s.watchlists.current_mut().codes.clear();
    key(&mut s, '?');
    let first = render(&s);
    let marked = first.contains("▼ 더 있음");
    let mut all = first.clone();
    for _ in 0..200 {
        let before = s.help_scroll;
        key(&mut s, 'j');
        if s.help_scroll == before {
            break;
        }
        all.push_str(&render(&s));
    }
    assert!(render(&s).contains("▲ 더 있음") || !marked);
    (all, marked)
}

#[test]
fn the_help_wraps_scrolls_with_marks_and_lists_the_mouse() {
    for size in [(40, 15), (120, 40)] {
        let (all, marked) = read_help(size);
        assert!(
            marked,
            "{size:?}: more lines than the box, and a mark says so"
        );
        for a in hoga::tui::action::Action::ALL {
            assert!(all.contains(a.name()), "{size:?} misses {}", a.name());
            // The last word of each description is on screen somewhere: nothing is cut.
            let help = hoga::tui::lang::Lang::Ko.action_help(*a);
            let last = help.split(' ').next_back().unwrap_or_default();
            assert!(all.contains(last), "{size:?} cuts {help:?}");
        }
        assert!(all.contains("마우스 클릭"), "{size:?}");
        assert!(all.contains("마우스 휠"), "{size:?}");
        assert!(!all.contains('…'), "{size:?}: a help line was cut");
    }
    // Scrolling stops at the end instead of running on.
    let mut s = state((120, 40));
    key(&mut s, '?');
    for _ in 0..500 {
        key(&mut s, 'j');
    }
    let end = s.help_scroll;
    key(&mut s, 'k');
    assert_eq!(s.help_scroll, end - 1, "one key back up from the end");
}

#[test]
fn prices_in_the_search_are_whole_for_a_million_won_stock() {
    let mut s = state((80, 24));
    if let Some(c) = s.quotes.get_mut(&code("207940")) {
        c.quote.price = Krw(1_012_000);
    }
    key(&mut s, '/');
    typed(&mut s, "207940");
    let screen = render(&s);
    assert!(screen.contains("1,012,000"), "{screen}");
}

#[test]
fn at_80_columns_the_status_bar_keeps_the_oldest_age() {
    let mut s = state((80, 24));
    let t = s.now + Duration::seconds(4);
    update(&mut s, Msg::Tick(t));
    let screen = render(&s);
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(status.contains("갱신 4s"), "{status}");
    assert!(status.contains("? 도움말"), "{status}");
}

#[test]
fn the_simulated_market_says_how_to_get_real_data() {
    let mut s = state((200, 60));
    s.real_data_hint = Some(hoga::tui::app::real_data_hint(
        s.settings.lang,
        std::path::Path::new("/home/u/.config/hoga/config.toml"),
    ));
    let status = render(&s).lines().last().unwrap_or_default().to_string();
    assert!(status.contains("시뮬레이션"), "{status}");
    assert!(
        status.contains("KIS_APP_KEY와 KIS_APP_SECRET")
            && status.contains("/home/u/.config/hoga/config.toml"),
        "{status}"
    );
    // Narrower, the short form.
    s.size = (120, 40);
    let status = render(&s).lines().last().unwrap_or_default().to_string();
    assert!(status.contains("실데이터: KIS_APP_KEY/SECRET"), "{status}");
}

/// The cumulative column is as wide as its widest value, not its largest: when the totals
/// pass a million (`1.5M`), the levels below it (`981,503`) are still drawn.
#[test]
fn every_cumulative_quantity_is_on_screen_when_totals_pass_a_million() {
    let mut s = state((200, 60));
    let book = s.book.value.as_mut().expect("the fixture has a book");
    for l in book.asks.iter_mut().chain(book.bids.iter_mut()) {
        l.qty = 150_001;
    }
    let screen = render(&s);
    assert!(screen.contains("누적"), "{screen}");
    for n in 1..=6u64 {
        let cum = hoga::market::group_thousands((150_001 * n) as i64);
        assert!(screen.contains(&cum), "{cum} missing:\n{screen}");
    }
    assert!(screen.contains("1.5M"), "{screen}");
}

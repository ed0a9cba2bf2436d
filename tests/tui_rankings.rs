//! The rankings view's keys (issue 12 §2), through `update` like the app: `m` opens it in
//! place of the watchlist and chart and asks the feed for that ranking only; ←→ switch the
//! ranking, tab the market; enter opens the stock under the cursor (and closes the view), `a`
//! adds it to the current watchlist; esc closes it, and the feed stops asking.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoga::feed::{Event, Failure, Interest};
use hoga::market::{Provenance, RankKind, RankMarket};
use hoga::source::Sourced;
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::msg::{Command, Msg};
use hoga::tui::state::{Mode, State};
use hoga::tui::update::update;

fn key(s: &mut State, k: KeyCode) -> Vec<Command> {
    update(s, Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)))
}

fn ch(s: &mut State, c: char) -> Vec<Command> {
    key(s, KeyCode::Char(c))
}

fn last_interest(cmds: &[Command]) -> Option<&Interest> {
    cmds.iter().rev().find_map(|c| match c {
        Command::SetInterest(i) => Some(i),
        _ => None,
    })
}

fn served(s: &mut State, kind: RankKind, market: RankMarket) {
    let at = s.now;
    update(
        s,
        Msg::Feed(Event::Ranking {
            kind,
            market,
            at,
            reply: Ok(Sourced::new(
                fixtures::rank_rows(kind, market, at),
                Provenance::Simulated,
            )),
        }),
    );
}

#[test]
fn m_opens_the_view_and_asks_for_that_ranking_only() {
    for size in [(80, 24), (120, 40), (200, 60)] {
        let mut s = fixtures::state(size, Scenario::default());
        let cmds = ch(&mut s, 'm');
        assert_eq!(s.mode, Mode::Rankings);
        let i = last_interest(&cmds).expect("a new interest");
        assert_eq!(i.ranking, Some((RankKind::Volume, RankMarket::All)));
        // The watchlist and the chart are covered: not polled while the view is open; the
        // open stock's book stays beside it.
        assert!(
            i.watchlist.is_empty() && i.period.is_none(),
            "{size:?} {i:?}"
        );
        assert!(i.book, "{size:?}");
        // Esc closes it: the watchlist is back, the ranking no longer asked for.
        let cmds = key(&mut s, KeyCode::Esc);
        assert_eq!(s.mode, Mode::Normal);
        let i = last_interest(&cmds).expect("a new interest");
        assert_eq!(i.ranking, None);
        assert!(!i.watchlist.is_empty());
    }
}

#[test]
fn arrows_switch_the_ranking_and_tab_the_market() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    ch(&mut s, 'm');
    let cmds = key(&mut s, KeyCode::Right);
    assert_eq!(
        last_interest(&cmds).and_then(|i| i.ranking),
        Some((RankKind::Value, RankMarket::All))
    );
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Right);
    assert_eq!(s.rankings.kind, RankKind::Losers);
    key(&mut s, KeyCode::Right);
    assert_eq!(s.rankings.kind, RankKind::Volume, "wraps around");
    key(&mut s, KeyCode::Left);
    assert_eq!(s.rankings.kind, RankKind::Losers);
    let cmds = key(&mut s, KeyCode::Tab);
    assert_eq!(
        last_interest(&cmds).and_then(|i| i.ranking),
        Some((RankKind::Losers, RankMarket::Kospi))
    );
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.rankings.market, RankMarket::Kosdaq);
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.rankings.market, RankMarket::Kospi);
}

#[test]
fn enter_opens_the_stock_under_the_cursor() {
    let mut s = fixtures::state((80, 24), Scenario::default());
    ch(&mut s, 'm');
    served(&mut s, RankKind::Volume, RankMarket::All);
    assert_eq!(s.rankings.rows().len(), 30);
    for _ in 0..3 {
        ch(&mut s, 'j');
    }
    let pick = s.rankings.rows()[3].code;
    assert_ne!(s.selected, Some(pick), "the fixture opens another stock");
    let version = s.version;
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.selected, Some(pick));
    assert!(
        s.version > version,
        "a new version: old replies are dropped"
    );
    let i = last_interest(&cmds).expect("a new interest");
    assert_eq!(i.focused, Some(pick));
    assert_eq!(i.ranking, None);
}

#[test]
fn the_cursor_stays_in_the_ranking_and_on_screen() {
    let mut s = fixtures::state((80, 24), Scenario::default());
    ch(&mut s, 'm');
    served(&mut s, RankKind::Volume, RankMarket::All);
    ch(&mut s, 'G');
    assert_eq!(s.rankings.cursor, 29);
    let rows = hoga::tui::view::rankings::body_rows(
        hoga::tui::update::areas(&s).rankings.expect("the view"),
    )
    .1 as usize;
    assert!(rows < 30, "80×24 shows part of the ranking");
    assert_eq!(s.rankings.scroll, 30 - rows, "the last row is on screen");
    for _ in 0..40 {
        ch(&mut s, 'j');
    }
    assert_eq!(s.rankings.cursor, 29);
    ch(&mut s, 'g');
    assert_eq!((s.rankings.cursor, s.rankings.scroll), (0, 0));
    // Another ranking starts at its top.
    for _ in 0..5 {
        ch(&mut s, 'j');
    }
    key(&mut s, KeyCode::Right);
    assert_eq!(s.rankings.cursor, 0);
}

#[test]
fn a_adds_the_row_to_the_current_watchlist_once() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    ch(&mut s, 'm');
    served(&mut s, RankKind::Gainers, RankMarket::All);
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Right);
    assert_eq!(s.rankings.kind, RankKind::Gainers);
    // A row that is not in the list yet.
    let target = (0..30)
        .find(|i| {
            let c = s.rankings.rows()[*i].code;
            !s.watchlists.current().codes.contains(&c)
        })
        .expect("a stock outside the list");
    for _ in 0..target {
        ch(&mut s, 'j');
    }
    let code = s.rankings.rows()[target].code;
    let n = s.watchlists.current().codes.len();
    let cmds = ch(&mut s, 'a');
    assert!(cmds.contains(&Command::SaveWatchlists));
    assert_eq!(s.watchlists.current().codes.len(), n + 1);
    assert!(s.watchlists.current().codes.contains(&code));
    assert_eq!(s.mode, Mode::Rankings, "the view stays open");
    let notice = s.notice.clone().expect("a notice").1;
    assert!(notice.contains("대형주"), "{notice}");
    let cmds = ch(&mut s, 'a');
    assert!(!cmds.contains(&Command::SaveWatchlists));
    assert_eq!(s.watchlists.current().codes.len(), n + 1);
}

#[test]
fn a_refusal_says_real_only_and_a_reply_for_another_ranking_waits_its_turn() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    ch(&mut s, 'm');
    // A late reply for a ranking no longer on screen is kept for when it is asked again.
    served(&mut s, RankKind::Losers, RankMarket::Kosdaq);
    assert!(s.rankings.rows().is_empty());
    assert!(
        s.rankings
            .data
            .contains_key(&(RankKind::Losers, RankMarket::Kosdaq))
    );
    let at = s.now;
    update(
        &mut s,
        Msg::Feed(Event::Ranking {
            kind: RankKind::Volume,
            market: RankMarket::All,
            at,
            reply: Err(Failure {
                message: "OPSQ0002".into(),
                next_try: None,
                unsupported: true,
            }),
        }),
    );
    assert_eq!(s.rankings.unsupported.as_deref(), Some("OPSQ0002"));
    // Enter and `a` on an empty view do nothing.
    let n = s.watchlists.current().codes.len();
    ch(&mut s, 'a');
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode, Mode::Rankings);
    assert_eq!(s.watchlists.current().codes.len(), n);
}

#[test]
fn quit_closes_the_view_first_and_ctrl_c_quits() {
    let mut s = fixtures::state((80, 24), Scenario::default());
    ch(&mut s, 'm');
    let cmds = ch(&mut s, 'q');
    assert!(!cmds.contains(&Command::Quit));
    assert_eq!(s.mode, Mode::Normal);
    ch(&mut s, 'm');
    let cmds = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(cmds.contains(&Command::Quit));
}

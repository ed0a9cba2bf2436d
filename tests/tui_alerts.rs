//! Alerts in the monitor (issue 12 §5, TUI), through `update` like the app: `A` opens the form
//! on the open stock, ←→ pick the condition, the threshold is typed and checked as the config's
//! rules are; `b` lists every rule with its state and origin and what fired; the monitor's rules
//! are edited and deleted there, the config's are read-only; a firing rings the bell and shows
//! a toast until it is seen. Snapshots of the view and the toast at 80×24 and 200×60 in both
//! languages.

mod common;
use common::screen_text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoga::feed::alerts::RuleOrigin;
use hoga::market::alert::{Condition, Firing, Reading, Rule};
use hoga::market::{Krw, Rate, StockCode};
use hoga::tui::fixtures::{self, Scenario};
use hoga::tui::lang::Lang;
use hoga::tui::msg::{Command, Msg};
use hoga::tui::state::{AlertRow, Mode, State};
use hoga::tui::update::update;
use hoga::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn key(s: &mut State, k: KeyCode) -> Vec<Command> {
    let m = match k {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(s, Msg::Key(KeyEvent::new(k, m)))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

fn clear(s: &mut State) {
    for _ in 0..20 {
        key(s, KeyCode::Backspace);
    }
}

fn rules_set(cmds: &[Command]) -> Option<Vec<Rule>> {
    cmds.iter().find_map(|c| match c {
        Command::SetAlertRules(r) => Some(r.clone()),
        _ => None,
    })
}

fn render(s: &State) -> String {
    let (w, h) = s.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(s, f.buffer_mut())).unwrap();
    screen_text(term.backend().buffer())
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

/// A config rule and a monitor rule on the open stock, the first fired.
fn with_rules(s: &mut State) -> (Rule, Rule) {
    let open = s.selected.unwrap();
    let config = Rule::new(open, Condition::PriceAtOrAbove(Krw(70_000)));
    let mine = Rule::new(open, Condition::ChangeRateBelow(Rate(-500)));
    let at = s.now;
    update(
        s,
        Msg::Alerts {
            rows: vec![
                AlertRow {
                    rule: config,
                    origin: RuleOrigin::Config,
                    fired: true,
                },
                AlertRow {
                    rule: mine,
                    origin: RuleOrigin::Monitor,
                    fired: false,
                },
            ],
            fired: vec![Firing {
                id: config.id(),
                rule: config,
                value: Reading::Price(Krw(70_100)),
                threshold: Some(Reading::Price(Krw(70_000))),
                at,
            }],
        },
    );
    (config, mine)
}

#[test]
fn the_form_adds_a_rule_on_the_open_stock() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    let open = s.selected.unwrap();
    key(&mut s, KeyCode::Char('A'));
    assert_eq!(s.mode, Mode::AlertForm);
    let form = s.alerts.form.clone().unwrap();
    assert_eq!((form.code, form.kind), (open, 0));
    let price = s.quotes[&open].quote.price.0;
    assert_eq!(
        form.input,
        price.to_string(),
        "prefilled with the price now"
    );
    clear(&mut s);
    typed(&mut s, "100000");
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode, Mode::Normal);
    let rule = Rule::new(open, Condition::PriceAtOrAbove(Krw(100_000)));
    assert_eq!(rules_set(&cmds), Some(vec![rule]));
    assert!(
        s.alerts
            .rows
            .iter()
            .any(|r| r.rule == rule && r.origin == RuleOrigin::Monitor)
    );
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|(_, n)| n.contains("현재가 ≥ 100,000"))
    );
}

#[test]
fn the_form_picks_the_kind_and_checks_the_threshold() {
    let mut s = fixtures::state((80, 24), Scenario::default());
    let open = s.selected.unwrap();
    key(&mut s, KeyCode::Char('A'));
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Right);
    assert_eq!(s.alerts.form.as_ref().unwrap().kind, 2);
    assert_eq!(s.alerts.form.as_ref().unwrap().input, "5");
    clear(&mut s);
    typed(&mut s, "45");
    let cmds = key(&mut s, KeyCode::Enter);
    assert!(rules_set(&cmds).is_none(), "45 % is beyond the ±30 % limit");
    assert_eq!(s.mode, Mode::AlertForm);
    let err = s.alerts.form.as_ref().unwrap().error.clone().expect("why");
    assert!(err.contains("30"), "{err}");
    assert!(render(&s).contains("30"), "the error is on screen");
    clear(&mut s);
    let cmds = key(&mut s, KeyCode::Enter);
    assert!(rules_set(&cmds).is_none());
    assert!(
        s.alerts.form.as_ref().unwrap().error.is_some(),
        "an empty number"
    );
    clear(&mut s);
    typed(&mut s, "7.5");
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(
        rules_set(&cmds),
        Some(vec![Rule::new(open, Condition::ChangeRateAbove(Rate(750)))])
    );
    // The flags need no number; Left wraps to the last kind.
    key(&mut s, KeyCode::Char('A'));
    key(&mut s, KeyCode::Left);
    assert_eq!(s.alerts.form.as_ref().unwrap().kind, 7);
    key(&mut s, KeyCode::Left);
    let cmds = key(&mut s, KeyCode::Enter);
    let rules = rules_set(&cmds).unwrap();
    assert_eq!(rules.last(), Some(&Rule::new(open, Condition::Vi)));
    // Esc leaves without a rule.
    key(&mut s, KeyCode::Char('A'));
    let cmds = key(&mut s, KeyCode::Esc);
    assert_eq!(s.mode, Mode::Normal);
    assert!(rules_set(&cmds).is_none());
}

#[test]
fn the_view_lists_edits_and_deletes_the_monitors_rules_only() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    let (config, mine) = with_rules(&mut s);
    key(&mut s, KeyCode::Char('b'));
    assert_eq!(s.mode, Mode::Alerts);
    assert_eq!(s.alerts.unseen, 0, "the view shows what fired");
    let screen = render(&s);
    assert!(
        screen.contains("현재가 ≥ 70,000") && screen.contains("등락률 ≤ -5.00%"),
        "{screen}"
    );
    assert!(screen.contains("설정") && screen.contains("화면") && screen.contains("발동 기록"));
    // The config's rule cannot be deleted or edited here.
    let cmds = key(&mut s, KeyCode::Char('d'));
    assert!(rules_set(&cmds).is_none());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|(_, n)| n.contains("config.toml"))
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode, Mode::Alerts);
    // The monitor's: edited in the form (back to the view after), then deleted.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode, Mode::AlertForm);
    assert_eq!(s.alerts.form.as_ref().unwrap().input, "-5.00");
    clear(&mut s);
    typed(&mut s, "-7");
    let cmds = key(&mut s, KeyCode::Enter);
    let edited = Rule::new(mine.code, Condition::ChangeRateBelow(Rate(-700)));
    assert_eq!(rules_set(&cmds), Some(vec![edited]));
    assert_eq!(s.mode, Mode::Alerts);
    s.alerts.cursor = s.alerts.rows.iter().position(|r| r.rule == edited).unwrap();
    let cmds = key(&mut s, KeyCode::Char('d'));
    assert_eq!(rules_set(&cmds), Some(vec![]));
    assert!(s.alerts.rows.iter().all(|r| r.rule == config));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn a_firing_rings_and_its_toast_stays_until_seen() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    let at = s.now;
    let rule = Rule::new(code("005930"), Condition::LimitUp);
    let cmds = update(
        &mut s,
        Msg::Alerts {
            rows: Vec::new(),
            fired: vec![Firing {
                id: rule.id(),
                rule,
                value: Reading::Price(Krw(86_500)),
                threshold: Some(Reading::Price(Krw(86_500))),
                at,
            }],
        },
    );
    assert!(cmds.contains(&Command::Bell));
    assert_eq!(s.alerts.unseen, 1);
    for _ in 0..3 {
        let later = s.now + chrono::Duration::seconds(30);
        update(&mut s, Msg::Tick(later));
    }
    let screen = render(&s);
    assert!(
        screen.contains("상한가") && screen.contains("86,500"),
        "{screen}"
    );
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.alerts.unseen, 0);
    assert!(!render(&s).contains("상한가"));
    // No bell when it is turned off.
    s.settings.bell = false;
    let cmds = update(
        &mut s,
        Msg::Alerts {
            rows: Vec::new(),
            fired: vec![Firing {
                id: rule.id(),
                rule,
                value: Reading::Price(Krw(86_500)),
                threshold: None,
                at,
            }],
        },
    );
    assert!(!cmds.contains(&Command::Bell));
}

#[test]
fn the_rules_stocks_are_streamed_or_polled_even_off_screen() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    let off = fixtures::universe(60)
        .into_iter()
        .map(|l| l.code)
        .find(|c| !s.watchlists.current().codes.contains(c))
        .expect("a stock off the list");
    let rule = Rule::new(off, Condition::Vi);
    let cmds = update(
        &mut s,
        Msg::Alerts {
            rows: vec![AlertRow {
                rule,
                origin: RuleOrigin::Monitor,
                fired: false,
            }],
            fired: Vec::new(),
        },
    );
    let i = cmds
        .iter()
        .find_map(|c| match c {
            Command::SetInterest(i) => Some(i.clone()),
            _ => None,
        })
        .expect("a new interest");
    assert_eq!(i.alerts, vec![off]);
    assert!(i.more.contains(&off) || i.watchlist.contains(&off));
}

fn shot(size: (u16, u16), lang: Lang) -> String {
    let mut s = fixtures::state(size, Scenario::default());
    s.settings.lang = lang;
    with_rules(&mut s);
    key(&mut s, KeyCode::Char('b'));
    render(&s)
}

#[test]
fn alerts_view_80x24_ko() {
    insta::assert_snapshot!(shot((80, 24), Lang::Ko));
}

#[test]
fn alerts_view_80x24_en() {
    insta::assert_snapshot!(shot((80, 24), Lang::En));
}

#[test]
fn alerts_view_200x60_ko() {
    insta::assert_snapshot!(shot((200, 60), Lang::Ko));
}

#[test]
fn alerts_view_200x60_en() {
    insta::assert_snapshot!(shot((200, 60), Lang::En));
}

#[test]
fn toast_and_form_120x40() {
    let mut s = fixtures::state((120, 40), Scenario::default());
    with_rules(&mut s);
    insta::assert_snapshot!("toast_120x40", render(&s));
    key(&mut s, KeyCode::Char('A'));
    insta::assert_snapshot!("form_120x40", render(&s));
}

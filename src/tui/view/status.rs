//! The status bar: source and provenance (LIVE/SIMULATED/CACHED/STALE/BREAKER OPEN), rate
//! budget, token expiry, Redis, KST clock and session, data ages, and the last error in words.

use super::{coarse_age, data_label};
use crate::market::{Calendar, KST, Provenance};
use crate::tui::action::Action;
use crate::tui::health::{Health, health};
use crate::tui::state::{Problem, State};
use crate::tui::widgets::text;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

fn hms(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST).format("%H:%M:%S").to_string()
}

/// The state badge and its colours, from [`health`](crate::tui::health::health).
pub fn source_label(state: &State) -> (String, Style) {
    let badge = |fg: Color, bg: Color| Style::default().fg(fg).bg(bg).add_modifier(Modifier::BOLD);
    let stale = |since: Option<DateTime<Utc>>| match since {
        Some(t) => format!("STALE since {}", hms(t)),
        None => "NO DATA".to_string(),
    };
    match health(state) {
        Health::BreakerOpen { retry_at, .. } => {
            let text = match retry_at.map(|t| (t - state.now).num_seconds().max(0)) {
                Some(n) => format!("BREAKER OPEN retry in {n}s"),
                None => "BREAKER OPEN".to_string(),
            };
            (text, badge(Color::White, Color::Red))
        }
        Health::Stale { since } => (stale(since), badge(Color::Black, Color::Yellow)),
        Health::Live(env) => (
            format!("LIVE {}", env.label()),
            badge(Color::Black, Color::Green),
        ),
        Health::Simulated => ("SIMULATED".to_string(), badge(Color::Black, Color::Magenta)),
        Health::Connecting(env) => (
            format!("KIS {} connecting…", env.label()),
            Style::default().fg(Color::Yellow),
        ),
    }
}

/// The problem to report now: a pane's current failure, newest first.
pub fn current_problem(state: &State) -> Option<&Problem> {
    [
        state.book.problem.as_ref(),
        state.quotes_problem.as_ref(),
        state.chart.data.problem.as_ref(),
        state.info.problem.as_ref(),
        state.universe_problem.as_ref(),
    ]
    .into_iter()
    .flatten()
    .max_by_key(|p| p.at)
}

fn problem_text(state: &State, p: &Problem) -> String {
    let mut s = format!("⚠ {} failed at {}: {}", p.what, hms(p.at), p.message);
    if let Some(n) = p.next_try {
        s.push_str(&format!(
            " · next try in {}s",
            (n - state.now).num_seconds().max(0)
        ));
    }
    s
}

/// The source's own last error while it serves old copies (stale cache, open breaker): the
/// panes have data, but the user must know why it is old.
fn source_error(state: &State) -> Option<String> {
    let serving_old =
        stale_since(state).is_some() || state.status.breaker.as_deref() == Some("open");
    let (at, msg) = state.status.last_error.as_ref().filter(|_| serving_old)?;
    Some(format!("⚠ {msg} (at {})", hms(*at)))
}

/// The oldest fetch time among the panes showing a stale copy (the source failed and served
/// its cache), if any.
pub fn stale_since(state: &State) -> Option<DateTime<Utc>> {
    let since = |p: Option<Provenance>| match p {
        Some(Provenance::Stale { since }) => Some(since),
        _ => None,
    };
    [
        since(state.provenance),
        since(state.book.provenance),
        since(state.chart.data.provenance),
        since(state.info.provenance),
        since(state.selected_quote().map(|q| q.provenance)),
    ]
    .into_iter()
    .flatten()
    .min()
}

fn ages(state: &State) -> String {
    let mut parts = Vec::new();
    let mut add = |name: &str, t: Option<DateTime<Utc>>| {
        if let Some(t) = t {
            parts.push(format!(
                "{name} {}",
                coarse_age((state.now - t).num_seconds())
            ));
        }
    };
    add("quotes", state.quotes_at);
    add("book", state.book.fetched_at());
    add("chart", state.chart.data.fetched_at());
    add("info", state.info.fetched_at());
    parts.join(" ")
}

/// Every time-dependent piece of text on screen, for the tick fingerprint.
pub fn time_text(state: &State) -> String {
    let mut s = source_label(state).0;
    s.push('|');
    s.push_str(&ages(state));
    if let Some(p) = current_problem(state) {
        s.push_str(&problem_text(state, p));
    }
    s.push_str(Calendar::krx().session_at(state.now).label());
    for l in [
        data_label(state, &state.book),
        data_label(state, &state.chart.data),
        data_label(state, &state.info),
    ] {
        for (t, _) in l {
            s.push_str(&t);
        }
    }
    if let Some(p) = &state.quotes_problem {
        if let Some(n) = p.next_try {
            s.push_str(&(n - state.now).num_seconds().to_string());
        }
        if let Some(t) = state.quotes_at {
            s.push_str(&(state.now - t).num_seconds().to_string());
        }
    }
    s
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let y = area.y;
    let dim = Style::default().fg(theme.dim);
    let mut x = area.x;
    let right_end = area.right();
    let room = |x: u16| right_end.saturating_sub(x);

    let (label, st) = source_label(state);
    x += text::put(buf, x, y, &format!(" {label} "), room(x), st);
    x += 1;

    // Clock and session first: they matter more than the details after them.
    let local = state.now.with_timezone(&KST);
    let session = Calendar::krx().session_at(state.now);
    let clock = format!("KST {} {}", local.format("%H:%M"), session.label());
    let session_style = if session.is_auction() {
        Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD)
    } else if session.is_live() {
        Style::default().fg(theme.accent)
    } else {
        dim
    };
    x += text::put(buf, x, y, &clock, room(x), session_style);

    let s = &state.status;
    let mut details = Vec::new();
    match s.redis_up {
        Some(true) => details.push("redis up".to_string()),
        Some(false) => details.push("redis DOWN (memory cache)".to_string()),
        None => {}
    }
    if let Some(r) = s.cache_hit_rate {
        details.push(format!("cache {:.0}%", r * 100.0));
    }
    if s.budget_limit > 0 {
        // With other hoga processes on the key, say so: the budget is theirs too.
        let shared = if s.budget_peers > 1 {
            format!(" shared ×{}", s.budget_peers)
        } else {
            String::new()
        };
        details.push(format!(
            "req {}/{}/s{shared}",
            s.budget_used, s.budget_limit
        ));
    }
    if let Some(t) = s.token_expires_at {
        details.push(format!(
            "token →{}",
            t.with_timezone(&KST).format("%m-%d %H:%M")
        ));
    }
    let a = ages(state);
    if !a.is_empty() {
        details.push(a);
    }

    // The last error or notice comes right after the clock; details fill what is left.
    let message: Option<(String, Style)> = if let Some(p) = current_problem(state) {
        Some((
            problem_text(state, p),
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        ))
    } else if let Some(e) = source_error(state) {
        Some((
            e,
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        ))
    } else {
        state
            .notice
            .as_ref()
            .map(|(_, n)| (n.clone(), Style::default().fg(theme.accent)))
    };
    if let Some((m, st)) = &message {
        x += 2;
        x += text::put(buf, x, y, m, room(x), *st);
    }
    for d in &details {
        let w = text::width(d) as u16 + 3;
        if room(x) < w {
            continue;
        }
        x += text::put(buf, x, y, " · ", 3, dim);
        x += text::put(buf, x, y, d, room(x), dim);
    }
    x += 2;
    match message {
        Some(_) => {}
        None => {
            let km = &state.settings.keymap;
            let hint = format!(
                "{} help  {} search  {} quit",
                km.first_key(Action::Help),
                km.first_key(Action::Search),
                km.first_key(Action::Quit)
            );
            let w = text::width(&hint) as u16;
            if room(x) >= w {
                text::put(buf, right_end - w, y, &hint, w, dim);
            }
        }
    }
}

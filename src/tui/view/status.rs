//! The status bar: source and provenance (LIVE/SIMULATED/CACHED/STALE/BREAKER OPEN), rate
//! budget, token expiry, Redis, KST clock and session, data ages, and the last error in words.

use super::{data_label, short_age};
use crate::market::{Calendar, KST, Provenance};
use crate::source::live::Health as StreamHealth;
use crate::tui::action::Action;
use crate::tui::health::{Health, health};
use crate::tui::layout::Areas;
use crate::tui::state::{Pane, Problem, State};
use crate::tui::widgets::text;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// A KST time to the second (`10:31:05`).
pub fn hms(t: DateTime<Utc>) -> String {
    t.with_timezone(&KST).format("%H:%M:%S").to_string()
}

/// The state badge and its colours, from [`health`](crate::tui::health::health).
pub fn source_label(state: &State) -> (String, Style) {
    let badge = |fg: Color, bg: Color| Style::default().fg(fg).bg(bg).add_modifier(Modifier::BOLD);
    let lang = state.settings.lang;
    let t = lang.t();
    let stale = |since: Option<DateTime<Utc>>| match since {
        Some(at) => lang.stale_since(&hms(at)),
        None => t.badge_no_data.to_string(),
    };
    match health(state) {
        Health::BreakerOpen { retry_at, .. } => {
            let secs = retry_at.map(|at| (at - state.now).num_seconds().max(0));
            (lang.breaker(secs), badge(Color::White, Color::Red))
        }
        Health::Stale { since } => (stale(since), badge(Color::Black, Color::Yellow)),
        Health::Live(env) => (
            format!("{} {}", t.badge_live, lang.env(env)),
            badge(Color::Black, Color::Green),
        ),
        Health::Simulated => (
            t.badge_simulated.to_string(),
            badge(Color::Black, Color::Magenta),
        ),
        Health::Connecting(env) => (lang.connecting(env), Style::default().fg(Color::Yellow)),
    }
}

/// The live stream: `WS 23/41` while up (registrations held / the cap), `WS reconnecting 4s`
/// with the real countdown, `WS down` when it gave up; `None` without a stream.
pub fn stream_label(state: &State) -> Option<(String, Style)> {
    let s = state.stream.as_ref()?;
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    Some(match &s.health {
        StreamHealth::Connected { .. } => (
            format!("WS {}/{}", s.registered.len(), s.cap),
            Style::default().fg(theme.accent),
        ),
        StreamHealth::Connecting => (
            t.ws_connecting.to_string(),
            Style::default().fg(Color::Yellow),
        ),
        StreamHealth::Reconnecting { next_try, .. } => {
            let n = (*next_try - state.now).num_seconds();
            let text = if n > 0 {
                format!("{} {n}s", t.ws_reconnecting)
            } else {
                format!("{}…", t.ws_reconnecting)
            };
            (
                text,
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )
        }
        StreamHealth::Down { .. } => (
            t.ws_down.to_string(),
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        ),
    })
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
    let lang = state.settings.lang;
    let mut s = lang.failed(&p.what, &hms(p.at), &p.message);
    if let Some(n) = p.next_try {
        s.push_str(" · ");
        s.push_str(&super::retry_label(state, n));
    }
    s
}

/// The source's own last error while it serves old copies (stale cache, open breaker): the
/// panes have data, but the user must know why it is old.
fn source_error(state: &State) -> Option<String> {
    let serving_old =
        stale_since(state).is_some() || state.status.breaker.as_deref() == Some("open");
    let (at, msg) = state.status.last_error.as_ref().filter(|_| serving_old)?;
    Some(state.settings.lang.error_at(msg, &hms(*at)))
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

/// Each pane's data age (`quotes 3s book 1s …`), and the short form for a narrow bar: the
/// oldest of them (`age 3s`).
fn ages(state: &State) -> (String, String) {
    let t = state.settings.lang.t();
    let list = [
        (t.ages[0], state.quotes_at),
        (t.ages[1], state.book.fetched_at()),
        (t.ages[2], state.chart.data.fetched_at()),
        (t.ages[3], state.info.fetched_at()),
    ];
    let secs = |t: DateTime<Utc>| (state.now - t).num_seconds();
    let full: Vec<String> = list
        .iter()
        .filter_map(|(name, t)| t.map(|t| format!("{name} {}", short_age(secs(t)))))
        .collect();
    let oldest = list.iter().filter_map(|(_, t)| t.map(secs)).max();
    let short = oldest.map(|a| format!("{} {}", t.age, short_age(a)));
    (full.join(" "), short.unwrap_or_default())
}

/// Every time-dependent piece of text on screen, for the tick fingerprint.
pub fn time_text(state: &State) -> String {
    let mut s = source_label(state).0;
    s.push('|');
    if let Some((w, _)) = stream_label(state) {
        s.push_str(&w);
    }
    s.push_str(&ages(state).0);
    if let Some(p) = current_problem(state) {
        s.push_str(&problem_text(state, p));
    }
    s.push_str(
        state
            .settings
            .lang
            .session(Calendar::krx().session_at(state.now)),
    );
    // The watchlist's title age and its rows' ages (streamed rows show none).
    for c in &state.watchlists.current().codes {
        let streamed = state
            .stream
            .as_ref()
            .is_some_and(|s| s.streams(crate::source::live::Channel::Trades, *c));
        if let Some(q) = state.quotes.get(c).filter(|_| !streamed) {
            s.push_str(&short_age((state.now - q.received_at).num_seconds()));
        }
    }
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

/// Short names of the panes for the status bar's pane strip (`short`: one letter each).
fn pane_name(state: &State, p: Pane, short: bool) -> &'static str {
    let i = Pane::ORDER.iter().position(|o| *o == p).unwrap_or(0);
    let t = state.settings.lang.t();
    if short {
        t.pane_letter[i]
    } else {
        t.pane_short[i]
    }
}

/// `[목록|차트|호가|정보|체결]` when the layout leaves a pane out: shown panes plain, hidden
/// ones dim, the focused one reversed. `None` when every pane is on screen. The tape counts
/// only with a stream (without one it has nothing to show). `short`: `[목|차|호|정|체]`, for a
/// bar too narrow for the names.
pub fn pane_strip(state: &State, panes: &Areas, short: bool) -> Option<Vec<(String, Style)>> {
    let names: Vec<Pane> = Pane::ORDER
        .into_iter()
        .filter(|p| *p != Pane::Tape || state.stream.is_some() || panes.tape.is_some())
        .collect();
    if names.iter().all(|p| panes.get(*p).is_some()) {
        return None;
    }
    let dim = Style::default().fg(state.settings.theme.dim);
    let mut out = vec![("[".to_string(), dim)];
    for (i, p) in names.into_iter().enumerate() {
        if i > 0 {
            out.push(("|".to_string(), dim));
        }
        let st = if p == state.focus {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else if panes.get(p).is_some() {
            Style::default()
        } else {
            dim
        };
        out.push((pane_name(state, p, short).to_string(), st));
    }
    out.push(("]".to_string(), dim));
    Some(out)
}

/// The status bar. `panes` is the layout of the screen it belongs to, for the pane strip.
/// Right to left it keeps, whatever the width: the help key, the pane strip when a pane is
/// hidden, the source badge; then the clock, the last error or notice and the details fill
/// what is left, each whole or not at all (only the error text may be shortened).
pub fn draw(state: &State, area: Rect, panes: &Areas, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let y = area.y;
    let dim = Style::default().fg(theme.dim);
    let km = &state.settings.keymap;
    let t = state.settings.lang.t();
    let help = format!("{} {}", km.first_key(Action::Help), t.help);
    let full_hint = format!(
        "{help}  {} {}  {} {}",
        km.first_key(Action::Search),
        t.search,
        km.first_key(Action::Quit),
        t.quit
    );
    let help_w = text::width(&help) as u16;
    let width_of = |s: &Option<Vec<(String, Style)>>| {
        s.as_ref()
            .map(|s| s.iter().map(|(t, _)| text::width(t) as u16).sum::<u16>())
            .unwrap_or(0)
    };

    let mut x = area.x;
    let (label, st) = source_label(state);
    x += text::put_whole(buf, x, y, &format!(" {label} "), area.width, st);
    x += 1;
    // The stream's state is part of the truth about the data: right after the badge.
    if let Some((ws, wst)) = stream_label(state)
        && x + text::width(&ws) as u16 + 1 + help_w + 1 < area.right()
    {
        x += text::put_whole(buf, x, y, &ws, area.width, wst);
        x += 1;
    }

    // The pane strip with the panes' names, or their first letters when that does not fit.
    let mut strip = pane_strip(state, panes, false);
    if x + width_of(&strip) >= area.right().saturating_sub(help_w) {
        strip = pane_strip(state, panes, true);
    }
    let strip_w = width_of(&strip);

    // Right-hand side: the help key always, the pane strip before it if it fits.
    let help_x = area.right().saturating_sub(help_w);
    let show_strip = strip.is_some() && x + strip_w < help_x;
    let limit = if show_strip {
        (help_x - 1 - strip_w).saturating_sub(1)
    } else {
        help_x.saturating_sub(2)
    }
    .max(x);
    let room = |x: u16| limit.saturating_sub(x);

    // Clock and session first: they matter more than the details after them.
    let local = state.now.with_timezone(&KST);
    let session = Calendar::krx().session_at(state.now);
    let clock = format!(
        "KST {} {}",
        local.format("%H:%M"),
        state.settings.lang.session(session)
    );
    let session_style = if session.is_auction() {
        Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD)
    } else if session.is_live() {
        Style::default().fg(theme.accent)
    } else {
        dim
    };
    x += text::put_whole(buf, x, y, &clock, room(x), session_style);
    let s = &state.status;
    // The data's ages first: they say how fresh the screen is, which matters more than how
    // the figures behind it are kept.
    // A Redis outage is the one figure that outranks them.
    // Each detail is its forms from longest to shortest: the first that fits is drawn.
    let mut details: Vec<Vec<String>> = Vec::new();
    if s.redis_up == Some(false) {
        details.push(vec![t.redis_down.to_string()]);
    }
    let (full, short) = ages(state);
    if !full.is_empty() {
        details.push(vec![full, short]);
    }
    if s.redis_up == Some(true) {
        details.push(vec![t.redis_up.to_string()]);
    }
    if let Some(r) = s.cache_hit_rate {
        details.push(vec![format!("{} {:.0}%", t.cache, r * 100.0)]);
    }
    if s.budget_limit > 0 {
        // With other hoga processes on the key, say so: the budget is theirs too.
        let shared = if s.budget_peers > 1 {
            format!(" {} ×{}", t.shared, s.budget_peers)
        } else {
            String::new()
        };
        details.push(vec![format!(
            "req {}/{}/s{shared}",
            s.budget_used, s.budget_limit
        )]);
    }
    // The simulated market says how to get real data, in full or pointing at help.
    if let Some(h) = &state.real_data_hint {
        details.push(vec![h.clone(), t.real_data_short.to_string()]);
    }
    if let Some(t) = s.token_expires_at {
        details.push(vec![format!(
            "{} →{}",
            state.settings.lang.t().token,
            t.with_timezone(&KST).format("%m-%d %H:%M")
        )]);
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
    if let Some((m, st)) = &message
        && room(x) > 3
    {
        x += 2;
        x += text::put(buf, x, y, m, room(x), *st);
    }
    for forms in &details {
        let Some(d) = forms.iter().find(|d| room(x) >= text::width(d) as u16 + 3) else {
            continue;
        };
        x += text::put(buf, x, y, " · ", 3, dim);
        x += text::put(buf, x, y, d, room(x), dim);
    }

    // The full key hint when the left side leaves room for it.
    let full_w = text::width(&full_hint) as u16;
    let extra = full_w - help_w.min(full_w);
    let (hint, hint_w) = if message.is_none() && limit >= x + 2 + extra {
        (full_hint, full_w)
    } else {
        (help, help_w)
    };
    let hint_x = area.right().saturating_sub(hint_w);
    text::put_whole(buf, hint_x, y, &hint, hint_w, dim);
    if let (Some(strip), true) = (strip, show_strip) {
        let mut sx = hint_x.saturating_sub(1 + strip_w);
        for (t, st) in strip {
            sx += text::put_whole(buf, sx, y, &t, text::width(&t) as u16, st);
        }
    }
}

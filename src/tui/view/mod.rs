//! Drawing: pure functions from `&State` into a `Buffer`, one file per pane. No I/O, no clock.

pub mod alerts;
pub mod book;
pub mod chart;
pub mod help;
pub mod info;
pub mod prompt;
pub mod rankings;
pub mod search;
pub mod status;
pub mod strip;
pub mod tape;
pub mod watchlist;

use super::layout;
use super::state::{Data, Mode, Pane, State, Theme};
use super::widgets::text;
use crate::market::{Krw, Rate};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

/// Draws the whole screen into `buf` (whose area is the terminal).
pub fn draw(state: &State, buf: &mut Buffer) {
    let size = buf.area;
    let a = layout::of_state(state, size);
    if a.too_small {
        too_small(state, size, buf);
        return;
    }
    if let Some(r) = a.watchlist {
        watchlist::draw(state, r, buf);
    }
    if let Some(r) = a.chart {
        chart::draw(state, r, buf);
    }
    if let Some(r) = a.book {
        book::draw(state, r, buf);
    }
    if let Some(r) = a.info {
        info::draw(state, r, buf);
    }
    if let Some(r) = a.tape {
        tape::draw(state, r, buf);
    }
    if let Some(r) = a.rankings {
        let alerts_view = match state.mode {
            Mode::Alerts => true,
            Mode::AlertForm => state
                .alerts
                .form
                .as_ref()
                .is_some_and(|f| f.back == Mode::Alerts),
            _ => false,
        };
        if alerts_view {
            alerts::draw(state, r, buf);
        } else {
            rankings::draw(state, r, buf);
        }
    }
    if let Some(r) = a.strip {
        strip::draw(state, r, buf);
    }
    if let Some(r) = a.status {
        status::draw(state, r, &a, buf);
    }
    match state.mode {
        Mode::Search => search::draw(state, size, buf),
        Mode::Help => help::draw(state, size, buf),
        Mode::Prompt => prompt::draw(state, size, buf),
        Mode::AlertForm => alerts::draw_form(state, size, buf),
        Mode::Normal | Mode::Rankings | Mode::Alerts => {}
    }
    // What fired and has not been seen, over the panes until it is.
    if matches!(state.mode, Mode::Normal | Mode::Rankings) {
        let top = a.strip.map_or(0, |s| s.bottom());
        let body = Rect::new(0, top, size.width, size.height.saturating_sub(top + 1));
        alerts::draw_toast(state, body, buf);
    }
}

fn too_small(state: &State, size: Rect, buf: &mut Buffer) {
    let lang = state.settings.lang;
    let [needs, now] = lang.needs(
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        size.width,
        size.height,
    );
    let lines = [lang.t().enlarge.to_string(), needs, now];
    let top = size.y + size.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let y = top + i as u16;
        if y < size.bottom() {
            text::put_center(
                buf,
                size.x,
                y,
                size.width,
                l,
                Style::default().add_modifier(Modifier::BOLD),
            );
        }
    }
}

/// A pane's frame with its title on the left and `right` (age, stale marker) on the right;
/// returns the inner area.
pub fn frame(
    state: &State,
    pane: Pane,
    area: Rect,
    title: &str,
    right: &[(String, Style)],
    buf: &mut Buffer,
) -> Rect {
    let focused = state.focus == pane && state.mode == Mode::Normal;
    frame_with(state, focused, area, title, right, buf)
}

/// [`frame`] for a view that says itself whether the keys go to it.
pub fn frame_with(
    state: &State,
    focused: bool,
    area: Rect,
    title: &str,
    right: &[(String, Style)],
    buf: &mut Buffer,
) -> Rect {
    let border = if focused {
        Style::default().fg(state.settings.theme.accent)
    } else {
        Style::default().fg(state.settings.theme.dim)
    };
    draw_border(area, focused, border, buf);
    let title_style = if focused {
        Style::default().add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    if area.width > 4 {
        let used = text::put(
            buf,
            area.x + 1,
            area.y,
            &format!(" {title} "),
            area.width - 2,
            title_style,
        );
        // Right-hand labels, right-aligned, if they fit after the title.
        let mut x = area.right().saturating_sub(1);
        for (s, st) in right.iter().rev() {
            let w = text::width(s) as u16 + 2;
            if x < area.x + 1 + used + w {
                break;
            }
            x -= w;
            text::put(buf, x, area.y, &format!(" {s} "), w, *st);
        }
    }
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(1),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// A pane's box: only its edge cells are touched. (ratatui's `Block` also styles every cell
/// inside, a fifth of the chart pane's frame time for a style that changes nothing.)
fn draw_border(area: Rect, thick: bool, style: Style, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.width < 2 || area.height < 2 {
        return;
    }
    let (h, v, tl, tr, bl, br) = if thick {
        ("━", "┃", "┏", "┓", "┗", "┛")
    } else {
        ("─", "│", "┌", "┐", "└", "┘")
    };
    let (l, r, t, b) = (area.left(), area.right() - 1, area.top(), area.bottom() - 1);
    let mut put = |x: u16, y: u16, sym: &str| {
        if let Some(c) = buf.cell_mut((x, y)) {
            c.set_symbol(sym).set_style(style);
        }
    };
    for x in l + 1..r {
        put(x, t, h);
        put(x, b, h);
    }
    for y in t + 1..b {
        put(l, y, v);
        put(r, y, v);
    }
    put(l, t, tl);
    put(r, t, tr);
    put(l, b, bl);
    put(r, b, br);
}

/// Centres in `area` why a pane has nothing to draw: the data's problem, `idle` while no stock
/// is open, else `loading`.
pub fn draw_missing<T>(
    state: &State,
    d: &Data<T>,
    idle: &str,
    loading: &str,
    area: Rect,
    buf: &mut Buffer,
) {
    let msg = match &d.problem {
        Some(p) => format!("{}: {}", p.what, p.message),
        None if state.selected.is_none() => idle.to_string(),
        None => loading.to_string(),
    };
    text::put_center(
        buf,
        area.x,
        area.y + area.height / 2,
        area.width,
        &msg,
        Style::default().fg(state.settings.theme.dim),
    );
}

/// The age/stale label of a pane's data for its title.
pub fn data_label<T>(state: &State, d: &Data<T>) -> Vec<(String, Style)> {
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    let mut out = Vec::new();
    if let Some(p) = &d.problem {
        let age = d
            .fetched_at()
            .map(|at| format!("{} {}", t.badge_stale, age((state.now - at).num_seconds())))
            .unwrap_or_else(|| t.badge_no_data.to_string());
        out.push((age, Style::default().fg(Color::Black).bg(theme.stale)));
        if let Some(n) = p.next_try {
            out.push((retry_label(state, n), Style::default().fg(theme.stale)));
        }
    } else if let Some(crate::market::Provenance::Stale { since }) = d.provenance {
        out.push((
            format!(
                "{} {}",
                t.badge_stale,
                age((state.now - since).num_seconds())
            ),
            Style::default().fg(Color::Black).bg(theme.stale),
        ));
    } else if let Some(crate::market::Provenance::Cached { fetched_at }) = d.provenance {
        out.push((
            format!(
                "{} {}",
                state.settings.lang.t().cached,
                short_age((state.now - fetched_at).num_seconds())
            ),
            Style::default().fg(theme.dim),
        ));
    }
    out
}

/// `12s`, `3m 5s`, `2h 10m`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}

/// The countdown to the next try, and `retrying…` once it is due: the try may then wait for
/// its turn in the rate budget, and a countdown stuck at `0s` would say nothing true.
pub fn retry_label(state: &State, next_try: chrono::DateTime<chrono::Utc>) -> String {
    let s = (next_try - state.now).num_seconds();
    if s > 0 {
        state.settings.lang.retry_in(s)
    } else {
        state.settings.lang.t().retrying.to_string()
    }
}

/// An age in one short unit: `3s`, `59s`, `4m`, `2h`. Seconds while they matter, so a
/// label of data polled every few seconds counts them, and whole minutes after that.
pub fn short_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}

/// Red up, blue down, plain flat (theme-able).
pub fn dir_style(theme: &Theme, sign: i64) -> Style {
    match sign.signum() {
        1 => Style::default().fg(theme.up),
        -1 => Style::default().fg(theme.down),
        _ => Style::default().fg(theme.flat),
    }
}

/// `▲1,200`, `▼300`, `0`.
pub fn fmt_change(c: Krw) -> String {
    match c.0.signum() {
        1 => format!("▲{}", c.abs()),
        -1 => format!("▼{}", c.abs()),
        _ => "0".to_string(),
    }
}

/// `+1.54%`, `-0.23%`, `0.00%`.
pub fn fmt_rate(r: Rate) -> String {
    if r.0 > 0 {
        format!("+{r}%")
    } else {
        format!("{r}%")
    }
}

pub use crate::market::money::fmt_eok;

/// Clears `area` and draws a bordered box for an overlay; returns the inner area.
pub fn overlay(area: Rect, title: &str, theme: &Theme, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.accent))
        .title(format!(" {title} "))
        .render(area, buf);
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(1),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// A rectangle `w`×`h` centred in `area`, clipped to it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

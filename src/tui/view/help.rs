//! The help overlay: every action with its keys (generated from the keymap) and the mouse,
//! wrapped to the box and scrolled with the keys, with marks when there is more.

use super::{centered, overlay};
use crate::tui::action::Action;
use crate::tui::state::{State, Theme};
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

/// One screen row of the help: a key column, a name column and a description piece.
struct Row {
    keys: String,
    name: String,
    help: String,
}

/// Keys and name beside the description when the box is wide; above it, indented, when it is
/// narrow. Descriptions wrap rather than being cut.
fn rows(state: &State, width: u16) -> (Vec<Row>, u16, u16) {
    let km = &state.settings.keymap;
    let lang = state.settings.lang;
    let t = lang.t();
    let mut entries: Vec<(String, String, &str)> = Action::ALL
        .iter()
        .map(|a| {
            (
                km.keys_label(*a),
                a.name().to_string(),
                lang.action_help(*a),
            )
        })
        .collect();
    // What the mouse does, for the overlay's last lines.
    if state.settings.mouse {
        entries.extend(
            [
                (t.mouse_click, t.mouse_click_help),
                (t.mouse_wheel, t.mouse_wheel_help),
            ]
            .iter()
            .map(|(k, h)| (format!("{} {k}", t.mouse), String::new(), *h)),
        );
    }
    // Columns as wide as their widest entry, when that leaves the description room.
    let widest = |col: usize| {
        let w = entries
            .iter()
            .map(|e| text::width(if col == 0 { &e.0 } else { &e.1 }));
        w.max().unwrap_or(0) as u16
    };
    let (key_w, name_w) = (widest(0).min(22), widest(1));
    let wide = width >= key_w + name_w + 2 + 30;
    let (key_w, name_w) = if wide { (key_w, name_w) } else { (width, 0) };
    let mut out = Vec::new();
    for (keys, name, help) in entries {
        if wide {
            let help_w = width.saturating_sub(key_w + name_w + 2) as usize;
            let mut first = true;
            for piece in text::wrap(help, help_w) {
                let (k, n) = if first {
                    (keys.clone(), name.clone())
                } else {
                    Default::default()
                };
                first = false;
                out.push(Row {
                    keys: k,
                    name: n,
                    help: piece,
                });
            }
        } else {
            out.push(Row {
                keys: format!("{keys}  {name}"),
                name: String::new(),
                help: String::new(),
            });
            for piece in text::wrap(help, width.saturating_sub(2) as usize) {
                out.push(Row {
                    keys: String::new(),
                    name: String::new(),
                    help: format!("  {piece}"),
                });
            }
        }
    }
    (out, key_w, name_w)
}

/// The furthest the help scrolls on `screen`: its rows less those the box shows.
pub fn max_scroll(state: &State, screen: Rect) -> u16 {
    let (w, max_h) = box_size(screen);
    let n = rows(state, w.saturating_sub(2)).0.len();
    let shown = max_h.saturating_sub(2) as usize;
    u16::try_from(n.saturating_sub(shown)).unwrap_or(u16::MAX)
}

fn box_size(screen: Rect) -> (u16, u16) {
    (
        screen.width.saturating_sub(4).min(100),
        screen.height.saturating_sub(2),
    )
}

fn mark(buf: &mut Buffer, area: Rect, y: u16, s: &str, theme: &Theme) {
    let w = text::width(s) as u16;
    let x = area.right().saturating_sub(w + 2);
    text::put(buf, x, y, s, w, Style::default().fg(theme.accent));
}

pub fn draw(state: &State, screen: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let (w, max_h) = box_size(screen);
    let (lines, key_w, name_w) = rows(state, w.saturating_sub(2));
    let h = max_h.min(lines.len() as u16 + 2);
    let area = centered(screen, w, h);
    let t = state.settings.lang.t();
    let inner = overlay(area, t.help_title, theme, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let n = inner.height as usize;
    let scroll = (state.help_scroll as usize).min(lines.len().saturating_sub(n));
    let key_st = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let dim = Style::default().fg(theme.dim);
    for (i, r) in lines.iter().skip(scroll).take(n).enumerate() {
        let y = inner.y + i as u16;
        let mut x = inner.x;
        if name_w == 0 {
            // Narrow: the key line and its description lines.
            if r.keys.is_empty() {
                text::put(buf, x, y, &r.help, inner.width, Style::default());
            } else {
                text::put(buf, x, y, &r.keys, inner.width, key_st);
            }
            continue;
        }
        text::put(buf, x, y, &r.keys, key_w, key_st);
        x += key_w + 1;
        text::put(buf, x, y, &r.name, name_w, dim);
        x += name_w + 1;
        text::put(
            buf,
            x,
            y,
            &r.help,
            inner.right().saturating_sub(x),
            Style::default(),
        );
    }
    if scroll > 0 {
        mark(buf, area, area.y, t.more_up, theme);
    }
    if scroll + n < lines.len() {
        mark(
            buf,
            area,
            area.bottom().saturating_sub(1),
            t.more_down,
            theme,
        );
    }
}

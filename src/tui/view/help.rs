//! The help overlay: every action with its keys, generated from the keymap.

use super::{centered, overlay};
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

pub fn draw(state: &State, screen: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let w = screen.width.saturating_sub(4).min(96);
    let h = screen
        .height
        .saturating_sub(2)
        .min(Action::ALL.len() as u16 + 4);
    let area = centered(screen, w, h);
    let inner = overlay(
        area,
        "help: keys (remap in [keys]) · esc to close",
        theme,
        buf,
    );
    if inner.height == 0 {
        return;
    }
    let km = &state.settings.keymap;
    let key_w = 20u16.min(inner.width / 2);
    let name_w = 22u16.min(inner.width.saturating_sub(key_w) / 2);
    let scroll =
        (state.help_scroll as usize).min(Action::ALL.len().saturating_sub(inner.height as usize));
    for (i, a) in Action::ALL
        .iter()
        .enumerate()
        .skip(scroll)
        .take(inner.height as usize)
    {
        let y = inner.y + (i - scroll) as u16;
        let mut x = inner.x;
        text::put(
            buf,
            x,
            y,
            &km.keys_label(*a),
            key_w,
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        );
        x += key_w + 1;
        text::put(buf, x, y, a.name(), name_w, Style::default().fg(theme.dim));
        x += name_w + 1;
        text::put(
            buf,
            x,
            y,
            a.help(),
            inner.right().saturating_sub(x),
            Style::default(),
        );
    }
    let _ = Rect::default();
}

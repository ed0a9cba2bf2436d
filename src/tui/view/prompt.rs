//! The one-line question overlay: a new list's name, a rename, or a deletion to confirm.

use super::{centered, overlay};
use crate::tui::state::{PromptKind, State};
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

/// The overlay's title and the hint under the input.
fn wording(state: &State, kind: PromptKind) -> (String, &'static str) {
    let list = &state.watchlists.current().name;
    let lang = state.settings.lang;
    let t = lang.t();
    match kind {
        PromptKind::NewList => (t.new_list.to_string(), t.new_list_hint),
        PromptKind::RenameList => (lang.rename_title(list), t.rename_hint),
        PromptKind::DeleteList => (
            lang.delete_title(list, state.watchlists.current().codes.len()),
            t.delete_hint,
        ),
    }
}

pub fn draw(state: &State, screen: Rect, buf: &mut Buffer) {
    let Some(p) = &state.prompt else {
        return;
    };
    let theme = &state.settings.theme;
    let (title, hint) = wording(state, p.kind);
    let area = centered(screen, screen.width.saturating_sub(4).min(46), 4);
    let inner = overlay(area, &title, theme, buf);
    if inner.height == 0 || inner.width < 3 {
        return;
    }
    let bold = Style::default().add_modifier(Modifier::BOLD);
    text::put(
        buf,
        inner.x,
        inner.y,
        &format!("> {}▏", p.input),
        inner.width,
        bold,
    );
    if inner.height > 1 {
        let dim = Style::default().fg(theme.dim);
        text::put(buf, inner.x, inner.y + 1, hint, inner.width, dim);
    }
}

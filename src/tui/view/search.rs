//! The lookup overlay: the query as typed and the ranked results under it.

use super::{centered, overlay};
use crate::market::group_thousands;
use crate::tui::state::State;
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

pub fn draw(state: &State, screen: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let w = screen.width.saturating_sub(4).min(70);
    let h = screen.height.saturating_sub(2).min(20);
    let area = centered(screen, w, h);
    // English is offered only when the loaded universe has English names (the master files
    // carry none; they come from the stock-info endpoint as stocks are looked at).
    let english = state.universe.iter().any(|l| l.name_en.is_some());
    let lang = state.settings.lang;
    let t = lang.t();
    let title = if english {
        t.search_title_en
    } else {
        t.search_title
    };
    let inner = overlay(area, title, theme, buf);
    if inner.height == 0 || inner.width < 3 {
        return;
    }
    let q = &state.search.query;
    let prompt = format!("/ {q}▏");
    text::put(
        buf,
        inner.x,
        inner.y,
        &prompt,
        inner.width,
        Style::default().add_modifier(Modifier::BOLD),
    );
    let list_top = inner.y + 1;
    let n = inner.bottom().saturating_sub(list_top) as usize;
    if state.search.results.is_empty() {
        let msg = if state.universe.is_empty() {
            match &state.universe_problem {
                Some(p) => lang.stock_list_unavailable(&p.message),
                None => t.loading_stocks.to_string(),
            }
        } else if q.is_empty() {
            let example = if english {
                t.search_example_en
            } else {
                t.search_example
            };
            lang.stocks_type(state.universe.len(), example)
        } else {
            t.no_match.to_string()
        };
        if n > 0 {
            text::put(
                buf,
                inner.x,
                list_top,
                &msg,
                inner.width,
                Style::default().fg(theme.dim),
            );
        }
        return;
    }
    let scroll = state.search.cursor.saturating_sub(n.saturating_sub(1));
    for (row, idx) in state.search.results.iter().enumerate().skip(scroll).take(n) {
        let Some(l) = state.universe.get(*idx) else {
            continue;
        };
        let y = list_top + (row - scroll) as u16;
        if row == state.search.cursor {
            buf.set_style(
                Rect::new(inner.x, y, inner.width, 1),
                Style::default()
                    .bg(theme.cursor_bg)
                    .add_modifier(Modifier::BOLD),
            );
        }
        // The price where a quote is known, right-aligned and never cut.
        let mut right = inner.right();
        if let Some(q) = state.quotes.get(&l.code).map(|c| &c.quote) {
            let p = format!(
                "{} {}",
                group_thousands(q.price.0),
                super::fmt_rate(q.change_rate)
            );
            let w = text::width(&p) as u16;
            if w + 12 <= inner.width {
                right = right.saturating_sub(w);
                let st = super::dir_style(theme, q.change.0);
                text::put_whole(buf, right, y, &p, w, st);
                right = right.saturating_sub(1);
            }
        }
        let mut x = inner.x;
        x += text::put(
            buf,
            x,
            y,
            l.code.as_str(),
            7,
            Style::default().fg(theme.accent),
        ) + 1;
        let name_w = 20u16.min(right.saturating_sub(x));
        text::put(buf, x, y, &l.name, name_w, Style::default());
        x += name_w + 1;
        x += text::put(
            buf,
            x,
            y,
            l.market.tag(),
            right.saturating_sub(x),
            Style::default().fg(theme.dim),
        ) + 1;
        if let Some(en) = &l.name_en {
            text::put(
                buf,
                x,
                y,
                en,
                right.saturating_sub(x),
                Style::default().fg(theme.dim),
            );
        }
    }
}

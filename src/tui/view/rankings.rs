//! The rankings view (`m`): volume leaders, traded-value leaders, gainers and losers, per
//! market, 30 rows each, in place of the watchlist and the chart (the open stock's book stays
//! beside it). The top line holds the four rankings and the three markets, the current ones
//! marked; the bottom line the keys. Numbers are never cut: columns drop out whole, traded
//! value first, and the name shrinks. On a server that serves no rankings (the virtual one)
//! the view says so instead of showing an empty table.

use super::{data_label, dir_style, fmt_change, fmt_rate, frame_with};
use crate::market::{RankKind, RankMarket, RankRow, group_thousands};
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::widgets::text::{self, compact};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// First screen row of the table body and how many rows fit: inside the border, under the
/// tabs and the header, above the line of keys.
pub fn body_rows(area: Rect) -> (u16, u16) {
    (area.y + 3, area.height.saturating_sub(5))
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Col {
    Rank,
    Name,
    Code,
    Price,
    Change,
    Rate,
    Volume,
    Value,
}

impl Col {
    const ALL: [Col; 8] = [
        Col::Rank,
        Col::Name,
        Col::Code,
        Col::Price,
        Col::Change,
        Col::Rate,
        Col::Volume,
        Col::Value,
    ];

    fn header(self, state: &State) -> &'static str {
        let i = Col::ALL.iter().position(|c| *c == self).unwrap_or(0);
        state.settings.lang.t().rank_cols[i]
    }
}

/// One row's cells, formatted once for sizing and drawing.
struct Cells {
    rank: String,
    code: String,
    price: String,
    change: String,
    rate: String,
    volume: String,
    value: String,
}

fn cells(state: &State, r: &RankRow) -> Cells {
    Cells {
        rank: r.rank.to_string(),
        code: r.code.as_str().to_string(),
        price: group_thousands(r.price.0),
        change: fmt_change(r.change),
        rate: fmt_rate(r.change_rate),
        volume: compact(r.volume),
        value: r
            .value
            .map(|v| state.settings.lang.money(v.0))
            .unwrap_or_else(|| "-".into()),
    }
}

impl Cells {
    fn get(&self, c: Col) -> &str {
        match c {
            Col::Rank => &self.rank,
            Col::Code => &self.code,
            Col::Price => &self.price,
            Col::Change => &self.change,
            Col::Rate => &self.rate,
            Col::Volume => &self.volume,
            Col::Value => &self.value,
            Col::Name => "",
        }
    }
}

/// The columns that fit in `width` with their widths (one space between): the widest value
/// on screen or the header. Traded value drops first, then volume, the code, the change; then
/// the name shrinks to its minimum; the rank, price and rate always stay (the narrowest view
/// still has room for them).
fn columns(state: &State, width: u16, shown: &[Cells]) -> Vec<(Col, u16)> {
    const NAME_MIN: u16 = 6;
    let w = |c: Col| -> u16 {
        shown
            .iter()
            .map(|r| text::width(r.get(c)))
            .chain([text::width(c.header(state))])
            .max()
            .unwrap_or(0) as u16
    };
    let mut cols: Vec<Col> = Col::ALL.to_vec();
    let fixed = |cols: &[Col]| -> u16 {
        cols.iter()
            .filter(|c| **c != Col::Name)
            .map(|c| w(*c) + 1)
            .sum()
    };
    for drop in [Col::Value, Col::Volume, Col::Code, Col::Change] {
        if fixed(&cols) + NAME_MIN <= width {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let name_w = width.saturating_sub(fixed(&cols)).clamp(1, 24);
    // A wide view spreads what is left over the number columns (a few cells each), so the
    // table does not huddle at the left edge.
    let numbers = cols.len().saturating_sub(3).max(1) as u16;
    let spare = width.saturating_sub(fixed(&cols) + name_w);
    let pad = (spare / numbers).min(3);
    cols.into_iter()
        .map(|c| match c {
            Col::Name => (c, name_w),
            Col::Rank | Col::Code => (c, w(c)),
            _ => (c, w(c) + pad),
        })
        .collect()
}

/// The tabs line: the four rankings, then the three markets, the current ones highlighted.
fn tabs(state: &State, area: Rect, buf: &mut Buffer) {
    let t = state.settings.lang.t();
    let theme = &state.settings.theme;
    let r = &state.rankings;
    let on = Style::default()
        .fg(Color::Black)
        .bg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let off = Style::default().fg(theme.dim);
    let mut x = area.x;
    let right = area.right();
    for (i, k) in RankKind::ALL.iter().enumerate() {
        let label = format!(" {} ", t.rank_kinds[i]);
        let st = if *k == r.kind { on } else { off };
        let used = text::put_whole(buf, x, area.y, &label, right.saturating_sub(x), st);
        if used == 0 {
            return;
        }
        x = x.saturating_add(used);
    }
    // The markets, right-aligned when there is room, else after a gap.
    let markets: Vec<(String, Style)> = RankMarket::ALL
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let st = if *m == r.market { on } else { off };
            (format!(" {} ", t.rank_markets[i]), st)
        })
        .collect();
    let mw: u16 = markets.iter().map(|(s, _)| text::width(s) as u16).sum();
    let start = right.saturating_sub(mw).max(x.saturating_add(1));
    if start.saturating_add(mw) > right {
        return;
    }
    let mut x = start;
    for (s, st) in markets {
        x = x.saturating_add(text::put_whole(buf, x, area.y, &s, right - x, st));
    }
}

fn hint(state: &State) -> String {
    let km = &state.settings.keymap;
    let lang = state.settings.lang;
    // Arrow keys as arrows: `←→` says more than `leftright`.
    let key = |a: Action| {
        let k = km.first_key(a);
        match k.as_str() {
            "left" => "←".to_string(),
            "right" => "→".to_string(),
            _ => k,
        }
    };
    let kind = format!("{}{}", key(Action::Left), key(Action::Right));
    lang.rank_hint(
        &kind,
        &key(Action::FocusNext),
        &key(Action::Open),
        &key(Action::AddToWatchlist),
        &key(Action::Cancel),
    )
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    let r = &state.rankings;
    let kind_i = RankKind::ALL.iter().position(|k| *k == r.kind).unwrap_or(0);
    let market_i = RankMarket::ALL
        .iter()
        .position(|m| *m == r.market)
        .unwrap_or(0);
    let title = format!(
        "{} · {} · {}",
        t.rankings, t.rank_kinds[kind_i], t.rank_markets[market_i]
    );
    let right = match (r.current(), &r.unsupported) {
        (Some(d), None) => data_label(state, d),
        _ => Vec::new(),
    };
    // Drawn focused: the keys go to the view while it is open.
    let inner = frame_with(state, true, area, &title, &right, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    tabs(state, Rect::new(inner.x, inner.y, inner.width, 1), buf);
    let dim = Style::default().fg(theme.dim);
    // The line of keys at the bottom, when there is room for a row or two above it.
    if inner.height >= 5 {
        text::put(
            buf,
            inner.x,
            inner.bottom() - 1,
            &hint(state),
            inner.width,
            dim,
        );
    }
    let (first, n) = body_rows(area);
    let body = Rect::new(inner.x, first, inner.width, n);
    if let Some(why) = &r.unsupported {
        let lines = text::wrap(t.rank_real_only, inner.width as usize);
        let top = body.y + body.height.saturating_sub(lines.len() as u16 + 1) / 2;
        for (i, l) in lines.iter().enumerate() {
            text::put_center(buf, body.x, top + i as u16, body.width, l, dim);
        }
        let y = top + lines.len() as u16;
        if y < body.bottom() {
            text::put_center(buf, body.x, y, body.width, why, dim);
        }
        return;
    }
    let rows = r.rows();
    if rows.is_empty() {
        let empty = crate::tui::state::Data::default();
        let d = r.current().unwrap_or(&empty);
        super::draw_missing(state, d, t.rank_loading, t.rank_loading, body, buf);
        return;
    }
    if inner.height < 2 {
        return;
    }
    let shown: Vec<(usize, &RankRow)> = rows
        .iter()
        .enumerate()
        .skip(r.scroll)
        .take(n as usize)
        .collect();
    let cells_shown: Vec<Cells> = shown.iter().map(|(_, row)| cells(state, row)).collect();
    let cols = columns(state, inner.width, &cells_shown);
    // Header.
    let mut x = inner.x;
    let hy = inner.y + 1;
    for (c, w) in &cols {
        let h = c.header(state);
        if matches!(c, Col::Name | Col::Code) {
            text::put(buf, x, hy, h, *w, dim);
        } else {
            text::put_right_whole(buf, x + w, hy, h, *w, dim);
        }
        x += w + 1;
    }
    for (line, ((i, row), c)) in shown.iter().zip(&cells_shown).enumerate() {
        let y = first + line as u16;
        let selected = *i == r.cursor;
        let base = if selected {
            Style::default().bg(theme.cursor_bg)
        } else {
            Style::default()
        };
        if selected {
            for xx in inner.x..inner.right() {
                if let Some(cell) = buf.cell_mut((xx, y)) {
                    cell.set_style(base);
                }
            }
        }
        let dir = dir_style(theme, row.change.0).patch(base);
        let name = state.name_of(row.code).unwrap_or(&row.name);
        let name = if name.is_empty() {
            row.code.as_str()
        } else {
            name
        };
        let mut x = inner.x;
        for (col, w) in &cols {
            match col {
                Col::Name => {
                    let st = if selected {
                        base.add_modifier(Modifier::BOLD)
                    } else {
                        base
                    };
                    text::put(buf, x, y, name, *w, st);
                }
                Col::Rank => text::put_right_whole(buf, x + w, y, &c.rank, *w, dim.patch(base)),
                Col::Code => {
                    text::put_whole(buf, x, y, &c.code, *w, dim.patch(base));
                }
                Col::Price | Col::Change | Col::Rate => {
                    text::put_right_whole(buf, x + w, y, c.get(*col), *w, dir)
                }
                Col::Volume | Col::Value => {
                    text::put_right_whole(buf, x + w, y, c.get(*col), *w, base)
                }
            }
            x += w + 1;
        }
    }
}

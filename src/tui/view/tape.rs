//! The time-and-sales tape (체결) of the open stock: time, price, ▲ buy / ▼ sell and quantity,
//! 체결강도; newest first, as the trades stream in. Columns drop from the right (strength,
//! then the time) before a number would be cut; a gap in the stream is a row of its own.

use super::status::hms;
use super::{dir_style, frame};
use crate::market::{KST, Side, group_thousands};
use crate::source::live::Channel;
use crate::tui::state::{Pane, State, TapeRow};
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    let dim = Style::default().fg(theme.dim);
    let streamed = state
        .selected
        .zip(state.stream.as_ref())
        .is_some_and(|(c, s)| s.streams(Channel::Trades, c));
    let right = match (&state.stream, streamed) {
        (_, true) => vec![(t.tape_live.to_string(), Style::default().fg(theme.accent))],
        (Some(_), false) if state.selected.is_some() => {
            vec![(t.tape_no_slot.to_string(), Style::default().fg(theme.stale))]
        }
        _ => Vec::new(),
    };
    let inner = frame(state, Pane::Tape, area, t.tape, &right, buf);
    if inner.height == 0 || inner.width < 8 {
        return;
    }
    if state.tape.is_empty() {
        let msg = match (&state.stream, state.selected) {
            (_, None) => t.tape_pick,
            (None, _) => t.tape_no_stream,
            (Some(_), _) if !streamed => t.tape_polled,
            _ => t.tape_waiting,
        };
        text::put_center(
            buf,
            inner.x,
            inner.y + inner.height / 2,
            inner.width,
            msg,
            dim,
        );
        return;
    }
    let rows: Vec<&TapeRow> = state.tape.iter().take(inner.height as usize).collect();
    let price_w = rows
        .iter()
        .filter_map(|r| match r {
            TapeRow::Trade(tr) => Some(text::width(&group_thousands(tr.price.0))),
            TapeRow::Gap { .. } => None,
        })
        .max()
        .unwrap_or(0) as u16;
    let qty_w = rows
        .iter()
        .filter_map(|r| match r {
            TapeRow::Trade(tr) => Some(text::width(&text::compact(tr.qty))),
            TapeRow::Gap { .. } => None,
        })
        .max()
        .unwrap_or(0) as u16;
    const STRENGTH_W: u16 = 7;
    // time, price, side + quantity, strength: what fits, from the left.
    let core = price_w + 1 + 2 + qty_w;
    let time_w: u16 = if inner.width >= core + 9 {
        8
    } else if inner.width >= core + 6 {
        5
    } else {
        0
    };
    let show_strength = inner.width >= time_w + 1 + core + 1 + STRENGTH_W;
    for (i, row) in rows.iter().enumerate() {
        let y = inner.y + i as u16;
        match row {
            TapeRow::Gap { from, to } => {
                let s = format!("── {} {}–{} ──", t.tape_gap, hms(*from), hms(*to));
                text::put_center(
                    buf,
                    inner.x,
                    y,
                    inner.width,
                    &s,
                    Style::default().fg(theme.stale),
                );
            }
            TapeRow::Trade(tr) => {
                let mut x = inner.x;
                if time_w > 0 {
                    let fmt = if time_w == 8 { "%H:%M:%S" } else { "%H:%M" };
                    let s = tr.at.with_timezone(&KST).format(fmt).to_string();
                    text::put_whole(buf, x, y, &s, time_w, dim);
                    x += time_w + 1;
                }
                let price_style = dir_style(theme, tr.change.0);
                text::put_right_whole(
                    buf,
                    x + price_w,
                    y,
                    &group_thousands(tr.price.0),
                    price_w,
                    price_style,
                );
                x += price_w + 1;
                let (mark, mst) = match tr.side {
                    Some(Side::Buy) => ("▲", dir_style(theme, 1)),
                    Some(Side::Sell) => ("▼", dir_style(theme, -1)),
                    None => (" ", dim),
                };
                text::put_whole(buf, x, y, mark, 1, mst);
                x += 2;
                text::put_right_whole(buf, x + qty_w, y, &text::compact(tr.qty), qty_w, mst);
                if show_strength && let Some(s) = tr.strength {
                    let right = inner.x + inner.width;
                    text::put_right_whole(buf, right, y, &format!("{s}%"), STRENGTH_W, dim);
                }
            }
        }
    }
}

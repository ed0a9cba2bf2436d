//! The index strip: one row at the top with KOSPI, KOSDAQ and KOSPI200: value, change ▲/▼,
//! change %, and breadth (상승/하락/보합) where the width allows, red up and blue down. Where the
//! server serves no live index (the virtual server), the last close, marked as such. Parts drop
//! out whole, breadth first, before a number would be cut.

use super::dir_style;
use crate::market::{IndexQuote, Points};
use crate::tui::state::State;
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

fn name(q: &IndexQuote) -> &str {
    match q.code.as_str() {
        "0001" => "KOSPI",
        "1001" => "KOSDAQ",
        "2001" => "KOSPI200",
        other => q.name.as_deref().unwrap_or(other),
    }
}

fn change(p: Points) -> String {
    match p.0.signum() {
        1 => format!("▲{}", Points(p.0)),
        -1 => format!("▼{}", Points(-p.0)),
        _ => "0.00".to_string(),
    }
}

/// One index's pieces, each (text, style), in the order they drop out last to first.
fn pieces(state: &State, q: &IndexQuote, level: u8) -> Vec<(String, Style)> {
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    let dir = dir_style(theme, q.change.0);
    let dim = Style::default().fg(theme.dim);
    let mut out = vec![
        (
            name(q).to_string(),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        (q.value.to_string(), dir),
    ];
    if level >= 1 {
        out.push((change(q.change), dir));
    }
    if level >= 2 {
        out.push((super::fmt_rate(q.change_rate), dir));
    }
    if let Some(d) = q.closed_on {
        out.push((format!("{} {}", d.format("%m/%d"), t.index_close), dim));
    } else if level >= 3
        && let Some(b) = &q.breadth
    {
        out.push((format!("{} {}", t.breadth_up, b.up), dir_style(theme, 1)));
        out.push((
            format!("{} {}", t.breadth_down, b.down),
            dir_style(theme, -1),
        ));
        out.push((format!("{} {}", t.breadth_flat, b.unchanged), dim));
    }
    out
}

fn width(p: &[(String, Style)]) -> u16 {
    let w: usize = p.iter().map(|(s, _)| text::width(s)).sum();
    (w + p.len().saturating_sub(1)) as u16
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let dim = Style::default().fg(state.settings.theme.dim);
    let Some(list) = state.indices.value.as_ref().filter(|l| !l.is_empty()) else {
        if let Some(p) = &state.indices.problem {
            let t = state.settings.lang.t();
            let msg = format!("{}: {}", t.index_strip, p.message);
            text::put(
                buf,
                area.x + 1,
                area.y,
                &msg,
                area.width.saturating_sub(2),
                dim,
            );
        }
        return;
    };
    const GAP: u16 = 3;
    // The most detail that fits for every index, then as many indices as fit.
    let mut chosen: Vec<Vec<(String, Style)>> = Vec::new();
    for level in (0..=3u8).rev() {
        let all: Vec<_> = list.iter().map(|q| pieces(state, q, level)).collect();
        let total: u16 =
            all.iter().map(|p| width(p)).sum::<u16>() + GAP * (all.len().saturating_sub(1)) as u16;
        if total + 2 <= area.width || level == 0 {
            chosen = all;
            break;
        }
    }
    let mut x = area.x + 1;
    let right = area.right().saturating_sub(1);
    for (i, parts) in chosen.iter().enumerate() {
        let need = width(parts) + if i > 0 { GAP } else { 0 };
        if x + need > right {
            break;
        }
        if i > 0 {
            text::put(buf, x, area.y, " │ ", GAP, dim);
            x += GAP;
        }
        for (j, (s, st)) in parts.iter().enumerate() {
            if j > 0 {
                x += 1;
            }
            x += text::put_whole(buf, x, area.y, s, right.saturating_sub(x), *st);
        }
    }
    if state.indices.problem.is_some() || state.indices.is_stale() {
        let t = state.settings.lang.t();
        let w = text::width(t.badge_stale) as u16;
        if x + 2 + w <= right {
            text::put_right_whole(
                buf,
                right,
                area.y,
                t.badge_stale,
                w,
                Style::default().fg(state.settings.theme.stale),
            );
        }
    }
}

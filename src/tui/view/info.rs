//! The info pane: name, market, sector, market cap, listed shares, PER/PBR/EPS/BPS, 52-week
//! range, limit prices and the status flags a trader must not miss.

use super::{data_label, draw_missing, frame};
use crate::market::{Rate, SecurityKind, Warning, group_thousands};
use crate::tui::state::{Pane, State};
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

fn opt_krw(v: Option<crate::market::Krw>) -> String {
    v.map(|k| group_thousands(k.0))
        .unwrap_or_else(|| "-".into())
}

fn opt_rate(v: Option<Rate>) -> String {
    v.map(|r| r.to_string()).unwrap_or_else(|| "-".into())
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    let right = data_label(state, &state.info);
    let inner = frame(state, Pane::Info, area, t.info, &right, buf);
    if inner.height == 0 || inner.width < 6 {
        return;
    }
    let Some(info) = state.info.value.as_ref() else {
        draw_missing(state, &state.info, "", t.loading, inner, buf);
        return;
    };
    let quote = state.quotes.get(&info.code).map(|c| &c.quote);
    let flags = quote.map(|q| q.flags).unwrap_or(info.flags);

    // Title line: name, code, market, kind, then the flags as badges.
    let mut x = inner.x;
    let y = inner.y;
    x += text::put(
        buf,
        x,
        y,
        &info.name,
        inner.width,
        Style::default().add_modifier(Modifier::BOLD),
    );
    let kind = match info.kind {
        SecurityKind::Stock | SecurityKind::Other => String::new(),
        SecurityKind::Preferred => format!(" {}", t.preferred),
        SecurityKind::Etf => " ETF".to_string(),
        SecurityKind::Reit => format!(" {}", t.reit),
    };
    // The code whole or not at all, then the market.
    for part in [
        format!(" {}", info.code),
        format!(" {}{kind}", info.market.label()),
    ] {
        let w = text::put_whole(
            buf,
            x,
            y,
            &part,
            inner.right().saturating_sub(x),
            Style::default().fg(theme.dim),
        );
        if w == 0 {
            break;
        }
        x += w;
    }
    let mut badges: Vec<(&str, Style)> = Vec::new();
    if flags.halted {
        badges.push((
            t.halted,
            Style::default().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    if flags.managed {
        badges.push((t.managed, Style::default().fg(Color::Black).bg(Color::Gray)));
    }
    let warning = match flags.warning {
        Warning::None => None,
        Warning::Caution => Some(t.warnings[0]),
        Warning::Warning => Some(t.warnings[1]),
        Warning::Danger => Some(t.warnings[2]),
    };
    if let Some(label) = warning {
        let style = match flags.warning {
            Warning::Danger => Style::default().fg(Color::White).bg(Color::Red),
            Warning::Warning => Style::default().fg(Color::Black).bg(Color::LightRed),
            _ => Style::default().fg(Color::Black).bg(Color::LightYellow),
        };
        badges.push((label, style));
    }
    if flags.vi {
        badges.push((t.vi, Style::default().fg(Color::Black).bg(Color::Magenta)));
    }
    for (b, st) in badges {
        x += 1;
        x += text::put_whole(buf, x, y, b, inner.right().saturating_sub(x), st);
    }
    if let Some(en) = info.name_en.as_ref().filter(|_| inner.height > 1) {
        {
            text::put(
                buf,
                inner.x,
                y + 1,
                en,
                inner.width,
                Style::default().fg(theme.dim),
            );
        }
    }

    let upper = info
        .upper_limit
        .or(quote.map(|q| q.upper_limit).filter(|p| p.0 > 0));
    let lower = info
        .lower_limit
        .or(quote.map(|q| q.lower_limit).filter(|p| p.0 > 0));
    let cap = info
        .market_cap
        .or_else(|| {
            let shares = info.listed_shares?;
            quote.map(|q| crate::market::Krw(q.price.0.saturating_mul(shares as i64)))
        })
        .map(|c| state.settings.lang.money(c.0))
        .unwrap_or_else(|| "-".into());
    let pair = |a: String, b: String| format!("{a} / {b}");
    let fields: Vec<(&str, String, Style)> = vec![
        (
            t.info_fields[0],
            info.sector.clone().unwrap_or_else(|| "-".into()),
            Style::default(),
        ),
        (t.info_fields[1], cap, Style::default()),
        (
            t.info_fields[2],
            info.listed_shares
                .map(|s| group_thousands(s as i64))
                .unwrap_or_else(|| "-".into()),
            Style::default(),
        ),
        (
            t.info_fields[3],
            pair(
                match info.per {
                    Some(r) if r.0 < 0 => t.loss.to_string(),
                    per => crate::market::money::fmt_per(per),
                },
                opt_rate(info.pbr),
            ),
            Style::default(),
        ),
        (
            t.info_fields[4],
            pair(opt_krw(info.eps), opt_krw(info.bps)),
            Style::default(),
        ),
        (
            t.info_fields[5],
            pair(opt_krw(info.w52_high), opt_krw(info.w52_low)),
            Style::default(),
        ),
        (
            t.info_fields[6],
            pair(opt_krw(upper), opt_krw(lower)),
            Style::default().fg(theme.up),
        ),
    ];
    let top = y + 2;
    let rows = inner.bottom().saturating_sub(top) as usize;
    if rows == 0 {
        return;
    }
    let col_w = 30u16;
    let ncols = ((inner.width + 1) / (col_w + 1)).max(1) as usize;
    let per_col = fields.len().div_ceil(ncols);
    for (i, (label, value, vst)) in fields.iter().enumerate() {
        let c = i / per_col;
        let r = i % per_col;
        if r >= rows || c >= ncols {
            continue;
        }
        let x = inner.x + c as u16 * (col_w + 1);
        let w = col_w.min(inner.right().saturating_sub(x));
        let yy = top + r as u16;
        // The value whole, right-aligned; the label only if it fits whole beside it.
        let vw = text::width(value) as u16;
        if vw > w {
            continue;
        }
        text::put_right_whole(buf, x + w, yy, value, w, *vst);
        let room = (w - vw).saturating_sub(1);
        text::put_whole(buf, x, yy, label, room, Style::default().fg(theme.dim));
    }
}

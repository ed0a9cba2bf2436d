//! The info pane: name, market, sector, market cap, listed shares, PER/PBR/EPS/BPS, 52-week
//! range, limit prices and the status flags a trader must not miss.

use super::{data_label, draw_missing, frame};
use crate::market::{Rate, SecurityKind, ViKind, Warning, group_thousands};
use crate::tui::state::{Pane, State};
use crate::tui::widgets::text::{self, compact_signed};
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
    let below = top + (per_col.min(rows) as u16);
    if below < inner.bottom() {
        let rest = Rect::new(inner.x, below, inner.width, inner.bottom() - below);
        flows_and_vi(state, rest, buf);
    }
}

/// `+1.2M`, `-850`, `0`: a net quantity.
fn net_qty(n: i64) -> String {
    match compact_signed(n) {
        s if s.is_empty() => "0".to_string(),
        s => s,
    }
}

/// `+85억`, `-1.2조`: a net value, signed.
fn net_value(state: &State, won: i64) -> String {
    let m = state.settings.lang.money(won.saturating_abs());
    match won.signum() {
        1 => format!("+{m}"),
        -1 => format!("-{m}"),
        _ => "0".to_string(),
    }
}

/// Under the fields: the VI line (today's latest VI, when there is one), then the investor
/// flows (개인 / 외국인 / 기관 net buying over the last days that fit, the quantity and, where
/// there is room, the value), labelled as published after the close. Cells are whole or left
/// out; the newest day comes first.
fn flows_and_vi(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let t = state.settings.lang.t();
    let dim = Style::default().fg(theme.dim);
    let mut y = area.y;
    if let Some(v) = state.vi.value.as_ref().and_then(|v| v.first()) {
        let kind = match v.kind {
            Some(ViKind::Static) => t.vi_kinds[0],
            Some(ViKind::Dynamic) => t.vi_kinds[1],
            Some(ViKind::Both) => t.vi_kinds[2],
            None => "",
        };
        let (label, style, at) = if v.active {
            (
                t.vi_on,
                Style::default().fg(Color::Black).bg(Color::Magenta),
                v.triggered_at,
            )
        } else {
            (t.vi_off, dim, v.released_at.or(v.triggered_at))
        };
        let mut x = area.x;
        x += text::put_whole(buf, x, y, label, area.width, style);
        let base = v.static_base.or(v.dynamic_base);
        let mut parts = vec![kind.to_string()];
        if let Some(at) = at {
            parts.push(at.format("%H:%M:%S").to_string());
        }
        parts.push(group_thousands(v.price.0));
        if let Some(b) = base {
            parts.push(format!("{} {}", t.vi_base, group_thousands(b.0)));
        }
        for p in parts.iter().filter(|p| !p.is_empty()) {
            let w = text::put_whole(buf, x + 1, y, p, area.right().saturating_sub(x + 1), dim);
            if w == 0 {
                break;
            }
            x += w + 1;
        }
        y += 1;
    }
    let Some(days) = state.flows.value.as_ref().filter(|d| !d.is_empty()) else {
        if let (Some(p), true) = (&state.flows.problem, y < area.bottom()) {
            text::put(
                buf,
                area.x,
                y,
                &format!("{}: {}", p.what, p.message),
                area.width,
                dim,
            );
        }
        return;
    };
    // A header and the three groups.
    if area.bottom().saturating_sub(y) < 4 {
        return;
    }
    let label_w = t
        .flows_groups
        .iter()
        .chain([&t.flows_net])
        .map(|s| text::width(s))
        .max()
        .unwrap_or(6) as u16;
    let cell = |d: &crate::market::InvestorDay, g: usize, with_value: bool| {
        let f = match g {
            0 => d.individual,
            1 => d.foreign,
            _ => d.institution,
        };
        let q = net_qty(f.net_qty);
        let s = if with_value {
            format!("{q}/{}", net_value(state, f.net_value.0))
        } else {
            q
        };
        (s, f.net_qty.signum())
    };
    let shown = days.iter().take(5).collect::<Vec<_>>();
    let widest = |with_value: bool| {
        shown
            .iter()
            .flat_map(|d| (0..3).map(move |g| (d, g)))
            .map(|(d, g)| text::width(&cell(d, g, with_value).0))
            .max()
            .unwrap_or(0)
            .max(5) as u16
    };
    let room = area.width.saturating_sub(label_w);
    let (with_value, col_w) = {
        let (wv, wq) = (widest(true) + 1, widest(false) + 1);
        if room / wv >= 2.min(shown.len() as u16) && room >= wv {
            (true, wv)
        } else {
            (false, wq)
        }
    };
    let ndays = ((room / col_w.max(1)) as usize).min(shown.len());
    if ndays == 0 {
        return;
    }
    text::put_whole(buf, area.x, y, t.flows_net, label_w, dim);
    for (i, d) in shown.iter().take(ndays).enumerate() {
        let right = area.x + label_w + (i as u16 + 1) * col_w;
        text::put_right_whole(
            buf,
            right,
            y,
            &d.date.format("%m/%d").to_string(),
            col_w,
            dim,
        );
    }
    // The note beside the dates, or under the groups where it does not fit there.
    let note_x = area.x + label_w + ndays as u16 * col_w + 2;
    let beside = note_x < area.right()
        && text::put_whole(buf, note_x, y, t.flows_note, area.right() - note_x, dim) > 0;
    if !beside && y + 4 < area.bottom() {
        text::put(buf, area.x, y + 4, t.flows_note, area.width, dim);
    }
    for g in 0..3 {
        let yy = y + 1 + g as u16;
        text::put_whole(
            buf,
            area.x,
            yy,
            t.flows_groups[g],
            label_w,
            Style::default(),
        );
        for (i, d) in shown.iter().take(ndays).enumerate() {
            let (s, sign) = cell(d, g, with_value);
            let right = area.x + label_w + (i as u16 + 1) * col_w;
            text::put_right_whole(buf, right, yy, &s, col_w, super::dir_style(theme, sign));
        }
    }
}

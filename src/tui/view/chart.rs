//! The chart pane: header with interval and MA toggles, the cursor candle's OHLCV, candles,
//! volume bars and a date axis. The scale comes from the visible candles only.

use super::{data_label, draw_missing, frame};
use crate::market::{Candle, Period, group_thousands};
use crate::tui::state::{MA_PERIODS, PERIODS, Pane, State};
use crate::tui::widgets::candles::{
    CandleChart, CandleStyle, MaLine, VolumeBars, fitted_axis_width, moving_average,
};
use crate::tui::widgets::text::{self, compact};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

pub const MA_COLORS: [Color; 4] = [Color::Yellow, Color::Magenta, Color::Green, Color::Gray];

fn inner_of(area: Rect) -> Rect {
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(1),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

/// How many candles fit in the pane at the current zoom.
pub fn capacity(state: &State, area: Rect) -> usize {
    let inner = inner_of(area);
    let axis = state
        .chart
        .data
        .value
        .as_ref()
        .and_then(|c| crate::tui::widgets::candles::price_range(c))
        .map(|(lo, hi)| fitted_axis_width(lo, hi, inner.width))
        .unwrap_or(8);
    (inner.width.saturating_sub(axis) / state.chart.stride.max(1)) as usize
}

/// Visible window `[start, end)` of `len` candles.
pub fn window(state: &State, len: usize, cap: usize) -> (usize, usize) {
    let end = state.chart.end.unwrap_or(len).min(len);
    (end.saturating_sub(cap), end)
}

fn period_label(p: Period) -> &'static str {
    match p {
        Period::Minute => "1분",
        Period::Day => "일",
        Period::Week => "주",
        Period::Month => "월",
        Period::Year => "년",
    }
}

fn date_label(c: &Candle, p: Period) -> String {
    match (p, c.time) {
        (Period::Minute, Some(t)) => t.format("%H:%M").to_string(),
        (Period::Day | Period::Week, _) => c.date.format("%m/%d").to_string(),
        _ => c.date.format("%Y/%m").to_string(),
    }
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let ch = &state.chart;
    // The title drops the code rather than cut it; the name may shrink.
    let name = state
        .selected
        .map(|c| {
            let name = state.name_of(c).unwrap_or("");
            let full = format!("{name} {c} · {}봉", period_label(ch.period));
            if text::width(&full) + 4 <= area.width as usize {
                full
            } else {
                format!("{name} · {}봉", period_label(ch.period))
            }
        })
        .unwrap_or_else(|| "차트".to_string());
    let right = data_label(state, &ch.data);
    let inner = frame(state, Pane::Chart, area, &name, &right, buf);
    if inner.height == 0 || inner.width < 4 {
        return;
    }

    // Header: intervals with the current one highlighted, then MA toggles.
    let mut x = inner.x;
    for p in PERIODS {
        let label = format!(" {} ", period_label(p));
        let st = if p == ch.period {
            Style::default().fg(Color::Black).bg(theme.accent)
        } else {
            Style::default().fg(theme.dim)
        };
        x += text::put_whole(buf, x, inner.y, &label, inner.right().saturating_sub(x), st);
    }
    x += 1;
    for (i, on) in ch.mas.iter().enumerate() {
        let label = format!("MA{} ", MA_PERIODS[i]);
        let st = if *on {
            Style::default().fg(MA_COLORS[i])
        } else {
            Style::default()
                .fg(theme.dim)
                .add_modifier(Modifier::CROSSED_OUT)
        };
        x += text::put_whole(buf, x, inner.y, &label, inner.right().saturating_sub(x), st);
    }

    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let Some(candles) = ch.data.value.as_ref().filter(|c| !c.is_empty()) else {
        if body.height > 0 {
            let loading = format!("loading {} chart…", ch.period.code());
            let idle = "no stock open: / to search";
            draw_missing(state, &ch.data, idle, &loading, body, buf);
        }
        return;
    };

    let cap = capacity(state, area).max(1);
    let (start, end) = window(state, candles.len(), cap);
    let visible = &candles[start..end];
    let cursor_abs = ch
        .cursor
        .unwrap_or(candles.len() - 1)
        .clamp(start, end.saturating_sub(1));
    let cursor = cursor_abs - start;

    // Cursor OHLCV line: one row if it fits, else two; then without labels; then the volume
    // and the change drop out. A value is never cut.
    let mut cursor_rows = 0;
    if body.height > 0 {
        let c = &candles[cursor_abs];
        let prev = cursor_abs.checked_sub(1).map(|i| candles[i].close.0);
        let chg = prev.map(|p| {
            crate::market::Rate::of(crate::market::Krw(c.close.0 - p), crate::market::Krw(p))
        });
        let when = match c.time {
            Some(t) => format!("{} {}", c.date.format("%m/%d"), t.format("%H:%M")),
            None => c.date.format("%Y-%m-%d").to_string(),
        };
        let st = super::dir_style(theme, prev.map(|p| c.close.0 - p).unwrap_or(0));
        let mut fields: Vec<(&str, String)> = vec![
            ("", when),
            ("시 ", group_thousands(c.open.0)),
            ("고 ", group_thousands(c.high.0)),
            ("저 ", group_thousands(c.low.0)),
            ("종 ", group_thousands(c.close.0)),
        ];
        if let Some(r) = chg {
            fields.push(("", super::fmt_rate(r)));
        }
        fields.push(("량 ", compact(c.volume)));
        let max_rows = match body.height {
            16.. => 3,
            8.. => 2,
            _ => 1,
        };
        if let Some(lines) = cursor_lines(&fields, body.width, max_rows) {
            for (i, l) in lines.iter().enumerate() {
                text::put_whole(buf, body.x, body.y + i as u16, l, body.width, st);
            }
            cursor_rows = lines.len() as u16;
        }
    }

    let plot_all = Rect {
        y: body.y + cursor_rows.max(1),
        height: body.height.saturating_sub(cursor_rows.max(1)),
        ..body
    };
    if plot_all.height == 0 {
        return;
    }
    let (price_h, vol_h, dates) = if plot_all.height >= 10 {
        let vol = (plot_all.height / 5).max(2);
        (plot_all.height - vol - 1, vol, true)
    } else if plot_all.height >= 5 {
        (plot_all.height - 1, 0, true)
    } else {
        (plot_all.height, 0, false)
    };
    let price_area = Rect {
        height: price_h,
        ..plot_all
    };
    let vol_area = Rect {
        y: price_area.bottom(),
        height: vol_h,
        ..plot_all
    };
    let style = CandleStyle {
        up: Style::default().fg(theme.up),
        down: Style::default().fg(theme.down),
        axis: Style::default().fg(theme.dim),
        cursor_bg: theme.cursor_bg,
    };
    // Averages over the whole series, so the first visible value includes earlier candles.
    let ma_values: Vec<(Vec<Option<i64>>, Color)> = ch
        .mas
        .iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .map(|(i, _)| {
            let all = moving_average(&candles[..end], MA_PERIODS[i]);
            (all[start..end].to_vec(), MA_COLORS[i])
        })
        .collect();
    let mas: Vec<MaLine> = ma_values
        .iter()
        .map(|(v, c)| MaLine {
            values: v,
            color: *c,
        })
        .collect();
    let (lo, hi) = crate::tui::widgets::candles::price_range(visible).unwrap_or((0, 0));
    let axis_w = fitted_axis_width(lo, hi, price_area.width);
    CandleChart {
        candles: visible,
        stride: ch.stride,
        cursor: Some(cursor),
        mas: &mas,
        style,
        axis: true,
    }
    .render(price_area, buf);
    if vol_h > 0 {
        VolumeBars {
            candles: visible,
            stride: ch.stride,
            cursor: Some(cursor),
            style,
            axis_w,
        }
        .render(vol_area, buf);
    }
    if dates {
        let y = plot_all.bottom() - 1;
        let plot_w = plot_all.width.saturating_sub(axis_w);
        let n = visible.len().min(crate::tui::widgets::candles::capacity(
            plot_w,
            ch.stride.max(1),
        ));
        let first = visible.len() - n;
        let mut free_x = plot_all.x;
        for (i, c) in visible[first..].iter().enumerate() {
            let x =
                crate::tui::widgets::candles::column_of(i, n, ch.stride.max(1), plot_all.x, plot_w);
            if x < free_x {
                continue;
            }
            let label = date_label(c, ch.period);
            let w = text::width(&label) as u16;
            if x + w > plot_all.x + plot_w {
                break;
            }
            text::put(buf, x, y, &label, w, Style::default().fg(theme.dim));
            free_x = x + w + 2;
        }
    }
}

/// Lays out the cursor candle's `(label, value)` fields in at most `max_rows` rows of `width`
/// cells, fields whole: with labels in as few rows as fit, then without labels, then dropping
/// fields from the end (volume, change, …) until they fit. `None` if not even one value fits.
fn cursor_lines(fields: &[(&str, String)], width: u16, max_rows: usize) -> Option<Vec<String>> {
    let width = width as usize;
    let flow = |words: &[String], rows: usize| -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for w in words {
            let rows_used = out.len();
            match out.last_mut() {
                Some(l) if text::width(l) + 1 + text::width(w) <= width => {
                    l.push(' ');
                    l.push_str(w);
                }
                _ if text::width(w) <= width && rows_used < rows => out.push(w.clone()),
                _ => return None,
            }
        }
        Some(out)
    };
    for n in (1..=fields.len()).rev() {
        let shown = &fields[..n];
        let labelled: Vec<String> = shown.iter().map(|(l, v)| format!("{l}{v}")).collect();
        let bare: Vec<String> = shown.iter().map(|(_, v)| v.clone()).collect();
        for words in [&labelled, &bare] {
            for rows in 1..=max_rows.max(1) {
                if let Some(lines) = flow(words, rows) {
                    return Some(lines);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<(&'static str, String)> {
        vec![
            ("", "2026-12-01".into()),
            ("시 ", "69,400".into()),
            ("고 ", "69,900".into()),
            ("저 ", "69,000".into()),
            ("종 ", "69,400".into()),
            ("", "+1.22%".into()),
            ("량 ", "25.7M".into()),
        ]
    }

    #[test]
    fn cursor_line_wraps_then_drops_labels_never_cuts() {
        let one = cursor_lines(&fields(), 80, 2).unwrap();
        assert_eq!(
            one,
            ["2026-12-01 시 69,400 고 69,900 저 69,000 종 69,400 +1.22% 량 25.7M"]
        );
        let two = cursor_lines(&fields(), 36, 2).unwrap();
        assert_eq!(
            two,
            [
                "2026-12-01 시 69,400 고 69,900",
                "저 69,000 종 69,400 +1.22% 량 25.7M"
            ]
        );
        let bare = cursor_lines(&fields(), 40, 1).unwrap();
        assert_eq!(bare, ["2026-12-01 69,400 69,900 69,000 69,400"]);
        for w in 0..90u16 {
            for rows in [1, 2] {
                for l in cursor_lines(&fields(), w, rows).unwrap_or_default() {
                    assert!(text::width(&l) <= w as usize, "{l:?} in {w}");
                }
            }
        }
    }
}

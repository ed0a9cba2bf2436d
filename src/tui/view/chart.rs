//! The chart pane: header with the intervals and which moving averages are on, the cursor
//! candle's OHLCV, candles, volume bars and a date axis. The scale comes from the visible
//! candles only.

use super::{data_label, draw_missing, frame};
use crate::market::interval::week_start;
use crate::market::{Calendar, Candle, Interval, group_thousands};
use crate::tui::lang::Lang;
use crate::tui::state::{MA_PERIODS, Pane, State};
use crate::tui::widgets::candles::{
    CandleChart, CandleStyle, VolumeBars, fitted_axis_width, moving_average,
};
use crate::tui::widgets::ma_lines::MaLine;
use crate::tui::widgets::text::{self, compact};
use chrono::{Datelike, NaiveDate};
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
    (inner.width.saturating_sub(axis) / state.chart.stride()) as usize
}

/// Visible window `[start, end)` of `len` candles.
pub fn window(state: &State, len: usize, cap: usize) -> (usize, usize) {
    let end = state.chart.end.unwrap_or(len).min(len);
    (end.saturating_sub(cap), end)
}

/// The day a candle is read by: a week by its first trading day, anything else by its date.
fn candle_day(c: &Candle, p: Interval) -> NaiveDate {
    if p == Interval::Week {
        week_start(Calendar::krx(), c.date)
    } else {
        c.date
    }
}

/// The axis label of a candle; `with_year` when the view spans years and this is the first
/// label or the first of a new year (daily and weekly; months always carry their year).
fn date_label(c: &Candle, p: Interval, with_year: bool) -> String {
    let day = candle_day(c, p);
    match (p, c.time) {
        (Interval::Year, _) => day.format("%Y").to_string(),
        (Interval::Month, _) => day.format("%Y/%m").to_string(),
        (_, Some(t)) => t.format("%H:%M").to_string(),
        _ if with_year => day.format("%Y/%m/%d").to_string(),
        _ => day.format("%m/%d").to_string(),
    }
}

/// The header's interval strip: the current interval highlighted among as many of its
/// neighbours as fit in `width`, as `(interval, x offset)` pairs.
fn interval_strip(lang: Lang, current: Interval, width: u16) -> Vec<(Interval, u16)> {
    let w = |i: Interval| text::width(lang.interval(i)) as u16 + 2;
    let all = Interval::ALL;
    let cur = current.index();
    let (mut a, mut b) = (cur, cur + 1);
    let mut used = w(current);
    if used > width {
        return Vec::new();
    }
    loop {
        let right = all.get(b).map(|i| w(*i)).filter(|x| used + x <= width);
        if let Some(x) = right {
            used += x;
            b += 1;
        }
        let left = a
            .checked_sub(1)
            .and_then(|j| all.get(j))
            .map(|i| w(*i))
            .filter(|x| used + x <= width);
        if let Some(x) = left {
            used += x;
            a -= 1;
        }
        if right.is_none() && left.is_none() {
            break;
        }
    }
    let mut x = 0;
    all[a..b]
        .iter()
        .map(|i| {
            let at = x;
            x += w(*i);
            (*i, at)
        })
        .collect()
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let ch = &state.chart;
    let lang = state.settings.lang;
    let t = lang.t();
    // The title drops the code rather than cut it; the name may shrink.
    let name = state
        .selected
        .map(|c| {
            let name = state.name_of(c).unwrap_or("");
            let period = format!("{}{}", lang.interval(ch.period), t.candles);
            let full = format!("{name} {c} · {period}");
            if text::width(&full) + 4 <= area.width as usize {
                full
            } else {
                format!("{name} · {period}")
            }
        })
        .unwrap_or_else(|| t.chart.to_string());
    let right = data_label(state, &ch.data);
    let inner = frame(state, Pane::Chart, area, &name, &right, buf);
    if inner.height == 0 || inner.width < 4 {
        return;
    }

    // Header: the moving averages on the right, each ● on or ○ off in its line's colour
    // (`MA●●○○` when narrow); the intervals around the current one on the left.
    let ma_full: Vec<String> = ch
        .mas
        .iter()
        .zip(MA_PERIODS)
        .map(|(on, n)| format!("{}MA{n}", if *on { '●' } else { '○' }))
        .collect();
    let full_w = ma_full
        .iter()
        .map(|l| text::width(l) as u16 + 1)
        .sum::<u16>()
        - 1;
    let short_w = 2 + ch.mas.len() as u16;
    let ma_w = [full_w, short_w]
        .into_iter()
        .find(|w| w + 1 + 6 <= inner.width)
        .unwrap_or(0);
    let ma_style = |i: usize, on: bool| {
        let st = Style::default().fg(if on { MA_COLORS[i] } else { theme.dim });
        if on {
            st.add_modifier(Modifier::BOLD)
        } else {
            st
        }
    };
    if ma_w > 0 {
        let mut x = inner.right() - ma_w;
        if ma_w == full_w {
            for (i, label) in ma_full.iter().enumerate() {
                x += text::put_whole(
                    buf,
                    x,
                    inner.y,
                    label,
                    inner.right().saturating_sub(x),
                    ma_style(i, ch.mas[i]),
                ) + 1;
            }
        } else {
            x += text::put_whole(buf, x, inner.y, "MA", 2, Style::default().fg(theme.dim));
            for (i, on) in ch.mas.iter().enumerate() {
                let dot = if *on { "●" } else { "○" };
                x += text::put_whole(buf, x, inner.y, dot, 1, ma_style(i, *on));
            }
        }
    }
    let strip_w = inner
        .width
        .saturating_sub(if ma_w > 0 { ma_w + 1 } else { 0 });
    for (p, dx) in interval_strip(lang, ch.period, strip_w) {
        let label = format!(" {} ", lang.interval(p));
        let st = if p == ch.period {
            Style::default().fg(Color::Black).bg(theme.accent)
        } else {
            Style::default().fg(theme.dim)
        };
        let x = inner.x + dx;
        text::put_whole(buf, x, inner.y, &label, inner.right().saturating_sub(x), st);
    }

    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let Some(candles) = ch.data.value.as_ref().filter(|c| !c.is_empty()) else {
        if body.height > 0 {
            let loading = lang.loading_chart(ch.period);
            draw_missing(state, &ch.data, t.no_stock_open, &loading, body, buf);
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
            None => candle_day(c, ch.period).format("%Y-%m-%d").to_string(),
        };
        let st = super::dir_style(theme, prev.map(|p| c.close.0 - p).unwrap_or(0));
        let mut fields: Vec<(&str, String)> = vec![
            ("", when),
            (t.ohlcv[0], group_thousands(c.open.0)),
            (t.ohlcv[1], group_thousands(c.high.0)),
            (t.ohlcv[2], group_thousands(c.low.0)),
            (t.ohlcv[3], group_thousands(c.close.0)),
        ];
        if let Some(r) = chg {
            fields.push(("", super::fmt_rate(r)));
        }
        fields.push((t.ohlcv[4], compact(c.volume)));
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
            // Only the candles the visible averages need, not the whole series each frame.
            let from = start.saturating_sub(MA_PERIODS[i].saturating_sub(1));
            let all = moving_average(&candles[from..end], MA_PERIODS[i]);
            (all[start - from..].to_vec(), MA_COLORS[i])
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
    let stride = ch.stride();
    CandleChart {
        candles: visible,
        stride,
        cursor: Some(cursor),
        mas: &mas,
        style,
        axis: true,
    }
    .render(price_area, buf);
    if vol_h > 0 {
        VolumeBars {
            candles: visible,
            stride,
            cursor: Some(cursor),
            style,
            axis_w,
        }
        .render(vol_area, buf);
    }
    if dates {
        let y = plot_all.bottom() - 1;
        let plot_w = plot_all.width.saturating_sub(axis_w);
        let n = visible
            .len()
            .min(crate::tui::widgets::candles::capacity(plot_w, stride));
        let first = visible.len() - n;
        let shown = &visible[first..];
        let spans_years = shown
            .first()
            .zip(shown.last())
            .is_some_and(|(a, b)| a.date.year() != b.date.year());
        let mut free_x = plot_all.x;
        let mut last_year: Option<i32> = None;
        // Minutes across two sessions (the previous one comes first): the first bar of a new
        // day is labelled by its date, before any time label that would crowd it out.
        let new_day =
            |i: usize| shown[i].time.is_some() && i > 0 && shown[i - 1].date != shown[i].date;
        let col =
            |i: usize| crate::tui::widgets::candles::column_of(i, n, stride, plot_all.x, plot_w);
        let day_starts: Vec<u16> = (0..shown.len()).filter(|i| new_day(*i)).map(col).collect();
        for (i, c) in shown.iter().enumerate() {
            let x = crate::tui::widgets::candles::column_of(i, n, stride, plot_all.x, plot_w);
            if x < free_x {
                continue;
            }
            let year = candle_day(c, ch.period).year();
            let label = if new_day(i) {
                c.date.format("%m/%d").to_string()
            } else {
                date_label(c, ch.period, spans_years && last_year != Some(year))
            };
            let w = text::width(&label) as u16;
            if x + w > plot_all.x + plot_w {
                break;
            }
            if !new_day(i) && day_starts.iter().any(|d| *d > x && x + w + 2 > *d) {
                continue;
            }
            text::put(buf, x, y, &label, w, Style::default().fg(theme.dim));
            free_x = x + w + 2;
            last_year = Some(year);
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
        let labelled: Vec<String> = shown
            .iter()
            .map(|(l, v)| {
                if l.is_empty() {
                    v.clone()
                } else {
                    format!("{l} {v}")
                }
            })
            .collect();
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
            ("시", "69,400".into()),
            ("고", "69,900".into()),
            ("저", "69,000".into()),
            ("종", "69,400".into()),
            ("", "+1.22%".into()),
            ("량", "25.7M".into()),
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

//! The candlestick chart widget: one column per candle, half-row resolution from the box-drawing
//! glyphs `┃│╽╿╻╹╷╵`, moving-average lines beneath them, a won y axis on the tick grid, and
//! volume bars.

use super::axis;
use super::ma_lines::{MaLine, MaLines};
use super::text::{self, compact};
use crate::market::{Candle, group_thousands};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};

/// What a half row of one candle column shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Empty,
    Wick,
    Body,
}

/// The glyph for a cell whose top half shows `top` and bottom half `bottom`.
pub fn glyph(top: Part, bottom: Part) -> char {
    use Part::*;
    match (top, bottom) {
        (Body, Body) => '┃',
        (Wick, Wick) => '│',
        (Wick, Body) => '╽',
        (Body, Wick) => '╿',
        (Empty, Body) => '╻',
        (Body, Empty) => '╹',
        (Empty, Wick) => '╷',
        (Wick, Empty) => '╵',
        (Empty, Empty) => ' ',
    }
}

/// Lowest low and highest high of `candles` (the scale comes from the visible candles only).
pub fn price_range(candles: &[Candle]) -> Option<(i64, i64)> {
    let lo = candles.iter().map(|c| c.low.0).min()?;
    let hi = candles.iter().map(|c| c.high.0).max()?;
    Some((lo, hi))
}

/// Maps prices onto half rows counted from the top of a plot `rows` cells high.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub lo: i64,
    pub hi: i64,
    pub halves: i64,
}

impl Scale {
    pub fn new(lo: i64, hi: i64, rows: u16) -> Scale {
        Scale {
            lo,
            hi,
            halves: (rows as i64 * 2).max(1),
        }
    }

    /// Half-row index from the top (0 = top half of the first row).
    pub fn half(&self, price: i64) -> i64 {
        let span = self.hi - self.lo;
        if span <= 0 {
            return self.halves / 2;
        }
        let p = price.clamp(self.lo, self.hi);
        // Rounded integer arithmetic: (hi - p) / span * (halves - 1), in i64 when it fits
        // (every real price: 128-bit division is a tenth of the chart's frame otherwise).
        if let Some(num) = (self.hi - p).checked_mul(self.halves - 1)
            && let Some(num) = num.checked_add(span / 2)
        {
            return num / span;
        }
        let num = (self.hi - p) as i128 * (self.halves - 1) as i128;
        ((num + span as i128 / 2) / span as i128) as i64
    }
}

/// Styles for the chart.
#[derive(Clone, Copy, Debug)]
pub struct CandleStyle {
    pub up: Style,
    pub down: Style,
    pub axis: Style,
    pub cursor_bg: Color,
}

/// The price plot. `candles` are the visible ones, oldest first, drawn right-aligned.
pub struct CandleChart<'a> {
    pub candles: &'a [Candle],
    pub stride: u16,
    pub cursor: Option<usize>,
    pub mas: &'a [MaLine<'a>],
    pub style: CandleStyle,
    /// Draw the y axis on the right.
    pub axis: bool,
}

/// Width of the y axis for the given range.
pub fn axis_width(lo: i64, hi: i64) -> u16 {
    let w = group_thousands(hi).len().max(group_thousands(lo).len());
    w as u16 + 1
}

/// The axis width for a plot `width` cells wide: whole labels or no axis at all (an axis may
/// take at most half the plot; a cut price would be worse than none).
pub fn fitted_axis_width(lo: i64, hi: i64, width: u16) -> u16 {
    let w = axis_width(lo, hi);
    if w <= width / 2 { w } else { 0 }
}

/// The x of candle `i` of `n` in a plot starting at `x0`, `width` wide.
pub fn column_of(i: usize, n: usize, stride: u16, x0: u16, width: u16) -> u16 {
    let used = (n as u32 * stride as u32).min(width as u32) as u16;
    let offset = width - used;
    x0 + offset + (i as u32 * stride as u32) as u16
}

/// How many candles fit in `width` columns at `stride`.
pub fn capacity(width: u16, stride: u16) -> usize {
    (width / stride.max(1)) as usize
}

impl CandleChart<'_> {
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.width < 2 || area.height < 1 {
            return;
        }
        let Some((lo, hi)) = price_range(self.candles) else {
            return;
        };
        let axis_w = if self.axis {
            fitted_axis_width(lo, hi, area.width)
        } else {
            0
        };
        let plot = Rect {
            width: area.width - axis_w,
            ..area
        };
        let scale = Scale::new(lo, hi, plot.height);
        let stride = self.stride.max(1);
        let n = self.candles.len().min(capacity(plot.width, stride));
        let first = self.candles.len() - n;
        let shown = &self.candles[first..];

        MaLines {
            lines: self.mas,
            n,
            stride,
            lo,
            hi,
        }
        .render(plot, buf);

        if let Some(c) = self
            .cursor
            .and_then(|c| c.checked_sub(first))
            .filter(|c| *c < n)
        {
            let x = column_of(c, n, stride, plot.x, plot.width);
            for y in plot.top()..plot.bottom() {
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.set_bg(self.style.cursor_bg);
                }
            }
        }

        for (i, c) in shown.iter().enumerate() {
            let x = column_of(i, n, stride, plot.x, plot.width);
            let style = if c.is_up() {
                self.style.up
            } else {
                self.style.down
            };
            let (wt, wb) = (scale.half(c.high.0), scale.half(c.low.0));
            let (bt, bb) = {
                let (a, b) = (scale.half(c.open.0), scale.half(c.close.0));
                (a.min(b), a.max(b))
            };
            let part = |h: i64| {
                if h >= bt && h <= bb {
                    Part::Body
                } else if h >= wt && h <= wb {
                    Part::Wick
                } else {
                    Part::Empty
                }
            };
            for row in (wt / 2)..=(wb / 2) {
                let g = glyph(part(row * 2), part(row * 2 + 1));
                if g == ' ' {
                    continue;
                }
                let y = plot.y + row as u16;
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.set_char(g).set_fg(style.fg.unwrap_or(Color::Reset));
                }
            }
        }

        if axis_w > 1 {
            let ax = plot.right();
            // A label about every third row, each on the row its price falls in, two rows
            // apart at least.
            let mut free_from = 0u16;
            for p in axis::ticks(lo, hi, (plot.height / 3).max(1)) {
                let row = (scale.half(p) / 2) as u16;
                if row < free_from || row >= plot.height {
                    continue;
                }
                let label = group_thousands(p);
                text::put(
                    buf,
                    ax + 1,
                    plot.y + row,
                    &label,
                    axis_w - 1,
                    self.style.axis,
                );
                free_from = row + 2;
            }
            if let Some(last) = shown.last() {
                let row = scale.half(last.close.0) / 2;
                let st = if last.is_up() {
                    self.style.up
                } else {
                    self.style.down
                };
                let label = group_thousands(last.close.0);
                text::put(
                    buf,
                    ax + 1,
                    plot.y + row as u16,
                    &label,
                    axis_w - 1,
                    st.reversed(),
                );
            }
        }
    }
}

/// Volume bars aligned with a [`CandleChart`] of the same candles, stride and width.
pub struct VolumeBars<'a> {
    pub candles: &'a [Candle],
    pub stride: u16,
    pub cursor: Option<usize>,
    pub style: CandleStyle,
    /// Columns on the right left free for the chart's axis.
    pub axis_w: u16,
}

const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl VolumeBars<'_> {
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.width <= self.axis_w || area.height == 0 {
            return;
        }
        let plot = Rect {
            width: area.width - self.axis_w,
            ..area
        };
        let stride = self.stride.max(1);
        let n = self.candles.len().min(capacity(plot.width, stride));
        let first = self.candles.len() - n;
        let shown = &self.candles[first..];
        let max = shown.iter().map(|c| c.volume).max().unwrap_or(0);
        if max == 0 {
            return;
        }
        let total = plot.height as u64 * 8;
        for (i, c) in shown.iter().enumerate() {
            let x = column_of(i, n, stride, plot.x, plot.width);
            let mut eighths = (c.volume as u128 * total as u128 / max as u128) as u64;
            if c.volume > 0 && eighths == 0 {
                eighths = 1;
            }
            let style = if c.is_up() {
                self.style.up
            } else {
                self.style.down
            };
            let is_cursor = self.cursor.and_then(|k| k.checked_sub(first)) == Some(i);
            // Only the filled rows, but the whole column under the cursor.
            let rows = if is_cursor {
                plot.height
            } else {
                u16::try_from(eighths.div_ceil(8)).map_or(plot.height, |r| r.min(plot.height))
            };
            for row in 0..rows {
                let y = plot.bottom() - 1 - row;
                let fill = eighths.saturating_sub(row as u64 * 8).min(8) as usize;
                if let Some(cell) = buf.cell_mut((x, y)) {
                    if fill > 0 {
                        cell.set_char(EIGHTHS[fill])
                            .set_fg(style.fg.unwrap_or(Color::Reset));
                    }
                    if is_cursor {
                        cell.set_bg(self.style.cursor_bg);
                    }
                }
            }
        }
        if self.axis_w > 1 {
            let label = compact(max);
            text::put_whole(
                buf,
                plot.right() + 1,
                plot.y,
                &label,
                self.axis_w - 1,
                self.style.axis,
            );
        }
    }
}

/// Simple moving average of closes over `period`, aligned with `candles`.
pub fn moving_average(candles: &[Candle], period: usize) -> Vec<Option<i64>> {
    let mut out = Vec::with_capacity(candles.len());
    let mut sum: i128 = 0;
    for (i, c) in candles.iter().enumerate() {
        sum += c.close.0 as i128;
        if i >= period {
            sum -= candles[i - period].close.0 as i128;
        }
        out.push((period > 0 && i + 1 >= period).then(|| (sum / period as i128) as i64));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The i64 fast path rounds exactly as the 128-bit formula, and huge spans still work.
    #[test]
    fn the_scale_rounds_alike_in_64_and_128_bits() {
        let reference = |s: &Scale, p: i64| {
            let span = (s.hi - s.lo) as i128;
            let num = (s.hi - p.clamp(s.lo, s.hi)) as i128 * (s.halves - 1) as i128;
            ((num + span / 2) / span) as i64
        };
        for (lo, hi) in [(46_100, 85_500), (1, 2), (0, 3_000_000), (0, i64::MAX / 2)] {
            let s = Scale::new(lo, hi, 57);
            let step = ((hi - lo) / 997).max(1);
            let mut p = lo;
            while p <= hi {
                assert_eq!(s.half(p), reference(&s, p), "{lo}..{hi} at {p}");
                p = p.saturating_add(step);
            }
        }
    }
    use crate::market::Krw;
    use chrono::NaiveDate;

    fn c(o: i64, h: i64, l: i64, cl: i64) -> Candle {
        Candle {
            date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            time: None,
            open: Krw(o),
            high: Krw(h),
            low: Krw(l),
            close: Krw(cl),
            volume: 100,
            value: Krw(0),
        }
    }

    fn style() -> CandleStyle {
        CandleStyle {
            up: Style::default().fg(Color::Red),
            down: Style::default().fg(Color::Blue),
            axis: Style::default(),
            cursor_bg: Color::DarkGray,
        }
    }

    fn column(buf: &Buffer, x: u16) -> String {
        (0..buf.area.height)
            .map(|y| buf[(x, y)].symbol().chars().next().unwrap_or(' '))
            .collect()
    }

    #[test]
    fn glyph_table_covers_half_rows() {
        assert_eq!(glyph(Part::Body, Part::Body), '┃');
        assert_eq!(glyph(Part::Wick, Part::Body), '╽');
        assert_eq!(glyph(Part::Body, Part::Wick), '╿');
        assert_eq!(glyph(Part::Empty, Part::Wick), '╷');
        assert_eq!(glyph(Part::Wick, Part::Empty), '╵');
    }

    #[test]
    fn draws_up_and_down_candles_with_wicks_and_half_rows() {
        // Range 0..=70 over 4 rows = 8 half rows, 10 won per half row (70/7).
        let candles = [
            // Up: wick 70..0, body 50..20 → halves: wick 0..7, body 2..5.
            c(20, 70, 0, 50),
            // Down: open 60 close 40, high 60, low 30 → body halves 1..3, wick to 4.
            c(60, 60, 30, 40),
        ];
        let area = Rect::new(0, 0, 4, 4);
        let mut buf = Buffer::empty(area);
        CandleChart {
            candles: &candles,
            stride: 2,
            cursor: None,
            mas: &[],
            style: style(),
            axis: false,
        }
        .render(area, &mut buf);
        assert_eq!(column(&buf, 0), "│┃┃│");
        assert_eq!(buf[(0, 1)].fg, Color::Red);
        assert_eq!(column(&buf, 2), "╻┃╵ ");
        assert_eq!(buf[(2, 1)].fg, Color::Blue);
        assert_eq!(column(&buf, 1), "    ");
    }

    #[test]
    fn half_row_body_on_top_of_wick() {
        // Body only in the top half of row 0, wick through row 1.
        let candles = [c(70, 70, 0, 65), c(0, 70, 0, 0)];
        let area = Rect::new(0, 0, 2, 2);
        let mut buf = Buffer::empty(area);
        CandleChart {
            candles: &candles,
            stride: 1,
            cursor: None,
            mas: &[],
            style: style(),
            axis: false,
        }
        .render(area, &mut buf);
        // halves: 4 → 70/3 per half; body 70..65 → halves 0..0; wick 0..3.
        assert_eq!(column(&buf, 0), "╿│");
    }

    #[test]
    fn moving_average_aligns_with_candles() {
        let cs: Vec<Candle> = [10, 20, 30, 40].iter().map(|&p| c(p, p, p, p)).collect();
        assert_eq!(
            moving_average(&cs, 2),
            vec![None, Some(15), Some(25), Some(35)]
        );
    }

    #[test]
    fn scale_uses_visible_range_and_tolerates_flat_prices() {
        let s = Scale::new(100, 100, 5);
        assert_eq!(s.half(100), 5);
        let s = Scale::new(0, 90, 5);
        assert_eq!(s.half(90), 0);
        assert_eq!(s.half(0), 9);
    }
}

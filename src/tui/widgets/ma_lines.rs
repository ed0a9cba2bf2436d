//! Moving averages as lines a trader can follow: braille dots (2×4 per cell) joined from one
//! candle's average to the next, each average in its own colour. Drawn before the candles,
//! which stay on top where they cross.
//!
//! By hand rather than with ratatui's `Canvas`: the canvas clears the area and allocates and
//! walks a whole grid per layer on every frame, which doubled the chart pane's frame time
//! (`cargo bench --bench tui_frame`, `chart_pane_200x60`); this touches only the dots drawn.

use super::candles::column_of;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

/// A moving-average line aligned with the visible candles (`None` where there is no average).
pub struct MaLine<'a> {
    pub values: &'a [Option<i64>],
    pub color: Color,
}

/// The lines of a plot whose `n` candles (the last `n` of each line's values) sit at `stride`
/// columns each, right-aligned, on the price range `[lo, hi]`.
pub struct MaLines<'a> {
    pub lines: &'a [MaLine<'a>],
    pub n: usize,
    pub stride: u16,
    pub lo: i64,
    pub hi: i64,
}

/// The bit of braille dot `(dx, dy)` of a cell (dx 0..2, dy 0..4 from the top), Unicode order.
fn braille_bit(dx: u16, dy: u16) -> u8 {
    match (dx, dy) {
        (0, 0) => 0x01,
        (0, 1) => 0x02,
        (0, 2) => 0x04,
        (1, 0) => 0x08,
        (1, 1) => 0x10,
        (1, 2) => 0x20,
        (0, _) => 0x40,
        _ => 0x80,
    }
}

/// Adds the dots `bits` to cell `(x, y)`, keeping the dots already there when it holds
/// braille (two averages crossing share the cell; the later one's colour shows).
fn put_dots(buf: &mut Buffer, (x, y): (u16, u16), bits: u8, color: Color) {
    let Some(cell) = buf.cell_mut((x, y)) else {
        return;
    };
    let have = cell
        .symbol()
        .chars()
        .next()
        .map(u32::from)
        .filter(|c| (0x2800..=0x28FF).contains(c))
        .map_or(0, |c| c - 0x2800);
    if let Some(ch) = char::from_u32(0x2800 + (have | u32::from(bits))) {
        cell.set_char(ch).set_fg(color);
    }
}

/// Every dot of the straight line from `a` to `b` (Bresenham), both ends included.
fn line(a: (i32, i32), b: (i32, i32), mut f: impl FnMut(i32, i32)) {
    let (dx, dy) = ((b.0 - a.0).abs(), -(b.1 - a.1).abs());
    let (sx, sy) = (
        if a.0 < b.0 { 1 } else { -1 },
        if a.1 < b.1 { 1 } else { -1 },
    );
    let (mut x, mut y, mut err) = (a.0, a.1, dx + dy);
    loop {
        f(x, y);
        if (x, y) == b {
            return;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

impl MaLines<'_> {
    pub fn render(&self, plot: Rect, buf: &mut Buffer) {
        let plot = plot.intersection(buf.area);
        if plot.is_empty() || self.n == 0 || self.lines.is_empty() {
            return;
        }
        // Dots: x 0..2w from the left, y 0..4h from the top.
        let (w, h) = (i32::from(plot.width) * 2, i32::from(plot.height) * 4);
        let span = i128::from(self.hi) - i128::from(self.lo);
        let y_of = |v: i64| -> i32 {
            if span <= 0 {
                return (h - 1) / 2;
            }
            let v = v.clamp(self.lo, self.hi);
            // In i64 when it fits (every real price), else in i128.
            if let (Ok(span64), Some(n)) = (
                i64::try_from(span),
                (self.hi - v).checked_mul(i64::from(h - 1)),
            ) && let Some(n) = n.checked_add(span64 / 2)
            {
                return i32::try_from(n / span64).unwrap_or(0);
            }
            let v = i128::from(v);
            let from_top = (i128::from(self.hi) - v) * i128::from(h - 1);
            i32::try_from((from_top + span / 2) / span).unwrap_or(0)
        };
        let x_of = |i: usize| i32::from(column_of(i, self.n, self.stride, 0, plot.width)) * 2;
        for ma in self.lines {
            let first = ma.values.len().saturating_sub(self.n);
            let mut prev: Option<(i32, i32)> = None;
            // A line's dots come cell after cell: gather a cell's dots, write it once.
            let mut pending: Option<((u16, u16), u8)> = None;
            for (i, v) in ma.values[first..].iter().enumerate() {
                let Some(v) = v else {
                    prev = None;
                    continue;
                };
                let p = (x_of(i), y_of(*v));
                line(prev.unwrap_or(p), p, |x, y| {
                    if !((0..w).contains(&x) && (0..h).contains(&y)) {
                        return;
                    }
                    // In range: both fit in u16 (w and h came from u16 cells).
                    let (x, y) = (x as u16, y as u16);
                    let cell = (plot.x + x / 2, plot.y + y / 4);
                    let bit = braille_bit(x % 2, y % 4);
                    match &mut pending {
                        Some((c, bits)) if *c == cell => *bits |= bit,
                        _ => {
                            if let Some((c, bits)) = pending.replace((cell, bit)) {
                                put_dots(buf, c, bits, ma.color);
                            }
                        }
                    }
                });
                prev = Some(p);
            }
            if let Some((c, bits)) = pending {
                put_dots(buf, c, bits, ma.color);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().chars().next().unwrap_or(' '))
            .collect()
    }

    #[test]
    fn a_rising_average_is_one_unbroken_line() {
        let values: Vec<Option<i64>> = vec![Some(99), None, Some(0), Some(15), Some(30)];
        let area = Rect::new(0, 0, 4, 2);
        let mut buf = Buffer::empty(area);
        MaLines {
            lines: &[MaLine {
                values: &values,
                color: Color::Yellow,
            }],
            n: 4,
            stride: 1,
            lo: 0,
            hi: 30,
        }
        .render(area, &mut buf);
        // The first candle has no average; then every column has dots, bottom-left to top-right.
        assert_eq!(row(&buf, 0), "  ⢠⠃");
        assert_eq!(row(&buf, 1), " ⡰⠁ ");
        assert_eq!(buf[(3, 0)].fg, Color::Yellow);
        assert_eq!(buf[(0, 1)].symbol(), " ");
    }
}

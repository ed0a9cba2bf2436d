//! Moving averages as lines a trader can follow: braille dots (2×4 per cell) joined from one
//! candle's average to the next by ratatui's canvas (its Bresenham lines), each average in its
//! own colour. Drawn before the candles, which stay on top where they cross.

use super::candles::column_of;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::widgets::Widget;
use ratatui::widgets::canvas::{Canvas, Line};

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

impl MaLines<'_> {
    pub fn render(&self, plot: Rect, buf: &mut Buffer) {
        let plot = plot.intersection(buf.area);
        if plot.is_empty() || self.n == 0 || self.lines.is_empty() {
            return;
        }
        // One canvas unit per braille dot: x 0..2w-1 from the left, y 0..4h-1 from the bottom.
        let (w, h) = (f64::from(plot.width) * 2.0, f64::from(plot.height) * 4.0);
        let span = self.hi.saturating_sub(self.lo);
        let y_of = |v: i64| -> f64 {
            if span <= 0 {
                return (h - 1.0) / 2.0;
            }
            let v = v.clamp(self.lo, self.hi);
            (v - self.lo) as f64 / span as f64 * (h - 1.0)
        };
        let x_of = |i: usize| -> f64 {
            let col = column_of(i, self.n, self.stride, 0, plot.width);
            f64::from(col) * 2.0
        };
        let canvas = Canvas::default()
            .marker(Marker::Braille)
            .background_color(Color::Reset)
            .x_bounds([0.0, w - 1.0])
            .y_bounds([0.0, h - 1.0])
            .paint(|ctx| {
                for ma in self.lines {
                    let first = ma.values.len().saturating_sub(self.n);
                    let shown = &ma.values[first..];
                    let points = shown
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| v.map(|v| (x_of(i), y_of(v))));
                    let mut prev: Option<(f64, f64)> = None;
                    for (x, y) in points {
                        let (x1, y1) = prev.unwrap_or((x, y));
                        ctx.draw(&Line {
                            x1,
                            y1,
                            x2: x,
                            y2: y,
                            color: ma.color,
                        });
                        prev = Some((x, y));
                    }
                    // Each average on its own layer: where two cross, the later one shows.
                    ctx.layer();
                }
            });
        canvas.render(plot, buf);
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

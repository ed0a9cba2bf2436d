//! Depth bars with eighth-cell resolution and the two-sided ask/bid imbalance gauge.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};

const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A horizontal bar `qty / max` of `area`'s width, drawn from the left.
pub fn bar(buf: &mut Buffer, area: Rect, qty: u64, max: u64, style: Style) {
    let area = area.intersection(buf.area);
    if area.width == 0 || area.height == 0 || max == 0 {
        return;
    }
    let eighths = (qty.min(max) as u128 * area.width as u128 * 8 / max as u128) as u64;
    let eighths = if qty > 0 { eighths.max(1) } else { 0 };
    let full = (eighths / 8) as u16;
    let part = (eighths % 8) as usize;
    for i in 0..full.min(area.width) {
        if let Some(c) = buf.cell_mut((area.x + i, area.y)) {
            c.set_char('█').set_style(style);
        }
    }
    if part > 0
        && full < area.width
        && let Some(c) = buf.cell_mut((area.x + full, area.y))
    {
        c.set_char(PARTIAL[part]).set_style(style);
    }
}

/// Splits `area` in proportion `left : right` with two colours; equal halves when both are 0.
pub fn gauge(buf: &mut Buffer, area: Rect, left: u64, right: u64, lc: Color, rc: Color) {
    let area = area.intersection(buf.area);
    if area.width == 0 {
        return;
    }
    let total = left + right;
    let lw = if total == 0 {
        area.width / 2
    } else {
        ((left as u128 * area.width as u128 + total as u128 / 2) / total as u128) as u16
    };
    for i in 0..area.width {
        if let Some(c) = buf.cell_mut((area.x + i, area.y)) {
            if i < lw {
                c.set_char('█').set_fg(lc);
            } else {
                c.set_char('█').set_fg(rc);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(buf: &Buffer) -> String {
        (0..buf.area.width)
            .map(|x| buf[(x, 0)].symbol().to_string())
            .collect()
    }

    #[test]
    fn bars_use_eighths() {
        let area = Rect::new(0, 0, 4, 1);
        let mut buf = Buffer::empty(area);
        bar(&mut buf, area, 50, 100, Style::default());
        assert_eq!(row(&buf), "██  ");
        let mut buf = Buffer::empty(area);
        bar(&mut buf, area, 1, 100, Style::default());
        assert_eq!(row(&buf), "▏   ");
        let mut buf = Buffer::empty(area);
        bar(&mut buf, area, 100, 100, Style::default());
        assert_eq!(row(&buf), "████");
    }

    #[test]
    fn gauge_splits_by_share() {
        let area = Rect::new(0, 0, 10, 1);
        let mut buf = Buffer::empty(area);
        gauge(&mut buf, area, 30, 70, Color::Blue, Color::Red);
        assert_eq!(buf[(2, 0)].fg, Color::Blue);
        assert_eq!(buf[(3, 0)].fg, Color::Red);
    }
}

//! Display-width-aware text in the buffer: `market::text`'s width and truncation (never mid
//! syllable), placed left, right, centred or whole, and the UI's compact numbers.

use ratatui::buffer::Buffer;
use ratatui::style::Style;

pub use crate::market::text::{nfc, truncate, width};
use unicode_width::UnicodeWidthChar;

/// `s` broken into lines of at most `max` cells, at spaces where it can be and inside a word
/// only when the word alone is wider than `max`. Never an empty list for a non-empty `s`.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let ww = width(word);
        if used > 0 && used + 1 + ww <= max {
            line.push(' ');
            line.push_str(word);
            used += 1 + ww;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        // A word wider than a line is split by cells.
        for ch in word.chars() {
            let cw = ch.width().unwrap_or(0);
            if used + cw > max && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(ch);
            used += cw;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `s` at (x, y) truncated to `max` cells, left-aligned. Returns the cells used.
pub fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, max: u16, style: Style) -> u16 {
    if max == 0 || !in_buf(buf, x, y) {
        return 0;
    }
    let max = max.min(buf.area.right().saturating_sub(x));
    let t = truncate(s, max as usize);
    let (end, _) = buf.set_stringn(x, y, t.as_ref(), max as usize, style);
    end.saturating_sub(x)
}

/// Writes `s` right-aligned so that it ends at column `right` (exclusive), in at most `max`
/// cells.
pub fn put_right(buf: &mut Buffer, right: u16, y: u16, s: &str, max: u16, style: Style) {
    let t = truncate(s, max as usize);
    let w = width(&t) as u16;
    let x = right.saturating_sub(w);
    put(buf, x, y, &t, w, style);
}

/// Writes `s` at (x, y) only if all of it fits in `max` cells (numbers are never cut: a value
/// that does not fit is left out). Returns the cells used, 0 when nothing was drawn.
pub fn put_whole(buf: &mut Buffer, x: u16, y: u16, s: &str, max: u16, style: Style) -> u16 {
    let w = width(s);
    if w > max as usize || x as usize + w > buf.area.right() as usize || !in_buf(buf, x, y) {
        return 0;
    }
    put(buf, x, y, s, w as u16, style)
}

/// [`put_whole`] right-aligned to end at column `right` (exclusive).
pub fn put_right_whole(buf: &mut Buffer, right: u16, y: u16, s: &str, max: u16, style: Style) {
    let w = width(s) as u16;
    if w <= max && w <= right {
        put_whole(buf, right - w, y, s, w, style);
    }
}

/// Writes `s` centred within [x, x + w).
pub fn put_center(buf: &mut Buffer, x: u16, y: u16, w: u16, s: &str, style: Style) {
    let t = truncate(s, w as usize);
    let tw = width(&t) as u16;
    put(buf, x + (w.saturating_sub(tw)) / 2, y, &t, tw, style);
}

/// `12,345,678` → `12.3M`: the UI's one compact number, for quantities, volumes and axes. At
/// most six cells (`999.9K`); below 10,000 the exact number (`9,999`). Rounds to the nearest
/// tenth and moves to the next unit instead of printing `1000.0K`.
pub fn compact(n: u64) -> String {
    if n < 10_000 {
        return crate::market::group_thousands(n as i64);
    }
    let mut unit: u128 = 1_000;
    for suffix in ["K", "M", "B"] {
        let tenths = (n as u128 * 10 + unit / 2) / unit;
        if tenths < 10_000 {
            return format!("{}.{}{suffix}", tenths / 10, tenths % 10);
        }
        unit *= 1_000;
    }
    let tenths = (n as u128 * 10 + unit / 2) / unit;
    format!("{}.{}T", tenths / 10, tenths % 10)
}

/// [`compact`] with a sign for changes: `+1,250`, `-101.6K`, `-1.2M`; empty for 0. At most
/// [`COMPACT_SIGNED_WIDTH`] cells below a trillion.
pub fn compact_signed(n: i64) -> String {
    match n.signum() {
        0 => String::new(),
        1 => format!("+{}", compact(n.unsigned_abs())),
        _ => format!("-{}", compact(n.unsigned_abs())),
    }
}

/// The widest [`compact_signed`] below a trillion (`-999.9B`).
pub const COMPACT_SIGNED_WIDTH: u16 = 7;

fn in_buf(buf: &Buffer, x: u16, y: u16) -> bool {
    x >= buf.area.left() && x < buf.area.right() && y >= buf.area.top() && y < buf.area.bottom()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_splits_only_long_words() {
        assert_eq!(
            wrap("move the selected row up", 10),
            ["move the", "selected", "row up"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("삼성전자 주가", 4), ["삼성", "전자", "주가"]);
        assert!(wrap("", 5).is_empty());
        for l in wrap("a fairly long description of an action in hoga", 7) {
            assert!(width(&l) <= 7, "{l}");
        }
    }

    #[test]
    fn compact_numbers_fit_in_six_cells_and_round_up_a_unit() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(9_999), "9,999");
        assert_eq!(compact(10_000), "10.0K");
        assert_eq!(compact(101_600), "101.6K");
        assert_eq!(compact(999_949), "999.9K");
        assert_eq!(compact(999_950), "1.0M");
        assert_eq!(compact(1_234_567), "1.2M");
        assert_eq!(compact(99_999_999), "100.0M");
        assert_eq!(compact(999_960_000), "1.0B");
        assert_eq!(compact_signed(0), "");
        assert_eq!(compact_signed(1_250), "+1,250");
        assert_eq!(compact_signed(-101_600), "-101.6K");
        assert_eq!(compact_signed(-1_234_567), "-1.2M");
        for n in [
            0u64,
            9_999,
            10_000,
            99_999,
            999_999,
            9_999_999,
            999_999_999_999,
        ] {
            assert!(width(&compact(n)) <= 6, "{n}");
            assert!(width(&compact_signed(-(n as i64))) <= COMPACT_SIGNED_WIDTH as usize);
        }
    }
}

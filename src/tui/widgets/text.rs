//! Display-width-aware text: NFC normalisation and truncation with `…` that never splits a
//! Hangul syllable or any other wide character in half.

use ratatui::buffer::Buffer;
use ratatui::style::Style;
use std::borrow::Cow;
use unicode_normalization::{UnicodeNormalization, is_nfc_quick};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` in NFC. Decomposed Hangul (from some master files and terminals) would otherwise take
/// several cells per syllable and compare unequal to the composed name.
pub fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// Terminal cells `s` takes.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells; a cut string ends in `…` (one cell).
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(max * 3);
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    Cow::Owned(out)
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

/// Writes `s` centred within [x, x + w).
pub fn put_center(buf: &mut Buffer, x: u16, y: u16, w: u16, s: &str, style: Style) {
    let t = truncate(s, w as usize);
    let tw = width(&t) as u16;
    put(buf, x + (w.saturating_sub(tw)) / 2, y, &t, tw, style);
}

fn in_buf(buf: &Buffer, x: u16, y: u16) -> bool {
    x >= buf.area.left() && x < buf.area.right() && y >= buf.area.top() && y < buf.area.bottom()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_display_width_never_mid_syllable() {
        assert_eq!(truncate("삼성전자", 8), "삼성전자");
        assert_eq!(truncate("삼성전자", 7), "삼성전…");
        // 6 cells: two syllables (4) + … (1) = 5; a third syllable would need 7.
        assert_eq!(truncate("삼성전자", 6), "삼성…");
        assert_eq!(truncate("삼성전자", 1), "…");
        assert_eq!(truncate("삼성전자", 0), "");
        assert_eq!(truncate("SK hynix", 5), "SK h…");
        assert!(width(&truncate("LG에너지솔루션", 9)) <= 9);
    }

    #[test]
    fn normalises_decomposed_hangul() {
        let decomposed: String = "삼성".nfd().collect();
        assert_ne!(decomposed, "삼성");
        assert_eq!(nfc(&decomposed), "삼성");
        assert_eq!(width(&nfc(&decomposed)), 4);
    }
}

//! Display-width-aware text, the one truncation the monitor and the lookup tables share: NFC
//! normalisation, width in terminal cells (Hangul is two wide), and a cut with `…` that never
//! splits a Hangul syllable or any other wide character in half.

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

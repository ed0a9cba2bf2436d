//! The one stock search: code, Hangul name, English name and initial consonants
//! (초성: `ㅅㅅㅈㅈ` → 삼성전자), fuzzy and ranked, NFC-normalised. Pure and cheap enough to run
//! on every keystroke (the TUI's `/`), and what `hoga search` and name lookups answer with.

use super::{Listing, SecurityKind};
use unicode_normalization::UnicodeNormalization;

/// Compatibility jamo for the 19 initial consonants, in Unicode syllable order.
const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// The initial consonant of a precomposed Hangul syllable.
pub fn choseong(c: char) -> Option<char> {
    let u = c as u32;
    (0xAC00..=0xD7A3)
        .contains(&u)
        .then(|| CHOSEONG[((u - 0xAC00) / 588) as usize])
}

fn is_choseong_jamo(c: char) -> bool {
    CHOSEONG.contains(&c)
}

/// One searchable entry, prepared once when the universe arrives.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Index into the universe.
    pub idx: usize,
    code: Vec<char>,
    name: Vec<char>,
    name_en: Vec<char>,
    /// Preference among equal matches: common stocks of large companies first.
    weight: u64,
}

/// The prepared universe.
#[derive(Clone, Debug, Default)]
pub struct Index {
    entries: Vec<Entry>,
}

fn fold(s: &str) -> Vec<char> {
    s.nfc()
        .filter(|c| !c.is_whitespace())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

impl Index {
    pub fn new(universe: &[Listing]) -> Index {
        let entries = universe
            .iter()
            .enumerate()
            .map(|(idx, l)| Entry {
                idx,
                code: fold(l.code.as_str()),
                name: fold(&l.name),
                name_en: l.name_en.as_deref().map(fold).unwrap_or_default(),
                weight: l.market_cap_eok / if l.kind == SecurityKind::Stock { 1 } else { 4 },
            })
            .collect();
        Index { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Universe indices matching `query`, best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<usize> {
        let q = fold(query);
        if q.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(i64, u64, usize, usize)> = self
            .entries
            .iter()
            .filter_map(|e| {
                let s = score(&q, e)?;
                Some((s, e.weight, e.name.len(), e.idx))
            })
            .collect();
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then(a.2.cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        scored.into_iter().take(limit).map(|s| s.3).collect()
    }
}

/// The listings of `universe` matching `query`, best first, at most `limit`. Builds the index
/// each call: for one-shot searches; a caller searching repeatedly keeps an [`Index`].
pub fn search<'a>(universe: &'a [Listing], query: &str, limit: usize) -> Vec<&'a Listing> {
    Index::new(universe)
        .search(query, limit)
        .into_iter()
        .filter_map(|i| universe.get(i))
        .collect()
}

/// A name (or code) that stands for one stock: an exact match of the code, Hangul or English
/// name when there is exactly one, else the only contiguous match. `Err` carries the
/// candidates, best first (at most `limit`; empty when nothing matches at all). Subsequence
/// matches never resolve a name: they are guesses, fine for a list, not for an answer.
pub fn resolve<'a>(
    universe: &'a [Listing],
    query: &str,
    limit: usize,
) -> Result<&'a Listing, Vec<&'a Listing>> {
    let index = Index::new(universe);
    let q = fold(query);
    let exact: Vec<&Entry> = index
        .entries
        .iter()
        .filter(|e| !q.is_empty() && (e.code == q || e.name == q || e.name_en == q))
        .collect();
    if let [one] = exact.as_slice()
        && let Some(l) = universe.get(one.idx)
    {
        return Ok(l);
    }
    let close: Vec<&Listing> = index
        .search(query, limit.max(1))
        .into_iter()
        .filter(|&i| {
            index.entries.get(i).is_some_and(|e| {
                [&e.code, &e.name, &e.name_en]
                    .into_iter()
                    .filter_map(|s| match_score(&q, s))
                    .any(|s| s > SUBSEQUENCE_BEST)
            })
        })
        .filter_map(|i| universe.get(i))
        .collect();
    match close.as_slice() {
        [one] => Ok(*one),
        _ => Err(close),
    }
}

/// The best score a subsequence (gapped) match can have; contiguous matches score above it.
const SUBSEQUENCE_BEST: i64 = 300;

/// Does query char `q` match name char `n`? Equal, or `q` is the initial consonant of `n`.
fn char_matches(q: char, n: char) -> bool {
    q == n || (is_choseong_jamo(q) && choseong(n) == Some(q))
}

/// Where `q` matches `s`: exact, prefix, contiguous (at an offset), or as a subsequence with
/// gaps. Higher is better; `None` when it does not match at all.
fn match_score(q: &[char], s: &[char]) -> Option<i64> {
    if q.len() > s.len() || s.is_empty() {
        return None;
    }
    let eq = |a: &[char], b: &[char]| a.iter().zip(b).all(|(x, y)| char_matches(*x, *y));
    if q.len() == s.len() && eq(q, s) {
        return Some(1000);
    }
    // Prefix and infix matches rank among themselves by company size (the caller's
    // tie-break), not by name length: 삼성바이오로직스 before 삼성물산 for `삼성`.
    if eq(q, &s[..q.len()]) {
        return Some(800);
    }
    for off in 1..=(s.len() - q.len()) {
        if eq(q, &s[off..off + q.len()]) {
            return Some(600 - (off as i64).min(10) * 4);
        }
    }
    // Subsequence: every query char in order, penalised by the gaps between them.
    let mut gaps = 0i64;
    let mut last: Option<usize> = None;
    let mut pos = 0;
    for qc in q {
        let found = s[pos..].iter().position(|n| char_matches(*qc, *n))? + pos;
        if let Some(l) = last {
            gaps += (found - l - 1) as i64;
        } else {
            gaps += found as i64;
        }
        last = Some(found);
        pos = found + 1;
    }
    Some(SUBSEQUENCE_BEST - gaps * 10 - (s.len() - q.len()) as i64)
}

fn score(q: &[char], e: &Entry) -> Option<i64> {
    let code = match_score(q, &e.code).map(|s| s + 50);
    let name = match_score(q, &e.name).map(|s| s + 20);
    let en = match_score(q, &e.name_en);
    [code, name, en].into_iter().flatten().max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Krw, Market, StatusFlags, StockCode};

    pub fn listing(code: &str, name: &str, en: &str, cap: u64, kind: SecurityKind) -> Listing {
        Listing {
            code: StockCode::new(code).unwrap(),
            isin: String::new(),
            name: name.to_string(),
            name_en: Some(en.to_string()),
            market: Market::Kospi,
            group: "ST".into(),
            kind,
            base_price: Krw(1000),
            listed_shares: 1,
            flags: StatusFlags::default(),
            market_cap_eok: cap,
            listed_on: None,
        }
    }

    fn universe() -> Vec<Listing> {
        vec![
            listing(
                "005930",
                "삼성전자",
                "Samsung Electronics",
                4_000_000,
                SecurityKind::Stock,
            ),
            listing(
                "005935",
                "삼성전자우",
                "Samsung Electronics Pref",
                400_000,
                SecurityKind::Preferred,
            ),
            listing(
                "006400",
                "삼성SDI",
                "Samsung SDI",
                200_000,
                SecurityKind::Stock,
            ),
            listing(
                "028260",
                "삼성물산",
                "Samsung C&T",
                250_000,
                SecurityKind::Stock,
            ),
            listing(
                "000660",
                "SK하이닉스",
                "SK hynix",
                1_500_000,
                SecurityKind::Stock,
            ),
            listing("086520", "에코프로", "EcoPro", 100_000, SecurityKind::Stock),
            listing(
                "247540",
                "에코프로비엠",
                "EcoPro BM",
                150_000,
                SecurityKind::Stock,
            ),
            listing(
                "032830",
                "삼성생명",
                "Samsung Life",
                180_000,
                SecurityKind::Stock,
            ),
        ]
    }

    fn names(q: &str) -> Vec<String> {
        let u = universe();
        Index::new(&u)
            .search(q, 10)
            .into_iter()
            .map(|i| u[i].name.clone())
            .collect()
    }

    #[test]
    fn choseong_of_syllables() {
        assert_eq!(choseong('삼'), Some('ㅅ'));
        assert_eq!(choseong('전'), Some('ㅈ'));
        assert_eq!(choseong('까'), Some('ㄲ'));
        assert_eq!(choseong('a'), None);
    }

    #[test]
    fn initial_consonants_find_samsung_electronics_first() {
        assert_eq!(names("ㅅㅅㅈㅈ")[0], "삼성전자");
        // Mixed syllables and consonants.
        assert_eq!(names("삼성ㅈ")[0], "삼성전자");
        assert_eq!(names("ㅇㅋㅍㄹ")[0], "에코프로");
    }

    #[test]
    fn hangul_prefix_ranks_exact_then_larger_companies() {
        let r = names("삼성");
        assert_eq!(r[0], "삼성전자");
        assert!(r.contains(&"삼성SDI".to_string()));
        assert!(!r.contains(&"SK하이닉스".to_string()));
        assert_eq!(names("에코프로")[0], "에코프로");
        assert_eq!(names("에코프로")[1], "에코프로비엠");
    }

    #[test]
    fn code_and_english_name_and_fuzzy() {
        assert_eq!(names("005930")[0], "삼성전자");
        assert_eq!(names("0006")[0], "SK하이닉스");
        assert_eq!(names("hynix")[0], "SK하이닉스");
        assert_eq!(names("sk hynix")[0], "SK하이닉스");
        // Subsequence: s-d-i.
        assert_eq!(names("ssdi")[0], "삼성SDI");
        assert!(names("zzzz").is_empty());
    }

    #[test]
    fn names_resolve_only_when_they_mean_one_stock() {
        let u = universe();
        fn name(r: Result<&Listing, Vec<&Listing>>) -> Result<String, usize> {
            r.map(|l| l.name.clone()).map_err(|v| v.len())
        }
        assert_eq!(
            name(resolve(&u, "삼성전자", 10)),
            Ok("삼성전자".to_string())
        );
        assert_eq!(
            name(resolve(&u, "sk hynix", 10)),
            Ok("SK하이닉스".to_string())
        );
        assert_eq!(
            name(resolve(&u, "하이닉스", 10)),
            Ok("SK하이닉스".to_string())
        );
        let many = resolve(&u, "삼성", 10).unwrap_err();
        assert!(many.len() >= 4, "{}", many.len());
        assert!(resolve(&u, "zzzz", 10).unwrap_err().is_empty());
        // A subsequence guess is listed, never taken.
        assert!(resolve(&u, "ssdi", 10).is_err());
    }

    #[test]
    fn decomposed_query_matches_composed_name() {
        use unicode_normalization::UnicodeNormalization;
        let q: String = "삼성전자".nfd().collect();
        assert_eq!(names(&q)[0], "삼성전자");
    }
}

//! One stock search: the TUI's `/` index and `hoga search` rank the same universe the same way,
//! for codes, Hangul and English names, 초성 and decomposed (NFD) input.

use chrono::{TimeZone, Utc};
use hoga::clock::ManualClock;
use hoga::lookup::{Lookup, SearchArgs};
use hoga::source::mock::MockSource;
use hoga::source::{DataSource, Req};
use std::sync::Arc;
use unicode_normalization::UnicodeNormalization;

const QUERIES: &[&str] = &[
    "005930",
    "0006",
    "삼성",
    "삼성전자",
    "ㅅㅅㅈㅈ",
    "삼성ㅈ",
    "ㅇㅋㅍㄹ",
    "hynix",
    "sk hynix",
    "Samsung",
    "에코",
    "ssdi",
    "ㅎㄷ",
    "현대",
];

#[tokio::test]
async fn tui_and_lookup_give_the_same_ranking() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 19, 2, 0, 0).unwrap(),
    ));
    let source = MockSource::new(7, clock);
    let universe = source.universe(Req::INTERACTIVE).await.unwrap().value;
    let index = hoga::tui::search::Index::new(&universe);
    let nfd: Vec<String> = QUERIES.iter().map(|q| q.nfd().collect()).collect();
    for q in QUERIES
        .iter()
        .copied()
        .chain(nfd.iter().map(String::as_str))
    {
        let tui: Vec<String> = index
            .search(q, 10)
            .into_iter()
            .map(|i| universe[i].code.to_string())
            .collect();
        let mut out = Vec::new();
        let cmd = Lookup::Search(SearchArgs {
            text: vec![q.to_string()],
            limit: 10,
            json: true,
        });
        let result = hoga::lookup::run(&cmd, &source, Utc::now(), &mut out).await;
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
        let lookup: Vec<String> = rows
            .iter()
            .map(|r| r["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(tui, lookup, "query {q:?}");
        assert_eq!(result.is_ok(), !tui.is_empty(), "query {q:?}");
    }
    // The queries are not vacuous: the universe has a 삼성전자 found by its 초성.
    let first = index.search("ㅅㅅㅈㅈ", 1);
    assert_eq!(universe[first[0]].name, "삼성전자");
}

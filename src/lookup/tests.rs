//! Unit tests of the lookup shapes and tables.

use super::json::{BookJson, ChartJson, QuoteJson, rate_json};
use super::text::{book_table, quote_table};
use super::{LookupError, fit};
use crate::market::search::search as search_universe;
use crate::market::{
    Candle, Krw, Listing, Period, Provenance, Quote, Rate, SecurityKind, StockCode,
};
use crate::market::{Env, Level, Market, OrderBook, StatusFlags};
use crate::source::SourceError;
use chrono::TimeZone;
use chrono::{NaiveDate, Utc};
use unicode_width::UnicodeWidthStr;

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn sample_quote() -> Quote {
    Quote {
        code: code("005930"),
        name: Some("삼성전자".into()),
        price: Krw(65_850),
        change: Krw(-150),
        change_rate: Rate(-23),
        prev_close: Krw(66_000),
        open: Krw(66_000),
        high: Krw(66_200),
        low: Krw(65_700),
        volume: 5_123_456,
        value: Krw(337_000_000_000),
        upper_limit: Krw(85_800),
        lower_limit: Krw(46_200),
        flags: StatusFlags::default(),
        expected: None,
        as_of: Utc.with_ymd_and_hms(2025, 7, 25, 0, 47, 0).unwrap(),
    }
}

#[test]
fn quote_json_has_exactly_the_documented_fields() {
    let q = sample_quote();
    let p = Provenance::Live { env: Env::Real };
    let text = serde_json::to_string(&QuoteJson::new(&q, &p)).unwrap();
    assert!(text.contains(r#""change_rate":-0.23"#), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "name",
            "price",
            "change",
            "change_rate",
            "prev_close",
            "open",
            "high",
            "low",
            "volume",
            "value",
            "upper_limit",
            "lower_limit",
            "as_of",
            "provenance"
        ]
    );
    assert_eq!(v["price"], 65_850);
    assert_eq!(v["value"], 337_000_000_000i64);
    assert_eq!(v["as_of"], "2025-07-25T09:47:00+09:00");
    assert_eq!(v["provenance"]["kind"], "live");
}

#[test]
fn rates_keep_two_decimals() {
    assert_eq!(rate_json(Rate(500)).get(), "5.00");
    assert_eq!(rate_json(Rate(-5)).get(), "-0.05");
    assert_eq!(rate_json(Rate(0)).get(), "0.00");
}

#[test]
fn book_json_shape() {
    let lv = |p, q| Level {
        price: Krw(p),
        qty: q,
    };
    let b = OrderBook {
        code: code("005930"),
        asks: vec![lv(65_900, 10), lv(66_000, 20)],
        bids: vec![lv(65_800, 30), lv(65_700, 40)],
        total_ask_qty: 30,
        total_bid_qty: 70,
        last: None,
        prev_close: None,
        expected: None,
        as_of: Utc.with_ymd_and_hms(2025, 7, 25, 0, 47, 0).unwrap(),
    };
    let v = serde_json::to_value(BookJson::new(&b)).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "asks",
            "bids",
            "total_ask_qty",
            "total_bid_qty",
            "as_of"
        ]
    );
    assert_eq!(
        v["asks"][0],
        serde_json::json!({"price": 65_900, "qty": 10})
    );
    assert_eq!(v["bids"][0]["price"], 65_800);
    let table = book_table(&b, &Provenance::Simulated, Utc::now());
    let lines: Vec<&str> = table.lines().collect();
    // Highest ask first, then best ask, best bid, lower bid, totals.
    assert!(
        lines[2].contains("66,000") && lines[3].contains("65,900"),
        "{table}"
    );
    assert!(
        lines[4].contains("65,800") && lines[5].contains("65,700"),
        "{table}"
    );
}

#[test]
fn chart_json_sorts_oldest_first_and_minute_bars_carry_time() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let bar = |date: &str, time: Option<&str>| Candle {
        date: d(date),
        time: time.map(|t| chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
        open: Krw(1),
        high: Krw(2),
        low: Krw(1),
        close: Krw(2),
        volume: 3,
        value: Krw(4),
    };
    let v = serde_json::to_value(ChartJson::new(
        code("005930"),
        Period::Day,
        &[bar("2025-01-03", None), bar("2025-01-02", None)],
        &[],
    ))
    .unwrap();
    assert_eq!(v["period"], "D");
    assert_eq!(v["bars"][0]["date"], "2025-01-02");
    assert!(v["bars"][0].get("time").is_none());
    let keys: Vec<&str> = v["bars"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["date", "open", "high", "low", "close", "volume", "value"]
    );
    let v = serde_json::to_value(ChartJson::new(
        code("005930"),
        Period::Minute,
        &[
            bar("2025-01-02", Some("09:01")),
            bar("2025-01-02", Some("09:00")),
        ],
        &[],
    ))
    .unwrap();
    assert_eq!(v["bars"][0]["time"], "09:00");
}

#[test]
fn tables_align_hangul_by_display_width() {
    let mut a = sample_quote();
    a.name = Some("삼성전자".into());
    let mut b = sample_quote();
    b.code = code("000660");
    b.name = Some("SK하이닉스".into());
    let p = Provenance::Simulated;
    let sa = crate::source::Sourced::new(a, p);
    let sb = crate::source::Sourced::new(b, p);
    let table = quote_table(&[&sa, &sb], Utc::now());
    let lines: Vec<&str> = table.lines().collect();
    let col = |l: &str| {
        let i = l
            .find("0059")
            .or_else(|| l.find("0006"))
            .or_else(|| l.find("CODE"))
            .unwrap();
        l[..i].width()
    };
    assert_eq!(col(lines[0]), col(lines[1]), "{table}");
    assert_eq!(col(lines[1]), col(lines[2]), "{table}");
}

#[test]
fn fit_truncates_by_width_not_bytes() {
    assert_eq!(fit("삼성전자우선주", 7, false), "삼성전…");
    assert_eq!(fit("삼성", 6, true), "  삼성");
    assert_eq!(fit("abc", 3, false), "abc");
}

#[test]
fn search_ranks_code_name_and_initial_consonants() {
    let l = |c: &str, name: &str, en: &str, cap| Listing {
        code: code(c),
        isin: String::new(),
        name: name.into(),
        name_en: Some(en.into()),
        market: Market::Kospi,
        group: "ST".into(),
        kind: SecurityKind::Stock,
        base_price: Krw(0),
        listed_shares: 0,
        flags: StatusFlags::default(),
        market_cap_eok: cap,
        listed_on: None,
    };
    let u = vec![
        l("005935", "삼성전자우", "Samsung Electronics Pref", 10),
        l("005930", "삼성전자", "Samsung Electronics", 100),
        l("000660", "SK하이닉스", "SK hynix", 50),
        l("086520", "에코프로", "EcoPro", 5),
    ];
    let codes = |v: Vec<&Listing>| v.iter().map(|l| l.code.to_string()).collect::<Vec<_>>();
    assert_eq!(codes(search_universe(&u, "005930", 5)), ["005930"]);
    assert_eq!(
        codes(search_universe(&u, "삼성전자", 5)),
        ["005930", "005935"]
    );
    assert_eq!(
        codes(search_universe(&u, "ㅅㅅㅈㅈ", 5)),
        ["005930", "005935"]
    );
    assert_eq!(codes(search_universe(&u, "hynix", 5)), ["000660"]);
    assert_eq!(codes(search_universe(&u, "에코", 5)), ["086520"]);
    assert!(search_universe(&u, "없는회사", 5).is_empty());
}

#[test]
fn exit_codes() {
    assert_eq!(
        LookupError::from(SourceError::Auth("x".into())).exit_code(),
        2
    );
    assert_eq!(
        LookupError::from(SourceError::NotFound(code("999999"))).exit_code(),
        1
    );
}

//! Contract tests of the KIS wire parser over every captured sample in tests/fixtures/kis
//! (copied from shared/kis/samples) plus hand-made quirk bodies from KIS_API.md: string
//! numbers, key order, absolute change with a sign code, padding, `{}` rows, unknown fields,
//! HTML and truncated bodies. Everything parses or is reported as a typed error.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use hoga::kis::KisError;
use hoga::kis::wire::{self, Body};
use hoga::market::{Krw, Market, Rate, SecurityKind, StockCode, Warning};
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kis")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn body(endpoint: &'static str, name: &str) -> Body {
    wire::parse_body(endpoint, 200, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 25, 0, 47, 31).unwrap()
}

#[test]
fn every_fixture_is_covered_and_never_panics() {
    let known = [
        "README.md",
        "asking_price_exp_ccn.json",
        "chk_holiday.json",
        "daily_itemchartprice.json",
        "error_egw00123.json",
        "error_egw00201.json",
        "inquire_daily_price.json",
        "inquire_price.json",
        "search_stock_info.json",
        "time_itemchartprice.json",
        "token_egw00133.json",
        "token_ok.json",
        "ws_ack_subscribe.json",
        "ws_h0stasp0_frame.txt",
        "ws_h0stcnt0_frame.txt",
        "ws_pingpong.json",
    ];
    let mut seen = 0;
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            known.contains(&name.as_str()),
            "new fixture {name}: add a contract test"
        );
        seen += 1;
        let bytes = fixture(&name);
        // Whatever the file, every status and every prefix of it parses or fails cleanly.
        for status in [200u16, 403, 500] {
            let _ = wire::parse_body("any", status, &bytes);
        }
        for cut in 0..bytes.len() {
            let _ = wire::parse_body("any", 200, &bytes[..cut]);
        }
    }
    assert_eq!(seen, known.len());
}

#[test]
fn inquire_price_sample() {
    let b = body("inquire-price", "inquire_price.json");
    assert_eq!(b.msg_cd, "MCA00000");
    let q = wire::quote::price(&b, code("005930"), now()).unwrap();
    assert_eq!(q.price, Krw(65850));
    assert_eq!(q.change, Krw(-150));
    assert_eq!(q.change_rate, Rate(-23));
    assert_eq!(q.prev_close, Krw(66000));
    assert_eq!(
        (q.open, q.high, q.low),
        (Krw(65700), Krw(66000), Krw(65500))
    );
    assert_eq!(q.volume, 1_943_202);
    assert_eq!(q.value, Krw(127_737_129_950));
    assert_eq!((q.upper_limit, q.lower_limit), (Krw(85800), Krw(46200)));
    assert!(!q.flags.halted && !q.flags.managed && !q.flags.vi);
    assert_eq!(q.flags.warning, Warning::None);
    assert_eq!(q.name, None);
    let v = wire::quote::valuation(&b).unwrap();
    assert_eq!(v.per, Some(Rate(1330)));
    assert_eq!(v.eps, Some(Krw(4950)));
    assert_eq!(v.market_cap_eok, Some(3_898_082));
    assert_eq!(v.w52_high, Some(Krw(86100)));
    assert_eq!(v.sector.as_deref(), Some("전기·전자"));
    // The wrong code in the answer is an error, not a silent mix-up.
    assert!(wire::quote::price(&b, code("000660"), now()).is_err());
}

#[test]
fn order_book_sample() {
    let b = body("inquire-asking-price-exp-ccn", "asking_price_exp_ccn.json");
    let ob = wire::book::order_book(&b, code("005930"), now()).unwrap();
    assert_eq!(ob.asks.len(), 10);
    assert_eq!(ob.bids.len(), 10);
    assert_eq!(ob.asks[0].price, Krw(75800));
    assert_eq!(ob.asks[0].qty, 41846);
    assert_eq!(ob.asks[9].price, Krw(76700));
    assert_eq!(ob.bids[0].price, Krw(75700));
    assert_eq!(ob.bids[9].qty, 60022);
    assert!(ob.asks.windows(2).all(|w| w[0].price < w[1].price));
    assert!(ob.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert_eq!(ob.total_ask_qty, 588_904);
    assert_eq!(ob.total_bid_qty, 1_966_820);
    assert_eq!(ob.last, Some(Krw(75700)));
    assert_eq!(ob.prev_close, Some(Krw(77300)));
    let e = ob.expected.unwrap();
    assert_eq!(e.price, Krw(75700));
    assert_eq!(e.change, Krw(-1600));
    assert_eq!(e.change_rate, Rate(-207));
    assert_eq!(e.volume, 1_000_673);
    // aspr_acpt_hour 160000 KST = 07:00 UTC on the day of `now`.
    assert_eq!(
        ob.as_of,
        Utc.with_ymd_and_hms(2025, 7, 25, 7, 0, 0).unwrap()
    );
}

#[test]
fn period_chart_sample_with_odd_key() {
    let b = body("inquire-daily-itemchartprice", "daily_itemchartprice.json");
    let p = wire::chart::period_chart(&b).unwrap();
    assert_eq!(p.name.as_deref(), Some("경방"));
    assert_eq!(p.bars.len(), 5);
    assert_eq!(p.raw_rows, 5);
    let first = &p.bars[0];
    assert_eq!(first.date, NaiveDate::from_ymd_opt(2024, 6, 28).unwrap());
    assert_eq!(
        (first.open, first.high, first.low, first.close),
        (Krw(7740), Krw(8050), Krw(7450), Krw(7780))
    );
    assert_eq!(first.volume, 120_364);
    assert_eq!(first.value, Krw(935_475_490));
    // Newest first as sent.
    assert!(p.bars.windows(2).all(|w| w[0].date > w[1].date));
}

#[test]
fn daily_price_sample() {
    let b = body("inquire-daily-price", "inquire_daily_price.json");
    let bars = wire::chart::daily_price(&b).unwrap();
    assert_eq!(bars.len(), 4);
    assert_eq!(bars[0].close, Krw(75700));
    assert_eq!(bars[0].volume, 14_598_755);
}

#[test]
fn minute_chart_sample() {
    let b = body("inquire-time-itemchartprice", "time_itemchartprice.json");
    let p = wire::chart::minute_chart(&b).unwrap();
    assert_eq!(p.name.as_deref(), Some("삼성전자"));
    assert_eq!(p.bars.len(), 2);
    assert_eq!(
        p.bars[0].time,
        Some(NaiveTime::from_hms_opt(12, 50, 0).unwrap())
    );
    assert_eq!(p.bars[0].close, Krw(75300));
    assert_eq!(p.bars[0].volume, 69_449);
    assert_eq!(
        p.bars[1].time,
        Some(NaiveTime::from_hms_opt(12, 49, 0).unwrap())
    );
}

#[test]
fn search_stock_info_sample_padded_msg() {
    let b = body("search-stock-info", "search_stock_info.json");
    assert_eq!(b.msg_cd, "KIOK0530");
    assert_eq!(b.msg1, "조회되었습니다");
    let i = wire::info::stock_info(&b, code("000660")).unwrap();
    assert_eq!(i.name, "SK하이닉스");
    assert_eq!(i.name_en.as_deref(), Some("SK hynix"));
    assert_eq!(i.market, Market::Kospi);
    assert_eq!(i.kind, SecurityKind::Stock);
    assert_eq!(i.isin.as_deref(), Some("KR7000660001"));
    assert_eq!(i.listed_shares, Some(728_002_365));
    assert_eq!(i.sector.as_deref(), Some("반도체 제조업"));
    assert!(!i.flags.halted && !i.flags.managed);
}

#[test]
fn chk_holiday_sample_weekend_uses_opnd_yn() {
    let b = body("chk-holiday", "chk_holiday.json");
    assert_eq!(b.msg_cd, "KIOK0500");
    let days = wire::info::holidays(&b).unwrap();
    assert_eq!(days.len(), 7);
    assert!(days[0].open);
    let sat = days
        .iter()
        .find(|d| d.date == NaiveDate::from_ymd_opt(2026, 1, 10).unwrap())
        .unwrap();
    // Weekend: tr_day_yn Y but opnd_yn N → closed.
    assert!(sat.trading_day);
    assert!(!sat.open);
}

#[test]
fn token_samples() {
    let b = wire::parse_body("tokenP", 200, &fixture("token_ok.json")).unwrap();
    let t = wire::token::issued(&b, Utc.with_ymd_and_hms(2025, 2, 4, 4, 39, 0).unwrap()).unwrap();
    // 2025-02-05 13:39:00 KST = 04:39:00 UTC.
    assert_eq!(
        t.expires_at,
        Utc.with_ymd_and_hms(2025, 2, 5, 4, 39, 0).unwrap()
    );
    assert!(t.token.starts_with("eyJ"));
    assert!(!format!("{t:?}").contains("eyJ"));
    let e = wire::parse_body("tokenP", 403, &fixture("token_egw00133.json")).unwrap_err();
    assert_eq!(e.msg_cd(), Some("EGW00133"));
    assert!(e.is_auth());
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("1분당 1회"));
}

#[test]
fn gateway_error_samples() {
    let e = wire::parse_body("inquire-price", 500, &fixture("error_egw00201.json")).unwrap_err();
    assert!(e.is_rate_limited());
    assert!(e.is_retryable());
    assert!(!e.counts_against_breaker());
    let e = wire::parse_body("inquire-price", 500, &fixture("error_egw00123.json")).unwrap_err();
    assert!(e.is_token_rejected());
    assert!(e.is_auth());
    assert!(!e.is_retryable());
    assert!(!e.counts_against_breaker());
    match e {
        KisError::Api {
            endpoint,
            status,
            msg_cd,
            msg1,
        } => {
            assert_eq!(endpoint, "inquire-price");
            assert_eq!(status, 500);
            assert_eq!(msg_cd, "EGW00123");
            assert_eq!(msg1, "기간이 만료된 token 입니다.");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn websocket_samples_are_not_rest_bodies() {
    // The REST parser is not the websocket parser, but it must fail cleanly on frames.
    for f in ["ws_h0stasp0_frame.txt", "ws_h0stcnt0_frame.txt"] {
        let e = wire::parse_body("any", 200, &fixture(f)).unwrap_err();
        assert!(matches!(e, KisError::Parse { .. }), "{f}: {e:?}");
    }
    // JSON control frames have no envelope; reading them as a quote fails with a message.
    let b = wire::parse_body("inquire-price", 200, &fixture("ws_pingpong.json")).unwrap();
    assert!(wire::quote::price(&b, code("005930"), now()).is_err());
    let b = wire::parse_body("inquire-price", 200, &fixture("ws_ack_subscribe.json")).unwrap();
    assert!(wire::quote::price(&b, code("005930"), now()).is_err());
}

// ------------------------------------------------------------------ hand-made quirks

fn parse(json: &str) -> Body {
    wire::parse_body("test", 200, json.as_bytes()).unwrap()
}

#[test]
fn multi_price_matched_by_code_with_absolute_change() {
    let json = r#"{"output":[
        {},
        {"inter_shrn_iscd":"000660","inter_kor_isnm":"SK하이닉스   ","inter2_prpr":"221000","inter2_prdy_vrss":"3000","prdy_vrss_sign":"5","prdy_ctrt":"1.34","acml_vol":"100","inter2_oprc":"224000","inter2_hgpr":"225000","inter2_lwpr":"220000","inter2_mxpr":"290000","inter2_llam":"156800","inter2_prdy_clpr":"224000","acml_tr_pbmn":"22100000","new_field":"x"},
        {"inter_shrn_iscd":"005930","inter_kor_isnm":"삼성전자","inter2_prpr":"65850","inter2_prdy_vrss":"-150","prdy_vrss_sign":"2","prdy_ctrt":"-0.23","acml_vol":"","inter2_prdy_clpr":"65700"},
        {"inter_shrn_iscd":"999999","inter2_prpr":"1000"},
        {"inter_shrn_iscd":"035720","inter2_prpr":"0","inter2_prdy_clpr":"0"}
    ],"rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#;
    let b = parse(json);
    let asked = [code("005930"), code("000660"), code("035720")];
    let qs = wire::quote::multi_price(&b, &asked, now()).unwrap();
    assert_eq!(qs.len(), 2, "{qs:?}");
    let hynix = qs.iter().find(|q| q.code == code("000660")).unwrap();
    assert_eq!(hynix.name.as_deref(), Some("SK하이닉스"));
    // Absolute 3000 with sign 5 (하락) → −3000; rate follows the sign too.
    assert_eq!(hynix.change, Krw(-3000));
    assert_eq!(hynix.change_rate, Rate(-134));
    assert_eq!(hynix.prev_close, Krw(224000));
    let sam = qs.iter().find(|q| q.code == code("005930")).unwrap();
    assert_eq!(sam.change, Krw(150));
    assert_eq!(sam.volume, 0, "empty string → nothing");
}

#[test]
fn key_order_and_unknown_fields_do_not_matter() {
    let a = parse(
        r#"{"rt_cd":"0","msg1":"ok","msg_cd":"MCA00000","output":{"zzz":"1","stck_sdpr":"1000","stck_prpr":"1010","prdy_vrss_sign":"2","prdy_vrss":"10","prdy_ctrt":"1.00"}}"#,
    );
    let q = wire::quote::price(&a, code("005930"), now()).unwrap();
    assert_eq!(q.change, Krw(10));
    assert_eq!(q.change_rate, Rate(100));
    // Missing optional numbers are zero, not errors.
    assert_eq!(q.volume, 0);
}

#[test]
fn garbage_numbers_are_typed_errors_with_codes() {
    let b = parse(
        r#"{"output":{"stck_prpr":"12a3","stck_sdpr":"1000"},"rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#,
    );
    let e = wire::quote::price(&b, code("005930"), now()).unwrap_err();
    match &e {
        KisError::Parse {
            endpoint,
            msg_cd,
            msg1,
            detail,
            ..
        } => {
            assert_eq!(endpoint, "test");
            assert_eq!(msg_cd, "MCA00000");
            assert_eq!(msg1, "ok");
            assert!(detail.contains("stck_prpr"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    let b = parse(r#"{"output":{},"rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#);
    assert!(wire::quote::price(&b, code("005930"), now()).is_err());
    let b = parse(r#"{"output":"oops","rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#);
    assert!(wire::quote::price(&b, code("005930"), now()).is_err());
}

#[test]
fn zeroed_quote_means_unknown_code() {
    let b = parse(
        r#"{"output":{"stck_prpr":"0","stck_sdpr":"0","prdy_vrss":"0"},"rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#,
    );
    let e = wire::quote::price(&b, code("999999"), now()).unwrap_err();
    assert!(e.is_not_found());
}

#[test]
fn chart_rows_skip_empty_objects() {
    let b = parse(
        r#"{"output1":{"hts_kor_isnm":" 삼성전자 "},"output2":[{"stck_bsop_date":"20240611","stck_clpr":"100","stck_oprc":"","stck_hgpr":"0","stck_lwpr":"90","acml_vol":"5","acml_tr_pbmn":"500"},{},{"stck_bsop_date":"","stck_clpr":""}],"rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#,
    );
    let p = wire::chart::period_chart(&b).unwrap();
    assert_eq!(p.name.as_deref(), Some("삼성전자"));
    assert_eq!(p.bars.len(), 1);
    assert_eq!(p.raw_rows, 3);
    // Missing open/high fall back to the close.
    assert_eq!(p.bars[0].open, Krw(100));
    assert_eq!(p.bars[0].high, Krw(100));
    assert_eq!(p.bars[0].low, Krw(90));
    let bad = parse(
        r#"{"output2":[{"stck_bsop_date":"2024-06-11","stck_clpr":"1"}],"rt_cd":"0","msg_cd":"M","msg1":"m"}"#,
    );
    assert!(wire::chart::period_chart(&bad).is_err());
}

#[test]
fn error_envelopes_and_broken_bodies() {
    // Backend order rt_cd, msg_cd, msg1 with HTTP 200.
    let e = wire::parse_body(
        "x",
        200,
        r#"{"rt_cd":"1","msg_cd":"OPSQ0002","msg1":"없는 서비스 코드 입니다"}"#.as_bytes(),
    )
    .unwrap_err();
    assert!(e.is_unsupported());
    assert!(!e.is_retryable());
    // 5xx with EGW00001 is retried; with another code it is not.
    let e =
        wire::parse_body("x", 500, br#"{"rt_cd":"1","msg_cd":"EGW00001","msg1":"t"}"#).unwrap_err();
    assert!(e.is_retryable() && e.counts_against_breaker());
    let e =
        wire::parse_body("x", 500, br#"{"rt_cd":"1","msg_cd":"EGW00002","msg1":"t"}"#).unwrap_err();
    assert!(e.is_retryable());
    let e = wire::parse_body(
        "x",
        500,
        br#"{"rt_cd":"1","msg_cd":"EGW00103","msg1":"bad key"}"#,
    )
    .unwrap_err();
    assert!(e.is_auth() && !e.is_retryable());
    // HTML error page.
    let e = wire::parse_body(
        "x",
        502,
        b"<!DOCTYPE html><html><h1>502 Bad Gateway</h1></html>",
    )
    .unwrap_err();
    assert!(e.to_string().contains("HTML"), "{e}");
    // A gateway's error page passes like the outage behind it: retried, and counted.
    assert!(e.is_retryable());
    assert!(e.counts_against_breaker());
    // Truncated body: retryable.
    let full = fixture("inquire_price.json");
    let e = wire::parse_body("x", 200, &full[..full.len() / 2]).unwrap_err();
    assert!(matches!(
        e,
        KisError::Parse {
            transient: true,
            ..
        }
    ));
    assert!(e.is_retryable());
    // Invalid UTF-8 inside a string.
    let e = wire::parse_body("x", 200, b"{\"rt_cd\":\"0\",\"msg1\":\"\xff\xfe\"}").unwrap_err();
    assert!(matches!(e, KisError::Parse { .. }));
}

#[test]
fn numbers_as_json_numbers_are_tolerated() {
    let b = parse(
        r#"{"output":{"stck_prpr":65850,"stck_sdpr":66000,"prdy_vrss":-150,"prdy_vrss_sign":"5","prdy_ctrt":-0.23},"rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#,
    );
    let q = wire::quote::price(&b, code("005930"), now()).unwrap();
    assert_eq!(q.price, Krw(65850));
    assert_eq!(q.change_rate, Rate(-23));
}

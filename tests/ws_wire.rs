//! The KIS WebSocket parser (`kis::wire::ws`) on the captured frames in tests/fixtures/kis
//! (copied from shared/kis/samples) and on frames written by hand from KIS_API.md §6 and §13:
//! batched records, extra trailing fields, 59- and 62-field books, junk, unknown and encrypted
//! TRs, PINGPONG and every ack code. Whatever the text, the parser answers and never panics.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hoga::kis::wire::ws::{
    AckKind, Action, Channel, Dates, ServerFrame, parse_frame, subscribe_frame,
};
use hoga::market::{Krw, LiveEvent, Rate, Side, StockCode, Trade, Warning};
use proptest::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kis");
    std::fs::read_to_string(path.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn kst(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    // KST is UTC+9 (no daylight saving since 1988).
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() - chrono::Duration::hours(9)
}

fn today() -> Dates {
    Dates::new(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
}

/// Parses `text` with fresh dates; the frame and the events it produced.
fn parse(text: &str) -> (ServerFrame, Vec<LiveEvent>) {
    let mut out = Vec::new();
    let f = parse_frame(text, &mut today(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    (f, out)
}

fn trades(events: &[LiveEvent]) -> Vec<&Trade> {
    events
        .iter()
        .map(|e| match e {
            LiveEvent::Trade(t) => t,
            other => panic!("not a trade: {other:?}"),
        })
        .collect()
}

/// The payload (after `0|TR|NNN|`) of a captured frame.
fn payload(frame: &str) -> String {
    frame.splitn(4, '|').nth(3).unwrap().to_string()
}

#[test]
fn captured_trade_frame() {
    let (f, ev) = parse(&fixture("ws_h0stcnt0_frame.txt"));
    assert_eq!(
        f,
        ServerFrame::Data {
            channel: Channel::Trades,
            records: 1,
            skipped: 0,
            error: None
        }
    );
    let t = trades(&ev)[0];
    assert_eq!(
        *t,
        Trade {
            code: code("005930"),
            at: kst(2023, 3, 24, 11, 26, 16),
            price: Krw(62_700),
            change: Krw(400),
            change_rate: Rate(64),
            qty: 125,
            acc_volume: 9_694_968,
            acc_value: Krw(607_878_273_600),
            side: Some(Side::Buy),
            strength: Some(Rate(9_301)),
        }
    );
}

#[test]
fn captured_book_frame_with_62_fields_and_its_59_field_form() {
    let text = fixture("ws_h0stasp0_frame.txt");
    let (f, ev) = parse(&text);
    assert!(matches!(
        f,
        ServerFrame::Data {
            channel: Channel::Book,
            records: 1,
            skipped: 0,
            ..
        }
    ));
    let LiveEvent::Book(b) = &ev[0] else {
        panic!("not a book: {ev:?}")
    };
    assert_eq!(b.code, code("005930"));
    let asks: Vec<(i64, u64)> = b.asks.iter().map(|l| (l.price.0, l.qty)).collect();
    let bids: Vec<(i64, u64)> = b.bids.iter().map(|l| (l.price.0, l.qty)).collect();
    assert_eq!(asks[0], (358_500, 53_949));
    assert_eq!(asks[9], (363_000, 44_313));
    assert_eq!(bids[0], (358_000, 40_154));
    assert_eq!(bids[9], (353_500, 10_406));
    assert_eq!((asks.len(), bids.len()), (10, 10));
    assert_eq!((b.total_ask_qty, b.total_bid_qty), (796_206, 227_494));
    // Mid-session: ANTC_CNPR is 0, so no expected fill (its change of −prev close is noise).
    assert_eq!(b.expected, None);
    // Only a time of day on the wire: today's date without a trade received.
    assert_eq!(b.as_of, kst(2026, 12, 1, 14, 58, 56));

    // The 59 documented fields alone read the same.
    let whole = payload(&text);
    let fields: Vec<&str> = whole.split('^').take(59).collect();
    let short = format!("0|H0STASP0|001|{}", fields.join("^"));
    let (_, ev59) = parse(&short);
    assert_eq!(ev59, ev);
    // 58 is too few.
    let shorter = format!("0|H0STASP0|001|{}", fields[..58].join("^"));
    assert!(parse_frame(&shorter, &mut today(), &mut Vec::new()).is_err());
}

#[test]
fn a_book_takes_the_date_of_the_latest_trade() {
    let mut dates = today();
    let mut out = Vec::new();
    parse_frame(&fixture("ws_h0stcnt0_frame.txt"), &mut dates, &mut out).unwrap();
    parse_frame(&fixture("ws_h0stasp0_frame.txt"), &mut dates, &mut out).unwrap();
    let LiveEvent::Book(b) = &out[1] else {
        panic!("{out:?}")
    };
    assert_eq!(b.as_of, kst(2023, 3, 24, 14, 58, 56));
}

/// A hand-made H0STCNT0 record: `code`, `time`, `price`, sign and change, a quantity, the
/// side, and `extra` fields after the 46.
fn trade_record(code: &str, time: &str, price: i64, sign: &str, change: i64, qty: u64) -> String {
    let mut f: Vec<String> = payload(&fixture("ws_h0stcnt0_frame.txt"))
        .split('^')
        .map(str::to_string)
        .collect();
    f[0] = code.into();
    f[1] = time.into();
    f[2] = price.to_string();
    f[3] = sign.into();
    f[4] = change.to_string();
    f[12] = qty.to_string();
    f[21] = if sign == "5" { "5" } else { "1" }.into();
    f[33] = "20261201".into();
    f.join("^")
}

#[test]
fn batched_records_in_order_with_extra_trailing_fields() {
    let records = [
        trade_record("005930", "093000", 80_200, "5", -1_800, 15),
        trade_record("000660", "093000", 173_300, "2", 900, 1),
        trade_record("005930", "093001", 80_300, "5", 1_700, 3),
        trade_record("035720", "093001", 43_300, "3", 0, 7),
    ];
    // Two unknown fields after each record's 46 (a later KIS version).
    let with_extras: Vec<String> = records.iter().map(|r| format!("{r}^X^9")).collect();
    let (f, ev) = parse(&format!("0|H0STCNT0|004|{}", with_extras.join("^")));
    assert!(matches!(
        f,
        ServerFrame::Data {
            records: 4,
            skipped: 0,
            ..
        }
    ));
    let t = trades(&ev);
    let seen: Vec<(&str, i64, i64, u64, Option<Side>)> = t
        .iter()
        .map(|t| (t.code.as_str(), t.price.0, t.change.0, t.qty, t.side))
        .collect();
    assert_eq!(
        seen,
        [
            ("005930", 80_200, -1_800, 15, Some(Side::Sell)),
            ("000660", 173_300, 900, 1, Some(Side::Buy)),
            // Sign code 5 wins over an absolute change.
            ("005930", 80_300, -1_700, 3, Some(Side::Sell)),
            ("035720", 43_300, 0, 7, Some(Side::Buy)),
        ]
    );
    assert_eq!(t[2].at, kst(2026, 12, 1, 9, 30, 1));
    // And without extras, the same events.
    let (_, plain) = parse(&format!("0|H0STCNT0|004|{}", records.join("^")));
    assert_eq!(plain, ev);
}

#[test]
fn a_bad_record_is_skipped_and_the_rest_of_the_frame_kept() {
    let good = trade_record("005930", "093000", 80_200, "2", 100, 15);
    let bad_price =
        trade_record("005930", "093000", 80_200, "2", 100, 15).replacen("80200", "8x0", 1);
    let bad_time = trade_record("005930", "996000", 80_200, "2", 100, 15);
    let bad_code = trade_record("ABC", "093000", 80_200, "2", 100, 15);
    let frame = format!("0|H0STCNT0|004|{good}^{bad_price}^{bad_time}^{bad_code}");
    let (f, ev) = parse(&frame);
    let ServerFrame::Data {
        records,
        skipped,
        error,
        ..
    } = f
    else {
        panic!("{f:?}")
    };
    assert_eq!((records, skipped, ev.len()), (1, 3, 1));
    assert!(error.unwrap().contains("price"));
    // A negative quantity is not a trade either.
    let neg = trade_record("005930", "093000", 80_200, "2", 100, 1).replacen("^1^", "^-1^", 1);
    let (f, _) = parse(&format!("0|H0STCNT0|001|{neg}"));
    assert!(matches!(f, ServerFrame::Data { skipped: 1, .. }), "{f:?}");
}

#[test]
fn junk_frames_are_errors_with_their_first_bytes() {
    let long_junk = "z".repeat(500);
    for junk in [
        "",
        "hello",
        "0|H0STCNT0",
        "0|H0STCNT0|abc|1^2",
        "0|H0STCNT0|000|",
        "0|H0STCNT0|002|a^b^c",
        "2|H0STCNT0|001|x",
        "{not json",
        "{\"body\":{}}",
        "{\"header\":{\"tr_id\":\"H0STCNT0\"}}",
        long_junk.as_str(),
    ] {
        let mut out = Vec::new();
        let e = parse_frame(junk, &mut today(), &mut out)
            .err()
            .unwrap_or_else(|| panic!("{junk:?} parsed"));
        assert!(out.is_empty());
        assert!(e.snippet.len() <= 80, "{e}");
        assert!(junk.starts_with(&e.snippet), "{e}");
    }
    // A count that does not match the fields.
    let r = trade_record("005930", "093000", 80_200, "2", 100, 15);
    assert!(
        parse_frame(
            &format!("0|H0STCNT0|002|{r}"),
            &mut today(),
            &mut Vec::new()
        )
        .is_err()
    );
}

#[test]
fn unknown_and_encrypted_trs_are_ignored() {
    let (f, ev) = parse("0|H0STCNI0|001|a^b^c");
    assert!(matches!(f, ServerFrame::Ignored(_)), "{f:?}");
    let (f, _) = parse("1|H0STCNT0|001|U2FsdGVkX1+abc==");
    assert!(matches!(f, ServerFrame::Ignored(_)), "{f:?}");
    assert!(ev.is_empty());
}

#[test]
fn pingpong_is_recognised_by_its_json_header() {
    let (f, _) = parse(&fixture("ws_pingpong.json"));
    assert_eq!(f, ServerFrame::PingPong);
    // A frame that merely starts with the word is not one.
    assert!(parse_frame("PINGPONG", &mut today(), &mut Vec::new()).is_err());
}

fn ack(tr_id: &str, tr_key: &str, rt_cd: &str, msg_cd: &str, msg1: &str) -> String {
    serde_json::json!({
        "header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "N"},
        "body": {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1},
    })
    .to_string()
}

#[test]
fn every_ack_code() {
    let (f, _) = parse(&fixture("ws_ack_subscribe.json"));
    let ServerFrame::Ack(a) = f else {
        panic!("{f:?}")
    };
    assert_eq!(
        (a.channel, a.code, a.kind, a.msg_cd.as_str()),
        (
            Some(Channel::Trades),
            Some(code("005930")),
            AckKind::Subscribed,
            "OPSP0000"
        )
    );
    assert!(a.kind.registered());
    let cases = [
        (
            "0",
            "OPSP0001",
            "UNSUBSCRIBE SUCCESS",
            AckKind::Unsubscribed,
        ),
        (
            "1",
            "OPSP0002",
            "ALREADY IN SUBSCRIBE",
            AckKind::AlreadySubscribed,
        ),
        (
            "1",
            "OPSP0003",
            "UNSUBSCRIBE ERROR(not found!)",
            AckKind::NotSubscribed,
        ),
        ("1", "OPSP0007", "SUBSCRIBE INTERNAL ERROR", AckKind::Failed),
        ("1", "OPSP0008", "MAX SUBSCRIBE OVER", AckKind::CapReached),
        ("9", "OPSP0008", "MAX SUBSCRIBE OVER", AckKind::CapReached),
        (
            "1",
            "OPSP0011",
            "invalid approval(appkey) : NOT FOUND",
            AckKind::InvalidApproval,
        ),
        ("1", "OPSP8991", "invalid tr_id", AckKind::InvalidRequest),
        ("1", "OPSP8992", "invalid tr_key", AckKind::InvalidRequest),
        (
            "9",
            "OPSP8996",
            "ALREADY IN USE appkey",
            AckKind::SessionInUse,
        ),
        (
            "9",
            "OPSP9999",
            "JSON PARSING ERROR : invalid json",
            AckKind::InvalidRequest,
        ),
        (
            "9",
            "OPSP9993",
            "JSON PARSING ERROR : body not found",
            AckKind::InvalidRequest,
        ),
        ("9", "", "INVALID APPROVAL KEY", AckKind::InvalidApproval),
        ("0", "", "UNSUBSCRIBE SUCCESS", AckKind::Unsubscribed),
        ("1", "OPSP1234", "SOMETHING ELSE", AckKind::Failed),
    ];
    for (rt_cd, msg_cd, msg1, kind) in cases {
        let (f, _) = parse(&ack("H0STASP0", "000660", rt_cd, msg_cd, msg1));
        let ServerFrame::Ack(a) = f else {
            panic!("{msg_cd}: {f:?}")
        };
        assert_eq!(a.kind, kind, "{rt_cd} {msg_cd} {msg1}");
        assert_eq!(
            (a.channel, a.code),
            (Some(Channel::Book), Some(code("000660")))
        );
        assert_eq!(a.kind.registered(), kind == AckKind::AlreadySubscribed);
    }
    // A JSON parsing error may name no TR and no key.
    let (f, _) = parse(
        r#"{"header":{"tr_id":""},"body":{"rt_cd":"9","msg_cd":"OPSP9999","msg1":"JSON PARSING ERROR"}}"#,
    );
    let ServerFrame::Ack(a) = f else {
        panic!("{f:?}")
    };
    assert_eq!(
        (a.channel, a.code, a.kind),
        (None, None, AckKind::InvalidRequest)
    );
}

#[test]
fn subscribe_frames_follow_section_6_1() {
    let f = subscribe_frame(
        "key-1",
        "P",
        Action::Register,
        Channel::Book,
        code("005930"),
    );
    let v: Value = serde_json::from_str(&f).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "header": {"approval_key": "key-1", "custtype": "P", "tr_type": "1", "content-type": "utf-8"},
            "body": {"input": {"tr_id": "H0STASP0", "tr_key": "005930"}},
        })
    );
    let f = subscribe_frame(
        "key-1",
        "P",
        Action::Unregister,
        Channel::Trades,
        code("000660"),
    );
    let v: Value = serde_json::from_str(&f).unwrap();
    assert_eq!(v["header"]["tr_type"], "2");
    assert_eq!(v["body"]["input"]["tr_id"], "H0STCNT0");
}

#[test]
fn expected_fills_and_market_status() {
    // H0STANC0: the H0STCNT0 layout, 45 fields.
    let mut f: Vec<String> = payload(&fixture("ws_h0stcnt0_frame.txt"))
        .split('^')
        .take(45)
        .map(str::to_string)
        .collect();
    f[1] = "085930".into();
    f[2] = "62800".into();
    f[3] = "5".into();
    f[4] = "200".into();
    f[5] = "-0.32".into();
    f[12] = "5000".into();
    let (_, ev) = parse(&format!("0|H0STANC0|001|{}", f.join("^")));
    let LiveEvent::Expected(e) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(e.at, kst(2023, 3, 24, 8, 59, 30));
    assert_eq!(
        (
            e.fill.price,
            e.fill.change,
            e.fill.change_rate,
            e.fill.volume
        ),
        (Krw(62_800), Krw(-200), Rate(-32), 5_000)
    );
    // H0STMKO0: VI in force, then a halt with its reason; 10 fields is too few.
    let (_, ev) =
        parse("0|H0STMKO0|002|005930^N^^112^^^^00^Y^N^K^000660^Y^거래정지 사유 ^112^^^^58^N^N^K");
    let [LiveEvent::Status(vi), LiveEvent::Status(halt)] = ev.as_slice() else {
        panic!("{ev:?}")
    };
    assert!(vi.flags.vi && !vi.flags.halted && vi.halt_reason.is_none());
    assert!(halt.flags.halted && !halt.flags.vi);
    assert_eq!(halt.halt_reason.as_deref(), Some("거래정지 사유"));
    let (_, ev) = parse("0|H0STMKO0|001|005930^N^^112^^^^53^N^N^K^extra");
    let LiveEvent::Status(w) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(w.flags.warning, Warning::Warning);
    assert!(
        parse_frame(
            "0|H0STMKO0|001|005930^N^^112^^^^53^N^N",
            &mut today(),
            &mut Vec::new()
        )
        .is_err()
    );
}

proptest! {
    #[test]
    fn never_panics_on_any_text(text in ".{0,400}") {
        let _ = parse_frame(&text, &mut today(), &mut Vec::new());
    }

    #[test]
    fn never_panics_on_mangled_frames(
        cut in 0usize..700,
        at in 0usize..700,
        junk in "[0-9^|{}\"a-z.-]{0,12}",
    ) {
        let base = format!(
            "{}^{}",
            fixture("ws_h0stasp0_frame.txt"),
            payload(&fixture("ws_h0stasp0_frame.txt"))
        ).replacen("|001|", "|002|", 1);
        let mut s: String = base.chars().take(cut.max(1)).collect();
        let at = at.min(s.len());
        if s.is_char_boundary(at) {
            s.insert_str(at, &junk);
        }
        let mut out = Vec::new();
        if let Ok(ServerFrame::Data { records, skipped, .. }) = parse_frame(&s, &mut today(), &mut out) {
            prop_assert_eq!(records, out.len());
            prop_assert!(records + skipped >= 1);
        }
    }
}

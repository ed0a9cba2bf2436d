//! The KIS WebSocket's text frames (KIS_API.md §6, §13; `shared/kis/samples/ws_*`): JSON acks
//! and PINGPONG, and `0|TR|NNN|rec^rec^…` data frames with H0STCNT0 (46 fields), H0STASP0
//! (59, or 62 with the 2026 trailing fields), H0STANC0 (45) and H0STMKO0 (11) records.
//! H0STMKO0 carries the session changes, halts and the static VIs of the market model (a
//! stock's first ±10 % move from its base each way, two minutes); (the REST book's
//! `vi_cls_code` is always "N"), so VI_CLS_CODE is "N" too.

use super::pct2;
use crate::market::{Direction, Krw, OrderBook};
use crate::sim::model::{Phase, Side, Snapshot, Trade, hhmmss};
use chrono::NaiveDate;
use serde_json::{Value, json};

pub const H0STCNT0: &str = "H0STCNT0";
pub const H0STASP0: &str = "H0STASP0";
pub const H0STANC0: &str = "H0STANC0";
pub const H0STMKO0: &str = "H0STMKO0";
pub const H0STCNI0: &str = "H0STCNI0";
pub const H0STCNI9: &str = "H0STCNI9";
pub const PINGPONG: &str = "PINGPONG";

/// Field counts per record.
pub const H0STCNT0_FIELDS: usize = 46;
pub const H0STASP0_FIELDS: usize = 59;
pub const H0STASP0_FIELDS_2026: usize = 62;
pub const H0STANC0_FIELDS: usize = 45;
pub const H0STMKO0_FIELDS: usize = 11;

/// Ack codes and messages (§6.2, §13). The JSON-parsing family OPSP9990–9999 is numbered by
/// what is missing; KIS's exact mapping is UNCONFIRMED.
pub mod ack {
    pub const SUBSCRIBED: (&str, &str, &str) = ("0", "OPSP0000", "SUBSCRIBE SUCCESS");
    pub const UNSUBSCRIBED: (&str, &str, &str) = ("0", "OPSP0001", "UNSUBSCRIBE SUCCESS");
    pub const ALREADY: (&str, &str, &str) = ("1", "OPSP0002", "ALREADY IN SUBSCRIBE");
    pub const NOT_FOUND: (&str, &str, &str) = ("1", "OPSP0003", "UNSUBSCRIBE ERROR(not found!)");
    pub const MAX_OVER: (&str, &str, &str) = ("1", "OPSP0008", "MAX SUBSCRIBE OVER");
    pub const BAD_APPROVAL: (&str, &str, &str) = ("9", "OPSP0011", "invalid approval : NOT FOUND");
    pub const BAD_TR_ID: (&str, &str, &str) = ("9", "OPSP8991", "invalid tr_id");
    pub const BAD_TR_KEY: (&str, &str, &str) = ("9", "OPSP8992", "invalid tr_key");
    pub const IN_USE: (&str, &str, &str) = ("9", "OPSP8996", "ALREADY IN USE appkey");
    pub const BAD_TR_TYPE: (&str, &str, &str) =
        ("9", "OPSP9992", "JSON PARSING ERROR : invalid tr_type");
    pub const NO_APPROVAL_KEY: (&str, &str, &str) = (
        "9",
        "OPSP9993",
        "JSON PARSING ERROR : approval_key not found",
    );
    pub const NO_TR_KEY: (&str, &str, &str) =
        ("9", "OPSP9994", "JSON PARSING ERROR : tr_key not found");
    pub const NO_TR_ID: (&str, &str, &str) =
        ("9", "OPSP9995", "JSON PARSING ERROR : tr_id not found");
    pub const NO_INPUT: (&str, &str, &str) =
        ("9", "OPSP9996", "JSON PARSING ERROR : input not found");
    pub const NO_BODY: (&str, &str, &str) =
        ("9", "OPSP9997", "JSON PARSING ERROR : body not found");
    pub const NO_HEADER: (&str, &str, &str) =
        ("9", "OPSP9998", "JSON PARSING ERROR : header not found");
    pub const BAD_JSON: (&str, &str, &str) =
        ("9", "OPSP9999", "JSON PARSING ERROR : invalid json format");
}

/// An ack: `{"header":{tr_id,tr_key,encrypt},"body":{rt_cd,msg_cd,msg1[,output{iv,key}]}}`.
/// Successes carry the session's AES iv/key (sent even for unencrypted TRs, as KIS does).
pub fn ack(
    tr_id: &str,
    tr_key: &str,
    code: (&str, &str, &str),
    keys: Option<(&str, &str)>,
) -> String {
    let (rt_cd, msg_cd, msg1) = code;
    let mut body = json!({ "rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1 });
    if let (Some((iv, key)), Some(o)) = (keys, body.as_object_mut()) {
        o.insert("output".into(), json!({ "iv": iv, "key": key }));
    }
    json!({
        "header": { "tr_id": tr_id, "tr_key": tr_key, "encrypt": "N" },
        "body": body,
    })
    .to_string()
}

/// The server's keep-alive: `{"header":{"tr_id":"PINGPONG","datetime":"YYYYMMDDHHMMSS"}}`.
pub fn pingpong(datetime: &str) -> String {
    json!({ "header": { "tr_id": PINGPONG, "datetime": datetime } }).to_string()
}

/// Whether a client's text frame is a PINGPONG (its header's tr_id), as the echo is checked.
pub fn is_pingpong(v: &Value) -> bool {
    v.pointer("/header/tr_id").and_then(Value::as_str) == Some(PINGPONG)
}

/// A data frame: `0|TR|NNN|` then the records joined by `^` (NNN = the record count).
pub fn frame(tr_id: &str, records: &[String]) -> String {
    format!("0|{tr_id}|{:03}|{}", records.len(), records.join("^"))
}

fn sign_of(diff: i64) -> &'static str {
    match diff.signum() {
        1 => "2",
        -1 => "5",
        _ => "3",
    }
}

fn ratio2(num: f64, den: f64) -> String {
    if den > 0.0 {
        pct2(num / den)
    } else {
        "0.00".into()
    }
}

/// What stays fixed for one stock over a day, for its records.
#[derive(Clone, Debug)]
pub struct DayCtx {
    pub code: String,
    pub date: NaiveDate,
    pub base: i64,
    pub upper: i64,
    pub lower: i64,
    pub prev_volume: u64,
    pub listed_shares: u64,
    /// Continuous-session steps of the day (for the previous day's same-time volume).
    pub steps: usize,
    /// When continuous trading opens (KST).
    pub open: chrono::NaiveTime,
    pub halted: bool,
}

/// One H0STCNT0 record (46 fields, §6.4) for `t`, with the book in force at its instant.
pub fn trade_record(c: &DayCtx, t: &Trade, book: Option<&OrderBook>) -> String {
    let change = t.price - c.base;
    let dir = Direction::of_change(Krw(t.price), Krw(c.base), Krw(c.upper), Krw(c.lower));
    let ask1 = book.and_then(|b| b.asks.first());
    let bid1 = book.and_then(|b| b.bids.first());
    let level = |l: Option<&crate::market::Level>| l.map(|l| (l.price.0, l.qty)).unwrap_or((0, 0));
    let (askp, askq) = level(ask1);
    let (bidp, bidq) = level(bid1);
    let prev_same_time =
        (c.prev_volume as f64 * ((t.step + 1).min(c.steps) as f64) / c.steps.max(1) as f64) as u64;
    let (ccld, mkop) = match (t.side, t.closing_auction) {
        (_, true) => ("5", "21"),
        (Side::Buy, _) => ("1", "20"),
        (Side::Sell, _) => ("5", "20"),
        (Side::Auction, _) => ("3", "20"),
    };
    let f: [String; H0STCNT0_FIELDS] = [
        c.code.clone(),
        hhmmss(t.time),
        t.price.to_string(),
        dir.sign_code().to_string(),
        change.to_string(),
        ratio2(change as f64 * 100.0, c.base as f64),
        ratio2(t.acc_value as f64, t.acc_volume as f64),
        t.open.to_string(),
        t.high.to_string(),
        t.low.to_string(),
        askp.to_string(),
        bidp.to_string(),
        t.qty.to_string(),
        t.acc_volume.to_string(),
        t.acc_value.to_string(),
        t.sell_count.to_string(),
        t.buy_count.to_string(),
        (t.buy_count as i64 - t.sell_count as i64).to_string(),
        ratio2(t.buy_volume as f64 * 100.0, t.sell_volume as f64),
        t.sell_volume.to_string(),
        t.buy_volume.to_string(),
        ccld.to_string(),
        ratio2(t.buy_volume as f64, t.acc_volume as f64),
        ratio2(t.acc_volume as f64 * 100.0, c.prev_volume as f64),
        hhmmss(t.open_time),
        sign_of(t.price - t.open).to_string(),
        (t.price - t.open).to_string(),
        hhmmss(t.high_time),
        sign_of(t.price - t.high).to_string(),
        (t.price - t.high).to_string(),
        hhmmss(t.low_time),
        sign_of(t.price - t.low).to_string(),
        (t.price - t.low).to_string(),
        c.date.format("%Y%m%d").to_string(),
        mkop.to_string(),
        if c.halted { "Y" } else { "N" }.to_string(),
        askq.to_string(),
        bidq.to_string(),
        book.map(|b| b.total_ask_qty).unwrap_or(0).to_string(),
        book.map(|b| b.total_bid_qty).unwrap_or(0).to_string(),
        ratio2(t.acc_volume as f64 * 100.0, c.listed_shares as f64),
        prev_same_time.to_string(),
        ratio2(t.acc_volume as f64 * 100.0, prev_same_time as f64),
        "0".to_string(),
        String::new(),
        t.open.to_string(),
    ];
    f.join("^")
}

/// Where the market is for a book record: HOUR_CLS_CODE and the expected fill.
#[derive(Clone, Copy, Debug)]
pub struct BookCtx {
    pub time: chrono::NaiveTime,
    /// "B" pre-open auction, "A" closing auction, "0" otherwise.
    pub hour_cls: &'static str,
    /// (price, quantity) during an auction.
    pub expected: Option<(i64, u64)>,
    pub acc_volume: u64,
    /// The totals of the previous book (for the *_ICDC fields).
    pub prev_totals: (u64, u64),
}

/// One H0STASP0 record: 59 fields (§6.5), or 62 with the trailing KRX mid price, its quantity
/// and class as the 2026 captures carry (§12).
pub fn book_record(c: &DayCtx, b: &OrderBook, x: &BookCtx, fields_2026: bool) -> String {
    let mut f: Vec<String> = Vec::with_capacity(H0STASP0_FIELDS_2026);
    f.push(c.code.clone());
    f.push(hhmmss(x.time));
    f.push(x.hour_cls.to_string());
    let price =
        |side: &[crate::market::Level], i: usize| side.get(i).map(|l| l.price.0).unwrap_or(0);
    let qty = |side: &[crate::market::Level], i: usize| side.get(i).map(|l| l.qty).unwrap_or(0);
    f.extend((0..10).map(|i| price(&b.asks, i).to_string()));
    f.extend((0..10).map(|i| price(&b.bids, i).to_string()));
    f.extend((0..10).map(|i| qty(&b.asks, i).to_string()));
    f.extend((0..10).map(|i| qty(&b.bids, i).to_string()));
    f.push(b.total_ask_qty.to_string());
    f.push(b.total_bid_qty.to_string());
    f.push("0".into());
    f.push("0".into());
    // During continuous trading KIS sends ANTC_CNPR 0 with change −base, sign 5, −100.00.
    let (ep, eq) = x.expected.unwrap_or((0, 0));
    let e_change = ep - c.base;
    let e_sign = if ep == 0 {
        "5"
    } else {
        Direction::of_change(Krw(ep), Krw(c.base), Krw(c.upper), Krw(c.lower)).sign_code()
    };
    f.push(ep.to_string());
    f.push(eq.to_string());
    f.push(eq.to_string());
    f.push(e_change.to_string());
    f.push(e_sign.to_string());
    f.push(ratio2(e_change as f64 * 100.0, c.base as f64));
    f.push(x.acc_volume.to_string());
    f.push((b.total_ask_qty as i64 - x.prev_totals.0 as i64).to_string());
    f.push((b.total_bid_qty as i64 - x.prev_totals.1 as i64).to_string());
    f.push("0".into());
    f.push("0".into());
    f.push("0".into());
    if fields_2026 {
        let (a1, b1) = (price(&b.asks, 0), price(&b.bids, 0));
        let mid = if a1 > 0 && b1 > 0 { (a1 + b1) / 2 } else { 0 };
        f.push(mid.to_string());
        f.push("0".into());
        f.push(if mid > 0 { "1" } else { "0" }.into());
    }
    f.join("^")
}

/// One H0STANC0 record (45 fields, §13.8: H0STCNT0's first 45 with field 22 `cntg_cls_code`):
/// the auction's expected fill at `time` — price, quantity (CNTG_VOL) — with the day so far.
pub fn expected_record(
    c: &DayCtx,
    s: &Snapshot,
    time: chrono::NaiveTime,
    book: Option<&OrderBook>,
) -> String {
    let (price, qty) = s.expected.unwrap_or((s.price, 0));
    let change = price - c.base;
    let dir = Direction::of_change(Krw(price), Krw(c.base), Krw(c.upper), Krw(c.lower));
    let level = |l: Option<&crate::market::Level>| l.map(|l| (l.price.0, l.qty)).unwrap_or((0, 0));
    let (askp, askq) = level(book.and_then(|b| b.asks.first()));
    let (bidp, bidq) = level(book.and_then(|b| b.bids.first()));
    let (mkop, hour_cls) = match s.phase {
        Phase::PreOpenAuction { .. } => ("10", "B"),
        _ => ("21", "A"),
    };
    // The expected-fill TR does not say when the day's extremes were made: the open it is.
    let at_open = if s.volume > 0 {
        hhmmss(c.open)
    } else {
        "000000".into()
    };
    let f: [String; H0STANC0_FIELDS] = [
        c.code.clone(),
        hhmmss(time),
        price.to_string(),
        dir.sign_code().to_string(),
        change.to_string(),
        ratio2(change as f64 * 100.0, c.base as f64),
        ratio2(s.value as f64, s.volume as f64),
        s.open.to_string(),
        s.high.to_string(),
        s.low.to_string(),
        askp.to_string(),
        bidp.to_string(),
        qty.to_string(),
        s.volume.to_string(),
        s.value.to_string(),
        "0".into(),
        "0".into(),
        "0".into(),
        "0.00".into(),
        "0".into(),
        "0".into(),
        "3".into(),
        "0.00".into(),
        ratio2(s.volume as f64 * 100.0, c.prev_volume as f64),
        at_open.clone(),
        sign_of(price - s.open).to_string(),
        if s.open > 0 { price - s.open } else { 0 }.to_string(),
        at_open.clone(),
        sign_of(price - s.high).to_string(),
        if s.high > 0 { price - s.high } else { 0 }.to_string(),
        at_open.clone(),
        sign_of(price - s.low).to_string(),
        if s.low > 0 { price - s.low } else { 0 }.to_string(),
        c.date.format("%Y%m%d").to_string(),
        mkop.to_string(),
        if c.halted { "Y" } else { "N" }.to_string(),
        askq.to_string(),
        bidq.to_string(),
        book.map(|b| b.total_ask_qty).unwrap_or(0).to_string(),
        book.map(|b| b.total_bid_qty).unwrap_or(0).to_string(),
        ratio2(s.volume as f64 * 100.0, c.listed_shares as f64),
        "0".into(),
        "0.00".into(),
        hour_cls.to_string(),
        String::new(),
    ];
    f.join("^")
}

/// A market-operation event for H0STMKO0 (§13.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketEvent {
    /// 08:30: 장전동시호가 개시 (MKOP 110, ANTC 311 장전예상시작).
    PreOpenAuction,
    /// 09:00: 장개시 (112, ANTC 112 장전예상종료).
    Open,
    /// 15:20: 장후동시호가 개시 (121, ANTC 121 장후예상시작).
    ClosingAuction,
    /// 15:30: 장마감 (129, ANTC 129 장후예상종료).
    Close,
    /// A static VI triggered (`on`) or released during continuous trading (VI_CLS_CODE Y/N;
    /// the session codes stay 장중's).
    Vi { on: bool },
}

/// One H0STMKO0 record (11 fields): the event, the stock's halt (TRHT_YN, reason) and status
/// (ISCD_STAT_CLS_CODE 58 정지 / 51 관리 / 00).
pub fn market_status_record(c: &DayCtx, e: MarketEvent, managed: bool) -> String {
    let (mkop, antc) = match e {
        MarketEvent::PreOpenAuction => ("110", "311"),
        MarketEvent::Open => ("112", "112"),
        MarketEvent::ClosingAuction => ("121", "121"),
        MarketEvent::Close => ("129", "129"),
        MarketEvent::Vi { .. } => ("112", "112"),
    };
    let vi = matches!(e, MarketEvent::Vi { on: true });
    let stat = if c.halted {
        "58"
    } else if managed {
        "51"
    } else {
        "00"
    };
    let f: [String; H0STMKO0_FIELDS] = [
        c.code.clone(),
        if c.halted { "Y" } else { "N" }.into(),
        if c.halted { "거래정지" } else { "" }.into(),
        mkop.into(),
        antc.into(),
        String::new(),
        String::new(),
        stat.into(),
        if vi { "Y" } else { "N" }.into(),
        "N".into(),
        String::new(),
    ];
    f.join("^")
}

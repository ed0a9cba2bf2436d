//! The KIS WebSocket wire format (KIS_API.md §6, §12, §13): the approval-key request and the
//! subscribe frame the client sends, and what the server sends back — acks, PINGPONG and data
//! frames `enc|TR|NNN|a^b^…` with several records batched back to back. Field positions live
//! here and nowhere else; what comes out are `market` types.
//!
//! Records are read by a known field count per TR: the payload's fields are split into `NNN`
//! records of equal width, the known prefix of each is read and extra trailing fields (KIS adds
//! fields over time: H0STASP0 went from 59 to 62) are skipped. A record that does not parse is
//! skipped and counted, never a panic; a TR hoga does not read is ignored.

use super::{parse_int, signed};
use crate::market::{
    ExpectedFill, ExpectedUpdate, Krw, Level, LiveEvent, MarketStatus, OrderBook, Rate, Side,
    StatusFlags, StockCode, Trade, Warning, kst_to_utc,
};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};

/// `POST` on the REST host: issues the WebSocket approval key (접속키).
pub const APPROVAL_PATH: &str = "/oauth2/Approval";
/// The approval endpoint's name in errors.
pub const APPROVAL_ENDPOINT: &str = "approval";

/// A real-time feed of one stock: one (tr_id, tr_key) registration on the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// 체결 (H0STCNT0).
    Trades,
    /// 10-level 호가 (H0STASP0).
    Book,
    /// 예상체결 during the auctions (H0STANC0, real server only).
    Expected,
    /// 장운영정보: VI, halts (H0STMKO0, real server only).
    Status,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Trades,
        Channel::Book,
        Channel::Expected,
        Channel::Status,
    ];

    pub fn tr_id(self) -> &'static str {
        match self {
            Channel::Trades => "H0STCNT0",
            Channel::Book => "H0STASP0",
            Channel::Expected => "H0STANC0",
            Channel::Status => "H0STMKO0",
        }
    }

    pub fn from_tr_id(tr_id: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.tr_id() == tr_id)
    }

    /// Fields per record as documented (§6.4, §6.5, §13.8, §13.9); records may carry more.
    pub fn fields(self) -> usize {
        match self {
            Channel::Trades => 46,
            Channel::Book => 59,
            Channel::Expected => 45,
            Channel::Status => 11,
        }
    }

    /// A name for people and logs.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Trades => "trades",
            Channel::Book => "book",
            Channel::Expected => "expected fill",
            Channel::Status => "market status",
        }
    }
}

/// The widest known record (H0STASP0).
const MAX_FIELDS: usize = 59;

/// Register (`tr_type` 1) or unregister (`tr_type` 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Register,
    Unregister,
}

/// The approval-key request body (note `secretkey`, not `appsecret`: §2.4).
pub fn approval_request(appkey: &str, appsecret: &str) -> Value {
    json!({"grant_type": "client_credentials", "appkey": appkey, "secretkey": appsecret})
}

/// The key out of a successful approval answer.
pub fn approval_key(body: &super::Body) -> Result<String, crate::kis::KisError> {
    super::field(&body.obj, "approval_key")
        .map(str::to_string)
        .ok_or_else(|| body.error("no `approval_key` in the answer"))
}

/// The text frame that registers or unregisters `channel` for `code` (§6.1). It carries the
/// approval key: never log it.
pub fn subscribe_frame(
    approval_key: &str,
    custtype: &str,
    action: Action,
    channel: Channel,
    code: StockCode,
) -> String {
    let tr_type = match action {
        Action::Register => "1",
        Action::Unregister => "2",
    };
    json!({
        "header": {
            "approval_key": approval_key,
            "custtype": custtype,
            "tr_type": tr_type,
            "content-type": "utf-8",
        },
        "body": {"input": {"tr_id": channel.tr_id(), "tr_key": code.as_str()}},
    })
    .to_string()
}

/// What the server said to a register or unregister frame (§6.2, §13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    /// `None` when the server did not say which (a JSON parsing error) or named a TR hoga
    /// does not know.
    pub channel: Option<Channel>,
    pub code: Option<StockCode>,
    pub kind: AckKind,
    /// KIS's code (`OPSP0000`) and message, for logs and errors.
    pub msg_cd: String,
    pub msg: String,
}

/// The meaning of an ack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckKind {
    /// OPSP0000 SUBSCRIBE SUCCESS.
    Subscribed,
    /// OPSP0002 ALREADY IN SUBSCRIBE: registered all the same.
    AlreadySubscribed,
    /// OPSP0001 UNSUBSCRIBE SUCCESS.
    Unsubscribed,
    /// OPSP0003 UNSUBSCRIBE ERROR (not found): it was not registered, which is what was wanted.
    NotSubscribed,
    /// OPSP0008 MAX SUBSCRIBE OVER: this pair is refused, the session stays.
    CapReached,
    /// OPSP8996 ALREADY IN USE appkey: another session holds the appkey's one slot.
    SessionInUse,
    /// OPSP0011 / INVALID APPROVAL KEY: the key is not (or no longer) valid.
    InvalidApproval,
    /// OPSP8991/8992 invalid tr_id/tr_key, OPSP999x JSON parsing errors: the request is wrong.
    InvalidRequest,
    /// Anything else that is not a success (OPSP0007 internal error, unknown codes).
    Failed,
}

impl AckKind {
    /// Whether the pair is registered after this ack.
    pub fn registered(self) -> bool {
        matches!(self, AckKind::Subscribed | AckKind::AlreadySubscribed)
    }

    fn of(rt_cd: &str, msg_cd: &str, msg: &str) -> AckKind {
        match msg_cd {
            "OPSP0000" => AckKind::Subscribed,
            "OPSP0001" => AckKind::Unsubscribed,
            "OPSP0002" => AckKind::AlreadySubscribed,
            "OPSP0003" => AckKind::NotSubscribed,
            "OPSP0008" => AckKind::CapReached,
            "OPSP0011" => AckKind::InvalidApproval,
            "OPSP8996" => AckKind::SessionInUse,
            "OPSP8991" | "OPSP8992" => AckKind::InvalidRequest,
            c if c.starts_with("OPSP999") => AckKind::InvalidRequest,
            _ => {
                let upper = msg.to_ascii_uppercase();
                if upper.contains("INVALID APPROVAL") {
                    AckKind::InvalidApproval
                } else if upper.contains("ALREADY IN USE") {
                    AckKind::SessionInUse
                } else if rt_cd != "0" {
                    AckKind::Failed
                } else if upper.starts_with("UNSUB") {
                    // The official client tells unsubscribe acks by their message.
                    AckKind::Unsubscribed
                } else {
                    AckKind::Subscribed
                }
            }
        }
    }
}

/// One text frame from the server, classified. Data records go to the caller's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerFrame {
    /// `{"header":{"tr_id":"PINGPONG",…}}`: echo this very text back (§13.4).
    PingPong,
    Ack(Ack),
    /// A data frame: `records` events were added to the buffer; `skipped` records did not
    /// parse (the first one's reason in `error`).
    Data {
        channel: Channel,
        records: usize,
        skipped: usize,
        error: Option<String>,
    },
    /// A frame hoga does not read: a TR it never registers, an encrypted notice.
    Ignored(String),
}

/// Why a frame could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}: {snippet}")]
pub struct FrameError {
    pub detail: String,
    /// The frame's first characters.
    pub snippet: String,
}

/// Dates a record needs from outside it: H0STASP0 carries only a time of day, which belongs
/// to the date of the latest trade received (else today in KST).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dates {
    pub today: NaiveDate,
    pub trade_date: Option<NaiveDate>,
    /// The last date turned into an instant, and its KST midnight: every record of a day
    /// shares it, and the time-zone lookup is most of a record's cost otherwise.
    midnight: Option<(NaiveDate, DateTime<Utc>)>,
}

impl Dates {
    pub fn new(today: NaiveDate) -> Dates {
        Dates {
            today,
            trade_date: None,
            midnight: None,
        }
    }

    fn book_date(&self) -> NaiveDate {
        self.trade_date.unwrap_or(self.today)
    }

    /// A KST date and an `HHMMSS` time as an instant. Korea has kept one offset all day,
    /// every day, since 1988, so the day's midnight plus the time of day is exact.
    fn instant(&mut self, date: NaiveDate, hhmmss: &str) -> Result<DateTime<Utc>, String> {
        let secs = digits(hhmmss, 6)
            .filter(|n| n / 10_000 < 24 && n / 100 % 100 < 60 && n % 100 < 60)
            .map(|n| n / 10_000 * 3_600 + n / 100 % 100 * 60 + n % 100)
            .ok_or_else(|| format!("time {:?} is not HHMMSS", snippet(hhmmss)))?;
        let midnight = match self.midnight {
            Some((d, m)) if d == date => m,
            _ => {
                let m = kst_to_utc(date.and_time(NaiveTime::MIN));
                self.midnight = Some((date, m));
                m
            }
        };
        Ok(midnight + chrono::Duration::seconds(i64::from(secs)))
    }
}

/// The first characters of a frame for a log line (at most 80 bytes, on a character boundary).
pub fn snippet(text: &str) -> &str {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Reads one text frame. Data records become events appended to `out`; everything else is
/// returned. Never panics, whatever the text.
pub fn parse_frame(
    text: &str,
    dates: &mut Dates,
    out: &mut Vec<LiveEvent>,
) -> Result<ServerFrame, FrameError> {
    let fail = |detail: String| FrameError {
        detail,
        snippet: snippet(text).to_string(),
    };
    match text.as_bytes().first() {
        Some(b'{') => parse_control(text).map_err(fail),
        Some(b'0' | b'1') => parse_data(text, dates, out).map_err(fail),
        _ => Err(fail("neither JSON nor a data frame".to_string())),
    }
}

fn parse_control(text: &str) -> Result<ServerFrame, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON ({e})"))?;
    let header = v.get("header").ok_or("JSON without a header")?;
    let tr_id = str_at(header, "tr_id").unwrap_or_default();
    if tr_id == "PINGPONG" {
        return Ok(ServerFrame::PingPong);
    }
    let body = v.get("body").ok_or("control frame without a body")?;
    let rt_cd = str_at(body, "rt_cd").unwrap_or_default();
    let msg_cd = str_at(body, "msg_cd").unwrap_or_default();
    let msg = str_at(body, "msg1").unwrap_or_default();
    Ok(ServerFrame::Ack(Ack {
        channel: Channel::from_tr_id(tr_id),
        code: str_at(header, "tr_key").and_then(|k| StockCode::new(k).ok()),
        kind: AckKind::of(rt_cd, msg_cd, msg),
        msg_cd: msg_cd.to_string(),
        msg: msg.to_string(),
    }))
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim)
}

fn parse_data(
    text: &str,
    dates: &mut Dates,
    out: &mut Vec<LiveEvent>,
) -> Result<ServerFrame, String> {
    let mut head = text.splitn(4, '|');
    let (Some(enc), Some(tr_id), Some(count), Some(payload)) =
        (head.next(), head.next(), head.next(), head.next())
    else {
        return Err("a data frame needs `enc|tr_id|count|payload`".to_string());
    };
    let Some(channel) = Channel::from_tr_id(tr_id) else {
        return Ok(ServerFrame::Ignored(format!(
            "unknown TR {:?}",
            snippet(tr_id)
        )));
    };
    match enc {
        "0" => {}
        "1" => return Ok(ServerFrame::Ignored(format!("encrypted {tr_id} frame"))),
        other => {
            return Err(format!(
                "encryption flag {:?} is not 0 or 1",
                snippet(other)
            ));
        }
    }
    let count: usize = match count.parse() {
        Ok(n) if n > 0 && count.len() <= 4 => n,
        _ => return Err(format!("record count {:?} is not a number", snippet(count))),
    };
    let fields = payload.bytes().filter(|b| *b == b'^').count() + 1;
    let width = fields / count;
    if fields % count != 0 || width < channel.fields() {
        return Err(format!(
            "{fields} fields do not make {count} {tr_id} records of at least {} fields",
            channel.fields()
        ));
    }
    let known = channel.fields();
    let mut it = payload.split('^');
    let mut f = [""; MAX_FIELDS];
    let (mut records, mut skipped, mut error) = (0, 0, None);
    for _ in 0..count {
        for (i, v) in it.by_ref().take(width).enumerate() {
            if i < known {
                f[i] = v;
            }
        }
        match parse_record(channel, &f[..known], dates) {
            Ok(e) => {
                out.push(e);
                records += 1;
            }
            Err(e) => {
                skipped += 1;
                error.get_or_insert(e);
            }
        }
    }
    Ok(ServerFrame::Data {
        channel,
        records,
        skipped,
        error,
    })
}

fn parse_record(channel: Channel, f: &[&str], dates: &mut Dates) -> Result<LiveEvent, String> {
    match channel {
        Channel::Trades => trade(f, dates).map(LiveEvent::Trade),
        Channel::Book => book(f, dates).map(LiveEvent::Book),
        Channel::Expected => expected(f, dates).map(LiveEvent::Expected),
        Channel::Status => status(f).map(LiveEvent::Status),
    }
}

// H0STCNT0 (§6.4), 0-based: the documented number minus one. H0STANC0 (§13.8) shares the
// layout of fields 1–45.
const MKSC_SHRN_ISCD: usize = 0; // 유가증권단축종목코드
const STCK_CNTG_HOUR: usize = 1; // 주식체결시간 HHMMSS
const STCK_PRPR: usize = 2; // 주식현재가
const PRDY_VRSS_SIGN: usize = 3; // 전일대비부호
const PRDY_VRSS: usize = 4; // 전일대비
const PRDY_CTRT: usize = 5; // 전일대비율
const CNTG_VOL: usize = 12; // 체결거래량
const ACML_VOL: usize = 13; // 누적거래량
const ACML_TR_PBMN: usize = 14; // 누적거래대금
const CTTR: usize = 18; // 체결강도
const CCLD_DVSN: usize = 21; // 체결구분 (1 매수, 3 장전, 5 매도)
const BSOP_DATE: usize = 33; // 영업일자 YYYYMMDD

fn trade(f: &[&str], dates: &mut Dates) -> Result<Trade, String> {
    let code = code(f[MKSC_SHRN_ISCD])?;
    let date = date(f[BSOP_DATE])?;
    let at = dates.instant(date, f[STCK_CNTG_HOUR])?;
    let price = positive(f[STCK_PRPR], "price")?;
    let change = signed(int(f[PRDY_VRSS], "change")?, Some(f[PRDY_VRSS_SIGN]))
        .ok_or("change out of range")?;
    dates.trade_date = Some(date);
    Ok(Trade {
        code,
        at,
        price: Krw(price),
        change: Krw(change),
        change_rate: rate(f[PRDY_CTRT], "change rate")?.unwrap_or_default(),
        qty: volume(f[CNTG_VOL], "quantity")?,
        acc_volume: volume(f[ACML_VOL], "accumulated volume")?,
        acc_value: Krw(non_negative(f[ACML_TR_PBMN], "accumulated value")?),
        side: match f[CCLD_DVSN] {
            "1" => Some(Side::Buy),
            "5" => Some(Side::Sell),
            _ => None,
        },
        strength: rate(f[CTTR], "strength")?,
    })
}

fn expected(f: &[&str], dates: &mut Dates) -> Result<ExpectedUpdate, String> {
    let code = code(f[MKSC_SHRN_ISCD])?;
    let at = dates.instant(date(f[BSOP_DATE])?, f[STCK_CNTG_HOUR])?;
    let change = signed(int(f[PRDY_VRSS], "change")?, Some(f[PRDY_VRSS_SIGN]))
        .ok_or("change out of range")?;
    Ok(ExpectedUpdate {
        code,
        at,
        fill: ExpectedFill {
            price: Krw(non_negative(f[STCK_PRPR], "expected price")?),
            volume: volume(f[CNTG_VOL], "expected volume")?,
            change: Krw(change),
            change_rate: rate(f[PRDY_CTRT], "change rate")?.unwrap_or_default(),
        },
    })
}

// H0STASP0 (§6.5), 0-based.
const BSOP_HOUR: usize = 1; // 영업시간 HHMMSS
const ASKP1: usize = 3; // 매도호가1..10
const BIDP1: usize = 13; // 매수호가1..10
const ASKP_RSQN1: usize = 23; // 매도호가잔량1..10
const BIDP_RSQN1: usize = 33; // 매수호가잔량1..10
const TOTAL_ASKP_RSQN: usize = 43; // 총매도호가잔량
const TOTAL_BIDP_RSQN: usize = 44; // 총매수호가잔량
const ANTC_CNPR: usize = 47; // 예상체결가
const ANTC_VOL: usize = 49; // 예상거래량
const ANTC_CNTG_VRSS: usize = 50; // 예상체결대비
const ANTC_CNTG_VRSS_SIGN: usize = 51; // 예상체결대비부호
const ANTC_CNTG_PRDY_CTRT: usize = 52; // 예상체결전일대비율

fn book(f: &[&str], dates: &mut Dates) -> Result<OrderBook, String> {
    let code = code(f[MKSC_SHRN_ISCD])?;
    let as_of = dates.instant(dates.book_date(), f[BSOP_HOUR])?;
    let side = |prices: usize, qtys: usize| -> Result<Vec<Level>, String> {
        (0..10)
            .map(|i| {
                Ok(Level {
                    price: Krw(non_negative(f[prices + i], "level price")?),
                    qty: volume(f[qtys + i], "level quantity")?,
                })
            })
            .collect()
    };
    let price = non_negative(f[ANTC_CNPR], "expected price")?;
    let expected = if price > 0 {
        let change = signed(
            int(f[ANTC_CNTG_VRSS], "expected change")?,
            Some(f[ANTC_CNTG_VRSS_SIGN]),
        )
        .ok_or("expected change out of range")?;
        Some(ExpectedFill {
            price: Krw(price),
            volume: volume(f[ANTC_VOL], "expected volume")?,
            change: Krw(change),
            change_rate: rate(f[ANTC_CNTG_PRDY_CTRT], "expected change rate")?.unwrap_or_default(),
        })
    } else {
        None
    };
    Ok(OrderBook {
        code,
        asks: side(ASKP1, ASKP_RSQN1)?,
        bids: side(BIDP1, BIDP_RSQN1)?,
        total_ask_qty: volume(f[TOTAL_ASKP_RSQN], "total ask quantity")?,
        total_bid_qty: volume(f[TOTAL_BIDP_RSQN], "total bid quantity")?,
        last: None,
        prev_close: None,
        expected,
        as_of,
    })
}

// H0STMKO0 (§13.9), 0-based.
const TRHT_YN: usize = 1; // 거래정지여부
const TR_SUSP_REAS_CNTT: usize = 2; // 거래정지사유내용
const ISCD_STAT_CLS_CODE: usize = 7; // 종목상태구분코드
const VI_CLS_CODE: usize = 8; // VI적용구분코드
const OVTM_VI_CLS_CODE: usize = 9; // 시간외단일가VI적용구분코드

fn status(f: &[&str]) -> Result<MarketStatus, String> {
    let code = code(f[MKSC_SHRN_ISCD])?;
    let state = f[ISCD_STAT_CLS_CODE].trim();
    let reason = f[TR_SUSP_REAS_CNTT].trim();
    Ok(MarketStatus {
        code,
        flags: StatusFlags {
            halted: f[TRHT_YN].trim() == "Y" || state == "58",
            managed: state == "51",
            warning: match state {
                "52" => Warning::Danger,
                "53" => Warning::Warning,
                "54" => Warning::Caution,
                _ => Warning::None,
            },
            vi: f[VI_CLS_CODE].trim() == "Y" || f[OVTM_VI_CLS_CODE].trim() == "Y",
        },
        halt_reason: (!reason.is_empty()).then(|| reason.to_string()),
    })
}

fn code(s: &str) -> Result<StockCode, String> {
    StockCode::new(s).map_err(|_| format!("stock code {:?} is not valid", snippet(s)))
}

fn int(s: &str, what: &str) -> Result<i64, String> {
    // Plain digits are nearly every field: read them here; the wire's other forms (a sign,
    // decimals, separators) go through the one general parser.
    if !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(s.bytes().fold(0, |n, b| n * 10 + i64::from(b - b'0')));
    }
    if s.is_empty() {
        return Ok(0);
    }
    parse_int(s).ok_or_else(|| format!("{what} {:?} is not a number", snippet(s)))
}

fn non_negative(s: &str, what: &str) -> Result<i64, String> {
    match int(s, what)? {
        v if v >= 0 => Ok(v),
        v => Err(format!("{what} {v} is negative")),
    }
}

fn positive(s: &str, what: &str) -> Result<i64, String> {
    match int(s, what)? {
        v if v > 0 => Ok(v),
        v => Err(format!("{what} {v} is not positive")),
    }
}

fn volume(s: &str, what: &str) -> Result<u64, String> {
    non_negative(s, what).map(i64::unsigned_abs)
}

fn rate(s: &str, what: &str) -> Result<Option<Rate>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    Rate::parse(s)
        .map(Some)
        .ok_or_else(|| format!("{what} {:?} is not a percentage", snippet(s)))
}

/// Fixed-width ASCII digits as a number; `None` for anything else.
fn digits(s: &str, width: usize) -> Option<u32> {
    (s.len() == width && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

fn date(s: &str) -> Result<NaiveDate, String> {
    digits(s, 8)
        .and_then(|n| NaiveDate::from_ymd_opt((n / 10_000) as i32, n / 100 % 100, n % 100))
        .ok_or_else(|| format!("date {:?} is not YYYYMMDD", snippet(s)))
}

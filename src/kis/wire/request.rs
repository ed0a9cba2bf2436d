//! Request side of the wire: paths, tr_ids and query parameter names for each endpoint.

use crate::market::{Period, StockCode};
use chrono::{NaiveDate, NaiveTime};

/// One REST endpoint: path, tr_id (same on real and virtual for every quotation TR we use)
/// and a short name for logs, metrics and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub name: &'static str,
    pub path: &'static str,
    pub tr_id: &'static str,
}

pub const PRICE: Endpoint = Endpoint {
    name: "inquire-price",
    path: "/uapi/domestic-stock/v1/quotations/inquire-price",
    tr_id: "FHKST01010100",
};
pub const MULTI_PRICE: Endpoint = Endpoint {
    name: "intstock-multprice",
    path: "/uapi/domestic-stock/v1/quotations/intstock-multprice",
    tr_id: "FHKST11300006",
};
pub const ORDER_BOOK: Endpoint = Endpoint {
    name: "inquire-asking-price-exp-ccn",
    path: "/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
    tr_id: "FHKST01010200",
};
pub const PERIOD_CHART: Endpoint = Endpoint {
    name: "inquire-daily-itemchartprice",
    path: "/uapi/domestic-stock/v1/quotations/inquire-daily-itemchartprice",
    tr_id: "FHKST03010100",
};
pub const MINUTE_CHART: Endpoint = Endpoint {
    name: "inquire-time-itemchartprice",
    path: "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice",
    tr_id: "FHKST03010200",
};
/// One past (or today's) session's minutes by date. UNCONFIRMED on the virtual server.
pub const DAY_MINUTE_CHART: Endpoint = Endpoint {
    name: "inquire-time-dailychartprice",
    path: "/uapi/domestic-stock/v1/quotations/inquire-time-dailychartprice",
    tr_id: "FHKST03010230",
};
pub const DAILY_PRICE: Endpoint = Endpoint {
    name: "inquire-daily-price",
    path: "/uapi/domestic-stock/v1/quotations/inquire-daily-price",
    tr_id: "FHKST01010400",
};
pub const STOCK_INFO: Endpoint = Endpoint {
    name: "search-stock-info",
    path: "/uapi/domestic-stock/v1/quotations/search-stock-info",
    tr_id: "CTPF1002R",
};
pub const HOLIDAY: Endpoint = Endpoint {
    name: "chk-holiday",
    path: "/uapi/domestic-stock/v1/quotations/chk-holiday",
    tr_id: "CTCA0903R",
};
pub const TOKEN_PATH: &str = "/oauth2/tokenP";
pub const TOKEN_ENDPOINT: &str = "tokenP";

/// Rows per call of the period chart; a full page means "ask for more".
pub const PERIOD_CHART_PAGE: usize = 100;
/// Rows per call of the minute chart.
pub const MINUTE_CHART_PAGE: usize = 30;
/// Rows per call of the minute chart by date.
pub const DAY_MINUTE_CHART_PAGE: usize = 120;
/// Codes per intstock-multprice call.
pub const MULTI_PRICE_MAX: usize = 30;

pub type Query = Vec<(&'static str, String)>;

const MARKET: &str = "FID_COND_MRKT_DIV_CODE";
const CODE: &str = "FID_INPUT_ISCD";

pub fn price(code: StockCode) -> Query {
    vec![(MARKET, "J".into()), (CODE, code.to_string())]
}

pub fn order_book(code: StockCode) -> Query {
    price(code)
}

const MULTI_MARKET: [&str; 30] = [
    "FID_COND_MRKT_DIV_CODE_1",
    "FID_COND_MRKT_DIV_CODE_2",
    "FID_COND_MRKT_DIV_CODE_3",
    "FID_COND_MRKT_DIV_CODE_4",
    "FID_COND_MRKT_DIV_CODE_5",
    "FID_COND_MRKT_DIV_CODE_6",
    "FID_COND_MRKT_DIV_CODE_7",
    "FID_COND_MRKT_DIV_CODE_8",
    "FID_COND_MRKT_DIV_CODE_9",
    "FID_COND_MRKT_DIV_CODE_10",
    "FID_COND_MRKT_DIV_CODE_11",
    "FID_COND_MRKT_DIV_CODE_12",
    "FID_COND_MRKT_DIV_CODE_13",
    "FID_COND_MRKT_DIV_CODE_14",
    "FID_COND_MRKT_DIV_CODE_15",
    "FID_COND_MRKT_DIV_CODE_16",
    "FID_COND_MRKT_DIV_CODE_17",
    "FID_COND_MRKT_DIV_CODE_18",
    "FID_COND_MRKT_DIV_CODE_19",
    "FID_COND_MRKT_DIV_CODE_20",
    "FID_COND_MRKT_DIV_CODE_21",
    "FID_COND_MRKT_DIV_CODE_22",
    "FID_COND_MRKT_DIV_CODE_23",
    "FID_COND_MRKT_DIV_CODE_24",
    "FID_COND_MRKT_DIV_CODE_25",
    "FID_COND_MRKT_DIV_CODE_26",
    "FID_COND_MRKT_DIV_CODE_27",
    "FID_COND_MRKT_DIV_CODE_28",
    "FID_COND_MRKT_DIV_CODE_29",
    "FID_COND_MRKT_DIV_CODE_30",
];
const MULTI_CODE: [&str; 30] = [
    "FID_INPUT_ISCD_1",
    "FID_INPUT_ISCD_2",
    "FID_INPUT_ISCD_3",
    "FID_INPUT_ISCD_4",
    "FID_INPUT_ISCD_5",
    "FID_INPUT_ISCD_6",
    "FID_INPUT_ISCD_7",
    "FID_INPUT_ISCD_8",
    "FID_INPUT_ISCD_9",
    "FID_INPUT_ISCD_10",
    "FID_INPUT_ISCD_11",
    "FID_INPUT_ISCD_12",
    "FID_INPUT_ISCD_13",
    "FID_INPUT_ISCD_14",
    "FID_INPUT_ISCD_15",
    "FID_INPUT_ISCD_16",
    "FID_INPUT_ISCD_17",
    "FID_INPUT_ISCD_18",
    "FID_INPUT_ISCD_19",
    "FID_INPUT_ISCD_20",
    "FID_INPUT_ISCD_21",
    "FID_INPUT_ISCD_22",
    "FID_INPUT_ISCD_23",
    "FID_INPUT_ISCD_24",
    "FID_INPUT_ISCD_25",
    "FID_INPUT_ISCD_26",
    "FID_INPUT_ISCD_27",
    "FID_INPUT_ISCD_28",
    "FID_INPUT_ISCD_29",
    "FID_INPUT_ISCD_30",
];

/// Up to 30 codes in one intstock-multprice call (callers chunk).
pub fn multi_price(codes: &[StockCode]) -> Query {
    let mut q = Vec::with_capacity(codes.len() * 2);
    for (i, c) in codes.iter().take(MULTI_PRICE_MAX).enumerate() {
        q.push((MULTI_MARKET[i], "J".to_string()));
        q.push((MULTI_CODE[i], c.to_string()));
    }
    q
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// One page of the period chart: bars in `[from, to]`, newest first, at most 100.
pub fn period_chart(code: StockCode, period: Period, from: NaiveDate, to: NaiveDate) -> Query {
    let p = match period {
        Period::Week => "W",
        Period::Month => "M",
        Period::Year => "Y",
        Period::Day | Period::Minute => "D",
    };
    vec![
        (MARKET, "J".into()),
        (CODE, code.to_string()),
        ("FID_INPUT_DATE_1", ymd(from)),
        ("FID_INPUT_DATE_2", ymd(to)),
        ("FID_PERIOD_DIV_CODE", p.into()),
        // 0 = adjusted prices (수정주가).
        ("FID_ORG_ADJ_PRC", "0".into()),
    ]
}

/// One page of the daily chart, raw (원주가, `FID_ORG_ADJ_PRC=1`) or adjusted (`0`).
pub fn daily_chart(code: StockCode, from: NaiveDate, to: NaiveDate, adjusted: bool) -> Query {
    let mut q = period_chart(code, Period::Day, from, to);
    if let Some(p) = q.iter_mut().find(|(k, _)| *k == "FID_ORG_ADJ_PRC") {
        p.1 = if adjusted { "0" } else { "1" }.into();
    }
    q
}

/// One page of today's minute chart: bars at or before `at`, newest first, at most 30.
pub fn minute_chart(code: StockCode, at: NaiveTime) -> Query {
    vec![
        ("FID_ETC_CLS_CODE", String::new()),
        (MARKET, "J".into()),
        (CODE, code.to_string()),
        ("FID_INPUT_HOUR_1", at.format("%H%M%S").to_string()),
        ("FID_PW_DATA_INCU_YN", "N".into()),
    ]
}

/// One page of `date`'s minute chart: bars at or before `at` on that day, newest first, at
/// most 120.
pub fn day_minute_chart(code: StockCode, date: NaiveDate, at: NaiveTime) -> Query {
    vec![
        (MARKET, "J".into()),
        (CODE, code.to_string()),
        ("FID_INPUT_HOUR_1", at.format("%H%M%S").to_string()),
        ("FID_INPUT_DATE_1", ymd(date)),
        ("FID_PW_DATA_INCU_YN", "N".into()),
        ("FID_FAKE_TICK_INCU_YN", String::new()),
    ]
}

/// The last 30 trading days.
pub fn daily_price(code: StockCode) -> Query {
    vec![
        (MARKET, "J".into()),
        (CODE, code.to_string()),
        ("FID_PERIOD_DIV_CODE", "D".into()),
        ("FID_ORG_ADJ_PRC", "0".into()),
    ]
}

pub fn stock_info(code: StockCode) -> Query {
    vec![("PRDT_TYPE_CD", "300".into()), ("PDNO", code.to_string())]
}

pub fn holiday(date: NaiveDate) -> Query {
    vec![
        ("BASS_DT", ymd(date)),
        ("CTX_AREA_NK", String::new()),
        ("CTX_AREA_FK", String::new()),
    ]
}

/// Master file names under `[kis] master_url`.
pub const KOSPI_MASTER: &str = "kospi_code.mst.zip";
pub const KOSDAQ_MASTER: &str = "kosdaq_code.mst.zip";

//! Index TRs (KIS_API.md §14.1–14.2): `inquire-index-price` (FHPUP02100000, real only) and
//! `inquire-daily-indexchartprice` (FHKUP03500100, real and virtual) → `IndexQuote`, `IndexBar`.
//!
//! Tolerant where the spec is UNCONFIRMED: output keys are matched case-insensitively
//! (`output1` / `Output1`), a one-element array stands for an object, and the units of the
//! index volume and value are taken as the HTS shows them (천주, 백만원).

use super::request::{Endpoint, Query};
use super::{Body, Obj, count, date, field, int, name, signed, signed_rate_field};
use crate::kis::error::KisError;
use crate::market::{Breadth, IndexBar, IndexCode, IndexQuote, Krw, Period, Points, Rate};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

pub const INDEX_PRICE: Endpoint = Endpoint {
    name: "inquire-index-price",
    path: "/uapi/domestic-stock/v1/quotations/inquire-index-price",
    tr_id: "FHPUP02100000",
};
pub const INDEX_CHART: Endpoint = Endpoint {
    name: "inquire-daily-indexchartprice",
    path: "/uapi/domestic-stock/v1/quotations/inquire-daily-indexchartprice",
    tr_id: "FHKUP03500100",
};

/// Rows per index chart call ("최대 50건").
pub const INDEX_CHART_PAGE: usize = 50;
/// Shares per unit of an index's `acml_vol` (천주; UNCONFIRMED).
pub const INDEX_VOLUME_UNIT: u64 = 1_000;
/// Won per unit of an index's `acml_tr_pbmn` (백만원; UNCONFIRMED).
pub const INDEX_VALUE_UNIT: i64 = 1_000_000;

const MARKET: &str = "FID_COND_MRKT_DIV_CODE";
const CODE: &str = "FID_INPUT_ISCD";

pub fn index_price_query(code: IndexCode) -> Query {
    vec![(MARKET, "U".into()), (CODE, code.to_string())]
}

/// One page of the daily index chart: bars in `[from, to]`, newest first, at most 50.
pub fn index_chart_query(code: IndexCode, period: Period, from: NaiveDate, to: NaiveDate) -> Query {
    let p = match period {
        Period::Week => "W",
        Period::Month => "M",
        Period::Year => "Y",
        Period::Day | Period::Minute => "D",
    };
    vec![
        (MARKET, "U".into()),
        (CODE, code.to_string()),
        ("FID_INPUT_DATE_1", from.format("%Y%m%d").to_string()),
        ("FID_INPUT_DATE_2", to.format("%Y%m%d").to_string()),
        ("FID_PERIOD_DIV_CODE", p.into()),
    ]
}

/// The key of `body` equal to `want` ignoring ASCII case (`Output1` for `output1`).
pub(super) fn ci_key<'a>(body: &'a Body, want: &'a str) -> &'a str {
    if body.obj.contains_key(want) {
        return want;
    }
    body.obj
        .keys()
        .find(|k| k.eq_ignore_ascii_case(want))
        .map_or(want, String::as_str)
}

/// Index points; empty → None, garbage → error.
pub fn points(body: &Body, o: &Obj, key: &str) -> Result<Option<Points>, KisError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Points::parse(&n.to_string())
            .map(Some)
            .ok_or_else(|| body.error(format!("`{key}` = {n} is not an index level"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Points::parse(s)
            .map(Some)
            .ok_or_else(|| body.error(format!("`{key}` = {s:?} is not an index level"))),
        Some(v) => Err(body.error(format!("`{key}` has unexpected type: {v}"))),
    }
}

fn req_points(body: &Body, o: &Obj, key: &str) -> Result<Points, KisError> {
    points(body, o, key)?.ok_or_else(|| body.error(format!("missing `{key}`")))
}

/// An index volume in shares (the wire's unit times [`INDEX_VOLUME_UNIT`]).
fn volume(body: &Body, o: &Obj, key: &str) -> Result<u64, KisError> {
    count(body, o, key)?
        .checked_mul(INDEX_VOLUME_UNIT)
        .ok_or_else(|| body.error(format!("`{key}` is out of range")))
}

/// An index traded value in won (the wire's unit times [`INDEX_VALUE_UNIT`]).
fn value(body: &Body, o: &Obj, key: &str) -> Result<Krw, KisError> {
    let v = int(o, key).map_err(|d| body.error(d))?.unwrap_or(0).max(0);
    v.checked_mul(INDEX_VALUE_UNIT)
        .map(Krw)
        .ok_or_else(|| body.error(format!("`{key}` is out of range")))
}

fn breadth_count(body: &Body, o: &Obj, key: &str) -> Result<Option<u32>, KisError> {
    match int(o, key).map_err(|d| body.error(d))? {
        None => Ok(None),
        Some(v) => u32::try_from(v.max(0))
            .map(Some)
            .map_err(|_| body.error(format!("`{key}` = {v} is out of range"))),
    }
}

/// The change with its sign code applied; a hostile magnitude is a typed error.
fn signed_points(body: &Body, o: &Obj, key: &str, sign: Option<&str>) -> Result<Points, KisError> {
    let v = points(body, o, key)?.unwrap_or_default();
    signed(v.0, sign)
        .map(Points)
        .ok_or_else(|| body.error(format!("`{key}` is out of range")))
}

/// `inquire-index-price` → `IndexQuote` (this TR sends no name: the known one is used).
pub fn index_price(
    body: &Body,
    code: IndexCode,
    now: DateTime<Utc>,
) -> Result<IndexQuote, KisError> {
    let o = body.object(ci_key(body, "output"))?;
    let value_now = req_points(body, o, "bstp_nmix_prpr")?;
    if value_now.0 <= 0 {
        // KIS zeroes every field for a code it does not know.
        return Err(body.error(format!("no level for index {code}: unknown index code")));
    }
    let sign = field(o, "prdy_vrss_sign");
    let change = signed_points(body, o, "bstp_nmix_prdy_vrss", sign)?;
    let prev_close = value_now
        .0
        .checked_sub(change.0)
        .map(Points)
        .ok_or_else(|| body.error("index level and change do not fit"))?;
    let change_rate = match signed_rate_field(body, o, "bstp_nmix_prdy_ctrt", sign)? {
        Some(r) => r,
        None => change.rate_of(prev_close),
    };
    let or_now = |p: Option<Points>| p.filter(|p| p.0 != 0).unwrap_or(value_now);
    let counts = [
        breadth_count(body, o, "ascn_issu_cnt")?,
        breadth_count(body, o, "down_issu_cnt")?,
        breadth_count(body, o, "stnr_issu_cnt")?,
        breadth_count(body, o, "uplm_issu_cnt")?,
        breadth_count(body, o, "lslm_issu_cnt")?,
    ];
    let breadth = counts.iter().any(Option::is_some).then(|| Breadth {
        up: counts[0].unwrap_or(0),
        down: counts[1].unwrap_or(0),
        unchanged: counts[2].unwrap_or(0),
        limit_up: counts[3].unwrap_or(0),
        limit_down: counts[4].unwrap_or(0),
    });
    Ok(IndexQuote {
        code,
        name: code.known_name().map(str::to_string),
        value: value_now,
        change,
        change_rate,
        prev_close,
        open: or_now(points(body, o, "bstp_nmix_oprc")?),
        high: or_now(points(body, o, "bstp_nmix_hgpr")?),
        low: or_now(points(body, o, "bstp_nmix_lwpr")?),
        volume: volume(body, o, "acml_vol")?,
        value_traded: value(body, o, "acml_tr_pbmn")?,
        breadth,
        as_of: now,
        closed_on: None,
    })
}

/// The header of the daily index chart (`output1`): the index now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexChartHeader {
    pub name: Option<String>,
    pub value: Option<Points>,
    pub prev_close: Option<Points>,
    pub change_rate: Option<Rate>,
}

/// One page of the daily index chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexChartPage {
    pub header: IndexChartHeader,
    /// Newest first, as sent; rows without a date skipped.
    pub bars: Vec<IndexBar>,
    /// Rows KIS sent, including skipped ones (for "was this a full page?").
    pub raw_rows: usize,
}

/// `inquire-daily-indexchartprice`: `output1` (header) and `output2` (bars, newest first).
pub fn index_chart(body: &Body) -> Result<IndexChartPage, KisError> {
    let header = match body.object(ci_key(body, "output1")) {
        Ok(o) => {
            let sign = field(o, "prdy_vrss_sign");
            IndexChartHeader {
                name: field(o, "hts_kor_isnm").map(name),
                value: points(body, o, "bstp_nmix_prpr")?,
                prev_close: points(body, o, "prdy_nmix")?,
                change_rate: signed_rate_field(body, o, "bstp_nmix_prdy_ctrt", sign)?,
            }
        }
        Err(_) => IndexChartHeader::default(),
    };
    let key = ci_key(body, "output2");
    let rows = body.rows(key)?;
    let raw_rows = match body.obj.get(key) {
        Some(Value::Array(a)) => a.len(),
        _ => rows.len(),
    };
    let mut bars = Vec::with_capacity(rows.len());
    for o in rows {
        let Some(d) = date(body, o, "stck_bsop_date")? else {
            continue;
        };
        let close = req_points(body, o, "bstp_nmix_prpr")?;
        let or_close = |p: Option<Points>| p.filter(|p| p.0 != 0).unwrap_or(close);
        bars.push(IndexBar {
            date: d,
            time: None,
            open: or_close(points(body, o, "bstp_nmix_oprc")?),
            high: or_close(points(body, o, "bstp_nmix_hgpr")?),
            low: or_close(points(body, o, "bstp_nmix_lwpr")?),
            close,
            volume: volume(body, o, "acml_vol")?,
            value: value(body, o, "acml_tr_pbmn")?,
        });
    }
    Ok(IndexChartPage {
        header,
        bars,
        raw_rows,
    })
}

pub const INDEX_MINUTES: Endpoint = Endpoint {
    name: "inquire-time-indexchartprice",
    path: "/uapi/domestic-stock/v1/quotations/inquire-time-indexchartprice",
    tr_id: "FHKUP03500200",
};

/// Today's one-minute index bars, the newest 102 (real only; paging UNCONFIRMED).
pub fn index_minutes_query(code: IndexCode) -> Query {
    vec![
        (MARKET, "U".into()),
        ("FID_ETC_CLS_CODE", "0".into()),
        (CODE, code.to_string()),
        // Seconds per bar: 60 = one minute.
        ("FID_INPUT_HOUR_1", "60".into()),
        ("FID_PW_DATA_INCU_YN", "N".into()),
    ]
}

/// `inquire-time-indexchartprice` → minute bars, oldest first (`Output2`, any key case).
/// `cntg_vol` is the minute's volume (천주, UNCONFIRMED); `acml_tr_pbmn` the cumulative value,
/// turned into each minute's.
pub fn index_minutes(body: &Body) -> Result<Vec<IndexBar>, KisError> {
    let mut bars = Vec::new();
    for o in body.rows(ci_key(body, "output2"))? {
        let (Some(d), Some(t)) = (
            date(body, o, "stck_bsop_date")?,
            super::time(body, o, "stck_cntg_hour")?,
        ) else {
            continue;
        };
        let close = req_points(body, o, "bstp_nmix_prpr")?;
        let or_close = |p: Option<Points>| p.filter(|p| p.0 != 0).unwrap_or(close);
        bars.push(IndexBar {
            date: d,
            time: Some(t),
            open: or_close(points(body, o, "bstp_nmix_oprc")?),
            high: or_close(points(body, o, "bstp_nmix_hgpr")?),
            low: or_close(points(body, o, "bstp_nmix_lwpr")?),
            close,
            volume: volume(body, o, "cntg_vol")?,
            value: value(body, o, "acml_tr_pbmn")?,
        });
    }
    bars.sort_by_key(|b| (b.date, b.time));
    bars.dedup_by_key(|b| (b.date, b.time));
    let mut prev: Option<i64> = None;
    for b in &mut bars {
        let cum = b.value.0;
        if let Some(p) = prev {
            b.value = Krw(cum.saturating_sub(p).max(0));
        }
        prev = Some(cum);
    }
    Ok(bars)
}

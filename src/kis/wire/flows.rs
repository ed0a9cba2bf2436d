//! Investor flows (FHKST01010900 `inquire-investor`, real and virtual, KIS_API.md §14.9) and
//! VI status (FHPST01390000 `inquire-vi-status`, real only, §14.10) → `InvestorDay`, `ViEvent`.
//!
//! Tolerant where UNCONFIRMED: the value fields (`*_tr_pbmn`) are taken in 백만원 as the HTS
//! shows them; a day whose investor fields are all empty (today before the close: "당일 데이터는
//! 장 종료 후 제공됩니다") is left out; VI's `output` may be an object or an array.

use super::index::ci_key;
use super::request::{Endpoint, Query};
use super::{Body, Obj, date, field, int, krw, name, signed_field, time};
use crate::kis::error::KisError;
use crate::market::{Flow, InvestorDay, Krw, Rate, StockCode, ViEvent, ViKind};
use chrono::{NaiveDate, NaiveTime};

pub const INVESTOR: Endpoint = Endpoint {
    name: "inquire-investor",
    path: "/uapi/domestic-stock/v1/quotations/inquire-investor",
    tr_id: "FHKST01010900",
};
pub const VI_STATUS: Endpoint = Endpoint {
    name: "inquire-vi-status",
    path: "/uapi/domestic-stock/v1/quotations/inquire-vi-status",
    tr_id: "FHPST01390000",
};

/// Won per unit of the investor TR's `*_tr_pbmn` fields (백만원; UNCONFIRMED).
pub const INVESTOR_VALUE_UNIT: i64 = 1_000_000;

pub fn investor_query(code: StockCode) -> Query {
    vec![
        ("FID_COND_MRKT_DIV_CODE", "J".into()),
        ("FID_INPUT_ISCD", code.to_string()),
    ]
}

/// Every VI of `date` (all markets, both directions, both kinds), or of one stock.
pub fn vi_query(code: Option<StockCode>, date: NaiveDate) -> Query {
    vec![
        ("FID_DIV_CLS_CODE", "0".into()),
        ("FID_COND_SCR_DIV_CODE", "20139".into()),
        ("FID_MRKT_CLS_CODE", "0".into()),
        (
            "FID_INPUT_ISCD",
            code.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("FID_RANK_SORT_CLS_CODE", "0".into()),
        ("FID_INPUT_DATE_1", date.format("%Y%m%d").to_string()),
        ("FID_TRGT_CLS_CODE", String::new()),
        ("FID_TRGT_EXLS_CLS_CODE", String::new()),
    ]
}

const GROUPS: [&str; 3] = ["prsn", "frgn", "orgn"];
const SUFFIXES: [&str; 6] = [
    "ntby_qty",
    "ntby_tr_pbmn",
    "shnu_vol",
    "shnu_tr_pbmn",
    "seln_vol",
    "seln_tr_pbmn",
];

fn million(body: &Body, o: &Obj, key: &str) -> Result<Krw, KisError> {
    let v = int(o, key).map_err(|d| body.error(d))?.unwrap_or(0);
    v.checked_mul(INVESTOR_VALUE_UNIT)
        .map(Krw)
        .ok_or_else(|| body.error(format!("`{key}` is out of range")))
}

fn qty(body: &Body, o: &Obj, key: &str) -> Result<u64, KisError> {
    let v = int(o, key).map_err(|d| body.error(d))?.unwrap_or(0);
    u64::try_from(v.max(0)).map_err(|_| body.error(format!("`{key}` is out of range")))
}

fn flow(body: &Body, o: &Obj, g: &str) -> Result<Flow, KisError> {
    let k = |s: &str| format!("{g}_{s}");
    Ok(Flow {
        net_qty: int(o, &k("ntby_qty"))
            .map_err(|d| body.error(d))?
            .unwrap_or(0),
        net_value: million(body, o, &k("ntby_tr_pbmn"))?,
        buy_qty: qty(body, o, &k("shnu_vol"))?,
        buy_value: million(body, o, &k("shnu_tr_pbmn"))?,
        sell_qty: qty(body, o, &k("seln_vol"))?,
        sell_value: million(body, o, &k("seln_tr_pbmn"))?,
    })
}

/// `inquire-investor` → published days, newest first.
pub fn investor(body: &Body) -> Result<Vec<InvestorDay>, KisError> {
    let mut out = Vec::new();
    for o in body.rows(ci_key(body, "output"))? {
        let Some(d) = date(body, o, "stck_bsop_date")? else {
            continue;
        };
        let published = GROUPS.iter().any(|g| {
            SUFFIXES
                .iter()
                .any(|s| field(o, &format!("{g}_{s}")).is_some())
        });
        if !published {
            continue;
        }
        let sign = field(o, "prdy_vrss_sign");
        out.push(InvestorDay {
            date: d,
            close: krw(body, o, "stck_clpr")?,
            change: Krw(signed_field(body, o, "prdy_vrss", sign)?),
            individual: flow(body, o, "prsn")?,
            foreign: flow(body, o, "frgn")?,
            institution: flow(body, o, "orgn")?,
        });
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.date));
    out.dedup_by_key(|d| d.date);
    Ok(out)
}

/// An `HHMMSS` time where `000000` or empty means "none".
fn opt_time(body: &Body, o: &Obj, key: &str) -> Result<Option<NaiveTime>, KisError> {
    if matches!(field(o, key), None | Some("000000") | Some("0")) {
        return Ok(None);
    }
    time(body, o, key)
}

fn opt_krw(body: &Body, o: &Obj, key: &str) -> Result<Option<Krw>, KisError> {
    Ok(int(o, key)
        .map_err(|d| body.error(d))?
        .filter(|v| *v != 0)
        .map(Krw))
}

/// `inquire-vi-status` → events as sent (newest first on KIS), at most 30. Rows without a
/// valid code are skipped.
pub fn vi_status(body: &Body) -> Result<Vec<ViEvent>, KisError> {
    let mut out = Vec::new();
    for o in body.rows(ci_key(body, "output"))? {
        let Some(code) = field(o, "mksc_shrn_iscd").and_then(|c| StockCode::new(c).ok()) else {
            continue;
        };
        out.push(ViEvent {
            code,
            name: field(o, "hts_kor_isnm").map(name).unwrap_or_default(),
            active: field(o, "vi_cls_code") == Some("Y"),
            kind: field(o, "vi_kind_code").and_then(ViKind::from_code),
            date: date(body, o, "bsop_date")?,
            triggered_at: opt_time(body, o, "cntg_vi_hour")?,
            released_at: opt_time(body, o, "vi_cncl_hour")?,
            price: krw(body, o, "vi_prc")?,
            static_base: opt_krw(body, o, "vi_stnd_prc")?,
            static_gap: super::rate(body, o, "vi_dprt")?.filter(|r| *r != Rate(0)),
            dynamic_base: opt_krw(body, o, "vi_dmc_stnd_prc")?,
            dynamic_gap: super::rate(body, o, "vi_dmc_dprt")?.filter(|r| *r != Rate(0)),
            count: u32::try_from(
                int(o, "vi_count")
                    .map_err(|d| body.error(d))?
                    .unwrap_or(0)
                    .max(0),
            )
            .unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

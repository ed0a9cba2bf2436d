//! search-stock-info and chk-holiday bodies.

use super::{Body, date, field, name, opt_int};
use crate::kis::error::KisError;
use crate::market::{Market, SecurityKind, StatusFlags, StockCode, StockInfo};
use chrono::NaiveDate;

/// `search-stock-info` → `StockInfo` (valuation fields are filled in from inquire-price by the
/// client). A response without a name means an unknown code.
pub fn stock_info(body: &Body, code: StockCode) -> Result<StockInfo, KisError> {
    let o = body.object("output")?;
    let Some(short) = field(o, "prdt_abrv_name").or(field(o, "prdt_name")) else {
        return Err(KisError::NotFound {
            endpoint: body.endpoint.to_string(),
            code: code.to_string(),
        });
    };
    let market = match (
        field(o, "mket_id_cd"),
        field(o, "kosdaq_mket_lstg_dt"),
        field(o, "scts_mket_lstg_dt"),
    ) {
        (Some("KSQ"), _, _) => Market::Kosdaq,
        (Some("STK"), _, _) => Market::Kospi,
        (_, Some(_), None) => Market::Kosdaq,
        _ => Market::Kospi,
    };
    let kind = match field(o, "scty_grp_id_cd") {
        Some("ST") if field(o, "stck_kind_cd").is_some_and(|k| k != "101") => {
            SecurityKind::Preferred
        }
        Some("ST") => SecurityKind::Stock,
        Some("EF") => SecurityKind::Etf,
        Some("RT") => SecurityKind::Reit,
        _ => SecurityKind::Other,
    };
    let sector = field(o, "std_idst_clsf_cd_name")
        .or(field(o, "idx_bztp_mcls_cd_name"))
        .map(name);
    Ok(StockInfo {
        code,
        name: name(short),
        name_en: field(o, "prdt_eng_abrv_name")
            .or(field(o, "prdt_eng_name"))
            .map(name),
        market,
        kind,
        isin: field(o, "std_pdno").map(str::to_string),
        sector,
        listed_shares: opt_int(body, o, "lstg_stqt")?.map(|v| v.max(0) as u64),
        market_cap: None,
        per: None,
        pbr: None,
        eps: None,
        bps: None,
        w52_high: None,
        w52_low: None,
        upper_limit: None,
        lower_limit: None,
        flags: StatusFlags {
            halted: field(o, "tr_stop_yn") == Some("Y"),
            managed: field(o, "admn_item_yn") == Some("Y"),
            ..StatusFlags::default()
        },
    })
}

/// One day from chk-holiday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayStatus {
    pub date: NaiveDate,
    /// 영업일 (bank business day).
    pub business_day: bool,
    /// 거래일.
    pub trading_day: bool,
    /// 개장일: the market is open (the one to use for "is the market open that day").
    pub open: bool,
    /// 결제일.
    pub settlement_day: bool,
}

/// `chk-holiday` rows (the asked date and the following days).
pub fn holidays(body: &Body) -> Result<Vec<DayStatus>, KisError> {
    let mut out = Vec::new();
    for o in body.rows("output")? {
        let Some(d) = date(body, o, "bass_dt")? else {
            continue;
        };
        let Some(open) = field(o, "opnd_yn") else {
            return Err(body.error(format!("no `opnd_yn` for {d}")));
        };
        out.push(DayStatus {
            date: d,
            business_day: field(o, "bzdy_yn") == Some("Y"),
            trading_day: field(o, "tr_day_yn") == Some("Y"),
            open: open == "Y",
            settlement_day: field(o, "sttl_day_yn") == Some("Y"),
        });
    }
    Ok(out)
}

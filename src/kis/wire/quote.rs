//! inquire-price and intstock-multprice bodies → `Quote`.

use super::{
    Body, Obj, close_before, count, field, krw, name, opt_int, rate, req_int, signed_field,
    signed_rate_field,
};
use crate::kis::error::KisError;
use crate::market::{Krw, Quote, Rate, StatusFlags, StockCode, Warning};
use chrono::{DateTime, Utc};

/// Status flags from inquire-price's classification fields.
fn flags(o: &Obj) -> StatusFlags {
    let stat = field(o, "iscd_stat_cls_code").unwrap_or("");
    StatusFlags {
        halted: field(o, "temp_stop_yn") == Some("Y") || stat == "58",
        managed: stat == "51" || field(o, "mang_issu_cls_code") == Some("Y"),
        warning: warning(field(o, "mrkt_warn_cls_code"), stat),
        vi: matches!(field(o, "vi_cls_code"), Some(v) if v != "N" && v != "0"),
    }
}

fn warning(code: Option<&str>, stat: &str) -> Warning {
    match (code, stat) {
        (Some("03"), _) | (_, "52") => Warning::Danger,
        (Some("02"), _) | (_, "53") => Warning::Warning,
        (Some("01"), _) | (_, "54") => Warning::Caution,
        _ => Warning::None,
    }
}

/// `inquire-price` → `Quote`. A zeroed answer (price and base price 0) means an unknown code.
pub fn price(body: &Body, code: StockCode, now: DateTime<Utc>) -> Result<Quote, KisError> {
    let o = body.object("output")?;
    let price = req_int(body, o, "stck_prpr")?;
    let base = opt_int(body, o, "stck_sdpr")?.unwrap_or(0);
    if price == 0 && base == 0 {
        return Err(KisError::NotFound {
            endpoint: body.endpoint.to_string(),
            code: code.to_string(),
        });
    }
    if let Some(c) = field(o, "stck_shrn_iscd")
        && c != code.as_str()
    {
        return Err(body.error(format!("asked for {code}, got {c}")));
    }
    let sign = field(o, "prdy_vrss_sign");
    let change = signed_field(body, o, "prdy_vrss", sign)?;
    let prev_close = if base > 0 {
        base
    } else {
        close_before(body, price, change)?
    };
    let change_rate = match signed_rate_field(body, o, "prdy_ctrt", sign)? {
        Some(r) => r,
        None => Rate::of(Krw(change), Krw(prev_close)),
    };
    Ok(Quote {
        code,
        name: None,
        price: Krw(price),
        change: Krw(change),
        change_rate,
        prev_close: Krw(prev_close),
        open: krw(body, o, "stck_oprc")?,
        high: krw(body, o, "stck_hgpr")?,
        low: krw(body, o, "stck_lwpr")?,
        volume: count(body, o, "acml_vol")?,
        value: krw(body, o, "acml_tr_pbmn")?,
        upper_limit: krw(body, o, "stck_mxpr")?,
        lower_limit: krw(body, o, "stck_llam")?,
        flags: flags(o),
        expected: None,
        as_of: now,
    })
}

/// Valuation fields of inquire-price used by the info pane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Valuation {
    pub per: Option<Rate>,
    pub pbr: Option<Rate>,
    pub eps: Option<Krw>,
    pub bps: Option<Krw>,
    pub w52_high: Option<Krw>,
    pub w52_low: Option<Krw>,
    /// 억원.
    pub market_cap_eok: Option<i64>,
    pub listed_shares: Option<u64>,
    pub sector: Option<String>,
    pub upper_limit: Option<Krw>,
    pub lower_limit: Option<Krw>,
    pub flags: StatusFlags,
}

pub fn valuation(body: &Body) -> Result<Valuation, KisError> {
    let o = body.object("output")?;
    let k = |key: &str| -> Result<Option<Krw>, KisError> { Ok(opt_int(body, o, key)?.map(Krw)) };
    Ok(Valuation {
        per: rate(body, o, "per")?,
        pbr: rate(body, o, "pbr")?,
        eps: k("eps")?,
        bps: k("bps")?,
        w52_high: k("w52_hgpr")?,
        w52_low: k("w52_lwpr")?,
        market_cap_eok: opt_int(body, o, "hts_avls")?,
        listed_shares: opt_int(body, o, "lstn_stcn")?.map(|v| v.max(0) as u64),
        sector: field(o, "bstp_kor_isnm").map(name),
        upper_limit: k("stck_mxpr")?,
        lower_limit: k("stck_llam")?,
        flags: flags(o),
    })
}

/// `intstock-multprice` → quotes for the requested codes, matched by code, never by position.
/// Rows for codes not asked for, empty rows and zeroed rows (unknown codes) are left out.
pub fn multi_price(
    body: &Body,
    asked: &[StockCode],
    now: DateTime<Utc>,
) -> Result<Vec<Quote>, KisError> {
    let mut out = Vec::with_capacity(asked.len());
    for o in body.rows("output")? {
        let Some(code_text) = field(o, "inter_shrn_iscd") else {
            continue;
        };
        let Ok(code) = StockCode::new(code_text) else {
            return Err(body.error(format!("row with invalid code {code_text:?}")));
        };
        if !asked.contains(&code) || out.iter().any(|q: &Quote| q.code == code) {
            continue;
        }
        let price = opt_int(body, o, "inter2_prpr")?.unwrap_or(0);
        let prev = opt_int(body, o, "inter2_prdy_clpr")?
            .filter(|v| *v > 0)
            .or(opt_int(body, o, "inter2_sdpr")?)
            .unwrap_or(0);
        if price == 0 && prev == 0 {
            continue;
        }
        let sign = field(o, "prdy_vrss_sign");
        let change = signed_field(body, o, "inter2_prdy_vrss", sign)?;
        let prev_close = if prev > 0 {
            prev
        } else {
            close_before(body, price, change)?
        };
        let change_rate = match signed_rate_field(body, o, "prdy_ctrt", sign)? {
            Some(r) => r,
            None => Rate::of(Krw(change), Krw(prev_close)),
        };
        out.push(Quote {
            code,
            name: field(o, "inter_kor_isnm").map(name),
            price: Krw(price),
            change: Krw(change),
            change_rate,
            prev_close: Krw(prev_close),
            open: krw(body, o, "inter2_oprc")?,
            high: krw(body, o, "inter2_hgpr")?,
            low: krw(body, o, "inter2_lwpr")?,
            volume: count(body, o, "acml_vol")?,
            value: krw(body, o, "acml_tr_pbmn")?,
            upper_limit: krw(body, o, "inter2_mxpr")?,
            lower_limit: krw(body, o, "inter2_llam")?,
            flags: StatusFlags::default(),
            expected: None,
            as_of: now,
        });
    }
    Ok(out)
}

//! Chart bodies → `Candle`s: the period chart (D/W/M/Y), today's minute chart, daily prices.
//! Rows arrive newest first; these functions return them in the order sent, `{}` rows skipped.

use super::{Body, Obj, count, date, field, krw, name, opt_int, signed_field, time};
use crate::kis::error::KisError;
use crate::market::{Candle, ChartDay, Krw};

/// One page of a chart: the bars plus the stock name when the endpoint sends it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartPage {
    pub name: Option<String>,
    pub bars: Vec<Candle>,
    /// Rows KIS sent, including ones skipped here (for "was this a full page?").
    pub raw_rows: usize,
}

fn header_name(body: &Body) -> Option<String> {
    body.object("output1")
        .ok()
        .and_then(|o| field(o, "hts_kor_isnm"))
        .map(name)
}

/// Open/high/low fall back to the close when KIS sends 0 or nothing (a day without trades).
fn ohlc(body: &Body, o: &Obj, close_key: &str) -> Result<(Krw, Krw, Krw, Krw), KisError> {
    let close = krw(body, o, close_key)?;
    let or_close = |k: Krw| if k.0 == 0 { close } else { k };
    Ok((
        or_close(krw(body, o, "stck_oprc")?),
        or_close(krw(body, o, "stck_hgpr")?),
        or_close(krw(body, o, "stck_lwpr")?),
        close,
    ))
}

/// `inquire-daily-itemchartprice`: `output2` rows.
pub fn period_chart(body: &Body) -> Result<ChartPage, KisError> {
    let rows = body.rows("output2")?;
    let raw_rows = match body.obj.get("output2") {
        Some(serde_json::Value::Array(a)) => a.len(),
        _ => rows.len(),
    };
    let mut bars = Vec::with_capacity(rows.len());
    for o in rows {
        let Some(d) = date(body, o, "stck_bsop_date")? else {
            continue;
        };
        let (open, high, low, close) = ohlc(body, o, "stck_clpr")?;
        bars.push(Candle {
            date: d,
            time: None,
            open,
            high,
            low,
            close,
            volume: count(body, o, "acml_vol")?,
            value: krw(body, o, "acml_tr_pbmn")?,
        });
    }
    Ok(ChartPage {
        name: header_name(body),
        bars,
        raw_rows,
    })
}

/// `inquire-daily-itemchartprice` (daily) rows with their corporate-action fields: the base
/// from `prdy_vrss` (signed by `prdy_vrss_sign`), `flng_cls_code`, `revl_issu_reas`,
/// `prtt_rate`, `mod_yn`. Missing or blank action fields are `None`, never an error.
pub fn period_chart_days(body: &Body) -> Result<(Vec<ChartDay>, usize), KisError> {
    let rows = body.rows("output2")?;
    let raw_rows = match body.obj.get("output2") {
        Some(serde_json::Value::Array(a)) => a.len(),
        _ => rows.len(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let Some(d) = date(body, o, "stck_bsop_date")? else {
            continue;
        };
        let (open, high, low, close) = ohlc(body, o, "stck_clpr")?;
        let base = match opt_int(body, o, "prdy_vrss")? {
            Some(v) => {
                let change =
                    signed_field(body, o, "prdy_vrss", field(o, "prdy_vrss_sign")).unwrap_or(v);
                close.0.checked_sub(change).filter(|b| *b > 0).map(Krw)
            }
            None => None,
        };
        let text = |k: &str| {
            field(o, k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        out.push(ChartDay {
            candle: Candle {
                date: d,
                time: None,
                open,
                high,
                low,
                close,
                volume: count(body, o, "acml_vol")?,
                value: krw(body, o, "acml_tr_pbmn")?,
            },
            base,
            flng_cls_code: text("flng_cls_code"),
            revl_issu_reas: text("revl_issu_reas"),
            prtt_rate: text("prtt_rate"),
            modified: field(o, "mod_yn").map(str::trim) == Some("Y"),
        });
    }
    Ok((out, raw_rows))
}

/// `inquire-time-itemchartprice`: `output2` rows. `value` here is KIS's cumulative traded value
/// at that minute; the client turns it into per-bar values once the day is assembled.
pub fn minute_chart(body: &Body) -> Result<ChartPage, KisError> {
    let rows = body.rows("output2")?;
    let raw_rows = match body.obj.get("output2") {
        Some(serde_json::Value::Array(a)) => a.len(),
        _ => rows.len(),
    };
    let mut bars = Vec::with_capacity(rows.len());
    for o in rows {
        let (Some(d), Some(t)) = (
            date(body, o, "stck_bsop_date")?,
            time(body, o, "stck_cntg_hour")?,
        ) else {
            continue;
        };
        let (open, high, low, close) = ohlc(body, o, "stck_prpr")?;
        bars.push(Candle {
            date: d,
            time: Some(t),
            open,
            high,
            low,
            close,
            volume: count(body, o, "cntg_vol")?,
            value: krw(body, o, "acml_tr_pbmn")?,
        });
    }
    Ok(ChartPage {
        name: header_name(body),
        bars,
        raw_rows,
    })
}

/// `inquire-daily-price`: `output` rows (≤ 30). This endpoint sends no traded value, so
/// `value` is 0.
pub fn daily_price(body: &Body) -> Result<Vec<Candle>, KisError> {
    let mut bars = Vec::new();
    for o in body.rows("output")? {
        let Some(d) = date(body, o, "stck_bsop_date")? else {
            continue;
        };
        let (open, high, low, close) = ohlc(body, o, "stck_clpr")?;
        bars.push(Candle {
            date: d,
            time: None,
            open,
            high,
            low,
            close,
            volume: count(body, o, "acml_vol")?,
            value: krw(body, o, "acml_tr_pbmn")?,
        });
    }
    Ok(bars)
}

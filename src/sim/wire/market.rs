//! Bodies of the index and ranking TRs (KIS_API.md §14.1, §14.2, §14.5, §14.6), field for
//! field in the spec's order, from the model's `index_at` / `index_bars_at` / `ranking_at`.
//!
//! Index volume goes out in 천주 and traded value in 백만원 (as the HTS shows them; KIS's
//! units are UNCONFIRMED), truncated.

use super::obj;
use crate::market::{Direction, IndexBar, IndexQuote, Points, RankRow};
use chrono::NaiveDate;
use serde_json::Value;

/// Shares per unit of `acml_vol` on the index TRs.
pub const INDEX_VOLUME_UNIT: u64 = 1_000;
/// Won per unit of `acml_tr_pbmn` on the index TRs.
pub const INDEX_VALUE_UNIT: i64 = 1_000_000;

/// `2650.12`, `-15.30`: KIS's index levels, two decimals, no grouping.
pub fn pts(p: Points) -> String {
    let sign = if p.0 < 0 { "-" } else { "" };
    let a = p.0.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

fn sign_of(change: i64) -> &'static str {
    match change.signum() {
        1 => "2",
        -1 => "5",
        _ => "3",
    }
}

/// A signed rate with two decimals of `change` against `base`.
fn rate(change: Points, base: Points) -> String {
    change.rate_of(base).to_string()
}

fn vol(v: u64) -> String {
    (v / INDEX_VOLUME_UNIT).to_string()
}

fn val(v: i64) -> String {
    (v.max(0) / INDEX_VALUE_UNIT).to_string()
}

/// `output` of inquire-index-price. `prev_volume`/`prev_value` are the previous day's.
pub fn index_price(
    q: &IndexQuote,
    prev_volume: u64,
    prev_value: i64,
    year: (Points, NaiveDate, Points, NaiveDate),
) -> Value {
    let b = q.breadth.unwrap_or_default();
    let vs = |p: Points| Points(p.0 - q.prev_close.0);
    let abs = |p: Points| pts(Points(p.0.abs()));
    let (yh, yhd, yl, yld) = year;
    obj([
        ("bstp_nmix_prpr", pts(q.value)),
        ("bstp_nmix_prdy_vrss", abs(q.change)),
        ("prdy_vrss_sign", sign_of(q.change.0).to_string()),
        ("bstp_nmix_prdy_ctrt", q.change_rate.to_string()),
        ("acml_vol", vol(q.volume)),
        ("prdy_vol", vol(prev_volume)),
        ("acml_tr_pbmn", val(q.value_traded.0)),
        ("prdy_tr_pbmn", val(prev_value)),
        ("bstp_nmix_oprc", pts(q.open)),
        ("prdy_nmix_vrss_nmix_oprc", abs(vs(q.open))),
        ("oprc_vrss_prpr_sign", sign_of(vs(q.open).0).to_string()),
        ("bstp_nmix_oprc_prdy_ctrt", rate(vs(q.open), q.prev_close)),
        ("bstp_nmix_hgpr", pts(q.high)),
        ("prdy_nmix_vrss_nmix_hgpr", abs(vs(q.high))),
        ("hgpr_vrss_prpr_sign", sign_of(vs(q.high).0).to_string()),
        ("bstp_nmix_hgpr_prdy_ctrt", rate(vs(q.high), q.prev_close)),
        ("bstp_nmix_lwpr", pts(q.low)),
        ("prdy_clpr_vrss_lwpr", abs(vs(q.low))),
        ("lwpr_vrss_prpr_sign", sign_of(vs(q.low).0).to_string()),
        ("prdy_clpr_vrss_lwpr_rate", rate(vs(q.low), q.prev_close)),
        ("ascn_issu_cnt", b.up.to_string()),
        ("uplm_issu_cnt", b.limit_up.to_string()),
        ("stnr_issu_cnt", b.unchanged.to_string()),
        ("down_issu_cnt", b.down.to_string()),
        ("lslm_issu_cnt", b.limit_down.to_string()),
        ("dryy_bstp_nmix_hgpr", pts(yh)),
        (
            "dryy_hgpr_vrss_prpr_rate",
            rate(Points(q.value.0 - yh.0), yh),
        ),
        ("dryy_bstp_nmix_hgpr_date", yhd.format("%Y%m%d").to_string()),
        ("dryy_bstp_nmix_lwpr", pts(yl)),
        (
            "dryy_lwpr_vrss_prpr_rate",
            rate(Points(q.value.0 - yl.0), yl),
        ),
        ("dryy_bstp_nmix_lwpr_date", yld.format("%Y%m%d").to_string()),
        ("total_askp_rsqn", "0".to_string()),
        ("total_bidp_rsqn", "0".to_string()),
        ("seln_rsqn_rate", "0.00".to_string()),
        ("shnu_rsqn_rate", "0.00".to_string()),
        ("ntby_rsqn", "0".to_string()),
    ])
}

/// `output` of inquire-index-price for an index code kis-sim does not know: zeros.
pub fn index_price_unknown() -> Value {
    obj([
        ("bstp_nmix_prpr", "0.00".to_string()),
        ("bstp_nmix_prdy_vrss", "0.00".to_string()),
        ("prdy_vrss_sign", "3".to_string()),
        ("bstp_nmix_prdy_ctrt", "0.00".to_string()),
        ("acml_vol", "0".to_string()),
        ("acml_tr_pbmn", "0".to_string()),
    ])
}

/// `output1` of inquire-daily-indexchartprice: the index now (or at its last close).
pub fn index_chart_output1(q: Option<&IndexQuote>, prev_volume: u64) -> Value {
    let Some(q) = q else {
        return obj(std::iter::empty::<(&str, String)>());
    };
    obj([
        ("prdy_vrss_sign", sign_of(q.change.0).to_string()),
        ("bstp_nmix_prdy_ctrt", q.change_rate.to_string()),
        ("prdy_nmix", pts(q.prev_close)),
        ("acml_vol", vol(q.volume)),
        ("acml_tr_pbmn", val(q.value_traded.0)),
        ("hts_kor_isnm", q.name.clone().unwrap_or_default()),
        ("bstp_nmix_prpr", pts(q.value)),
        ("bstp_cls_code", q.code.to_string()),
        ("prdy_vol", vol(prev_volume)),
        ("bstp_nmix_oprc", pts(q.open)),
        ("bstp_nmix_hgpr", pts(q.high)),
        ("bstp_nmix_lwpr", pts(q.low)),
        ("futs_prdy_oprc", "0.00".to_string()),
        ("futs_prdy_hgpr", "0.00".to_string()),
        ("futs_prdy_lwpr", "0.00".to_string()),
    ])
}

/// One `output2` row of inquire-daily-indexchartprice.
pub fn index_chart_row(b: &IndexBar) -> Value {
    obj([
        ("stck_bsop_date", b.date.format("%Y%m%d").to_string()),
        ("bstp_nmix_prpr", pts(b.close)),
        ("bstp_nmix_oprc", pts(b.open)),
        ("bstp_nmix_hgpr", pts(b.high)),
        ("bstp_nmix_lwpr", pts(b.low)),
        ("acml_vol", vol(b.volume)),
        ("acml_tr_pbmn", val(b.value.0)),
        ("mod_yn", "N".to_string()),
    ])
}

/// One `Output2` row of inquire-time-indexchartprice: `cntg_vol` the minute's volume (천주),
/// `acml_tr_pbmn` the day's value so far (백만원).
pub fn index_minute_row(b: &IndexBar, cum_value: i64) -> Value {
    obj([
        ("stck_bsop_date", b.date.format("%Y%m%d").to_string()),
        (
            "stck_cntg_hour",
            b.time
                .map_or_else(|| "000000".to_string(), |t| t.format("%H%M%S").to_string()),
        ),
        ("bstp_nmix_prpr", pts(b.close)),
        ("bstp_nmix_oprc", pts(b.open)),
        ("bstp_nmix_hgpr", pts(b.high)),
        ("bstp_nmix_lwpr", pts(b.low)),
        ("cntg_vol", vol(b.volume)),
        ("acml_tr_pbmn", val(cum_value)),
    ])
}

/// One `output` row of volume-rank (FHPST01710000).
pub fn volume_rank_row(r: &RankRow, d: Direction, listed_shares: u64) -> Value {
    let value = r.value.map_or(0, |v| v.0);
    let turnover = if listed_shares == 0 {
        "0.00".to_string()
    } else {
        super::pct2(r.volume as f64 * 100.0 / listed_shares as f64)
    };
    obj([
        ("hts_kor_isnm", r.name.clone()),
        ("mksc_shrn_iscd", r.code.to_string()),
        ("data_rank", r.rank.to_string()),
        ("stck_prpr", r.price.0.to_string()),
        ("prdy_vrss_sign", d.sign_code().to_string()),
        ("prdy_vrss", r.change.0.to_string()),
        ("prdy_ctrt", r.change_rate.to_string()),
        ("acml_vol", r.volume.to_string()),
        ("prdy_vol", "0".to_string()),
        ("lstn_stcn", listed_shares.to_string()),
        ("avrg_vol", r.volume.to_string()),
        ("n_befr_clpr_vrss_prpr_rate", r.change_rate.to_string()),
        ("vol_inrt", "0.00".to_string()),
        ("vol_tnrt", turnover.clone()),
        ("nday_vol_tnrt", turnover),
        ("avrg_tr_pbmn", value.to_string()),
        ("tr_pbmn_tnrt", "0.00".to_string()),
        ("nday_tr_pbmn_tnrt", "0.00".to_string()),
        ("acml_tr_pbmn", value.to_string()),
    ])
}

/// One `output` row of ranking/fluctuation (FHPST01700000): no traded value in this TR.
pub fn fluctuation_row(r: &RankRow, d: Direction, high: i64, low: i64, date: NaiveDate) -> Value {
    let ymd = date.format("%Y%m%d").to_string();
    let vs = |x: i64| {
        if x == 0 {
            "0.00".to_string()
        } else {
            super::pct2((r.price.0 - x) as f64 * 100.0 / x as f64)
        }
    };
    obj([
        ("stck_shrn_iscd", r.code.to_string()),
        ("data_rank", r.rank.to_string()),
        ("hts_kor_isnm", r.name.clone()),
        ("stck_prpr", r.price.0.to_string()),
        ("prdy_vrss", r.change.0.to_string()),
        ("prdy_vrss_sign", d.sign_code().to_string()),
        ("prdy_ctrt", r.change_rate.to_string()),
        ("acml_vol", r.volume.to_string()),
        ("stck_hgpr", high.to_string()),
        ("hgpr_hour", "000000".to_string()),
        ("acml_hgpr_date", ymd.clone()),
        ("stck_lwpr", low.to_string()),
        ("lwpr_hour", "000000".to_string()),
        ("acml_lwpr_date", ymd),
        ("lwpr_vrss_prpr_rate", vs(low)),
        ("dsgt_date_clpr_vrss_prpr_rate", r.change_rate.to_string()),
        ("cnnt_ascn_dynu", "0".to_string()),
        ("hgpr_vrss_prpr_rate", vs(high)),
        ("cnnt_down_dynu", "0".to_string()),
        ("oprc_vrss_prpr_sign", "3".to_string()),
        ("oprc_vrss_prpr", "0".to_string()),
        ("oprc_vrss_prpr_rate", "0.00".to_string()),
        ("prd_rsfl", r.change.0.to_string()),
        ("prd_rsfl_rate", r.change_rate.to_string()),
    ])
}

/// Won per unit of the investor TR's `*_tr_pbmn` fields (백만원).
pub const INVESTOR_VALUE_UNIT: i64 = 1_000_000;

const GROUPS: [&str; 3] = ["prsn", "frgn", "orgn"];

/// One `output` row of inquire-investor, in the spec's order. `None` flows: today before the
/// close, every investor field empty ("당일 데이터는 장 종료 후 제공됩니다").
pub fn investor_row(
    date: NaiveDate,
    close: i64,
    change: i64,
    flows: Option<[crate::market::Flow; 3]>,
) -> Value {
    let d = if change > 0 {
        "2"
    } else if change < 0 {
        "5"
    } else {
        "3"
    };
    let mut pairs: Vec<(String, String)> = vec![
        ("stck_bsop_date".into(), date.format("%Y%m%d").to_string()),
        ("stck_clpr".into(), close.to_string()),
        ("prdy_vrss".into(), change.abs().to_string()),
        ("prdy_vrss_sign".into(), d.to_string()),
    ];
    type Pick = fn(&crate::market::Flow) -> String;
    let fields: [(&str, Pick); 6] = [
        ("ntby_qty", |f| f.net_qty.to_string()),
        ("ntby_tr_pbmn", |f| {
            (f.net_value.0 / INVESTOR_VALUE_UNIT).to_string()
        }),
        ("shnu_vol", |f| f.buy_qty.to_string()),
        ("shnu_tr_pbmn", |f| {
            (f.buy_value.0 / INVESTOR_VALUE_UNIT).to_string()
        }),
        ("seln_vol", |f| f.sell_qty.to_string()),
        ("seln_tr_pbmn", |f| {
            (f.sell_value.0 / INVESTOR_VALUE_UNIT).to_string()
        }),
    ];
    for (suffix, pick) in fields {
        for (g, name) in GROUPS.iter().enumerate() {
            let v = flows.as_ref().map(|f| pick(&f[g])).unwrap_or_default();
            pairs.push((format!("{name}_{suffix}"), v));
        }
    }
    obj(pairs)
}

/// One `output` row of inquire-vi-status.
pub fn vi_row(e: &crate::market::ViEvent) -> Value {
    let hms = |t: Option<chrono::NaiveTime>| {
        t.map_or_else(|| "000000".to_string(), |t| t.format("%H%M%S").to_string())
    };
    obj([
        ("hts_kor_isnm", e.name.clone()),
        ("mksc_shrn_iscd", e.code.to_string()),
        ("vi_cls_code", if e.active { "Y" } else { "N" }.to_string()),
        (
            "bsop_date",
            e.date
                .map(|d| d.format("%Y%m%d").to_string())
                .unwrap_or_default(),
        ),
        ("cntg_vi_hour", hms(e.triggered_at)),
        ("vi_cncl_hour", hms(e.released_at)),
        ("vi_kind_code", e.kind.map_or("1", |k| k.code()).to_string()),
        ("vi_prc", e.price.0.to_string()),
        ("vi_stnd_prc", e.static_base.map_or(0, |k| k.0).to_string()),
        (
            "vi_dprt",
            e.static_gap
                .map_or_else(|| "0.00".to_string(), |r| r.to_string()),
        ),
        (
            "vi_dmc_stnd_prc",
            e.dynamic_base.map_or(0, |k| k.0).to_string(),
        ),
        (
            "vi_dmc_dprt",
            e.dynamic_gap
                .map_or_else(|| "0.00".to_string(), |r| r.to_string()),
        ),
        ("vi_count", e.count.to_string()),
    ])
}

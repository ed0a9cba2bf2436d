//! Response bodies of the quotation TRs, field for field in the order the captured samples
//! (`shared/kis/samples/`) and KIS_API.md §4 give. Values come from the model's snapshot.

use super::{obj, pct2};
use crate::market::{Market, Period, SecurityKind, StockCode, Warning};
use crate::sim::hash::{hash, unit, word};
use crate::sim::model::series::DayBar;
use crate::sim::model::{Phase, SimMarket, SimStock, Snapshot, hhmmss};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::Value;

fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn rate(change: i64, base: i64) -> String {
    if base == 0 {
        return "0.00".into();
    }
    pct2(change as f64 * 100.0 / base as f64)
}

/// Per-stock constants that look like live data (foreign holding ratio and the like).
fn frgn_ratio(m: &SimMarket, s: &SimStock) -> f64 {
    if s.kind == SecurityKind::Etf {
        return 0.0;
    }
    unit(hash(&[m.seed(), word(s.code.as_str()), word("frgn")])) * 55.0
}

fn is_blue_chip(s: &SimStock) -> bool {
    s.listed_shares >= 50_000_000 && s.level >= 15_000 && s.kind == SecurityKind::Stock
}

/// 거래 상태 (iscd_stat_cls_code): 58 정지, 51 관리, 52/53/54 위험/경고/주의, 55 신용가능.
fn stat_code(s: &SimStock) -> &'static str {
    if s.flags.halted {
        "58"
    } else if s.flags.managed {
        "51"
    } else {
        match s.flags.warning {
            Warning::Danger => "52",
            Warning::Warning => "53",
            Warning::Caution => "54",
            Warning::None => "55",
        }
    }
}

fn warn_code(s: &SimStock) -> &'static str {
    match s.flags.warning {
        Warning::None => "00",
        Warning::Caution => "01",
        Warning::Warning => "02",
        Warning::Danger => "03",
    }
}

fn yn(b: bool) -> String {
    if b { "Y".into() } else { "N".into() }
}

/// (high, high date, low, low date) over daily bars.
fn extremes(bars: &[DayBar]) -> Option<(i64, NaiveDate, i64, NaiveDate)> {
    let traded: Vec<&DayBar> = bars.iter().filter(|b| b.volume > 0).collect();
    let hi = traded.iter().max_by_key(|b| (b.high, b.date))?;
    let lo = traded
        .iter()
        .min_by_key(|b| (b.low, std::cmp::Reverse(b.date)))?;
    Some((hi.high, hi.date, lo.low, lo.date))
}

/// All-zero `output` of inquire-price, which KIS returns for a code it does not know
/// (python-kis treats `stck_prpr == "0"` as "not found"; kis-sim follows that reading).
pub fn inquire_price_unknown(code: &str) -> Value {
    obj(INQUIRE_PRICE_KEYS.iter().map(|&k| {
        let v = match k {
            "stck_shrn_iscd" => code.to_string(),
            "rprs_mrkt_kor_name" | "bstp_kor_isnm" | "fcam_cnnm" | "cpfn_cnnm"
            | "d250_hgpr_date" | "d250_lwpr_date" | "dryy_hgpr_date" | "dryy_lwpr_date"
            | "w52_hgpr_date" | "w52_lwpr_date" | "iscd_stat_cls_code" => String::new(),
            _ if k.ends_with("_yn") || k.ends_with("_code") => String::new(),
            _ => "0".into(),
        };
        (k, v)
    }))
}

pub const INQUIRE_PRICE_KEYS: [&str; 80] = [
    "iscd_stat_cls_code",
    "marg_rate",
    "rprs_mrkt_kor_name",
    "bstp_kor_isnm",
    "temp_stop_yn",
    "oprc_rang_cont_yn",
    "clpr_rang_cont_yn",
    "crdt_able_yn",
    "grmn_rate_cls_code",
    "elw_pblc_yn",
    "stck_prpr",
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "acml_tr_pbmn",
    "acml_vol",
    "prdy_vrss_vol_rate",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_mxpr",
    "stck_llam",
    "stck_sdpr",
    "wghn_avrg_stck_prc",
    "hts_frgn_ehrt",
    "frgn_ntby_qty",
    "pgtr_ntby_qty",
    "pvt_scnd_dmrs_prc",
    "pvt_frst_dmrs_prc",
    "pvt_pont_val",
    "pvt_frst_dmsp_prc",
    "pvt_scnd_dmsp_prc",
    "dmrs_val",
    "dmsp_val",
    "cpfn",
    "rstc_wdth_prc",
    "stck_fcam",
    "stck_sspr",
    "aspr_unit",
    "hts_deal_qty_unit_val",
    "lstn_stcn",
    "hts_avls",
    "per",
    "pbr",
    "stac_month",
    "vol_tnrt",
    "eps",
    "bps",
    "d250_hgpr",
    "d250_hgpr_date",
    "d250_hgpr_vrss_prpr_rate",
    "d250_lwpr",
    "d250_lwpr_date",
    "d250_lwpr_vrss_prpr_rate",
    "stck_dryy_hgpr",
    "dryy_hgpr_vrss_prpr_rate",
    "dryy_hgpr_date",
    "stck_dryy_lwpr",
    "dryy_lwpr_vrss_prpr_rate",
    "dryy_lwpr_date",
    "w52_hgpr",
    "w52_hgpr_vrss_prpr_ctrt",
    "w52_hgpr_date",
    "w52_lwpr",
    "w52_lwpr_vrss_prpr_ctrt",
    "w52_lwpr_date",
    "whol_loan_rmnd_rate",
    "ssts_yn",
    "stck_shrn_iscd",
    "fcam_cnnm",
    "cpfn_cnnm",
    "frgn_hldn_qty",
    "vi_cls_code",
    "ovtm_vi_cls_code",
    "last_ssts_cntg_qty",
    "invt_caful_yn",
    "mrkt_warn_cls_code",
    "short_over_yn",
    "sltr_yn",
    "mang_issu_cls_code",
];

/// `output` of inquire-price (FHKST01010100).
pub fn inquire_price(m: &SimMarket, s: &SimStock, snap: &Snapshot, t: DateTime<Utc>) -> Value {
    let g = m.grid(s.code);
    let p = snap.price;
    let f = m.fundamentals(s.code);
    let history = m.daily_bars_at(s.code, snap.date - Duration::days(400), snap.date, t);
    let last250 = &history[history.len().saturating_sub(250)..];
    let year: Vec<DayBar> = history
        .iter()
        .filter(|b| b.date.year() == snap.date.year())
        .copied()
        .collect();
    let w52: Vec<DayBar> = history
        .iter()
        .filter(|b| b.date > snap.date - Duration::days(365))
        .copied()
        .collect();
    let none = (p, snap.date, p, snap.date);
    let (d250h, d250hd, d250l, d250ld) = extremes(last250).unwrap_or(none);
    let (yh, yhd, yl, yld) = extremes(&year).unwrap_or(none);
    let (wh, whd, wl, wld) = extremes(&w52).unwrap_or(none);
    let prev = snap.prev.unwrap_or(DayBar {
        date: snap.date,
        base: snap.base,
        open: snap.base,
        high: snap.base,
        low: snap.base,
        close: snap.base,
        volume: 0,
        value: 0,
    });
    let (ph, pl, pc) = (prev.high, prev.low, prev.close);
    let pivot = (ph + pl + pc) / 3;
    let x = if prev.close > prev.open {
        2 * ph + pl + pc
    } else if prev.close < prev.open {
        ph + 2 * pl + pc
    } else {
        ph + pl + 2 * pc
    };
    let frgn = frgn_ratio(m, s);
    let cap_eok = p as i128 * s.listed_shares as i128 / 100_000_000;
    let cpfn = s.listed_shares as i128 * s.par as i128 / 100_000_000;
    let etf = s.kind == SecurityKind::Etf;
    let rprs = match (s.market, is_blue_chip(s)) {
        (Market::Kospi, true) => "KOSPI200",
        (Market::Kospi, false) => "KOSPI",
        (Market::Kosdaq, true) => "KSQ150",
        (Market::Kosdaq, false) => "KOSDAQ",
    };
    let risky = s.flags.halted || s.flags.managed || s.flags.warning != Warning::None;
    let vs = |hi: i64| rate(p - hi, hi);
    obj(INQUIRE_PRICE_KEYS.iter().map(|&k| {
        let v: String = match k {
            "iscd_stat_cls_code" => stat_code(s).into(),
            "marg_rate" => (if risky { "100.00" } else { "20.00" }).into(),
            "rprs_mrkt_kor_name" => rprs.into(),
            "bstp_kor_isnm" => s.sector.into(),
            "temp_stop_yn" => yn(s.flags.halted),
            "oprc_rang_cont_yn" | "clpr_rang_cont_yn" => "N".into(),
            "crdt_able_yn" => yn(!risky && !etf),
            "grmn_rate_cls_code" => (if risky { "100" } else { "40" }).into(),
            "elw_pblc_yn" => yn(is_blue_chip(s)),
            "stck_prpr" => p.to_string(),
            "prdy_vrss" => snap.change().to_string(),
            "prdy_vrss_sign" => snap.direction().sign_code().into(),
            "prdy_ctrt" => rate(snap.change(), snap.base),
            "acml_tr_pbmn" => snap.value.to_string(),
            "acml_vol" => snap.volume.to_string(),
            "prdy_vrss_vol_rate" => {
                if prev.volume == 0 {
                    "0.00".into()
                } else {
                    pct2(snap.volume as f64 * 100.0 / prev.volume as f64)
                }
            }
            "stck_oprc" => snap.open.to_string(),
            "stck_hgpr" => snap.high.to_string(),
            "stck_lwpr" => snap.low.to_string(),
            "stck_mxpr" => snap.upper_limit.to_string(),
            "stck_llam" => snap.lower_limit.to_string(),
            "stck_sdpr" => snap.base.to_string(),
            "wghn_avrg_stck_prc" => {
                if snap.volume == 0 {
                    "0.00".into()
                } else {
                    pct2(snap.value as f64 / snap.volume as f64)
                }
            }
            "hts_frgn_ehrt" => pct2(frgn),
            "frgn_ntby_qty" => "0".into(),
            "pgtr_ntby_qty" => {
                let h = hash(&[m.seed(), word(s.code.as_str()), word("pgtr")]);
                ((snap.volume as f64 * (unit(h) - 0.5) * 0.1) as i64).to_string()
            }
            "pvt_scnd_dmrs_prc" => (pivot + (ph - pl)).to_string(),
            "pvt_frst_dmrs_prc" => (2 * pivot - pl).to_string(),
            "pvt_pont_val" => pivot.to_string(),
            "pvt_frst_dmsp_prc" => (2 * pivot - ph).to_string(),
            "pvt_scnd_dmsp_prc" => (pivot - (ph - pl)).to_string(),
            "dmrs_val" => (x / 2 - pl).to_string(),
            "dmsp_val" => (x / 2 - ph).to_string(),
            "cpfn" => cpfn.to_string(),
            "rstc_wdth_prc" => (snap.upper_limit - snap.base).to_string(),
            "stck_fcam" => s.par.to_string(),
            "stck_sspr" => g.down(snap.base * 76 / 100).to_string(),
            "aspr_unit" => g.tick(p).to_string(),
            "hts_deal_qty_unit_val" => "1".into(),
            "lstn_stcn" => s.listed_shares.to_string(),
            "hts_avls" => cap_eok.to_string(),
            "per" => {
                if etf || f.eps == 0 {
                    "0.00".into()
                } else {
                    pct2(p as f64 / f.eps as f64)
                }
            }
            "pbr" => {
                if etf || f.bps == 0 {
                    "0.00".into()
                } else {
                    pct2(p as f64 / f.bps as f64)
                }
            }
            "stac_month" => "12".into(),
            "vol_tnrt" => pct2(snap.volume as f64 * 100.0 / s.listed_shares.max(1) as f64),
            "eps" => format!("{}.00", f.eps),
            "bps" => format!("{}.00", f.bps),
            "d250_hgpr" => d250h.to_string(),
            "d250_hgpr_date" => ymd(d250hd),
            "d250_hgpr_vrss_prpr_rate" => vs(d250h),
            "d250_lwpr" => d250l.to_string(),
            "d250_lwpr_date" => ymd(d250ld),
            "d250_lwpr_vrss_prpr_rate" => vs(d250l),
            "stck_dryy_hgpr" => yh.to_string(),
            "dryy_hgpr_vrss_prpr_rate" => vs(yh),
            "dryy_hgpr_date" => ymd(yhd),
            "stck_dryy_lwpr" => yl.to_string(),
            "dryy_lwpr_vrss_prpr_rate" => vs(yl),
            "dryy_lwpr_date" => ymd(yld),
            "w52_hgpr" => wh.to_string(),
            "w52_hgpr_vrss_prpr_ctrt" => vs(wh),
            "w52_hgpr_date" => ymd(whd),
            "w52_lwpr" => wl.to_string(),
            "w52_lwpr_vrss_prpr_ctrt" => vs(wl),
            "w52_lwpr_date" => ymd(wld),
            "whol_loan_rmnd_rate" => pct2(frgn / 100.0),
            "ssts_yn" => yn(!etf && !risky),
            "stck_shrn_iscd" => s.code.as_str().into(),
            "fcam_cnnm" => s.par.to_string(),
            "cpfn_cnnm" => format!("{} 억", crate::market::group_thousands(cpfn as i64)),
            "frgn_hldn_qty" => ((s.listed_shares as f64 * frgn / 100.0) as u64).to_string(),
            "vi_cls_code" | "ovtm_vi_cls_code" => "N".into(),
            "last_ssts_cntg_qty" => (snap.volume / 50).to_string(),
            "invt_caful_yn" => yn(s.flags.warning == Warning::Caution),
            "mrkt_warn_cls_code" => warn_code(s).into(),
            "short_over_yn" | "sltr_yn" => "N".into(),
            "mang_issu_cls_code" => yn(s.flags.managed),
            _ => String::new(),
        };
        (k, v)
    }))
}

/// One row of intstock-multprice (FHKST11300006). `inter2_prdy_vrss` is sent unsigned: its
/// direction is in `prdy_vrss_sign` (KIS_API.md §4.8).
pub fn multprice_row(m: &SimMarket, s: &SimStock, snap: &Snapshot, t: DateTime<Utc>) -> Value {
    let book = m.book_at(s.code, t);
    let (askp, bidp, ask1q, bid1q, ta, tb) = match &book {
        Some(b) => (
            b.best_ask().map(|p| p.0).unwrap_or(0),
            b.best_bid().map(|p| p.0).unwrap_or(0),
            b.asks.first().map(|l| l.qty).unwrap_or(0),
            b.bids.first().map(|l| l.qty).unwrap_or(0),
            b.total_ask_qty,
            b.total_bid_qty,
        ),
        None => (0, 0, 0, 0, 0, 0),
    };
    let name = if s.padded_name {
        format!("{:<20}", s.name)
    } else {
        s.name.clone()
    };
    let (ep, ev) = snap.expected.unwrap_or((0, 0));
    let e_change = if ep == 0 { 0 } else { ep - snap.base };
    let e_sign = if ep == 0 {
        "3"
    } else {
        crate::market::Direction::of_change(
            crate::market::Krw(ep),
            crate::market::Krw(snap.base),
            crate::market::Krw(snap.upper_limit),
            crate::market::Krw(snap.lower_limit),
        )
        .sign_code()
    };
    let trtm = if s.flags.halted {
        "거래정지"
    } else if s.flags.managed {
        "관리종목"
    } else {
        ""
    };
    obj([
        (
            "kospi_kosdaq_cls_name",
            (if s.market == Market::Kospi {
                "코스피"
            } else {
                "코스닥"
            })
            .to_string(),
        ),
        ("mrkt_trtm_cls_name", trtm.to_string()),
        ("hour_cls_code", hour_cls(snap).to_string()),
        ("inter_shrn_iscd", s.code.as_str().to_string()),
        ("inter_kor_isnm", name),
        ("inter2_prpr", snap.price.to_string()),
        ("inter2_prdy_vrss", snap.change().abs().to_string()),
        ("prdy_vrss_sign", snap.direction().sign_code().to_string()),
        ("prdy_ctrt", rate(snap.change(), snap.base)),
        ("acml_vol", snap.volume.to_string()),
        ("inter2_oprc", snap.open.to_string()),
        ("inter2_hgpr", snap.high.to_string()),
        ("inter2_lwpr", snap.low.to_string()),
        ("inter2_llam", snap.lower_limit.to_string()),
        ("inter2_mxpr", snap.upper_limit.to_string()),
        ("inter2_askp", askp.to_string()),
        ("inter2_bidp", bidp.to_string()),
        ("seln_rsqn", ask1q.to_string()),
        ("shnu_rsqn", bid1q.to_string()),
        ("total_askp_rsqn", ta.to_string()),
        ("total_bidp_rsqn", tb.to_string()),
        ("acml_tr_pbmn", snap.value.to_string()),
        ("inter2_prdy_clpr", snap.base.to_string()),
        (
            "oprc_vrss_hgpr_rate",
            if snap.open == 0 {
                "0.00".into()
            } else {
                rate(snap.high - snap.open, snap.open)
            },
        ),
        ("intr_antc_cntg_vrss", e_change.to_string()),
        ("intr_antc_cntg_vrss_sign", e_sign.to_string()),
        ("intr_antc_cntg_prdy_ctrt", rate(e_change, snap.base)),
        ("intr_antc_vol", ev.to_string()),
        ("inter2_sdpr", snap.base.to_string()),
    ])
}

/// A multi-quote row for a code kis-sim does not know: the code, and zeros.
pub fn multprice_unknown(code: &str) -> Value {
    let keys = [
        "kospi_kosdaq_cls_name",
        "mrkt_trtm_cls_name",
        "hour_cls_code",
        "inter_shrn_iscd",
        "inter_kor_isnm",
        "inter2_prpr",
        "inter2_prdy_vrss",
        "prdy_vrss_sign",
        "prdy_ctrt",
        "acml_vol",
        "inter2_oprc",
        "inter2_hgpr",
        "inter2_lwpr",
        "inter2_llam",
        "inter2_mxpr",
        "inter2_askp",
        "inter2_bidp",
        "seln_rsqn",
        "shnu_rsqn",
        "total_askp_rsqn",
        "total_bidp_rsqn",
        "acml_tr_pbmn",
        "inter2_prdy_clpr",
        "oprc_vrss_hgpr_rate",
        "intr_antc_cntg_vrss",
        "intr_antc_cntg_vrss_sign",
        "intr_antc_cntg_prdy_ctrt",
        "intr_antc_vol",
        "inter2_sdpr",
    ];
    obj(keys.iter().map(|&k| {
        let v = match k {
            "inter_shrn_iscd" => code.to_string(),
            "kospi_kosdaq_cls_name" | "mrkt_trtm_cls_name" | "inter_kor_isnm" => String::new(),
            "prdy_ctrt" | "oprc_vrss_hgpr_rate" | "intr_antc_cntg_prdy_ctrt" => "0.00".into(),
            _ => "0".into(),
        };
        (k, v)
    }))
}

/// 0 장중, B 장전예상, A 장후예상 (H0STCNT0 HOUR_CLS_CODE, reused for multi-quote).
fn hour_cls(snap: &Snapshot) -> &'static str {
    match snap.phase {
        Phase::PreOpenAuction { .. } => "B",
        Phase::ClosingAuction { .. } => "A",
        _ => "0",
    }
}

/// (output1, output2) of inquire-asking-price-exp-ccn (FHKST01010200).
pub fn asking_price(
    m: &SimMarket,
    s: &SimStock,
    snap: &Snapshot,
    t: DateTime<Utc>,
) -> (Value, Value) {
    let book = m.book_at(s.code, t);
    let level = |side: &[crate::market::Level], i: usize| side.get(i).copied();
    let (asks, bids) = match &book {
        Some(b) => (b.asks.clone(), b.bids.clone()),
        None => (Vec::new(), Vec::new()),
    };
    let ta: u64 = asks.iter().map(|l| l.qty).sum();
    let tb: u64 = bids.iter().map(|l| l.qty).sum();
    let mut o1: Vec<(String, String)> = Vec::with_capacity(71);
    let acpt = match snap.phase {
        Phase::Final if snap.date == crate::market::kst_date(t) => hhmmss(
            snap.time
                .min(chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default()),
        ),
        Phase::Final => "160000".into(),
        _ => hhmmss(snap.time),
    };
    o1.push(("aspr_acpt_hour".into(), acpt));
    for i in 0..10 {
        let p = level(&asks, i).map(|l| l.price.0).unwrap_or(0);
        o1.push((format!("askp{}", i + 1), p.to_string()));
    }
    for i in 0..10 {
        let p = level(&bids, i).map(|l| l.price.0).unwrap_or(0);
        o1.push((format!("bidp{}", i + 1), p.to_string()));
    }
    for i in 0..10 {
        let q = level(&asks, i).map(|l| l.qty).unwrap_or(0);
        o1.push((format!("askp_rsqn{}", i + 1), q.to_string()));
    }
    for i in 0..10 {
        let q = level(&bids, i).map(|l| l.qty).unwrap_or(0);
        o1.push((format!("bidp_rsqn{}", i + 1), q.to_string()));
    }
    for side in ["askp", "bidp"] {
        for i in 0..10 {
            o1.push((format!("{side}_rsqn_icdc{}", i + 1), "0".into()));
        }
    }
    let mkop = match snap.phase {
        Phase::PreOpenAuction { .. } => "10",
        Phase::Continuous { .. } | Phase::ClosingAuction { .. } => "20",
        Phase::Final => "31",
    };
    for (k, v) in [
        ("total_askp_rsqn", ta.to_string()),
        ("total_bidp_rsqn", tb.to_string()),
        ("total_askp_rsqn_icdc", "0".into()),
        ("total_bidp_rsqn_icdc", "0".into()),
        ("ovtm_total_askp_icdc", "0".into()),
        ("ovtm_total_bidp_icdc", "0".into()),
        ("ovtm_total_askp_rsqn", "0".into()),
        ("ovtm_total_bidp_rsqn", "0".into()),
        ("ntby_aspr_rsqn", (tb as i64 - ta as i64).to_string()),
        ("new_mkop_cls_code", mkop.into()),
    ] {
        o1.push((k.into(), v));
    }
    // Expected fill: the auction's price/volume during auctions; after the close, the closing
    // auction's result; during continuous trading KIS sends 0 with change = −base, sign 5,
    // rate −100.00 (as in the captured realtime frame).
    let (ep, ev, antc_code) = match snap.phase {
        Phase::PreOpenAuction { .. } => {
            let (p, v) = snap.expected.unwrap_or((0, 0));
            (p, v, "111")
        }
        Phase::ClosingAuction { .. } => {
            let (p, v) = snap.expected.unwrap_or((0, 0));
            (p, v, "211")
        }
        Phase::Final => {
            let close_vol = m
                .minute_bars_at(s.code, t)
                .last()
                .map(|c| c.volume)
                .unwrap_or(0);
            (
                if snap.volume > 0 { snap.price } else { 0 },
                close_vol,
                "112",
            )
        }
        Phase::Continuous { .. } => (0, 0, "311"),
    };
    let e_change = ep - snap.base;
    let e_sign = if ep == 0 {
        "5"
    } else {
        crate::market::Direction::of_change(
            crate::market::Krw(ep),
            crate::market::Krw(snap.base),
            crate::market::Krw(snap.upper_limit),
            crate::market::Krw(snap.lower_limit),
        )
        .sign_code()
    };
    let o2 = obj([
        ("antc_mkop_cls_code", antc_code.to_string()),
        ("stck_prpr", snap.price.to_string()),
        ("stck_oprc", snap.open.to_string()),
        ("stck_hgpr", snap.high.to_string()),
        ("stck_lwpr", snap.low.to_string()),
        ("stck_sdpr", snap.base.to_string()),
        ("antc_cnpr", ep.to_string()),
        ("antc_cntg_vrss_sign", e_sign.to_string()),
        ("antc_cntg_vrss", e_change.to_string()),
        ("antc_cntg_prdy_ctrt", rate(e_change, snap.base)),
        ("antc_vol", ev.to_string()),
        ("stck_shrn_iscd", s.code.as_str().to_string()),
        ("vi_cls_code", "N".to_string()),
    ]);
    (obj(o1), o2)
}

/// All-zero book for an unknown code (python-kis reads a missing/zero askp1 as not found).
pub fn asking_price_unknown(code: &str) -> (Value, Value) {
    let mut o1: Vec<(String, String)> = vec![("aspr_acpt_hour".into(), "000000".into())];
    for prefix in [
        "askp",
        "bidp",
        "askp_rsqn",
        "bidp_rsqn",
        "askp_rsqn_icdc",
        "bidp_rsqn_icdc",
    ] {
        for i in 1..=10 {
            o1.push((format!("{prefix}{i}"), "0".into()));
        }
    }
    for k in [
        "total_askp_rsqn",
        "total_bidp_rsqn",
        "total_askp_rsqn_icdc",
        "total_bidp_rsqn_icdc",
        "ovtm_total_askp_icdc",
        "ovtm_total_bidp_icdc",
        "ovtm_total_askp_rsqn",
        "ovtm_total_bidp_rsqn",
        "ntby_aspr_rsqn",
    ] {
        o1.push((k.into(), "0".into()));
    }
    o1.push(("new_mkop_cls_code".into(), String::new()));
    let o2 = obj([
        ("antc_mkop_cls_code", String::new()),
        ("stck_prpr", "0".into()),
        ("stck_oprc", "0".into()),
        ("stck_hgpr", "0".into()),
        ("stck_lwpr", "0".into()),
        ("stck_sdpr", "0".into()),
        ("antc_cnpr", "0".into()),
        ("antc_cntg_vrss_sign", "3".into()),
        ("antc_cntg_vrss", "0".into()),
        ("antc_cntg_prdy_ctrt", "0.00".into()),
        ("antc_vol", "0".into()),
        ("stck_shrn_iscd", code.to_string()),
        ("vi_cls_code", String::new()),
    ]);
    (obj(o1), o2)
}

const CHART_OUTPUT1_KEYS: [&str; 30] = [
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "stck_prdy_clpr",
    "acml_vol",
    "acml_tr_pbmn",
    "hts_kor_isnm",
    "stck_prpr",
    "stck_shrn_iscd",
    "prdy_vol",
    "stck_mxpr",
    "stck_llam",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_prdy_oprc",
    "stck_prdy_hgpr",
    "stck_prdy_lwpr",
    "askp",
    "bidp",
    "prdy_vrss_vol",
    "vol_tnrt",
    "stck_fcam",
    "lstn_stcn",
    "cpfn",
    "hts_avls",
    "per",
    "eps",
    "pbr",
    // Spelled with the space, exactly as a live capture shows it.
    "itewhol_loan_rmnd_ratem name",
];

/// `output1` of inquire-daily-itemchartprice (FHKST03010100): the current quote summary.
pub fn chart_output1(
    m: &SimMarket,
    s: Option<(&SimStock, &Snapshot)>,
    code: &str,
    t: DateTime<Utc>,
) -> Value {
    let Some((s, snap)) = s else {
        return obj(CHART_OUTPUT1_KEYS.iter().map(|&k| {
            let v = match k {
                "stck_shrn_iscd" => code.to_string(),
                "hts_kor_isnm" => String::new(),
                "prdy_ctrt"
                | "vol_tnrt"
                | "per"
                | "eps"
                | "pbr"
                | "itewhol_loan_rmnd_ratem name" => "0.00".into(),
                _ => "0".into(),
            };
            (k, v)
        }));
    };
    let f = m.fundamentals(s.code);
    let book = m.book_at(s.code, t);
    let prev = snap.prev;
    let p = snap.price;
    let etf = s.kind == SecurityKind::Etf;
    obj(CHART_OUTPUT1_KEYS.iter().map(|&k| {
        let v: String = match k {
            "prdy_vrss" => snap.change().to_string(),
            "prdy_vrss_sign" => snap.direction().sign_code().into(),
            "prdy_ctrt" => rate(snap.change(), snap.base),
            "stck_prdy_clpr" => snap.base.to_string(),
            "acml_vol" => snap.volume.to_string(),
            "acml_tr_pbmn" => snap.value.to_string(),
            "hts_kor_isnm" => s.name.clone(),
            "stck_prpr" => p.to_string(),
            "stck_shrn_iscd" => s.code.as_str().into(),
            "prdy_vol" => prev.map(|b| b.volume).unwrap_or(0).to_string(),
            "stck_mxpr" => snap.upper_limit.to_string(),
            "stck_llam" => snap.lower_limit.to_string(),
            "stck_oprc" => snap.open.to_string(),
            "stck_hgpr" => snap.high.to_string(),
            "stck_lwpr" => snap.low.to_string(),
            "stck_prdy_oprc" => prev.map(|b| b.open).unwrap_or(0).to_string(),
            "stck_prdy_hgpr" => prev.map(|b| b.high).unwrap_or(0).to_string(),
            "stck_prdy_lwpr" => prev.map(|b| b.low).unwrap_or(0).to_string(),
            "askp" => book
                .as_ref()
                .and_then(|b| b.best_ask())
                .map(|p| p.0)
                .unwrap_or(0)
                .to_string(),
            "bidp" => book
                .as_ref()
                .and_then(|b| b.best_bid())
                .map(|p| p.0)
                .unwrap_or(0)
                .to_string(),
            "prdy_vrss_vol" => {
                (snap.volume as i64 - prev.map(|b| b.volume).unwrap_or(0) as i64).to_string()
            }
            "vol_tnrt" => pct2(snap.volume as f64 * 100.0 / s.listed_shares.max(1) as f64),
            "stck_fcam" => s.par.to_string(),
            "lstn_stcn" => s.listed_shares.to_string(),
            "cpfn" => (s.listed_shares as i128 * s.par as i128 / 100_000_000).to_string(),
            "hts_avls" => (p as i128 * s.listed_shares as i128 / 100_000_000).to_string(),
            "per" => {
                if etf || f.eps == 0 {
                    "0.00".into()
                } else {
                    pct2(p as f64 / f.eps as f64)
                }
            }
            "eps" => format!("{}.00", f.eps),
            "pbr" => {
                if etf || f.bps == 0 {
                    "0.00".into()
                } else {
                    pct2(p as f64 / f.bps as f64)
                }
            }
            "itewhol_loan_rmnd_ratem name" => pct2(frgn_ratio(m, s) / 100.0),
            _ => String::new(),
        };
        (k, v)
    }))
}

/// One `output2` row of the period chart.
pub fn chart_row(b: &DayBar) -> Value {
    chart_row_with(b, None)
}

/// One `output2` row of the period chart; on an ex-date (`act`) the row carries 락구분
/// (`flng_cls_code`), 재평가사유 (`revl_issu_reas`), `prtt_rate` (the base over the raw close
/// before it, in %, 2 dp) and `mod_yn` "Y", and `prdy_vrss` is against the moved base.
pub fn chart_row_with(b: &DayBar, act: Option<&crate::sim::model::SimActionInfo>) -> Value {
    let change = b.close - b.base;
    let sign = if change > 0 {
        "2"
    } else if change < 0 {
        "5"
    } else {
        "3"
    };
    obj([
        ("stck_bsop_date", ymd(b.date)),
        ("stck_clpr", b.close.to_string()),
        ("stck_oprc", b.open.to_string()),
        ("stck_hgpr", b.high.to_string()),
        ("stck_lwpr", b.low.to_string()),
        ("acml_vol", b.volume.to_string()),
        ("acml_tr_pbmn", b.value.to_string()),
        (
            "flng_cls_code",
            act.map(|a| a.flng_cls_code).unwrap_or("00").into(),
        ),
        (
            "prtt_rate",
            act.map(|a| format!("{:.2}", a.base as f64 * 100.0 / a.prev_close as f64))
                .unwrap_or_else(|| "0.00".into()),
        ),
        ("mod_yn", if act.is_some() { "Y" } else { "N" }.into()),
        ("prdy_vrss_sign", sign.into()),
        ("prdy_vrss", change.to_string()),
        (
            "revl_issu_reas",
            act.map(|a| a.revl_issu_reas).unwrap_or("").into(),
        ),
    ])
}

/// One `output` row of inquire-daily-price (FHKST01010400); `prev_volume` is the row before.
pub fn daily_price_row(m: &SimMarket, s: &SimStock, b: &DayBar, prev_volume: u64) -> Value {
    let change = b.close - b.base;
    let sign = if change > 0 {
        "2"
    } else if change < 0 {
        "5"
    } else {
        "3"
    };
    let vol_rate = if prev_volume == 0 {
        "0.00".into()
    } else {
        pct2((b.volume as f64 / prev_volume as f64 - 1.0) * 100.0)
    };
    let h = hash(&[
        m.seed(),
        word(s.code.as_str()),
        b.date.num_days_from_ce() as u64,
    ]);
    obj([
        ("stck_bsop_date", ymd(b.date)),
        ("stck_oprc", b.open.to_string()),
        ("stck_hgpr", b.high.to_string()),
        ("stck_lwpr", b.low.to_string()),
        ("stck_clpr", b.close.to_string()),
        ("acml_vol", b.volume.to_string()),
        ("prdy_vrss_vol_rate", vol_rate),
        ("prdy_vrss", change.to_string()),
        ("prdy_vrss_sign", sign.into()),
        ("prdy_ctrt", rate(change, b.base)),
        ("hts_frgn_ehrt", pct2(frgn_ratio(m, s))),
        (
            "frgn_ntby_qty",
            ((b.volume as f64 * (unit(h) - 0.5) * 0.2) as i64).to_string(),
        ),
        ("flng_cls_code", "00".into()),
        ("acml_prtt_rate", "0.00".into()),
    ])
}

/// `output1` of inquire-time-itemchartprice (FHKST03010200).
pub fn time_chart_output1(s: Option<(&SimStock, &Snapshot)>) -> Value {
    match s {
        Some((s, snap)) => obj([
            ("prdy_vrss", snap.change().to_string()),
            ("prdy_vrss_sign", snap.direction().sign_code().to_string()),
            ("prdy_ctrt", rate(snap.change(), snap.base)),
            ("stck_prdy_clpr", snap.base.to_string()),
            ("acml_vol", snap.volume.to_string()),
            ("acml_tr_pbmn", snap.value.to_string()),
            ("hts_kor_isnm", s.name.clone()),
            ("stck_prpr", snap.price.to_string()),
        ]),
        None => obj([
            ("prdy_vrss", "0".to_string()),
            ("prdy_vrss_sign", "3".into()),
            ("prdy_ctrt", "0.00".into()),
            ("stck_prdy_clpr", "0".into()),
            ("acml_vol", "0".into()),
            ("acml_tr_pbmn", "0".into()),
            ("hts_kor_isnm", String::new()),
            ("stck_prpr", "0".into()),
        ]),
    }
}

/// One `output2` row of the minute chart; `cum_value` is the day's traded value so far.
pub fn time_chart_row(c: &crate::market::Candle, cum_value: i64) -> Value {
    obj([
        ("stck_bsop_date", ymd(c.date)),
        (
            "stck_cntg_hour",
            c.time.map(hhmmss).unwrap_or_else(|| "000000".into()),
        ),
        ("stck_prpr", c.close.0.to_string()),
        ("stck_oprc", c.open.0.to_string()),
        ("stck_hgpr", c.high.0.to_string()),
        ("stck_lwpr", c.low.0.to_string()),
        ("cntg_vol", c.volume.to_string()),
        ("acml_tr_pbmn", cum_value.to_string()),
    ])
}

/// `output` of search-stock-info (CTPF1002R).
pub fn stock_info(m: &SimMarket, s: &SimStock, snap: &Snapshot) -> Value {
    let kospi = s.market == Market::Kospi;
    let etf = s.kind == SecurityKind::Etf;
    let listed = ymd(s.listed_on);
    let g = m.grid(s.code);
    let formal = match s.kind {
        SecurityKind::Stock => format!("{}보통주", s.name),
        SecurityKind::Preferred => format!("{}1우선주", s.name.trim_end_matches('우')),
        _ => s.name.clone(),
    };
    let date = ymd(snap.date);
    let sbst = g.down(snap.base * 78 / 100);
    let code = s.code.as_str();
    obj([
        ("pdno", format!("00000A{code}")),
        ("prdt_type_cd", "300".into()),
        ("mket_id_cd", (if kospi { "STK" } else { "KSQ" }).into()),
        ("scty_grp_id_cd", s.group.into()),
        ("excg_dvsn_cd", (if kospi { "02" } else { "03" }).into()),
        ("setl_mmdd", "12".into()),
        ("lstg_stqt", s.listed_shares.to_string()),
        ("lstg_cptl_amt", "0".into()),
        (
            "cpta",
            (s.listed_shares as i128 * s.par as i128).to_string(),
        ),
        ("papr", s.par.to_string()),
        ("issu_pric", s.par.to_string()),
        ("kospi200_item_yn", yn(kospi && is_blue_chip(s))),
        (
            "scts_mket_lstg_dt",
            if kospi { listed.clone() } else { String::new() },
        ),
        ("scts_mket_lstg_abol_dt", String::new()),
        (
            "kosdaq_mket_lstg_dt",
            if kospi { String::new() } else { listed.clone() },
        ),
        ("kosdaq_mket_lstg_abol_dt", String::new()),
        ("frbd_mket_lstg_dt", listed),
        ("frbd_mket_lstg_abol_dt", String::new()),
        ("reits_kind_cd", String::new()),
        ("etf_dvsn_cd", (if etf { "1" } else { "0" }).into()),
        ("oilf_fund_yn", "N".into()),
        ("idx_bztp_lcls_cd", "002".into()),
        ("idx_bztp_mcls_cd", "013".into()),
        ("idx_bztp_scls_cd", "013".into()),
        (
            "stck_kind_cd",
            (match s.kind {
                SecurityKind::Preferred => "201",
                SecurityKind::Etf => "000",
                _ => "101",
            })
            .into(),
        ),
        ("mfnd_opng_dt", String::new()),
        ("mfnd_end_dt", String::new()),
        ("dpsi_erlm_cncl_dt", String::new()),
        ("etf_cu_qty", (if etf { "100000" } else { "0" }).into()),
        ("prdt_name", formal.clone()),
        ("prdt_name120", formal),
        ("prdt_abrv_name", s.name.clone()),
        ("std_pdno", s.isin.clone()),
        ("prdt_eng_name", s.name_en.clone()),
        ("prdt_eng_name120", s.name_en.clone()),
        ("prdt_eng_abrv_name", s.name_en.clone()),
        ("dpsi_aptm_erlm_yn", "Y".into()),
        ("etf_txtn_type_cd", "00".into()),
        ("etf_type_cd", String::new()),
        ("lstg_abol_dt", String::new()),
        ("nwst_odst_dvsn_cd", "1".into()),
        ("sbst_pric", sbst.to_string()),
        ("thco_sbst_pric", sbst.to_string()),
        ("thco_sbst_pric_chng_dt", date.clone()),
        ("tr_stop_yn", yn(s.flags.halted)),
        ("admn_item_yn", yn(s.flags.managed)),
        ("thdt_clpr", snap.price.to_string()),
        ("bfdy_clpr", snap.base.to_string()),
        ("clpr_chng_dt", date),
        ("std_idst_clsf_cd", "032601".into()),
        ("std_idst_clsf_cd_name", s.sector.into()),
        ("idx_bztp_lcls_cd_name", "시가총액규모대".into()),
        ("idx_bztp_mcls_cd_name", s.sector.into()),
        ("idx_bztp_scls_cd_name", s.sector.into()),
        ("ocr_no", "1147".into()),
        ("crfd_item_yn", "N".into()),
        ("elec_scty_yn", "Y".into()),
        ("issu_istt_cd", code[..5].to_string()),
        ("etf_chas_erng_rt_dbnb", "0".into()),
        ("etf_etn_ivst_heed_item_yn", "N".into()),
        ("stln_int_rt_dvsn_cd", "01".into()),
        ("frnr_psnl_lmt_rt", "0.00000000".into()),
        ("lstg_rqsr_issu_istt_cd", String::new()),
        ("lstg_rqsr_item_cd", String::new()),
        ("trst_istt_issu_istt_cd", String::new()),
    ])
}

/// One chk-holiday row.
pub fn holiday_row(d: NaiveDate, trading: bool) -> Value {
    let wday = d.weekday().num_days_from_sunday() + 1;
    let weekend = wday == 1 || wday == 7;
    obj([
        ("bass_dt", ymd(d)),
        ("wday_dvsn_cd", format!("{wday:02}")),
        ("bzdy_yn", yn(!weekend && trading)),
        ("tr_day_yn", "Y".into()),
        ("opnd_yn", yn(trading)),
        ("sttl_day_yn", yn(trading)),
    ])
}

/// Parses a period code.
pub fn period_of(code: &str) -> Option<Period> {
    match code {
        "D" => Some(Period::Day),
        "W" => Some(Period::Week),
        "M" => Some(Period::Month),
        "Y" => Some(Period::Year),
        _ => None,
    }
}

/// Whether a code is one kis-sim serves.
pub fn known(m: &SimMarket, code: &str) -> Option<StockCode> {
    let c = StockCode::new(code).ok()?;
    m.stock(c).map(|_| c)
}

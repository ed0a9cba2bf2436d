//! The index and ranking TRs (KIS_API.md §14.1, §14.2, §14.5, §14.6) from the model's
//! `overview`: the index moves with its constituents, breadth and rankings agree with the
//! quotes. Real-only TRs are refused on the virtual server by the gateway (`TRS`).

use super::{Query, Reply, invalid, ok, ymd};
use crate::clock::Clock;
use crate::market::{RankKind, RankMarket};
use crate::sim::server::SimState;
use crate::sim::wire::market as w;
use crate::sim::wire::quotations as q;
use serde_json::Value;

/// Days per inquire-investor answer (KIS's count is UNCONFIRMED).
const INVESTOR_ROWS: usize = 30;
/// Rows of inquire-vi-status ("최근 30건까지").
const VI_ROWS: usize = 30;

/// Rows of the index minute chart on the real server ("최대 102건").
const INDEX_MINUTE_ROWS: usize = 102;

/// Rows per daily index chart call ("최대 50건").
const INDEX_CHART_ROWS: usize = 50;

fn ranking_market(qs: &Query, name: &str) -> Result<RankMarket, Reply> {
    match qs.req(name)?.trim() {
        "0000" => Ok(RankMarket::All),
        "0001" => Ok(RankMarket::Kospi),
        "1001" => Ok(RankMarket::Kosdaq),
        _ => Err(invalid(name)),
    }
}

/// One-minute index bars into `n`-minute bars, labelled by their first minute.
fn bucket(bars: &[crate::market::IndexBar], n: u32) -> Vec<crate::market::IndexBar> {
    use chrono::Timelike;
    let key = |b: &crate::market::IndexBar| b.time.map(|t| (t.hour() * 60 + t.minute()) / n.max(1));
    let mut out: Vec<crate::market::IndexBar> = Vec::new();
    for b in bars {
        match out.last_mut() {
            Some(a) if key(a) == key(b) => {
                a.high = a.high.max(b.high);
                a.low = a.low.min(b.low);
                a.close = b.close;
                a.volume = a.volume.saturating_add(b.volume);
                a.value = crate::market::Krw(a.value.0.saturating_add(b.value.0));
            }
            _ => out.push(*b),
        }
    }
    out
}

fn require(qs: &Query, names: &[&str]) -> Result<(), Reply> {
    for n in names {
        qs.req(n)?;
    }
    Ok(())
}

fn index_market(qs: &Query) -> Result<(), Reply> {
    match qs.req("FID_COND_MRKT_DIV_CODE")? {
        "U" => Ok(()),
        _ => Err(invalid("FID_COND_MRKT_DIV_CODE")),
    }
}

/// The TRs served here (path names under `quotations/` or `ranking/`).
pub(super) const NAMES: [&str; 7] = [
    "inquire-index-price",
    "inquire-time-indexchartprice",
    "inquire-daily-indexchartprice",
    "volume-rank",
    "fluctuation",
    "inquire-investor",
    "inquire-vi-status",
];

pub(super) fn quotation(st: &SimState, name: &str, qs: &Query) -> Reply {
    match inner(st, name, qs) {
        Ok(r) | Err(r) => r,
    }
}

fn inner(st: &SimState, name: &str, qs: &Query) -> Result<Reply, Reply> {
    let m = &st.market;
    let now = st.clock.now();
    {
        Ok(match name {
            "inquire-index-price" => {
                index_market(qs)?;
                let code = qs.req("FID_INPUT_ISCD")?;
                let out = match m.index_at(code, now) {
                    Some(iq) => {
                        let date = m
                            .phase_at(now)
                            .map(|p| p.0)
                            .unwrap_or(crate::sim::model::anchor());
                        let prev = m.index_day(code, m.calendar().prev_trading_day(date));
                        let (pv, pval) = prev.map_or((0, 0), |d| (d.volume, d.value));
                        let year = (iq.high, date, iq.low, date);
                        w::index_price(&iq, pv, pval, year)
                    }
                    None => w::index_price_unknown(),
                };
                ok(vec![("output", out)])
            }
            "inquire-daily-indexchartprice" => {
                index_market(qs)?;
                let code = qs.req("FID_INPUT_ISCD")?;
                let from =
                    ymd(qs.req("FID_INPUT_DATE_1")?).ok_or_else(|| invalid("FID_INPUT_DATE_1"))?;
                let to =
                    ymd(qs.req("FID_INPUT_DATE_2")?).ok_or_else(|| invalid("FID_INPUT_DATE_2"))?;
                let period = q::period_of(qs.req("FID_PERIOD_DIV_CODE")?)
                    .ok_or_else(|| invalid("FID_PERIOD_DIV_CODE"))?;
                let now_q = m.index_at(code, now);
                let prev_volume = now_q
                    .as_ref()
                    .and_then(|iq| {
                        m.index_day(
                            code,
                            m.calendar()
                                .prev_trading_day(crate::market::kst_date(iq.as_of)),
                        )
                    })
                    .map_or(0, |d| d.volume);
                let o1 = w::index_chart_output1(now_q.as_ref(), prev_volume);
                let rows: Vec<Value> = if from <= to {
                    m.index_bars_at(code, period, from, to, now, INDEX_CHART_ROWS)
                        .iter()
                        .rev()
                        .map(w::index_chart_row)
                        .collect()
                } else {
                    Vec::new()
                };
                ok(vec![("output1", o1), ("output2", Value::Array(rows))])
            }
            "inquire-time-indexchartprice" => {
                index_market(qs)?;
                match qs.req("FID_ETC_CLS_CODE")? {
                    "" | "0" | "1" => {}
                    _ => return Err(invalid("FID_ETC_CLS_CODE")),
                }
                let code = qs.req("FID_INPUT_ISCD")?;
                // Seconds per bar: 30 and 60 are one minute.
                let minutes = match qs.req("FID_INPUT_HOUR_1")? {
                    "30" | "60" => 1,
                    "600" => 10,
                    "3600" => 60,
                    _ => return Err(invalid("FID_INPUT_HOUR_1")),
                };
                match qs.req("FID_PW_DATA_INCU_YN")? {
                    "Y" | "N" => {}
                    _ => return Err(invalid("FID_PW_DATA_INCU_YN")),
                }
                let bars = bucket(&m.index_minutes_at(code, now), minutes);
                let o1 = w::index_chart_output1(m.index_at(code, now).as_ref(), 0);
                let mut cum = 0i64;
                let mut rows: Vec<Value> = bars
                    .iter()
                    .map(|b| {
                        cum = cum.saturating_add(b.value.0);
                        w::index_minute_row(b, cum)
                    })
                    .collect();
                rows.reverse();
                rows.truncate(INDEX_MINUTE_ROWS);
                ok(vec![("output1", o1), ("output2", Value::Array(rows))])
            }
            "volume-rank" => {
                match qs.req("FID_COND_MRKT_DIV_CODE")? {
                    "J" => {}
                    _ => return Err(invalid("FID_COND_MRKT_DIV_CODE")),
                }
                if qs.req("FID_COND_SCR_DIV_CODE")? != "20171" {
                    return Err(invalid("FID_COND_SCR_DIV_CODE"));
                }
                let market = ranking_market(qs, "FID_INPUT_ISCD")?;
                let kind = match qs.req("FID_BLNG_CLS_CODE")? {
                    "0" | "1" | "2" => RankKind::Volume,
                    "3" | "4" => RankKind::Value,
                    _ => return Err(invalid("FID_BLNG_CLS_CODE")),
                };
                require(
                    qs,
                    &[
                        "FID_DIV_CLS_CODE",
                        "FID_TRGT_CLS_CODE",
                        "FID_TRGT_EXLS_CLS_CODE",
                        "FID_INPUT_PRICE_1",
                        "FID_INPUT_PRICE_2",
                        "FID_VOL_CNT",
                        "FID_INPUT_DATE_1",
                    ],
                )?;
                let rows = m
                    .ranking_at(kind, market, now)
                    .iter()
                    .map(|r| {
                        let d = m
                            .direction_of(r.code, now)
                            .unwrap_or(crate::market::Direction::Flat);
                        let shares = m.stock(r.code).map_or(0, |s| s.listed_shares);
                        w::volume_rank_row(r, d, shares)
                    })
                    .collect();
                ok(vec![("output", Value::Array(rows))])
            }
            "fluctuation" => {
                match qs.req("fid_cond_mrkt_div_code")? {
                    "J" => {}
                    _ => return Err(invalid("fid_cond_mrkt_div_code")),
                }
                if qs.req("fid_cond_scr_div_code")? != "20170" {
                    return Err(invalid("fid_cond_scr_div_code"));
                }
                let market = ranking_market(qs, "fid_input_iscd")?;
                let kind = match qs.req("fid_rank_sort_cls_code")? {
                    "0" => RankKind::Gainers,
                    "1" => RankKind::Losers,
                    _ => return Err(invalid("fid_rank_sort_cls_code")),
                };
                require(
                    qs,
                    &[
                        "fid_input_cnt_1",
                        "fid_prc_cls_code",
                        "fid_input_price_1",
                        "fid_input_price_2",
                        "fid_vol_cnt",
                        "fid_trgt_cls_code",
                        "fid_trgt_exls_cls_code",
                        "fid_div_cls_code",
                        "fid_rsfl_rate1",
                        "fid_rsfl_rate2",
                    ],
                )?;
                let rows = m
                    .ranking_at(kind, market, now)
                    .iter()
                    .filter_map(|r| {
                        let snap = m.snapshot_at(r.code, now)?;
                        Some(w::fluctuation_row(
                            r,
                            snap.direction(),
                            snap.high,
                            snap.low,
                            snap.date,
                        ))
                    })
                    .collect();
                ok(vec![("output", Value::Array(rows))])
            }
            "inquire-investor" => {
                super::market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
                let code = qs.req("FID_INPUT_ISCD")?;
                let mut rows = Vec::new();
                if let Some(c) = q::known(m, code)
                    && let Some(snap) = m.snapshot_at(c, now)
                {
                    // Today's row before the close: prices, but no investor figures yet.
                    let published = snap.phase == crate::sim::model::Phase::Final;
                    let traded =
                        !matches!(snap.phase, crate::sim::model::Phase::PreOpenAuction { .. });
                    if !published && traded {
                        rows.push(w::investor_row(snap.date, snap.price, snap.change(), None));
                    }
                    let n = INVESTOR_ROWS - rows.len();
                    for d in m.investor_days_at(c, now, n) {
                        rows.push(w::investor_row(
                            d.date,
                            d.close.0,
                            d.change.0,
                            Some([d.individual, d.foreign, d.institution]),
                        ));
                    }
                }
                ok(vec![("output", Value::Array(rows))])
            }
            "inquire-vi-status" => {
                let div = qs.req("FID_DIV_CLS_CODE")?;
                if !matches!(div, "0" | "1" | "2") {
                    return Err(invalid("FID_DIV_CLS_CODE"));
                }
                if qs.req("FID_COND_SCR_DIV_CODE")? != "20139" {
                    return Err(invalid("FID_COND_SCR_DIV_CODE"));
                }
                let mrkt = qs.req("FID_MRKT_CLS_CODE")?;
                if !matches!(mrkt, "0" | "K" | "Q") {
                    return Err(invalid("FID_MRKT_CLS_CODE"));
                }
                let iscd = qs.req("FID_INPUT_ISCD")?.trim();
                if !matches!(qs.req("FID_RANK_SORT_CLS_CODE")?, "0" | "1" | "2" | "3") {
                    return Err(invalid("FID_RANK_SORT_CLS_CODE"));
                }
                let day =
                    ymd(qs.req("FID_INPUT_DATE_1")?).ok_or_else(|| invalid("FID_INPUT_DATE_1"))?;
                require(qs, &["FID_TRGT_CLS_CODE", "FID_TRGT_EXLS_CLS_CODE"])?;
                let code = if iscd.is_empty() {
                    None
                } else {
                    match q::known(m, iscd) {
                        Some(c) => Some(c),
                        None => return Ok(ok(vec![("output", Value::Array(Vec::new()))])),
                    }
                };
                let in_force = m.phase_at(now).map(|p| p.0);
                let rows: Vec<Value> = if in_force == Some(day) {
                    m.vi_events_at(code, now)
                        .iter()
                        .filter(|e| {
                            let up = e.price.0 >= e.static_base.map_or(0, |b| b.0);
                            match div {
                                "1" => up,
                                "2" => !up,
                                _ => true,
                            }
                        })
                        .filter(|e| {
                            let market = m.stock(e.code).map(|s| s.market);
                            match mrkt {
                                "K" => market == Some(crate::market::Market::Kospi),
                                "Q" => market == Some(crate::market::Market::Kosdaq),
                                _ => true,
                            }
                        })
                        .take(VI_ROWS)
                        .map(w::vi_row)
                        .collect()
                } else {
                    Vec::new()
                };
                ok(vec![("output", Value::Array(rows))])
            }
            _ => return Err(super::not_found()),
        })
    }
}

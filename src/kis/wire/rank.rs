//! Ranking TRs (KIS_API.md §14.5–14.6), both real only, 30 rows, no next page:
//! `volume-rank` (FHPST01710000: volume, traded value) and `ranking/fluctuation`
//! (FHPST01700000: gainers, losers; lower-case parameters) → `RankRow`s.

use super::index::ci_key;
use super::request::{Endpoint, Query};
use super::{Body, count, field, int, krw, name, req_int, signed_field, signed_rate_field};
use crate::kis::error::KisError;
use crate::market::{Krw, RANK_ROWS, RankKind, RankMarket, RankRow, Rate, StockCode};

pub const VOLUME_RANK: Endpoint = Endpoint {
    name: "volume-rank",
    path: "/uapi/domestic-stock/v1/quotations/volume-rank",
    tr_id: "FHPST01710000",
};
pub const FLUCTUATION: Endpoint = Endpoint {
    name: "ranking/fluctuation",
    path: "/uapi/domestic-stock/v1/ranking/fluctuation",
    tr_id: "FHPST01700000",
};

/// The endpoint serving a kind of ranking.
pub fn endpoint(kind: RankKind) -> Endpoint {
    match kind {
        RankKind::Volume | RankKind::Value => VOLUME_RANK,
        RankKind::Gainers | RankKind::Losers => FLUCTUATION,
    }
}

/// 업종코드 of a market: 0000 전체, 0001 KOSPI, 1001 KOSDAQ.
fn market_iscd(m: RankMarket) -> &'static str {
    match m {
        RankMarket::All => "0000",
        RankMarket::Kospi => "0001",
        RankMarket::Kosdaq => "1001",
    }
}

/// The query of one ranking (KRX venue, every issue, no price or volume filter).
pub fn query(kind: RankKind, market: RankMarket) -> Query {
    let iscd = market_iscd(market).to_string();
    match kind {
        RankKind::Volume | RankKind::Value => vec![
            ("FID_COND_MRKT_DIV_CODE", "J".into()),
            ("FID_COND_SCR_DIV_CODE", "20171".into()),
            ("FID_INPUT_ISCD", iscd),
            ("FID_DIV_CLS_CODE", "0".into()),
            // 0 평균거래량 (the volume ranking), 3 거래금액순.
            (
                "FID_BLNG_CLS_CODE",
                if kind == RankKind::Volume { "0" } else { "3" }.into(),
            ),
            ("FID_TRGT_CLS_CODE", "111111111".into()),
            ("FID_TRGT_EXLS_CLS_CODE", "0000000000".into()),
            ("FID_INPUT_PRICE_1", String::new()),
            ("FID_INPUT_PRICE_2", String::new()),
            ("FID_VOL_CNT", String::new()),
            ("FID_INPUT_DATE_1", String::new()),
        ],
        RankKind::Gainers | RankKind::Losers => vec![
            ("fid_cond_mrkt_div_code", "J".into()),
            ("fid_cond_scr_div_code", "20170".into()),
            ("fid_input_iscd", iscd),
            // 0 상승율, 1 하락율.
            (
                "fid_rank_sort_cls_code",
                if kind == RankKind::Gainers { "0" } else { "1" }.into(),
            ),
            ("fid_input_cnt_1", "0".into()),
            // 1 종가대비: against the previous close, as every quote's change.
            ("fid_prc_cls_code", "1".into()),
            ("fid_input_price_1", String::new()),
            ("fid_input_price_2", String::new()),
            ("fid_vol_cnt", String::new()),
            ("fid_trgt_cls_code", "0".into()),
            ("fid_trgt_exls_cls_code", "0".into()),
            ("fid_div_cls_code", "0".into()),
            ("fid_rsfl_rate1", String::new()),
            ("fid_rsfl_rate2", String::new()),
        ],
    }
}

/// A ranking body → rows in rank order, at most 30. The code is `mksc_shrn_iscd` in the
/// volume ranking and `stck_shrn_iscd` in the fluctuation ranking (either is accepted); rows
/// without a valid code are skipped. `acml_tr_pbmn` is sent by the volume ranking only.
pub fn ranking(body: &Body) -> Result<Vec<RankRow>, KisError> {
    let mut out: Vec<RankRow> = Vec::new();
    for (i, o) in body.rows(ci_key(body, "output"))?.into_iter().enumerate() {
        let Some(code) = ["mksc_shrn_iscd", "stck_shrn_iscd"]
            .iter()
            .find_map(|k| field(o, k))
            .and_then(|c| StockCode::new(c).ok())
        else {
            continue;
        };
        let sign = field(o, "prdy_vrss_sign");
        let price = req_int(body, o, "stck_prpr")?;
        let change = signed_field(body, o, "prdy_vrss", sign)?;
        let change_rate = match signed_rate_field(body, o, "prdy_ctrt", sign)? {
            Some(r) => r,
            None => Rate::of(Krw(change), Krw(price.saturating_sub(change))),
        };
        let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let rank = match int(o, "data_rank").map_err(|d| body.error(d))? {
            Some(r) if r > 0 => u32::try_from(r).unwrap_or(position),
            _ => position,
        };
        let value = match o.get("acml_tr_pbmn") {
            Some(_) if field(o, "acml_tr_pbmn").is_some() => Some(krw(body, o, "acml_tr_pbmn")?),
            _ => None,
        };
        out.push(RankRow {
            rank,
            code,
            name: field(o, "hts_kor_isnm").map(name).unwrap_or_default(),
            price: Krw(price),
            change: Krw(change),
            change_rate,
            volume: count(body, o, "acml_vol")?,
            value,
        });
    }
    out.sort_by_key(|r| r.rank);
    out.truncate(RANK_ROWS);
    Ok(out)
}

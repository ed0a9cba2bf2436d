//! Wire tests of the index and ranking TRs (KIS_API.md §14.1, §14.2, §14.5, §14.6) against
//! bodies written by hand from the spec's field lists: string numbers, sign codes over
//! absolute changes, capitalised output keys, `{}` rows, hostile values as typed errors.

use hoga::kis::wire::{self, Body, index, rank};
use hoga::market::{Breadth, IndexCode, Krw, Points, Rate, StockCode};

fn body(endpoint: &'static str, json: &str) -> Body {
    wire::parse_body(endpoint, 200, json.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-19T11:00:00+09:00")
        .unwrap()
        .to_utc()
}

const INDEX_PRICE: &str = r#"{"output":{"bstp_nmix_prpr":"2650.12","bstp_nmix_prdy_vrss":"15.30",
"prdy_vrss_sign":"5","bstp_nmix_prdy_ctrt":"-0.57","acml_vol":"412345","prdy_vol":"398000",
"acml_tr_pbmn":"9876543","prdy_tr_pbmn":"9000000","bstp_nmix_oprc":"2660.00",
"prdy_nmix_vrss_nmix_oprc":"5.58","oprc_vrss_prpr_sign":"5","bstp_nmix_oprc_prdy_ctrt":"-0.21",
"bstp_nmix_hgpr":"2671.45","prdy_nmix_vrss_nmix_hgpr":"5.03","hgpr_vrss_prpr_sign":"2",
"bstp_nmix_hgpr_prdy_ctrt":"0.19","bstp_nmix_lwpr":"2641.07","prdy_clpr_vrss_lwpr":"24.35",
"lwpr_vrss_prpr_sign":"5","prdy_clpr_vrss_lwpr_rate":"-0.91","ascn_issu_cnt":"312",
"uplm_issu_cnt":"2","stnr_issu_cnt":"80","down_issu_cnt":"540","lslm_issu_cnt":"1",
"dryy_bstp_nmix_hgpr":"2891.35","dryy_hgpr_vrss_prpr_rate":"-8.34","dryy_bstp_nmix_hgpr_date":"20260712",
"dryy_bstp_nmix_lwpr":"2284.72","dryy_lwpr_vrss_prpr_rate":"15.99","dryy_bstp_nmix_lwpr_date":"20260105",
"total_askp_rsqn":"1234567","total_bidp_rsqn":"2345678","seln_rsqn_rate":"34.48","shnu_rsqn_rate":"65.52",
"ntby_rsqn":"1111111"},"rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#;

#[test]
fn index_price_reads_value_change_breadth_and_units() {
    let b = body("inquire-index-price", INDEX_PRICE);
    let q = index::index_price(&b, IndexCode::KOSPI, now()).unwrap();
    assert_eq!(q.value, Points(265_012));
    assert_eq!(
        q.change,
        Points(-1_530),
        "the sign code 5 makes the change negative"
    );
    assert_eq!(q.prev_close, Points(266_542));
    assert_eq!(q.change_rate, Rate(-57));
    assert_eq!(
        (q.open, q.high, q.low),
        (Points(266_000), Points(267_145), Points(264_107))
    );
    assert_eq!(q.volume, 412_345_000, "천주 → shares");
    assert_eq!(q.value_traded, Krw(9_876_543_000_000), "백만원 → won");
    assert_eq!(
        q.breadth,
        Some(Breadth {
            up: 312,
            down: 540,
            unchanged: 80,
            limit_up: 2,
            limit_down: 1
        })
    );
    assert_eq!(q.name.as_deref(), Some("코스피"));
    assert_eq!(q.closed_on, None);
    assert_eq!(q.as_of, now());
}

#[test]
fn index_price_is_tolerant_where_unconfirmed() {
    // `Output` capitalised, wrapped in an array, no breadth, no rate: still read.
    let b = body(
        "inquire-index-price",
        r#"{"Output":[{"bstp_nmix_prpr":"812.40","bstp_nmix_prdy_vrss":"-4.10","prdy_vrss_sign":"",
        "acml_vol":"","acml_tr_pbmn":"","bstp_nmix_oprc":"0.00"}],"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    let q = index::index_price(&b, IndexCode::KOSDAQ, now()).unwrap();
    assert_eq!(q.value, Points(81_240));
    assert_eq!(
        q.change,
        Points(-410),
        "no sign code: the number's own sign"
    );
    assert_eq!(q.change_rate, Points(-410).rate_of(Points(81_650)));
    assert_eq!(q.open, q.value, "a zero open falls back to the value");
    assert_eq!(q.breadth, None);
    assert_eq!((q.volume, q.value_traded), (0, Krw(0)));
}

#[test]
fn index_price_garbage_is_a_typed_error() {
    for bad in [
        r#"{"output":{"bstp_nmix_prpr":"abc"},"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
        r#"{"output":{"bstp_nmix_prdy_vrss":"1.00"},"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
        r#"{"output":{"bstp_nmix_prpr":"1.00","acml_vol":"99999999999999999"},"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
        r#"{"output":{"bstp_nmix_prpr":"1.00","ascn_issu_cnt":"99999999999"},"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
        r#"{"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    ] {
        let b = body("inquire-index-price", bad);
        let e = index::index_price(&b, IndexCode::KOSPI, now()).unwrap_err();
        assert_eq!(e.msg_cd(), Some("MCA00000"), "{e}");
    }
}

#[test]
fn index_chart_reads_header_and_bars_newest_first() {
    let b = body(
        "inquire-daily-indexchartprice",
        r#"{"Output1":{"prdy_vrss_sign":"2","bstp_nmix_prdy_ctrt":"0.41","prdy_nmix":"2639.31",
        "acml_vol":"300000","acml_tr_pbmn":"7000000","hts_kor_isnm":"종합  ","bstp_nmix_prpr":"2650.12",
        "bstp_cls_code":"0001","prdy_vol":"290000","bstp_nmix_oprc":"2641.00","bstp_nmix_hgpr":"2655.00",
        "bstp_nmix_lwpr":"2630.00","futs_prdy_oprc":"0.00","futs_prdy_hgpr":"0.00","futs_prdy_lwpr":"0.00"},
        "Output2":[{"stck_bsop_date":"20261119","bstp_nmix_prpr":"2650.12","bstp_nmix_oprc":"2641.00",
        "bstp_nmix_hgpr":"2655.00","bstp_nmix_lwpr":"2630.00","acml_vol":"300000","acml_tr_pbmn":"7000000","mod_yn":"N"},
        {},
        {"stck_bsop_date":"20261118","bstp_nmix_prpr":"2639.31","bstp_nmix_oprc":"0","bstp_nmix_hgpr":"",
        "bstp_nmix_lwpr":"2620.5","acml_vol":"290000","acml_tr_pbmn":"6500000","mod_yn":"N"}],
        "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#,
    );
    let page = index::index_chart(&b).unwrap();
    assert_eq!(page.header.name.as_deref(), Some("종합"));
    assert_eq!(page.header.value, Some(Points(265_012)));
    assert_eq!(page.header.prev_close, Some(Points(263_931)));
    assert_eq!(page.header.change_rate, Some(Rate(41)));
    assert_eq!(page.raw_rows, 3);
    assert_eq!(page.bars.len(), 2);
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y%m%d").unwrap();
    assert_eq!(page.bars[0].date, d("20261119"));
    assert_eq!(page.bars[0].close, Points(265_012));
    assert_eq!(page.bars[0].volume, 300_000_000);
    assert_eq!(page.bars[0].value, Krw(7_000_000_000_000));
    let y = page.bars[1];
    assert_eq!(y.date, d("20261118"));
    assert_eq!(
        (y.open, y.high, y.low, y.close),
        (
            Points(263_931),
            Points(263_931),
            Points(262_050),
            Points(263_931)
        )
    );
    // A bar with a bad level is an error, not a zero.
    let bad = body(
        "inquire-daily-indexchartprice",
        r#"{"output2":[{"stck_bsop_date":"20261119","bstp_nmix_prpr":"x"}],"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    assert!(index::index_chart(&bad).is_err());
}

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

#[test]
fn volume_rank_rows_in_rank_order_with_value() {
    let b = body(
        "volume-rank",
        r#"{"output":[
        {"hts_kor_isnm":"SK하이닉스","mksc_shrn_iscd":"000660","data_rank":"2","stck_prpr":"173300",
         "prdy_vrss_sign":"5","prdy_vrss":"-9000","prdy_ctrt":"-4.94","acml_vol":"3000000","prdy_vol":"2500000",
         "lstn_stcn":"728002365","avrg_vol":"3000000","n_befr_clpr_vrss_prpr_rate":"-4.94","vol_inrt":"20.00",
         "vol_tnrt":"0.41","nday_vol_tnrt":"0.41","avrg_tr_pbmn":"519900000000","tr_pbmn_tnrt":"0.00",
         "nday_tr_pbmn_tnrt":"0.00","acml_tr_pbmn":"519900000000"},
        {"hts_kor_isnm":"삼성전자","mksc_shrn_iscd":"005930","data_rank":"1","stck_prpr":"66600",
         "prdy_vrss_sign":"2","prdy_vrss":"800","prdy_ctrt":"1.22","acml_vol":"15800000","acml_tr_pbmn":"1052280000000"},
        {"hts_kor_isnm":"bad","mksc_shrn_iscd":"??","data_rank":"3","stck_prpr":"1"},
        {}],"rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#,
    );
    let rows = rank::ranking(&b).unwrap();
    assert_eq!(rows.len(), 2, "a row without a valid code is skipped");
    assert_eq!((rows[0].rank, rows[0].code), (1, code("005930")));
    assert_eq!(rows[0].name, "삼성전자");
    assert_eq!(
        (rows[0].price, rows[0].change, rows[0].change_rate),
        (Krw(66_600), Krw(800), Rate(122))
    );
    assert_eq!(rows[0].volume, 15_800_000);
    assert_eq!(rows[0].value, Some(Krw(1_052_280_000_000)));
    assert_eq!((rows[1].rank, rows[1].change), (2, Krw(-9_000)));
}

#[test]
fn fluctuation_rows_use_the_sign_code_and_have_no_value() {
    let b = body(
        "ranking/fluctuation",
        r#"{"output":[{"stck_shrn_iscd":"035720","data_rank":"1","hts_kor_isnm":"카카오","stck_prpr":"43300",
        "prdy_vrss":"2050","prdy_vrss_sign":"5","prdy_ctrt":"4.97","acml_vol":"1000","stck_hgpr":"44000",
        "hgpr_hour":"093000","acml_hgpr_date":"20261119","stck_lwpr":"43000","lwpr_hour":"100000",
        "acml_lwpr_date":"20261119","lwpr_vrss_prpr_rate":"0.70","dsgt_date_clpr_vrss_prpr_rate":"4.97",
        "cnnt_ascn_dynu":"0","hgpr_vrss_prpr_rate":"-1.59","cnnt_down_dynu":"1","oprc_vrss_prpr_sign":"5",
        "oprc_vrss_prpr":"-100","oprc_vrss_prpr_rate":"-0.23","prd_rsfl":"-2050","prd_rsfl_rate":"-4.97"}],
        "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#,
    );
    let rows = rank::ranking(&b).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].code, code("035720"));
    assert_eq!(
        (rows[0].change, rows[0].change_rate),
        (Krw(-2_050), Rate(-497))
    );
    assert_eq!(
        rows[0].value, None,
        "the fluctuation ranking sends no traded value"
    );
    // Empty output: no rows, no error; a hostile number: a typed error.
    let empty = body(
        "ranking/fluctuation",
        r#"{"output":[],"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    assert!(rank::ranking(&empty).unwrap().is_empty());
    let bad = body(
        "ranking/fluctuation",
        r#"{"output":[{"stck_shrn_iscd":"035720","stck_prpr":"x"}],"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    assert!(rank::ranking(&bad).is_err());
}

#[test]
fn ranking_queries_follow_the_spec() {
    use hoga::market::{RankKind, RankMarket};
    let q = rank::query(RankKind::Value, RankMarket::Kosdaq);
    let get =
        |q: &[(&str, String)], k: &str| q.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(get(&q, "FID_BLNG_CLS_CODE").as_deref(), Some("3"));
    assert_eq!(get(&q, "FID_INPUT_ISCD").as_deref(), Some("1001"));
    assert_eq!(get(&q, "FID_COND_SCR_DIV_CODE").as_deref(), Some("20171"));
    let q = rank::query(RankKind::Losers, RankMarket::All);
    assert!(
        q.iter()
            .all(|(k, _)| k.chars().all(|c| !c.is_ascii_uppercase())),
        "lower case"
    );
    assert_eq!(get(&q, "fid_rank_sort_cls_code").as_deref(), Some("1"));
    assert_eq!(get(&q, "fid_input_iscd").as_deref(), Some("0000"));
    assert_eq!(rank::endpoint(RankKind::Gainers).tr_id, "FHPST01700000");
    assert_eq!(
        rank::endpoint(RankKind::Volume).path,
        "/uapi/domestic-stock/v1/quotations/volume-rank"
    );
}

#[test]
fn investor_rows_skip_the_unpublished_day_and_scale_values() {
    let b = body(
        "inquire-investor",
        r#"{"output":[
        {"stck_bsop_date":"20261119","stck_clpr":"66600","prdy_vrss":"800","prdy_vrss_sign":"2",
         "prsn_ntby_qty":"","frgn_ntby_qty":"","orgn_ntby_qty":"","prsn_ntby_tr_pbmn":"","frgn_ntby_tr_pbmn":"",
         "orgn_ntby_tr_pbmn":"","prsn_shnu_vol":"","frgn_shnu_vol":"","orgn_shnu_vol":"","prsn_shnu_tr_pbmn":"",
         "frgn_shnu_tr_pbmn":"","orgn_shnu_tr_pbmn":"","prsn_seln_vol":"","frgn_seln_vol":"","orgn_seln_vol":"",
         "prsn_seln_tr_pbmn":"","frgn_seln_tr_pbmn":"","orgn_seln_tr_pbmn":""},
        {"stck_bsop_date":"20261118","stck_clpr":"65800","prdy_vrss":"300","prdy_vrss_sign":"5",
         "prsn_ntby_qty":"-120000","frgn_ntby_qty":"150000","orgn_ntby_qty":"-30000",
         "prsn_ntby_tr_pbmn":"-7896","frgn_ntby_tr_pbmn":"9870","orgn_ntby_tr_pbmn":"-1974",
         "prsn_shnu_vol":"5000000","frgn_shnu_vol":"3000000","orgn_shnu_vol":"1000000",
         "prsn_shnu_tr_pbmn":"329000","frgn_shnu_tr_pbmn":"197400","orgn_shnu_tr_pbmn":"65800",
         "prsn_seln_vol":"5120000","frgn_seln_vol":"2850000","orgn_seln_vol":"1030000",
         "prsn_seln_tr_pbmn":"336896","frgn_seln_tr_pbmn":"187530","orgn_seln_tr_pbmn":"67774"},
        {"stck_bsop_date":"20261117","stck_clpr":"66100","prdy_vrss":"0","prdy_vrss_sign":"3","prsn_ntby_qty":"10"}],
        "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#,
    );
    let days = wire::flows::investor(&b).unwrap();
    assert_eq!(
        days.len(),
        2,
        "today's row without investor figures is not published yet"
    );
    let d = days[0];
    assert_eq!(d.date.to_string(), "2026-11-18");
    assert_eq!((d.close, d.change), (Krw(65_800), Krw(-300)));
    assert_eq!(d.individual.net_qty, -120_000);
    assert_eq!(d.foreign.net_value, Krw(9_870_000_000), "백만원 → won");
    assert_eq!(d.institution.buy_qty, 1_000_000);
    assert_eq!(d.foreign.sell_value, Krw(187_530_000_000));
    assert_eq!(days[1].individual.net_qty, 10);
    let bad = body(
        "inquire-investor",
        r#"{"output":[{"stck_bsop_date":"20261118","prsn_ntby_qty":"x"}],"rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    assert!(wire::flows::investor(&bad).is_err());
}

#[test]
fn vi_status_accepts_an_object_or_an_array() {
    let one = body(
        "inquire-vi-status",
        r#"{"output":{"hts_kor_isnm":"에코프로","mksc_shrn_iscd":"086520","vi_cls_code":"Y","bsop_date":"20261119",
        "cntg_vi_hour":"101530","vi_cncl_hour":"000000","vi_kind_code":"1","vi_prc":"110000","vi_stnd_prc":"100000",
        "vi_dprt":"10.00","vi_dmc_stnd_prc":"0","vi_dmc_dprt":"0.00","vi_count":"1"},
        "rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}"#,
    );
    let ev = wire::flows::vi_status(&one).unwrap();
    assert_eq!(ev.len(), 1);
    let e = &ev[0];
    assert_eq!(
        (e.code, e.name.as_str(), e.active),
        (code("086520"), "에코프로", true)
    );
    assert_eq!(e.kind, Some(hoga::market::ViKind::Static));
    assert_eq!(e.triggered_at.unwrap().to_string(), "10:15:30");
    assert_eq!(e.released_at, None, "000000: not released");
    assert_eq!(
        (e.price, e.static_base, e.static_gap),
        (Krw(110_000), Some(Krw(100_000)), Some(Rate(1_000)))
    );
    assert_eq!((e.dynamic_base, e.dynamic_gap, e.count), (None, None, 1));
    let many = body(
        "inquire-vi-status",
        r#"{"output":[{"mksc_shrn_iscd":"005930","vi_cls_code":"N","cntg_vi_hour":"090500","vi_cncl_hour":"090700",
        "vi_kind_code":"2","vi_prc":"70000","vi_dmc_stnd_prc":"68000","vi_dmc_dprt":"2.94"},{"mksc_shrn_iscd":""},{}],
        "rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    let ev = wire::flows::vi_status(&many).unwrap();
    assert_eq!(ev.len(), 1);
    assert!(!ev[0].active);
    assert_eq!(ev[0].released_at.unwrap().to_string(), "09:07:00");
    assert_eq!(
        (ev[0].dynamic_base, ev[0].dynamic_gap),
        (Some(Krw(68_000)), Some(Rate(294)))
    );
}

#[test]
fn index_minutes_are_sorted_and_per_minute_valued() {
    let b = body(
        "inquire-time-indexchartprice",
        r#"{"Output1":{"bstp_nmix_prpr":"2650.12"},"Output2":[
        {"stck_bsop_date":"20261119","stck_cntg_hour":"090100","bstp_nmix_prpr":"2651.00","bstp_nmix_oprc":"2650.50",
         "bstp_nmix_hgpr":"2652.00","bstp_nmix_lwpr":"2650.00","cntg_vol":"900","acml_tr_pbmn":"250000"},
        {"stck_bsop_date":"20261119","stck_cntg_hour":"090000","bstp_nmix_prpr":"2650.50","bstp_nmix_oprc":"2648.00",
         "bstp_nmix_hgpr":"2651.00","bstp_nmix_lwpr":"0","cntg_vol":"1200","acml_tr_pbmn":"100000"},{}],
        "rt_cd":"0","msg_cd":"MCA00000","msg1":""}"#,
    );
    let bars = index::index_minutes(&b).unwrap();
    assert_eq!(bars.len(), 2);
    assert_eq!(
        bars[0].time.unwrap().to_string(),
        "09:00:00",
        "oldest first"
    );
    assert_eq!(
        bars[0].low,
        Points(265_050),
        "a zero low falls back to the close"
    );
    assert_eq!(bars[0].volume, 1_200_000);
    assert_eq!(bars[0].value, Krw(100_000_000_000));
    assert_eq!(
        bars[1].value,
        Krw(150_000_000_000),
        "cumulative → the minute's own"
    );
    assert_eq!(bars[1].close, Points(265_100));
}

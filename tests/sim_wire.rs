//! kis-sim's wire format, endpoint by endpoint, over real HTTP, against shapes written by hand
//! from KIS_API.md and the captured samples: field names and order, all-string values,
//! `output*` before rt_cd/msg_cd/msg1, status codes, error bodies and their key order.

mod sim_common;

use chrono::NaiveDate;
use hoga::market::{Calendar, StockCode};
use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET};
use serde_json::Value;
use sim_common::*;

/// Thursday 2026-11-26, mid-session.
const NOW: &str = "2026-11-26 11:02:13";

fn code(s: &str) -> StockCode {
    StockCode::new(s).unwrap()
}

fn ok_envelope(v: &Value, outputs: &[&str], msg_cd: &str) {
    let mut want: Vec<String> = outputs.iter().map(|s| s.to_string()).collect();
    want.extend(["rt_cd", "msg_cd", "msg1"].map(String::from));
    assert_eq!(keys(v), want);
    assert_eq!(v["rt_cd"], "0");
    assert_eq!(v["msg_cd"], msg_cd);
}

fn ok_msg(v: &Value) {
    ok_envelope_msg(v, "정상처리 되었습니다.");
}

fn ok_envelope_msg(v: &Value, msg: &str) {
    assert_eq!(v["msg1"], msg);
}

fn obj_keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(|s| s.as_str()).collect()
}

/// inquire-price for `code` on the J market.
async fn price(sim: &SimHandle, tok: &str, code: &str) -> (u16, String) {
    get(
        sim,
        tok,
        "/inquire-price",
        "FHKST01010100",
        &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code)],
    )
    .await
}

async fn setup() -> (SimHandle, String) {
    let sim = start(SimConfig::frozen(NOW).seed(11)).await;
    let tok = token(&sim).await;
    (sim, tok)
}

#[tokio::test]
async fn token_ok_shape() {
    let sim = start(SimConfig::frozen(NOW)).await;
    let (status, body) = token_raw(&sim, TEST_APP_KEY, TEST_APP_SECRET).await;
    assert_eq!(status, 200);
    let v = parse(&body);
    assert_eq!(
        keys(&v),
        [
            "access_token",
            "access_token_token_expired",
            "token_type",
            "expires_in"
        ]
    );
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 86400, "expires_in is a JSON number");
    // Issued 2026-11-26 11:02:13 KST, expiry is KST too.
    assert_eq!(v["access_token_token_expired"], "2026-11-27 11:02:13");
    let t = v["access_token"].as_str().unwrap();
    assert!(t.starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9."));
    assert_eq!(t.split('.').count(), 3);
    assert!(t.len() <= 350);
}

/// Field list of inquire-price `output`, copied by hand from the 2025-07-25 capture.
const INQUIRE_PRICE: &str = "iscd_stat_cls_code marg_rate rprs_mrkt_kor_name bstp_kor_isnm temp_stop_yn oprc_rang_cont_yn clpr_rang_cont_yn crdt_able_yn grmn_rate_cls_code elw_pblc_yn stck_prpr prdy_vrss prdy_vrss_sign prdy_ctrt acml_tr_pbmn acml_vol prdy_vrss_vol_rate stck_oprc stck_hgpr stck_lwpr stck_mxpr stck_llam stck_sdpr wghn_avrg_stck_prc hts_frgn_ehrt frgn_ntby_qty pgtr_ntby_qty pvt_scnd_dmrs_prc pvt_frst_dmrs_prc pvt_pont_val pvt_frst_dmsp_prc pvt_scnd_dmsp_prc dmrs_val dmsp_val cpfn rstc_wdth_prc stck_fcam stck_sspr aspr_unit hts_deal_qty_unit_val lstn_stcn hts_avls per pbr stac_month vol_tnrt eps bps d250_hgpr d250_hgpr_date d250_hgpr_vrss_prpr_rate d250_lwpr d250_lwpr_date d250_lwpr_vrss_prpr_rate stck_dryy_hgpr dryy_hgpr_vrss_prpr_rate dryy_hgpr_date stck_dryy_lwpr dryy_lwpr_vrss_prpr_rate dryy_lwpr_date w52_hgpr w52_hgpr_vrss_prpr_ctrt w52_hgpr_date w52_lwpr w52_lwpr_vrss_prpr_ctrt w52_lwpr_date whol_loan_rmnd_rate ssts_yn stck_shrn_iscd fcam_cnnm cpfn_cnnm frgn_hldn_qty vi_cls_code ovtm_vi_cls_code last_ssts_cntg_qty invt_caful_yn mrkt_warn_cls_code short_over_yn sltr_yn mang_issu_cls_code";

#[tokio::test]
async fn inquire_price_matches_the_capture_and_the_truth() {
    let (sim, tok) = setup().await;
    let (status, body) = price(&sim, &tok, "005930").await;
    assert_eq!(status, 200, "{body}");
    let v = parse(&body);
    ok_envelope(&v, &["output"], "MCA00000");
    ok_msg(&v);
    all_strings(&v, "");
    let out = &v["output"];
    assert_eq!(obj_keys(out), INQUIRE_PRICE.split(' ').collect::<Vec<_>>());
    let truth = sim.market().quote(code("005930")).unwrap();
    assert_eq!(out["stck_prpr"], truth.price.0.to_string());
    assert_eq!(out["prdy_vrss"], truth.change.0.to_string());
    assert_eq!(out["prdy_ctrt"], truth.change_rate.to_string());
    assert_eq!(out["stck_sdpr"], truth.prev_close.0.to_string());
    assert_eq!(out["stck_mxpr"], truth.upper_limit.0.to_string());
    assert_eq!(out["acml_vol"], truth.volume.to_string());
    assert_eq!(out["stck_shrn_iscd"], "005930");
    let sign = out["prdy_vrss_sign"].as_str().unwrap();
    assert!(["1", "2", "3", "4", "5"].contains(&sign));
    // Lower-case query names work the same (KIS accepts both).
    let (s2, b2) = get(
        &sim,
        &tok,
        "/inquire-price",
        "FHKST01010100",
        &[
            ("fid_cond_mrkt_div_code", "J"),
            ("fid_input_iscd", "005930"),
        ],
    )
    .await;
    assert_eq!(s2, 200);
    assert_eq!(parse(&b2)["output"]["stck_prpr"], out["stck_prpr"]);
    // The served log holds exactly what was sent.
    let served = sim.served(1);
    assert_eq!(served[0].body, b2);
    assert_eq!(served[0].tr_id.as_deref(), Some("FHKST01010100"));
}

#[tokio::test]
async fn unknown_code_is_zeroed_and_bad_parameters_are_opsq() {
    let (sim, tok) = setup().await;
    let (s, b) = price(&sim, &tok, "999999").await;
    assert_eq!(s, 200);
    let v = parse(&b);
    assert_eq!(v["rt_cd"], "0");
    assert_eq!(v["output"]["stck_prpr"], "0");
    assert_eq!(obj_keys(&v["output"]).len(), 80);
    // Missing parameter.
    let (s, b) = get(
        &sim,
        &tok,
        "/inquire-price",
        "FHKST01010100",
        &[("FID_INPUT_ISCD", "005930")],
    )
    .await;
    assert_eq!(s, 200);
    let v = parse(&b);
    assert_eq!(keys(&v), ["rt_cd", "msg_cd", "msg1"]);
    assert_eq!(v["rt_cd"], "1");
    assert_eq!(v["msg_cd"], "OPSQ2001");
    assert!(
        v["msg1"]
            .as_str()
            .unwrap()
            .contains("FID_COND_MRKT_DIV_CODE")
    );
    // Bad value.
    let (_, b) = get(
        &sim,
        &tok,
        "/inquire-daily-itemchartprice",
        "FHKST03010100",
        &[
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", "005930"),
            ("FID_INPUT_DATE_1", "20260101"),
            ("FID_INPUT_DATE_2", "2026-11-26"),
            ("FID_PERIOD_DIV_CODE", "D"),
            ("FID_ORG_ADJ_PRC", "0"),
        ],
    )
    .await;
    assert_eq!(parse(&b)["msg_cd"], "OPSQ2002");
}

#[tokio::test]
async fn gateway_errors_have_kis_status_and_key_order() {
    let (sim, tok) = setup().await;
    let q = [
        ("FID_COND_MRKT_DIV_CODE", "J"),
        ("FID_INPUT_ISCD", "005930"),
    ];
    let expect = |status: u16, body: &str, code: &str| {
        let v = parse(body);
        assert_eq!(status, 500, "{body}");
        assert_eq!(keys(&v), ["rt_cd", "msg1", "msg_cd"], "{body}");
        assert_eq!(v["rt_cd"], "1");
        assert_eq!(v["msg_cd"], code);
    };
    let (s, b) = get(&sim, "garbage", "/inquire-price", "FHKST01010100", &q).await;
    expect(s, &b, "EGW00121");
    assert_eq!(parse(&b)["msg1"], "유효하지 않은 token 입니다.");
    let (s, b) = get_with(
        &sim,
        &tok,
        "/inquire-price",
        "FHKST01010100",
        &q,
        "PSnotakey000000000000000000000000000",
        "P",
    )
    .await;
    expect(s, &b, "EGW00103");
    let (s, b) = get_with(
        &sim,
        &tok,
        "/inquire-price",
        "FHKST01010100",
        &q,
        TEST_APP_KEY,
        "X",
    )
    .await;
    expect(s, &b, "EGW00208");
    // No bearer scheme.
    let r = http()
        .get(format!("{}{}/inquire-price", sim.base_url(), Q))
        .query(&q)
        .header("authorization", tok.clone())
        .header("appkey", TEST_APP_KEY)
        .header("appsecret", TEST_APP_SECRET)
        .header("tr_id", "FHKST01010100")
        .header("custtype", "P")
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    expect(s, &r.text().await.unwrap(), "EGW00205");
    // Header names are case-insensitive (legacy samples send appKey/appSecret).
    let r = http()
        .get(format!("{}{}/inquire-price", sim.base_url(), Q))
        .query(&q)
        .header("Authorization", format!("Bearer {tok}"))
        .header("appKey", TEST_APP_KEY)
        .header("appSecret", TEST_APP_SECRET)
        .header("TR_ID", "FHKST01010100")
        .header("custtype", "P")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["tr_id"], "FHKST01010100");
    // tr_id that does not match the path: backend error, backend key order.
    let (s, b) = get(&sim, &tok, "/inquire-price", "FHKST01010400", &q).await;
    assert_eq!(s, 500);
    let v = parse(&b);
    assert_eq!(keys(&v), ["rt_cd", "msg_cd", "msg1"]);
    assert_eq!(v["msg_cd"], "OPSQ0002");
    // Expired token (early expiry via the handle).
    sim.expire_tokens();
    let (s, b) = get(&sim, &tok, "/inquire-price", "FHKST01010100", &q).await;
    expect(s, &b, "EGW00123");
    assert_eq!(
        b,
        r#"{"rt_cd":"1","msg1":"기간이 만료된 token 입니다.","msg_cd":"EGW00123"}"#
    );
}

#[tokio::test]
async fn real_only_trs_fail_on_the_virtual_server() {
    let sim = start(SimConfig::frozen(NOW).virtual_server().rate(100)).await;
    let tok = token(&sim).await;
    let (s, b) = get(
        &sim,
        &tok,
        "/intstock-multprice",
        "FHKST11300006",
        &[
            ("FID_COND_MRKT_DIV_CODE_1", "J"),
            ("FID_INPUT_ISCD_1", "005930"),
        ],
    )
    .await;
    assert_eq!(s, 500);
    assert_eq!(parse(&b)["msg_cd"], "OPSQ0002");
    let (s, b) = get(
        &sim,
        &tok,
        "/search-stock-info",
        "CTPF1002R",
        &[("PRDT_TYPE_CD", "300"), ("PDNO", "005930")],
    )
    .await;
    assert_eq!(s, 500);
    assert_eq!(parse(&b)["msg_cd"], "OPSQ0002");
    // …while the shared TRs work.
    let (s, _) = price(&sim, &tok, "005930").await;
    assert_eq!(s, 200);
}

const MULTI_ROW: &str = "kospi_kosdaq_cls_name mrkt_trtm_cls_name hour_cls_code inter_shrn_iscd inter_kor_isnm inter2_prpr inter2_prdy_vrss prdy_vrss_sign prdy_ctrt acml_vol inter2_oprc inter2_hgpr inter2_lwpr inter2_llam inter2_mxpr inter2_askp inter2_bidp seln_rsqn shnu_rsqn total_askp_rsqn total_bidp_rsqn acml_tr_pbmn inter2_prdy_clpr oprc_vrss_hgpr_rate intr_antc_cntg_vrss intr_antc_cntg_vrss_sign intr_antc_cntg_prdy_ctrt intr_antc_vol inter2_sdpr";

#[tokio::test]
async fn multi_quote_rows_map_by_code() {
    let (sim, tok) = setup().await;
    let codes: Vec<String> = sim
        .market()
        .stocks()
        .iter()
        .take(30)
        .map(|s| s.code.to_string())
        .collect();
    let mut q: Vec<(String, String)> = Vec::new();
    for (i, c) in codes.iter().enumerate() {
        q.push((format!("FID_COND_MRKT_DIV_CODE_{}", i + 1), "J".into()));
        q.push((format!("FID_INPUT_ISCD_{}", i + 1), c.clone()));
    }
    let qr: Vec<(&str, &str)> = q.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (s, b) = get(&sim, &tok, "/intstock-multprice", "FHKST11300006", &qr).await;
    assert_eq!(s, 200, "{b}");
    let v = parse(&b);
    ok_envelope(&v, &["output"], "MCA00000");
    all_strings(&v, "");
    let rows = v["output"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    for (row, c) in rows.iter().zip(&codes) {
        assert_eq!(obj_keys(row), MULTI_ROW.split(' ').collect::<Vec<_>>());
        assert_eq!(row["inter_shrn_iscd"], c.as_str());
        let truth = sim.market().quote(code(c)).unwrap();
        assert_eq!(row["inter2_prpr"], truth.price.0.to_string());
        assert_eq!(
            row["inter_kor_isnm"].as_str().unwrap().trim_end(),
            truth.name.unwrap()
        );
        // The change is sent unsigned; the sign code carries the direction.
        assert_eq!(row["inter2_prdy_vrss"], truth.change.0.abs().to_string());
    }
    // A 31st pair is refused.
    let mut q31 = qr.clone();
    q31.push(("FID_COND_MRKT_DIV_CODE_31", "J"));
    q31.push(("FID_INPUT_ISCD_31", "005930"));
    let (_, b) = get(&sim, &tok, "/intstock-multprice", "FHKST11300006", &q31).await;
    assert_eq!(parse(&b)["msg_cd"], "OPSQ2002");
}

#[tokio::test]
async fn order_book_shape_and_consistency() {
    let (sim, tok) = setup().await;
    let (s, b) = get(
        &sim,
        &tok,
        "/inquire-asking-price-exp-ccn",
        "FHKST01010200",
        &[
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", "000660"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let v = parse(&b);
    ok_envelope(&v, &["output1", "output2"], "MCA00000");
    all_strings(&v, "");
    let o1 = &v["output1"];
    let mut want = vec!["aspr_acpt_hour".to_string()];
    for p in [
        "askp",
        "bidp",
        "askp_rsqn",
        "bidp_rsqn",
        "askp_rsqn_icdc",
        "bidp_rsqn_icdc",
    ] {
        for i in 1..=10 {
            want.push(format!("{p}{i}"));
        }
    }
    for k in "total_askp_rsqn total_bidp_rsqn total_askp_rsqn_icdc total_bidp_rsqn_icdc ovtm_total_askp_icdc ovtm_total_bidp_icdc ovtm_total_askp_rsqn ovtm_total_bidp_rsqn ntby_aspr_rsqn new_mkop_cls_code".split(' ') {
        want.push(k.to_string());
    }
    assert_eq!(
        obj_keys(o1),
        want.iter().map(|s| s.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(
        obj_keys(&v["output2"]),
        "antc_mkop_cls_code stck_prpr stck_oprc stck_hgpr stck_lwpr stck_sdpr antc_cnpr antc_cntg_vrss_sign antc_cntg_vrss antc_cntg_prdy_ctrt antc_vol stck_shrn_iscd vi_cls_code".split(' ').collect::<Vec<_>>()
    );
    let n = |k: &str| o1[k].as_str().unwrap().parse::<i64>().unwrap();
    assert!(n("askp1") > n("bidp1"));
    assert_eq!(o1["aspr_acpt_hour"], "110213");
    let total: i64 = (1..=10).map(|i| n(&format!("askp_rsqn{i}"))).sum();
    assert_eq!(n("total_askp_rsqn"), total);
    let truth = sim.market().book(code("000660")).unwrap();
    assert_eq!(n("askp1"), truth.best_ask().unwrap().0);
    assert_eq!(
        v["output2"]["stck_prpr"],
        sim.market()
            .quote(code("000660"))
            .unwrap()
            .price
            .0
            .to_string()
    );
}

#[tokio::test]
async fn auction_books_carry_the_expected_fill() {
    let sim = start(SimConfig::frozen("2026-11-26 08:45").seed(11)).await;
    let tok = token(&sim).await;
    let (_, b) = get(
        &sim,
        &tok,
        "/inquire-asking-price-exp-ccn",
        "FHKST01010200",
        &[
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", "005930"),
        ],
    )
    .await;
    let v = parse(&b);
    let truth = sim.market().quote(code("005930")).unwrap();
    let e = truth
        .expected
        .expect("pre-open auction has an expected fill");
    assert_eq!(v["output2"]["antc_cnpr"], e.price.0.to_string());
    assert_eq!(v["output2"]["antc_vol"], e.volume.to_string());
    assert_eq!(v["output2"]["antc_cntg_vrss"], e.change.0.to_string());
}

const CHART_OUTPUT1: &str = "prdy_vrss prdy_vrss_sign prdy_ctrt stck_prdy_clpr acml_vol acml_tr_pbmn hts_kor_isnm stck_prpr stck_shrn_iscd prdy_vol stck_mxpr stck_llam stck_oprc stck_hgpr stck_lwpr stck_prdy_oprc stck_prdy_hgpr stck_prdy_lwpr askp bidp prdy_vrss_vol vol_tnrt stck_fcam lstn_stcn cpfn hts_avls per eps pbr";
const CHART_ROW: &str = "stck_bsop_date stck_clpr stck_oprc stck_hgpr stck_lwpr acml_vol acml_tr_pbmn flng_cls_code prtt_rate mod_yn prdy_vrss_sign prdy_vrss revl_issu_reas";

async fn chart(sim: &SimHandle, tok: &str, c: &str, from: &str, to: &str, p: &str) -> Value {
    let (s, b) = get(
        sim,
        tok,
        "/inquire-daily-itemchartprice",
        "FHKST03010100",
        &[
            ("FID_COND_MRKT_DIV_CODE", "J"),
            ("FID_INPUT_ISCD", c),
            ("FID_INPUT_DATE_1", from),
            ("FID_INPUT_DATE_2", to),
            ("FID_PERIOD_DIV_CODE", p),
            ("FID_ORG_ADJ_PRC", "0"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    parse(&b)
}

#[tokio::test]
async fn period_chart_pages_newest_first_by_date() {
    let (sim, tok) = setup().await;
    let v = chart(&sim, &tok, "005930", "20241101", "20261126", "D").await;
    ok_envelope(&v, &["output1", "output2"], "MCA00000");
    all_strings(&v, "");
    let mut o1: Vec<&str> = CHART_OUTPUT1.split(' ').collect();
    o1.push("itewhol_loan_rmnd_ratem name");
    assert_eq!(obj_keys(&v["output1"]), o1);
    assert_eq!(v["output1"]["hts_kor_isnm"], "삼성전자");
    // Page through two years by FID_INPUT_DATE_2 = oldest − 1 day.
    let mut all: Vec<Value> = Vec::new();
    let mut to = "20261126".to_string();
    loop {
        let v = chart(&sim, &tok, "005930", "20241101", &to, "D").await;
        let rows = v["output2"].as_array().unwrap().clone();
        assert!(rows.len() <= 100);
        for r in &rows {
            assert_eq!(obj_keys(r), CHART_ROW.split(' ').collect::<Vec<_>>());
        }
        if rows.is_empty() {
            break;
        }
        let oldest = rows.last().unwrap()["stck_bsop_date"]
            .as_str()
            .unwrap()
            .to_string();
        let short = rows.len() < 100;
        all.extend(rows);
        if short {
            break;
        }
        let d = NaiveDate::parse_from_str(&oldest, "%Y%m%d")
            .unwrap()
            .pred_opt()
            .unwrap();
        to = d.format("%Y%m%d").to_string();
    }
    let dates: Vec<NaiveDate> = all
        .iter()
        .map(|r| {
            NaiveDate::parse_from_str(r["stck_bsop_date"].as_str().unwrap(), "%Y%m%d").unwrap()
        })
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] > w[1]),
        "newest first, no overlap"
    );
    let cal = Calendar::krx();
    assert!(dates.iter().all(|d| cal.is_trading_day(*d)));
    let expected = cal.trading_days(
        NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    );
    assert_eq!(
        dates.len(),
        expected.len(),
        "every trading day exactly once"
    );
    // Today's row is the day so far and agrees with the quote.
    let q = sim.market().quote(code("005930")).unwrap();
    assert_eq!(all[0]["stck_clpr"], q.price.0.to_string());
    assert_eq!(all[0]["acml_vol"], q.volume.to_string());
    // Monthly rows are dated by the month's last trading day.
    let m = chart(&sim, &tok, "005930", "20260101", "20261031", "M").await;
    let rows = m["output2"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["stck_bsop_date"], "20261030");
    // Unknown code: zeroed output1, no rows.
    let u = chart(&sim, &tok, "999999", "20260101", "20261031", "D").await;
    assert_eq!(u["output2"].as_array().unwrap().len(), 0);
    assert_eq!(u["output1"]["stck_prpr"], "0");
}

#[tokio::test]
async fn daily_price_has_thirty_rows() {
    let (sim, tok) = setup().await;
    for p in ["D", "W", "M"] {
        let (s, b) = get(
            &sim,
            &tok,
            "/inquire-daily-price",
            "FHKST01010400",
            &[
                ("FID_COND_MRKT_DIV_CODE", "J"),
                ("FID_INPUT_ISCD", "035720"),
                ("FID_PERIOD_DIV_CODE", p),
                ("FID_ORG_ADJ_PRC", "1"),
            ],
        )
        .await;
        assert_eq!(s, 200);
        let v = parse(&b);
        ok_envelope(&v, &["output"], "MCA00000");
        all_strings(&v, "");
        let rows = v["output"].as_array().unwrap();
        assert_eq!(rows.len(), 30, "{p}");
        assert_eq!(
            obj_keys(&rows[0]),
            "stck_bsop_date stck_oprc stck_hgpr stck_lwpr stck_clpr acml_vol prdy_vrss_vol_rate prdy_vrss prdy_vrss_sign prdy_ctrt hts_frgn_ehrt frgn_ntby_qty flng_cls_code acml_prtt_rate".split(' ').collect::<Vec<_>>()
        );
        let d: Vec<&str> = rows
            .iter()
            .map(|r| r["stck_bsop_date"].as_str().unwrap())
            .collect();
        assert!(d.windows(2).all(|w| w[0] > w[1]));
        if p == "W" {
            // Weekly rows are dated by the week's first trading day (as captured).
            assert_eq!(d[0], "20261123");
        }
    }
}

#[tokio::test]
async fn minute_chart_pages_back_by_time() {
    let (sim, tok) = setup().await;
    let call = |hour: String| {
        let sim = &sim;
        let tok = &tok;
        async move {
            let (s, b) = get(
                sim,
                tok,
                "/inquire-time-itemchartprice",
                "FHKST03010200",
                &[
                    ("FID_ETC_CLS_CODE", ""),
                    ("FID_COND_MRKT_DIV_CODE", "J"),
                    ("FID_INPUT_ISCD", "005930"),
                    ("FID_INPUT_HOUR_1", &hour),
                    ("FID_PW_DATA_INCU_YN", "N"),
                ],
            )
            .await;
            assert_eq!(s, 200, "{b}");
            parse(&b)
        }
    };
    // A future time is clamped to now (11:02:13): the newest bar is 11:02.
    let v = call("153000".into()).await;
    ok_envelope(&v, &["output1", "output2"], "MCA00000");
    all_strings(&v, "");
    assert_eq!(
        obj_keys(&v["output1"]),
        "prdy_vrss prdy_vrss_sign prdy_ctrt stck_prdy_clpr acml_vol acml_tr_pbmn hts_kor_isnm stck_prpr".split(' ').collect::<Vec<_>>()
    );
    let rows = v["output2"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    assert_eq!(
        obj_keys(&rows[0]),
        "stck_bsop_date stck_cntg_hour stck_prpr stck_oprc stck_hgpr stck_lwpr cntg_vol acml_tr_pbmn".split(' ').collect::<Vec<_>>()
    );
    assert_eq!(rows[0]["stck_cntg_hour"], "110200");
    assert_eq!(rows[0]["stck_bsop_date"], "20261126");
    assert_eq!(rows[0]["stck_prpr"], v["output1"]["stck_prpr"]);
    assert_eq!(rows[0]["acml_tr_pbmn"], v["output1"]["acml_tr_pbmn"]);
    // Page back to the open: every minute 09:00..=11:02 exactly once.
    let mut times = Vec::new();
    let mut hour = "153000".to_string();
    for _ in 0..10 {
        let v = call(hour.clone()).await;
        let rows = v["output2"].as_array().unwrap().clone();
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            times.push(r["stck_cntg_hour"].as_str().unwrap().to_string());
        }
        let oldest = chrono::NaiveTime::parse_from_str(times.last().unwrap(), "%H%M%S").unwrap();
        if oldest.format("%H%M").to_string() == "0900" {
            break;
        }
        hour = (oldest - chrono::Duration::minutes(1))
            .format("%H%M%S")
            .to_string();
    }
    assert_eq!(times.len(), 123, "09:00 through 11:02");
    assert_eq!(times.last().unwrap(), "090000");
    let bars = sim.market().minute_bars(code("005930"));
    assert_eq!(bars.len(), 123);
}

#[tokio::test]
async fn search_stock_info_and_holidays() {
    let (sim, tok) = setup().await;
    let (s, b) = get(
        &sim,
        &tok,
        "/search-stock-info",
        "CTPF1002R",
        &[("PRDT_TYPE_CD", "300"), ("PDNO", "000660")],
    )
    .await;
    assert_eq!(s, 200);
    let v = parse(&b);
    ok_envelope(&v, &["output"], "KIOK0530");
    assert_eq!(v["msg1"].as_str().unwrap().trim_end(), "조회되었습니다");
    assert!(
        v["msg1"].as_str().unwrap().ends_with("  "),
        "msg1 is right-padded"
    );
    all_strings(&v, "");
    let o = &v["output"];
    assert_eq!(obj_keys(o).len(), 65);
    assert_eq!(o["pdno"], "00000A000660");
    assert_eq!(o["prdt_abrv_name"], "SK하이닉스");
    assert_eq!(o["prdt_eng_name"], "SK hynix");
    assert_eq!(o["std_pdno"], "KR7000660001");
    assert_eq!(o["mket_id_cd"], "STK");
    let (_, b) = get(
        &sim,
        &tok,
        "/search-stock-info",
        "CTPF1002R",
        &[("PRDT_TYPE_CD", "300"), ("PDNO", "999999")],
    )
    .await;
    assert_eq!(parse(&b)["rt_cd"], "7");

    let (s, b) = get(
        &sim,
        &tok,
        "/chk-holiday",
        "CTCA0903R",
        &[
            ("BASS_DT", "20261224"),
            ("CTX_AREA_NK", ""),
            ("CTX_AREA_FK", ""),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let v = parse(&b);
    assert_eq!(
        keys(&v),
        [
            "ctx_area_nk",
            "ctx_area_fk",
            "output",
            "rt_cd",
            "msg_cd",
            "msg1"
        ]
    );
    assert_eq!(v["msg_cd"], "KIOK0500");
    assert_eq!(v["ctx_area_fk"], "20261224            ");
    all_strings(&v, "");
    let rows = v["output"].as_array().unwrap();
    let row = |d: &str| rows.iter().find(|r| r["bass_dt"] == d).unwrap().clone();
    assert_eq!(row("20261224")["opnd_yn"], "Y");
    assert_eq!(row("20261225")["opnd_yn"], "N"); // Christmas
    let sat = row("20261226");
    assert_eq!(
        (
            sat["bzdy_yn"].as_str(),
            sat["tr_day_yn"].as_str(),
            sat["opnd_yn"].as_str()
        ),
        (Some("N"), Some("Y"), Some("N"))
    );
    assert_eq!(sat["wday_dvsn_cd"], "07");
    assert_eq!(row("20261231")["opnd_yn"], "N"); // year-end closure
}

#[tokio::test]
async fn oauth_side_endpoints() {
    let (sim, tok) = setup().await;
    let c = http();
    // Approval key for the websocket: body uses `secretkey`.
    let r = c
        .post(format!("{}/oauth2/Approval", sim.base_url()))
        .json(&serde_json::json!({"grant_type":"client_credentials","appkey":TEST_APP_KEY,"secretkey":TEST_APP_SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(keys(&v), ["approval_key"]);
    assert_eq!(v["approval_key"].as_str().unwrap().len(), 36);
    // Hashkey: HASH is 64 hex chars.
    let r = c
        .post(format!("{}/uapi/hashkey", sim.base_url()))
        .header("appkey", TEST_APP_KEY)
        .header("appsecret", TEST_APP_SECRET)
        .json(&serde_json::json!({"CANO":"12345678","PDNO":"005930"}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(keys(&v), ["BODY", "HASH"]);
    assert_eq!(v["BODY"]["PDNO"], "005930");
    let hash = v["HASH"].as_str().unwrap();
    assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    // Revoke, after which the token is invalid.
    let r = c
        .post(format!("{}/oauth2/revokeP", sim.base_url()))
        .json(&serde_json::json!({"appkey":TEST_APP_KEY,"appsecret":TEST_APP_SECRET,"token":tok}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(keys(&v), ["code", "message"]);
    let (s, b) = price(&sim, &tok, "005930").await;
    assert_eq!(s, 500);
    assert_eq!(parse(&b)["msg_cd"], "EGW00121");
}

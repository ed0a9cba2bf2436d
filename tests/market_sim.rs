//! Indices and rankings end to end: the KIS client against kis-sim over real HTTP, compared
//! with the simulator's ground truth (and that truth with its own quotes: the index moves with
//! its constituents, breadth counts and rankings agree with the quotes); the virtual server's
//! refusals and last close; `hoga index` and `hoga rank` as built.

mod client_support;

use chrono::Duration as CDur;
use client_support::*;
use hoga::kis::Priority;
use hoga::market::{
    Direction, IndexCode, Krw, Market, Period, RankKind, RankMarket, SecurityKind, kst_date,
};
use hoga::sim::{SimConfig, SimHandle, TEST_APP_KEY, TEST_APP_SECRET};
use serde_json::Value;
use std::process::{Command, Output};

const P: Priority = Priority::Interactive;

/// Shares and won as the index TRs carry them (천주, 백만원), back in shares and won.
fn wire_volume(v: u64) -> u64 {
    v / 1_000 * 1_000
}
fn wire_value(v: Krw) -> Krw {
    Krw(v.0 / 1_000_000 * 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_snapshot_and_breadth_match_the_sim_and_its_quotes() {
    let sim = start(SimConfig::frozen(SESSION).rate(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let c = client(&config(&sim, 500), options(dir.path(), Some(clock)));
    let now = session_instant();
    let m = sim.market();
    for code in IndexCode::DEFAULTS {
        let q = c.index(code, P).await.unwrap();
        let t = m.index_at(code.as_str(), now).unwrap();
        assert_eq!(
            (q.value, q.change, q.change_rate, q.prev_close),
            (t.value, t.change, t.change_rate, t.prev_close),
            "{code}"
        );
        assert_eq!((q.open, q.high, q.low), (t.open, t.high, t.low), "{code}");
        assert!(q.low <= q.value && q.value <= q.high, "{code}");
        assert_eq!(q.breadth, t.breadth, "{code}");
        assert_eq!(q.volume, wire_volume(t.volume), "{code}");
        assert_eq!(q.value_traded, wire_value(t.value_traded), "{code}");
        assert_eq!(q.closed_on, None);
        assert_ne!(q.change.0, 0, "{code}: a session at 10:30 moves the index");
    }
    assert_eq!(tr_requests(&sim, "FHPUP02100000"), 3);

    // The truth agrees with the quotes: KOSPI's breadth counts its listed equities by their
    // quotes' direction, and its change has the sign of the share-weighted price change.
    let kospi = m.index_at("0001", now).unwrap();
    let b = kospi.breadth.unwrap();
    let (mut up, mut down, mut flat, mut lu, mut ld, mut weighted) = (0, 0, 0, 0, 0, 0i128);
    for s in m.stocks().iter().filter(|s| {
        s.market == Market::Kospi && matches!(s.kind, SecurityKind::Stock | SecurityKind::Preferred)
    }) {
        let q = m.quote_at(s.code, now).unwrap();
        weighted += i128::from(q.change.0) * s.listed_shares as i128;
        match q.direction() {
            Direction::UpperLimit => (up, lu) = (up + 1, lu + 1),
            Direction::Up => up += 1,
            Direction::Flat => flat += 1,
            Direction::LowerLimit => (down, ld) = (down + 1, ld + 1),
            Direction::Down => down += 1,
        }
    }
    assert_eq!(
        (b.up, b.down, b.unchanged, b.limit_up, b.limit_down),
        (up, down, flat, lu, ld)
    );
    assert!(up > 50 && down > 50, "a plausible market: {b:?}");
    assert_eq!(kospi.change.0.signum() as i128, weighted.signum());

    // An unknown index is an error, not a zero index.
    assert!(c.index(IndexCode::new("9999").unwrap(), P).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_chart_pages_past_50_rows_and_chains_closes() {
    let sim = start(SimConfig::frozen(SESSION).rate(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let c = client(&config(&sim, 500), options(dir.path(), Some(clock)));
    let now = session_instant();
    let m = sim.market();
    let to = kst_date(now);
    let from = to - CDur::days(150);
    let bars = c
        .index_chart(IndexCode::KOSDAQ, Period::Day, from, to, P)
        .await
        .unwrap();
    assert!(
        tr_requests(&sim, "FHKUP03500100") >= 2,
        "more than 50 rows need pages"
    );
    let truth = m.index_bars_at("1001", Period::Day, from, to, now, usize::MAX);
    assert!(bars.len() > 90, "{} bars", bars.len());
    assert_eq!(bars.len(), truth.len());
    for (b, t) in bars.iter().zip(&truth) {
        assert_eq!(
            (b.date, b.open, b.high, b.low, b.close),
            (t.date, t.open, t.high, t.low, t.close)
        );
        assert_eq!(b.volume, wire_volume(t.volume));
        assert!(
            b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close),
            "{b:?}"
        );
    }
    // Today's partial bar is the index now; each close is the next day's previous close.
    let last = bars.last().unwrap();
    let live = m.index_at("1001", now).unwrap();
    assert_eq!((last.date, last.close), (to, live.value));
    for w in bars.windows(2).take(bars.len() - 2) {
        assert_eq!(w[0].close.0, m.index_day("1001", w[1].date).unwrap().base);
    }
    // Weeks: bars dated by their last trading day, at most one a week.
    let weeks = c
        .index_chart(IndexCode::KOSPI, Period::Week, from, to, P)
        .await
        .unwrap();
    let wt = m.index_bars_at("0001", Period::Week, from, to, now, usize::MAX);
    assert_eq!(
        weeks.iter().map(|b| (b.date, b.close)).collect::<Vec<_>>(),
        wt.iter().map(|b| (b.date, b.close)).collect::<Vec<_>>()
    );
    assert!((19..=23).contains(&weeks.len()), "{} weeks", weeks.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rankings_are_the_30_rows_the_quotes_say() {
    let sim = start(SimConfig::frozen(SESSION).rate(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let c = client(&config(&sim, 500), options(dir.path(), Some(clock)));
    let now = session_instant();
    let m = sim.market();
    for market in [RankMarket::All, RankMarket::Kospi, RankMarket::Kosdaq] {
        // The truth, independently: every quote of the market.
        let quotes: Vec<_> = m
            .stocks()
            .iter()
            .filter(|s| match market {
                RankMarket::All => true,
                RankMarket::Kospi => s.market == Market::Kospi,
                RankMarket::Kosdaq => s.market == Market::Kosdaq,
            })
            .map(|s| m.quote_at(s.code, now).unwrap())
            .collect();
        for kind in RankKind::ALL {
            let rows = c.ranking(kind, market, P).await.unwrap();
            let truth = m.ranking_at(kind, market, now);
            assert_eq!(rows.len(), 30, "{kind:?} {market:?}");
            for (i, (r, t)) in rows.iter().zip(&truth).enumerate() {
                assert_eq!(r.rank as usize, i + 1);
                assert_eq!(
                    (r.code, &r.name, r.price, r.change, r.change_rate, r.volume),
                    (t.code, &t.name, t.price, t.change, t.change_rate, t.volume),
                    "{kind:?} {market:?} #{}",
                    i + 1
                );
                let q = quotes.iter().find(|q| q.code == r.code).unwrap();
                assert_eq!((r.price, r.change, r.volume), (q.price, q.change, q.volume));
                match kind {
                    RankKind::Volume | RankKind::Value => assert_eq!(r.value, Some(q.value)),
                    _ => assert_eq!(r.value, None, "not sent by the fluctuation ranking"),
                }
            }
            let key = |q: &hoga::market::Quote| match kind {
                RankKind::Volume => q.volume as i128,
                RankKind::Value => q.value.0 as i128,
                RankKind::Gainers => q.change_rate.0 as i128,
                RankKind::Losers => -(q.change_rate.0 as i128),
            };
            let best = quotes.iter().map(key).max().unwrap();
            let first = quotes.iter().find(|q| q.code == rows[0].code).unwrap();
            assert_eq!(key(first), best, "{kind:?} {market:?}: the leader leads");
            let thirtieth = quotes.iter().find(|q| q.code == rows[29].code).unwrap();
            assert!(
                quotes.iter().filter(|q| key(q) > key(thirtieth)).count() <= 29,
                "{kind:?} {market:?}: nothing outside the 30 beats the 30th"
            );
        }
    }
    assert_eq!(tr_requests(&sim, "FHPST01710000"), 6);
    assert_eq!(tr_requests(&sim, "FHPST01700000"), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_server_refuses_real_only_trs_and_gives_the_last_close() {
    let sim = start(SimConfig::frozen(SESSION).virtual_server().rate(200)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let mut cfg = config(&sim, 200);
    cfg.kis.virtual_server = true;
    let c = client(&cfg, options(dir.path(), Some(clock)));
    let m = sim.market();
    let today = kst_date(session_instant());
    let cal = hoga::market::Calendar::krx();
    let yesterday = cal.prev_trading_day(today);
    let q = c.index(IndexCode::KOSPI, P).await.unwrap();
    assert_eq!(
        q.closed_on,
        Some(yesterday),
        "10:30 on the virtual server: yesterday's close"
    );
    let y = m.index_day("0001", yesterday).unwrap();
    assert_eq!(q.value.0, y.close);
    assert_eq!(q.change.0, y.close - y.base);
    assert_eq!(q.breadth, None);
    assert_eq!(
        q.as_of,
        hoga::market::kst_to_utc(yesterday.and_hms_opt(15, 30, 0).unwrap())
    );
    assert_eq!(
        tr_requests(&sim, "FHPUP02100000"),
        0,
        "not asked on virtual"
    );
    // The real-only TRs, asked anyway, are refused by the virtual server.
    for kind in [RankKind::Volume, RankKind::Gainers] {
        let e = c.ranking(kind, RankMarket::All, P).await.unwrap_err();
        assert!(e.is_unsupported(), "{e}");
    }
}

async fn token(sim: &SimHandle) -> String {
    let tok: Value = reqwest::Client::new()
        .post(format!("{}/oauth2/tokenP", sim.base_url()))
        .json(&serde_json::json!({"grant_type":"client_credentials","appkey":TEST_APP_KEY,"appsecret":TEST_APP_SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tok["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tok}"))
        .to_string()
}

async fn sim_get(sim: &SimHandle, token: &str, path: &str, tr_id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("authorization", format!("Bearer {token}"))
        .header("appkey", TEST_APP_KEY)
        .header("appsecret", TEST_APP_SECRET)
        .header("tr_id", tr_id)
        .header("custtype", "P")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kis_sim_checks_parameters_and_refuses_real_only_trs_on_virtual() {
    let sim = start(SimConfig::frozen(SESSION).rate(500)).await;
    let tok = token(&sim).await;
    let ok = sim_get(&sim, &tok, "/uapi/domestic-stock/v1/ranking/fluctuation?fid_cond_mrkt_div_code=J&fid_cond_scr_div_code=20170&fid_input_iscd=0001&fid_rank_sort_cls_code=0&fid_input_cnt_1=0&fid_prc_cls_code=1&fid_input_price_1=&fid_input_price_2=&fid_vol_cnt=&fid_trgt_cls_code=0&fid_trgt_exls_cls_code=0&fid_div_cls_code=0&fid_rsfl_rate1=&fid_rsfl_rate2=", "FHPST01700000").await;
    assert_eq!(ok["rt_cd"], "0", "{ok}");
    assert_eq!(ok["output"].as_array().unwrap().len(), 30);
    let bad = sim_get(&sim, &tok, "/uapi/domestic-stock/v1/ranking/fluctuation?fid_cond_mrkt_div_code=J&fid_cond_scr_div_code=20171&fid_input_iscd=0001", "FHPST01700000").await;
    assert_eq!(bad["msg_cd"], "OPSQ2002", "{bad}");
    let missing = sim_get(&sim, &tok, "/uapi/domestic-stock/v1/quotations/volume-rank?FID_COND_MRKT_DIV_CODE=J&FID_COND_SCR_DIV_CODE=20171&FID_INPUT_ISCD=0000&FID_BLNG_CLS_CODE=0", "FHPST01710000").await;
    assert_eq!(missing["msg_cd"], "OPSQ2001", "{missing}");

    let virt = start(SimConfig::frozen(SESSION).virtual_server().rate(500)).await;
    let tok = token(&virt).await;
    for (path, tr) in [
        (
            "/uapi/domestic-stock/v1/quotations/inquire-index-price?FID_COND_MRKT_DIV_CODE=U&FID_INPUT_ISCD=0001",
            "FHPUP02100000",
        ),
        (
            "/uapi/domestic-stock/v1/quotations/volume-rank?FID_COND_MRKT_DIV_CODE=J",
            "FHPST01710000",
        ),
        (
            "/uapi/domestic-stock/v1/ranking/fluctuation?fid_cond_mrkt_div_code=J",
            "FHPST01700000",
        ),
    ] {
        let e = sim_get(&virt, &tok, path, tr).await;
        assert_eq!(e["msg_cd"], "OPSQ0002", "{tr}: {e}");
    }
    let chart = sim_get(&virt, &tok, "/uapi/domestic-stock/v1/quotations/inquire-daily-indexchartprice?FID_COND_MRKT_DIV_CODE=U&FID_INPUT_ISCD=0001&FID_INPUT_DATE_1=20261101&FID_INPUT_DATE_2=20261125&FID_PERIOD_DIV_CODE=D", "FHKUP03500100").await;
    assert_eq!(
        chart["rt_cd"], "0",
        "the daily index chart is served on virtual: {chart}"
    );
    assert!(chart["output2"].as_array().unwrap().len() >= 15);
}

#[tokio::test]
async fn the_simulated_market_source_serves_indices_and_rankings() {
    use hoga::source::{DataSource, Req};
    let sim = start(SimConfig::frozen(SESSION)).await;
    let src = hoga::source::mock::MockSource::from_market(sim.market().clone());
    let now = sim.market().now();
    let q = src
        .index(IndexCode::KOSPI200, Req::INTERACTIVE)
        .await
        .unwrap();
    assert_eq!(q.value, sim.market().index_at("2001", now).unwrap());
    let b = q.value.breadth.unwrap();
    assert_eq!(
        b.up + b.down + b.unchanged,
        200,
        "KOSPI200 has 200 constituents"
    );
    let r = src
        .ranking(RankKind::Losers, RankMarket::Kospi, Req::INTERACTIVE)
        .await
        .unwrap();
    assert_eq!(
        r.value,
        sim.market()
            .ranking_at(RankKind::Losers, RankMarket::Kospi, now)
    );
    assert!(
        r.value
            .windows(2)
            .all(|w| w[0].change_rate <= w[1].change_rate)
    );
}

// ------------------------------------------------------------------ the commands as built

fn hoga(sim: &SimHandle, home: &std::path::Path, args: &[&str], virtual_server: bool) -> Output {
    let mut all = vec!["--clock", "frozen:2026-11-25T10:30"];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_hoga"))
        .args(&all)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOGA_HOME", home)
        .env("HOGA_KIS_BASE_URL", sim.base_url())
        .env("HOGA_KIS_MASTER_URL", sim.master_url())
        .env("HOGA_KIS_APP_KEY", TEST_APP_KEY)
        .env("HOGA_KIS_APP_SECRET", TEST_APP_SECRET)
        .env("HOGA_REDIS_ENABLED", "false")
        .env(
            "HOGA_KIS_VIRTUAL",
            if virtual_server { "true" } else { "false" },
        )
        .output()
        .expect("hoga runs")
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hoga_index_and_rank_print_the_fields_the_issue_lists() {
    let sim = start(SimConfig::frozen(SESSION)).await;
    let home = tempfile::tempdir().unwrap();
    let now = sim.market().now();
    let v = json_of(&hoga(&sim, home.path(), &["index", "--json"], false));
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let mut want = [
        "code",
        "name",
        "value",
        "change",
        "change_rate",
        "volume",
        "value_traded",
        "up",
        "down",
        "unchanged",
        "limit_up",
        "limit_down",
        "as_of",
    ]
    .map(String::from)
    .to_vec();
    want.sort();
    for (row, code) in rows.iter().zip(["0001", "1001", "2001"]) {
        assert_eq!(keys(row), want);
        let t = sim.market().index_at(code, now).unwrap();
        assert_eq!(row["code"], code);
        assert_eq!(
            row["value"].as_f64().unwrap(),
            t.value.as_f64(),
            "value in points as a number"
        );
        assert_eq!(row["change"].as_f64().unwrap(), t.change.as_f64());
        assert_eq!(row["up"], t.breadth.unwrap().up);
        assert_eq!(row["volume"], wire_volume(t.volume));
        assert_eq!(row["as_of"], "2026-11-25T10:30:00+09:00");
    }
    let text = hoga(&sim, home.path(), &["index", "1001"], false);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("코스닥") && text.contains("1001"), "{text}");

    let v = json_of(&hoga(
        &sim,
        home.path(),
        &["rank", "gainers", "--market", "kosdaq", "--json"],
        false,
    ));
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 30);
    let truth = sim
        .market()
        .ranking_at(RankKind::Gainers, RankMarket::Kosdaq, now);
    let mut want = [
        "rank",
        "code",
        "name",
        "price",
        "change",
        "change_rate",
        "volume",
        "value",
    ]
    .map(String::from)
    .to_vec();
    want.sort();
    for (row, t) in rows.iter().zip(&truth) {
        assert_eq!(keys(row), want);
        assert_eq!(row["rank"], t.rank);
        assert_eq!(row["code"], t.code.as_str());
        assert_eq!(row["price"], t.price.0);
        assert_eq!(row["change_rate"].as_f64().unwrap(), t.change_rate.as_f64());
        assert_eq!(
            row["value"],
            t.value.unwrap().0,
            "traded value filled in from the quotes"
        );
    }
    let bad = hoga(&sim, home.path(), &["rank", "popular"], false);
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_virtual_server_rank_exits_1_and_index_is_the_last_close() {
    let sim = start(SimConfig::frozen(SESSION).virtual_server()).await;
    let home = tempfile::tempdir().unwrap();
    let out = hoga(&sim, home.path(), &["rank", "volume", "--json"], true);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("real KIS server only"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        tr_requests(&sim, "FHPST01710000"),
        0,
        "refused without a request"
    );

    let v = json_of(&hoga(&sim, home.path(), &["index", "0001", "--json"], true));
    let row = &v.as_array().unwrap()[0];
    let yesterday = hoga::market::Calendar::krx().prev_trading_day(kst_date(session_instant()));
    let y = sim.market().index_day("0001", yesterday).unwrap();
    assert_eq!(row["value"].as_f64().unwrap(), y.close as f64 / 100.0);
    assert_eq!(row["up"], Value::Null, "no breadth from the daily chart");
    assert_eq!(row["as_of"], format!("{}T15:30:00+09:00", yesterday));
    let text = hoga(&sim, home.path(), &["index", "0001"], true);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("close") && text.contains("virtual server"),
        "{text}"
    );
}

fn million(v: Krw) -> Krw {
    Krw(v.0 / 1_000_000 * 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn investor_flows_are_the_sims_and_published_after_the_close() {
    let code = client_support::code("005930");
    for (at, today_published) in [(SESSION, false), ("2026-11-25T16:00:00+09:00", true)] {
        let sim = start(SimConfig::frozen(at).rate(500)).await;
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
        let clock: hoga::clock::SharedClock =
            std::sync::Arc::new(hoga::clock::ManualClock::new(now));
        let c = client(&config(&sim, 500), options(dir.path(), Some(clock)));
        let m = sim.market();
        let days = c.investors(code, P).await.unwrap();
        let today = kst_date(now);
        let latest = if today_published {
            today
        } else {
            hoga::market::Calendar::krx().prev_trading_day(today)
        };
        assert_eq!(days[0].date, latest, "at {at}");
        assert!(days.len() >= 20);
        assert!(days.windows(2).all(|w| w[0].date > w[1].date));
        for d in days.iter().take(5) {
            let t = m.investor_day(code, d.date).unwrap();
            assert_eq!((d.close, d.change), (t.close, t.change));
            for (got, want) in [
                (d.individual, t.individual),
                (d.foreign, t.foreign),
                (d.institution, t.institution),
            ] {
                assert_eq!(
                    (got.net_qty, got.buy_qty, got.sell_qty),
                    (want.net_qty, want.buy_qty, want.sell_qty)
                );
                assert_eq!(got.net_value, million(want.net_value));
                assert_eq!(got.buy_value, million(want.buy_value));
            }
            // Every share bought was sold: the three net figures cancel, and add up to the day.
            let bar = m.final_day_bar(code, d.date).unwrap();
            assert_eq!(
                t.individual.net_qty + t.foreign.net_qty + t.institution.net_qty,
                0
            );
            assert_eq!(
                t.individual.buy_qty + t.foreign.buy_qty + t.institution.buy_qty,
                bar.volume
            );
            assert_eq!(
                t.individual.sell_value.0 + t.foreign.sell_value.0 + t.institution.sell_value.0,
                bar.value
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_status_is_the_sims_and_real_only() {
    let sim = start(SimConfig::frozen(SESSION).rate(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let c = client(&config(&sim, 500), options(dir.path(), Some(clock)));
    let now = session_instant();
    let m = sim.market();
    let all = c.vi_status(None, P).await.unwrap();
    let truth = m.vi_events_at(None, now);
    assert!(!all.is_empty(), "some stock moved 10 % by 10:30");
    assert_eq!(all.len(), truth.len().min(30));
    assert_eq!(all, truth[..all.len()].to_vec());
    for e in &all {
        // The quote agrees: the day's range reached the trigger price.
        let q = m.quote_at(e.code, now).unwrap();
        assert!(q.low <= e.price && e.price <= q.high, "{e:?}");
        let gap = e.static_gap.unwrap();
        assert!(gap.0.abs() >= 1_000, "{e:?}");
        assert_eq!(
            e.active,
            e.triggered_at.unwrap() + chrono::Duration::minutes(2)
                > chrono::NaiveTime::from_hms_opt(10, 30, 0).unwrap()
        );
    }
    let one = c.vi_status(Some(all[0].code), P).await.unwrap();
    assert_eq!(one, m.vi_events_at(Some(all[0].code), now));

    let virt = start(SimConfig::frozen(SESSION).virtual_server().rate(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let mut cfg = config(&virt, 500);
    cfg.kis.virtual_server = true;
    let c = client(&cfg, options(dir.path(), Some(clock)));
    assert!(c.vi_status(None, P).await.unwrap_err().is_unsupported());
    assert!(
        !c.investors(all[0].code, P).await.unwrap().is_empty(),
        "investor flows are served on virtual"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hoga_info_shows_investor_flows_and_vi() {
    let sim = start(SimConfig::frozen(SESSION)).await;
    let home = tempfile::tempdir().unwrap();
    let now = sim.market().now();
    let vi = sim.market().vi_events_at(None, now);
    let code = vi[0].code.to_string();
    let v = json_of(&hoga(&sim, home.path(), &["info", &code, "--json"], false));
    let yesterday = hoga::market::Calendar::krx().prev_trading_day(kst_date(now));
    assert_eq!(v["code"], code.as_str());
    let inv = v["investors"].as_array().unwrap();
    assert_eq!(inv.len(), 5);
    assert_eq!(
        inv[0]["date"],
        yesterday.to_string(),
        "today's figures come after the close"
    );
    let t = sim.market().investor_day(vi[0].code, yesterday).unwrap();
    assert_eq!(inv[0]["foreign"]["net_qty"], t.foreign.net_qty);
    assert_eq!(
        v["vi"].as_array().unwrap().len(),
        sim.market().vi_events_at(Some(vi[0].code), now).len()
    );
    let text = hoga(&sim, home.path(), &["info", &code], false);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("investor flows") && text.contains("외국인"),
        "{text}"
    );
    assert!(text.contains("VI "), "{text}");

    let virt = start(SimConfig::frozen(SESSION).virtual_server()).await;
    let v = json_of(&hoga(
        &virt,
        home.path(),
        &["info", "005930", "--json"],
        true,
    ));
    assert_eq!(v["vi"], Value::Null);
    assert!(v["investors"].is_array());
    let text = hoga(&virt, home.path(), &["info", "005930"], true);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("VI: served by the real KIS server only"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kis_sim_serves_the_overview_ground_truth() {
    let sim = start(SimConfig::frozen(SESSION)).await;
    let m = sim.market();
    let now = m.now();
    let get = |p: String| {
        let url = format!("{}/_sim/truth/{p}", sim.base_url());
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        get("index/2001".into()).await,
        serde_json::to_value(m.index_at("2001", now)).unwrap()
    );
    assert_eq!(
        get("rank/losers?market=kosdaq".into()).await,
        serde_json::to_value(m.ranking_at(RankKind::Losers, RankMarket::Kosdaq, now)).unwrap()
    );
    assert_eq!(
        get("investors/005930".into()).await,
        serde_json::to_value(m.investor_days_at(client_support::code("005930"), now, 30)).unwrap()
    );
    assert_eq!(
        get("vi".into()).await,
        serde_json::to_value(m.vi_events_at(None, now)).unwrap()
    );
    let r = reqwest::get(format!("{}/_sim/truth/rank/popular", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_minutes_follow_the_constituents_and_are_real_only() {
    let sim = start(SimConfig::frozen(SESSION).rate(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let (_mc, clock) = manual_clock();
    let c = client(&config(&sim, 500), options(dir.path(), Some(clock)));
    let now = session_instant();
    let m = sim.market();
    let bars = c.index_minutes(IndexCode::KOSDAQ, P).await.unwrap();
    let truth = m.index_minutes_at("1001", now);
    assert_eq!(truth.len(), 91, "09:00 to 10:30, the last minute partial");
    assert_eq!(bars.len(), truth.len());
    for (b, t) in bars.iter().zip(&truth) {
        assert_eq!(
            (b.time, b.open, b.high, b.low, b.close),
            (t.time, t.open, t.high, t.low, t.close)
        );
        assert_eq!(b.volume, wire_volume(t.volume));
    }
    let live = m.index_at("1001", now).unwrap();
    assert_eq!(
        bars.last().unwrap().close,
        live.value,
        "the last minute is the index now"
    );
    assert_eq!(bars[0].open, live.open);
    assert_eq!(bars.iter().map(|b| b.high).max(), Some(live.high));
    assert_eq!(bars.iter().map(|b| b.low).min(), Some(live.low));
    let total: u64 = truth.iter().map(|b| b.volume).sum();
    assert_eq!(total, live.volume, "minute volumes add up to the day's");

    // The simulated market serves the same; the virtual server none.
    use hoga::source::{DataSource, Req};
    let src = hoga::source::mock::MockSource::from_market(m.clone());
    assert_eq!(
        src.index_minutes(IndexCode::KOSDAQ, Req::INTERACTIVE)
            .await
            .unwrap()
            .value,
        truth
    );
    let virt = start(SimConfig::frozen(SESSION).virtual_server().rate(500)).await;
    let tok = token(&virt).await;
    let e = sim_get(&virt, &tok, "/uapi/domestic-stock/v1/quotations/inquire-time-indexchartprice?FID_COND_MRKT_DIV_CODE=U&FID_ETC_CLS_CODE=0&FID_INPUT_ISCD=1001&FID_INPUT_HOUR_1=60&FID_PW_DATA_INCU_YN=N", "FHKUP03500200").await;
    assert_eq!(e["msg_cd"], "OPSQ0002", "{e}");
}

//! `/_sim/` admin routes (JSON): stats, served log, faults, tokens, clock, rate, ground truth.

// Handlers return early with a ready `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use super::SimState;
use crate::clock::Clock;
use crate::market::{Market, StockCode};
use crate::sim::clock::{ClockMode, parse_instant};
use crate::sim::faults::FaultRule;
use crate::sim::model::candle;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type St = State<Arc<SimState>>;

pub(super) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/stats", get(stats))
        .route("/stats/reset", post(stats_reset))
        .route("/served", get(served))
        .route(
            "/faults",
            get(faults_list).post(faults_add).delete(faults_clear),
        )
        .route("/tokens", get(tokens))
        .route("/tokens/expire", post(tokens_expire))
        .route("/tokens/revoke", post(tokens_revoke))
        .route("/tokens/reset-guard", post(tokens_reset_guard))
        .route("/clock", get(clock_get).post(clock_set))
        .route("/rate", post(rate_set))
        .route("/truth/quote/{code}", get(truth_quote))
        .route("/truth/book/{code}", get(truth_book))
        .route("/truth/minute/{code}", get(truth_minute))
        .route("/truth/daily/{code}", get(truth_daily))
        .route("/truth/listing/{code}", get(truth_listing))
        .route("/truth/info/{code}", get(truth_info))
        .route("/truth/universe", get(truth_universe))
        .route("/truth/listings", get(truth_listings))
        .route("/truth/index/{code}", get(truth_index))
        .route("/truth/rank/{kind}", get(truth_rank))
        .route("/truth/investors/{code}", get(truth_investors))
        .route("/truth/vi", get(truth_vi))
        .nest("/ws", crate::sim::ws::admin::routes())
}

fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": msg.into() })),
    )
        .into_response()
}

fn not_found(code: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("unknown stock code {code}") })),
    )
        .into_response()
}

async fn stats(State(st): St) -> Response {
    Json(st.stats.snapshot()).into_response()
}

async fn stats_reset(State(st): St) -> Response {
    st.stats.reset();
    Json(json!({"ok": true})).into_response()
}

async fn served(State(st): St, Query(q): Query<HashMap<String, String>>) -> Response {
    let n = q.get("n").and_then(|n| n.parse().ok()).unwrap_or(100);
    Json(st.stats.served(n)).into_response()
}

async fn faults_list(State(st): St) -> Response {
    Json(st.faults.list()).into_response()
}

/// Body: one rule `{"kind":"latency","ms":200,...}` or an array of them.
async fn faults_add(State(st): St, body: axum::body::Bytes) -> Response {
    let rules: Vec<FaultRule> = match serde_json::from_slice::<Value>(&body) {
        Ok(v @ Value::Array(_)) => match serde_json::from_value(v) {
            Ok(r) => r,
            Err(e) => return bad(e.to_string()),
        },
        Ok(v) => match serde_json::from_value(v) {
            Ok(r) => vec![r],
            Err(e) => return bad(e.to_string()),
        },
        Err(e) => return bad(e.to_string()),
    };
    for r in rules {
        st.faults.add(r);
    }
    Json(st.faults.list()).into_response()
}

async fn faults_clear(State(st): St) -> Response {
    st.faults.clear();
    Json(json!({"ok": true})).into_response()
}

async fn tokens(State(st): St) -> Response {
    Json(st.auth.tokens()).into_response()
}

async fn tokens_expire(State(st): St) -> Response {
    let n = st.auth.expire_all(st.clock.now());
    st.stats.fault("token_expiry");
    Json(json!({ "expired": n })).into_response()
}

async fn tokens_revoke(State(st): St) -> Response {
    let n = st.auth.revoke_all();
    st.stats.fault("token_revocation");
    Json(json!({ "revoked": n })).into_response()
}

async fn tokens_reset_guard(State(st): St) -> Response {
    st.auth.reset_issue_guard();
    Json(json!({"ok": true})).into_response()
}

fn clock_json(st: &SimState) -> Value {
    let now = st.clock.now();
    json!({
        "now": now,
        "kst": now.with_timezone(&crate::market::KST).format("%Y-%m-%d %H:%M:%S").to_string(),
        "mode": format!("{:?}", st.clock.mode()),
        "session": st.market.calendar().session_at(now),
    })
}

async fn clock_get(State(st): St) -> Response {
    Json(clock_json(&st)).into_response()
}

#[derive(Deserialize)]
struct ClockSet {
    /// `real`, `frozen:<instant>`, `accel:<factor>[@<instant>]`
    mode: Option<String>,
    advance_secs: Option<i64>,
}

async fn clock_set(State(st): St, Json(body): Json<ClockSet>) -> Response {
    if let Some(m) = body.mode {
        match ClockMode::parse(&m) {
            Ok(mode) => st.clock.set_mode(mode),
            Err(e) => return bad(e),
        }
    }
    if let Some(s) = body.advance_secs {
        let Some(d) = chrono::Duration::try_seconds(s)
            .filter(|d| st.clock.now().checked_add_signed(*d).is_some())
        else {
            return bad(format!("advance_secs {s} is out of range"));
        };
        st.clock.advance(d);
    }
    Json(clock_json(&st)).into_response()
}

#[derive(Deserialize)]
struct RateSet {
    per_sec: u32,
}

async fn rate_set(State(st): St, Json(body): Json<RateSet>) -> Response {
    st.limiter.set_limit(body.per_sec);
    Json(json!({ "per_sec": body.per_sec })).into_response()
}

/// `?at=<instant>` (RFC 3339 or KST `YYYY-MM-DD HH:MM[:SS]`), default now.
fn at(st: &SimState, q: &HashMap<String, String>) -> Result<DateTime<Utc>, Response> {
    match q.get("at") {
        Some(s) => parse_instant(s).map_err(bad),
        None => Ok(st.clock.now()),
    }
}

fn code(c: &str) -> Result<StockCode, Response> {
    StockCode::new(c).map_err(|e| bad(e.to_string()))
}

type Q = Query<HashMap<String, String>>;

async fn truth_quote(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    match st.market.quote_at(code, t) {
        Some(v) => Json(v).into_response(),
        None => not_found(&c),
    }
}

async fn truth_book(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    match st.market.book_at(code, t) {
        Some(v) => Json(v).into_response(),
        None => not_found(&c),
    }
}

async fn truth_minute(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if st.market.stock(code).is_none() {
        return not_found(&c);
    }
    Json(st.market.minute_bars_at(code, t)).into_response()
}

/// `?from=YYYYMMDD&to=YYYYMMDD&at=...`: daily candles, oldest first.
async fn truth_daily(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if st.market.stock(code).is_none() {
        return not_found(&c);
    }
    let d = |k: &str, dflt: NaiveDate| match q.get(k) {
        Some(s) => NaiveDate::parse_from_str(s, "%Y%m%d").map_err(|_| bad(format!("bad {k}"))),
        None => Ok(dflt),
    };
    let today = crate::market::kst_date(t);
    let (from, to) = match (
        d("from", today - chrono::Duration::days(365)),
        d("to", today),
    ) {
        (Ok(f), Ok(to)) => (f, to),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let bars: Vec<_> = st
        .market
        .daily_bars_at(code, from, to, t)
        .iter()
        .map(|b| candle(b, None))
        .collect();
    Json(bars).into_response()
}

async fn truth_listing(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    match st.market.listing_at(code, t) {
        Some(v) => Json(v).into_response(),
        None => not_found(&c),
    }
}

async fn truth_info(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    match st.market.info_at(code, t) {
        Some(v) => Json(v).into_response(),
        None => not_found(&c),
    }
}

/// `?market=kospi|kosdaq`: every listing.
async fn truth_universe(State(st): St, Query(q): Q) -> Response {
    let t = match at(&st, &q) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let market: Option<Market> = match q.get("market") {
        Some(m) => match m.parse() {
            Ok(m) => Some(m),
            Err(e) => return bad(e),
        },
        None => None,
    };
    let list: Vec<_> = st
        .market
        .universe_at(t)
        .into_iter()
        .filter(|l| market.is_none_or(|m| l.market == m))
        .collect();
    Json(list).into_response()
}

/// The listing histories of the issues listed, delisted, renamed or moved within the
/// simulated history: listed_on, delisted_on (the first day no longer listed) and the names
/// and markets from their dates (`?at=` is not used: the table is the whole history).
async fn truth_listings(State(st): St) -> Response {
    Json(st.market.listing_histories()).into_response()
}

/// The index now (`0001`, `1001`, `2001`): value, breadth, volume in shares, value in won.
async fn truth_index(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let t = match at(&st, &q) {
        Ok(t) => t,
        Err(e) => return e,
    };
    match st.market.index_at(&c, t) {
        Some(v) => Json(v).into_response(),
        None => not_found(&c),
    }
}

/// `volume|value|gainers|losers`, `?market=all|kospi|kosdaq`: the 30 rows.
async fn truth_rank(State(st): St, Path(k): Path<String>, Query(q): Q) -> Response {
    let t = match at(&st, &q) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(kind) = crate::market::RankKind::parse(&k) else {
        return bad(format!("unknown ranking {k:?}"));
    };
    let market = match q.get("market").map(|m| crate::market::RankMarket::parse(m)) {
        None => crate::market::RankMarket::All,
        Some(Some(m)) => m,
        Some(None) => return bad("market must be all, kospi or kosdaq"),
    };
    Json(st.market.ranking_at(kind, market, t)).into_response()
}

/// Published investor days, newest first (30).
async fn truth_investors(State(st): St, Path(c): Path<String>, Query(q): Q) -> Response {
    let (code, t) = match (code(&c), at(&st, &q)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if st.market.stock(code).is_none() {
        return not_found(&c);
    }
    Json(st.market.investor_days_at(code, t, 30)).into_response()
}

/// The day's VI events up to now, newest first; `?code=` for one stock.
async fn truth_vi(State(st): St, Query(q): Q) -> Response {
    let t = match at(&st, &q) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let code = match q.get("code").map(|c| code(c)) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return e,
    };
    Json(st.market.vi_events_at(code, t)).into_response()
}

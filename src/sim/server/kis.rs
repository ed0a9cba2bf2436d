//! The KIS routes: OAuth, hashkey, the quotation TRs and the master files, behind the
//! gateway checks KIS applies (appkey/secret, rate limit, bearer token, custtype, tr_id,
//! real-only TRs), with faults applied around them.

use super::{ConnKill, SimState};
use crate::clock::Clock;
use crate::market::{Env, Market, Period};
use crate::sim::auth::{ApprovalIssue, Issue, Refusal};
use crate::sim::faults::FaultKind;
use crate::sim::stats::Served;
use crate::sim::wire::{
    self, MSG_KIOK0500, MSG_KIOK0530, MSG_OK, MSG_OK_CD, backend_error, codes, gateway_error,
    oauth_error, quotations as q, success,
};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use chrono::{Duration, NaiveDate, NaiveTime};
use serde_json::Value;
use std::sync::Arc;

const QUOTATIONS: &str = "/uapi/domestic-stock/v1/quotations/";

/// (path name, tr_id, real only)
const TRS: &[(&str, &str, bool)] = &[
    ("inquire-price", "FHKST01010100", false),
    ("intstock-multprice", "FHKST11300006", true),
    ("inquire-asking-price-exp-ccn", "FHKST01010200", false),
    ("inquire-daily-itemchartprice", "FHKST03010100", false),
    ("inquire-daily-price", "FHKST01010400", false),
    ("inquire-time-itemchartprice", "FHKST03010200", false),
    // Refused on the virtual server, as a third-party index of the portal says (unconfirmed).
    ("inquire-time-dailychartprice", "FHKST03010230", true),
    ("search-stock-info", "CTPF1002R", true),
    ("chk-holiday", "CTCA0903R", false),
    ("inquire-index-price", "FHPUP02100000", true),
    ("inquire-daily-indexchartprice", "FHKUP03500100", false),
    ("inquire-time-indexchartprice", "FHKUP03500200", true),
    ("volume-rank", "FHPST01710000", true),
    ("inquire-investor", "FHKST01010900", false),
    ("inquire-vi-status", "FHPST01390000", true),
];

mod market;

const RANKING: &str = "/uapi/domestic-stock/v1/ranking/";

/// (path name under `ranking/`, tr_id, real only)
const RANKING_TRS: &[(&str, &str, bool)] = &[("fluctuation", "FHPST01700000", true)];

/// A reply before faults and serialisation.
enum Reply {
    Json(StatusCode, Value),
    Bytes(StatusCode, &'static str, Vec<u8>),
}

fn json(status: StatusCode, v: Value) -> Reply {
    Reply::Json(status, v)
}

fn gw(code: (&str, &str)) -> Reply {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        gateway_error(code.0, code.1),
    )
}

fn oauth(status: StatusCode, code: (&str, &str)) -> Reply {
    json(status, oauth_error(code.0, code.1))
}

/// Input errors: HTTP 200, rt_cd 1, backend key order.
fn missing(field: &str) -> Reply {
    json(
        StatusCode::OK,
        backend_error(
            "1",
            "OPSQ2001",
            &format!("ERROR INPUT FIELD NOT FOUND [{field}]"),
        ),
    )
}

fn invalid(field: &str) -> Reply {
    json(
        StatusCode::OK,
        backend_error(
            "1",
            "OPSQ2002",
            &format!("ERROR INVALID INPUT FIELD [{field}]"),
        ),
    )
}

/// Query parameters, looked up case-insensitively (KIS accepts both `FID_…` and `fid_…`).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(uri: &Uri) -> Query {
        let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|q| q.0)
            .unwrap_or_default();
        Query(pairs)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn req(&self, name: &str) -> Result<&str, Reply> {
        self.get(name).ok_or_else(|| missing(name))
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Every non-admin request lands here.
pub(super) async fn entry(
    State(st): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    conn: Option<axum::Extension<ConnKill>>,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let tr_id = header(&headers, "tr_id").map(str::to_string);
    // The last four characters of the appkey: enough to tell test keys apart in the stats.
    let key_tail = header(&headers, "appkey").map(|k| {
        let n = k.chars().count();
        k.chars().skip(n.saturating_sub(4)).collect::<String>()
    });
    st.stats.with(|s| {
        s.requests += 1;
        if let Some(k) = &key_tail {
            *s.requests_by_appkey.entry(k.clone()).or_default() += 1;
        }
        *s.requests_by_path.entry(path.clone()).or_default() += 1;
        if let Some(t) = &tr_id {
            *s.requests_by_tr_id.entry(t.clone()).or_default() += 1;
        }
    });
    let fired = st.faults.roll(&path, tr_id.as_deref());
    let mut post = Vec::new();
    let mut early: Option<Reply> = None;
    for f in fired {
        st.stats.fault(f.name());
        match f {
            FaultKind::Latency { ms, jitter_ms } => {
                let d = (ms as i64 + st.faults.jitter(jitter_ms)).max(0) as u64;
                tokio::time::sleep(std::time::Duration::from_millis(d)).await;
            }
            FaultKind::Hang { ms } => {
                tokio::time::sleep(std::time::Duration::from_millis(ms.unwrap_or(600_000))).await;
            }
            FaultKind::Drop => {
                if let Some(axum::Extension(k)) = &conn {
                    k.0.notify_one();
                }
                record(&st, &method, &uri, tr_id.as_deref(), 0, None, String::new());
                // The connection task drops this future; never answer.
                std::future::pending::<()>().await;
            }
            FaultKind::Html if early.is_none() => {
                let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
                early = Some(Reply::Bytes(
                    StatusCode::BAD_GATEWAY,
                    "text/html",
                    page.as_bytes().to_vec(),
                ));
            }
            FaultKind::Transient { code } if early.is_none() => {
                early = Some(if code.as_deref() == Some("EGW00002") {
                    gw(codes::EGW00002)
                } else {
                    gw(codes::EGW00001)
                });
            }
            FaultKind::RateLimit if early.is_none() => {
                st.stats.with(|s| s.rate_limited += 1);
                early = Some(gw(codes::EGW00201));
            }
            other => post.push(other),
        }
    }
    let reply = match early {
        Some(r) => r,
        None => dispatch(&st, &method, &path, &uri, &headers, &body),
    };
    finish(&st, &method, &uri, tr_id.as_deref(), reply, &post)
}

fn record(
    st: &SimState,
    method: &Method,
    uri: &Uri,
    tr_id: Option<&str>,
    status: u16,
    code: Option<String>,
    body: String,
) {
    st.stats.record(Served {
        seq: 0,
        at: st.clock.now(),
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        tr_id: tr_id.map(str::to_string),
        status,
        code,
        body,
    });
}

fn finish(
    st: &SimState,
    method: &Method,
    uri: &Uri,
    tr_id: Option<&str>,
    reply: Reply,
    post: &[FaultKind],
) -> Response {
    let (status, content_type, bytes, code) = match reply {
        Reply::Json(status, mut v) => {
            for f in post {
                match f {
                    FaultKind::EmptyRows => pad_empty_rows(&mut v),
                    FaultKind::BadBarHighLow => corrupt_bar(&mut v, true),
                    FaultKind::BadBarOffGrid => corrupt_bar(&mut v, false),
                    _ => {}
                }
            }
            let code = v
                .get("msg_cd")
                .or_else(|| v.get("error_code"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(c) = &code
                && (v.get("rt_cd").and_then(Value::as_str) != Some("0"))
            {
                st.stats.error(c);
            }
            let mut text = v.to_string();
            for f in post {
                match f {
                    FaultKind::Truncate => {
                        let cut = text.len() / 2;
                        let mut cut_at = cut;
                        while !text.is_char_boundary(cut_at) {
                            cut_at -= 1;
                        }
                        text.truncate(cut_at);
                    }
                    FaultKind::Malformed => {
                        if text.ends_with('}') {
                            text.pop();
                            text.push_str(",}");
                        }
                        text = text.replacen("\":\"", "\":", 1);
                    }
                    _ => {}
                }
            }
            (
                status,
                "application/json; charset=utf-8",
                text.into_bytes(),
                code,
            )
        }
        Reply::Bytes(status, ct, b) => (status, ct, b, None),
    };
    let logged = if content_type.starts_with("application/zip") {
        format!("<{} bytes of zip>", bytes.len())
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    record(st, method, uri, tr_id, status.as_u16(), code, logged);
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static(content_type));
    if let Some(t) = tr_id.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert("tr_id", t);
        h.insert("tr_cont", HeaderValue::from_static("D"));
        let gt = format!(
            "{:032x}",
            crate::sim::hash::mix(st.stats.snapshot().requests) as u128
        );
        if let Ok(v) = HeaderValue::from_str(&gt) {
            h.insert("gt_uid", v);
        }
    }
    resp
}

/// Inserts `{}` rows into every array output (start and end).
fn pad_empty_rows(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        for (k, val) in o.iter_mut() {
            if k.starts_with("output")
                && let Some(a) = val.as_array_mut()
            {
                a.insert(0, Value::Object(Default::default()));
                a.push(Value::Object(Default::default()));
            }
        }
    }
}

/// Corrupts one chart row (the first with a price ≥ 2,000 for off-grid).
fn corrupt_bar(v: &mut Value, high_low: bool) {
    let Some(rows) = v.get_mut("output2").and_then(Value::as_array_mut) else {
        return;
    };
    for row in rows.iter_mut() {
        let Some(o) = row.as_object_mut() else {
            continue;
        };
        let get = |o: &serde_json::Map<String, Value>, k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<i64>().ok())
        };
        let close_key = if o.contains_key("stck_clpr") {
            "stck_clpr"
        } else {
            "stck_prpr"
        };
        let (Some(h), Some(l), Some(c)) =
            (get(o, "stck_hgpr"), get(o, "stck_lwpr"), get(o, close_key))
        else {
            continue;
        };
        if high_low {
            let tick = crate::market::tick_size(crate::market::Krw(h));
            o.insert("stck_hgpr".into(), Value::String((l - tick).to_string()));
            o.insert("stck_lwpr".into(), Value::String(h.max(l).to_string()));
            return;
        }
        if c >= 2_000 {
            o.insert("stck_clpr".into(), Value::String((c + 1).to_string()));
            if close_key == "stck_prpr" {
                o.insert("stck_prpr".into(), Value::String((c + 1).to_string()));
            }
            return;
        }
    }
}

fn dispatch(
    st: &SimState,
    method: &Method,
    path: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Reply {
    let master = st.config.master_path.trim_end_matches('/');
    if let Some(file) = path.strip_prefix(master).and_then(|p| p.strip_prefix('/')) {
        let market = match file {
            "kospi_code.mst.zip" => Market::Kospi,
            "kosdaq_code.mst.zip" => Market::Kosdaq,
            _ => return not_found(),
        };
        return match st.master_zip(market) {
            Ok(z) => Reply::Bytes(StatusCode::OK, "application/zip", z.as_ref().clone()),
            Err(_) => gw(codes::EGW00002),
        };
    }
    match (method, path) {
        (&Method::POST, "/oauth2/tokenP") => token(st, body),
        (&Method::POST, "/oauth2/revokeP") => revoke(st, body),
        (&Method::POST, "/oauth2/Approval") => approval(st, body),
        (&Method::POST, "/uapi/hashkey") => hashkey(st, headers, body),
        (&Method::GET, p) if p.starts_with(QUOTATIONS) => {
            let name = &p[QUOTATIONS.len()..];
            match TRS.iter().find(|t| t.0 == name) {
                Some(&(name, tr, real_only)) => match gate(st, headers, tr, real_only) {
                    Ok(()) => quotation(st, name, &Query::parse(uri)),
                    Err(r) => r,
                },
                None => not_found(),
            }
        }
        (&Method::GET, p) if p.starts_with(RANKING) => {
            let name = &p[RANKING.len()..];
            match RANKING_TRS.iter().find(|t| t.0 == name) {
                Some(&(name, tr, real_only)) => match gate(st, headers, tr, real_only) {
                    Ok(()) => market::quotation(st, name, &Query::parse(uri)),
                    Err(r) => r,
                },
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}

fn not_found() -> Reply {
    json(
        StatusCode::NOT_FOUND,
        gateway_error("EGW00202", "GW라우팅 중 오류가 발생했습니다."),
    )
}

/// The gateway checks, in KIS's order: appkey, appsecret, rate limit, token, custtype, tr_id.
fn gate(st: &SimState, h: &HeaderMap, tr: &str, real_only: bool) -> Result<(), Reply> {
    let appkey = header(h, "appkey").ok_or_else(|| gw(codes::EGW00102))?;
    let secret = header(h, "appsecret").ok_or_else(|| gw(codes::EGW00104))?;
    match st.auth.check_key(appkey, secret) {
        (false, _) => return Err(gw(codes::EGW00103)),
        (true, false) => return Err(gw(codes::EGW00105)),
        _ => {}
    }
    if !st.limiter.admit(appkey) {
        st.stats.with(|s| s.rate_limited += 1);
        return Err(gw(codes::EGW00201));
    }
    let auth = header(h, "authorization").ok_or_else(|| gw(codes::EGW00205))?;
    let token = match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => return Err(gw(codes::EGW00205)),
    };
    if token.is_empty() {
        return Err(gw(codes::EGW00122));
    }
    match st.auth.validate(token, appkey, st.clock.now()) {
        Ok(()) => {}
        Err(Refusal::Invalid) => return Err(gw(codes::EGW00121)),
        Err(Refusal::Expired) => return Err(gw(codes::EGW00123)),
    }
    match header(h, "custtype") {
        Some("P") | Some("B") => {}
        _ => return Err(gw(codes::EGW00208)),
    }
    let sent = header(h, "tr_id").unwrap_or("");
    if sent != tr || (real_only && st.config.env == Env::Virtual) {
        return Err(json(
            StatusCode::INTERNAL_SERVER_ERROR,
            backend_error("1", codes::OPSQ0002.0, codes::OPSQ0002.1),
        ));
    }
    Ok(())
}

fn body_json(body: &Bytes) -> Option<serde_json::Map<String, Value>> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.as_object().cloned())
}

fn field<'a>(o: &'a serde_json::Map<String, Value>, k: &str) -> &'a str {
    o.get(k).and_then(Value::as_str).unwrap_or("")
}

fn token(st: &SimState, body: &Bytes) -> Reply {
    let Some(o) = body_json(body) else {
        return oauth(StatusCode::FORBIDDEN, codes::EGW00101);
    };
    if field(&o, "grant_type") != "client_credentials" {
        return oauth(StatusCode::FORBIDDEN, codes::EGW00101);
    }
    let now = st.clock.now();
    match st
        .auth
        .issue(field(&o, "appkey"), field(&o, "appsecret"), now)
    {
        Issue::BadKey => oauth(StatusCode::FORBIDDEN, codes::EGW00103),
        Issue::BadSecret => oauth(StatusCode::FORBIDDEN, codes::EGW00105),
        Issue::TooSoon => {
            st.stats.with(|s| s.token_refusals += 1);
            oauth(StatusCode::FORBIDDEN, codes::EGW00133)
        }
        Issue::Ok {
            token,
            expires_at,
            expires_in,
            fresh,
        } => {
            st.stats.with(|s| {
                if fresh {
                    s.tokens_issued += 1
                } else {
                    s.tokens_reused += 1
                }
            });
            let mut m = serde_json::Map::new();
            m.insert("access_token".into(), Value::String(token));
            m.insert(
                "access_token_token_expired".into(),
                Value::String(
                    expires_at
                        .with_timezone(&crate::market::KST)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string(),
                ),
            );
            m.insert("token_type".into(), Value::String("Bearer".into()));
            m.insert("expires_in".into(), Value::from(expires_in));
            json(StatusCode::OK, Value::Object(m))
        }
    }
}

fn revoke(st: &SimState, body: &Bytes) -> Reply {
    let Some(o) = body_json(body) else {
        return oauth(StatusCode::FORBIDDEN, codes::EGW00101);
    };
    let (appkey, secret, token) = (
        field(&o, "appkey"),
        field(&o, "appsecret"),
        field(&o, "token"),
    );
    match st.auth.check_key(appkey, secret) {
        (false, _) => return oauth(StatusCode::FORBIDDEN, codes::EGW00103),
        (true, false) => return oauth(StatusCode::FORBIDDEN, codes::EGW00105),
        _ => {}
    }
    if st.auth.revoke(appkey, token) {
        let mut m = serde_json::Map::new();
        m.insert("code".into(), Value::from(200));
        m.insert(
            "message".into(),
            Value::String("접근토큰 폐기에 성공하였습니다".into()),
        );
        json(StatusCode::OK, Value::Object(m))
    } else {
        oauth(StatusCode::FORBIDDEN, codes::EGW00121)
    }
}

/// POST /oauth2/Approval: the WebSocket approval key (§2.4, §13.3). Asked again within a
/// second it is refused like any over-rate call: HTTP 500 `EGW00201` (KIS's body for this is
/// UNCONFIRMED).
fn approval(st: &SimState, body: &Bytes) -> Reply {
    let Some(o) = body_json(body) else {
        return oauth(StatusCode::FORBIDDEN, codes::EGW00101);
    };
    if field(&o, "grant_type") != "client_credentials" {
        return oauth(StatusCode::FORBIDDEN, codes::EGW00101);
    }
    match st
        .auth
        .approval(field(&o, "appkey"), field(&o, "secretkey"), st.clock.now())
    {
        ApprovalIssue::BadKey => oauth(StatusCode::FORBIDDEN, codes::EGW00103),
        ApprovalIssue::BadSecret => oauth(StatusCode::FORBIDDEN, codes::EGW00105),
        ApprovalIssue::TooSoon => {
            st.stats.with(|s| s.approval_refusals += 1);
            gw(codes::EGW00201)
        }
        ApprovalIssue::Ok { key, fresh } => {
            st.stats.with(|s| {
                if fresh {
                    s.approvals_issued += 1
                } else {
                    s.approvals_reused += 1
                }
            });
            json(StatusCode::OK, wire::obj([("approval_key", key)]))
        }
    }
}

fn hashkey(st: &SimState, h: &HeaderMap, body: &Bytes) -> Reply {
    let Some(appkey) = header(h, "appkey") else {
        return gw(codes::EGW00102);
    };
    let Some(secret) = header(h, "appsecret") else {
        return gw(codes::EGW00104);
    };
    match st.auth.check_key(appkey, secret) {
        (false, _) => return gw(codes::EGW00103),
        (true, false) => return gw(codes::EGW00105),
        _ => {}
    }
    let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            backend_error("1", codes::IGW00007.0, codes::IGW00007.1),
        );
    };
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    let mut m = serde_json::Map::new();
    m.insert("BODY".into(), parsed);
    m.insert("HASH".into(), Value::String(hex::encode(digest)));
    json(StatusCode::OK, Value::Object(m))
}

fn ok(outputs: Vec<(&str, Value)>) -> Reply {
    json(StatusCode::OK, success(outputs, MSG_OK_CD, MSG_OK))
}

fn market_code(qs: &Query, name: &str) -> Result<(), Reply> {
    match qs.req(name)? {
        "J" | "NX" | "UN" | "W" => Ok(()),
        _ => Err(invalid(name)),
    }
}

fn ymd(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y%m%d").ok()
}

fn quotation(st: &SimState, name: &str, qs: &Query) -> Reply {
    if market::NAMES.contains(&name) {
        return market::quotation(st, name, qs);
    }
    match quotation_inner(st, name, qs) {
        Ok(r) | Err(r) => r,
    }
}

fn quotation_inner(st: &SimState, name: &str, qs: &Query) -> Result<Reply, Reply> {
    let m = &st.market;
    let now = st.clock.now();
    let stock_of =
        |code: &str| q::known(m, code).and_then(|c| Some((m.stock(c)?, m.snapshot_at(c, now)?)));
    Ok(match name {
        "inquire-price" => {
            market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
            let code = qs.req("FID_INPUT_ISCD")?;
            if code.is_empty() {
                return Err(missing("FID_INPUT_ISCD"));
            }
            let out = match stock_of(code) {
                Some((s, snap)) => q::inquire_price(m, s, &snap, now),
                None => q::inquire_price_unknown(code),
            };
            ok(vec![("output", out)])
        }
        "intstock-multprice" => {
            let mut rows = Vec::new();
            for (k, _) in &qs.0 {
                let upper = k.to_ascii_uppercase();
                if let Some(n) = upper.strip_prefix("FID_INPUT_ISCD_")
                    && n.parse::<u32>()
                        .map(|n| !(1..=30).contains(&n))
                        .unwrap_or(true)
                {
                    return Err(invalid(k));
                }
            }
            for i in 1..=30 {
                let Some(code) = qs.get(&format!("FID_INPUT_ISCD_{i}")) else {
                    continue;
                };
                market_code(qs, &format!("FID_COND_MRKT_DIV_CODE_{i}"))?;
                rows.push(match stock_of(code) {
                    Some((s, snap)) => q::multprice_row(m, s, &snap, now),
                    None => q::multprice_unknown(code),
                });
            }
            if rows.is_empty() {
                return Err(missing("FID_INPUT_ISCD_1"));
            }
            ok(vec![("output", Value::Array(rows))])
        }
        "inquire-asking-price-exp-ccn" => {
            market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
            let code = qs.req("FID_INPUT_ISCD")?;
            let (o1, o2) = match stock_of(code) {
                Some((s, snap)) => q::asking_price(m, s, &snap, now),
                None => q::asking_price_unknown(code),
            };
            ok(vec![("output1", o1), ("output2", o2)])
        }
        "inquire-daily-itemchartprice" => {
            market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
            let code = qs.req("FID_INPUT_ISCD")?;
            let from =
                ymd(qs.req("FID_INPUT_DATE_1")?).ok_or_else(|| invalid("FID_INPUT_DATE_1"))?;
            let to = ymd(qs.req("FID_INPUT_DATE_2")?).ok_or_else(|| invalid("FID_INPUT_DATE_2"))?;
            let period = q::period_of(qs.req("FID_PERIOD_DIV_CODE")?)
                .ok_or_else(|| invalid("FID_PERIOD_DIV_CODE"))?;
            let adjusted = match qs.req("FID_ORG_ADJ_PRC")? {
                "0" => true,
                "1" => false,
                _ => return Err(invalid("FID_ORG_ADJ_PRC")),
            };
            let found = stock_of(code);
            let o1 = q::chart_output1(m, found.as_ref().map(|(s, sn)| (*s, sn)), code, now);
            let rows: Vec<Value> = match &found {
                Some((s, _)) if from <= to => {
                    let bars =
                        m.period_day_bars_adj(s.code, period, from, to, now, false, adjusted);
                    let daily = period == Period::Day;
                    bars.iter()
                        .rev()
                        .take(100)
                        .map(|b| {
                            let act = daily.then(|| m.action_on(s.code, b.date)).flatten();
                            q::chart_row_with(b, act.as_ref())
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            ok(vec![("output1", o1), ("output2", Value::Array(rows))])
        }
        "inquire-time-dailychartprice" => {
            market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
            let code = qs.req("FID_INPUT_ISCD")?;
            let hour = qs.req("FID_INPUT_HOUR_1")?;
            let hour = (hour.len() == 6)
                .then(|| NaiveTime::parse_from_str(hour, "%H%M%S").ok())
                .flatten()
                .ok_or_else(|| invalid("FID_INPUT_HOUR_1"))?;
            let date =
                ymd(qs.req("FID_INPUT_DATE_1")?).ok_or_else(|| invalid("FID_INPUT_DATE_1"))?;
            match qs.req("FID_PW_DATA_INCU_YN")? {
                "Y" | "N" => {}
                _ => return Err(invalid("FID_PW_DATA_INCU_YN")),
            }
            let found = stock_of(code);
            let o1 = q::time_chart_output1(found.as_ref().map(|(s, sn)| (*s, sn)));
            // That day's session as it stood at its end, or now if it is today (never ahead).
            let end =
                crate::market::kst_to_utc(date.and_time(NaiveTime::MIN)) + Duration::hours(23);
            let rows = match &found {
                Some((s, _)) if date <= crate::market::kst_date(now) => {
                    let bars = m.minute_bars_at(s.code, end.min(now));
                    let mut cum = 0i64;
                    let mut rows: Vec<Value> = Vec::with_capacity(bars.len());
                    for b in &bars {
                        cum += b.value.0;
                        if b.date == date && b.time.is_some_and(|t| t <= hour) {
                            rows.push(q::time_chart_row(b, cum));
                        }
                    }
                    rows.into_iter().rev().take(120).collect()
                }
                _ => Vec::new(),
            };
            ok(vec![("output1", o1), ("output2", Value::Array(rows))])
        }
        "inquire-daily-price" => {
            market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
            let code = qs.req("FID_INPUT_ISCD")?;
            let period = match qs.req("FID_PERIOD_DIV_CODE")? {
                "D" => Period::Day,
                "W" => Period::Week,
                "M" => Period::Month,
                _ => return Err(invalid("FID_PERIOD_DIV_CODE")),
            };
            match qs.req("FID_ORG_ADJ_PRC")? {
                "0" | "1" => {}
                _ => return Err(invalid("FID_ORG_ADJ_PRC")),
            }
            let rows = match stock_of(code) {
                Some((s, snap)) => {
                    let back = match period {
                        Period::Day => Duration::days(60),
                        Period::Week => Duration::days(7 * 32),
                        _ => Duration::days(31 * 32),
                    };
                    let bars = m.period_day_bars_at(
                        s.code,
                        period,
                        snap.date - back,
                        snap.date,
                        now,
                        true,
                    );
                    let n = bars.len();
                    let start = n.saturating_sub(30);
                    (start..n)
                        .rev()
                        .map(|i| {
                            let pv = if i > 0 { bars[i - 1].volume } else { 0 };
                            q::daily_price_row(m, s, &bars[i], pv)
                        })
                        .collect()
                }
                None => Vec::new(),
            };
            ok(vec![("output", Value::Array(rows))])
        }
        "inquire-time-itemchartprice" => {
            qs.req("FID_ETC_CLS_CODE")?;
            market_code(qs, "FID_COND_MRKT_DIV_CODE")?;
            let code = qs.req("FID_INPUT_ISCD")?;
            let hour = qs.req("FID_INPUT_HOUR_1")?;
            let hour = (hour.len() == 6)
                .then(|| NaiveTime::parse_from_str(hour, "%H%M%S").ok())
                .flatten()
                .ok_or_else(|| invalid("FID_INPUT_HOUR_1"))?;
            match qs.req("FID_PW_DATA_INCU_YN")? {
                "Y" | "N" => {}
                _ => return Err(invalid("FID_PW_DATA_INCU_YN")),
            }
            let found = stock_of(code);
            let o1 = q::time_chart_output1(found.as_ref().map(|(s, sn)| (*s, sn)));
            let rows = match &found {
                Some((s, _)) => {
                    let bars = m.minute_bars_at(s.code, now);
                    let mut cum = 0i64;
                    let mut with_cum: Vec<(usize, i64)> = Vec::with_capacity(bars.len());
                    for (i, b) in bars.iter().enumerate() {
                        cum += b.value.0;
                        with_cum.push((i, cum));
                    }
                    with_cum
                        .iter()
                        .rev()
                        .filter(|(i, _)| bars[*i].time.is_some_and(|t| t <= hour))
                        .take(30)
                        .map(|(i, c)| q::time_chart_row(&bars[*i], *c))
                        .collect()
                }
                None => Vec::new(),
            };
            ok(vec![("output1", o1), ("output2", Value::Array(rows))])
        }
        "search-stock-info" => {
            match qs.req("PRDT_TYPE_CD")? {
                "300" => {}
                "301" | "302" | "306" | "512" => {
                    return Ok(no_data());
                }
                _ => return Err(invalid("PRDT_TYPE_CD")),
            }
            let pdno = qs.req("PDNO")?;
            let code = pdno.trim().trim_start_matches("00000A");
            match stock_of(code) {
                Some((s, snap)) => json(
                    StatusCode::OK,
                    success(
                        vec![("output", q::stock_info(m, s, &snap))],
                        "KIOK0530",
                        MSG_KIOK0530,
                    ),
                ),
                None => no_data(),
            }
        }
        "chk-holiday" => {
            let start = match qs
                .get("CTX_AREA_NK")
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(nk) => ymd(nk).ok_or_else(|| invalid("CTX_AREA_NK"))? + Duration::days(1),
                None => ymd(qs.req("BASS_DT")?).ok_or_else(|| invalid("BASS_DT"))?,
            };
            let cal = m.calendar();
            let days: Vec<NaiveDate> = (0..24).map(|i| start + Duration::days(i)).collect();
            let rows = days
                .iter()
                .map(|d| q::holiday_row(*d, cal.is_trading_day(*d)))
                .collect();
            let last = days.last().copied().unwrap_or(start);
            let mut v = success(
                vec![("output", Value::Array(rows))],
                "KIOK0500",
                MSG_KIOK0500,
            );
            if let Some(o) = v.as_object_mut() {
                // The captured body puts the continuation keys first.
                let mut m2 = serde_json::Map::new();
                m2.insert(
                    "ctx_area_nk".into(),
                    Value::String(format!("{:<20}", last.format("%Y%m%d"))),
                );
                m2.insert(
                    "ctx_area_fk".into(),
                    Value::String(format!("{:<20}", start.format("%Y%m%d"))),
                );
                m2.extend(std::mem::take(o));
                *o = m2;
            }
            json(StatusCode::OK, v)
        }
        _ => not_found(),
    })
}

/// "No data" answer of the account-style TRs (search-stock-info with an unknown code).
fn no_data() -> Reply {
    let mut m = serde_json::Map::new();
    m.insert("output".into(), Value::Object(Default::default()));
    m.insert("rt_cd".into(), Value::String("7".into()));
    m.insert("msg_cd".into(), Value::String("KIOK0560".into()));
    m.insert(
        "msg1".into(),
        Value::String(format!("{:<60}", "조회할 내용이 없습니다")),
    );
    json(StatusCode::OK, Value::Object(m))
}

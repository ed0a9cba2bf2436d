//! `/_sim/ws/` admin routes (JSON), in the style of the other `/_sim/` routes:
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/ws/config`, `POST` (a [`WsConfig`] body, all keys optional) | settings: ping, echo timeout, slot hold, cap, batch, 59/62 fields, faults |
//! | `GET /_sim/ws/faults`, `POST` (a [`WsFaults`] body), `DELETE` | the standing stream faults |
//! | `POST /_sim/ws/drop` | drop every session now (TCP closed, no close frame; slots held) |
//! | `POST /_sim/ws/stall` `{"secs":30,"session":2}` | no data and no PINGPONG for that long (every session without `session`) |
//! | `POST /_sim/ws/refuse` `{"secs":10}` | close new connections before the handshake for that long |
//! | `POST /_sim/ws/clear` | end stalls and refusals, free held slots |
//! | `GET /_sim/ws/sessions` | every connection: appkey tail, times, how it ended, registrations, counts |
//! | `GET /_sim/ws/sent?session=N&tr_id=&tr_key=&after_seq=` | every data record sent, oldest first |
//! | `GET /_sim/ws/junk` | junk frames the faults sent |
//! | `GET /_sim/ws/registrations` | `{"current":{session:[[tr_id,tr_key],…]},"log":[…]}` |
//! | `GET /_sim/ws/pings` | PINGPONGs sent and when each was echoed |
//! | `POST /_sim/ws/reset` | forget the logs above |
//! | `POST /_sim/ws/approvals/expire` | every approval key expires now |
//!
//! Durations are in sim seconds (run faster on an accelerated clock).

// Handlers return early with a ready `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use super::{WsConfig, WsFaults};
use crate::clock::Clock;
use crate::sim::SimState;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type St = State<Arc<SimState>>;

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/config", get(config_get).post(config_set))
        .route(
            "/faults",
            get(faults_get).post(faults_set).delete(faults_clear),
        )
        .route("/drop", post(drop_all))
        .route("/stall", post(stall))
        .route("/refuse", post(refuse))
        .route("/clear", post(clear))
        .route("/sessions", get(sessions))
        .route("/sent", get(sent))
        .route("/junk", get(junk))
        .route("/registrations", get(registrations))
        .route("/pings", get(pings))
        .route("/reset", post(reset))
        .route("/approvals/expire", post(approvals_expire))
}

fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": msg.into() })),
    )
        .into_response()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| bad(e.to_string()))
}

async fn config_get(State(st): St) -> Response {
    Json(st.ws.config()).into_response()
}

/// Merges the given keys into the current settings.
async fn config_set(State(st): St, body: axum::body::Bytes) -> Response {
    let patch: Value = match parse(&body) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Ok(Value::Object(mut cur)) = serde_json::to_value(st.ws.config()) else {
        return bad("settings are not an object");
    };
    let Value::Object(patch) = patch else {
        return bad("expected a JSON object");
    };
    for (k, v) in patch {
        cur.insert(k, v);
    }
    let c: WsConfig = match serde_json::from_value(Value::Object(cur)) {
        Ok(c) => c,
        Err(e) => return bad(e.to_string()),
    };
    if !(c.ping_secs > 0.0 && c.echo_timeout_secs > 0.0 && c.slot_hold_secs >= 0.0) {
        return bad("ping_secs and echo_timeout_secs must be above 0, slot_hold_secs at least 0");
    }
    if !(1..=999).contains(&c.max_batch) {
        return bad("max_batch must be 1–999");
    }
    st.ws.set_config(c);
    Json(st.ws.config()).into_response()
}

async fn faults_get(State(st): St) -> Response {
    Json(st.ws.config().faults).into_response()
}

async fn faults_set(State(st): St, body: axum::body::Bytes) -> Response {
    let f: WsFaults = match parse(&body) {
        Ok(f) => f,
        Err(e) => return e,
    };
    if !((0.0..=1.0).contains(&f.malformed) && (0.0..=1.0).contains(&f.unknown_tr)) {
        return bad("malformed and unknown_tr are probabilities (0–1)");
    }
    st.ws.set_faults(f);
    Json(st.ws.config().faults).into_response()
}

async fn faults_clear(State(st): St) -> Response {
    st.ws.set_faults(WsFaults::default());
    Json(json!({"ok": true})).into_response()
}

async fn drop_all(State(st): St) -> Response {
    st.ws.drop_all();
    st.stats.fault("ws_drop");
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct Outage {
    secs: f64,
    #[serde(default)]
    session: Option<u64>,
}

fn outage(body: &[u8]) -> Result<Outage, Response> {
    let o: Outage = parse(body)?;
    if !(o.secs.is_finite() && o.secs >= 0.0 && o.secs <= 1.0e7) {
        return Err(bad("secs must be between 0 and 10000000"));
    }
    Ok(o)
}

async fn stall(State(st): St, body: axum::body::Bytes) -> Response {
    match outage(&body) {
        Ok(o) => {
            st.ws.stall(o.session, o.secs);
            st.stats.fault("ws_stall");
            Json(json!({"ok": true})).into_response()
        }
        Err(e) => e,
    }
}

async fn refuse(State(st): St, body: axum::body::Bytes) -> Response {
    match outage(&body) {
        Ok(o) => {
            st.ws.refuse(o.secs);
            st.stats.fault("ws_refuse");
            Json(json!({"ok": true})).into_response()
        }
        Err(e) => e,
    }
}

async fn clear(State(st): St) -> Response {
    st.ws.clear_outages();
    st.ws.release_holds();
    Json(json!({"ok": true})).into_response()
}

async fn sessions(State(st): St) -> Response {
    Json(st.ws.sessions()).into_response()
}

async fn sent(State(st): St, Query(q): Query<HashMap<String, String>>) -> Response {
    let num = |k: &str| -> Result<Option<u64>, Response> {
        q.get(k)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| bad(format!("{k} must be a number")))
            })
            .transpose()
    };
    let (session, after) = match (num("session"), num("after_seq")) {
        (Ok(s), Ok(a)) => (s, a),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let list: Vec<_> = st
        .ws
        .sent(session)
        .into_iter()
        .filter(|r| q.get("tr_id").is_none_or(|t| *t == r.tr_id))
        .filter(|r| q.get("tr_key").is_none_or(|k| *k == r.tr_key))
        .filter(|r| after.is_none_or(|a| r.seq > a))
        .collect();
    Json(list).into_response()
}

async fn junk(State(st): St) -> Response {
    Json(st.ws.junk()).into_response()
}

async fn registrations(State(st): St) -> Response {
    let current: serde_json::Map<String, Value> = st
        .ws
        .registrations()
        .into_iter()
        .map(|(id, set)| (id.to_string(), json!(set)))
        .collect();
    Json(json!({ "current": current, "log": st.ws.registration_log() })).into_response()
}

async fn pings(State(st): St) -> Response {
    Json(st.ws.pings()).into_response()
}

async fn reset(State(st): St) -> Response {
    st.ws.reset_truth();
    Json(json!({"ok": true})).into_response()
}

async fn approvals_expire(State(st): St) -> Response {
    let n = st.auth.expire_approvals(st.clock.now());
    st.stats.fault("approval_expiry");
    Json(json!({ "expired": n })).into_response()
}

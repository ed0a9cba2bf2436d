//! The index, ranking, investor and VI parsers against hostile values: every string field of
//! a full body (as kis-sim shapes it, all the spec's fields) replaced by i64::MIN, huge,
//! `1e400`, NaN and friends, as text or as a JSON number. Parsing may fail with a typed
//! error; it never panics (debug builds check overflow) and never wraps.

use chrono::{TimeZone, Utc};
use hoga::kis::wire;
use hoga::market::{IndexCode, RankKind, RankMarket};
use hoga::sim::SimClock;
use hoga::sim::model::SimMarket;
use hoga::sim::wire::market as w;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

fn envelope(outputs: Vec<(&str, Value)>) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in outputs {
        m.insert(k.to_string(), v);
    }
    m.insert("rt_cd".into(), json!("0"));
    m.insert("msg_cd".into(), json!("MCA00000"));
    m.insert("msg1".into(), json!("정상처리 되었습니다."));
    Value::Object(m)
}

/// (endpoint, body) of every TR, built once from a frozen simulated market.
fn bodies() -> &'static Vec<(&'static str, Value)> {
    static B: OnceLock<Vec<(&'static str, Value)>> = OnceLock::new();
    B.get_or_init(|| {
        let t = hoga::sim::clock::parse_instant("2026-11-25 10:30").unwrap();
        let m = SimMarket::new(7, Arc::new(SimClock::frozen(t)));
        let q = m.index_at("0001", t).unwrap();
        let d = q.as_of.date_naive();
        let bars = m.index_bars_at(
            "0001",
            hoga::market::Period::Day,
            d - chrono::Duration::days(10),
            d,
            t,
            50,
        );
        let rank = m.ranking_at(RankKind::Volume, RankMarket::All, t);
        let code = rank[0].code;
        let inv = m.investor_days_at(code, t, 3);
        let vi = m.vi_events_at(None, t);
        let dir = hoga::market::Direction::Up;
        let minutes = m.index_minutes_at("0001", t);
        vec![
            (
                "inquire-index-price",
                envelope(vec![(
                    "output",
                    w::index_price(&q, 1, 2, (q.high, d, q.low, d)),
                )]),
            ),
            (
                "inquire-daily-indexchartprice",
                envelope(vec![
                    ("output1", w::index_chart_output1(Some(&q), 5)),
                    (
                        "output2",
                        Value::Array(bars.iter().map(w::index_chart_row).collect()),
                    ),
                ]),
            ),
            (
                "inquire-time-indexchartprice",
                envelope(vec![(
                    "output2",
                    Value::Array(
                        minutes
                            .iter()
                            .rev()
                            .take(5)
                            .map(|b| w::index_minute_row(b, b.value.0))
                            .collect(),
                    ),
                )]),
            ),
            (
                "volume-rank",
                envelope(vec![(
                    "output",
                    Value::Array(
                        rank.iter()
                            .take(3)
                            .map(|r| w::volume_rank_row(r, dir, 1_000))
                            .collect(),
                    ),
                )]),
            ),
            (
                "ranking/fluctuation",
                envelope(vec![(
                    "output",
                    Value::Array(
                        rank.iter()
                            .take(3)
                            .map(|r| w::fluctuation_row(r, dir, 1, 1, d))
                            .collect(),
                    ),
                )]),
            ),
            (
                "inquire-investor",
                envelope(vec![(
                    "output",
                    Value::Array(
                        inv.iter()
                            .map(|i| {
                                w::investor_row(
                                    i.date,
                                    i.close.0,
                                    i.change.0,
                                    Some([i.individual, i.foreign, i.institution]),
                                )
                            })
                            .collect(),
                    ),
                )]),
            ),
            (
                "inquire-vi-status",
                envelope(vec![(
                    "output",
                    Value::Array(vi.iter().take(3).map(w::vi_row).collect()),
                )]),
            ),
        ]
    })
}

fn fields(v: &Value) -> Vec<(String, Option<usize>, String)> {
    let mut out = Vec::new();
    for (k, o) in v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("output"))
    {
        let mut push = |row: Option<usize>, r: &Value| {
            for (f, x) in r.as_object().into_iter().flatten() {
                if x.is_string() {
                    out.push((k.clone(), row, f.clone()));
                }
            }
        };
        match o {
            Value::Array(rows) => rows.iter().enumerate().for_each(|(i, r)| push(Some(i), r)),
            r => push(None, r),
        }
    }
    out
}

fn set(v: &mut Value, at: &(String, Option<usize>, String), x: Value) {
    let o = &mut v[&at.0];
    let r = match at.1 {
        Some(i) => &mut o[i],
        None => o,
    };
    r[&at.2] = x;
}

fn hostile() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        Just(i64::MIN.to_string()),
        Just(i64::MAX.to_string()),
        Just("-9223372036854775809".to_string()),
        Just("99999999999999999999999".to_string()),
        Just(format!("{}.99", i64::MAX / 100)),
        Just(format!("-{}.99", i64::MAX / 100)),
        Just("1e400".to_string()),
        Just("NaN".to_string()),
        Just("-".to_string()),
        Just(".".to_string()),
        Just("000000".to_string()),
        Just("246060".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i32>().prop_map(|n| format!("{}.{:02}", n, n.unsigned_abs() % 100)),
        "[-+0-9.,e]{0,24}",
    ]
    .prop_map(Value::String);
    let number = prop_oneof![
        Just(Value::from(i64::MIN)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(1e300)),
        any::<f64>().prop_map(Value::from),
    ];
    prop_oneof![3 => text, 1 => number]
}

fn parse_all(endpoint: &'static str, bytes: &[u8]) {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 1, 30, 0).unwrap();
    let Ok(b) = wire::parse_body(endpoint, 200, bytes) else {
        return;
    };
    let _ = wire::index::index_price(&b, IndexCode::KOSPI, now);
    let _ = wire::index::index_chart(&b);
    let _ = wire::index::index_minutes(&b);
    let _ = wire::rank::ranking(&b);
    let _ = wire::flows::investor(&b);
    let _ = wire::flows::vi_status(&b);
}

#[test]
fn every_body_parses_as_built() {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 1, 30, 0).unwrap();
    for (endpoint, v) in bodies() {
        let b = wire::parse_body(endpoint, 200, &serde_json::to_vec(v).unwrap()).unwrap();
        let ok = match *endpoint {
            "inquire-index-price" => wire::index::index_price(&b, IndexCode::KOSPI, now).is_ok(),
            "inquire-daily-indexchartprice" => {
                wire::index::index_chart(&b).is_ok_and(|p| !p.bars.is_empty())
            }
            "inquire-time-indexchartprice" => {
                wire::index::index_minutes(&b).is_ok_and(|r| r.len() == 5)
            }
            "volume-rank" | "ranking/fluctuation" => {
                wire::rank::ranking(&b).is_ok_and(|r| r.len() == 3)
            }
            "inquire-investor" => wire::flows::investor(&b).is_ok_and(|r| r.len() == 3),
            _ => wire::flows::vi_status(&b).is_ok_and(|r| !r.is_empty()),
        };
        assert!(ok, "{endpoint}");
        assert!(!fields(v).is_empty(), "{endpoint}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn hostile_values_never_panic(
        which in 0..7usize,
        picks in proptest::collection::vec((any::<prop::sample::Index>(), hostile()), 1..6),
    ) {
        let (endpoint, v) = &bodies()[which];
        let mut v = v.clone();
        let paths = fields(&v);
        for (i, x) in picks {
            set(&mut v, i.get(&paths), x);
        }
        parse_all(endpoint, &serde_json::to_vec(&v).unwrap());
    }
}

//! The wire parsers against hostile numbers: every field of the real KIS samples replaced by
//! i64::MIN, huge, negative, `1e400`, NaN and friends, as text or as a JSON number. Parsing
//! may fail, with a typed error; it never panics (debug builds check overflow) and never wraps.

use chrono::{TimeZone, Utc};
use hoga::kis::wire;
use hoga::market::StockCode;
use proptest::prelude::*;
use serde_json::Value;

const SAMPLES: &[(&str, &str)] = &[
    ("inquire-price", "inquire_price.json"),
    ("inquire-asking-price-exp-ccn", "asking_price_exp_ccn.json"),
    ("inquire-daily-itemchartprice", "daily_itemchartprice.json"),
    ("inquire-daily-price", "inquire_daily_price.json"),
    ("inquire-time-itemchartprice", "time_itemchartprice.json"),
    ("search-stock-info", "search_stock_info.json"),
];

fn sample(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kis")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Paths (output key, row index, field) of every string field under `output*`.
fn fields(v: &Value) -> Vec<(String, Option<usize>, String)> {
    let mut out = Vec::new();
    let Some(obj) = v.as_object() else {
        return out;
    };
    for (k, o) in obj.iter().filter(|(k, _)| k.starts_with("output")) {
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
        Just("1e400".to_string()),
        Just("-1e400".to_string()),
        Just("NaN".to_string()),
        Just("-0".to_string()),
        Just("+".to_string()),
        Just("-".to_string()),
        Just(".".to_string()),
        Just("4950.999".to_string()),
        Just(format!("{}.99", i64::MAX)),
        Just(format!("{}.99", i32::MAX)),
        Just(format!("-{}.99", i32::MAX)),
        Just("1,,2".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i32>().prop_map(|n| format!("{}.{:02}", n, n.unsigned_abs() % 100)),
        "[-+0-9.,e]{0,24}",
    ]
    .prop_map(Value::String);
    let number = prop_oneof![
        Just(Value::from(i64::MIN)),
        Just(Value::from(i64::MAX)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(1e300)),
        Just(Value::from(-1e300)),
        any::<f64>().prop_map(Value::from),
    ];
    prop_oneof![3 => text, 1 => number]
}

fn parse_all(endpoint: &'static str, bytes: &[u8]) {
    let now = Utc.with_ymd_and_hms(2026, 11, 19, 2, 0, 0).unwrap();
    for code in ["005930", "000660"] {
        let code = StockCode::new(code).unwrap();
        let Ok(b) = wire::parse_body(endpoint, 200, bytes) else {
            return;
        };
        let _ = wire::quote::price(&b, code, now);
        let _ = wire::quote::valuation(&b);
        let _ = wire::quote::multi_price(&b, &[code], now);
        let _ = wire::book::order_book(&b, code, now);
        let _ = wire::chart::period_chart(&b);
        let _ = wire::chart::minute_chart(&b);
        let _ = wire::chart::daily_price(&b);
        let _ = wire::info::stock_info(&b, code);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn hostile_numbers_never_panic(
        which in 0..SAMPLES.len(),
        picks in proptest::collection::vec((any::<prop::sample::Index>(), hostile()), 1..6),
    ) {
        let (endpoint, name) = SAMPLES[which];
        let mut v = sample(name);
        let paths = fields(&v);
        prop_assume!(!paths.is_empty());
        for (i, x) in picks {
            set(&mut v, i.get(&paths), x);
        }
        parse_all(endpoint, &serde_json::to_vec(&v).unwrap());
    }
}

/// The cases the issue names, on the change and rate fields that are sign-applied.
#[test]
fn i64_min_change_is_a_typed_error() {
    let mut v = sample("inquire_price.json");
    v["output"]["prdy_vrss"] = Value::from(i64::MIN);
    v["output"]["prdy_vrss_sign"] = Value::from("2");
    let b = wire::parse_body("inquire-price", 200, &serde_json::to_vec(&v).unwrap()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 19, 2, 0, 0).unwrap();
    let e = wire::quote::price(&b, StockCode::new("005930").unwrap(), now).unwrap_err();
    assert!(e.to_string().contains("prdy_vrss"), "{e}");
    // price − change with the base missing: does not fit.
    let mut v = sample("inquire_price.json");
    v["output"]["stck_sdpr"] = Value::from("");
    v["output"]["stck_prpr"] = Value::from(i64::MAX.to_string());
    v["output"]["prdy_vrss"] = Value::from("-5");
    v["output"]["prdy_vrss_sign"] = Value::from("5");
    let b = wire::parse_body("inquire-price", 200, &serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(wire::quote::price(&b, StockCode::new("005930").unwrap(), now).is_err());
    // A float far beyond i64 is an error, not i64::MAX.
    let mut v = sample("inquire_price.json");
    v["output"]["stck_prpr"] = Value::from(1e300);
    let b = wire::parse_body("inquire-price", 200, &serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(wire::quote::price(&b, StockCode::new("005930").unwrap(), now).is_err());
}

/// Won arithmetic saturates, as documented on `Krw`: never a wrapped amount.
#[test]
fn won_arithmetic_saturates() {
    use hoga::market::{Krw, Rate};
    assert_eq!(Krw(i64::MAX) + Krw(1), Krw(i64::MAX));
    assert_eq!(Krw(i64::MIN) - Krw(1), Krw(i64::MIN));
    assert_eq!(-Krw(i64::MIN), Krw(i64::MAX));
    assert_eq!(Krw(i64::MIN).abs(), Krw(i64::MAX));
    assert_eq!(Rate::of(Krw(i64::MAX), Krw(1)), Rate(i32::MAX));
    assert_eq!(Rate::parse("92233720368547758.07"), None);
}

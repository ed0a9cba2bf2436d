//! KIS wire format: the ONLY place KIS field names live. Parses envelopes (by key, never by
//! position), string-typed values, sign codes, padded names and `{}` rows into `market` types.
//! Everything that does not parse becomes a `KisError` carrying endpoint, msg_cd and msg1.

pub mod book;
pub mod chart;
pub mod flows;
pub mod index;
pub mod info;
pub mod quote;
pub mod rank;
pub mod request;
pub mod token;
pub mod ws;

use super::error::KisError;
use crate::market::{Direction, Krw, Rate};
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

/// A JSON object as KIS sent it.
pub type Obj = Map<String, Value>;

/// A successful response body: `rt_cd == "0"`, whatever the `msg_cd`.
#[derive(Debug, Clone)]
pub struct Body {
    pub endpoint: &'static str,
    pub status: u16,
    pub msg_cd: String,
    pub msg1: String,
    pub obj: Obj,
}

impl Body {
    /// A parse error that keeps this body's codes.
    pub fn error(&self, detail: impl Into<String>) -> KisError {
        KisError::Parse {
            endpoint: self.endpoint.to_string(),
            status: self.status,
            msg_cd: self.msg_cd.clone(),
            msg1: self.msg1.clone(),
            detail: detail.into(),
            transient: false,
        }
    }

    /// `output` (or another key) as an object.
    pub fn object(&self, key: &str) -> Result<&Obj, KisError> {
        match self.obj.get(key) {
            Some(Value::Object(o)) => Ok(o),
            // Some servers wrap a single object in a one-element array.
            Some(Value::Array(a)) => match a.iter().find_map(|v| v.as_object()) {
                Some(o) => Ok(o),
                None => Err(self.error(format!("`{key}` is an empty array"))),
            },
            Some(_) => Err(self.error(format!("`{key}` is not an object"))),
            None => Err(self.error(format!("no `{key}` in the response"))),
        }
    }

    /// `output` (or another key) as a list of rows, empty `{}` rows skipped. A missing key or
    /// `null` is an empty list; a single object counts as one row.
    pub fn rows(&self, key: &str) -> Result<Vec<&Obj>, KisError> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => {
                let mut out = Vec::with_capacity(a.len());
                for v in a {
                    match v {
                        Value::Object(o) if is_blank_row(o) => {}
                        Value::Object(o) => out.push(o),
                        Value::Null => {}
                        _ => return Err(self.error(format!("`{key}` holds a non-object row"))),
                    }
                }
                Ok(out)
            }
            Some(Value::Object(o)) if is_blank_row(o) => Ok(Vec::new()),
            Some(Value::Object(o)) => Ok(vec![o]),
            Some(_) => Err(self.error(format!("`{key}` is not a list"))),
        }
    }
}

/// `{}` or a row whose every value is empty.
fn is_blank_row(o: &Obj) -> bool {
    o.values().all(|v| match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    })
}

/// Reads a response body: JSON object expected; error envelopes recognised by key.
/// `status` is the HTTP status. Never panics, whatever the bytes.
pub fn parse_body(endpoint: &'static str, status: u16, bytes: &[u8]) -> Result<Body, KisError> {
    // A gateway in front of KIS answers with HTML error pages, cut or mangled JSON: transient.
    let parse_err = |detail: String, transient: bool| KisError::Parse {
        endpoint: endpoint.to_string(),
        status,
        msg_cd: String::new(),
        msg1: String::new(),
        detail,
        transient,
    };
    let trimmed = trim_ascii(bytes);
    if trimmed.is_empty() {
        return Err(parse_err("empty body".to_string(), true));
    }
    if trimmed[0] == b'<' {
        return Err(parse_err(
            format!("HTML or XML instead of JSON: {}", snippet(trimmed)),
            true,
        ));
    }
    let value: Value = match serde_json::from_slice(trimmed) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return Err(parse_err(format!("truncated JSON: {e}"), true));
        }
        Err(e) => {
            return Err(parse_err(
                format!("malformed JSON ({e}): {}", snippet(trimmed)),
                true,
            ));
        }
    };
    let Value::Object(obj) = value else {
        return Err(parse_err("JSON is not an object".to_string(), false));
    };
    // The token endpoint's OAuth-style error: {"error_description": ..., "error_code": ...}.
    if let Some(code) = obj.get("error_code").and_then(text) {
        let msg = obj
            .get("error_description")
            .and_then(text)
            .unwrap_or_default();
        return Err(KisError::api(endpoint, status, &code, &msg));
    }
    let rt_cd = obj.get("rt_cd").and_then(text);
    let msg_cd = obj.get("msg_cd").and_then(text).unwrap_or_default();
    let msg1 = obj.get("msg1").and_then(text).unwrap_or_default();
    match rt_cd.as_deref() {
        Some("0") if (200..300).contains(&status) => Ok(Body {
            endpoint,
            status,
            msg_cd: msg_cd.trim().to_string(),
            msg1: msg1.trim().to_string(),
            obj,
        }),
        Some(_) => Err(KisError::api(endpoint, status, &msg_cd, &msg1)),
        // No envelope: the token endpoint answers without one; anything else with a 2xx
        // and no rt_cd is accepted as a body to be read by key.
        None if (200..300).contains(&status) => Ok(Body {
            endpoint,
            status,
            msg_cd: msg_cd.trim().to_string(),
            msg1: msg1.trim().to_string(),
            obj,
        }),
        None => Err(KisError::Api {
            endpoint: endpoint.to_string(),
            status,
            msg_cd: if msg_cd.is_empty() {
                format!("HTTP{status}")
            } else {
                msg_cd.trim().to_string()
            },
            msg1: if msg1.is_empty() {
                format!("HTTP {status} without a KIS error body")
            } else {
                msg1.trim().to_string()
            },
        }),
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

/// First characters of a body for an error message.
fn snippet(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(80)]);
    s.replace(['\n', '\r'], " ")
}

/// A value as text: strings as they are, numbers printed, null/empty → None.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Field as trimmed text; empty → None.
pub fn field<'a>(o: &'a Obj, key: &str) -> Option<&'a str> {
    match o.get(key)? {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then_some(t)
        }
        _ => None,
    }
}

/// Field as an integer. Accepts `"65850"`, `"-150"`, `"+3"`, `"4950.00"` (truncated toward
/// zero), `"1,234"`, and JSON numbers. Empty → None; garbage → Err(detail).
pub fn int(o: &Obj, key: &str) -> Result<Option<i64>, String> {
    let s = match o.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => {
            // A float is truncated toward zero when it fits; `1e300` is an error, not i64::MAX.
            const LIMIT: f64 = 9_223_372_036_854_775_807.0;
            return n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < LIMIT)
                        .map(|f| f.trunc() as i64)
                })
                .map(Some)
                .ok_or_else(|| format!("`{key}` = {n} is not an integer"));
        }
        Some(Value::String(s)) => s.trim(),
        Some(v) => return Err(format!("`{key}` has unexpected type: {v}")),
    };
    if s.is_empty() {
        return Ok(None);
    }
    parse_int(s)
        .map(Some)
        .ok_or_else(|| format!("`{key}` = {s:?} is not a number"))
}

/// Parses KIS's integer text forms (see [`int`]).
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let cleaned: String;
    let s = if s.contains(',') {
        cleaned = s.replace(',', "");
        cleaned.as_str()
    } else {
        s
    };
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let int_part = match body.split_once('.') {
        Some((i, f)) if f.bytes().all(|b| b.is_ascii_digit()) => i,
        Some(_) => return None,
        None => body,
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = int_part.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// A required integer field.
pub fn req_int(body: &Body, o: &Obj, key: &str) -> Result<i64, KisError> {
    match int(o, key) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(body.error(format!("missing `{key}`"))),
        Err(d) => Err(body.error(d)),
    }
}

/// An optional integer field: empty → None, garbage → error.
pub fn opt_int(body: &Body, o: &Obj, key: &str) -> Result<Option<i64>, KisError> {
    int(o, key).map_err(|d| body.error(d))
}

/// A non-negative count (volume, quantity); empty → 0.
pub fn count(body: &Body, o: &Obj, key: &str) -> Result<u64, KisError> {
    Ok(opt_int(body, o, key)?.unwrap_or(0).max(0) as u64)
}

/// Won amount; empty → 0.
pub fn krw(body: &Body, o: &Obj, key: &str) -> Result<Krw, KisError> {
    Ok(Krw(opt_int(body, o, key)?.unwrap_or(0)))
}

/// A percentage (`"-0.23"`); empty → None.
pub fn rate(body: &Body, o: &Obj, key: &str) -> Result<Option<Rate>, KisError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Rate::parse(&n.to_string())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Rate::parse(s)
            .map(Some)
            .ok_or_else(|| body.error(format!("`{key}` = {s:?} is not a percentage"))),
        Some(v) => Err(body.error(format!("`{key}` has unexpected type: {v}"))),
    }
}

/// A change with its KIS sign code: the sign code wins over the number's own sign, because
/// some endpoints (intstock-multprice) send the absolute value. `None` when the magnitude does
/// not fit (`i64::MIN` has no positive counterpart).
pub fn signed(value: i64, sign_code: Option<&str>) -> Option<i64> {
    match sign_code.and_then(Direction::from_sign_code) {
        Some(d) => value.checked_abs().and_then(|v| v.checked_mul(d.signum())),
        None => Some(value),
    }
}

/// A rate with its KIS sign code applied, like [`signed`]; `None` when it does not fit.
pub fn signed_rate(r: Rate, sign_code: Option<&str>) -> Option<Rate> {
    signed(i64::from(r.0), sign_code)
        .and_then(|v| i32::try_from(v).ok())
        .map(Rate)
}

/// A signed change field with its sign code; a hostile magnitude is a typed error.
pub fn signed_field(
    body: &Body,
    o: &Obj,
    key: &str,
    sign_code: Option<&str>,
) -> Result<i64, KisError> {
    let v = opt_int(body, o, key)?.unwrap_or(0);
    signed(v, sign_code).ok_or_else(|| body.error(format!("`{key}` = {v} is out of range")))
}

/// A rate field with its sign code applied; a hostile value is a typed error.
pub fn signed_rate_field(
    body: &Body,
    o: &Obj,
    key: &str,
    sign_code: Option<&str>,
) -> Result<Option<Rate>, KisError> {
    match rate(body, o, key)? {
        None => Ok(None),
        Some(r) => signed_rate(r, sign_code)
            .map(Some)
            .ok_or_else(|| body.error(format!("`{key}` is out of range"))),
    }
}

/// `price - change`, the previous close when KIS leaves it out; a hostile pair is an error.
pub fn close_before(body: &Body, price: i64, change: i64) -> Result<i64, KisError> {
    price
        .checked_sub(change)
        .ok_or_else(|| body.error(format!("price {price} and change {change} do not fit")))
}

/// A display name: trimmed and NFC-normalised.
pub fn name(s: &str) -> String {
    s.trim().nfc().collect()
}

/// "Y" → true; anything else false.
pub fn yes(o: &Obj, key: &str) -> bool {
    field(o, key) == Some("Y")
}

/// A `YYYYMMDD` date.
pub fn date(body: &Body, o: &Obj, key: &str) -> Result<Option<chrono::NaiveDate>, KisError> {
    match field(o, key) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y%m%d")
            .map(Some)
            .map_err(|_| body.error(format!("`{key}` = {s:?} is not a YYYYMMDD date"))),
    }
}

/// An `HHMMSS` time.
pub fn time(body: &Body, o: &Obj, key: &str) -> Result<Option<chrono::NaiveTime>, KisError> {
    match field(o, key) {
        None => Ok(None),
        Some(s) => chrono::NaiveTime::parse_from_str(s, "%H%M%S")
            .map(Some)
            .map_err(|_| body.error(format!("`{key}` = {s:?} is not an HHMMSS time"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_every_form() {
        assert_eq!(parse_int("65850"), Some(65850));
        assert_eq!(parse_int("-150"), Some(-150));
        assert_eq!(parse_int("+3"), Some(3));
        assert_eq!(parse_int("4950.00"), Some(4950));
        assert_eq!(parse_int("-491.00"), Some(-491));
        assert_eq!(parse_int("7,780"), Some(7780));
        assert_eq!(parse_int(" 12 "), Some(12));
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int("1.2.3"), None);
        assert_eq!(parse_int("99999999999999999999999"), None);
    }

    #[test]
    fn sign_code_wins() {
        assert_eq!(signed(150, Some("5")), Some(-150));
        assert_eq!(signed(-150, Some("5")), Some(-150));
        assert_eq!(signed(-150, Some("2")), Some(150));
        assert_eq!(signed(150, Some("4")), Some(-150));
        assert_eq!(signed(150, Some("3")), Some(0));
        assert_eq!(signed(-150, None), Some(-150));
        assert_eq!(signed(-150, Some("x")), Some(-150));
        assert_eq!(signed(i64::MIN, Some("2")), None);
        assert_eq!(signed(i64::MIN, None), Some(i64::MIN));
        assert_eq!(signed_rate(Rate(i32::MIN), Some("2")), None);
    }

    #[test]
    fn names_trimmed_and_nfc() {
        // 삼 as conjoining jamo (NFD) becomes the precomposed syllable.
        let nfd = "\u{1109}\u{1161}\u{11B7}성전자   ";
        assert_eq!(name(nfd), "삼성전자");
    }

    #[test]
    fn envelopes_by_key() {
        let e =
            parse_body("x", 500, br#"{"rt_cd":"1","msg1":"m","msg_cd":"EGW00201"}"#).unwrap_err();
        assert!(e.is_rate_limited());
        let e = parse_body(
            "x",
            500,
            br#"{"msg_cd":"EGW00201","message":"EGW00201","msg1":"m","rt_cd":"1"}"#,
        )
        .unwrap_err();
        assert!(e.is_rate_limited());
        let e = parse_body(
            "t",
            403,
            br#"{"error_description":"d","error_code":"EGW00133"}"#,
        )
        .unwrap_err();
        assert_eq!(e.msg_cd(), Some("EGW00133"));
        let e = parse_body("x", 200, br#"{"output":{"a":"1"},"rt_cd":"0","msg_cd""#).unwrap_err();
        assert!(matches!(
            e,
            KisError::Parse {
                transient: true,
                ..
            }
        ));
        assert!(e.is_retryable());
        let e = parse_body("x", 502, b"<html><body>Bad Gateway</body></html>").unwrap_err();
        assert!(matches!(
            e,
            KisError::Parse {
                transient: true,
                ..
            }
        ));
        assert!(e.is_retryable());
        let e = parse_body("x", 200, b"").unwrap_err();
        assert!(e.is_retryable());
        let e = parse_body("x", 200, b"[1,2]").unwrap_err();
        assert!(!e.is_retryable());
        let e = parse_body("x", 200, b"{nope").unwrap_err();
        assert!(matches!(
            e,
            KisError::Parse {
                transient: true,
                ..
            }
        ));
        assert!(e.is_retryable());
        let e = parse_body("x", 503, b"{}").unwrap_err();
        assert!(matches!(e, KisError::Api { status: 503, .. }));
        let b = parse_body(
            "x",
            200,
            br#"{"output":[{},{"a":""},{"a":"1"}],"rt_cd":"0","msg_cd":"KIOK0500","msg1":"ok   "}"#,
        )
        .unwrap();
        assert_eq!(b.msg1, "ok");
        assert_eq!(b.rows("output").unwrap().len(), 1);
    }
}

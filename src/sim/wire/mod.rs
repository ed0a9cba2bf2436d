//! kis-sim's own wire format: JSON bodies exactly as KIS shapes them (every value a string,
//! `output*` before `rt_cd`/`msg_cd`/`msg1`, gateway errors as `rt_cd`/`msg1`/`msg_cd`, token
//! errors as `error_description`/`error_code`). Field names live here and nowhere else in `sim`.

pub mod market;
pub mod quotations;
pub mod realtime;

use serde_json::{Map, Value};

/// Success message of quotation TRs.
pub const MSG_OK_CD: &str = "MCA00000";
pub const MSG_OK: &str = "정상처리 되었습니다.";
/// search-stock-info answers KIOK0530 with msg1 right-padded (as captured).
pub const MSG_KIOK0530: &str =
    "조회되었습니다                                                                  ";
/// chk-holiday answers KIOK0500 with msg1 right-padded (as captured).
pub const MSG_KIOK0500: &str =
    "조회가 계속됩니다..다음버튼을 Click 하십시오.                                   ";

/// An object from (key, string value) pairs, in order.
pub fn obj<K: Into<String>>(pairs: impl IntoIterator<Item = (K, String)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.into(), Value::String(v));
    }
    Value::Object(m)
}

/// A success body: the outputs first, then rt_cd, msg_cd, msg1.
pub fn success(outputs: Vec<(&str, Value)>, msg_cd: &str, msg1: &str) -> Value {
    let mut m = Map::new();
    for (k, v) in outputs {
        m.insert(k.to_string(), v);
    }
    m.insert("rt_cd".into(), Value::String("0".into()));
    m.insert("msg_cd".into(), Value::String(msg_cd.into()));
    m.insert("msg1".into(), Value::String(msg1.into()));
    Value::Object(m)
}

/// A gateway (EGW…) error body: rt_cd, msg1, msg_cd — the order KIS's gateway uses.
pub fn gateway_error(code: &str, msg: &str) -> Value {
    let mut m = Map::new();
    m.insert("rt_cd".into(), Value::String("1".into()));
    m.insert("msg1".into(), Value::String(msg.into()));
    m.insert("msg_cd".into(), Value::String(code.into()));
    Value::Object(m)
}

/// A backend (OPSQ…/KIOK…) error body: rt_cd, msg_cd, msg1.
pub fn backend_error(rt_cd: &str, code: &str, msg: &str) -> Value {
    let mut m = Map::new();
    m.insert("rt_cd".into(), Value::String(rt_cd.into()));
    m.insert("msg_cd".into(), Value::String(code.into()));
    m.insert("msg1".into(), Value::String(msg.into()));
    Value::Object(m)
}

/// The token endpoint's OAuth-style error body: error_description, error_code.
pub fn oauth_error(code: &str, desc: &str) -> Value {
    let mut m = Map::new();
    m.insert("error_description".into(), Value::String(desc.into()));
    m.insert("error_code".into(), Value::String(code.into()));
    Value::Object(m)
}

/// Error codes and messages kis-sim answers with (KIS_API.md §2, §5.2).
pub mod codes {
    pub const EGW00001: (&str, &str) = ("EGW00001", "일시적 오류가 발생했습니다.");
    pub const EGW00002: (&str, &str) = ("EGW00002", "서버 에러가 발생했습니다.");
    pub const EGW00101: (&str, &str) = ("EGW00101", "유효하지 않은 요청입니다.");
    pub const EGW00102: (&str, &str) = ("EGW00102", "AppKey는 필수입니다.");
    pub const EGW00103: (&str, &str) = ("EGW00103", "유효하지 않은 AppKey입니다.");
    pub const EGW00104: (&str, &str) = ("EGW00104", "AppSecret는 필수입니다.");
    pub const EGW00105: (&str, &str) = ("EGW00105", "유효하지 않은 AppSecret입니다.");
    pub const EGW00121: (&str, &str) = ("EGW00121", "유효하지 않은 token 입니다.");
    pub const EGW00122: (&str, &str) = ("EGW00122", "token을 찾을 수 없습니다.");
    pub const EGW00123: (&str, &str) = ("EGW00123", "기간이 만료된 token 입니다.");
    pub const EGW00133: (&str, &str) = (
        "EGW00133",
        "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
    );
    pub const EGW00201: (&str, &str) = ("EGW00201", "초당 거래건수를 초과하였습니다.");
    pub const EGW00205: (&str, &str) =
        ("EGW00205", "credentials_type이 유효하지 않습니다.(Bearer)");
    pub const EGW00208: (&str, &str) = ("EGW00208", "custtype이 유효하지 않습니다.");
    pub const OPSQ0002: (&str, &str) = ("OPSQ0002", "없는 서비스 코드 입니다");
    pub const IGW00007: (&str, &str) = ("IGW00007", "MCA 전문바디 구성 중 오류가 발생하였습니다.");
}

/// Formats a hundredths-of-a-percent or ratio value with two decimals: `-0.23`.
pub fn pct2(x: f64) -> String {
    if !x.is_finite() {
        return "0.00".into();
    }
    let v = (x * 100.0).round() / 100.0;
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".into() } else { s }
}

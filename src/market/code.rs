//! Stock codes and markets.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A KRX short code: six ASCII digits or upper-case letters (`005930`, newer `0004Y0`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StockCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid stock code {0:?}: expected 6 digits or upper-case letters, like 005930")]
pub struct InvalidCode(pub String);

impl StockCode {
    /// Validates and builds a code. Surrounding whitespace is ignored.
    pub fn new(s: &str) -> Result<StockCode, InvalidCode> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 6
            || !b
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return Err(InvalidCode(s.to_string()));
        }
        let mut out = [0u8; 6];
        out.copy_from_slice(b);
        Ok(StockCode(out))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??????")
    }
}

impl fmt::Display for StockCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for StockCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StockCode({})", self.as_str())
    }
}

impl FromStr for StockCode {
    type Err = InvalidCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StockCode::new(s)
    }
}

impl Serialize for StockCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StockCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        StockCode::new(&s).map_err(serde::de::Error::custom)
    }
}

/// The exchange segment a stock is listed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Market {
    Kospi,
    Kosdaq,
}

impl Market {
    pub fn label(self) -> &'static str {
        match self {
            Market::Kospi => "KOSPI",
            Market::Kosdaq => "KOSDAQ",
        }
    }

    /// Short tag for dense tables.
    pub fn tag(self) -> &'static str {
        match self {
            Market::Kospi => "KSP",
            Market::Kosdaq => "KSQ",
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.label())
    }
}

impl FromStr for Market {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "kospi" => Ok(Market::Kospi),
            "kosdaq" => Ok(Market::Kosdaq),
            other => Err(format!(
                "unknown market {other:?}: expected kospi or kosdaq"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_codes() {
        assert_eq!(StockCode::new("005930").unwrap().as_str(), "005930");
        assert_eq!(StockCode::new(" 0004Y0 ").unwrap().as_str(), "0004Y0");
        assert!(StockCode::new("05930").is_err());
        assert!(StockCode::new("0059301").is_err());
        assert!(StockCode::new("00593a").is_err());
        assert!(StockCode::new("삼성전자").is_err());
        assert!(StockCode::new("").is_err());
        let json = serde_json::to_string(&StockCode::new("005930").unwrap()).unwrap();
        assert_eq!(json, "\"005930\"");
    }
}

//! Stock master files (kospi_code.mst.zip, kosdaq_code.mst.zip): download, unzip, cp949
//! fixed-width parse into `Listing`s (KIS_API.md §7), cached on disk with the last good copy
//! used when a download or parse fails.

use super::error::KisError;
use crate::market::{Krw, Listing, Market, SecurityKind, StatusFlags, StockCode, Warning};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Tail widths: KOSPI 227 ASCII bytes, KOSDAQ 221.
pub const KOSPI_TAIL: usize = 227;
pub const KOSDAQ_TAIL: usize = 221;

/// Byte offsets inside the tail.
struct Layout {
    tail: usize,
    base_price: usize,
    halted: usize,
    managed: usize,
    warning: usize,
    listed_shares: usize,
    /// 상장일자, `YYYYMMDD`, just before the listed shares.
    listed_on: usize,
    preferred: usize,
    market_cap: usize,
}

const KOSPI: Layout = Layout {
    tail: KOSPI_TAIL,
    base_price: 41,
    halted: 60,
    managed: 62,
    warning: 63,
    listed_shares: 113,
    listed_on: 105,
    preferred: 158,
    market_cap: 212,
};

const KOSDAQ: Layout = Layout {
    tail: KOSDAQ_TAIL,
    base_price: 36,
    halted: 55,
    managed: 57,
    warning: 58,
    listed_shares: 108,
    listed_on: 100,
    preferred: 153,
    market_cap: 206,
};

fn layout(m: Market) -> &'static Layout {
    match m {
        Market::Kospi => &KOSPI,
        Market::Kosdaq => &KOSDAQ,
    }
}

pub fn file_name(m: Market) -> &'static str {
    match m {
        Market::Kospi => super::wire::request::KOSPI_MASTER,
        Market::Kosdaq => super::wire::request::KOSDAQ_MASTER,
    }
}

fn ascii_field(b: &[u8], at: usize, len: usize) -> &str {
    let end = (at + len).min(b.len());
    let s = b.get(at.min(end)..end).unwrap_or(&[]);
    std::str::from_utf8(s).unwrap_or("").trim()
}

fn num(b: &[u8], at: usize, len: usize) -> i64 {
    super::wire::parse_int(ascii_field(b, at, len)).unwrap_or(0)
}

/// Parses one .mst file (cp949 bytes). Lines that are too short or carry an invalid code are
/// skipped and counted; a file with no valid line is an error.
pub fn parse(market: Market, bytes: &[u8]) -> Result<Vec<Listing>, KisError> {
    let lay = layout(market);
    let mut out = Vec::new();
    let mut bad = 0usize;
    for raw in bytes.split(|b| *b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if line.len() < 21 + lay.tail {
            bad += 1;
            continue;
        }
        let (head, tail) = line.split_at(line.len() - lay.tail);
        let Ok(code) = StockCode::new(ascii_field(head, 0, 9)) else {
            bad += 1;
            continue;
        };
        let isin = ascii_field(head, 9, 12).to_string();
        let (name, _, _) = encoding_rs::EUC_KR.decode(&head[21..]);
        let group = ascii_field(tail, 0, 2).to_string();
        let preferred = !matches!(ascii_field(tail, lay.preferred, 1), "" | "0" | "N");
        let kind = match group.as_str() {
            "ST" if preferred => SecurityKind::Preferred,
            "ST" => SecurityKind::Stock,
            "EF" | "FE" => SecurityKind::Etf,
            "RT" => SecurityKind::Reit,
            _ => SecurityKind::Other,
        };
        let warning = match ascii_field(tail, lay.warning, 2) {
            "01" => Warning::Caution,
            "02" => Warning::Warning,
            "03" => Warning::Danger,
            _ => Warning::None,
        };
        out.push(Listing {
            code,
            isin,
            name: super::wire::name(&name),
            name_en: None,
            market,
            group,
            kind,
            base_price: Krw(num(tail, lay.base_price, 9)),
            // The file counts listed shares in thousands.
            listed_shares: (num(tail, lay.listed_shares, 15).max(0) as u64).saturating_mul(1000),
            flags: StatusFlags {
                halted: ascii_field(tail, lay.halted, 1) == "Y",
                managed: ascii_field(tail, lay.managed, 1) == "Y",
                warning,
                vi: false,
            },
            market_cap_eok: num(tail, lay.market_cap, 9).max(0) as u64,
            listed_on: chrono::NaiveDate::parse_from_str(
                ascii_field(tail, lay.listed_on, 8),
                "%Y%m%d",
            )
            .ok(),
        });
    }
    if out.is_empty() {
        return Err(KisError::Io(format!(
            "{} master file has no readable line ({bad} bad)",
            market.label()
        )));
    }
    if bad > 0 {
        tracing::warn!(
            market = market.label(),
            bad,
            "skipped unreadable master-file lines"
        );
    }
    Ok(out)
}

/// The single `.mst` inside a downloaded zip.
pub fn unzip(zip_bytes: &[u8]) -> Result<Vec<u8>, KisError> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .map_err(|e| KisError::Io(format!("master file is not a zip: {e}")))?;
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| KisError::Io(format!("master zip unreadable: {e}")))?;
        if f.name().is_ok_and(|n| n.ends_with(".mst")) {
            let mut out = Vec::with_capacity(f.size() as usize);
            f.read_to_end(&mut out)
                .map_err(|e| KisError::Io(format!("master zip unreadable: {e}")))?;
            return Ok(out);
        }
    }
    Err(KisError::Io("master zip holds no .mst file".to_string()))
}

/// Where the last good copy of a market's zip is kept.
pub fn cache_path(dir: &Path, m: Market) -> PathBuf {
    dir.join("master").join(file_name(m))
}

/// Downloads and parses one market's master file; on any failure falls back to the last good
/// copy on disk. A good download replaces the copy.
pub async fn load(
    http: &reqwest::Client,
    master_url: &str,
    data_dir: &Path,
    market: Market,
) -> Result<Vec<Listing>, KisError> {
    let url = format!("{}/{}", master_url.trim_end_matches('/'), file_name(market));
    let path = cache_path(data_dir, market);
    let fresh = async {
        let resp = http
            .get(&url)
            .send()
            .await
            .map_err(|e| super::http::network_error("master", &e))?;
        if !resp.status().is_success() {
            return Err(KisError::Io(format!(
                "master download {url}: HTTP {}",
                resp.status()
            )));
        }
        let zip_bytes = resp
            .bytes()
            .await
            .map_err(|e| super::http::network_error("master", &e))?;
        let listings = parse(market, &unzip(&zip_bytes)?)?;
        Ok::<_, KisError>((zip_bytes, listings))
    }
    .await;
    match fresh {
        Ok((zip_bytes, listings)) => {
            if let Err(e) = save(&path, &zip_bytes) {
                tracing::warn!(error = %e, "could not keep a copy of the master file");
            }
            Ok(listings)
        }
        Err(e) => {
            let copy = std::fs::read(&path).map_err(|_| {
                KisError::Io(format!("{e}; and no saved copy at {}", path.display()))
            })?;
            tracing::warn!(error = %e, "master download failed; using the last good copy");
            parse(market, &unzip(&copy)?)
        }
    }
}

fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".master.{}.tmp", fastrand::u64(..)));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record built the way the official layout describes it.
    pub(crate) fn record(
        market: Market,
        code: &str,
        isin: &str,
        name: &str,
        group: &str,
    ) -> Vec<u8> {
        let lay = layout(market);
        let mut head = format!("{code:<9}{isin:<12}").into_bytes();
        let (n, _, _) = encoding_rs::EUC_KR.encode(name);
        let mut n = n.to_vec();
        n.resize(40, b' ');
        head.extend(n);
        let mut tail = vec![b' '; lay.tail];
        let put =
            |t: &mut Vec<u8>, at: usize, s: &str| t[at..at + s.len()].copy_from_slice(s.as_bytes());
        put(&mut tail, 0, group);
        put(&mut tail, lay.base_price, &format!("{:>9}", 66000));
        put(&mut tail, lay.halted, "N");
        put(&mut tail, lay.managed, "N");
        put(&mut tail, lay.warning, "00");
        put(&mut tail, lay.listed_on, "19750611");
        put(&mut tail, lay.listed_shares, &format!("{:>15}", 5919638));
        put(&mut tail, lay.preferred, "0");
        put(&mut tail, lay.market_cap, &format!("{:>9}", 3898082));
        head.extend(tail);
        head
    }

    #[test]
    fn parses_both_layouts() {
        for m in [Market::Kospi, Market::Kosdaq] {
            let mut file = record(m, "005930", "KR7005930003", "삼성전자", "ST");
            file.extend(b"\r\n");
            file.extend(record(m, "0004Y0", "KR70004Y0000", "새종목", "EF"));
            file.extend(b"\n");
            file.extend(b"garbage\n");
            let l = parse(m, &file).unwrap();
            assert_eq!(l.len(), 2);
            assert_eq!(l[0].code.as_str(), "005930");
            assert_eq!(l[0].name, "삼성전자");
            assert_eq!(l[0].isin, "KR7005930003");
            assert_eq!(l[0].kind, SecurityKind::Stock);
            assert_eq!(l[0].base_price, Krw(66000));
            assert_eq!(l[0].listed_shares, 5_919_638_000);
            assert_eq!(l[0].market_cap_eok, 3_898_082);
            assert_eq!(l[0].listed_on, chrono::NaiveDate::from_ymd_opt(1975, 6, 11));
            assert_eq!(l[0].market, m);
            assert_eq!(l[1].kind, SecurityKind::Etf);
        }
    }

    #[test]
    fn rejects_empty_files() {
        assert!(parse(Market::Kospi, b"").is_err());
        assert!(parse(Market::Kospi, b"short\n").is_err());
    }
}

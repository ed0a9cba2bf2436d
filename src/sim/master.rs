//! The stock master files `kospi_code.mst.zip` / `kosdaq_code.mst.zip` (KIS_API.md §7): one
//! zip holding one `.mst`, cp949, one fixed-width record per issue — 9-byte short code,
//! 12-byte ISIN, name padded to 40 bytes, then a 227-char (KOSPI, 70 fields) or 221-char
//! (KOSDAQ, 64 fields) ASCII tail — each record ending in `\n`.

use crate::market::{Market, SecurityKind, Warning};
use crate::sim::model::{SimMarket, SimStock};
use chrono::{DateTime, Datelike, Utc};
use std::io::Write;

pub const NAME_BYTES: usize = 40;
pub const KOSPI_TAIL: usize = 227;
pub const KOSDAQ_TAIL: usize = 221;

/// File names inside the zips and of the zips.
pub fn file_name(market: Market) -> &'static str {
    match market {
        Market::Kospi => "kospi_code.mst",
        Market::Kosdaq => "kosdaq_code.mst",
    }
}

enum F {
    /// Right-aligned, zero-padded number.
    N(usize, i128),
    /// Left-aligned text, space-padded.
    A(usize, String),
}

fn yn(b: bool) -> String {
    if b { "Y".into() } else { "N".into() }
}

fn render(fields: &[F]) -> String {
    let mut out = String::new();
    for f in fields {
        match f {
            F::N(w, v) => {
                let s = if *v < 0 {
                    format!("-{:0>width$}", -v, width = w - 1)
                } else {
                    format!("{:0>width$}", v, width = *w)
                };
                out.push_str(&s[s.len().saturating_sub(*w)..]);
            }
            F::A(w, v) => {
                let mut s: String = v.chars().filter(|c| c.is_ascii()).take(*w).collect();
                while s.len() < *w {
                    s.push(' ');
                }
                out.push_str(&s);
            }
        }
    }
    out
}

struct Row<'a> {
    s: &'a SimStock,
    base: i64,
    prev_volume: u64,
    cap_eok: i128,
    sales: i128,
    op: i128,
    net: i128,
    roe: i128,
    ym: String,
}

fn common_head(r: &Row) -> Vec<F> {
    let s = r.s;
    let size = if r.cap_eok >= 10_000 {
        1
    } else if r.cap_eok >= 1_000 {
        2
    } else {
        3
    };
    vec![
        F::A(2, s.group.to_string()),
        F::N(1, if s.kind == SecurityKind::Etf { 0 } else { size }),
        F::N(4, 27),
        F::N(4, 13),
        F::N(4, 0),
    ]
}

fn middle(r: &Row) -> Vec<F> {
    let s = r.s;
    let warn = match s.flags.warning {
        Warning::None => 0,
        Warning::Caution => 1,
        Warning::Warning => 2,
        Warning::Danger => 3,
    };
    let risky = s.flags.halted || s.flags.managed;
    vec![
        F::N(9, r.base as i128),
        F::N(5, 1),
        F::N(5, 1),
        F::A(1, yn(s.flags.halted)),
        F::A(1, "N".into()),
        F::A(1, yn(s.flags.managed)),
        F::N(2, warn),
        F::A(1, "N".into()),
        F::A(1, "N".into()),
        F::A(1, "N".into()),
        F::N(2, 0),
        F::N(2, 0),
        F::N(2, 0),
        F::N(3, if risky { 100 } else { 20 }),
        F::A(1, yn(!risky && s.kind != SecurityKind::Etf)),
        F::N(3, 150),
        F::N(12, r.prev_volume as i128),
        F::N(12, s.par as i128),
        F::A(8, s.listed_on.format("%Y%m%d").to_string()),
        F::N(15, (s.listed_shares / 1_000) as i128),
        F::N(21, s.listed_shares as i128 * s.par as i128),
        F::N(2, 12),
        F::N(7, 0),
        F::N(
            1,
            if s.kind == SecurityKind::Preferred {
                1
            } else {
                0
            },
        ),
        F::A(1, "N".into()),
        F::A(1, "N".into()),
    ]
}

fn tail_end(r: &Row, kospi_flag: Option<bool>) -> Vec<F> {
    let mut v = vec![F::A(1, yn(r.cap_eok >= 5_000))];
    if let Some(k) = kospi_flag {
        v.push(F::A(1, yn(k)));
    }
    v.extend([
        F::N(9, r.sales),
        F::N(9, r.op),
        F::N(9, r.op * 9 / 10),
        F::N(5, r.net),
        F::N(9, r.roe),
        F::A(8, r.ym.clone()),
        F::N(9, r.cap_eok),
        F::N(3, 0),
        F::A(1, "N".into()),
        F::A(1, "Y".into()),
        F::A(1, "Y".into()),
    ]);
    v
}

fn flags(n: usize, f: impl Fn(usize) -> String) -> Vec<F> {
    (0..n).map(|i| F::A(1, f(i))).collect()
}

/// The ASCII tail of one record.
fn tail(r: &Row, market: Market) -> String {
    let s = r.s;
    let big = r.cap_eok >= 50_000;
    let etf = s.kind == SecurityKind::Etf;
    let mut fields = common_head(r);
    match market {
        Market::Kospi => {
            // 제조업 … SRI: 26 one-char flags.
            fields.extend(flags(26, |i| match i {
                0 => yn(!etf && s.sector != "금융"),
                3 => (if big { "1" } else { " " }).into(),
                4 | 5 => yn(big),
                6 => yn(!etf),
                7 => (if etf { "1" } else { " " }).into(),
                8 | 9 => yn(big),
                17 => "0".into(),
                _ => "N".into(),
            }));
            fields.extend(middle(r));
            fields.extend(tail_end(r, Some(true)));
        }
        Market::Kosdaq => {
            // 벤처 … KOSDAQ150: 21 one-char flags.
            fields.extend(flags(21, |i| match i {
                2 => yn(!etf),
                3 => (if etf { "1" } else { " " }).into(),
                4 => yn(big),
                12 => "0".into(),
                20 => yn(big),
                _ => "N".into(),
            }));
            fields.extend(middle(r));
            fields.extend(tail_end(r, None));
        }
    }
    render(&fields)
}

/// The name as exactly `NAME_BYTES` cp949 bytes (truncated on a character boundary).
pub fn name_bytes(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(NAME_BYTES);
    for ch in name.chars() {
        let mut buf = [0u8; 4];
        let (enc, _, _) = encoding_rs::EUC_KR.encode(ch.encode_utf8(&mut buf));
        if out.len() + enc.len() > NAME_BYTES {
            break;
        }
        out.extend_from_slice(&enc);
    }
    out.resize(NAME_BYTES, b' ');
    out
}

/// The raw `.mst` bytes (cp949) for one market as of `t`.
pub fn build_mst(m: &SimMarket, market: Market, t: DateTime<Utc>) -> Vec<u8> {
    let mut out = Vec::new();
    let day = m.phase_at(t).map(|p| p.0).unwrap_or_else(|| m.today());
    let ym = format!("{}{:02}00", day.year(), ((day.month() - 1) / 3) * 3 + 1);
    for l in m.universe_at(t).iter().filter(|l| l.market == market) {
        let Some(s) = m.stock(l.code) else {
            continue;
        };
        let snap = m.snapshot_at(s.code, t);
        let base = snap.as_ref().map(|x| x.base).unwrap_or(s.level);
        let prev_volume = snap
            .as_ref()
            .and_then(|x| x.prev.map(|b| b.volume))
            .unwrap_or(0);
        let cap_eok = base as i128 * s.listed_shares as i128 / 100_000_000;
        let f = m.fundamentals(s.code);
        let net = f.eps as i128 * s.listed_shares as i128 / 100_000_000;
        let row = Row {
            s,
            base,
            prev_volume,
            cap_eok,
            sales: (net.abs() * 8).min(999_999_999),
            op: (net * 13 / 10).clamp(-99_999_999, 999_999_999),
            net: net.clamp(-9_999, 99_999),
            roe: if f.bps == 0 {
                0
            } else {
                f.eps as i128 * 100 / f.bps as i128
            },
            ym: ym.clone(),
        };
        let code = format!("{:<9}", s.code.as_str());
        out.extend_from_slice(code.as_bytes());
        out.extend_from_slice(s.isin.as_bytes());
        out.extend_from_slice(&name_bytes(&l.name));
        out.extend_from_slice(tail(&row, market).as_bytes());
        out.push(b'\n');
    }
    out
}

/// The zip as served.
pub fn build_zip(m: &SimMarket, market: Market, t: DateTime<Utc>) -> std::io::Result<Vec<u8>> {
    let mst = build_mst(m, market, t);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(file_name(market), opts)
        .map_err(std::io::Error::other)?;
    w.write_all(&mst)?;
    let cur = w.finish().map_err(std::io::Error::other)?;
    Ok(cur.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimClock;
    use std::sync::Arc;

    #[test]
    fn record_widths() {
        let clock = SimClock::frozen(crate::sim::clock::parse_instant("2026-11-26 10:00").unwrap());
        let m = SimMarket::new(1, Arc::new(clock));
        let t = m.now();
        for (market, tail) in [(Market::Kospi, KOSPI_TAIL), (Market::Kosdaq, KOSDAQ_TAIL)] {
            let mst = build_mst(&m, market, t);
            for line in mst.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                assert_eq!(line.len(), 9 + 12 + NAME_BYTES + tail);
            }
        }
    }
}

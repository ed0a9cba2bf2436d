//! The master files over HTTP: a zip holding one cp949 `.mst`, fixed-width records (9-byte
//! code, 12-byte ISIN, 40-byte name, 227/221-char tail), parsed here by a parser written from
//! KIS_API.md §7 and the official field widths, and compared with the sim's ground truth.

mod sim_common;

use hoga::market::{Market, SecurityKind};
use hoga::sim::SimConfig;
use sim_common::*;
use std::collections::HashMap;
use std::io::Read;

/// Official field widths of the KOSPI tail (70 fields, 227 chars).
const KOSPI: [usize; 70] = [
    2, 1, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9,
    5, 5, 1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 3, 1, 3, 12, 12, 8, 15, 21, 2, 7, 1, 1, 1, 1, 1, 9, 9, 9,
    5, 9, 8, 9, 3, 1, 1, 1,
];
/// Official field widths of the KOSDAQ tail (64 fields, 221 chars).
const KOSDAQ: [usize; 64] = [
    2, 1, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 5, 5, 1, 1, 1,
    2, 1, 1, 1, 2, 2, 2, 3, 1, 3, 12, 12, 8, 15, 21, 2, 7, 1, 1, 1, 1, 9, 9, 9, 5, 9, 8, 9, 3, 1,
    1, 1,
];

struct Rec {
    code: String,
    isin: String,
    name: String,
    group: String,
    base: i64,
    halted: bool,
    managed: bool,
    shares_k: u64,
    preferred: bool,
}

fn parse_mst(bytes: &[u8], widths: &[usize]) -> Vec<Rec> {
    let tail_len: usize = widths.iter().sum();
    let mut out = Vec::new();
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        assert_eq!(line.len(), 9 + 12 + 40 + tail_len, "record width");
        let (head, tail) = line.split_at(line.len() - tail_len);
        let (name, _, had_errors) = encoding_rs::EUC_KR.decode(&head[21..]);
        assert!(!had_errors, "name is valid cp949");
        assert!(tail.is_ascii());
        let tail = std::str::from_utf8(tail).unwrap();
        let mut fields = Vec::new();
        let mut at = 0;
        for w in widths {
            fields.push(&tail[at..at + w]);
            at += w;
        }
        let is_kospi = widths.len() == 70;
        // Indices of the fields we check, per the official column lists.
        let (base_i, halt_i, mgmt_i, shares_i, pref_i) = if is_kospi {
            (31, 34, 36, 50, 54)
        } else {
            (26, 29, 31, 45, 49)
        };
        out.push(Rec {
            code: std::str::from_utf8(&head[..9])
                .unwrap()
                .trim_end()
                .to_string(),
            isin: std::str::from_utf8(&head[9..21]).unwrap().to_string(),
            name: name.trim_end().to_string(),
            group: fields[0].to_string(),
            base: fields[base_i].parse().unwrap(),
            halted: fields[halt_i] == "Y",
            managed: fields[mgmt_i] == "Y",
            shares_k: fields[shares_i].parse().unwrap(),
            preferred: fields[pref_i] == "1",
        });
    }
    out
}

async fn download(url: &str) -> Vec<u8> {
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let zipped = r.bytes().await.unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zipped.to_vec())).unwrap();
    assert_eq!(z.len(), 1, "one .mst per zip");
    let mut f = z.by_index(0).unwrap();
    let name = f.name().unwrap().to_string();
    assert!(url.ends_with(&format!("{name}.zip")), "{name} inside {url}");
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).unwrap();
    buf
}

#[tokio::test]
async fn master_files_round_trip_against_the_truth() {
    assert_eq!(KOSPI.iter().sum::<usize>(), 227);
    assert_eq!(KOSDAQ.iter().sum::<usize>(), 221);
    let sim = start(SimConfig::frozen("2026-11-26 07:30").seed(5)).await;
    let m = sim.market();
    let t = m.now();
    let truth: HashMap<String, hoga::market::Listing> = m
        .universe_at(t)
        .into_iter()
        .map(|l| (l.code.to_string(), l))
        .collect();
    let mut total = 0;
    for (market, widths) in [(Market::Kospi, &KOSPI[..]), (Market::Kosdaq, &KOSDAQ[..])] {
        let file = if market == Market::Kospi {
            "kospi_code.mst.zip"
        } else {
            "kosdaq_code.mst.zip"
        };
        let mst = download(&format!("{}/{file}", sim.master_url())).await;
        let recs = parse_mst(&mst, widths);
        assert!(recs.len() > 900, "{market}: {}", recs.len());
        for r in &recs {
            let l = truth
                .get(&r.code)
                .unwrap_or_else(|| panic!("{} not in truth", r.code));
            assert_eq!(l.market, market);
            assert_eq!(r.isin, l.isin);
            // Names longer than 40 cp949 bytes are cut; none of ours are.
            assert_eq!(r.name, l.name);
            assert_eq!(r.group, l.group);
            assert_eq!(r.base, l.base_price.0, "{}", r.code);
            assert_eq!(r.halted, l.flags.halted);
            assert_eq!(r.managed, l.flags.managed);
            assert_eq!(r.shares_k, l.listed_shares / 1_000);
            assert_eq!(r.preferred, l.kind == SecurityKind::Preferred);
        }
        total += recs.len();
    }
    assert_eq!(total, truth.len());
    let samsung = truth.get("005930").unwrap();
    assert_eq!(samsung.name, "삼성전자");
    assert_eq!(samsung.isin, "KR7005930003");
    // Unknown files are 404.
    let r = http()
        .get(format!("{}/konex_code.mst.zip", sim.master_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

//! The simulated listing universe: ~2,500 issues over KOSPI and KOSDAQ (and the eight issues
//! of the listing-history table, `listings`, some listed or delisted within the history). The well-known large
//! caps keep their real codes and names; the rest get generated (plausible) Korean names.
//! Everything here is a pure function of the seed.

use crate::market::{Market, SecurityKind, StatusFlags, StockCode, Warning};
use crate::sim::hash::{Stream, hash, word};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};

/// Target counts (issues, including ETFs and preferred shares).
pub const KOSPI_COUNT: usize = 950;
pub const KOSDAQ_COUNT: usize = 1_550;

/// The one stock under a trading halt (거래정지), and the one 관리종목.
pub const HALTED_CODE: &str = "900110";
pub const MANAGED_CODE: &str = "036360";

/// One simulated issue and its static parameters.
#[derive(Clone, Debug)]
pub struct SimStock {
    pub code: StockCode,
    pub isin: String,
    pub name: String,
    pub name_en: String,
    pub market: Market,
    pub kind: SecurityKind,
    /// Master-file group code: ST, EF, ...
    pub group: &'static str,
    pub sector: &'static str,
    /// Long-run price level the daily series reverts to (won).
    pub level: i64,
    /// Daily volatility (fraction, e.g. 0.02).
    pub vol: f64,
    pub listed_shares: u64,
    /// Face value (액면가), won.
    pub par: i64,
    /// Average fraction of shares traded per day.
    pub turnover: f64,
    pub listed_on: NaiveDate,
    pub flags: StatusFlags,
    /// Name as some endpoints return it, with trailing padding (multi-quote `inter_kor_isnm`).
    pub padded_name: bool,
}

impl SimStock {
    /// ETFs trade on a flat 5-won grid.
    pub fn is_etf(&self) -> bool {
        self.kind == SecurityKind::Etf
    }
}

struct Famous {
    code: &'static str,
    name: &'static str,
    en: &'static str,
    market: Market,
    kind: SecurityKind,
    sector: &'static str,
    level: i64,
    shares: u64,
    par: i64,
}

#[allow(clippy::too_many_arguments)] // a table row constructor
const fn f(
    code: &'static str,
    name: &'static str,
    en: &'static str,
    market: Market,
    kind: SecurityKind,
    sector: &'static str,
    level: i64,
    shares: u64,
    par: i64,
) -> Famous {
    Famous {
        code,
        name,
        en,
        market,
        kind,
        sector,
        level,
        shares,
        par,
    }
}

use Market::{Kosdaq as KQ, Kospi as KS};
use SecurityKind::{Etf as E, Preferred as P, Stock as S};

#[rustfmt::skip]
const FAMOUS: &[Famous] = &[
    f("005930", "삼성전자", "Samsung Electronics", KS, S, "전기·전자", 70_000, 5_919_637_922, 100),
    f("005935", "삼성전자우", "Samsung Electronics(1P)", KS, P, "전기·전자", 58_000, 815_974_664, 100),
    f("000660", "SK하이닉스", "SK hynix", KS, S, "전기·전자", 200_000, 728_002_365, 5_000),
    f("373220", "LG에너지솔루션", "LG Energy Solution", KS, S, "전기·전자", 380_000, 234_000_000, 500),
    f("207940", "삼성바이오로직스", "Samsung Biologics", KS, S, "제약", 950_000, 71_174_000, 2_500),
    f("005380", "현대차", "Hyundai Motor", KS, S, "운송장비·부품", 220_000, 209_416_191, 5_000),
    f("005385", "현대차우", "Hyundai Motor(1P)", KS, P, "운송장비·부품", 160_000, 24_356_685, 5_000),
    f("000270", "기아", "Kia", KS, S, "운송장비·부품", 100_000, 397_672_632, 5_000),
    f("068270", "셀트리온", "Celltrion", KS, S, "제약", 180_000, 216_000_000, 1_000),
    f("035420", "NAVER", "NAVER", KS, S, "IT 서비스", 190_000, 158_437_008, 100),
    f("035720", "카카오", "Kakao", KS, S, "IT 서비스", 40_000, 442_000_000, 100),
    f("105560", "KB금융", "KB Financial Group", KS, S, "금융", 80_000, 393_000_000, 5_000),
    f("055550", "신한지주", "Shinhan Financial Group", KS, S, "금융", 50_000, 509_000_000, 5_000),
    f("086790", "하나금융지주", "Hana Financial Group", KS, S, "금융", 60_000, 292_000_000, 5_000),
    f("316140", "우리금융지주", "Woori Financial Group", KS, S, "금융", 15_000, 742_000_000, 5_000),
    f("051910", "LG화학", "LG Chem", KS, S, "화학", 300_000, 70_592_343, 5_000),
    f("051915", "LG화학우", "LG Chem(1P)", KS, P, "화학", 180_000, 7_688_800, 5_000),
    f("006400", "삼성SDI", "Samsung SDI", KS, S, "전기·전자", 300_000, 68_764_530, 5_000),
    f("005490", "POSCO홀딩스", "POSCO Holdings", KS, S, "금속", 350_000, 84_571_230, 5_000),
    f("012330", "현대모비스", "Hyundai Mobis", KS, S, "운송장비·부품", 240_000, 94_000_000, 5_000),
    f("028260", "삼성물산", "Samsung C&T", KS, S, "유통", 130_000, 186_000_000, 100),
    f("066570", "LG전자", "LG Electronics", KS, S, "전기·전자", 90_000, 163_647_814, 5_000),
    f("066575", "LG전자우", "LG Electronics(1P)", KS, P, "전기·전자", 45_000, 17_185_992, 5_000),
    f("003550", "LG", "LG Corp", KS, S, "금융", 75_000, 157_000_000, 5_000),
    f("017670", "SK텔레콤", "SK Telecom", KS, S, "통신", 55_000, 214_790_053, 100),
    f("030200", "KT", "KT", KS, S, "통신", 40_000, 257_000_000, 5_000),
    f("032830", "삼성생명", "Samsung Life Insurance", KS, S, "보험", 85_000, 200_000_000, 500),
    f("015760", "한국전력", "KEPCO", KS, S, "전기·가스", 22_000, 641_964_077, 5_000),
    f("034020", "두산에너빌리티", "Doosan Enerbility", KS, S, "기계·장비", 20_000, 640_000_000, 5_000),
    f("012450", "한화에어로스페이스", "Hanwha Aerospace", KS, S, "운송장비·부품", 350_000, 50_600_000, 5_000),
    f("329180", "HD현대중공업", "HD Hyundai Heavy Industries", KS, S, "운송장비·부품", 250_000, 88_773_116, 5_000),
    f("259960", "크래프톤", "KRAFTON", KS, S, "IT 서비스", 300_000, 48_000_000, 100),
    f("036570", "엔씨소프트", "NCSOFT", KS, S, "IT 서비스", 200_000, 21_954_022, 500),
    f("003490", "대한항공", "Korean Air", KS, S, "운송·창고", 22_000, 368_000_000, 5_000),
    f("069500", "KODEX 200", "KODEX 200", KS, E, "ETF", 35_000, 90_000_000, 0),
    f("102110", "TIGER 200", "TIGER 200", KS, E, "ETF", 35_000, 40_000_000, 0),
    f("229200", "KODEX 코스닥150", "KODEX KOSDAQ150", KS, E, "ETF", 12_000, 60_000_000, 0),
    f("122630", "KODEX 레버리지", "KODEX Leverage", KS, E, "ETF", 18_000, 150_000_000, 0),
    f("252670", "KODEX 200선물인버스2X", "KODEX 200 Futures Inverse 2X", KS, E, "ETF", 2_500, 900_000_000, 0),
    f("360750", "TIGER 미국S&P500", "TIGER US S&P500", KS, E, "ETF", 18_000, 200_000_000, 0),
    f("247540", "에코프로비엠", "EcoPro BM", KQ, S, "전기·전자", 150_000, 97_801_344, 500),
    f("086520", "에코프로", "EcoPro", KQ, S, "금융", 80_000, 133_000_000, 500),
    f("028300", "HLB", "HLB", KQ, S, "제약", 60_000, 131_000_000, 500),
    f("196170", "알테오젠", "Alteogen", KQ, S, "제약", 300_000, 53_000_000, 500),
    f("263750", "펄어비스", "Pearl Abyss", KQ, S, "IT 서비스", 35_000, 64_000_000, 100),
    f("293490", "카카오게임즈", "Kakao Games", KQ, S, "IT 서비스", 20_000, 82_000_000, 100),
    f("022100", "포스코DX", "POSCO DX", KQ, S, "IT 서비스", 30_000, 152_000_000, 200),
    f("058470", "리노공업", "LEENO Industrial", KQ, S, "전기·전자", 200_000, 15_242_370, 500),
    f("357780", "솔브레인", "Soulbrain", KQ, S, "화학", 250_000, 7_779_000, 500),
    f("041510", "에스엠", "SM Entertainment", KQ, S, "오락·문화", 80_000, 23_800_000, 500),
    f("035900", "JYP Ent.", "JYP Entertainment", KQ, S, "오락·문화", 60_000, 35_500_000, 500),
    f("145020", "휴젤", "Hugel", KQ, S, "제약", 250_000, 12_000_000, 500),
    f("214150", "클래시스", "Classys", KQ, S, "의료·정밀기기", 45_000, 65_000_000, 100),
    f("277810", "레인보우로보틱스", "Rainbow Robotics", KQ, S, "기계·장비", 150_000, 19_400_000, 500),
    f("039030", "이오테크닉스", "EO Technics", KQ, S, "반도체", 150_000, 12_300_000, 500),
    f("240810", "원익IPS", "Wonik IPS", KQ, S, "반도체", 30_000, 49_000_000, 500),
];

/// Syllable blocks for generated names, with an English rendering each.
#[rustfmt::skip]
const PREFIXES: &[(&str, &str)] = &[
    ("한국", "Hanguk"), ("대한", "Daehan"), ("동양", "Dongyang"), ("서울", "Seoul"), ("세진", "Sejin"),
    ("태영", "Taeyoung"), ("유니", "Uni"), ("코리아", "Korea"), ("삼화", "Samhwa"), ("신성", "Shinsung"),
    ("에이치", "H"), ("제이", "J"), ("케이", "K"), ("디엔", "DN"), ("아이", "I"), ("성우", "Sungwoo"),
    ("대성", "Daesung"), ("한일", "Hanil"), ("동원", "Dongwon"), ("미래", "Mirae"), ("우진", "Woojin"),
    ("글로벌", "Global"), ("하이", "Hi"), ("넥스", "Nex"), ("메디", "Medi"), ("엘티", "LT"), ("오리", "Ori"),
    ("청담", "Cheongdam"), ("광명", "Gwangmyeong"), ("부산", "Busan"), ("인천", "Incheon"), ("대원", "Daewon"),
    ("영진", "Youngjin"), ("경동", "Kyungdong"), ("한솔", "Hansol"), ("진성", "Jinsung"), ("삼영", "Samyoung"),
    ("에스", "S"), ("비엠", "BM"), ("나노", "Nano"), ("퓨처", "Future"), ("스마트", "Smart"), ("그린", "Green"),
    ("블루", "Blue"), ("씨앤", "C&"), ("엔에이치", "NH"), ("티에스", "TS"), ("지엔", "GN"), ("알에프", "RF"),
    ("중앙", "Jungang"), ("남해", "Namhae"), ("동아", "Donga"), ("일진", "Iljin"), ("신라", "Silla"),
];

#[rustfmt::skip]
const SUFFIXES: &[(&str, &str, &str)] = &[
    ("전자", "Electronics", "전기·전자"), ("화학", "Chemical", "화학"), ("제약", "Pharm", "제약"),
    ("바이오", "Bio", "제약"), ("산업", "Industries", "기계·장비"), ("건설", "E&C", "건설"),
    ("테크", "Tech", "전기·전자"), ("소재", "Materials", "화학"), ("로직스", "Logics", "운송·창고"),
    ("시스템", "Systems", "IT 서비스"), ("정밀", "Precision", "의료·정밀기기"), ("에너지", "Energy", "전기·가스"),
    ("홀딩스", "Holdings", "금융"), ("반도체", "Semicon", "반도체"), ("엔터", "Ent", "오락·문화"),
    ("게임즈", "Games", "IT 서비스"), ("네트웍스", "Networks", "통신"), ("솔루션", "Solution", "IT 서비스"),
    ("머티리얼즈", "Materials", "화학"), ("인더스트리", "Industry", "기계·장비"), ("물산", "Trading", "유통"),
    ("식품", "Foods", "음식료·담배"), ("제지", "Paper", "종이·목재"), ("중공업", "Heavy Industries", "기계·장비"),
    ("기계", "Machinery", "기계·장비"), ("통신", "Telecom", "통신"), ("증권", "Securities", "금융"),
    ("생명과학", "Life Science", "제약"), ("헬스케어", "Healthcare", "의료·정밀기기"), ("디스플레이", "Display", "전기·전자"),
    ("모빌리티", "Mobility", "운송장비·부품"), ("로보틱스", "Robotics", "기계·장비"), ("이엔지", "ENG", "건설"),
    ("메탈", "Metal", "금속"), ("섬유", "Textile", "섬유·의류"), ("패션", "Fashion", "섬유·의류"),
    ("유통", "Distribution", "유통"), ("해운", "Shipping", "운송·창고"), ("카본", "Carbon", "화학"),
    ("파마", "Pharma", "제약"), ("씨엔에스", "CNS", "IT 서비스"), ("팜", "Farm", "음식료·담배"),
];

#[rustfmt::skip]
const ETF_BRANDS: &[(&str, &str)] = &[
    ("KODEX", "KODEX"), ("TIGER", "TIGER"), ("KBSTAR", "KBSTAR"), ("ARIRANG", "ARIRANG"),
    ("ACE", "ACE"), ("SOL", "SOL"), ("HANARO", "HANARO"), ("PLUS", "PLUS"),
];

#[rustfmt::skip]
const ETF_THEMES: &[(&str, &str)] = &[
    ("반도체", "Semiconductor"), ("2차전지산업", "Secondary Battery"), ("미국나스닥100", "US Nasdaq100"),
    ("은행", "Banks"), ("헬스케어", "Healthcare"), ("고배당", "High Dividend"), ("국고채3년", "KTB 3Y"),
    ("200TR", "200TR"), ("코스닥150레버리지", "KOSDAQ150 Leverage"), ("미국S&P500TR", "US S&P500TR"),
    ("인도Nifty50", "India Nifty50"), ("골드선물(H)", "Gold Futures(H)"), ("단기채권", "Short-term Bond"),
    ("자동차", "Automobile"), ("K-방산", "K-Defense"), ("AI반도체", "AI Semiconductor"),
    ("배당성장", "Dividend Growth"), ("CD금리액티브", "CD Rate Active"), ("일본니케이225", "Japan Nikkei225"),
    ("차이나CSI300", "China CSI300"), ("미국배당다우존스", "US Dividend Dow Jones"), ("조선TOP10", "Shipbuilding TOP10"),
];

/// ISIN for a Korean share: `KR7` + code + `00` + Luhn check digit.
pub fn isin_for(code: &str) -> String {
    let body = format!("KR7{code}00");
    let mut digits = String::new();
    for c in body.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c.is_ascii_uppercase() {
            digits.push_str(&((c as u32 - 'A' as u32 + 10).to_string()));
        }
    }
    let mut sum = 0u32;
    for (i, ch) in digits.chars().rev().enumerate() {
        let mut d = ch.to_digit(10).unwrap_or(0);
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    let check = (10 - sum % 10) % 10;
    format!("{body}{check}")
}

fn code(s: &str) -> StockCode {
    // Only called with the literal codes above and generated six-digit codes.
    StockCode::new(s).expect("simulated codes are six digits")
}

/// Builds the whole universe for `seed`, sorted by code.
pub fn build(seed: u64) -> Vec<SimStock> {
    let mut rng = Stream::new(hash(&[seed, word("universe")]));
    let mut used_codes: HashSet<String> = HashSet::new();
    let mut used_names: HashSet<String> = HashSet::new();
    let mut out: Vec<SimStock> = Vec::with_capacity(KOSPI_COUNT + KOSDAQ_COUNT);

    for fm in FAMOUS {
        used_codes.insert(fm.code.to_string());
        used_names.insert(fm.name.to_string());
        let h = hash(&[seed, word(fm.code)]);
        let mut r = Stream::new(h);
        out.push(SimStock {
            code: code(fm.code),
            isin: isin_for(fm.code),
            name: fm.name.to_string(),
            name_en: fm.en.to_string(),
            market: fm.market,
            kind: fm.kind,
            group: if fm.kind == E { "EF" } else { "ST" },
            sector: fm.sector,
            level: fm.level,
            vol: if fm.kind == E {
                0.008
            } else {
                0.012 + r.unit() * 0.012
            },
            listed_shares: fm.shares,
            par: fm.par,
            turnover: if fm.kind == E {
                0.01
            } else {
                0.002 + r.unit() * 0.004
            },
            listed_on: listing_date(&mut r),
            flags: StatusFlags::default(),
            padded_name: false,
        });
    }

    // The halted and the managed stock: fixed codes, generated-style names.
    let specials = [
        (HALTED_CODE, "이스트아시아홀딩스", "East Asia Holdings", KQ),
        (MANAGED_CODE, "대성하이텍", "Daesung Hitech", KQ),
    ];
    for (c, name, en, market) in specials {
        used_codes.insert(c.to_string());
        used_names.insert(name.to_string());
        let mut r = Stream::new(hash(&[seed, word(c)]));
        let halted = c == HALTED_CODE;
        out.push(SimStock {
            code: code(c),
            isin: isin_for(c),
            name: name.to_string(),
            name_en: en.to_string(),
            market,
            kind: S,
            group: "ST",
            sector: if halted { "금융" } else { "기계·장비" },
            level: if halted { 1_240 } else { 3_185 },
            vol: 0.03,
            listed_shares: 40_000_000 + r.range(0, 60_000_000),
            par: 500,
            turnover: 0.01,
            listed_on: listing_date(&mut r),
            flags: StatusFlags {
                halted,
                managed: !halted,
                warning: Warning::None,
                vi: false,
            },
            padded_name: true,
        });
    }

    let famous_counts = |m: Market| out.iter().filter(|s| s.market == m).count();
    let mut counts: BTreeMap<Market, usize> = BTreeMap::new();
    counts.insert(KS, famous_counts(KS));
    counts.insert(KQ, famous_counts(KQ));

    for market in [KS, KQ] {
        let target = if market == KS {
            KOSPI_COUNT
        } else {
            KOSDAQ_COUNT
        };
        let etf_target = if market == KS { 120 } else { 0 };
        let mut etfs = out
            .iter()
            .filter(|s| s.market == market && s.is_etf())
            .count();
        while counts[&market] < target {
            let make_etf = etfs < etf_target && rng.unit() < 0.2;
            let c = fresh_code(&mut rng, &used_codes, make_etf);
            let stock = if make_etf {
                etfs += 1;
                generated_etf(seed, &c, &mut rng, &mut used_names, market)
            } else {
                generated_stock(seed, &c, &mut rng, &mut used_names, market)
            };
            used_codes.insert(c.clone());
            *counts.entry(market).or_default() += 1;
            // About one KOSPI common stock in twelve also lists a preferred share (code …5).
            let pref = market == KS
                && !make_etf
                && rng.unit() < 0.08
                && counts[&market] < target
                && !used_codes.contains(&pref_code(&c));
            if pref {
                let pc = pref_code(&c);
                let mut p = stock.clone();
                p.code = self::code(&pc);
                p.isin = isin_for(&pc);
                p.name = format!("{}우", stock.name);
                p.name_en = format!("{}(1P)", stock.name_en);
                p.kind = P;
                p.level = (stock.level as f64 * (0.55 + rng.unit() * 0.3)) as i64;
                p.listed_shares = stock.listed_shares / 10 + 1;
                p.turnover = stock.turnover * 0.5;
                used_codes.insert(pc);
                used_names.insert(p.name.clone());
                out.push(p);
                *counts.entry(market).or_default() += 1;
            }
            out.push(stock);
        }
    }
    // The issues of the listing-history table (`listings`), after the generated ones so the
    // rest of the universe is what it always was: as they are now (latest name and market),
    // listed from their IPO where the table lists them.
    for &(c, _, _, _) in super::listings::ISSUES {
        let mut r = Stream::new(hash(&[seed, word(c), word("listing")]));
        let since = listing_date(&mut r);
        let Some(h) = super::listings::history(c, since, crate::market::Calendar::krx()) else {
            continue;
        };
        let Some((_, name, en, market)) = h.names.last().cloned() else {
            continue;
        };
        used_names.insert(name.clone());
        out.push(SimStock {
            code: code(c),
            isin: isin_for(c),
            name,
            name_en: en,
            market,
            kind: S,
            group: "ST",
            sector: "기계·장비",
            level: 2_000 + r.range(0, 30_000) as i64,
            vol: 0.02,
            listed_shares: 10_000_000 + r.range(0, 40_000_000),
            par: 500,
            turnover: 0.008,
            listed_on: h.listed_on,
            flags: StatusFlags::default(),
            padded_name: false,
        });
    }
    out.sort_by_key(|s| s.code);
    out
}

fn pref_code(c: &str) -> String {
    format!("{}5", &c[..5])
}

fn listing_date(r: &mut Stream) -> NaiveDate {
    let y = 1975 + r.range(0, 47) as i32;
    let m = 1 + r.range(0, 11) as u32;
    let d = 1 + r.range(0, 27) as u32;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn fresh_code(r: &mut Stream, used: &HashSet<String>, etf: bool) -> String {
    loop {
        let n = if etf {
            // ETF codes cluster in the 1xxxx0–4xxxx0 range.
            100_000 + r.range(0, 39_999) * 10
        } else {
            r.range(1, 49_999) * 10
        };
        let c = format!("{n:06}");
        if !used.contains(&c) && !used.contains(&pref_code(&c)) {
            return c;
        }
    }
}

fn generated_stock(
    seed: u64,
    c: &str,
    r: &mut Stream,
    names: &mut HashSet<String>,
    market: Market,
) -> SimStock {
    let (name, en, sector) = loop {
        let (p, pe) = PREFIXES[r.range(0, PREFIXES.len() as u64 - 1) as usize];
        let (s, se, sector) = SUFFIXES[r.range(0, SUFFIXES.len() as u64 - 1) as usize];
        let (mut name, mut en) = (format!("{p}{s}"), format!("{pe} {se}"));
        if names.contains(&name) {
            let (p2, pe2) = PREFIXES[r.range(0, PREFIXES.len() as u64 - 1) as usize];
            name = format!("{p}{p2}{s}");
            en = format!("{pe}{} {se}", pe2.to_lowercase());
        }
        if !names.contains(&name) {
            break (name, en, sector);
        }
    };
    names.insert(name.clone());
    let mut own = Stream::new(hash(&[seed, word(c)]));
    // Log-uniform price level: mostly 1,000–200,000 won, a few penny stocks and a few giants.
    let level = (800f64 * (500f64).powf(own.unit())) as i64;
    let shares = (2_000_000f64 * (200f64).powf(own.unit())) as u64;
    let warning = match own.range(0, 199) {
        0..=2 => Warning::Caution,
        3 => Warning::Warning,
        _ => Warning::None,
    };
    SimStock {
        code: code(c),
        isin: isin_for(c),
        name,
        name_en: en,
        market,
        kind: S,
        group: "ST",
        sector,
        level,
        vol: 0.015 + own.unit() * 0.025,
        listed_shares: shares,
        par: [100, 200, 500, 500, 500, 1_000, 5_000][own.range(0, 6) as usize],
        turnover: 0.002 + own.unit() * 0.02,
        listed_on: listing_date(&mut own),
        flags: StatusFlags {
            warning,
            ..StatusFlags::default()
        },
        padded_name: own.unit() < 0.3,
    }
}

fn generated_etf(
    seed: u64,
    c: &str,
    r: &mut Stream,
    names: &mut HashSet<String>,
    market: Market,
) -> SimStock {
    let (name, en) = loop {
        let (b, be) = ETF_BRANDS[r.range(0, ETF_BRANDS.len() as u64 - 1) as usize];
        let (t, te) = ETF_THEMES[r.range(0, ETF_THEMES.len() as u64 - 1) as usize];
        let name = format!("{b} {t}");
        if !names.contains(&name) {
            break (name, format!("{be} {te}"));
        }
        // Brand × theme pairs run out before the ETF target: number the rest like real series.
        let name = format!("{b} {t} {}", r.range(2, 9));
        if !names.contains(&name) {
            break (
                name.clone(),
                format!("{be} {te} {}", &name[name.len() - 1..]),
            );
        }
    };
    names.insert(name.clone());
    let mut own = Stream::new(hash(&[seed, word(c)]));
    SimStock {
        code: code(c),
        isin: isin_for(c),
        name,
        name_en: en,
        market,
        kind: E,
        group: "EF",
        sector: "ETF",
        level: (5_000f64 * (20f64).powf(own.unit())) as i64,
        vol: 0.004 + own.unit() * 0.01,
        listed_shares: 1_000_000 + own.range(0, 50_000_000),
        par: 0,
        turnover: 0.005 + own.unit() * 0.02,
        listed_on: listing_date(&mut own),
        flags: StatusFlags::default(),
        padded_name: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isin_check_digits_match_real_ones() {
        assert_eq!(isin_for("005930"), "KR7005930003");
        assert_eq!(isin_for("000660"), "KR7000660001");
        assert_eq!(isin_for("069500"), "KR7069500007");
    }

    #[test]
    fn universe_is_deterministic_unique_and_sized() {
        let a = build(7);
        let b = build(7);
        assert_eq!(
            a.len(),
            KOSPI_COUNT + KOSDAQ_COUNT + super::super::listings::ISSUES.len()
        );
        assert_eq!(
            a.iter().map(|s| &s.name).collect::<Vec<_>>(),
            b.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        let codes: HashSet<_> = a.iter().map(|s| s.code).collect();
        assert_eq!(codes.len(), a.len());
        let names: HashSet<_> = a.iter().map(|s| s.name.clone()).collect();
        assert_eq!(names.len(), a.len());
        assert!(a.iter().any(|s| s.code.as_str() == "005935" && s.kind == P));
        assert!(a.iter().filter(|s| s.flags.halted).count() == 1);
        assert!(a.iter().filter(|s| s.flags.managed).count() == 1);
        assert!(a.iter().filter(|s| s.is_etf()).count() > 50);
        assert!(a.iter().all(|s| s.level > 0));
    }
}

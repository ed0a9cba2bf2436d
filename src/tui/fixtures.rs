//! Deterministic market data for snapshot tests, property tests and benches (not the
//! simulator: fixed numbers, so screens can be compared byte for byte), and a static
//! `DataSource` over them.

use super::msg::Msg;
use super::state::{Settings, State};
use super::update::update;
use super::watchlist::{Watchlist, Watchlists};
use crate::feed::Event;
use crate::market::tick::round_down;
use crate::market::{
    Candle, Direction, ExpectedFill, Interval, Krw, Level, Listing, Market, OrderBook, Period,
    Provenance, Quote, Rate, SecurityKind, StatusFlags, StockCode, StockInfo, kst_to_utc,
    price_limits,
};
use crate::source::{DataSource, Req, SourceError, SourceKind, SourceStatus, Sourced};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Well-known stocks: code, Hangul name, English name, market, base price, cap (억).
pub const KNOWN: &[(&str, &str, &str, Market, i64, u64)] = &[
    (
        "005930",
        "삼성전자",
        "Samsung Electronics",
        Market::Kospi,
        65_800,
        3_928_000,
    ),
    (
        "000660",
        "SK하이닉스",
        "SK hynix",
        Market::Kospi,
        182_300,
        1_327_000,
    ),
    (
        "373220",
        "LG에너지솔루션",
        "LG Energy Solution",
        Market::Kospi,
        371_500,
        869_000,
    ),
    (
        "207940",
        "삼성바이오로직스",
        "Samsung Biologics",
        Market::Kospi,
        982_000,
        720_000,
    ),
    (
        "005380",
        "현대차",
        "Hyundai Motor",
        Market::Kospi,
        214_500,
        449_000,
    ),
    ("000270", "기아", "Kia", Market::Kospi, 98_700, 392_000),
    (
        "005935",
        "삼성전자우",
        "Samsung Electronics Pref",
        Market::Kospi,
        55_300,
        455_000,
    ),
    (
        "068270",
        "셀트리온",
        "Celltrion",
        Market::Kospi,
        178_900,
        388_000,
    ),
    ("035420", "NAVER", "NAVER", Market::Kospi, 201_000, 318_000),
    ("035720", "카카오", "Kakao", Market::Kospi, 41_250, 183_000),
    (
        "105560",
        "KB금융",
        "KB Financial Group",
        Market::Kospi,
        79_600,
        313_000,
    ),
    (
        "055550",
        "신한지주",
        "Shinhan Financial Group",
        Market::Kospi,
        50_300,
        255_000,
    ),
    (
        "247540",
        "에코프로비엠",
        "EcoPro BM",
        Market::Kosdaq,
        181_200,
        177_000,
    ),
    (
        "086520",
        "에코프로",
        "EcoPro",
        Market::Kosdaq,
        92_400,
        123_000,
    ),
    ("028300", "HLB", "HLB", Market::Kosdaq, 61_700, 80_000),
    (
        "196170",
        "알테오젠",
        "Alteogen",
        Market::Kosdaq,
        318_000,
        169_000,
    ),
    (
        "263750",
        "펄어비스",
        "Pearl Abyss",
        Market::Kosdaq,
        36_850,
        23_000,
    ),
    (
        "293490",
        "카카오게임즈",
        "Kakao Games",
        Market::Kosdaq,
        17_930,
        14_000,
    ),
    (
        "006400",
        "삼성SDI",
        "Samsung SDI",
        Market::Kospi,
        392_000,
        269_000,
    ),
    (
        "028260",
        "삼성물산",
        "Samsung C&T",
        Market::Kospi,
        143_700,
        258_000,
    ),
    (
        "032830",
        "삼성생명",
        "Samsung Life Insurance",
        Market::Kospi,
        88_900,
        177_000,
    ),
    (
        "042700",
        "한미반도체",
        "Hanmi Semiconductor",
        Market::Kospi,
        94_500,
        91_000,
    ),
];

/// Stocks whose fixture quote is pinned instead of moved at random: code and change from the
/// base price. 삼성바이오로직스 trades above 1,000,000 won, where columns used to cut prices.
pub const PINNED: &[(&str, i64)] = &[("207940", 30_000)];

/// 2026-11-25 10:15 KST (a Wednesday, continuous session).
pub fn now() -> DateTime<Utc> {
    kst(2026, 11, 25, 10, 15)
}

pub fn kst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let time = NaiveTime::from_hms_opt(h, min, 0).unwrap_or_default();
    kst_to_utc(NaiveDateTime::new(date, time))
}

/// A small deterministic generator (no dependency on a RNG's version for snapshots).
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// Uniform in [-range, range].
    pub fn signed(&mut self, range: i64) -> i64 {
        if range <= 0 {
            return 0;
        }
        (self.next_u64() % (2 * range as u64 + 1)) as i64 - range
    }
}

fn code(s: &str) -> StockCode {
    StockCode::new(s)
        .unwrap_or_else(|_| StockCode::new("000000").unwrap_or_else(|_| unreachable!()))
}

/// The known stocks followed by synthetic ones up to `n` listings.
pub fn universe(n: usize) -> Vec<Listing> {
    let mut out: Vec<Listing> = KNOWN
        .iter()
        .map(|(c, name, en, market, base, cap)| Listing {
            code: code(c),
            isin: format!("KR7{c}003"),
            name: name.to_string(),
            name_en: Some(en.to_string()),
            market: *market,
            group: "ST".into(),
            kind: if name.ends_with('우') {
                SecurityKind::Preferred
            } else {
                SecurityKind::Stock
            },
            base_price: Krw(*base),
            listed_shares: cap * 100_000_000 / *base as u64,
            flags: StatusFlags::default(),
            market_cap_eok: *cap,
            listed_on: None,
        })
        .collect();
    let syllables = [
        '가', '나', '다', '라', '마', '바', '사', '아', '자', '차', '카', '타', '파', '하', '한',
        '국', '전', '자', '화', '학',
    ];
    let mut rng = Lcg::new(7);
    let mut i = 0;
    while out.len() < n {
        i += 1;
        let c = format!("{:06}", 100_000 + i * 7);
        let name: String = (0..(2 + rng.next_u64() % 4))
            .map(|_| syllables[(rng.next_u64() % syllables.len() as u64) as usize])
            .collect();
        let base = round_down(Krw(1_000 + (rng.next_u64() % 200_000) as i64));
        out.push(Listing {
            code: code(&c),
            isin: format!("KR7{c}003"),
            name: format!("{name}{}", i % 10),
            name_en: Some(format!("Company {i}")),
            market: if i % 3 == 0 {
                Market::Kosdaq
            } else {
                Market::Kospi
            },
            group: "ST".into(),
            kind: SecurityKind::Stock,
            base_price: base,
            listed_shares: 10_000_000 + rng.next_u64() % 100_000_000,
            flags: StatusFlags::default(),
            market_cap_eok: 100 + rng.next_u64() % 10_000,
            listed_on: None,
        });
    }
    out
}

/// A quote for a listing, moved deterministically by `seed`.
pub fn quote(l: &Listing, seed: u64, at: DateTime<Utc>) -> Quote {
    let mut rng = Lcg::new(seed ^ l.code.as_str().bytes().fold(0u64, |a, b| a * 31 + b as u64));
    let prev = l.base_price;
    let (lower, upper) = price_limits(prev);
    let moved = prev.0 + prev.0 * rng.signed(600) / 10_000;
    let pinned = PINNED
        .iter()
        .find(|(c, _)| *c == l.code.as_str())
        .map(|(_, change)| prev + Krw(*change));
    let price = pinned
        .unwrap_or_else(|| round_down(Krw(moved)))
        .clamp(lower, upper);
    let change = price - prev;
    let open = round_down(Krw(prev.0 + prev.0 * rng.signed(100) / 10_000));
    let high = price.max(open).max(round_down(Krw(
        price.0 + price.0 * (rng.next_u64() % 150) as i64 / 10_000
    )));
    let low = price.min(open).min(round_down(Krw(
        price.0 - price.0 * (rng.next_u64() % 150) as i64 / 10_000
    )));
    let volume = 10_000 + rng.next_u64() % 20_000_000;
    Quote {
        code: l.code,
        name: Some(l.name.clone()),
        price,
        change,
        change_rate: Rate::of(change, prev),
        prev_close: prev,
        open,
        high,
        low,
        volume,
        value: Krw(volume as i64 * price.0),
        upper_limit: upper,
        lower_limit: lower,
        flags: l.flags,
        expected: None,
        as_of: at,
    }
}

/// A 10-level book around the quote's price; with an expected fill when `auction`.
pub fn book(q: &Quote, seed: u64, auction: bool) -> OrderBook {
    let mut rng = Lcg::new(seed);
    let mut asks = Vec::new();
    let mut bids = Vec::new();
    let mut p = q.price;
    let mut b = crate::market::tick::tick_down(q.price);
    for _ in 0..10 {
        asks.push(Level {
            price: p,
            qty: 100 + rng.next_u64() % 50_000,
        });
        bids.push(Level {
            price: b,
            qty: 100 + rng.next_u64() % 50_000,
        });
        p = crate::market::tick::tick_up(p);
        b = crate::market::tick::tick_down(b);
    }
    let total_ask_qty = asks.iter().map(|l| l.qty).sum::<u64>() * 3;
    let total_bid_qty = bids.iter().map(|l| l.qty).sum::<u64>() * 3;
    OrderBook {
        code: q.code,
        asks,
        bids,
        total_ask_qty,
        total_bid_qty,
        last: Some(q.price),
        prev_close: Some(q.prev_close),
        expected: auction.then_some(ExpectedFill {
            price: q.price,
            volume: 123_456,
            change: q.change,
            change_rate: q.change_rate,
        }),
        as_of: q.as_of,
    }
}

/// `n` candles of `period` ending at `end` (daily: trading days only, skipping weekends).
pub fn candles(
    n: usize,
    period: Period,
    start_price: i64,
    seed: u64,
    end: NaiveDate,
) -> Vec<Candle> {
    let mut rng = Lcg::new(seed);
    let mut out = Vec::with_capacity(n);
    let mut price = start_price;
    let mut date = end;
    let mut dates = Vec::with_capacity(n);
    let mut minute = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    for _ in 0..n {
        dates.push(date);
        date = match period {
            Period::Day | Period::Minute => {
                let mut d = date - Duration::days(1);
                while matches!(
                    chrono::Datelike::weekday(&d),
                    chrono::Weekday::Sat | chrono::Weekday::Sun
                ) {
                    d -= Duration::days(1);
                }
                d
            }
            Period::Week => date - Duration::days(7),
            _ => date - Duration::days(30),
        };
    }
    dates.reverse();
    for (i, d) in dates.into_iter().enumerate() {
        let open = round_down(Krw(price)).0.max(100);
        let close = round_down(Krw((open + open * rng.signed(300) / 10_000).max(100))).0;
        let high = round_down(Krw(
            open.max(close) + open * (rng.next_u64() % 200) as i64 / 10_000
        ))
        .0;
        let low = round_down(Krw(
            open.min(close) - open * (rng.next_u64() % 200) as i64 / 10_000
        ))
        .0
        .max(1);
        let volume = 100_000 + rng.next_u64() % 30_000_000;
        let (date, time) = if period == Period::Minute {
            let t = minute;
            minute += Duration::minutes(1);
            let _ = i;
            (end, Some(t))
        } else {
            (d, None)
        };
        out.push(Candle {
            date,
            time,
            open: Krw(open),
            high: Krw(high),
            low: Krw(low),
            close: Krw(close),
            volume,
            value: Krw(volume as i64 * close),
        });
        price = close;
    }
    out
}

/// Sets a quote's price and change (previous close = price − change), keeping it consistent:
/// rate, day range, limits and traded value follow.
pub fn pin_price(q: &mut Quote, price: i64, change: i64) {
    let prev = Krw((price - change).max(1));
    q.price = Krw(price);
    q.prev_close = prev;
    q.change = q.price - prev;
    q.change_rate = Rate::of(q.change, prev);
    q.open = prev;
    q.high = q.price.max(prev);
    q.low = q.price.min(prev);
    let (lower, upper) = price_limits(prev);
    q.upper_limit = upper.max(q.price);
    q.lower_limit = lower.min(q.price);
    q.value = Krw(q.volume as i64 * price);
}

/// `candles` scaled so the newest close is `target` (fixture charts end at the quote).
pub fn ending_at(mut candles: Vec<Candle>, target: i64) -> Vec<Candle> {
    let Some(last) = candles.last().map(|c| c.close.0).filter(|c| *c > 0) else {
        return candles;
    };
    let f = |p: Krw| round_down(Krw((p.0 as i128 * target as i128 / last as i128) as i64));
    for c in &mut candles {
        c.open = f(c.open);
        c.high = f(c.high);
        c.low = f(c.low);
        c.close = f(c.close);
    }
    if let Some(c) = candles.last_mut() {
        c.close = Krw(target);
        c.high = c.high.max(c.close);
        c.low = c.low.min(c.close);
    }
    candles
}

pub fn info(l: &Listing, q: &Quote) -> StockInfo {
    StockInfo {
        code: l.code,
        name: l.name.clone(),
        name_en: l.name_en.clone(),
        market: l.market,
        kind: l.kind,
        isin: Some(l.isin.clone()),
        sector: Some(if l.market == Market::Kospi {
            "전기·전자".into()
        } else {
            "제약".into()
        }),
        listed_shares: Some(l.listed_shares),
        market_cap: Some(Krw(l.market_cap_eok as i64 * 100_000_000)),
        per: Some(Rate(1342)),
        pbr: Some(Rate(121)),
        eps: Some(Krw(4_903)),
        bps: Some(Krw(54_382)),
        w52_high: Some(Krw(q.price.0 * 13 / 10)),
        w52_low: Some(Krw(q.price.0 * 7 / 10)),
        upper_limit: Some(q.upper_limit),
        lower_limit: Some(q.lower_limit),
        flags: l.flags,
    }
}

/// What a fixture screen shows besides the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scenario {
    /// The open stock is halted (거래정지) and 관리종목.
    pub halted: bool,
    /// The breaker is open and the book fetch failed.
    pub breaker_open: bool,
    /// Pre-open auction with an expected fill.
    pub auction: bool,
    /// Universe size (at least the known stocks).
    pub universe: usize,
    /// Watchlist rows (taken from the universe).
    pub rows: usize,
    pub candles: usize,
    /// The open stock (a code among the watchlist rows); the first row when `None`.
    pub open: Option<&'static str>,
    /// The open stock's price and change from the previous close, instead of the fixture's.
    pub price: Option<(i64, i64)>,
    /// The book's last snapshot moved some levels by 100K shares and more.
    pub big_book_changes: bool,
    /// The stream is up, carrying the open stock and the rows, with a few trades on the tape.
    pub streaming: bool,
}

/// A whole state with data, built through `update` like the real app.
pub fn state(size: (u16, u16), sc: Scenario) -> State {
    let at = if sc.auction {
        kst(2026, 11, 25, 8, 45)
    } else {
        now()
    };
    let mut uni = universe(sc.universe.max(KNOWN.len()));
    if sc.halted {
        uni[0].flags.halted = true;
        uni[0].flags.managed = true;
        uni[0].flags.warning = crate::market::Warning::Warning;
    }
    let rows = if sc.rows == 0 { 12 } else { sc.rows };
    let wl = Watchlists {
        lists: vec![
            Watchlist {
                name: "대형주".into(),
                codes: uni.iter().take(rows).map(|l| l.code).collect(),
            },
            Watchlist {
                name: "코스닥".into(),
                codes: uni
                    .iter()
                    .filter(|l| l.market == Market::Kosdaq)
                    .take(6)
                    .map(|l| l.code)
                    .collect(),
            },
        ],
        active: 0,
    };
    let kind = if sc.breaker_open {
        SourceKind::Kis(crate::market::Env::Real)
    } else {
        SourceKind::Simulated
    };
    let prov = if sc.breaker_open {
        Provenance::Stale {
            since: at - Duration::seconds(95),
        }
    } else {
        Provenance::Simulated
    };
    let mut s = State::new(Settings::default(), wl, kind, Interval::Day, at);
    update(&mut s, Msg::Resize(size.0, size.1));
    update(&mut s, Msg::Tick(at));
    update(
        &mut s,
        Msg::Feed(Event::Universe {
            at,
            reply: Ok(Sourced::new(uni.clone(), prov)),
        }),
    );
    let open_idx = sc
        .open
        .and_then(|c| uni.iter().take(rows).position(|l| l.code.as_str() == c))
        .unwrap_or(0);
    let quotes: Vec<Sourced<Quote>> = uni
        .iter()
        .take(rows.max(1))
        .enumerate()
        .map(|(i, l)| {
            let mut q = quote(l, 1, at);
            if sc.halted && i == 0 {
                q.volume = 0;
            }
            if let (Some((price, change)), true) = (sc.price, i == open_idx) {
                pin_price(&mut q, price, change);
            }
            Sourced::new(q, prov)
        })
        .collect();
    let first = quotes[open_idx].value.clone();
    if open_idx != 0 {
        s.selected = Some(first.code);
        s.wl_selected = Some(first.code);
    }
    update(
        &mut s,
        Msg::Feed(Event::Quotes {
            at,
            reply: Ok(quotes),
        }),
    );
    let code = first.code;
    let version = s.version;
    let n = if sc.candles == 0 { 200 } else { sc.candles };
    update(
        &mut s,
        Msg::Feed(Event::Chart {
            code,
            period: Interval::Day,
            version,
            at,
            reply: Ok(Sourced::new(
                ending_at(
                    candles(
                        n,
                        Period::Day,
                        first.price.0,
                        3,
                        crate::market::kst_date(at),
                    ),
                    first.price.0,
                ),
                prov,
            )),
        }),
    );
    // Two snapshots so the change column has something to show.
    let b1 = book(&first, 11, sc.auction);
    let mut b2 = b1.clone();
    for (i, l) in b2.asks.iter_mut().chain(b2.bids.iter_mut()).enumerate() {
        if i % 3 == 0 {
            l.qty += 1_250;
        } else if i % 5 == 0 {
            l.qty = l.qty.saturating_sub(700).max(100);
        }
    }
    let mut b1 = b1;
    if sc.big_book_changes {
        // +101,600 on the second ask, −1,200,000 on the third bid.
        b2.asks[1].qty += 101_600;
        b1.bids[2].qty = 1_300_000;
        b2.bids[2].qty = 100_000;
    }
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code,
            version,
            at,
            reply: Ok(Sourced::new(b1, prov)),
        }),
    );
    update(
        &mut s,
        Msg::Feed(Event::Book {
            code,
            version,
            at,
            reply: Ok(Sourced::new(b2, prov)),
        }),
    );
    update(
        &mut s,
        Msg::Feed(Event::Info {
            code,
            version,
            at,
            reply: Ok(Sourced::new(info(&uni[open_idx], &first), prov)),
        }),
    );
    update(
        &mut s,
        Msg::Feed(Event::Flows {
            code,
            version,
            at,
            flows: Ok(Sourced::new(investor_days(code, at), prov)),
            vi: Ok(Sourced::new(vi_events(code, &uni[open_idx].name, at), prov)),
        }),
    );
    if sc.breaker_open {
        // A second round served stale: everything on screen has failed for longer than one
        // poll, which is when the whole bar says so.
        let again = s.clone();
        update(
            &mut s,
            Msg::Feed(Event::Quotes {
                at,
                reply: Ok(again
                    .rows()
                    .iter()
                    .filter_map(|c| again.quotes.get(c))
                    .map(|cell| Sourced::new(cell.quote.clone(), prov))
                    .collect()),
            }),
        );
        if let Some(candles) = again.chart.data.value.clone() {
            update(
                &mut s,
                Msg::Feed(Event::Chart {
                    code,
                    period: Interval::Day,
                    version,
                    at,
                    reply: Ok(Sourced::new(candles, prov)),
                }),
            );
        }
        if let Some(i) = again.info.value.clone() {
            update(
                &mut s,
                Msg::Feed(Event::Info {
                    code,
                    version,
                    at,
                    reply: Ok(Sourced::new(i, prov)),
                }),
            );
        }
        let later = at + Duration::seconds(5);
        update(
            &mut s,
            Msg::Feed(Event::Status(SourceStatus {
                breaker: Some("open".into()),
                breaker_retry_at: Some(later + Duration::seconds(42)),
                redis_up: Some(false),
                token_expires_at: Some(at + Duration::hours(20)),
                budget_used: 0,
                budget_limit: 18,
                budget_peers: 0,
                cache_hit_rate: Some(0.62),
                last_error: None,
            })),
        );
        update(
            &mut s,
            Msg::Feed(Event::Book {
                code,
                version,
                at: later,
                reply: Err(crate::feed::Failure {
                    message: "connection refused (KIS unreachable)".into(),
                    next_try: Some(later + Duration::seconds(42)),
                    unsupported: false,
                }),
            }),
        );
        update(&mut s, Msg::Tick(later));
    } else {
        update(&mut s, Msg::Feed(Event::Status(SourceStatus::default())));
    }
    if sc.streaming {
        stream_into(&mut s, &first, at);
    }
    update(
        &mut s,
        Msg::Feed(Event::Indices {
            at,
            reply: Ok(index_quotes(at)
                .into_iter()
                .map(|q| Sourced::new(q, prov))
                .collect()),
        }),
    );
    s.dirty = false;
    s
}

/// Five published days of investor flows for `code` before `at`'s day, newest first.
pub fn investor_days(code: StockCode, at: DateTime<Utc>) -> Vec<crate::market::InvestorDay> {
    use crate::market::{Flow, InvestorDay};
    let mut rng = Lcg::new(code.as_str().bytes().fold(7u64, |a, b| a * 31 + b as u64));
    let cal = crate::market::Calendar::krx();
    let mut day = crate::market::kst_date(at);
    (0..5)
        .map(|_| {
            day = cal.prev_trading_day(day);
            let mut flow = |scale: i64| {
                let net_qty = rng.signed(scale);
                Flow {
                    net_qty,
                    net_value: Krw(net_qty * 66_000),
                    ..Flow::default()
                }
            };
            let individual = flow(2_000_000);
            let foreign = flow(1_500_000);
            let institution = Flow {
                net_qty: -(individual.net_qty + foreign.net_qty),
                net_value: Krw(-(individual.net_value.0 + foreign.net_value.0)),
                ..Flow::default()
            };
            InvestorDay {
                date: day,
                close: Krw(66_600),
                change: Krw(rng.signed(1_500)),
                individual,
                foreign,
                institution,
            }
        })
        .collect()
}

/// Today's VI of the open stock: a static VI triggered at 09:41:12 and released two minutes
/// later.
pub fn vi_events(code: StockCode, name: &str, at: DateTime<Utc>) -> Vec<crate::market::ViEvent> {
    vec![crate::market::ViEvent {
        code,
        name: name.to_string(),
        active: false,
        kind: Some(crate::market::ViKind::Static),
        date: Some(crate::market::kst_date(at)),
        triggered_at: NaiveTime::from_hms_opt(9, 41, 12),
        released_at: NaiveTime::from_hms_opt(9, 43, 12),
        price: Krw(68_900),
        static_base: Some(Krw(62_600)),
        static_gap: Some(Rate(1006)),
        dynamic_base: None,
        dynamic_gap: None,
        count: 1,
    }]
}

/// A ranking of the fixture universe's quotes at `at` (30 rows, rank order), as the source
/// would send it: the fluctuation rankings carry no traded value.
pub fn rank_rows(
    kind: crate::market::RankKind,
    market: crate::market::RankMarket,
    at: DateTime<Utc>,
) -> Vec<crate::market::RankRow> {
    use crate::market::{Market, RankKind, RankMarket, RankRow};
    let mut quotes: Vec<Quote> = universe(60)
        .iter()
        .filter(|l| match market {
            RankMarket::All => true,
            RankMarket::Kospi => l.market == Market::Kospi,
            RankMarket::Kosdaq => l.market == Market::Kosdaq,
        })
        .map(|l| quote(l, 7, at))
        .collect();
    match kind {
        RankKind::Volume => quotes.sort_by_key(|q| std::cmp::Reverse(q.volume)),
        RankKind::Value => quotes.sort_by_key(|q| std::cmp::Reverse(q.value)),
        RankKind::Gainers => quotes.sort_by_key(|q| std::cmp::Reverse(q.change_rate)),
        RankKind::Losers => quotes.sort_by_key(|q| q.change_rate),
    }
    quotes
        .into_iter()
        .take(crate::market::RANK_ROWS)
        .enumerate()
        .map(|(i, q)| RankRow {
            rank: i as u32 + 1,
            code: q.code,
            name: q.name.clone().unwrap_or_default(),
            price: q.price,
            change: q.change,
            change_rate: q.change_rate,
            volume: q.volume,
            value: matches!(kind, RankKind::Volume | RankKind::Value).then_some(q.value),
        })
        .collect()
}

/// `state` with the rankings view open on `kind` of `market`, its rows come in through
/// `update` like the feed's (`None` rows: the source serves no rankings).
pub fn with_rankings(
    s: &mut State,
    kind: crate::market::RankKind,
    market: crate::market::RankMarket,
    served: bool,
) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let at = s.now;
    update(
        s,
        Msg::Key(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE)),
    );
    s.rankings.kind = kind;
    s.rankings.market = market;
    let reply = if served {
        Ok(Sourced::new(
            rank_rows(kind, market, at),
            Provenance::Live {
                env: crate::market::Env::Real,
            },
        ))
    } else {
        Err(crate::feed::Failure {
            message: "OPSQ0002: 모의투자에서는 해당업무가 제공되지 않습니다.".into(),
            next_try: None,
            unsupported: true,
        })
    };
    update(
        s,
        Msg::Feed(Event::Ranking {
            kind,
            market,
            at,
            reply,
        }),
    );
    s.dirty = false;
}

/// KOSPI, KOSDAQ and KOSPI200 at `at`, with breadth.
pub fn index_quotes(at: DateTime<Utc>) -> Vec<crate::market::IndexQuote> {
    use crate::market::{Breadth, IndexCode, IndexQuote, Points};
    let q = |code: IndexCode, value: i64, change: i64, rate: i32, b: Option<Breadth>| IndexQuote {
        code,
        name: None,
        value: Points(value),
        change: Points(change),
        change_rate: crate::market::Rate(rate),
        prev_close: Points(value - change),
        open: Points(value - change),
        high: Points(value + 500),
        low: Points(value - change - 300),
        volume: 412_000_000,
        value_traded: Krw(9_812_000_000_000),
        breadth: b,
        as_of: at,
        closed_on: None,
    };
    vec![
        q(
            IndexCode::KOSPI,
            251_234,
            1_230,
            49,
            Some(Breadth {
                up: 512,
                down: 301,
                unchanged: 80,
                limit_up: 3,
                limit_down: 0,
            }),
        ),
        q(
            IndexCode::KOSDAQ,
            71_205,
            -310,
            -43,
            Some(Breadth {
                up: 702,
                down: 881,
                unchanged: 120,
                limit_up: 5,
                limit_down: 1,
            }),
        ),
        q(IndexCode::KOSPI200, 33_512, 102, 31, None),
    ]
}

/// The stream carrying the open stock (trades and book) and every row's trades, and eight
/// trades of the open stock in the last seconds before `at`.
pub fn stream_into(s: &mut State, open: &Quote, at: DateTime<Utc>) {
    use crate::source::live::{Channel, Health};
    let mut registered = vec![(Channel::Trades, open.code), (Channel::Book, open.code)];
    for c in s.rows() {
        if c != open.code {
            registered.push((Channel::Trades, c));
        }
    }
    registered.truncate(41);
    update(
        s,
        Msg::Feed(Event::Stream(crate::feed::StreamState {
            health: Health::Connected {
                subscribed: registered.len(),
            },
            cap: 41,
            registered,
            refused: Vec::new(),
        })),
    );
    let tick = crate::market::tick::tick_size(open.price);
    let tick = Krw(tick);
    let mut acc = open.volume;
    for i in 0..8u64 {
        let step = [0, 1, 0, -1, -1, 0, 1, 2][i as usize];
        let price = Krw(open.price.0 + step * tick.0);
        let qty = [120, 3_400, 15, 980, 45_000, 7, 2_210, 560][i as usize];
        acc += qty;
        let change = Krw(price.0 - open.prev_close.0);
        let trade = crate::market::Trade {
            code: open.code,
            at: at - Duration::seconds(8 - i as i64),
            price,
            change,
            change_rate: crate::market::Rate::of(change, open.prev_close),
            qty,
            acc_volume: acc,
            acc_value: open.value,
            side: Some(if step >= 0 {
                crate::market::Side::Buy
            } else {
                crate::market::Side::Sell
            }),
            strength: Some(crate::market::Rate(10_000 + 37 * i as i32)),
        };
        update(s, Msg::Feed(Event::Trade { at, trade }));
    }
}

/// A `DataSource` that always answers with the same fixture data (idle measurements, feed
/// tests).
pub struct StaticSource {
    pub universe: Vec<Listing>,
    pub at: DateTime<Utc>,
}

impl StaticSource {
    pub fn new(n: usize) -> StaticSource {
        StaticSource {
            universe: universe(n),
            at: now(),
        }
    }

    fn listing(&self, code: StockCode) -> Result<&Listing, SourceError> {
        self.universe
            .iter()
            .find(|l| l.code == code)
            .ok_or(SourceError::NotFound(code))
    }
}

#[async_trait]
impl DataSource for StaticSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Simulated
    }
    async fn quote(&self, code: StockCode, _req: Req) -> Result<Sourced<Quote>, SourceError> {
        Ok(Sourced::new(
            quote(self.listing(code)?, 1, self.at),
            Provenance::Simulated,
        ))
    }
    async fn quotes(
        &self,
        codes: &[StockCode],
        _req: Req,
    ) -> Result<Vec<Sourced<Quote>>, SourceError> {
        Ok(codes
            .iter()
            .filter_map(|c| self.listing(*c).ok())
            .map(|l| Sourced::new(quote(l, 1, self.at), Provenance::Simulated))
            .collect())
    }
    async fn order_book(
        &self,
        code: StockCode,
        _req: Req,
    ) -> Result<Sourced<OrderBook>, SourceError> {
        let q = quote(self.listing(code)?, 1, self.at);
        Ok(Sourced::new(book(&q, 5, false), Provenance::Simulated))
    }
    async fn chart(
        &self,
        code: StockCode,
        period: Period,
        _from: NaiveDate,
        to: NaiveDate,
        _req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        let l = self.listing(code)?;
        let q = quote(l, 1, self.at);
        Ok(Sourced::new(
            ending_at(candles(200, period, l.base_price.0, 3, to), q.price.0),
            Provenance::Simulated,
        ))
    }
    async fn minute_chart(
        &self,
        code: StockCode,
        _req: Req,
    ) -> Result<Sourced<Vec<Candle>>, SourceError> {
        let l = self.listing(code)?;
        let q = quote(l, 1, self.at);
        let c = candles(
            120,
            Period::Minute,
            l.base_price.0,
            4,
            crate::market::kst_date(self.at),
        );
        Ok(Sourced::new(ending_at(c, q.price.0), Provenance::Simulated))
    }
    async fn info(&self, code: StockCode, _req: Req) -> Result<Sourced<StockInfo>, SourceError> {
        let l = self.listing(code)?;
        Ok(Sourced::new(
            info(l, &quote(l, 1, self.at)),
            Provenance::Simulated,
        ))
    }
    async fn universe(&self, _req: Req) -> Result<Sourced<Vec<Listing>>, SourceError> {
        Ok(Sourced::new(self.universe.clone(), Provenance::Simulated))
    }
    fn status(&self) -> SourceStatus {
        SourceStatus::default()
    }
}

#[allow(dead_code)]
fn _direction_is_used(q: &Quote) -> Direction {
    q.direction()
}

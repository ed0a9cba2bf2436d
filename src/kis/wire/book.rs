//! inquire-asking-price-exp-ccn body → `OrderBook` (10 levels each side + expected fill).

use super::{Body, count, field, opt_int, signed_field, signed_rate_field, time};
use crate::kis::error::KisError;
use crate::market::{ExpectedFill, Krw, Level, OrderBook, Rate, StockCode, kst_date, kst_to_utc};
use chrono::{DateTime, Utc};

const ASK: [&str; 10] = [
    "askp1", "askp2", "askp3", "askp4", "askp5", "askp6", "askp7", "askp8", "askp9", "askp10",
];
const BID: [&str; 10] = [
    "bidp1", "bidp2", "bidp3", "bidp4", "bidp5", "bidp6", "bidp7", "bidp8", "bidp9", "bidp10",
];
const ASK_QTY: [&str; 10] = [
    "askp_rsqn1",
    "askp_rsqn2",
    "askp_rsqn3",
    "askp_rsqn4",
    "askp_rsqn5",
    "askp_rsqn6",
    "askp_rsqn7",
    "askp_rsqn8",
    "askp_rsqn9",
    "askp_rsqn10",
];
const BID_QTY: [&str; 10] = [
    "bidp_rsqn1",
    "bidp_rsqn2",
    "bidp_rsqn3",
    "bidp_rsqn4",
    "bidp_rsqn5",
    "bidp_rsqn6",
    "bidp_rsqn7",
    "bidp_rsqn8",
    "bidp_rsqn9",
    "bidp_rsqn10",
];

/// The book; levels with price 0 (no orders there) are left out. `as_of` is the book's
/// acceptance time today (KST) when given, else `now`.
pub fn order_book(body: &Body, code: StockCode, now: DateTime<Utc>) -> Result<OrderBook, KisError> {
    let book = body.object("output1")?;
    let exp = body.object("output2").ok();
    if let Some(e) = exp
        && let Some(c) = field(e, "stck_shrn_iscd")
        && c != code.as_str()
    {
        return Err(body.error(format!("asked for {code}, got {c}")));
    }
    let side = |prices: &[&str; 10], qtys: &[&str; 10]| -> Result<Vec<Level>, KisError> {
        let mut out = Vec::with_capacity(10);
        for (p, q) in prices.iter().zip(qtys) {
            let price = opt_int(body, book, p)?.unwrap_or(0);
            if price > 0 {
                out.push(Level {
                    price: Krw(price),
                    qty: count(body, book, q)?,
                });
            }
        }
        Ok(out)
    };
    let asks = side(&ASK, &ASK_QTY)?;
    let bids = side(&BID, &BID_QTY)?;
    let as_of = match time(body, book, "aspr_acpt_hour")? {
        Some(t) => kst_to_utc(kst_date(now).and_time(t)),
        None => now,
    };
    let (last, prev_close, expected) = match exp {
        None => (None, None, None),
        Some(e) => {
            let last = opt_int(body, e, "stck_prpr")?.filter(|v| *v > 0).map(Krw);
            let prev = opt_int(body, e, "stck_sdpr")?.filter(|v| *v > 0).map(Krw);
            let price = opt_int(body, e, "antc_cnpr")?.unwrap_or(0);
            let expected = if price > 0 {
                let sign = field(e, "antc_cntg_vrss_sign");
                let change = signed_field(body, e, "antc_cntg_vrss", sign)?;
                let change_rate = match signed_rate_field(body, e, "antc_cntg_prdy_ctrt", sign)? {
                    Some(r) => r,
                    None => prev.map(|p| Rate::of(Krw(change), p)).unwrap_or_default(),
                };
                Some(ExpectedFill {
                    price: Krw(price),
                    volume: count(body, e, "antc_vol")?,
                    change: Krw(change),
                    change_rate,
                })
            } else {
                None
            };
            (last, prev, expected)
        }
    };
    if asks.is_empty() && bids.is_empty() && last.is_none() && prev_close.is_none() {
        return Err(KisError::NotFound {
            endpoint: body.endpoint.to_string(),
            code: code.to_string(),
        });
    }
    Ok(OrderBook {
        code,
        asks,
        bids,
        total_ask_qty: count(body, book, "total_askp_rsqn")?,
        total_bid_qty: count(body, book, "total_bidp_rsqn")?,
        last,
        prev_close,
        expected,
        as_of,
    })
}

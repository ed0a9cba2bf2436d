//! The order book pane (호가): 10 asks over 10 bids with quantity, cumulative quantity, change
//! since the previous snapshot and a depth bar; the last price marked; spread in ticks; the
//! 총잔량 imbalance gauge; limit prices; the expected fill (예상체결) during auctions.

use super::{data_label, dir_style, draw_missing, fmt_change, fmt_rate, frame};
use crate::market::{Level, OrderBook, group_thousands};
use crate::tui::state::{Pane, State};
use crate::tui::widgets::depth;
use crate::tui::widgets::text::{self, COMPACT_SIGNED_WIDTH, compact, compact_signed};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use std::collections::HashMap;

/// A quantity: exact with separators up to 8 cells (`12,345,678`), compact beyond.
fn num(n: u64) -> String {
    let s = group_thousands(n as i64);
    if s.len() <= 8 { s } else { compact(n) }
}

/// Which columns a book row has and how wide each is: price and quantity as wide as the widest
/// on screen, the change in a fixed compact width, then cumulative quantity and the depth bar
/// if there is room. Columns drop out whole (bar, cumulative, change, quantity) before a price
/// would be cut.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Columns {
    price: u16,
    qty: u16,
    cum: u16,
    delta: u16,
    bar: u16,
}

fn columns(width: u16, price: u16, qty: u16, cum: u16) -> Columns {
    let mut c = Columns {
        price: 0,
        qty: 0,
        cum: 0,
        delta: 0,
        bar: 0,
    };
    // The marker column (`▸ `), then each column with one space before it.
    let mut used = 2 + price;
    if used > width {
        return c;
    }
    c.price = price;
    if used + 1 + qty <= width {
        used += 1 + qty;
        c.qty = qty;
    } else {
        return c;
    }
    let delta = COMPACT_SIGNED_WIDTH.max(4);
    if used + 1 + delta <= width {
        used += 1 + delta;
        c.delta = delta;
    }
    const BAR_WITH_CUM: u16 = 8;
    if c.delta > 0 && used + 1 + cum + 1 + BAR_WITH_CUM <= width {
        used += 1 + cum;
        c.cum = cum;
    }
    c.bar = width.saturating_sub(used + 1);
    c
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let lang = state.settings.lang;
    let t = lang.t();
    let title = match state.selected {
        Some(c) => format!("{} {}", t.book, state.name_of(c).unwrap_or(c.as_str())),
        None => t.book.to_string(),
    };
    let right = data_label(state, &state.book);
    let inner = frame(state, Pane::Book, area, &title, &right, buf);
    if inner.height == 0 || inner.width < 8 {
        return;
    }
    let Some(book) = state.book.value.as_ref() else {
        draw_missing(state, &state.book, "", t.loading_book, inner, buf);
        return;
    };
    let quote = state.selected_quote().map(|c| &c.quote);
    let prev_close = book.prev_close.or(quote.map(|q| q.prev_close)).map(|p| p.0);
    let last = book.last.or(quote.map(|q| q.price));
    let stale = state.book.is_stale();

    let footer = 2 + u16::from(book.expected.is_some());
    let levels = ((inner.height.saturating_sub(2 + footer)) / 2).min(10) as usize;
    let shown = || {
        book.asks
            .iter()
            .take(levels)
            .chain(book.bids.iter().take(levels))
    };
    let widest = |f: &dyn Fn(&Level) -> String, header: &str| {
        shown()
            .map(|l| text::width(&f(l)))
            .chain([text::width(header)])
            .max()
            .unwrap_or(0) as u16
    };
    // The widest cumulative on screen, not the largest: `981,503` is wider than `1.7M`.
    let cum_w = [&book.asks, &book.bids]
        .into_iter()
        .flat_map(|side| {
            side.iter().take(levels).scan(0u64, |acc, l| {
                *acc = acc.saturating_add(l.qty);
                Some(text::width(&num(*acc)))
            })
        })
        .max()
        .unwrap_or(0)
        .max(4) as u16;
    let cols = columns(
        inner.width,
        widest(&|l| group_thousands(l.price.0), t.book_cols[0]),
        widest(&|l| num(l.qty), t.book_cols[1]),
        cum_w,
    );
    let (price_w, qty_w, cum_w, delta_w, bar_w) =
        (cols.price, cols.qty, cols.cum, cols.delta, cols.bar);
    let show_cum = cum_w > 0;

    let dim = Style::default().fg(theme.dim);
    let mut y = inner.y;
    // Column headers.
    {
        let mut x = inner.x + 2;
        for (h, w) in t
            .book_cols
            .into_iter()
            .zip([price_w, qty_w, cum_w, delta_w])
        {
            if w > 0 {
                text::put_right_whole(buf, x + w, y, h, w, dim);
                x += w + 1;
            }
        }
        y += 1;
    }

    let prev: HashMap<i64, u64> = state
        .prev_book
        .as_ref()
        .map(|p| {
            p.asks
                .iter()
                .chain(p.bids.iter())
                .map(|l| (l.price.0, l.qty))
                .collect()
        })
        .unwrap_or_default();
    let has_prev = state.prev_book.is_some();
    let max_qty = book
        .asks
        .iter()
        .take(levels)
        .chain(book.bids.iter().take(levels))
        .map(|l| l.qty)
        .max()
        .unwrap_or(0);

    let row = |buf: &mut Buffer, y: u16, l: &Level, cum: u64, ask: bool| {
        let mut x = inner.x;
        let is_last = last == Some(l.price);
        if is_last {
            text::put(
                buf,
                x,
                y,
                "▸",
                1,
                Style::default().add_modifier(Modifier::BOLD),
            );
        }
        x += 2;
        let mut pst = dir_style(theme, prev_close.map(|p| l.price.0 - p).unwrap_or(0));
        if is_last {
            pst = pst.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        }
        if stale {
            pst = pst.add_modifier(Modifier::DIM);
        }
        if price_w == 0 {
            return;
        }
        let price = group_thousands(l.price.0);
        text::put_right_whole(buf, x + price_w, y, &price, price_w, pst);
        x += price_w + 1;
        let side = if ask { theme.down } else { theme.up };
        if qty_w == 0 {
            return;
        }
        text::put_right_whole(buf, x + qty_w, y, &num(l.qty), qty_w, Style::default());
        x += qty_w + 1;
        if show_cum {
            text::put_right_whole(buf, x + cum_w, y, &num(cum), cum_w, dim);
            x += cum_w + 1;
        }
        if delta_w == 0 {
            return;
        }
        if has_prev {
            let d = l.qty as i64 - *prev.get(&l.price.0).unwrap_or(&0) as i64;
            let st = dir_style(theme, d);
            text::put_right_whole(buf, x + delta_w, y, &compact_signed(d), delta_w, st);
        }
        x += delta_w + 1;
        if bar_w == 0 {
            return;
        }
        depth::bar(
            buf,
            Rect::new(x, y, bar_w, 1),
            l.qty,
            max_qty,
            Style::default().fg(side),
        );
    };

    // Asks: highest of the shown levels at the top, best ask just above the middle line.
    let asks: Vec<&Level> = book.asks.iter().take(levels).collect();
    let mut cums = Vec::with_capacity(asks.len());
    let mut cum = 0;
    for l in &asks {
        cum += l.qty;
        cums.push(cum);
    }
    for i in (0..levels).rev() {
        if let Some(l) = asks.get(i) {
            row(buf, y, l, cums[i], true);
        }
        y += 1;
    }
    // Middle line: last price and spread; pieces drop out whole, the price last.
    if y < inner.bottom() {
        let mut pieces: Vec<String> = Vec::new();
        let mut st = Style::default().add_modifier(Modifier::BOLD);
        if let Some(q) = quote {
            pieces.push(group_thousands(q.price.0));
            pieces.push(fmt_change(q.change));
            pieces.push(fmt_rate(q.change_rate));
            st = dir_style(theme, q.change.0).add_modifier(Modifier::BOLD);
        } else if let Some(p) = last {
            pieces.push(group_thousands(p.0));
        }
        let room = inner.width.saturating_sub(1) as usize;
        if !pieces.is_empty() {
            let spread = book.spread_ticks();
            let line = |pieces: &[String], label: bool, spread: Option<String>| {
                let mut l = if label {
                    format!("{} ", t.book_last)
                } else {
                    String::new()
                };
                l.push_str(&pieces.join(" "));
                if let Some(sp) = spread {
                    l.push_str(&sp);
                }
                l
            };
            // Most to least: everything with the spread (named: a bare `1틱` reads as
            // nothing), the spread without the 현재 label, then without the spread, the rate,
            // the change and the label.
            let mut candidates = Vec::new();
            if let Some(ticks) = spread {
                for label in [true, false] {
                    let sp = format!("  {}", lang.spread(ticks));
                    candidates.push(line(&pieces, label, Some(sp)));
                }
            }
            for n in (1..=pieces.len()).rev() {
                for label in [true, false] {
                    candidates.push(line(&pieces[..n], label, None));
                }
            }
            if let Some(l) = candidates.into_iter().find(|l| text::width(l) <= room) {
                text::put_whole(buf, inner.x + 1, y, &l, room as u16, st);
            }
        }
        y += 1;
    }
    let mut cum = 0;
    for i in 0..levels {
        if let Some(l) = book.bids.get(i) {
            cum += l.qty;
            row(buf, y, l, cum, false);
        }
        y += 1;
    }
    // Footer.
    if y < inner.bottom() {
        imbalance(state, book, Rect::new(inner.x, y, inner.width, 1), buf);
        y += 1;
    }
    if y < inner.bottom() {
        let (upper, lower) = match (quote, state.info.value.as_ref()) {
            (Some(q), _) if q.upper_limit.0 > 0 => (Some(q.upper_limit), Some(q.lower_limit)),
            (_, Some(i)) => (i.upper_limit, i.lower_limit),
            _ => (None, None),
        };
        let mut x = inner.x + 1;
        if let Some(u) = upper {
            let s = format!("{} {}", t.upper, group_thousands(u.0));
            let w = text::put_whole(
                buf,
                x,
                y,
                &s,
                inner.right().saturating_sub(x),
                Style::default().fg(theme.up),
            );
            if w > 0 {
                x += w + 2;
            }
        }
        if let Some(l) = lower {
            let s = format!("{} {}", t.lower, group_thousands(l.0));
            text::put_whole(
                buf,
                x,
                y,
                &s,
                inner.right().saturating_sub(x),
                Style::default().fg(theme.down),
            );
        }
        y += 1;
    }
    if let (Some(e), true) = (book.expected, y < inner.bottom()) {
        // The volume, then the rate, then the label drop out before the price is cut.
        let price = group_thousands(e.price.0);
        let rate = fmt_rate(e.change_rate);
        let vol = group_thousands(e.volume as i64);
        let room = inner.width.saturating_sub(1);
        let line = [
            format!("{} {price} {rate} × {vol}", t.expected),
            format!("{} {price} {rate}", t.expected),
            format!("{} {price}", t.expected),
            format!("{} {price}", t.expected_short),
            price,
        ]
        .into_iter()
        .find(|l| text::width(l) <= room as usize);
        if let Some(l) = line {
            text::put_whole(
                buf,
                inner.x + 1,
                y,
                &l,
                room,
                Style::default().fg(Color::Black).bg(Color::Yellow),
            );
        }
    }
}

/// `매도 123,456 ████░░░░ 234,567 매수`: total ask vs bid quantity.
fn imbalance(state: &State, book: &OrderBook, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let a = book.total_ask_qty;
    let b = book.total_bid_qty;
    let t = state.settings.lang.t();
    let left = format!("{} {}", t.ask, compact(a));
    let right = format!("{} {}", compact(b), t.bid);
    let lw = text::width(&left) as u16;
    let rw = text::width(&right) as u16;
    if lw + rw + 3 > area.width {
        return;
    }
    text::put_whole(
        buf,
        area.x + 1,
        area.y,
        &left,
        area.width.saturating_sub(1),
        Style::default().fg(theme.down),
    );
    let gx = area.x + 1 + lw + 1;
    let gw = area.width.saturating_sub(lw + rw + 4);
    if gw < 4 {
        // No room for the gauge: both totals side by side.
        text::put_whole(buf, gx, area.y, &right, rw, Style::default().fg(theme.up));
    } else {
        depth::gauge(
            buf,
            Rect::new(gx, area.y, gw, 1),
            a,
            b,
            theme.down,
            theme.up,
        );
        text::put(
            buf,
            gx + gw + 1,
            area.y,
            &right,
            rw,
            Style::default().fg(theme.up),
        );
    }
}

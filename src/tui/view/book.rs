//! The order book pane (호가): 10 asks over 10 bids with quantity, cumulative quantity, change
//! since the previous snapshot and a depth bar; the last price marked; spread in ticks; the
//! 총잔량 imbalance gauge; limit prices; the expected fill (예상체결) during auctions.

use super::{data_label, dir_style, fmt_change, fmt_rate, frame};
use crate::market::{Level, OrderBook, group_thousands};
use crate::tui::state::{Pane, State};
use crate::tui::widgets::{candles::compact, depth, text};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use std::collections::HashMap;

fn num(n: u64, w: u16) -> String {
    let s = group_thousands(n as i64);
    if s.len() as u16 <= w { s } else { compact(n) }
}

fn delta(n: i64, w: u16) -> String {
    if n == 0 {
        return String::new();
    }
    let s = if n > 0 {
        format!("+{}", group_thousands(n))
    } else {
        group_thousands(n)
    };
    if s.len() as u16 <= w {
        s
    } else {
        let c = compact(n.unsigned_abs());
        if n > 0 {
            format!("+{c}")
        } else {
            format!("-{c}")
        }
    }
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let title = match state.selected {
        Some(c) => format!("호가 {}", state.name_of(c).unwrap_or(c.as_str())),
        None => "호가".to_string(),
    };
    let right = data_label(state, &state.book);
    let inner = frame(state, Pane::Book, area, &title, &right, buf);
    if inner.height == 0 || inner.width < 8 {
        return;
    }
    let Some(book) = state.book.value.as_ref() else {
        let msg = match &state.book.problem {
            Some(p) => format!("{}: {}", p.what, p.message),
            None if state.selected.is_none() => String::new(),
            None => "loading order book…".to_string(),
        };
        text::put_center(
            buf,
            inner.x,
            inner.y + inner.height / 2,
            inner.width,
            &msg,
            Style::default().fg(theme.dim),
        );
        return;
    };
    let quote = state.selected_quote().map(|c| &c.quote);
    let prev_close = book.prev_close.or(quote.map(|q| q.prev_close)).map(|p| p.0);
    let last = book.last.or(quote.map(|q| q.price));
    let stale = state.book.is_stale();

    let footer = 2 + u16::from(book.expected.is_some());
    let levels = ((inner.height.saturating_sub(2 + footer)) / 2).min(10) as usize;
    let show_cum = inner.width >= 40;
    let (price_w, qty_w, cum_w, delta_w) = (8u16, 8u16, if show_cum { 8u16 } else { 0 }, 6u16);
    let fixed = 1 + price_w + 1 + qty_w + 1 + if show_cum { cum_w + 1 } else { 0 } + delta_w + 1;
    let bar_w = inner.width.saturating_sub(fixed);

    let dim = Style::default().fg(theme.dim);
    let mut y = inner.y;
    // Column headers.
    {
        let mut x = inner.x + 1;
        text::put_right(buf, x + price_w, y, "가격", price_w, dim);
        x += price_w + 1;
        text::put_right(buf, x + qty_w, y, "잔량", qty_w, dim);
        x += qty_w + 1;
        if show_cum {
            text::put_right(buf, x + cum_w, y, "누적", cum_w, dim);
            x += cum_w + 1;
        }
        text::put_right(buf, x + delta_w, y, "증감", delta_w, dim);
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
        x += 1;
        let mut pst = dir_style(theme, prev_close.map(|p| l.price.0 - p).unwrap_or(0));
        if is_last {
            pst = pst.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        }
        if stale {
            pst = pst.add_modifier(Modifier::DIM);
        }
        text::put_right(
            buf,
            x + price_w,
            y,
            &group_thousands(l.price.0),
            price_w,
            pst,
        );
        x += price_w + 1;
        let side = if ask { theme.down } else { theme.up };
        text::put_right(
            buf,
            x + qty_w,
            y,
            &num(l.qty, qty_w),
            qty_w,
            Style::default(),
        );
        x += qty_w + 1;
        if show_cum {
            text::put_right(buf, x + cum_w, y, &num(cum, cum_w), cum_w, dim);
            x += cum_w + 1;
        }
        if has_prev {
            let d = l.qty as i64 - *prev.get(&l.price.0).unwrap_or(&0) as i64;
            text::put_right(
                buf,
                x + delta_w,
                y,
                &delta(d, delta_w),
                delta_w,
                dir_style(theme, d),
            );
        }
        x += delta_w + 1;
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
    // Middle line: last price and spread.
    if y < inner.bottom() {
        let mut line = String::new();
        let mut st = Style::default().add_modifier(Modifier::BOLD);
        if let Some(q) = quote {
            line.push_str(&format!(
                "현재 {} {} {}",
                group_thousands(q.price.0),
                fmt_change(q.change),
                fmt_rate(q.change_rate)
            ));
            st = dir_style(theme, q.change.0).add_modifier(Modifier::BOLD);
        } else if let Some(p) = last {
            line.push_str(&format!("현재 {}", group_thousands(p.0)));
        }
        if let Some(t) = book.spread_ticks() {
            let long = format!("  스프레드 {t}틱");
            if text::width(&line) + text::width(&long) < inner.width as usize {
                line.push_str(&long);
            } else {
                line.push_str(&format!(" {t}틱"));
            }
        }
        text::put(
            buf,
            inner.x + 1,
            y,
            &line,
            inner.width.saturating_sub(1),
            st,
        );
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
            x += text::put(
                buf,
                x,
                y,
                &format!("상한 {}  ", group_thousands(u.0)),
                inner.right().saturating_sub(x),
                Style::default().fg(theme.up),
            );
        }
        if let Some(l) = lower {
            text::put(
                buf,
                x,
                y,
                &format!("하한 {}", group_thousands(l.0)),
                inner.right().saturating_sub(x),
                Style::default().fg(theme.down),
            );
        }
        y += 1;
    }
    if let (Some(e), true) = (book.expected, y < inner.bottom()) {
        let line = format!(
            "예상체결 {} {} × {}",
            group_thousands(e.price.0),
            fmt_rate(e.change_rate),
            group_thousands(e.volume as i64)
        );
        text::put(
            buf,
            inner.x + 1,
            y,
            &line,
            inner.width.saturating_sub(1),
            Style::default().fg(Color::Black).bg(Color::Yellow),
        );
    }
}

/// `매도 123,456 ████░░░░ 234,567 매수`: total ask vs bid quantity.
fn imbalance(state: &State, book: &OrderBook, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let a = book.total_ask_qty;
    let b = book.total_bid_qty;
    let left = format!("매도 {}", compact(a));
    let right = format!("{} 매수", compact(b));
    let lw = text::width(&left) as u16;
    let rw = text::width(&right) as u16;
    text::put(
        buf,
        area.x + 1,
        area.y,
        &left,
        area.width.saturating_sub(1),
        Style::default().fg(theme.down),
    );
    let gx = area.x + 1 + lw + 1;
    let gw = area.width.saturating_sub(lw + rw + 4);
    if gw >= 4 {
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

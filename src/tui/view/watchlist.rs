//! The watchlist pane: name (display-width truncated), code, market or status tag, price,
//! change ▲/▼, change %, volume, traded value; cursor row, sort marker, flashing cells.

use super::{dir_style, fmt_change, fmt_rate, frame};
use crate::market::{StockCode, Warning, group_thousands};
use crate::source::live::Channel;
use crate::tui::lang::Lang;
use crate::tui::state::{Mode, Pane, SortKey, State};
use crate::tui::widgets::text::{self, compact};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// First screen row of the body and how many rows fit (inside the border, under the header).
pub fn body_rows(area: Rect) -> (u16, u16) {
    (area.y + 2, area.height.saturating_sub(3))
}

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Name,
    Code,
    Tag,
    Price,
    Change,
    Rate,
    Volume,
    Value,
    /// How old the row's quote is, shown while some row on screen is older than
    /// [`AGE_SHOWN_SECS`] (rows polled one at a time, as on the virtual server).
    Age,
}

/// A row older than this makes the age column appear.
const AGE_SHOWN_SECS: i64 = 10;

/// Cells the number columns take: the widest value on screen (or the header). Numbers are
/// never cut; when the pane is too narrow, whole columns drop out and the name shrinks.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Widths {
    price: u16,
    change: u16,
    rate: u16,
    volume: u16,
    value: u16,
    /// 0 when no row on screen is old enough to show its age.
    age: u16,
}

impl Default for Widths {
    /// Typical widths, for callers that lay out the columns without the rows (see
    /// [`header_sort_key`]).
    fn default() -> Self {
        Widths {
            price: 9,
            change: 7,
            rate: 6,
            volume: 6,
            value: 7,
            age: 0,
        }
    }
}

impl Col {
    const ALL: [Col; 9] = [
        Col::Name,
        Col::Code,
        Col::Tag,
        Col::Price,
        Col::Change,
        Col::Rate,
        Col::Volume,
        Col::Value,
        Col::Age,
    ];

    fn width(self, w: &Widths) -> u16 {
        match self {
            Col::Name => 0,
            Col::Code => 6,
            Col::Tag => 4,
            Col::Price => w.price,
            Col::Change => w.change,
            Col::Rate => w.rate,
            Col::Volume => w.volume,
            Col::Value => w.value,
            Col::Age => w.age,
        }
    }

    fn header(self, lang: Lang) -> &'static str {
        let i = match self {
            Col::Name => 0,
            Col::Code => 1,
            Col::Tag => 2,
            Col::Price => 3,
            Col::Change => 4,
            Col::Rate => 5,
            Col::Volume => 6,
            Col::Value => 7,
            Col::Age => 8,
        };
        lang.t().wl_cols[i]
    }

    fn sort_key(self) -> SortKey {
        match self {
            Col::Name => SortKey::Name,
            Col::Code => SortKey::Code,
            Col::Tag | Col::Age => SortKey::Manual,
            Col::Price | Col::Change => SortKey::Price,
            Col::Rate => SortKey::ChangeRate,
            Col::Volume => SortKey::Volume,
            Col::Value => SortKey::Value,
        }
    }

    /// The header with the sort marker when the list is sorted by this column.
    fn header_text(self, state: &State) -> String {
        let mut h = self.header(state.settings.lang).to_string();
        if state.sort.key != SortKey::Manual
            && self.sort_key() == state.sort.key
            && self != Col::Change
        {
            h.push(if state.sort.descending { '▾' } else { '▴' });
        }
        h
    }
}

/// The number cells of one row, formatted once for sizing and drawing.
struct Cells {
    price: String,
    change: String,
    rate: String,
    volume: String,
    value: String,
    /// Seconds since the row's quote arrived (`None` without one).
    age: Option<i64>,
    /// Its trades stream in: no age to show, it moves as it trades.
    streamed: bool,
}

/// The row's trades arrive over the live stream now.
fn streamed(state: &State, code: StockCode) -> bool {
    state
        .stream
        .as_ref()
        .is_some_and(|s| s.streams(Channel::Trades, code))
}

fn cells(state: &State, code: StockCode) -> Cells {
    let cell = state.quotes.get(&code);
    let q = cell.map(|c| &c.quote);
    Cells {
        age: cell.map(|c| (state.now - c.received_at).num_seconds().max(0)),
        streamed: cell.is_some() && streamed(state, code),
        price: q
            .map(|q| group_thousands(q.price.0))
            .unwrap_or_else(|| "-".into()),
        change: q.map(|q| fmt_change(q.change)).unwrap_or_default(),
        rate: q.map(|q| fmt_rate(q.change_rate)).unwrap_or_default(),
        volume: q.map(|q| compact(q.volume)).unwrap_or_default(),
        value: q
            .map(|q| state.settings.lang.money(q.value.0))
            .unwrap_or_default(),
    }
}

/// Widths for the rows on screen and the headers as drawn.
fn widths(state: &State, shown: &[Cells]) -> Widths {
    let col = |c: Col, f: fn(&Cells) -> &str| {
        shown
            .iter()
            .map(|r| text::width(f(r)))
            .chain([text::width(&c.header_text(state))])
            .max()
            .unwrap_or(0) as u16
    };
    // The column shows once a polled row is old, or to mark the streamed rows.
    let old = shown
        .iter()
        .any(|r| !r.streamed && r.age.is_none_or(|a| a >= AGE_SHOWN_SECS))
        && shown.iter().any(|r| r.age.is_some());
    let old = old || shown.iter().any(|r| r.streamed);
    Widths {
        age: if old { 4 } else { 0 },
        price: col(Col::Price, |r| &r.price),
        change: col(Col::Change, |r| &r.change),
        rate: col(Col::Rate, |r| &r.rate),
        volume: col(Col::Volume, |r| &r.volume),
        value: col(Col::Value, |r| &r.value),
    }
}

/// The rows on screen (scroll offset applied) for a pane drawn in `area`.
fn shown_rows(state: &State, rows: &[StockCode], area: Rect) -> Vec<StockCode> {
    let (_, n) = body_rows(area);
    rows.iter()
        .skip(state.wl_scroll)
        .take(n as usize)
        .copied()
        .collect()
}

/// The sort key of the header column under screen column `x` in a watchlist pane drawn in
/// `area` (`None` between columns or outside). `Tag` sorts back to the manual order. Column
/// widths depend on the rows on screen, so this is exact only with the state: prefer
/// [`header_sort_key_in`]; without it typical widths are assumed.
pub fn header_sort_key(area: Rect, x: u16) -> Option<SortKey> {
    sort_key_at(area, x, &Widths::default(), SortKey::Manual)
}

/// [`header_sort_key`] with the column widths as drawn for `state`.
pub fn header_sort_key_in(state: &State, area: Rect, x: u16) -> Option<SortKey> {
    let rows = state.rows();
    let shown: Vec<Cells> = shown_rows(state, &rows, area)
        .into_iter()
        .map(|c| cells(state, c))
        .collect();
    sort_key_at(area, x, &widths(state, &shown), state.sort.key)
}

fn sort_key_at(area: Rect, x: u16, w: &Widths, sort: SortKey) -> Option<SortKey> {
    let mut left = area.x + 1;
    for (c, cw) in columns(area.width.saturating_sub(2), w, sort) {
        if x >= left && x < left + cw {
            return Some(c.sort_key());
        }
        left += cw + 1;
    }
    None
}

/// Columns that fit in `width`, in screen order, with their widths (one space between). The
/// column the list is sorted by stays while others drop.
fn columns(width: u16, w: &Widths, sorted_by: SortKey) -> Vec<(Col, u16)> {
    const NAME_MIN: u16 = 8;
    // Dropped first → last as the pane narrows; then the name shrinks; then the rate goes.
    // The price goes only when even it alone does not fit.
    let optional = [
        Col::Value,
        Col::Volume,
        Col::Tag,
        Col::Code,
        Col::Age,
        Col::Change,
    ];
    let keep = |c: Col| sorted_by != SortKey::Manual && c.sort_key() == sorted_by;
    let mut cols: Vec<Col> = Col::ALL
        .into_iter()
        .filter(|c| *c != Col::Age || w.age > 0)
        .collect();
    let fixed = |cols: &[Col]| -> u16 {
        cols.iter()
            .filter(|c| **c != Col::Name)
            .map(|c| c.width(w) + 1)
            .sum()
    };
    for drop in optional.into_iter().filter(|c| !keep(*c)) {
        if fixed(&cols) + NAME_MIN <= width {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    for drop in [Col::Rate, Col::Price] {
        if fixed(&cols) < width {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let name_w = width.saturating_sub(fixed(&cols)).clamp(1, 24);
    cols.into_iter()
        .map(|c| (c, if c == Col::Name { name_w } else { c.width(w) }))
        .collect()
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let wl = &state.watchlists;
    let t = state.settings.lang.t();
    let title = format!(
        "{} {} ({}/{})",
        t.watchlist,
        wl.current().name,
        wl.active + 1,
        wl.lists.len()
    );
    let mut right = Vec::new();
    if let Some(p) = &state.quotes_problem {
        let since = state
            .quotes_at
            .map(|t| super::age((state.now - t).num_seconds()));
        right.push((
            format!(
                "{} {}",
                t.badge_stale,
                since.unwrap_or_else(|| t.no_data.into())
            ),
            Style::default().fg(Color::Black).bg(theme.stale),
        ));
        if let Some(n) = p.next_try {
            right.push((
                super::retry_label(state, n),
                Style::default().fg(theme.stale),
            ));
        }
    } else {
        if state.sort.key != SortKey::Manual {
            let arrow = if state.sort.descending { "▼" } else { "▲" };
            right.push((
                format!("{} {arrow}", state.settings.lang.sort_key(state.sort.key)),
                Style::default().fg(theme.dim),
            ));
        }
        // The age of the oldest polled quote in the list: how fresh the whole pane is
        // (streamed rows move as they trade).
        let oldest = wl
            .current()
            .codes
            .iter()
            .filter(|c| !streamed(state, **c))
            .filter_map(|c| state.quotes.get(c))
            .map(|c| (state.now - c.received_at).num_seconds())
            .max();
        if let Some(a) = oldest {
            right.push((super::short_age(a), Style::default().fg(theme.dim)));
        }
    }
    let inner = frame(state, Pane::Watchlist, area, &title, &right, buf);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let rows = state.rows();
    let shown = shown_rows(state, &rows, area);
    let shown_cells: Vec<Cells> = shown.iter().map(|c| cells(state, *c)).collect();
    let cols = columns(inner.width, &widths(state, &shown_cells), state.sort.key);
    let header_style = Style::default().fg(theme.dim).add_modifier(Modifier::BOLD);

    // Header.
    let mut x = inner.x;
    for &(c, w) in &cols {
        let h = c.header_text(state);
        if c == Col::Name {
            text::put(buf, x, inner.y, &h, w, header_style);
        } else {
            text::put_right(buf, x + w, inner.y, &h, w, header_style);
        }
        x += w + 1;
    }

    let (first_y, n) = body_rows(area);
    let cursor = state.wl_cursor(&rows);
    if rows.is_empty() && n > 0 {
        text::put(
            buf,
            inner.x,
            first_y,
            t.wl_empty,
            inner.width,
            Style::default().fg(theme.dim),
        );
    }
    let stale = state.quotes_problem.is_some();
    for (k, (code, nums)) in shown.iter().zip(&shown_cells).enumerate() {
        let i = state.wl_scroll + k;
        let y = first_y + k as u16;
        let is_cursor = i == cursor;
        let row_area = Rect::new(inner.x, y, inner.width, 1);
        if is_cursor {
            let st = if state.focus == Pane::Watchlist && state.mode == Mode::Normal {
                Style::default()
                    .bg(theme.cursor_bg)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default().add_modifier(Modifier::UNDERLINED)
            };
            buf.set_style(row_area, st);
        }
        let cell = state.quotes.get(code);
        let listing = state.listing(*code);
        let q = cell.map(|c| &c.quote);
        let sign = q.map(|q| q.change.0.signum()).unwrap_or(0);
        let mut st = dir_style(theme, sign);
        if stale {
            st = st.add_modifier(Modifier::DIM);
        }
        let flashing = cell.is_some_and(|c| c.flash_until.is_some_and(|t| t > state.now));
        let flash_st = cell
            .map(|c| match c.tick {
                1 => Style::default().fg(Color::White).bg(theme.up),
                -1 => Style::default().fg(Color::White).bg(theme.down),
                _ => Style::default().add_modifier(Modifier::REVERSED),
            })
            .unwrap_or_default();
        let flags = q
            .map(|q| q.flags)
            .or(listing.map(|l| l.flags))
            .unwrap_or_default();
        let mut x = inner.x;
        for &(c, w) in &cols {
            match c {
                Col::Name => {
                    let name = state.name_of(*code).unwrap_or(code.as_str());
                    text::put(buf, x, y, name, w, Style::default());
                }
                Col::Code => {
                    text::put(buf, x, y, code.as_str(), w, Style::default().fg(theme.dim));
                }
                Col::Tag => {
                    let (tag, tst) = if flags.halted {
                        (
                            t.tags[0],
                            Style::default().fg(Color::Black).bg(Color::Yellow),
                        )
                    } else if flags.vi {
                        (
                            t.tags[1],
                            Style::default().fg(Color::Black).bg(Color::Magenta),
                        )
                    } else if flags.warning == Warning::Danger {
                        (t.tags[2], Style::default().fg(Color::White).bg(Color::Red))
                    } else if flags.warning == Warning::Warning {
                        (
                            t.tags[3],
                            Style::default().fg(Color::Black).bg(Color::LightRed),
                        )
                    } else if flags.managed {
                        (t.tags[4], Style::default().fg(Color::Black).bg(Color::Gray))
                    } else {
                        (
                            listing.map(|l| l.market.tag()).unwrap_or(""),
                            Style::default().fg(theme.dim),
                        )
                    };
                    text::put(buf, x, y, tag, w, tst);
                }
                Col::Price => {
                    let pst = if flashing && cell.is_some_and(|c| c.tick != 0) {
                        flash_st
                    } else {
                        st
                    };
                    text::put_right_whole(buf, x + w, y, &nums.price, w, pst);
                }
                Col::Change => {
                    text::put_right_whole(buf, x + w, y, &nums.change, w, st);
                }
                Col::Rate => {
                    text::put_right_whole(buf, x + w, y, &nums.rate, w, st);
                }
                Col::Volume => {
                    let vst = if flashing && cell.is_some_and(|c| c.tick == 0) {
                        flash_st
                    } else {
                        Style::default()
                    };
                    text::put_right_whole(buf, x + w, y, &nums.volume, w, vst);
                }
                Col::Value => {
                    let dim = Style::default().fg(theme.dim);
                    text::put_right_whole(buf, x + w, y, &nums.value, w, dim);
                }
                Col::Age => {
                    let (a, ast) = match nums.age {
                        _ if nums.streamed => ("WS".to_string(), Style::default().fg(theme.accent)),
                        Some(a) if a >= AGE_SHOWN_SECS => {
                            (super::short_age(a), Style::default().fg(theme.stale))
                        }
                        Some(a) => (super::short_age(a), Style::default().fg(theme.dim)),
                        None => ("-".to_string(), Style::default().fg(theme.dim)),
                    };
                    text::put_right_whole(buf, x + w, y, &a, w, ast);
                }
            }
            x += w + 1;
        }
    }
    // Scroll position when the list is longer than the pane.
    if rows.len() > n as usize && n > 0 {
        let s = format!(
            "{}-{}/{}",
            state.wl_scroll + 1,
            (state.wl_scroll + n as usize).min(rows.len()),
            rows.len()
        );
        text::put_right(
            buf,
            area.right().saturating_sub(1),
            area.bottom().saturating_sub(1),
            &s,
            inner.width,
            Style::default().fg(theme.dim),
        );
    }
}

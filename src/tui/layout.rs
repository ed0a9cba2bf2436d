//! Where each pane goes for a terminal size: everything on wide screens (the tape under the
//! book); the watchlist, chart, book and info (or the tape, by `side`) from 100 columns; the
//! watchlist, the chart (or info, or the tape) and the order book from 76 columns (80×24
//! included); the watchlist plus one pane below that; one pane on narrow ones; and a plain
//! "enlarge the terminal" message below the minimum. The status bar names the panes a layout
//! leaves out.

use super::state::Pane;
use ratatui::layout::Rect;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
/// From this many rows the index strip takes the top one.
pub const STRIP_MIN_HEIGHT: u16 = 20;
/// Rows of a book pane with all ten levels a side.
const BOOK_FULL: u16 = 26;
/// The fewest rows a tape under the book is worth.
const TAPE_MIN: u16 = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub watchlist: Option<Rect>,
    pub chart: Option<Rect>,
    pub book: Option<Rect>,
    pub info: Option<Rect>,
    pub tape: Option<Rect>,
    /// The index strip, one row at the top (20 rows and more).
    pub strip: Option<Rect>,
    /// The rankings view, while it is open: see [`with_rankings`].
    pub rankings: Option<Rect>,
    pub status: Option<Rect>,
    pub too_small: bool,
}

impl Areas {
    pub fn get(&self, p: Pane) -> Option<Rect> {
        match p {
            Pane::Watchlist => self.watchlist,
            Pane::Chart => self.chart,
            Pane::Book => self.book,
            Pane::Info => self.info,
            Pane::Tape => self.tape,
        }
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        Pane::ORDER
            .into_iter()
            .find(|p| self.get(*p).is_some_and(|r| r.contains((x, y).into())))
    }
}

/// The panes for `state` on a screen of `size`: [`areas`], with the rankings view when it is
/// open. The one layout both `update` and the views use.
pub fn of_state(state: &super::state::State, size: Rect) -> Areas {
    let a = areas(size, state.focus, state.side);
    use super::state::Mode;
    let view = match state.mode {
        Mode::AlertForm => state.alerts.form.as_ref().map(|f| f.back),
        m => Some(m),
    };
    if matches!(view, Some(Mode::Rankings | Mode::Alerts)) {
        with_rankings(a)
    } else {
        a
    }
}

/// The rankings view in place of the watchlist and every pane left of the order book (the
/// chart, info, a tape there): the open stock's book stays beside it, so a stock opened from
/// the ranking shows its book at once. Without a book on screen the view takes the whole body.
pub fn with_rankings(mut a: Areas) -> Areas {
    if a.too_small {
        return a;
    }
    let panes = [a.watchlist, a.chart, a.book, a.info, a.tape];
    let Some(body) = panes.iter().flatten().copied().reduce(|x, y| x.union(y)) else {
        return a;
    };
    let view = match a.book {
        Some(b) if b.x > body.x => Rect::new(body.x, body.y, b.x - body.x, body.height),
        _ => body,
    };
    let covered = |r: &Option<Rect>| r.is_some_and(|r| r.intersects(view));
    for pane in [
        &mut a.watchlist,
        &mut a.chart,
        &mut a.info,
        &mut a.tape,
        &mut a.book,
    ] {
        if covered(pane) {
            *pane = None;
        }
    }
    a.rankings = Some(view);
    a
}

fn cols(area: Rect, widths: &[u16]) -> Vec<Rect> {
    let mut x = area.x;
    widths
        .iter()
        .map(|w| {
            let r = Rect::new(
                x,
                area.y,
                (*w).min(area.right().saturating_sub(x)),
                area.height,
            );
            x = x.saturating_add(*w);
            r
        })
        .collect()
}

fn split_v(area: Rect, top: u16) -> (Rect, Rect) {
    let top = top.min(area.height);
    (
        Rect::new(area.x, area.y, area.width, top),
        Rect::new(area.x, area.y + top, area.width, area.height - top),
    )
}

/// Panes for a terminal of `size`. `side` is the non-watchlist pane shown when only one fits
/// beside the watchlist; `focus` is the pane shown when only one fits at all.
pub fn areas(size: Rect, focus: Pane, side: Pane) -> Areas {
    let (w, h) = (size.width, size.height);
    if w < MIN_WIDTH || h < MIN_HEIGHT {
        return Areas {
            too_small: true,
            ..Areas::default()
        };
    }
    let (body, status) = split_v(size, h - 1);
    let (strip, body) = if h >= STRIP_MIN_HEIGHT {
        let (s, b) = split_v(body, 1);
        (Some(s), b)
    } else {
        (None, body)
    };
    let mut a = Areas {
        status: Some(status),
        strip,
        ..Areas::default()
    };
    let place = |a: &mut Areas, p: Pane, r: Rect| match p {
        Pane::Watchlist => a.watchlist = Some(r),
        Pane::Chart => a.chart = Some(r),
        Pane::Book => a.book = Some(r),
        Pane::Info => a.info = Some(r),
        Pane::Tape => a.tape = Some(r),
    };
    // The middle pane where only one fits: the one asked for, else the chart.
    let middle = match side {
        Pane::Info | Pane::Tape => side,
        _ => Pane::Chart,
    };
    if w >= 150 {
        let wl = (w * 3 / 10).clamp(50, 64);
        let book = 44;
        let c = cols(body, &[wl, w - wl - book, book]);
        a.watchlist = Some(c[0]);
        // The tape below the book when the column is tall enough for both.
        if body.height >= BOOK_FULL + TAPE_MIN {
            let (book, tape) = split_v(c[2], BOOK_FULL);
            a.book = Some(book);
            a.tape = Some(tape);
        } else {
            a.book = Some(c[2]);
        }
        if body.height >= 34 {
            // Tall enough: the info pane gets the rows for the VI line and the investor flows.
            let info_h = if body.height >= 44 { 14 } else { 11 };
            let (chart, info) = split_v(c[1], body.height - info_h);
            a.chart = Some(chart);
            a.info = Some(info);
        } else if a.tape.is_none() || middle == Pane::Info {
            place(&mut a, middle, c[1]);
        } else {
            a.chart = Some(c[1]);
        }
    } else if w >= 100 {
        let wl = 44;
        let book = 38;
        let c = cols(body, &[wl, w - wl - book, book]);
        a.watchlist = Some(c[0]);
        if body.height >= 38 {
            // Under the book: the info pane, or the tape when asked for.
            let (book, below) = split_v(c[2], 27);
            a.chart = Some(c[1]);
            a.book = Some(book);
            if side == Pane::Tape {
                a.tape = Some(below);
            } else {
                a.info = Some(below);
            }
        } else {
            a.book = Some(c[2]);
            place(&mut a, middle, c[1]);
        }
    } else if w >= 76 {
        // The book stays on screen beside the watchlist; the middle shows the chart, info or
        // the tape.
        let (wl, book) = if w >= 90 { (34, 30) } else { (28, 25) };
        let c = cols(body, &[wl, w - wl - book, book]);
        a.watchlist = Some(c[0]);
        a.book = Some(c[2]);
        place(&mut a, middle, c[1]);
    } else if w >= 64 {
        let wl = 34;
        let c = cols(body, &[wl, w - wl]);
        a.watchlist = Some(c[0]);
        let right = if side == Pane::Watchlist {
            Pane::Chart
        } else {
            side
        };
        place(&mut a, right, c[1]);
    } else {
        place(&mut a, focus, body);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_shows_everything() {
        let a = areas(Rect::new(0, 0, 200, 60), Pane::Watchlist, Pane::Chart);
        assert!(a.watchlist.is_some() && a.chart.is_some() && a.book.is_some() && a.info.is_some());
        let a = areas(Rect::new(0, 0, 120, 40), Pane::Watchlist, Pane::Chart);
        assert!(a.watchlist.is_some() && a.chart.is_some() && a.book.is_some() && a.info.is_some());
    }

    #[test]
    fn at_80x24_the_book_is_always_beside_the_watchlist() {
        for side in Pane::ORDER {
            let a = areas(Rect::new(0, 0, 80, 24), Pane::Watchlist, side);
            assert!(a.watchlist.is_some() && a.book.is_some(), "{side:?}");
            assert_eq!(a.info.is_some(), side == Pane::Info, "{side:?}");
            assert_eq!(a.tape.is_some(), side == Pane::Tape, "{side:?}");
            assert_eq!(
                a.chart.is_some(),
                side != Pane::Info && side != Pane::Tape,
                "{side:?}"
            );
        }
    }

    #[test]
    fn the_tape_sits_under_the_book_where_it_fits_and_takes_a_pane_where_not() {
        let a = areas(Rect::new(0, 0, 200, 60), Pane::Watchlist, Pane::Chart);
        let (book, tape) = (a.book.unwrap(), a.tape.unwrap());
        assert_eq!((book.x, book.bottom()), (tape.x, tape.y));
        assert!(a.chart.is_some() && a.info.is_some());
        // 120×40: info under the book unless the tape is asked for.
        let a = areas(Rect::new(0, 0, 120, 40), Pane::Watchlist, Pane::Chart);
        assert!(a.tape.is_none() && a.info.is_some());
        let a = areas(Rect::new(0, 0, 120, 40), Pane::Watchlist, Pane::Tape);
        assert!(a.tape.is_some() && a.info.is_none() && a.chart.is_some());
        let a = areas(Rect::new(0, 0, 70, 24), Pane::Watchlist, Pane::Tape);
        assert!(a.tape.is_some() && a.watchlist.is_some());
    }

    #[test]
    fn narrow_collapses_to_the_side_pane_then_the_focused_one() {
        let a = areas(Rect::new(0, 0, 70, 24), Pane::Watchlist, Pane::Book);
        assert!(a.watchlist.is_some() && a.book.is_some() && a.chart.is_none());
        let a = areas(Rect::new(0, 0, 50, 20), Pane::Info, Pane::Info);
        assert!(a.info.is_some() && a.watchlist.is_none());
        assert!(areas(Rect::new(0, 0, 39, 24), Pane::Chart, Pane::Chart).too_small);
        assert!(areas(Rect::new(0, 0, 1, 1), Pane::Chart, Pane::Chart).too_small);
    }

    #[test]
    fn the_rankings_view_leaves_the_book_beside_it() {
        for (w, h) in [(80, 24), (120, 40), (200, 60), (100, 30)] {
            let a = with_rankings(areas(Rect::new(0, 0, w, h), Pane::Watchlist, Pane::Chart));
            let (view, book) = (a.rankings.unwrap(), a.book.unwrap());
            assert_eq!(view.right(), book.x, "{w}x{h}");
            assert_eq!((view.x, view.y), (0, book.y), "{w}x{h}");
            assert!(a.watchlist.is_none() && a.chart.is_none(), "{w}x{h}");
            // What sits under the book (info at 120×40, the tape at 200×60) stays.
            for r in [a.info, a.tape].into_iter().flatten() {
                assert_eq!(r.x, book.x, "{w}x{h}");
            }
            assert!(a.strip.is_some() && a.status.is_some());
        }
        // Narrow: the whole body.
        let a = with_rankings(areas(Rect::new(0, 0, 50, 20), Pane::Watchlist, Pane::Chart));
        assert_eq!(a.rankings.unwrap().width, 50);
        assert!(a.watchlist.is_none() && a.book.is_none());
        assert!(
            with_rankings(areas(Rect::new(0, 0, 1, 1), Pane::Chart, Pane::Chart))
                .rankings
                .is_none()
        );
    }

    #[test]
    fn panes_never_leave_the_screen() {
        for w in 1..260u16 {
            for h in [1u16, 9, 10, 11, 23, 24, 33, 34, 37, 38, 60, 100] {
                let size = Rect::new(0, 0, w, h);
                let a = areas(size, Pane::Chart, Pane::Book);
                for p in Pane::ORDER {
                    if let Some(r) = a.get(p) {
                        assert_eq!(r.intersection(size), r, "{p:?} at {w}x{h}");
                    }
                }
            }
        }
    }
}

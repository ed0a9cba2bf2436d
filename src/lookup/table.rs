//! A plain-text table for people: columns sized by display width (Hangul is two wide).

use crate::market::text::{nfc, truncate, width};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

/// Pads or truncates `s` to exactly `width` terminal columns (Hangul is two wide; cut with `…`).
pub fn fit(s: &str, cells: usize, right: bool) -> String {
    let name = nfc(s);
    let text = truncate(&name, cells);
    let pad = " ".repeat(cells.saturating_sub(width(&text)));
    if right {
        format!("{pad}{text}")
    } else {
        format!("{text}{pad}")
    }
}

pub(super) struct Table {
    headers: Vec<&'static str>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
    /// Names longer than this are truncated.
    pub(super) max_width: usize,
}

impl Table {
    pub(super) fn new(cols: &[(&'static str, Align)]) -> Table {
        Table {
            headers: cols.iter().map(|c| c.0).collect(),
            align: cols.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            max_width: 24,
        }
    }

    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(super) fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(&nfc(c)).min(self.max_width));
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let parts: Vec<String> = (0..n)
                .map(|i| {
                    let cell = cells.get(i).map(String::as_str).unwrap_or("");
                    fit(cell, widths[i], self.align[i] == Align::Right)
                })
                .collect();
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        line(&headers, &mut out);
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

//! Alerts on screen: the alerts view (`b`: every rule with its state and origin, then what
//! fired, newest first), the form that adds or edits a rule (`A` on the open stock), and the
//! toast that stays at the top right until the alerts are seen (esc, or the view).

use super::{centered, dir_style, frame_with, overlay};
use crate::feed::alerts::RuleOrigin;
use crate::market::alert::{CONDITION_KEYS, Condition, Firing};
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::widgets::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// Red for rules on a rise, blue on a fall, plain otherwise.
fn condition_sign(c: &Condition) -> i64 {
    match c {
        Condition::PriceAtOrAbove(_) | Condition::ChangeRateAbove(_) | Condition::LimitUp => 1,
        Condition::PriceAtOrBelow(_) | Condition::ChangeRateBelow(_) | Condition::LimitDown => -1,
        Condition::Vi | Condition::VolumeRatioAbove(_) => 0,
    }
}

fn name(state: &State, code: crate::market::StockCode) -> String {
    state.name_of(code).unwrap_or(code.as_str()).to_string()
}

/// One firing for people in at most `max` cells: `10:31:05 삼성전자 현재가 ≥ 100,000 100,500
/// (기준 100,000)`, losing the threshold, then the value, then the rule where it does not fit,
/// so no number is ever cut.
fn firing_line(state: &State, f: &Firing, max: u16) -> String {
    let lang = state.settings.lang;
    let at = f.at.with_timezone(&crate::market::KST).format("%H:%M:%S");
    let who = format!("{at} {}", name(state, f.rule.code));
    let rule = lang.alert_rule(&f.rule.condition);
    let value = match f.value {
        crate::market::alert::Reading::Flag(_) => String::new(),
        v => v.to_string(),
    };
    let candidates = [
        format!("{who} {rule} {}", lang.alert_value(f)),
        format!("{who} {rule} {value}"),
        format!("{who} {rule}"),
        who,
    ];
    let fits = |s: &String| text::width(s.trim_end()) <= max as usize;
    let last = candidates.len() - 1;
    candidates
        .iter()
        .position(fits)
        .and_then(|i| candidates.get(i))
        .or(candidates.get(last))
        .map(|s| s.trim_end().to_string())
        .unwrap_or_default()
}

/// First screen row of the rule list and how many rows it has in a view drawn in `area`.
pub fn rule_rows(area: Rect, rules: usize) -> (u16, u16) {
    let inner_h = area.height.saturating_sub(2);
    // Half the view for rules at most (the log gets the rest), at least what there is.
    let max = (inner_h.saturating_sub(4) / 2).max(1);
    (area.y + 2, (rules as u16).clamp(1, max))
}

pub fn draw(state: &State, area: Rect, buf: &mut Buffer) {
    let theme = &state.settings.theme;
    let lang = state.settings.lang;
    let t = lang.t();
    let a = &state.alerts;
    let inner = frame_with(state, true, area, t.alerts, &[], buf);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let dim = Style::default().fg(theme.dim);
    let (first, n) = rule_rows(area, a.rows.len());
    // Header: name, code, condition, state, origin.
    let cols = t.alert_cols;
    let state_w = [t.alert_armed, t.alert_fired]
        .iter()
        .chain([&cols[2]])
        .map(|s| text::width(s))
        .max()
        .unwrap_or(4) as u16;
    let origin_w = [t.alert_from_config, t.alert_from_monitor]
        .iter()
        .chain([&cols[3]])
        .map(|s| text::width(s))
        .max()
        .unwrap_or(4) as u16;
    let name_w = 14.min(inner.width / 3);
    let right = inner.right();
    let cond_x = inner.x + name_w + 8;
    let state_x = right.saturating_sub(state_w + origin_w + 1);
    let origin_x = right.saturating_sub(origin_w);
    let header = inner.y;
    text::put(buf, inner.x, header, cols[0], name_w, dim);
    text::put(
        buf,
        cond_x,
        header,
        cols[1],
        state_x.saturating_sub(cond_x),
        dim,
    );
    text::put(buf, state_x, header, cols[2], state_w, dim);
    text::put(buf, origin_x, header, cols[3], origin_w, dim);
    if a.rows.is_empty() {
        text::put(buf, inner.x, first, t.alert_none, inner.width, dim);
    }
    let scroll = a.cursor.saturating_sub(n.saturating_sub(1) as usize);
    for (line, (i, row)) in a
        .rows
        .iter()
        .enumerate()
        .skip(scroll)
        .take(n as usize)
        .enumerate()
    {
        let y = first + line as u16;
        let selected = i == a.cursor;
        let base = if selected {
            Style::default().bg(theme.cursor_bg)
        } else {
            Style::default()
        };
        if selected {
            for x in inner.x..inner.right() {
                if let Some(c) = buf.cell_mut((x, y)) {
                    c.set_style(base);
                }
            }
        }
        text::put(buf, inner.x, y, &name(state, row.rule.code), name_w, base);
        text::put_whole(
            buf,
            inner.x + name_w + 1,
            y,
            row.rule.code.as_str(),
            6,
            dim.patch(base),
        );
        let cond = lang.alert_rule(&row.rule.condition);
        let st = dir_style(theme, condition_sign(&row.rule.condition)).patch(base);
        text::put(
            buf,
            cond_x,
            y,
            &cond,
            state_x.saturating_sub(cond_x + 1),
            st,
        );
        let (label, sst) = if row.fired {
            (
                t.alert_fired,
                Style::default().fg(Color::Black).bg(Color::Magenta),
            )
        } else {
            (t.alert_armed, dim.patch(base))
        };
        text::put_whole(buf, state_x, y, label, state_w, sst);
        let origin = match row.origin {
            RuleOrigin::Config => t.alert_from_config,
            RuleOrigin::Monitor => t.alert_from_monitor,
        };
        text::put_whole(buf, origin_x, y, origin, origin_w, dim.patch(base));
    }
    // The log under the rules.
    let log_title = first + n + 1;
    let hint_y = inner.bottom().saturating_sub(1);
    if log_title < hint_y {
        text::put(
            buf,
            inner.x,
            log_title,
            t.alert_log,
            inner.width,
            Style::default().add_modifier(Modifier::BOLD),
        );
        if a.log.is_empty() && log_title + 1 < hint_y {
            text::put(
                buf,
                inner.x,
                log_title + 1,
                t.alert_log_empty,
                inner.width,
                dim,
            );
        }
        for (i, f) in a.log.iter().enumerate() {
            let y = log_title + 1 + i as u16;
            if y >= hint_y {
                break;
            }
            let st = dir_style(theme, condition_sign(&f.rule.condition));
            text::put(
                buf,
                inner.x,
                y,
                &firing_line(state, f, inner.width),
                inner.width,
                st,
            );
        }
    }
    if inner.height >= 4 {
        let km = &state.settings.keymap;
        let hint = lang.alerts_hint(
            &km.first_key(Action::NewAlert),
            &km.first_key(Action::Open),
            &km.first_key(Action::RemoveFromWatchlist),
            &km.first_key(Action::Cancel),
        );
        text::put(buf, inner.x, hint_y, &hint, inner.width, dim);
    }
}

/// The form over the screen: the stock, the kind of rule (←→), the threshold being typed.
pub fn draw_form(state: &State, screen: Rect, buf: &mut Buffer) {
    let Some(f) = &state.alerts.form else {
        return;
    };
    let theme = &state.settings.theme;
    let lang = state.settings.lang;
    let t = lang.t();
    let title = format!("{} · {} {}", t.alerts, name(state, f.code), f.code);
    let area = centered(screen, screen.width.saturating_sub(4).min(52), 6);
    let inner = overlay(area, &title, theme, buf);
    if inner.height == 0 || inner.width < 3 {
        return;
    }
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let kind = t.alert_kinds.get(f.kind).copied().unwrap_or("");
    text::put(
        buf,
        inner.x,
        inner.y,
        &format!("◀ {kind} ▶"),
        inner.width,
        bold,
    );
    let flag = matches!(
        CONDITION_KEYS.get(f.kind),
        Some(&("limit_up" | "limit_down" | "vi"))
    );
    if inner.height > 1 && !flag {
        let line = format!("{}: {}▏", t.alert_threshold, f.input);
        text::put(
            buf,
            inner.x,
            inner.y + 1,
            &line,
            inner.width,
            Style::default(),
        );
    }
    if inner.height > 2
        && let Some(e) = &f.error
    {
        text::put(
            buf,
            inner.x,
            inner.y + 2,
            e,
            inner.width,
            Style::default().fg(theme.error),
        );
    }
    if inner.height > 3 {
        let hint = lang.alert_form_hint("←→", "enter", "esc");
        let dim = Style::default().fg(theme.dim);
        text::put(buf, inner.x, inner.bottom() - 1, &hint, inner.width, dim);
    }
}

/// The toast: the newest alerts not seen yet, at the top right, until esc or the view.
pub fn draw_toast(state: &State, body: Rect, buf: &mut Buffer) {
    let a = &state.alerts;
    if a.unseen == 0 || body.width < 20 || body.height < 4 {
        return;
    }
    let theme = &state.settings.theme;
    let lang = state.settings.lang;
    let shown: Vec<&Firing> = a.log.iter().take(a.unseen.min(3)).collect();
    let h = shown.len() as u16 + 3;
    let w = body.width.saturating_sub(2).min(56);
    let area = Rect::new(
        body.right().saturating_sub(w + 1),
        body.y,
        w,
        h.min(body.height),
    );
    let inner = overlay(area, lang.t().alerts, theme, buf);
    for (i, f) in shown.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let st = dir_style(theme, condition_sign(&f.rule.condition)).add_modifier(Modifier::BOLD);
        text::put(
            buf,
            inner.x,
            y,
            &firing_line(state, f, inner.width),
            inner.width,
            st,
        );
    }
    if inner.height > shown.len() as u16 {
        let km = &state.settings.keymap;
        let more = a.unseen.saturating_sub(shown.len());
        let hint = lang.toast_hint(
            &km.first_key(Action::AlertsView),
            &km.first_key(Action::Cancel),
            more,
        );
        let dim = Style::default().fg(theme.dim);
        text::put(buf, inner.x, inner.bottom() - 1, &hint, inner.width, dim);
    }
}

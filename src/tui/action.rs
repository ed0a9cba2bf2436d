//! Every user action, named: the keymap target, the help text and the `[keys]` config names.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

macro_rules! actions {
    ($($variant:ident => $name:literal, [$($key:literal),*], $help:literal;)*) => {
        /// A named user action. Keys map to actions; the help overlay lists them all.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in `[keys]`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }

            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }
        }
    };
}

actions! {
    Quit => "quit", ["q", "ctrl-c"], "quit hoga";
    Help => "help", ["?"], "show or hide this help";
    Search => "search", ["/"], "look a stock up by code, name, English name or 초성";
    Cancel => "cancel", ["esc"], "close the overlay or search";
    FocusNext => "focus_next", ["tab"], "focus the next pane";
    FocusPrev => "focus_prev", ["shift-tab"], "focus the previous pane";
    Up => "up", ["up", "k"], "move up (watchlist row, help line)";
    Down => "down", ["down", "j"], "move down";
    Left => "left", ["left", "h"], "chart: cursor to the previous candle (pans at the edge)";
    Right => "right", ["right", "l"], "chart: cursor to the next candle";
    Top => "top", ["g", "home"], "first row / oldest candle";
    Bottom => "bottom", ["G", "end"], "last row / newest candle";
    PageDown => "page_down", ["ctrl-d", "pagedown"], "half a page down";
    PageUp => "page_up", ["ctrl-u", "pageup"], "half a page up";
    Open => "open", ["enter"], "open the selected stock";
    AddToWatchlist => "add_to_watchlist", ["a"], "add the open stock to the current watchlist";
    RemoveFromWatchlist => "remove_from_watchlist", ["d", "delete"], "remove the selected row from the watchlist";
    MoveRowUp => "move_row_up", ["K", "shift-up"], "move the selected row up (manual order)";
    MoveRowDown => "move_row_down", ["J", "shift-down"], "move the selected row down (manual order)";
    NextWatchlist => "next_watchlist", ["w"], "switch to the next watchlist";
    PrevWatchlist => "prev_watchlist", ["W"], "switch to the previous watchlist";
    Watchlist1 => "watchlist_1", ["1"], "switch to watchlist 1";
    Watchlist2 => "watchlist_2", ["2"], "switch to watchlist 2";
    Watchlist3 => "watchlist_3", ["3"], "switch to watchlist 3";
    Watchlist4 => "watchlist_4", ["4"], "switch to watchlist 4";
    Watchlist5 => "watchlist_5", ["5"], "switch to watchlist 5";
    NewWatchlist => "new_watchlist", ["N"], "create a new empty watchlist (asks its name)";
    RenameWatchlist => "rename_watchlist", ["R"], "rename the current watchlist";
    DeleteWatchlist => "delete_watchlist", ["X"], "delete the current watchlist (asks first)";
    Undo => "undo", ["u"], "put back the row removed last";
    SortNext => "sort_next", ["s"], "sort the watchlist by the next column";
    SortReverse => "sort_reverse", ["S"], "reverse the sort order";
    PrevInterval => "prev_interval", ["["], "chart interval: shorter (Y M W D 60m 30m 10m 5m 3m 1m)";
    NextInterval => "next_interval", ["]"], "chart interval: longer (1m 3m 5m 10m 30m 60m D W M Y)";
    ZoomIn => "zoom_in", ["+", "="], "chart: wider candles (kept per interval)";
    ZoomOut => "zoom_out", ["-"], "chart: narrower candles, down to one column";
    PanLeft => "pan_left", ["H"], "chart: pan a page back in time";
    PanRight => "pan_right", ["L"], "chart: pan a page forward";
    ToggleMa5 => "toggle_ma5", ["!"], "chart: MA5 on/off (header: ● on, ○ off)";
    ToggleMa20 => "toggle_ma20", ["@"], "chart: MA20 line on/off";
    ToggleMa60 => "toggle_ma60", ["#"], "chart: MA60 line on/off";
    ToggleMa120 => "toggle_ma120", ["$"], "chart: MA120 line on/off";
    Refresh => "refresh", ["r"], "fetch everything on screen again now";
    Tape => "tape", ["t"], "show or hide the tape (체결) where it has no place of its own";
    Rankings => "rankings", ["m"], "rankings: volume, value, gainers, losers (←→ ranking, tab market)";
    NewAlert => "new_alert", ["A"], "a new alert on the open stock (asks the condition and threshold)";
    AlertsView => "alerts", ["b"], "the alerts: rules, their state, what fired (edit, delete)";
}

impl Action {
    /// The action a `[keys]` name stands for; the error lists the known names. The config
    /// validates `[keys]` with this (and [`Chord::parse`]) at load.
    pub fn from_name(name: &str) -> Result<Action, String> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown action {name:?} (known: {})",
                    Action::ALL
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// A key chord: code plus the modifiers that matter (ctrl, alt; shift only for named keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord {
    code: ChordCode,
    ctrl: bool,
    alt: bool,
    shift: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum ChordCode {
    Char(char),
    Named(u8),
    F(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
];

impl Chord {
    /// Parses `q`, `G`, `ctrl-c`, `shift-tab`, `alt-x`, `f5`, `space`, `pagedown`.
    pub fn parse(s: &str) -> Result<Chord, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let c = if ctrl { c.to_ascii_lowercase() } else { c };
                if shift && c.is_ascii_lowercase() {
                    shift = false;
                    ChordCode::Char(c.to_ascii_uppercase())
                } else {
                    ChordCode::Char(c)
                }
            }
            _ if lower == "space" => ChordCode::Char(' '),
            _ if lower.starts_with('f') && lower[1..].parse::<u8>().is_ok() => {
                ChordCode::F(lower[1..].parse().unwrap_or(0))
            }
            _ => match NAMED.iter().position(|(n, _)| *n == lower) {
                Some(i) => ChordCode::Named(i as u8),
                None => return Err(format!("unknown key {s:?}")),
            },
        };
        if let ChordCode::Char(_) = code {
            // Shift is part of the character itself ('G', '?').
            shift = false;
        }
        Ok(Chord {
            code,
            ctrl,
            alt,
            shift,
        })
    }

    /// The chord of a terminal key event, if it can be bound.
    pub fn from_event(ev: &KeyEvent) -> Option<Chord> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let mut shift = ev.modifiers.contains(KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                shift = false;
                ChordCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
            KeyCode::BackTab => {
                shift = true;
                ChordCode::Named(NAMED.iter().position(|(n, _)| *n == "tab")? as u8)
            }
            KeyCode::F(n) => ChordCode::F(n),
            other => ChordCode::Named(NAMED.iter().position(|(_, k)| *k == other)? as u8),
        };
        Some(Chord {
            code,
            ctrl,
            alt,
            shift,
        })
    }

    /// How the chord is written in help and config.
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        if self.shift {
            s.push_str("shift-");
        }
        match self.code {
            ChordCode::Char(' ') => s.push_str("space"),
            ChordCode::Char(c) => s.push(c),
            ChordCode::Named(i) => s.push_str(NAMED.get(i as usize).map(|n| n.0).unwrap_or("?")),
            ChordCode::F(n) => s.push_str(&format!("f{n}")),
        }
        s
    }
}

/// Key chords → actions, from the defaults overridden by `[keys]`.
#[derive(Clone, Debug)]
pub struct Keymap {
    map: BTreeMap<Chord, Action>,
    keys: BTreeMap<Action, Vec<Chord>>,
}

impl Keymap {
    /// The defaults with `overrides` (`[keys]`, parsed and checked at load) applied: an action
    /// named there gets exactly the keys given, and a key given explicitly moves to it.
    pub fn new(overrides: &BTreeMap<Action, Vec<Chord>>) -> Keymap {
        let mut keys: BTreeMap<Action, Vec<Chord>> = Action::ALL
            .iter()
            .map(|a| {
                // Every default parses (a test checks it).
                let chords = a.default_keys().iter().filter_map(|k| Chord::parse(k).ok());
                (*a, chords.collect())
            })
            .collect();
        for (action, chords) in overrides {
            for v in keys.values_mut() {
                v.retain(|c| !chords.contains(c));
            }
            keys.insert(*action, chords.clone());
        }
        let mut map = BTreeMap::new();
        for (a, cs) in &keys {
            for c in cs {
                map.insert(*c, *a);
            }
        }
        Keymap { map, keys }
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.map.get(&Chord::from_event(ev)?).copied()
    }

    /// The keys of an action as written in the help overlay: `q, ctrl-c`.
    pub fn keys_label(&self, a: Action) -> String {
        self.keys
            .get(&a)
            .map(|v| v.iter().map(|c| c.label()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    }

    /// The first key of an action, for hints.
    pub fn first_key(&self, a: Action) -> String {
        self.keys
            .get(&a)
            .and_then(|v| v.first())
            .map(|c| c.label())
            .unwrap_or_default()
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&BTreeMap::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn defaults_cover_vim_and_arrows() {
        let km = Keymap::default();
        assert_eq!(
            km.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&key(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(
            km.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some(Action::RemoveFromWatchlist)
        );
    }

    #[test]
    fn every_default_key_parses_and_no_two_actions_share_one() {
        let mut seen = BTreeMap::new();
        for a in Action::ALL {
            for k in a.default_keys() {
                let c = Chord::parse(k).unwrap();
                assert_eq!(seen.insert(c, *a), None, "{k} bound twice");
            }
        }
    }

    #[test]
    fn config_remaps_and_steals_keys() {
        let chords = |keys: &[&str]| keys.iter().map(|k| Chord::parse(k).unwrap()).collect();
        let mut o = BTreeMap::new();
        o.insert(Action::Quit, chords(&["x"]));
        o.insert(Action::Down, chords(&["n", "ctrl-n"]));
        let km = Keymap::new(&o);
        assert_eq!(
            km.action(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert_eq!(km.keys_label(Action::Down), "n, ctrl-n");
    }

    #[test]
    fn names_and_chords_that_do_not_exist_are_errors() {
        assert!(Action::from_name("fly").unwrap_err().contains("fly"));
        assert_eq!(Action::from_name("quit"), Ok(Action::Quit));
        for bad in ["hyper-x", "ctrl-", "f300", ""] {
            assert!(Chord::parse(bad).is_err(), "{bad:?}");
        }
    }
}

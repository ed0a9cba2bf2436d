//! Messages into `update` (keys, mouse, resize, clock ticks, the feed's events) and the
//! commands `update` asks the event loop to carry out.

use crate::feed::{Event, Interest};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

/// Everything that can change the state. Feed events are the large variant; a message lives
/// only from the loop's queue to `update`, so boxing them would buy an allocation and nothing.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved (drives flashes, ages, countdowns and the session label).
    Tick(DateTime<Utc>),
    /// What the feed reported.
    Feed(Event),
    /// The alert rules as they stand (origin, fired) and what has just fired, from the loop's
    /// alert engine.
    Alerts {
        rows: Vec<super::state::AlertRow>,
        fired: Vec<crate::market::alert::Firing>,
    },
}

/// Side effects `update` asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Quit,
    SaveWatchlists,
    SetInterest(Interest),
    /// The monitor's alert rules after an edit: save them (`alerts.json`) and evaluate them.
    SetAlertRules(Vec<crate::market::alert::Rule>),
    /// Ring the terminal bell (an alert fired).
    Bell,
}

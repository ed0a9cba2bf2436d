//! The feed's side of the live stream: the one place that owns the registration slots and
//! gives them out by priority, and the translation of what the stream reports into the feed's
//! events.
//!
//! Priority: the open stock's trades, then its book (when the book is on screen), its expected
//! fill during the auctions and its status (VI, halts) where the server carries them, then the
//! trades of the watchlist rows on screen, top first, then the rest of the watchlist. A change
//! of focus unregisters before it registers, so the session never holds more than the cap, not
//! even for a moment. A pair the server refuses (OPSP0008) is served over REST until it is no
//! longer wanted.

use super::event::{Event, Interest, StreamState};
use crate::market::{LiveEvent, Provenance, StockCode};
use crate::source::Sourced;
use crate::source::live::{Channel, Health, Pair, Stream, StreamEvent};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// The pairs to hold, most important first: at most `cap`, none of `refused`, only channels
/// the server carries. `auction`: a call auction is on (the expected fill moves).
pub fn plan(
    i: &Interest,
    channels: &[Channel],
    auction: bool,
    cap: usize,
    refused: &HashSet<Pair>,
) -> Vec<Pair> {
    let mut want: Vec<Pair> = Vec::with_capacity(cap.min(64));
    let push = |want: &mut Vec<Pair>, p: Pair| {
        if want.len() < cap
            && channels.contains(&p.0)
            && !refused.contains(&p)
            && !want.contains(&p)
        {
            want.push(p);
        }
    };
    if let Some(c) = i.focused {
        push(&mut want, (Channel::Trades, c));
        if i.book {
            push(&mut want, (Channel::Book, c));
        }
        if auction {
            push(&mut want, (Channel::Expected, c));
        }
        push(&mut want, (Channel::Status, c));
    }
    for c in i.watchlist.iter().chain(&i.more) {
        push(&mut want, (Channel::Trades, *c));
    }
    want
}

/// The stream and what the feed has asked of it.
pub(super) struct Live {
    stream: Stream,
    health: Health,
    registered: Vec<Pair>,
    refused: HashSet<Pair>,
    /// Each streamed stock's accumulated volume after its last trade: a trade that does not
    /// add up (records were missed) makes the forming candles be fetched again.
    acc: HashMap<StockCode, u64>,
    provenance: Provenance,
}

/// What a stream event asks of the REST side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Wake {
    /// Fetch everything on screen now: the stream went down (REST takes over) or came back
    /// after a gap (resynchronise).
    pub all: bool,
    /// The open stock's chart missed trades: fetch it again.
    pub chart: bool,
    /// A pair was refused: its data must come over REST.
    pub polled: bool,
}

impl Live {
    pub(super) fn new(stream: Stream, provenance: Provenance) -> Live {
        Live {
            health: stream.handle.health(),
            stream,
            registered: Vec::new(),
            refused: HashSet::new(),
            acc: HashMap::new(),
            provenance,
        }
    }

    pub(super) fn events(&mut self) -> &mut tokio::sync::mpsc::Receiver<StreamEvent> {
        &mut self.stream.events
    }

    pub(super) fn state(&self) -> StreamState {
        let mut refused: Vec<Pair> = self.refused.iter().copied().collect();
        refused.sort();
        StreamState {
            health: self.health.clone(),
            cap: self.stream.cap,
            registered: self.registered.clone(),
            refused,
        }
    }

    /// `channel` of `code` arrives over the stream now (so REST may poll it slowly).
    pub(super) fn streams(&self, channel: Channel, code: StockCode) -> bool {
        matches!(self.health, Health::Connected { .. })
            && self.registered.contains(&(channel, code))
    }

    /// Holds the pairs `i` wants now; true when that changed anything.
    pub(super) fn steer(&mut self, i: &Interest, auction: bool) -> bool {
        // A refusal lasts while the pair is wanted; once it is not, it may be tried again.
        let all = plan(
            i,
            self.stream.channels,
            auction,
            usize::MAX,
            &HashSet::new(),
        );
        self.refused.retain(|p| all.contains(p));
        let want = plan(
            i,
            self.stream.channels,
            auction,
            self.stream.cap,
            &self.refused,
        );
        if want == self.registered {
            return false;
        }
        // Unregister first: the session's count only falls before it rises.
        for p in self.registered.iter().filter(|p| !want.contains(p)) {
            self.stream.handle.unregister(*p);
        }
        for p in want.iter().filter(|p| !self.registered.contains(p)) {
            self.stream.handle.register(*p);
        }
        let kept: HashSet<StockCode> = want
            .iter()
            .filter(|p| p.0 == Channel::Trades)
            .map(|p| p.1)
            .collect();
        self.acc.retain(|c, _| kept.contains(c));
        self.registered = want;
        true
    }

    /// Turns one stream event into the feed's events; `focused`/`version` say which stock's
    /// book and expected fill are wanted.
    pub(super) fn on_event(
        &mut self,
        ev: StreamEvent,
        at: DateTime<Utc>,
        interest: &Interest,
        out: &mut Vec<Event>,
    ) -> Wake {
        let mut wake = Wake::default();
        match ev {
            StreamEvent::Live(LiveEvent::Trade(trade)) => {
                let before = self.acc.insert(trade.code, trade.acc_volume);
                let adds_up =
                    before.is_none_or(|b| b.checked_add(trade.qty) == Some(trade.acc_volume));
                if !adds_up && Some(trade.code) == interest.focused {
                    wake.chart = true;
                }
                out.push(Event::Trade { at, trade });
            }
            StreamEvent::Live(LiveEvent::Book(book)) => {
                if Some(book.code) == interest.focused && interest.book {
                    out.push(Event::Book {
                        code: book.code,
                        version: interest.version,
                        at,
                        reply: Ok(Sourced::new(book, self.provenance)),
                    });
                }
            }
            StreamEvent::Live(LiveEvent::Expected(update)) => {
                if Some(update.code) == interest.focused {
                    out.push(Event::Expected { at, update });
                }
            }
            StreamEvent::Live(LiveEvent::Status(status)) => {
                out.push(Event::MarketStatus { at, status });
            }
            StreamEvent::Health(h) => {
                let was_up = matches!(self.health, Health::Connected { .. });
                let up = matches!(h, Health::Connected { .. });
                if was_up && !up {
                    // REST takes over everything now; the trades it may miss are gone.
                    wake.all = true;
                    self.acc.clear();
                }
                self.health = h;
                out.push(Event::Stream(self.state()));
            }
            StreamEvent::Refused { pair, reason } => {
                tracing::info!(
                    "{} of {} refused by the stream ({reason}): polled over REST",
                    pair.0.label(),
                    pair.1
                );
                self.refused.insert(pair);
                self.registered.retain(|p| *p != pair);
                wake.polled = true;
                out.push(Event::Stream(self.state()));
            }
            StreamEvent::Gap(g) => {
                let mut codes: Vec<StockCode> = Vec::new();
                for (_, c) in &g.pairs {
                    if !codes.contains(c) {
                        codes.push(*c);
                    }
                }
                wake.all = true;
                self.acc.clear();
                out.push(Event::Gap {
                    codes,
                    from: g.from,
                    to: g.to,
                });
            }
        }
        wake
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: usize) -> StockCode {
        StockCode::new(&format!("{:06}", 100_000 + n)).unwrap()
    }

    fn interest(
        focus: usize,
        rows: std::ops::Range<usize>,
        more: std::ops::Range<usize>,
    ) -> Interest {
        Interest {
            focused: Some(code(focus)),
            version: 1,
            book: true,
            watchlist: rows.map(code).collect(),
            more: more.map(code).collect(),
            ..Interest::default()
        }
    }

    #[test]
    fn the_open_stock_goes_first_then_rows_on_screen_then_the_rest_up_to_the_cap() {
        let i = interest(7, 0..30, 30..60);
        let p = plan(&i, &Channel::ALL, false, 41, &HashSet::new());
        assert_eq!(p.len(), 41);
        assert_eq!(p[0], (Channel::Trades, code(7)));
        assert_eq!(p[1], (Channel::Book, code(7)));
        assert_eq!(p[2], (Channel::Status, code(7)));
        // The open stock's row is not counted twice.
        assert_eq!(
            p.iter()
                .filter(|x| **x == (Channel::Trades, code(7)))
                .count(),
            1
        );
        assert_eq!(p[3], (Channel::Trades, code(0)));
        assert!(p.contains(&(Channel::Trades, code(29))));
        assert!(p.contains(&(Channel::Trades, code(30))));
        assert!(!p.contains(&(Channel::Trades, code(59))));
        // The virtual server: no status channel, no expected fill even in an auction.
        let v = plan(
            &i,
            &[Channel::Trades, Channel::Book],
            true,
            41,
            &HashSet::new(),
        );
        assert_eq!(
            &v[..3],
            &[
                (Channel::Trades, code(7)),
                (Channel::Book, code(7)),
                (Channel::Trades, code(0))
            ]
        );
        // In an auction the expected fill comes before the rows.
        let a = plan(&i, &Channel::ALL, true, 41, &HashSet::new());
        assert_eq!(a[2], (Channel::Expected, code(7)));
        // A refused pair is skipped and the next one takes its slot.
        let refused: HashSet<Pair> = [(Channel::Trades, code(0))].into();
        let r = plan(&i, &Channel::ALL, false, 41, &refused);
        assert!(!r.contains(&(Channel::Trades, code(0))));
        assert_eq!(r.len(), 41);
        // No book on screen: no book slot.
        let nb = Interest { book: false, ..i };
        assert!(
            !plan(&nb, &Channel::ALL, false, 41, &HashSet::new())
                .contains(&(Channel::Book, code(7)))
        );
    }
}

//! The simulated market's live stream: the trades and book changes of its model as its clock
//! moves, for the registered stocks — the same records kis-sim's WebSocket sends, without the
//! wire. So a first run without credentials shows the live panes (book, tape, live candles).

use super::live::{Channel, Health, KIS_CAP, LiveStream, Pair, Stream, StreamEvent};
use crate::market::{Krw, LiveEvent, Rate, Side, StockCode, Trade};
use crate::sim::SimMarket;
use crate::sim::model::trades::{Side as SimSide, Trade as SimTrade};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How often the model is read: a trade is delivered at most this late.
const STEP: Duration = Duration::from_millis(100);

struct Registration {
    pair: Pair,
    /// Records stamped after this are delivered.
    after: DateTime<Utc>,
    /// The previous close the day's changes are measured from.
    base: Option<(NaiveDate, i64)>,
}

/// A trade of the model as a stream reports it (what kis-sim's H0STCNT0 record says).
fn trade(code: StockCode, t: &SimTrade, base: i64) -> Trade {
    let change = Krw(t.price.saturating_sub(base));
    Trade {
        code,
        at: t.at,
        price: Krw(t.price),
        change,
        change_rate: Rate::of(change, Krw(base)),
        qty: t.qty,
        acc_volume: t.acc_volume,
        acc_value: Krw(t.acc_value),
        // As kis-sim's CCLD_DVSN: the closing auction's print counts as a sell.
        side: match (t.side, t.closing_auction) {
            (_, true) | (SimSide::Sell, _) => Some(Side::Sell),
            (SimSide::Buy, _) => Some(Side::Buy),
            (SimSide::Auction, _) => None,
        },
        strength: (t.sell_volume > 0).then(|| {
            Rate::of(
                Krw(i64::try_from(t.buy_volume).unwrap_or(i64::MAX)),
                Krw(i64::try_from(t.sell_volume).unwrap_or(i64::MAX)),
            )
        }),
    }
}

#[derive(Default)]
struct Shared {
    regs: Vec<Registration>,
    /// Registrations asked since the task last looked, answered in order.
    asked: Vec<(Pair, bool)>,
}

pub struct MockStream {
    shared: Arc<Mutex<Shared>>,
    health: watch::Receiver<Health>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockStream {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LiveStream for MockStream {
    fn register(&self, pair: Pair) {
        self.lock().asked.push((pair, true));
    }

    fn unregister(&self, pair: Pair) {
        self.lock().asked.push((pair, false));
    }

    fn health(&self) -> Health {
        self.health.borrow().clone()
    }
}

/// Starts the stream over `market` (inside the runtime).
pub fn start(market: Arc<SimMarket>) -> Stream {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let (events, rx) = mpsc::channel(16_384);
    let (health_tx, health) = watch::channel(Health::Connected { subscribed: 0 });
    let task = tokio::spawn(run(market, shared.clone(), events, health_tx));
    Stream {
        handle: Box::new(MockStream {
            shared,
            health,
            task,
        }),
        events: rx,
        cap: KIS_CAP,
        channels: &[Channel::Trades, Channel::Book],
    }
}

async fn run(
    market: Arc<SimMarket>,
    shared: Arc<Mutex<Shared>>,
    events: mpsc::Sender<StreamEvent>,
    health: watch::Sender<Health>,
) {
    let _ = events
        .send(StreamEvent::Health(Health::Connected { subscribed: 0 }))
        .await;
    let mut tick = tokio::time::interval(STEP);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let now = market.now();
        let mut out = Vec::new();
        {
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            let asked = std::mem::take(&mut s.asked);
            let changed = !asked.is_empty();
            for (pair, on) in asked {
                let held = s.regs.iter().position(|r| r.pair == pair);
                match (on, held) {
                    (true, None) if s.regs.len() >= KIS_CAP => out.push(StreamEvent::Refused {
                        pair,
                        reason: "OPSP0008 MAX SUBSCRIBE OVER".to_string(),
                    }),
                    (true, None) => s.regs.push(Registration {
                        pair,
                        after: now,
                        base: None,
                    }),
                    (false, Some(i)) => {
                        s.regs.remove(i);
                    }
                    _ => {}
                }
            }
            if changed {
                let h = Health::Connected {
                    subscribed: s.regs.len(),
                };
                health.send_replace(h.clone());
                out.push(StreamEvent::Health(h));
            }
            for r in s.regs.iter_mut() {
                if now <= r.after {
                    continue;
                }
                let (channel, code) = r.pair;
                match channel {
                    Channel::Trades => {
                        for t in market.trades_between(code, r.after, now) {
                            let date = crate::market::kst_date(t.at);
                            let base = match r.base {
                                Some((d, b)) if d == date => b,
                                _ => {
                                    let Some(snap) = market.snapshot_at(code, t.at) else {
                                        continue;
                                    };
                                    r.base = Some((date, snap.base));
                                    snap.base
                                }
                            };
                            out.push(StreamEvent::Live(LiveEvent::Trade(trade(code, &t, base))));
                        }
                    }
                    Channel::Book => out.extend(
                        market
                            .book_changes_between(r.after, now)
                            .into_iter()
                            .filter_map(|at| market.book_at(code, at))
                            .map(|b| StreamEvent::Live(LiveEvent::Book(b))),
                    ),
                    Channel::Expected | Channel::Status => {}
                }
                r.after = now;
            }
        }
        for e in out {
            if events.send(e).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimClock;

    #[tokio::test]
    async fn streams_the_model_s_trades_and_refuses_past_the_cap() {
        let start_at = crate::sim::clock::parse_instant("2026-11-26 10:30").unwrap();
        let clock = Arc::new(SimClock::new(crate::clock::ClockMode::Accelerated {
            start: start_at,
            factor: 20.0,
        }));
        let market = Arc::new(SimMarket::new(1, clock));
        let mut s = start(market.clone());
        let code = StockCode::new("005930").unwrap();
        s.handle.register((Channel::Trades, code));
        let mut trades = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while trades.len() < 5 && tokio::time::Instant::now() < deadline {
            if let Ok(Some(StreamEvent::Live(LiveEvent::Trade(t)))) =
                tokio::time::timeout(Duration::from_secs(1), s.events.recv()).await
            {
                trades.push(t);
            }
        }
        assert!(trades.len() >= 5, "{} trades", trades.len());
        assert!(trades.windows(2).all(|w| w[0].at <= w[1].at));
        // Every trade is the model's own: the same as kis-sim streams.
        let first = trades[0].at - chrono::Duration::milliseconds(1);
        let last = trades[trades.len() - 1].at;
        let model: Vec<_> = market
            .trades_between(code, first, last)
            .iter()
            .map(|t| (t.at, t.price, t.qty, t.acc_volume))
            .collect();
        let got: Vec<_> = trades
            .iter()
            .map(|t| (t.at, t.price.0, t.qty, t.acc_volume))
            .collect();
        assert!(model.len() >= got.len());
        assert_eq!(&model[..got.len()], &got[..]);
        let q = market.quote_at(code, last).unwrap();
        assert_eq!(trades.last().map(|t| t.change), Some(q.change));
        // The 42nd pair is refused, the others kept.
        let codes: Vec<_> = market
            .stocks()
            .iter()
            .map(|s| s.code)
            .filter(|c| *c != code)
            .take(41)
            .collect();
        for c in &codes {
            s.handle.register((Channel::Trades, *c));
        }
        let mut refused = None;
        while refused.is_none() {
            match tokio::time::timeout(Duration::from_secs(5), s.events.recv()).await {
                Ok(Some(StreamEvent::Refused { pair, .. })) => refused = Some(pair),
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        assert_eq!(refused, Some((Channel::Trades, codes[40])));
        assert_eq!(s.handle.health(), Health::Connected { subscribed: 41 });
    }
}

//! The registrations of one appkey's session, kept in three sets: what the caller wants
//! (desired, in the order asked), what was sent and not yet answered (pending), and what the
//! server acknowledged on the current session. A new session starts with nothing
//! acknowledged and every desired pair registered again. Pure: no I/O, no clock.

use super::Channel;
use crate::kis::wire::ws::{Ack, AckKind};
use crate::market::StockCode;

/// One registration: a channel of one stock ((tr_id, tr_key) on the wire).
pub type Pair = (Channel, StockCode);

/// What an ack meant for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Nothing the caller needs to hear about.
    Quiet,
    /// The pair is refused for good (the cap, an invalid pair): served some other way.
    Refused(Pair, String),
    /// The appkey's one session is held by another connection (OPSP8996).
    SessionInUse,
    /// The approval key is not valid (OPSP0011).
    InvalidApproval,
}

#[derive(Debug, Default)]
pub(super) struct Registry {
    desired: Vec<Pair>,
    pending: Vec<Pair>,
    acked: Vec<Pair>,
}

impl Registry {
    /// The caller wants `pair`; true when it is new and must be sent now.
    pub(super) fn want(&mut self, pair: Pair) -> bool {
        if self.desired.contains(&pair) {
            return false;
        }
        self.desired.push(pair);
        true
    }

    /// The caller no longer wants `pair`; true when the server holds it (or may: an answer
    /// is outstanding) and an unregister must be sent.
    pub(super) fn drop_pair(&mut self, pair: Pair) -> bool {
        self.desired.retain(|p| *p != pair);
        let held = self.acked.contains(&pair) || self.pending.contains(&pair);
        self.pending.retain(|p| *p != pair);
        self.acked.retain(|p| *p != pair);
        held
    }

    /// A frame registering `pair` went out on the current session.
    pub(super) fn sent(&mut self, pair: Pair) {
        if !self.pending.contains(&pair) {
            self.pending.push(pair);
        }
    }

    /// A new session: nothing is acknowledged on it yet. Returns every desired pair, in order,
    /// to register again.
    pub(super) fn new_session(&mut self) -> Vec<Pair> {
        self.pending.clear();
        self.acked.clear();
        self.desired.clone()
    }

    /// Every registration sent on this session has been answered.
    pub(super) fn settled(&self) -> bool {
        self.pending.is_empty()
    }

    /// Pairs acknowledged on the current session, in the order asked.
    pub(super) fn acknowledged(&self) -> Vec<Pair> {
        self.desired
            .iter()
            .filter(|p| self.acked.contains(p))
            .copied()
            .collect()
    }

    pub(super) fn on_ack(&mut self, ack: &Ack) -> Outcome {
        match ack.kind {
            AckKind::SessionInUse => return Outcome::SessionInUse,
            AckKind::InvalidApproval => return Outcome::InvalidApproval,
            _ => {}
        }
        let (Some(channel), Some(code)) = (ack.channel, ack.code) else {
            tracing::warn!(msg_cd = %ack.msg_cd, msg = %ack.msg, "an ack for no known registration");
            return Outcome::Quiet;
        };
        let pair = (channel, code);
        match ack.kind {
            AckKind::Subscribed | AckKind::AlreadySubscribed => {
                self.pending.retain(|p| *p != pair);
                if self.desired.contains(&pair) && !self.acked.contains(&pair) {
                    self.acked.push(pair);
                }
                Outcome::Quiet
            }
            AckKind::Unsubscribed | AckKind::NotSubscribed => {
                self.acked.retain(|p| *p != pair);
                Outcome::Quiet
            }
            AckKind::CapReached | AckKind::InvalidRequest | AckKind::Failed => {
                self.pending.retain(|p| *p != pair);
                self.acked.retain(|p| *p != pair);
                if !self.desired.contains(&pair) {
                    return Outcome::Quiet;
                }
                self.desired.retain(|p| *p != pair);
                Outcome::Refused(
                    pair,
                    format!("{} {}", ack.msg_cd, ack.msg).trim().to_string(),
                )
            }
            AckKind::SessionInUse | AckKind::InvalidApproval => Outcome::Quiet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> StockCode {
        StockCode::new(s).unwrap()
    }

    fn ack(pair: Pair, kind: AckKind) -> Ack {
        Ack {
            channel: Some(pair.0),
            code: Some(pair.1),
            kind,
            msg_cd: "OPSPxxxx".into(),
            msg: "m".into(),
        }
    }

    #[test]
    fn desired_and_acknowledged_are_kept_apart_across_sessions() {
        let mut r = Registry::default();
        let a = (Channel::Trades, code("005930"));
        let b = (Channel::Book, code("005930"));
        let c = (Channel::Trades, code("000660"));
        assert!(r.want(a) && r.want(b) && r.want(c) && !r.want(a));
        assert_eq!(r.new_session(), vec![a, b, c]);
        for p in [a, b, c] {
            r.sent(p);
        }
        assert!(!r.settled());
        r.on_ack(&ack(a, AckKind::Subscribed));
        r.on_ack(&ack(c, AckKind::AlreadySubscribed));
        assert_eq!(
            r.on_ack(&ack(b, AckKind::CapReached)),
            Outcome::Refused(b, "OPSPxxxx m".into())
        );
        assert!(r.settled());
        assert_eq!(r.acknowledged(), vec![a, c]);
        // The session is lost: everything desired (not the refused pair) is sent again.
        assert_eq!(r.new_session(), vec![a, c]);
        assert!(r.acknowledged().is_empty());
        // Unregistering what is held needs a frame; what is not held does not.
        r.sent(a);
        assert!(r.drop_pair(a));
        assert!(!r.drop_pair(b));
        assert_eq!(r.new_session(), vec![c]);
    }

    #[test]
    fn session_level_answers_are_not_about_one_pair() {
        let mut r = Registry::default();
        let a = (Channel::Trades, code("005930"));
        r.want(a);
        r.sent(a);
        assert_eq!(
            r.on_ack(&ack(a, AckKind::SessionInUse)),
            Outcome::SessionInUse
        );
        assert_eq!(
            r.on_ack(&ack(a, AckKind::InvalidApproval)),
            Outcome::InvalidApproval
        );
        assert!(!r.settled(), "still waiting for this pair's answer");
    }
}

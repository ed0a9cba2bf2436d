//! Venues (KIS_API.md §16): KRX, NXT (Nextrade) and 통합 (both combined), how KIS names them
//! (`FID_COND_MRKT_DIV_CODE` J / NX / UN, WebSocket TR families H0ST… / H0NX… / H0UN…) and
//! NXT's sessions, on KRX's trading days, from `assets/nxt_sessions.toml`.

use super::calendar::{Calendar, KST, Session};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const NXT_TOML: &str = include_str!("../../assets/nxt_sessions.toml");

/// Where a quote comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    /// 한국거래소: the virtual server's only venue.
    #[default]
    Krx,
    /// 넥스트레이드.
    Nxt,
    /// 통합: KRX and NXT combined.
    Unified,
}

impl Venue {
    pub const ALL: [Venue; 3] = [Venue::Krx, Venue::Nxt, Venue::Unified];

    /// The config and command-line word: `krx`, `nxt`, `unified`.
    pub fn label(self) -> &'static str {
        match self {
            Venue::Krx => "krx",
            Venue::Nxt => "nxt",
            Venue::Unified => "unified",
        }
    }

    pub fn parse(s: &str) -> Option<Venue> {
        Venue::ALL
            .into_iter()
            .find(|v| v.label().eq_ignore_ascii_case(s.trim()))
    }

    /// The badge shown beside a quote.
    pub fn badge(self) -> &'static str {
        match self {
            Venue::Krx => "KRX",
            Venue::Nxt => "NXT",
            Venue::Unified => "통합",
        }
    }

    /// KIS's `FID_COND_MRKT_DIV_CODE` for this venue.
    pub fn market_div_code(self) -> &'static str {
        match self {
            Venue::Krx => "J",
            Venue::Nxt => "NX",
            Venue::Unified => "UN",
        }
    }

    /// The prefix of this venue's WebSocket TRs (`H0ST` + `CNT0` = KRX trades).
    pub fn ws_family(self) -> &'static str {
        match self {
            Venue::Krx => "H0ST",
            Venue::Nxt => "H0NX",
            Venue::Unified => "H0UN",
        }
    }

    /// Whether the virtual server serves this venue (KRX only).
    pub fn on_virtual(self) -> bool {
        self == Venue::Krx
    }

    /// Whether prices can change on this venue at `instant`: KRX in any of its live sessions,
    /// NXT in its pre-, main or after-market, 통합 when either is.
    pub fn is_open_at(self, cal: &Calendar, instant: DateTime<Utc>) -> bool {
        match self {
            Venue::Krx => cal.session_at(instant).is_live(),
            Venue::Nxt => cal.nxt_session_at(instant).is_trading(),
            Venue::Unified => {
                Venue::Krx.is_open_at(cal, instant) || Venue::Nxt.is_open_at(cal, instant)
            }
        }
    }
}

/// What NXT is doing at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NxtSession {
    /// A weekend or a KRX holiday.
    Holiday,
    /// A trading day, before 08:00 or from 20:00.
    Closed,
    /// 프리마켓 08:00–08:50.
    PreMarket,
    /// Trading stopped while KRX runs an auction (08:50–09:00, 15:20–15:30).
    Paused,
    /// 메인마켓 09:00–15:20.
    Main,
    /// 애프터마켓 15:30–20:00.
    AfterMarket,
}

impl NxtSession {
    pub fn label(self) -> &'static str {
        match self {
            NxtSession::Holiday => "holiday",
            NxtSession::Closed => "closed",
            NxtSession::PreMarket => "pre-market",
            NxtSession::Paused => "paused",
            NxtSession::Main => "main",
            NxtSession::AfterMarket => "after-market",
        }
    }

    /// Whether NXT matches orders now.
    pub fn is_trading(self) -> bool {
        matches!(
            self,
            NxtSession::PreMarket | NxtSession::Main | NxtSession::AfterMarket
        )
    }
}

/// NXT's session boundaries on one trading day, KST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NxtTimes {
    pub pre_market_start: NaiveTime,
    pub pre_market_end: NaiveTime,
    pub main_start: NaiveTime,
    pub main_end: NaiveTime,
    pub after_market_start: NaiveTime,
    pub after_market_end: NaiveTime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNxt {
    pre_market_start: String,
    pre_market_end: String,
    main_start: String,
    main_end: String,
    after_market_start: String,
    after_market_end: String,
}

fn hm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

impl NxtTimes {
    /// NXT's regular times (from the asset; the published hours if it were ever unreadable).
    pub fn regular() -> NxtTimes {
        static TIMES: OnceLock<NxtTimes> = OnceLock::new();
        *TIMES.get_or_init(|| {
            let parsed = toml::from_str::<RawNxt>(NXT_TOML).ok().and_then(|r| {
                Some(NxtTimes {
                    pre_market_start: hm(&r.pre_market_start)?,
                    pre_market_end: hm(&r.pre_market_end)?,
                    main_start: hm(&r.main_start)?,
                    main_end: hm(&r.main_end)?,
                    after_market_start: hm(&r.after_market_start)?,
                    after_market_end: hm(&r.after_market_end)?,
                })
            });
            parsed.unwrap_or_else(|| {
                tracing::error!(
                    "built-in NXT session times are invalid; using the published hours"
                );
                let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
                NxtTimes {
                    pre_market_start: t(8, 0),
                    pre_market_end: t(8, 50),
                    main_start: t(9, 0),
                    main_end: t(15, 20),
                    after_market_start: t(15, 30),
                    after_market_end: t(20, 0),
                }
            })
        })
    }
}

impl Calendar {
    /// NXT's sessions on `date`, or `None` if the market does not open that day. On KRX's
    /// shifted days the morning moves by KRX's open delay and the main end and after-market
    /// start by its close delay (UNCONFIRMED for NXT).
    pub fn nxt_times(&self, date: NaiveDate) -> Option<NxtTimes> {
        self.session_times(date)?;
        let r = NxtTimes::regular();
        let (open_delay, close_delay) = self.shift_of(date);
        let shift = |t: NaiveTime, d: Duration| t.overflowing_add_signed(d).0;
        Some(NxtTimes {
            pre_market_start: shift(r.pre_market_start, open_delay),
            pre_market_end: shift(r.pre_market_end, open_delay),
            main_start: shift(r.main_start, open_delay),
            main_end: shift(r.main_end, close_delay),
            after_market_start: shift(r.after_market_start, close_delay),
            after_market_end: r.after_market_end,
        })
    }

    /// NXT's session at `instant`.
    pub fn nxt_session_at(&self, instant: DateTime<Utc>) -> NxtSession {
        let local = instant.with_timezone(&KST);
        let Some(t) = self.nxt_times(local.date_naive()) else {
            return NxtSession::Holiday;
        };
        let now = local.time();
        if now < t.pre_market_start {
            NxtSession::Closed
        } else if now < t.pre_market_end {
            NxtSession::PreMarket
        } else if now < t.main_start {
            NxtSession::Paused
        } else if now < t.main_end {
            NxtSession::Main
        } else if now < t.after_market_start {
            NxtSession::Paused
        } else if now < t.after_market_end {
            NxtSession::AfterMarket
        } else {
            NxtSession::Closed
        }
    }

    /// Each venue's session label at `instant`, for a status bar: KRX's, NXT's.
    pub fn venue_sessions_at(&self, instant: DateTime<Utc>) -> (Session, NxtSession) {
        (self.session_at(instant), self.nxt_session_at(instant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::kst_to_utc;

    fn at(date: &str, hms: &str) -> DateTime<Utc> {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let t = NaiveTime::parse_from_str(hms, "%H:%M:%S").unwrap();
        kst_to_utc(d.and_time(t))
    }

    /// A trading day (Thursday 2026-11-26): both venues at and just before every boundary.
    #[test]
    fn both_venues_at_every_boundary_of_a_trading_day() {
        let cal = Calendar::krx();
        let day = "2026-11-26";
        use NxtSession as N;
        use Session as K;
        let cases: [(&str, K, N); 16] = [
            ("07:59:59", K::Closed, N::Closed),
            ("08:00:00", K::Closed, N::PreMarket),
            ("08:30:00", K::PreOpenAuction, N::PreMarket),
            ("08:49:59", K::PreOpenAuction, N::PreMarket),
            ("08:50:00", K::PreOpenAuction, N::Paused),
            ("08:59:59", K::PreOpenAuction, N::Paused),
            ("09:00:00", K::Continuous, N::Main),
            ("15:19:59", K::Continuous, N::Main),
            ("15:20:00", K::ClosingAuction, N::Paused),
            ("15:29:59", K::ClosingAuction, N::Paused),
            ("15:30:00", K::Closed, N::AfterMarket),
            ("15:40:00", K::AfterHours, N::AfterMarket),
            ("18:00:00", K::Closed, N::AfterMarket),
            ("19:59:59", K::Closed, N::AfterMarket),
            ("20:00:00", K::Closed, N::Closed),
            ("23:59:59", K::Closed, N::Closed),
        ];
        for (hms, krx, nxt) in cases {
            let t = at(day, hms);
            assert_eq!(cal.venue_sessions_at(t), (krx, nxt), "{hms}");
            assert_eq!(Venue::Krx.is_open_at(cal, t), krx.is_live(), "{hms}");
            assert_eq!(Venue::Nxt.is_open_at(cal, t), nxt.is_trading(), "{hms}");
            assert_eq!(
                Venue::Unified.is_open_at(cal, t),
                krx.is_live() || nxt.is_trading(),
                "{hms}"
            );
        }
        // The evening is live on NXT (and so 통합), not on KRX.
        let evening = at(day, "19:00:00");
        assert!(!Venue::Krx.is_open_at(cal, evening));
        assert!(Venue::Unified.is_open_at(cal, evening));
        // The pause is a pause on NXT only: KRX is in its closing auction.
        assert!(!Venue::Nxt.is_open_at(cal, at(day, "15:25:00")));
        assert!(Venue::Krx.is_open_at(cal, at(day, "15:25:00")));
    }

    /// A holiday (2026-12-25, a Friday) and a weekend: every boundary is a holiday on both.
    #[test]
    fn a_holiday_is_a_holiday_on_both_venues_at_every_boundary() {
        let cal = Calendar::krx();
        for day in ["2026-12-25", "2026-11-21"] {
            for hms in [
                "08:00:00", "08:50:00", "09:00:00", "15:20:00", "15:30:00", "19:59:59", "20:00:00",
            ] {
                let t = at(day, hms);
                assert_eq!(
                    cal.venue_sessions_at(t),
                    (Session::Holiday, NxtSession::Holiday),
                    "{day} {hms}"
                );
                for v in Venue::ALL {
                    assert!(!v.is_open_at(cal, t), "{day} {hms} {v:?}");
                }
            }
        }
    }

    /// 수능 (2025-11-13): KRX opens at 10:00 and closes at 16:30.
    #[test]
    fn shifted_days_move_nxt_with_krx() {
        let cal = Calendar::krx();
        let t = cal
            .nxt_times(NaiveDate::from_ymd_opt(2025, 11, 13).unwrap())
            .unwrap();
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!((t.pre_market_start, t.main_start), (hm(9, 0), hm(10, 0)));
        assert_eq!((t.main_end, t.after_market_start), (hm(16, 20), hm(16, 30)));
        assert_eq!(t.after_market_end, hm(20, 0));
        assert_eq!(
            cal.nxt_session_at(at("2025-11-13", "09:55:00")),
            NxtSession::Paused
        );
    }

    #[test]
    fn venue_names_as_kis_spells_them() {
        assert_eq!(Venue::parse("NXT"), Some(Venue::Nxt));
        assert_eq!(Venue::parse("x"), None);
        assert_eq!(Venue::ALL.map(Venue::market_div_code), ["J", "NX", "UN"]);
        assert_eq!(Venue::ALL.map(Venue::ws_family), ["H0ST", "H0NX", "H0UN"]);
        assert!(Venue::Krx.on_virtual() && !Venue::Nxt.on_virtual());
        assert_eq!(Venue::default(), Venue::Krx);
    }
}

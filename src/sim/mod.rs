//! kis-sim: a faithful local KIS Open API server over a deterministic synthetic market.
//!
//! - [`model`]: `SimMarket`, the deterministic market (universe, daily history, intraday path);
//!   also the ground truth tests compare against.
//! - [`wire`]: kis-sim's own KIS JSON (never the client's types).
//! - [`server`]: `SimServer::start(SimConfig) -> SimHandle` (axum on 127.0.0.1), KIS routes,
//!   master files, `/_sim/` admin routes.
//! - [`ws`]: the KIS WebSocket (`SimConfig::ws_port`, `SimHandle::ws_url`): sessions, acks,
//!   PINGPONG, the model's trades and books as data frames, faults and ground truth.
//! - [`auth`], [`ratelimit`], [`faults`], [`master`], [`stats`], [`clock`]: the rules KIS
//!   enforces, the faults it exhibits, the files it serves, what it counted.
//!
//! Test credentials: [`TEST_APP_KEY`] / [`TEST_APP_SECRET`] are accepted by default.
//!
//! # Choices where KIS_API.md leaves room (documented so client and sim agree)
//!
//! - Unknown stock code: inquire-price, the order book and both charts answer `rt_cd` "0" with
//!   zeroed fields (`stck_prpr` "0", `askp1` "0") and no rows, as python-kis implies; a
//!   multi-quote row for an unknown code carries the code and zeros; search-stock-info answers
//!   `rt_cd` "7", `KIOK0560` "조회할 내용이 없습니다" with an empty `output`.
//! - Gateway errors (EGW…: bad/missing appkey or secret, token invalid/missing/expired, rate
//!   limit, transient) are HTTP 500 with keys `rt_cd, msg1, msg_cd`. A tr_id that does not match
//!   the path, or a real-only TR (FHKST11300006, CTPF1002R) on the virtual server, is HTTP 500
//!   `OPSQ0002` "없는 서비스 코드 입니다" with keys `rt_cd, msg_cd, msg1`. A missing query
//!   parameter is HTTP 200 `rt_cd` "1" `OPSQ2001` `ERROR INPUT FIELD NOT FOUND [NAME]`; a bad
//!   value `OPSQ2002` `ERROR INVALID INPUT FIELD [NAME]`. Missing/odd `authorization` →
//!   EGW00205, empty bearer → EGW00122, missing/odd `custtype` → EGW00208.
//! - tokenP: the 60-second guard applies to every tokenP call, including one that would get the
//!   same token back; `expires_in` is the remaining lifetime of the returned token.
//! - Before 08:30 on a trading day, and all day on holidays, every quote is the last trading
//!   day's final state. Before the first trade of a day `stck_oprc/hgpr/lwpr` are "0".
//! - The order book's expected fill (`output2.antc_*`): the auction's price and volume during
//!   the opening/closing auctions; after the close the closing auction's result; during
//!   continuous trading `antc_cnpr` "0" with change −base, sign 5, rate −100.00 (as the captured
//!   realtime frame shows).
//! - `intstock-multprice` sends `inter2_prdy_vrss` unsigned (the sign is in `prdy_vrss_sign`),
//!   and pads some names with trailing spaces.
//! - Minute bars are labelled by the minute's start (`stck_cntg_hour` 090000 holds
//!   09:00:00–09:00:59); after the close a last bar at the close time holds the closing
//!   auction. On a non-trading day the minute chart is the last trading day's.
//! - Weekly/monthly rows: dated by the period's last trading day in the period chart, by its
//!   first in inquire-daily-price (as the captures show).
//! - Response headers: `tr_id` echoed, `tr_cont` "D", a `gt_uid`. Master records end in `\n`.
//! - Corporate actions (`model::actions`): the factor is the ex-date's base over the raw close
//!   before it; the adjusted chart (`FID_ORG_ADJ_PRC=0`) multiplies earlier prices by the
//!   product of the later factors (up to today) and rounds once, half up, to the won; volume
//!   and value are not adjusted. The ex-date row's `prdy_vrss` is against the moved base,
//!   `prtt_rate` is base / previous close in % (2 dp), `mod_yn` "Y"; other rows "00", "0.00",
//!   "N" and a blank `revl_issu_reas`. Only the daily period carries the action fields.
//! - Index TRs (§14.1–14.2): `acml_vol` in 천주 and `acml_tr_pbmn` in 백만원, truncated; the
//!   index-price's year high/low (`dryy_*`) are today's; a finished day's index high/low are
//!   settled from its open, close and the constituents' extremes; an unknown index code gets
//!   zeros. Breadth: `ascn_issu_cnt` includes `uplm_issu_cnt`, `down_issu_cnt` `lslm_issu_cnt`.
//! - Rankings (§14.5–14.6): every issue of the market (ETFs included), ties to the lower code;
//!   `FID_BLNG_CLS_CODE` 0–2 rank by volume, 3–4 by traded value; the fluctuation ranking serves
//!   sort codes 0 (상승율) and 1 (하락율), against the previous close; `J` only.
//! - inquire-time-indexchartprice (real only): today's minutes up to now from the summed
//!   10-second paths, newest first, 102 rows; `FID_INPUT_HOUR_1` 30/60 → 1 min, 600 → 10,
//!   3600 → 60; `cntg_vol` in 천주 per bar, `acml_tr_pbmn` cumulative in 백만원.
//! - inquire-investor: 30 daily rows, `*_tr_pbmn` in 백만원 truncated; today's row is sent
//!   from the opening on with its price but empty investor fields until the close.
//! - inquire-vi-status: static VIs only (first ±10 % from the base each way, two minutes
//!   long); `vi_cncl_hour` "000000" while in force; a date other than the day in force → no rows.

pub mod auth;
pub mod clock;
pub mod config;
pub mod faults;
pub mod hash;
pub mod master;
pub mod model;
pub mod ratelimit;
pub mod server;
pub mod stats;
pub mod wire;
pub mod ws;

pub use auth::{TEST_APP_KEY, TEST_APP_KEY_2, TEST_APP_SECRET, TEST_APP_SECRET_2};
pub use clock::{ClockMode, SimClock};
pub use config::SimConfig;
pub use faults::{FaultKind, FaultRule};
pub use model::SimMarket;
pub use server::{SimHandle, SimServer, SimState};
pub use stats::{Served, StatsSnapshot};
pub use ws::{WsConfig, WsFaults, WsHub};

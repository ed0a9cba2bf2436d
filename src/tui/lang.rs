//! The monitor's words in each language (`[ui] lang`): one place for every user-facing string
//! of the TUI, so the views say `t.no_match` or `lang.session(s)` and never hold text of their
//! own. Fixed strings are fields of [`Texts`] (one table per language); messages with values
//! in them are methods of [`Lang`].
//!
//! The state badges (`LIVE`, `STALE`, `BREAKER OPEN`, `SIMULATED`, `NO DATA`) stay as they are
//! in both languages: they are the names the README, the logs and scripts reading the screen
//! use for the states. Ages keep their `s`/`m`/`h` units.

use super::action::Action;
use super::state::SortKey;
use crate::market::{Interval, Session, group_thousands};
use std::str::FromStr;

/// The language of the monitor's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Lang, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ko" => Ok(Lang::Ko),
            "en" => Ok(Lang::En),
            _ => Err("expected \"ko\" or \"en\"".to_string()),
        }
    }
}

/// Every fixed string of the TUI in one language.
#[derive(Debug)]
pub struct Texts {
    // Pane titles and labels.
    pub watchlist: &'static str,
    pub book: &'static str,
    pub chart: &'static str,
    pub info: &'static str,
    /// The pane strip's short names: watchlist, chart, book, info.
    pub pane_short: [&'static str; 5],
    /// The same in one letter, for a narrow status bar.
    pub pane_letter: [&'static str; 5],
    /// Watchlist columns: name, code, market, price, change, rate, volume, value, age.
    pub wl_cols: [&'static str; 9],
    /// Status tags in the watchlist: halted, VI, danger, warning, managed.
    pub tags: [&'static str; 5],
    /// Book columns: price, quantity, cumulative, change.
    pub book_cols: [&'static str; 4],
    pub book_last: &'static str,
    pub ask: &'static str,
    pub bid: &'static str,
    pub upper: &'static str,
    pub lower: &'static str,
    pub expected: &'static str,
    pub expected_short: &'static str,
    /// The chart cursor's labels: open, high, low, close, volume.
    pub ohlcv: [&'static str; 5],
    /// The suffix after an interval in the chart title (`일봉`, `D bars`).
    pub candles: &'static str,
    /// Info pane labels: sector, market cap, listed shares, PER/PBR, EPS/BPS, 52 weeks,
    /// limits.
    pub info_fields: [&'static str; 7],
    pub preferred: &'static str,
    pub reit: &'static str,
    pub halted: &'static str,
    pub managed: &'static str,
    pub vi: &'static str,
    /// PER of a loss.
    pub loss: &'static str,
    /// Warnings: caution, warning, danger.
    pub warnings: [&'static str; 3],
    // Empty panes.
    pub loading: &'static str,
    pub loading_book: &'static str,
    pub no_stock_open: &'static str,
    pub wl_empty: &'static str,
    pub no_data: &'static str,
    /// The state badges: live (with the server), simulated, stale, no data, breaker open.
    pub badge_live: &'static str,
    pub badge_simulated: &'static str,
    pub badge_stale: &'static str,
    pub badge_no_data: &'static str,
    pub badge_breaker: &'static str,
    // Search.
    pub search_title: &'static str,
    pub search_title_en: &'static str,
    pub search_example: &'static str,
    pub search_example_en: &'static str,
    pub no_match: &'static str,
    pub loading_stocks: &'static str,
    // Prompts.
    pub new_list: &'static str,
    pub new_list_hint: &'static str,
    pub rename_hint: &'static str,
    pub delete_hint: &'static str,
    // Help.
    pub help_title: &'static str,
    pub more_up: &'static str,
    pub more_down: &'static str,
    pub mouse: &'static str,
    pub mouse_click: &'static str,
    pub mouse_click_help: &'static str,
    pub mouse_wheel: &'static str,
    pub mouse_wheel_help: &'static str,
    // Status bar.
    /// Data ages: quotes, book, chart, info; then the short form's label.
    pub ages: [&'static str; 4],
    pub age: &'static str,
    pub help: &'static str,
    pub search: &'static str,
    pub quit: &'static str,
    pub cached: &'static str,
    pub retrying: &'static str,
    pub redis_down: &'static str,
    pub redis_up: &'static str,
    pub cache: &'static str,
    pub shared: &'static str,
    pub token: &'static str,
    pub real_data_short: &'static str,
    pub enlarge: &'static str,
    // Notices.
    pub kept_list: &'static str,
    pub last_list: &'static str,
    pub focus_to_remove: &'static str,
    pub nothing_to_undo: &'static str,
    // What failed.
    pub what_universe: &'static str,
    pub what_quotes: &'static str,
    /// The index strip: its name in a failure, a last close's mark, breadth labels.
    pub index_strip: &'static str,
    pub index_close: &'static str,
    pub breadth_up: &'static str,
    pub breadth_down: &'static str,
    pub breadth_flat: &'static str,
    /// The info pane's investor flows: the header's label, the three groups, the note that
    /// they are published after the close; the VI line's words and kinds.
    pub flows_net: &'static str,
    pub flows_groups: [&'static str; 3],
    pub flows_note: &'static str,
    pub vi_on: &'static str,
    pub vi_off: &'static str,
    pub vi_kinds: [&'static str; 3],
    pub vi_base: &'static str,
    /// Alerts: the view's title and sections, the rule kinds (in `CONDITION_KEYS` order), a
    /// rule's state and origin, the form's words, the toast's title.
    pub alerts: &'static str,
    pub alert_log: &'static str,
    pub alert_kinds: [&'static str; 8],
    pub alert_armed: &'static str,
    pub alert_fired: &'static str,
    pub alert_from_config: &'static str,
    pub alert_from_monitor: &'static str,
    pub alert_none: &'static str,
    pub alert_log_empty: &'static str,
    pub alert_threshold: &'static str,
    pub alert_read_only: &'static str,
    pub alert_bad_number: &'static str,
    pub alert_cols: [&'static str; 4],
    /// The rankings view: title, the four rankings, the three markets, column headers, and
    /// what it says on a server without rankings.
    pub rankings: &'static str,
    pub rank_kinds: [&'static str; 4],
    pub rank_markets: [&'static str; 3],
    pub rank_cols: [&'static str; 8],
    pub rank_real_only: &'static str,
    pub rank_loading: &'static str,
    /// The tape: title, its live mark, and what it says while empty.
    pub tape: &'static str,
    pub tape_live: &'static str,
    pub tape_no_slot: &'static str,
    pub tape_pick: &'static str,
    pub tape_no_stream: &'static str,
    pub tape_polled: &'static str,
    pub tape_waiting: &'static str,
    pub tape_gap: &'static str,
    /// The stream in the status bar: connecting, reconnecting (with and without a countdown),
    /// down.
    pub ws_connecting: &'static str,
    pub ws_reconnecting: &'static str,
    pub ws_down: &'static str,
}

pub const KO: Texts = Texts {
    watchlist: "관심종목",
    book: "호가",
    chart: "차트",
    info: "종목정보",
    pane_short: ["목록", "차트", "호가", "정보", "체결"],
    pane_letter: ["목", "차", "호", "정", "체"],
    wl_cols: [
        "종목명",
        "코드",
        "시장",
        "현재가",
        "대비",
        "등락률",
        "거래량",
        "대금",
        "갱신",
    ],
    tags: ["정지", "VI", "위험", "경고", "관리"],
    book_cols: ["가격", "잔량", "누적", "증감"],
    book_last: "현재",
    ask: "매도",
    bid: "매수",
    upper: "상한",
    lower: "하한",
    expected: "예상체결",
    expected_short: "예상",
    ohlcv: ["시", "고", "저", "종", "량"],
    candles: "봉",
    info_fields: [
        "업종",
        "시가총액",
        "상장주식",
        "PER/PBR",
        "EPS/BPS",
        "52주 고/저",
        "상/하한가",
    ],
    preferred: "우선주",
    reit: "리츠",
    halted: "거래정지",
    managed: "관리종목",
    vi: "VI발동",
    loss: "적자",
    warnings: ["투자주의", "투자경고", "투자위험"],
    loading: "불러오는 중…",
    loading_book: "호가 불러오는 중…",
    no_stock_open: "선택한 종목 없음: / 검색",
    wl_empty: "비어 있음: / 검색, a 추가",
    no_data: "자료 없음",
    badge_live: "실시간",
    badge_simulated: "시뮬레이션",
    badge_stale: "지연",
    badge_no_data: "자료 없음",
    badge_breaker: "접속 차단",
    search_title: "종목 검색 (코드 · 이름 · 초성)",
    search_title_en: "종목 검색 (코드 · 이름 · English · 초성)",
    search_example: "삼성 또는 ㅅㅅㅈㅈ",
    search_example_en: "삼성, samsung 또는 ㅅㅅㅈㅈ",
    no_match: "일치하는 종목 없음",
    loading_stocks: "종목 목록 불러오는 중…",
    new_list: "새 관심목록 이름",
    new_list_hint: "Enter 만들기 · Esc 취소 · 비우면 목록N",
    rename_hint: "Enter 바꾸기 · Esc 취소",
    delete_hint: "y Enter 삭제 · Esc 유지",
    help_title: "도움말 · j/k 스크롤 · esc 닫기 · [keys]에서 키 변경",
    more_up: "▲ 더 있음",
    more_down: "▼ 더 있음",
    mouse: "마우스",
    mouse_click: "클릭",
    mouse_click_help: "창 선택; 관심종목 행 열기; 열 제목으로 정렬 (다시: 역순)",
    mouse_wheel: "휠",
    mouse_wheel_help: "관심종목 스크롤, 차트 이동, 이 도움말 스크롤",
    ages: ["시세", "호가", "차트", "정보"],
    age: "갱신",
    help: "도움말",
    search: "검색",
    quit: "종료",
    cached: "캐시",
    retrying: "재시도 중…",
    redis_down: "redis 중단 (메모리 캐시)",
    redis_up: "redis 정상",
    cache: "캐시",
    shared: "공유",
    token: "토큰",
    real_data_short: "실데이터: KIS_APP_KEY/SECRET",
    enlarge: "터미널을 키우세요",
    kept_list: "목록을 지우지 않았습니다",
    last_list: "마지막 관심목록은 지울 수 없습니다",
    focus_to_remove: "행을 지우려면 관심종목 창을 선택하세요 (tab)",
    nothing_to_undo: "되돌릴 것이 없습니다",
    what_universe: "종목 목록",
    what_quotes: "관심종목 시세",
    index_strip: "지수",
    index_close: "종가",
    breadth_up: "상승",
    breadth_down: "하락",
    breadth_flat: "보합",
    alerts: "알림",
    alert_log: "발동 기록",
    alert_kinds: [
        "현재가 이상",
        "현재가 이하",
        "등락률 이상 (%)",
        "등락률 이하 (%)",
        "상한가 도달",
        "하한가 도달",
        "VI 발동",
        "거래량 20일 평균의 (배)",
    ],
    alert_armed: "대기",
    alert_fired: "발동",
    alert_from_config: "설정",
    alert_from_monitor: "화면",
    alert_none: "알림 규칙이 없습니다: 종목을 열고 A",
    alert_log_empty: "아직 발동한 알림이 없습니다",
    alert_threshold: "기준",
    alert_read_only: "설정 파일의 규칙입니다: config.toml의 [[alerts]]에서 고치세요",
    alert_bad_number: "숫자를 넣으세요",
    alert_cols: ["종목명", "조건", "상태", "출처"],
    flows_net: "순매수",
    flows_groups: ["개인", "외국인", "기관"],
    flows_note: "장 마감 후 집계",
    vi_on: "VI 발동",
    vi_off: "VI 해제",
    vi_kinds: ["정적", "동적", "정적·동적"],
    vi_base: "기준",
    rankings: "순위",
    rank_kinds: ["거래량", "거래대금", "상승률", "하락률"],
    rank_markets: ["전체", "코스피", "코스닥"],
    rank_cols: [
        "순위",
        "종목명",
        "코드",
        "현재가",
        "대비",
        "등락률",
        "거래량",
        "거래대금",
    ],
    rank_real_only: "순위는 KIS 실전 서버만 제공합니다 (모의투자 서버는 제공하지 않음)",
    rank_loading: "순위 받는 중…",
    tape: "체결",
    tape_live: "실시간",
    tape_no_slot: "스트림 대기",
    tape_pick: "종목을 고르세요",
    tape_no_stream: "실시간 스트림 없음",
    tape_polled: "스트림 연결 대기 (REST 조회 중)",
    tape_waiting: "체결 대기…",
    tape_gap: "끊김",
    ws_connecting: "WS 연결 중…",
    ws_reconnecting: "WS 재연결",
    ws_down: "WS 중단",
};

pub const EN: Texts = Texts {
    watchlist: "Watchlist",
    book: "Book",
    chart: "Chart",
    info: "Info",
    pane_short: ["List", "Chart", "Book", "Info", "Tape"],
    pane_letter: ["L", "C", "B", "I", "T"],
    wl_cols: [
        "Name", "Code", "Mkt", "Price", "Chg", "Chg%", "Volume", "Value", "Age",
    ],
    tags: ["HALT", "VI", "DNGR", "WARN", "MGD"],
    book_cols: ["Price", "Qty", "Cum", "Chg"],
    book_last: "Last",
    ask: "Ask",
    bid: "Bid",
    upper: "Upper",
    lower: "Lower",
    expected: "Expected",
    expected_short: "Exp",
    ohlcv: ["O", "H", "L", "C", "V"],
    candles: "",
    info_fields: [
        "Sector",
        "Market cap",
        "Shares",
        "PER/PBR",
        "EPS/BPS",
        "52w high/low",
        "Limits",
    ],
    preferred: "preferred",
    reit: "REIT",
    halted: "HALTED",
    managed: "MANAGED",
    vi: "VI",
    loss: "loss",
    warnings: ["CAUTION", "WARNING", "DANGER"],
    loading: "loading…",
    loading_book: "loading order book…",
    no_stock_open: "no stock open: / to search",
    wl_empty: "empty: / to search, a to add",
    no_data: "no data",
    badge_live: "LIVE",
    badge_simulated: "SIMULATED",
    badge_stale: "STALE",
    badge_no_data: "NO DATA",
    badge_breaker: "BREAKER OPEN",
    search_title: "Search (code · name · 초성)",
    search_title_en: "Search (code · name · English · 초성)",
    search_example: "삼성 or ㅅㅅㅈㅈ",
    search_example_en: "삼성, samsung or ㅅㅅㅈㅈ",
    no_match: "no match",
    loading_stocks: "loading the stock list…",
    new_list: "New watchlist name",
    new_list_hint: "Enter create · Esc cancel · empty = 목록N",
    rename_hint: "Enter rename · Esc cancel",
    delete_hint: "y Enter delete · Esc keep",
    help_title: "help · j/k scroll · esc close · remap in [keys]",
    more_up: "▲ more",
    more_down: "▼ more",
    mouse: "mouse",
    mouse_click: "click",
    mouse_click_help: "focus a pane; open a watchlist row; sort by a column header (again: reverse)",
    mouse_wheel: "wheel",
    mouse_wheel_help: "scroll the watchlist, pan the chart, scroll this help",
    ages: ["quotes", "book", "chart", "info"],
    age: "age",
    help: "help",
    search: "search",
    quit: "quit",
    cached: "cached",
    retrying: "retrying…",
    redis_down: "redis DOWN (memory cache)",
    redis_up: "redis up",
    cache: "cache",
    shared: "shared",
    token: "token",
    real_data_short: "real data: KIS_APP_KEY/SECRET",
    enlarge: "enlarge the terminal",
    kept_list: "kept the list",
    last_list: "the last watchlist cannot be deleted",
    focus_to_remove: "focus the watchlist (tab) to remove a row",
    nothing_to_undo: "nothing to undo",
    what_universe: "stock list",
    what_quotes: "watchlist quotes",
    index_strip: "indices",
    index_close: "close",
    breadth_up: "up",
    breadth_down: "down",
    breadth_flat: "flat",
    alerts: "Alerts",
    alert_log: "Fired",
    alert_kinds: [
        "price at or above",
        "price at or below",
        "change at or above (%)",
        "change at or below (%)",
        "limit up reached",
        "limit down reached",
        "VI triggered",
        "volume × its 20-day average",
    ],
    alert_armed: "armed",
    alert_fired: "fired",
    alert_from_config: "config",
    alert_from_monitor: "monitor",
    alert_none: "no alert rules: open a stock and press A",
    alert_log_empty: "nothing has fired yet",
    alert_threshold: "threshold",
    alert_read_only: "a rule of the config file: edit [[alerts]] in config.toml",
    alert_bad_number: "type a number",
    alert_cols: ["Name", "Condition", "State", "From"],
    flows_net: "Net buy",
    flows_groups: ["Indiv.", "Foreign", "Inst."],
    flows_note: "published after the close",
    vi_on: "VI on",
    vi_off: "VI off",
    vi_kinds: ["static", "dynamic", "static+dynamic"],
    vi_base: "ref",
    rankings: "Rankings",
    rank_kinds: ["Volume", "Value", "Gainers", "Losers"],
    rank_markets: ["All", "KOSPI", "KOSDAQ"],
    rank_cols: [
        "#", "Name", "Code", "Price", "Change", "Chg%", "Volume", "Value",
    ],
    rank_real_only: "rankings are served by the real KIS server only, not the virtual one",
    rank_loading: "loading the ranking…",
    tape: "Tape",
    tape_live: "live",
    tape_no_slot: "waiting for the stream",
    tape_pick: "open a stock",
    tape_no_stream: "no live stream",
    tape_polled: "stream not connected (polling over REST)",
    tape_waiting: "waiting for trades…",
    tape_gap: "gap",
    ws_connecting: "WS connecting…",
    ws_reconnecting: "WS reconnecting",
    ws_down: "WS down",
};

impl Lang {
    /// The fixed strings.
    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }

    /// The KRX session, as a trader names it.
    pub fn session(self, s: Session) -> &'static str {
        match self {
            Lang::Ko => match s {
                Session::Holiday => "휴장일",
                Session::Closed => "장마감",
                Session::PreOpenAuction => "장전 동시호가",
                Session::Continuous => "장중",
                Session::ClosingAuction => "장마감 동시호가",
                Session::AfterHours => "시간외",
            },
            Lang::En => s.label(),
        }
    }

    /// The chart interval's short name (`일`, `D`).
    pub fn interval(self, p: Interval) -> &'static str {
        match self {
            Lang::Ko => match p {
                Interval::Min1 => "1분",
                Interval::Min3 => "3분",
                Interval::Min5 => "5분",
                Interval::Min10 => "10분",
                Interval::Min30 => "30분",
                Interval::Min60 => "60분",
                Interval::Day => "일",
                Interval::Week => "주",
                Interval::Month => "월",
                Interval::Year => "년",
            },
            Lang::En => p.code(),
        }
    }

    pub fn sort_key(self, k: SortKey) -> &'static str {
        match self {
            Lang::Ko => match k {
                SortKey::Manual => "수동",
                SortKey::Name => "종목명",
                SortKey::Code => "코드",
                SortKey::Price => "현재가",
                SortKey::ChangeRate => "등락률",
                SortKey::Volume => "거래량",
                SortKey::Value => "대금",
            },
            Lang::En => k.label(),
        }
    }

    /// What an action does, for the help overlay.
    pub fn action_help(self, a: Action) -> &'static str {
        use Action::*;
        if self == Lang::En {
            return a.help();
        }
        match a {
            Quit => "hoga 종료",
            Help => "이 도움말 보이기/숨기기",
            Search => "종목 찾기: 코드, 이름, 영문명 또는 초성",
            Cancel => "창이나 검색 닫기",
            FocusNext => "다음 창 선택",
            FocusPrev => "이전 창 선택",
            Up => "위로 (관심종목 행, 도움말 줄)",
            Down => "아래로",
            Left => "차트: 커서를 이전 봉으로 (끝에서 이동)",
            Right => "차트: 커서를 다음 봉으로",
            Top => "첫 행 / 가장 오래된 봉",
            Bottom => "마지막 행 / 최신 봉",
            PageDown => "반 페이지 아래로",
            PageUp => "반 페이지 위로",
            Open => "선택한 종목 열기",
            AddToWatchlist => "연 종목을 현재 관심목록에 추가",
            RemoveFromWatchlist => "선택한 행을 관심목록에서 삭제",
            MoveRowUp => "선택한 행을 위로 (수동 순서)",
            MoveRowDown => "선택한 행을 아래로 (수동 순서)",
            NextWatchlist => "다음 관심목록",
            PrevWatchlist => "이전 관심목록",
            Watchlist1 => "관심목록 1",
            Watchlist2 => "관심목록 2",
            Watchlist3 => "관심목록 3",
            Watchlist4 => "관심목록 4",
            Watchlist5 => "관심목록 5",
            NewWatchlist => "빈 관심목록 만들기 (이름을 묻습니다)",
            RenameWatchlist => "현재 관심목록 이름 바꾸기",
            DeleteWatchlist => "현재 관심목록 삭제 (먼저 묻습니다)",
            Undo => "마지막으로 지운 행 되살리기",
            SortNext => "관심목록을 다음 열로 정렬",
            SortReverse => "정렬 순서 뒤집기",
            PrevInterval => "차트 주기: 짧게 (년 월 주 일 60분 30분 10분 5분 3분 1분)",
            NextInterval => "차트 주기: 길게 (1분 3분 5분 10분 30분 60분 일 주 월 년)",
            ZoomIn => "차트: 봉 넓게 (주기마다 유지)",
            ZoomOut => "차트: 봉 좁게, 한 칸까지",
            PanLeft => "차트: 한 페이지 과거로",
            PanRight => "차트: 한 페이지 최근으로",
            ToggleMa5 => "차트: MA5 켜기/끄기 (머리글: ● 켬, ○ 끔)",
            ToggleMa20 => "차트: MA20 켜기/끄기",
            ToggleMa60 => "차트: MA60 켜기/끄기",
            ToggleMa120 => "차트: MA120 켜기/끄기",
            Refresh => "화면의 모든 자료를 지금 다시 받기",
            Tape => "체결 창 보이기/숨기기 (따로 자리가 없는 화면에서)",
            Rankings => "순위 보기/닫기: 거래량, 거래대금, 상승률, 하락률 (←→ 종류, tab 시장)",
            NewAlert => "연 종목에 알림 추가 (조건과 기준을 묻습니다)",
            AlertsView => "알림 보기/닫기: 규칙, 상태, 발동 기록 (고치기, 지우기)",
        }
    }

    /// The keys of the rankings view, for its bottom line.
    pub fn rank_hint(self, kind: &str, market: &str, open: &str, add: &str, close: &str) -> String {
        match self {
            Lang::Ko => format!(
                "{kind} 종류 · {market} 시장 · {open} 열기 · {add} 관심목록에 추가 · {close} 닫기"
            ),
            Lang::En => format!(
                "{kind} ranking · {market} market · {open} open · {add} add to watchlist · {close} close"
            ),
        }
    }

    /// A rule's condition for people: `현재가 ≥ 100,000`, `등락률 ≤ -5.00%`, `상한가`.
    pub fn alert_rule(self, c: &crate::market::alert::Condition) -> String {
        use crate::market::alert::Condition::*;
        let ko = self == Lang::Ko;
        let pct = |r: crate::market::Rate| {
            if r.0 > 0 {
                format!("+{r}%")
            } else {
                format!("{r}%")
            }
        };
        match *c {
            PriceAtOrAbove(p) => format!("{} ≥ {}", if ko { "현재가" } else { "price" }, p),
            PriceAtOrBelow(p) => format!("{} ≤ {}", if ko { "현재가" } else { "price" }, p),
            ChangeRateAbove(r) => format!("{} ≥ {}", if ko { "등락률" } else { "change" }, pct(r)),
            ChangeRateBelow(r) => format!("{} ≤ {}", if ko { "등락률" } else { "change" }, pct(r)),
            LimitUp => (if ko { "상한가" } else { "limit up" }).to_string(),
            LimitDown => (if ko { "하한가" } else { "limit down" }).to_string(),
            Vi => (if ko { "VI 발동" } else { "VI" }).to_string(),
            VolumeRatioAbove(x) => format!(
                "{} ≥ {}.{:02}×",
                if ko { "거래량" } else { "volume" },
                x / 100,
                x % 100
            ),
        }
    }

    /// What an alert saw when it fired: `100,500 (기준 100,000)`.
    pub fn alert_value(self, f: &crate::market::alert::Firing) -> String {
        use crate::market::alert::Reading;
        let v = match f.value {
            Reading::Flag(_) => return String::new(),
            v => v.to_string(),
        };
        match f.threshold {
            Some(t) => format!("{v} ({} {t})", self.t().alert_threshold),
            None => v,
        }
    }

    /// The alerts view's keys.
    pub fn alerts_hint(self, new: &str, edit: &str, delete: &str, close: &str) -> String {
        match self {
            Lang::Ko => {
                format!("{new} 연 종목에 추가 · {edit} 고치기 · {delete} 지우기 · {close} 닫기")
            }
            Lang::En => format!(
                "{new} new on the open stock · {edit} edit · {delete} delete · {close} close"
            ),
        }
    }

    /// The alert form's keys.
    pub fn alert_form_hint(self, kind: &str, save: &str, cancel: &str) -> String {
        match self {
            Lang::Ko => format!("{kind} 조건 · 숫자 입력 · {save} 저장 · {cancel} 취소"),
            Lang::En => {
                format!("{kind} condition · type the number · {save} save · {cancel} cancel")
            }
        }
    }

    /// The toast's last line: how to see the log, how to dismiss.
    pub fn toast_hint(self, view: &str, close: &str, more: usize) -> String {
        match (self, more) {
            (Lang::Ko, 0) => format!("{view} 알림 보기 · {close} 닫기"),
            (Lang::Ko, n) => format!("외 {n}건 · {view} 알림 보기 · {close} 닫기"),
            (Lang::En, 0) => format!("{view} alerts · {close} dismiss"),
            (Lang::En, n) => format!("{n} more · {view} alerts · {close} dismiss"),
        }
    }

    /// The investor flows and VI of a stock, in a failure.
    pub fn what_flows(self, code: &str) -> String {
        match self {
            Lang::Ko => format!("{code} 투자자·VI"),
            Lang::En => format!("investors and VI of {code}"),
        }
    }

    /// The ranking's name in a failure.
    pub fn what_ranking(self, kind: crate::market::RankKind) -> String {
        let i = crate::market::RankKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0);
        let name = self.t().rank_kinds[i];
        match self {
            Lang::Ko => format!("{name} 순위"),
            Lang::En => format!("{name} ranking"),
        }
    }

    /// A market cap or traded value: 조/억/만 in Korean, T/B/M in English.
    pub fn money(self, won: i64) -> String {
        match self {
            Lang::Ko => crate::market::money::fmt_eok(won),
            Lang::En => {
                let one = |unit: i64, suffix: &str| {
                    let tenths = won / (unit / 10);
                    format!("{}.{}{suffix}", group_thousands(tenths / 10), tenths % 10)
                };
                if won >= 1_000_000_000_000 {
                    one(1_000_000_000_000, "T")
                } else if won >= 1_000_000_000 {
                    one(1_000_000_000, "B")
                } else {
                    one(1_000_000, "M")
                }
            }
        }
    }

    // Messages with values.

    pub fn loading_chart(self, p: Interval) -> String {
        match self {
            Lang::Ko => format!("{}봉 불러오는 중…", self.interval(p)),
            Lang::En => format!("loading {} chart…", p.code()),
        }
    }

    pub fn retry_in(self, secs: i64) -> String {
        match self {
            Lang::Ko => format!("재시도 {secs}s"),
            Lang::En => format!("retry {secs}s"),
        }
    }

    /// `⚠ 호가 005930 실패 10:15:02: 연결 거부`.
    pub fn failed(self, what: &str, at: &str, message: &str) -> String {
        match self {
            Lang::Ko => format!("⚠ {what} 실패 {at}: {message}"),
            Lang::En => format!("⚠ {what} failed at {at}: {message}"),
        }
    }

    pub fn error_at(self, message: &str, at: &str) -> String {
        match self {
            Lang::Ko => format!("⚠ {message} ({at})"),
            Lang::En => format!("⚠ {message} (at {at})"),
        }
    }

    pub fn what_quote(self, code: &str) -> String {
        match self {
            Lang::Ko => format!("시세 {code}"),
            Lang::En => format!("quote {code}"),
        }
    }

    pub fn what_book(self, code: &str) -> String {
        match self {
            Lang::Ko => format!("호가 {code}"),
            Lang::En => format!("order book {code}"),
        }
    }

    pub fn what_chart(self, p: Interval, code: &str) -> String {
        match self {
            Lang::Ko => format!("{}봉 {code}", self.interval(p)),
            Lang::En => format!("{} chart {code}", p.code()),
        }
    }

    pub fn what_info(self, code: &str) -> String {
        match self {
            Lang::Ko => format!("종목정보 {code}"),
            Lang::En => format!("info {code}"),
        }
    }

    pub fn needs(self, w: u16, h: u16, now_w: u16, now_h: u16) -> [String; 2] {
        match self {
            Lang::Ko => [
                format!("hoga는 {w}×{h} 필요"),
                format!("현재 {now_w}×{now_h}"),
            ],
            Lang::En => [
                format!("hoga needs {w}×{h}"),
                format!("now {now_w}×{now_h}"),
            ],
        }
    }

    pub fn stock_list_unavailable(self, message: &str) -> String {
        match self {
            Lang::Ko => format!("종목 목록을 받을 수 없음: {message}"),
            Lang::En => format!("stock list unavailable: {message}"),
        }
    }

    pub fn stocks_type(self, n: usize, example: &str) -> String {
        match self {
            Lang::Ko => format!("{n}종목: 코드, {example} 입력"),
            Lang::En => format!("{n} stocks: type a code, {example}"),
        }
    }

    pub fn rename_title(self, list: &str) -> String {
        match self {
            Lang::Ko => format!("{list} 이름 바꾸기"),
            Lang::En => format!("Rename {list}"),
        }
    }

    pub fn delete_title(self, list: &str, n: usize) -> String {
        match self {
            Lang::Ko => format!("{list} 삭제? ({n}종목)"),
            Lang::En => format!("Delete {list}? ({n} stocks)"),
        }
    }

    pub fn spread(self, ticks: impl std::fmt::Display) -> String {
        match self {
            Lang::Ko => format!("스프레드 {ticks}틱"),
            Lang::En => format!("spread {ticks} tick"),
        }
    }

    pub fn no_such_list(self, n: usize, lists: usize, new_key: &str) -> String {
        match self {
            Lang::Ko => {
                format!("관심목록 {n}번은 없습니다 ({lists}개; {new_key} 새로 만들기)")
            }
            Lang::En => {
                format!("there is no watchlist {n} ({lists} lists; {new_key} creates one)")
            }
        }
    }

    pub fn list_exists(self, name: &str) -> String {
        match self {
            Lang::Ko => format!("{name} 목록이 이미 있습니다"),
            Lang::En => format!("a list named {name} exists already"),
        }
    }

    pub fn created(self, name: &str, search: &str, add: &str) -> String {
        match self {
            Lang::Ko => format!("{name} 만듦: {search} 검색, {add} 추가"),
            Lang::En => format!("created {name}: {search} to search, {add} to add"),
        }
    }

    pub fn renamed(self, old: &str, name: &str) -> String {
        match self {
            Lang::Ko => format!("{old} → {name} 이름 바꿈"),
            Lang::En => format!("renamed {old} to {name}"),
        }
    }

    pub fn deleted(self, name: &str, n: usize) -> String {
        match self {
            Lang::Ko => format!("{name} 삭제 ({n}종목)"),
            Lang::En => format!("deleted {name} ({n} stocks)"),
        }
    }

    /// The KIS server a badge names: 실서버 / 모의투자 (real / virtual).
    pub fn env(self, env: crate::market::Env) -> &'static str {
        match (self, env) {
            (Lang::Ko, crate::market::Env::Real) => "실서버",
            (Lang::Ko, crate::market::Env::Virtual) => "모의투자",
            (Lang::En, e) => e.label(),
        }
    }

    /// `지연 10:31:05부터` / `STALE since 10:31:05`.
    pub fn stale_since(self, hms: &str) -> String {
        match self {
            Lang::Ko => format!("지연 {hms}부터"),
            Lang::En => format!("STALE since {hms}"),
        }
    }

    /// The open breaker with its countdown (`Some(n)`, n > 0), probing (`Some(0)`), or bare.
    pub fn breaker(self, secs: Option<i64>) -> String {
        let b = self.t().badge_breaker;
        match (self, secs) {
            (Lang::Ko, Some(n)) if n > 0 => format!("{b} {n}s 후 재시도"),
            (Lang::Ko, Some(_)) => format!("{b} 확인 중…"),
            (Lang::En, Some(n)) if n > 0 => format!("{b} retry in {n}s"),
            (Lang::En, Some(_)) => format!("{b} probing…"),
            (_, None) => b.to_string(),
        }
    }

    /// `KIS 실서버 연결 중…` / `KIS real connecting…`.
    pub fn connecting(self, env: crate::market::Env) -> String {
        match self {
            Lang::Ko => format!("KIS {} 연결 중…", self.env(env)),
            Lang::En => format!("KIS {} connecting…", self.env(env)),
        }
    }

    /// The saved watchlists could not be read: the config's lists stand in (the file is kept).
    pub fn lists_unreadable(self, path: &str, why: &str) -> String {
        match self {
            Lang::Ko => format!("{path}을(를) 읽을 수 없음 ({why}): 설정의 목록을 씀"),
            Lang::En => format!("{path} is unreadable ({why}); using the config's lists"),
        }
    }

    /// The stream was down from `from` to `to` (KST times); `n` stocks fetched again.
    pub fn stream_gap(self, from: &str, to: &str, n: usize) -> String {
        match self {
            Lang::Ko => format!("스트림 끊김 {from}–{to}: {n}종목 REST로 다시 받음"),
            Lang::En => format!("stream was down {from}–{to}: {n} stocks fetched again over REST"),
        }
    }

    pub fn added(self, name: &str, list: &str) -> String {
        match self {
            Lang::Ko => format!("{list}에 {name} 추가"),
            Lang::En => format!("added {name} to {list}"),
        }
    }

    pub fn already_in(self, name: &str, list: &str) -> String {
        match self {
            Lang::Ko => format!("{name}: 이미 {list}에 있음"),
            Lang::En => format!("{name} is already in {list}"),
        }
    }

    pub fn removed(self, name: &str, undo: &str) -> String {
        match self {
            Lang::Ko => format!("{name} 삭제 · {undo} 되돌리기"),
            Lang::En => format!("removed {name} · {undo} to undo"),
        }
    }

    pub fn put_back(self, name: &str) -> String {
        match self {
            Lang::Ko => format!("{name} 되살림"),
            Lang::En => format!("put {name} back"),
        }
    }

    pub fn manual_order(self, sort_key: &str) -> String {
        match self {
            Lang::Ko => format!("수동 순서로 돌아감 ({sort_key} 다시 정렬)"),
            Lang::En => format!("manual order restored ({sort_key} sorts again)"),
        }
    }

    pub fn sorted_by(self, col: &str) -> String {
        match self {
            Lang::Ko => format!("{col} 순 정렬"),
            Lang::En => format!("sorted by {col}"),
        }
    }

    pub fn save_failed(self, dir: &str, e: &str) -> String {
        match self {
            Lang::Ko => format!("관심목록을 {dir}에 저장하지 못함: {e}"),
            Lang::En => format!("could not save watchlists in {dir}: {e}"),
        }
    }

    pub fn real_data_hint(self, config_file: &str) -> String {
        match self {
            Lang::Ko => format!(
                "실데이터: KIS_APP_KEY와 KIS_APP_SECRET, 또는 {config_file}의 [kis] app_key/app_secret 설정"
            ),
            Lang::En => format!(
                "real data: set KIS_APP_KEY and KIS_APP_SECRET, or [kis] app_key/app_secret in {config_file}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_parses_ko_and_en_only() {
        assert_eq!("ko".parse::<Lang>(), Ok(Lang::Ko));
        assert_eq!(" EN ".parse::<Lang>(), Ok(Lang::En));
        assert!("kr".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::Ko);
    }

    #[test]
    fn warnings_and_badges_in_both_languages() {
        let ko = Lang::Ko.lists_unreadable("/s/watchlists.json", "EOF");
        assert!(
            ko.contains("/s/watchlists.json") && ko.contains("읽을 수 없음"),
            "{ko}"
        );
        let en = Lang::En.lists_unreadable("/s/watchlists.json", "EOF");
        assert!(en.contains("unreadable"), "{en}");
        assert_eq!(Lang::Ko.breaker(Some(42)), "접속 차단 42s 후 재시도");
        assert_eq!(Lang::En.breaker(Some(0)), "BREAKER OPEN probing…");
        assert_eq!(Lang::Ko.stale_since("10:31:05"), "지연 10:31:05부터");
        assert_eq!(
            Lang::En.connecting(crate::market::Env::Virtual),
            "KIS virtual connecting…"
        );
    }

    #[test]
    fn money_in_english_units() {
        assert_eq!(Lang::En.money(392_800_000_000_000), "392.8T");
        assert_eq!(Lang::En.money(1_234_500_000_000_000), "1,234.5T");
        assert_eq!(Lang::En.money(12_340_000_000), "12.3B");
        assert_eq!(Lang::En.money(5_600_000), "5.6M");
        assert_eq!(Lang::Ko.money(392_800_000_000_000), "392.8조");
    }

    #[test]
    fn every_session_has_a_korean_name() {
        for s in [
            Session::Holiday,
            Session::Closed,
            Session::PreOpenAuction,
            Session::Continuous,
            Session::ClosingAuction,
            Session::AfterHours,
        ] {
            let ko = Lang::Ko.session(s);
            assert!(!ko.is_ascii(), "{s:?}: {ko}");
            assert_eq!(Lang::En.session(s), s.label());
        }
    }

    #[test]
    fn every_action_has_korean_help() {
        for a in Action::ALL {
            let ko = Lang::Ko.action_help(*a);
            assert_ne!(ko, a.help(), "{a:?}");
            assert!(!ko.is_ascii(), "{a:?}: {ko}");
        }
    }
}

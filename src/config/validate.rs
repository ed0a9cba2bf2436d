//! Range and format checks that types alone cannot express. Every number has a range here
//! ([`RANGES`]; `config.example.toml` states each), colours, chart intervals and `[keys]` are
//! checked with the parsers the UI itself uses, so what loads is what runs.

use super::{Config, KeyBinding};
use crate::market::StockCode;
use crate::tui::action::{Action, Chord};
use crate::tui::state::{chart_period, parse_color};
use secrecy::ExposeSecret;

/// The allowed range of one integer key, checked at load.
pub(super) struct IntRange {
    pub key: &'static str,
    pub min: u64,
    pub max: u64,
    /// What the number counts, for the message.
    pub unit: &'static str,
    get: fn(&Config) -> Option<u64>,
}

impl IntRange {
    /// What a value of this key must be.
    pub fn expected(&self) -> String {
        format!(
            "expected an integer from {} to {} ({})",
            self.min, self.max, self.unit
        )
    }
}

const fn range(
    key: &'static str,
    min: u64,
    max: u64,
    unit: &'static str,
    get: fn(&Config) -> Option<u64>,
) -> IntRange {
    IntRange {
        key,
        min,
        max,
        unit,
        get,
    }
}

/// Thirty days: the longest a cache entry is kept or a value counts as fresh.
const MONTH_SECS: u64 = 30 * 24 * 60 * 60;
const HOUR_MS: u64 = 60 * 60 * 1000;

/// Every integer key and its range. Bounds keep each value far from where arithmetic on it
/// overflows (`DateTime + TimeDelta`, millisecond conversions, Redis `SET EX`) and within what
/// makes sense for the setting. A test checks that every integer key is listed here.
pub(super) const RANGES: &[IntRange] = &[
    range(
        "kis.requests_per_sec",
        1,
        1000,
        "requests per second",
        |c| c.kis.requests_per_sec.map(u64::from),
    ),
    range("kis.connect_timeout_ms", 1, 600_000, "milliseconds", |c| {
        Some(c.kis.connect_timeout_ms)
    }),
    range("kis.request_timeout_ms", 1, 600_000, "milliseconds", |c| {
        Some(c.kis.request_timeout_ms)
    }),
    range("kis.max_retries", 0, 20, "retries", |c| {
        Some(u64::from(c.kis.max_retries))
    }),
    range("kis.retry_budget_ms", 0, HOUR_MS, "milliseconds", |c| {
        Some(c.kis.retry_budget_ms)
    }),
    range("kis.token_refresh_margin_secs", 0, 43_200, "seconds", |c| {
        Some(c.kis.token_refresh_margin_secs)
    }),
    range("redis.timeout_ms", 1, 60_000, "milliseconds", |c| {
        Some(c.redis.timeout_ms)
    }),
    range("redis.retry_after_ms", 0, HOUR_MS, "milliseconds", |c| {
        Some(c.redis.retry_after_ms)
    }),
    range("cache.price_fresh_ms", 0, HOUR_MS, "milliseconds", |c| {
        Some(c.cache.price_fresh_ms)
    }),
    range("cache.price_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.price_ttl_secs)
    }),
    range(
        "cache.orderbook_fresh_ms",
        0,
        HOUR_MS,
        "milliseconds",
        |c| Some(c.cache.orderbook_fresh_ms),
    ),
    range("cache.orderbook_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.orderbook_ttl_secs)
    }),
    range("cache.chart_fresh_secs", 0, MONTH_SECS, "seconds", |c| {
        Some(c.cache.chart_fresh_secs)
    }),
    range("cache.chart_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.chart_ttl_secs)
    }),
    range("cache.info_fresh_secs", 0, MONTH_SECS, "seconds", |c| {
        Some(c.cache.info_fresh_secs)
    }),
    range("cache.info_ttl_secs", 1, MONTH_SECS, "seconds", |c| {
        Some(c.cache.info_ttl_secs)
    }),
    range("cache.memory_capacity", 1, 10_000_000, "entries", |c| {
        Some(c.cache.memory_capacity as u64)
    }),
    range("breaker.failure_threshold", 1, 1000, "failures", |c| {
        Some(u64::from(c.breaker.failure_threshold))
    }),
    range("breaker.open_secs", 1, 86_400, "seconds", |c| {
        Some(c.breaker.open_secs)
    }),
    range("ingest.batch_size", 1, 100_000, "bars", |c| {
        Some(c.ingest.batch_size as u64)
    }),
    range("ingest.concurrency", 1, 256, "requests", |c| {
        Some(c.ingest.concurrency as u64)
    }),
    range("ui.max_fps", 1, 240, "frames per second", |c| {
        Some(u64::from(c.ui.max_fps))
    }),
    range("ui.flash_ms", 0, 60_000, "milliseconds", |c| {
        Some(c.ui.flash_ms)
    }),
];

/// The range of an integer key, if it is one.
pub(super) fn int_range(key: &str) -> Option<&'static IntRange> {
    RANGES.iter().find(|r| r.key == key)
}

fn valid_url(s: &str, schemes: &[&str]) -> Result<(), String> {
    match reqwest::Url::parse(s.trim()) {
        Ok(u) if schemes.contains(&u.scheme()) => Ok(()),
        Ok(u) => Err(format!(
            "expected a {} URL, found scheme {:?}",
            schemes.join(" or "),
            u.scheme()
        )),
        Err(e) => Err(format!("expected a URL ({e})")),
    }
}

/// Range and format checks that types alone cannot express: (dotted key, what was expected),
/// every problem at once.
pub(super) fn validate(c: &Config) -> Vec<(String, String)> {
    let mut errs: Vec<(String, String)> = Vec::new();
    let mut fail = |key: &str, msg: &str| errs.push((key.to_string(), msg.to_string()));
    let k = &c.kis;
    for (name, v) in [
        ("kis.app_key", &k.app_key),
        ("kis.app_secret", &k.app_secret),
    ] {
        if v.as_ref()
            .is_some_and(|s| s.expose_secret().trim().is_empty())
        {
            fail(name, "expected a non-empty string (or leave it out)");
        }
    }
    for r in RANGES {
        if let Some(v) = (r.get)(c)
            && !(r.min..=r.max).contains(&v)
        {
            fail(r.key, &r.expected());
        }
    }
    if !(k.rate_share > 0.0 && k.rate_share <= 1.0) {
        fail(
            "kis.rate_share",
            "expected a number greater than 0 and at most 1",
        );
    }
    if k.custtype != "P" && k.custtype != "B" {
        fail(
            "kis.custtype",
            "expected \"P\" (individual) or \"B\" (corporate)",
        );
    }
    let mut urls: Vec<(&str, &str, &[&str])> = Vec::new();
    if let Some(u) = &k.base_url {
        urls.push(("kis.base_url", u, &["http", "https"]));
    }
    if let Some(u) = &k.ws_url {
        urls.push(("kis.ws_url", u, &["ws", "wss"]));
    }
    urls.push(("kis.master_url", &k.master_url, &["http", "https", "file"]));
    urls.push((
        "redis.url",
        &c.redis.url,
        &["redis", "rediss", "unix", "redis+unix"],
    ));
    for (key, url, schemes) in urls {
        if let Err(e) = valid_url(url, schemes) {
            fail(key, &e);
        }
    }
    if c.redis.key_prefix.trim().is_empty() {
        fail("redis.key_prefix", "expected a non-empty string");
    }
    for (i, list) in c.watchlist.lists.iter().enumerate() {
        if list.name.trim().is_empty() {
            fail(
                &format!("watchlist.lists[{i}].name"),
                "expected a non-empty name",
            );
        }
        for (j, code) in list.codes.iter().enumerate() {
            if let Err(e) = StockCode::new(code) {
                fail(&format!("watchlist.lists[{i}].codes[{j}]"), &e.to_string());
            }
        }
    }
    let store = c.ingest.store.trim();
    if !(store.is_empty()
        || store.starts_with("sqlite:")
        || store.starts_with("postgres://")
        || store.starts_with("postgresql://"))
    {
        fail(
            "ingest.store",
            "expected \"\" (SQLite in the data dir), \"sqlite:PATH\" or \"postgres://...\"",
        );
    }
    for (key, colour) in [
        ("ui.up_color", &c.ui.up_color),
        ("ui.down_color", &c.ui.down_color),
    ] {
        if let Err(e) = parse_color(colour) {
            fail(key, &e);
        }
    }
    if let Err(e) = chart_period(&c.ui.default_interval) {
        fail("ui.default_interval", &e);
    }
    for (action, binding) in &c.keys {
        if let Err(e) = check_binding(action, binding) {
            fail(&format!("keys.{action}"), &e);
        }
    }
    errs
}

/// Problems that do not stop hoga but change what it does: told at load (`--check-config`
/// shows them, the TUI prints them before it starts, headless modes log them).
pub(super) fn warnings(c: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(missing) = c.kis.missing_credential() {
        let given = if missing == "app_secret" {
            "app_key"
        } else {
            "app_secret"
        };
        let var = format!("KIS_{}", missing.to_ascii_uppercase());
        out.push(format!(
            "kis.{given} is set but kis.{missing} is not: both are needed, so hoga shows the \
             simulated market (and --source kis fails); set [kis] {missing} or {var}"
        ));
    }
    out
}

/// One `[keys]` entry, checked with the UI's own action names and key-chord parser.
fn check_binding(action: &str, binding: &KeyBinding) -> Result<(), String> {
    Action::from_name(action)?;
    let keys: Vec<&String> = match binding {
        KeyBinding::One(k) => vec![k],
        KeyBinding::Many(v) => v.iter().collect(),
    };
    if keys.is_empty() {
        return Err("expected a key such as \"q\" or a list such as [\"q\", \"ctrl-c\"]".into());
    }
    for k in keys {
        Chord::parse(k).map_err(|e| {
            format!("{e}: expected a key such as \"q\", \"G\", \"ctrl-d\", \"shift-tab\", \"f5\", \"space\"")
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EXAMPLE_CONFIG;
    use crate::config::env::{Kind, env_var_name, schema};
    use crate::config::load::tests::load_str;
    use crate::tui::app::{initial_period, settings};

    #[test]
    fn every_integer_key_has_a_range_and_the_example_states_it() {
        let mut integers = Vec::new();
        for (section, keys) in schema() {
            for (key, kind) in keys {
                let dotted = format!("{section}.{key}");
                match kind {
                    Kind::Integer => integers.push(dotted),
                    Kind::Float => assert_eq!(dotted, "kis.rate_share", "a float without a check"),
                    _ => {}
                }
            }
        }
        assert!(integers.len() >= 20, "{integers:?}");
        for key in &integers {
            assert!(int_range(key).is_some(), "{key} has no range in RANGES");
        }
        assert_eq!(
            RANGES.len(),
            integers.len(),
            "a range for a key that is not one"
        );
        // The example states each range in the paragraph of the key.
        let paragraphs: Vec<&str> = EXAMPLE_CONFIG.split("\n\n").collect();
        for r in RANGES {
            let key = r.key.split_once('.').map_or(r.key, |(_, k)| k);
            let para = paragraphs
                .iter()
                .find(|p| {
                    p.lines().any(|l| {
                        l.trim_start_matches(['#', ' '])
                            .starts_with(&format!("{key} ="))
                    })
                })
                .unwrap_or_else(|| panic!("{} not in the example", r.key));
            let stated = format!("{} to {}", r.min, r.max);
            assert!(
                para.contains(&stated),
                "{}: example should say {stated:?}:\n{para}",
                r.key
            );
        }
    }

    #[test]
    fn every_range_is_enforced_at_both_ends_from_file_and_env() {
        for r in RANGES {
            let (section, key) = r.key.split_once('.').expect("dotted");
            let var = env_var_name(section, key);
            let file = |v: u64| format!("[{section}]\n{key} = {v}\n");
            for ok in [r.min, r.max] {
                load_str(&file(ok), &[]).unwrap_or_else(|e| panic!("{}={ok}: {e}", r.key));
            }
            let mut bad = vec![r.max + 1];
            if r.min > 0 {
                bad.push(r.min - 1);
            }
            for v in bad {
                let err = load_str(&file(v), &[]).expect_err(r.key);
                assert_eq!(err.key(), Some(r.key), "{err}");
                let msg = err.to_string();
                assert!(msg.starts_with("test.toml:2:1:"), "{msg}");
                assert!(msg.contains(&format!("{} to {}", r.min, r.max)), "{msg}");
                let err = load_str("", &[(&var, &v.to_string())]).expect_err(&var);
                assert_eq!(err.key(), Some(r.key), "{err}");
                assert!(err.to_string().contains(&var), "{err}");
            }
        }
    }

    #[test]
    fn huge_numbers_are_refused_naming_the_key_not_only_line_and_column() {
        // The values of issue 9: each used to load and then panic or misbehave later.
        for (var, val, key) in [
            (
                "HOGA_KIS_TOKEN_REFRESH_MARGIN_SECS",
                "9223372036854775807",
                "kis.token_refresh_margin_secs",
            ),
            (
                "HOGA_KIS_TOKEN_REFRESH_MARGIN_SECS",
                "1e13",
                "kis.token_refresh_margin_secs",
            ),
            (
                "HOGA_BREAKER_OPEN_SECS",
                "9223372036854775807",
                "breaker.open_secs",
            ),
            ("HOGA_BREAKER_OPEN_SECS", "1e11", "breaker.open_secs"),
            (
                "HOGA_BREAKER_OPEN_SECS",
                "100000000000",
                "breaker.open_secs",
            ),
            (
                "HOGA_CACHE_PRICE_TTL_SECS",
                "9223372036854775807",
                "cache.price_ttl_secs",
            ),
            (
                "HOGA_CACHE_PRICE_TTL_SECS",
                "99999999999999999999",
                "cache.price_ttl_secs",
            ),
            ("HOGA_KIS_MAX_RETRIES", "4294967296", "kis.max_retries"),
        ] {
            let err = load_str("", &[(var, val)]).expect_err(var);
            assert_eq!(err.key(), Some(key), "{var}={val}: {err}");
            let msg = err.to_string();
            assert!(
                msg.contains(var) && msg.contains("expected an integer from"),
                "{msg}"
            );
        }
        for (text, key, range) in [
            // Beyond i64: TOML itself refuses it, before any key is known.
            (
                "[kis]\ntoken_refresh_margin_secs = 99999999999999999999\n",
                "kis.token_refresh_margin_secs",
                "0 to 43200",
            ),
            (
                "[cache]\n\nprice_ttl_secs = 9223372036854775808 # i64::MAX + 1\n",
                "cache.price_ttl_secs",
                "1 to 2592000",
            ),
            // Beyond the field's type (u32) and negative for an unsigned one.
            (
                "[kis]\nmax_retries = 99999999999\n",
                "kis.max_retries",
                "0 to 20",
            ),
            ("[ui]\nmax_fps = -1\n", "ui.max_fps", "1 to 240"),
            (
                "[breaker]\nopen_secs = 9223372036854775807\n",
                "breaker.open_secs",
                "1 to 86400",
            ),
        ] {
            let err = load_str(text, &[]).expect_err(key);
            assert_eq!(err.key(), Some(key), "{text}: {err}");
            let msg = err.to_string();
            assert!(
                msg.contains(&format!("`{key}`")) && msg.contains(range),
                "{msg}"
            );
            assert!(msg.starts_with("test.toml:"), "{msg}");
        }
    }

    #[test]
    fn keys_are_checked_with_the_tui_parser_at_load() {
        for (text, env, key, needle) in [
            ("[keys]\nfly = \"x\"\n", None, "keys.fly", "unknown action"),
            ("[keys]\nquit = \"hyper-x\"\n", None, "keys.quit", "hyper-x"),
            (
                "[keys]\nquit = [\"q\", \"ctrl-\"]\n",
                None,
                "keys.quit",
                "ctrl-",
            ),
            (
                "",
                Some(("HOGA_KEYS_FLY", "x")),
                "keys.fly",
                "HOGA_KEYS_FLY",
            ),
            (
                "",
                Some(("HOGA_KEYS_QUIT", "f300")),
                "keys.quit",
                "HOGA_KEYS_QUIT",
            ),
        ] {
            let env: Vec<(&str, &str)> = env.into_iter().collect();
            let err = load_str(text, &env).expect_err(key);
            assert_eq!(err.key(), Some(key), "{err}");
            let msg = err.to_string();
            assert!(msg.contains(needle), "{msg}");
            if env.is_empty() {
                assert!(msg.starts_with("test.toml:2:1:"), "{msg}");
            }
        }
        // What loads, the TUI takes.
        let l = load_str(
            "[keys]\nquit = [\"x\", \"ctrl-q\"]\nhelp = \"f1\"\nsearch = \"space\"\n",
            &[("HOGA_KEYS_DOWN", "shift-down")],
        )
        .expect("valid keys");
        settings(&l.config).expect("the TUI accepts the keys the config accepted");
    }

    /// Strings a user might write for a colour: names in several spellings, indices, hex, junk.
    const COLOUR_CANDIDATES: &[&str] = &[
        "red",
        "Red",
        "RED",
        " red ",
        "blue",
        "light-blue",
        "lightblue",
        "light blue",
        "bright red",
        "grey",
        "gray",
        "dark-grey",
        "darkgray",
        "silver",
        "white",
        "black",
        "reset",
        "magenta",
        "lightcyan",
        "light_green",
        "0",
        "15",
        "236",
        "255",
        "256",
        "-1",
        "#FF0000",
        "#ff8800",
        "#ff8800 ",
        "#FFF",
        "#GG0000",
        "ff0000",
        "purple",
        "mauve",
        "",
        "  ",
        "red;",
        "🟥",
    ];

    #[test]
    fn every_colour_the_config_accepts_renders_and_vice_versa() {
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        use ratatui::style::Style;
        use ratatui::widgets::{Paragraph, Widget};
        let mut accepted = 0;
        for colour in COLOUR_CANDIDATES {
            let text = format!("[ui]\nup_color = {colour:?}\ndown_color = {colour:?}\n");
            let loaded = load_str(&text, &[]);
            let ui = crate::config::UiConfig {
                up_color: colour.to_string(),
                down_color: colour.to_string(),
                ..Default::default()
            };
            let theme = crate::tui::state::Theme::from_config(&ui);
            assert_eq!(
                loaded.is_ok(),
                theme.is_ok(),
                "{colour:?}: config {:?} but theme {:?}",
                loaded.as_ref().err().map(|e| e.to_string()),
                theme
            );
            let Ok(loaded) = loaded else { continue };
            accepted += 1;
            let theme = settings(&loaded.config).expect("TUI settings").theme;
            let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
            Paragraph::new("▲1")
                .style(Style::default().fg(theme.up).bg(theme.down))
                .render(buf.area, &mut buf);
            let expected = parse_color(colour).expect("accepted");
            assert_eq!(buf[(0, 0)].fg, expected, "{colour:?}");
            assert_eq!(buf[(0, 0)].bg, expected, "{colour:?}");
        }
        assert!(
            accepted >= 20 && accepted < COLOUR_CANDIDATES.len(),
            "{accepted}"
        );
    }

    #[test]
    fn default_interval_is_refused_at_load_unless_the_chart_can_show_it() {
        for interval in [
            "1m", "D", "d", "day", "W", "week", "M", "month", "Y", "y", "year", "H", "5m", "",
        ] {
            let text = format!("[ui]\ndefault_interval = {interval:?}\n");
            match (load_str(&text, &[]), chart_period(interval)) {
                (Ok(l), Ok(p)) => assert_eq!(initial_period(&l.config), p, "{interval:?}"),
                (Err(e), Err(_)) => {
                    assert_eq!(e.key(), Some("ui.default_interval"), "{e}");
                    assert!(e.to_string().starts_with("test.toml:2:1:"), "{e}");
                }
                (l, p) => panic!("{interval:?}: config {:?}, chart {p:?}", l.map(|_| ())),
            }
        }
        let err = load_str("[ui]\ndefault_interval = \"H\"\n", &[]).expect_err("H");
        assert!(
            err.to_string().contains(
                "\"1m\", \"3m\", \"5m\", \"10m\", \"30m\", \"60m\", \"D\", \"W\", \"M\", \"Y\""
            ),
            "{err}"
        );
    }

    #[test]
    fn half_credentials_warn_naming_the_missing_half() {
        let l = load_str("[kis]\napp_key = \"PSkey\"\n", &[]).expect("loads");
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(
            l.warnings[0].contains("kis.app_secret is not"),
            "{:?}",
            l.warnings
        );
        let l = load_str("", &[("KIS_APP_SECRET", "s3cr3t")]).expect("loads");
        assert!(
            l.warnings.iter().any(|w| w.contains("kis.app_key is not")),
            "{:?}",
            l.warnings
        );
        assert!(!l.warnings.iter().any(|w| w.contains("s3cr3t")));
        let l = load_str("", &[("KIS_APP_SECRET", "s"), ("KIS_APP_KEY", "k")]).expect("loads");
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        assert!(load_str("", &[]).expect("loads").warnings.is_empty());
    }

    #[test]
    fn every_out_of_range_value_is_reported_at_once() {
        let err = load_str(
            "[ui]\nmax_fps = 0\nup_color = \"mauve\"\n[kis]\nrate_share = 2.0\n",
            &[("HOGA_BREAKER_OPEN_SECS", "0")],
        )
        .expect_err("four problems");
        assert_eq!(
            err.keys(),
            vec![
                "breaker.open_secs",
                "ui.max_fps",
                "kis.rate_share",
                "ui.up_color",
            ]
        );
        let msg = err.to_string();
        assert_eq!(msg.lines().count(), 4, "{msg}");
        assert!(msg.contains("test.toml:5:1: key `kis.rate_share`"), "{msg}");
        assert!(
            msg.contains("environment variable HOGA_BREAKER_OPEN_SECS: key `breaker.open_secs`"),
            "{msg}"
        );
        assert!(msg.contains("test.toml:3:1: key `ui.up_color`"), "{msg}");
    }

    #[test]
    fn validation_covers_codes_colours_intervals_urls() {
        for (text, key) in [
            (
                "[[watchlist.lists]]\nname = \"a\"\ncodes = [\"005930\", \"5930\"]\n",
                "watchlist.lists[0].codes[1]",
            ),
            ("[ui]\nup_color = \"purple\"\n", "ui.up_color"),
            ("[ui]\ndefault_interval = \"15m\"\n", "ui.default_interval"),
            ("[kis]\nbase_url = \"not a url\"\n", "kis.base_url"),
            ("[kis]\nws_url = \"http://x\"\n", "kis.ws_url"),
            ("[redis]\nurl = \"http://127.0.0.1\"\n", "redis.url"),
            ("[kis]\nrequests_per_sec = 0\n", "kis.requests_per_sec"),
            ("[kis]\ncusttype = \"X\"\n", "kis.custtype"),
            ("[ingest]\nstore = \"mysql://x\"\n", "ingest.store"),
            ("[keys]\nquit = []\n", "keys.quit"),
        ] {
            let err = load_str(text, &[]).expect_err(key);
            assert_eq!(err.key(), Some(key), "{err}");
        }
        let ok = load_str(
            "[ui]\nup_color = \"#FF0000\"\ndown_color = \"light-blue\"\n",
            &[],
        )
        .expect("valid colours");
        assert_eq!(ok.config.ui.up_color, "#FF0000");
    }
}

//! Range and format checks that types alone cannot express.

use super::{Config, KeyBinding};
use crate::market::StockCode;
use secrecy::ExposeSecret;

/// Colour names the UI understands (ratatui's), besides `#rrggbb`.
pub(crate) const COLOR_NAMES: &[&str] = &[
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "grey",
    "darkgray",
    "darkgrey",
    "lightred",
    "lightgreen",
    "lightyellow",
    "lightblue",
    "lightmagenta",
    "lightcyan",
    "white",
    "reset",
];

fn valid_color(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
    COLOR_NAMES.contains(&t.as_str())
        || (t.len() == 7 && t.starts_with('#') && t[1..].chars().all(|c| c.is_ascii_hexdigit()))
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

/// Range and format checks that types alone cannot express: (dotted key, what was expected).
pub(super) fn validate(c: &Config) -> Vec<(String, String)> {
    let mut errs: Vec<(String, String)> = Vec::new();
    let mut check = |ok: bool, key: &str, msg: &str| {
        if !ok {
            errs.push((key.to_string(), msg.to_string()));
        }
    };
    let k = &c.kis;
    for (name, v) in [
        ("kis.app_key", &k.app_key),
        ("kis.app_secret", &k.app_secret),
    ] {
        if let Some(s) = v {
            check(
                !s.expose_secret().trim().is_empty(),
                name,
                "expected a non-empty string (or leave it out)",
            );
        }
    }
    check(
        k.requests_per_sec.is_none_or(|r| (1..=1000).contains(&r)),
        "kis.requests_per_sec",
        "expected an integer from 1 to 1000",
    );
    check(
        k.rate_share > 0.0 && k.rate_share <= 1.0,
        "kis.rate_share",
        "expected a number greater than 0 and at most 1",
    );
    check(
        k.custtype == "P" || k.custtype == "B",
        "kis.custtype",
        "expected \"P\" (individual) or \"B\" (corporate)",
    );
    check(
        k.connect_timeout_ms > 0,
        "kis.connect_timeout_ms",
        "expected a positive number of milliseconds",
    );
    check(
        k.request_timeout_ms > 0,
        "kis.request_timeout_ms",
        "expected a positive number of milliseconds",
    );
    check(
        k.max_retries <= 20,
        "kis.max_retries",
        "expected at most 20",
    );
    let mut url_errs = Vec::new();
    if let Some(u) = &k.base_url
        && let Err(e) = valid_url(u, &["http", "https"])
    {
        url_errs.push(("kis.base_url", e));
    }
    if let Some(u) = &k.ws_url
        && let Err(e) = valid_url(u, &["ws", "wss"])
    {
        url_errs.push(("kis.ws_url", e));
    }
    if let Err(e) = valid_url(&k.master_url, &["http", "https", "file"]) {
        url_errs.push(("kis.master_url", e));
    }
    if let Err(e) = valid_url(&c.redis.url, &["redis", "rediss", "unix", "redis+unix"]) {
        url_errs.push(("redis.url", e));
    }
    for (key, e) in url_errs {
        check(false, key, &e);
    }
    check(
        !c.redis.key_prefix.trim().is_empty(),
        "redis.key_prefix",
        "expected a non-empty string",
    );
    check(
        c.redis.timeout_ms > 0,
        "redis.timeout_ms",
        "expected a positive number of milliseconds",
    );
    let ca = &c.cache;
    check(
        ca.price_ttl_secs > 0,
        "cache.price_ttl_secs",
        "expected a positive number of seconds",
    );
    check(
        ca.orderbook_ttl_secs > 0,
        "cache.orderbook_ttl_secs",
        "expected a positive number of seconds",
    );
    check(
        ca.chart_ttl_secs > 0,
        "cache.chart_ttl_secs",
        "expected a positive number of seconds",
    );
    check(
        ca.info_ttl_secs > 0,
        "cache.info_ttl_secs",
        "expected a positive number of seconds",
    );
    check(
        ca.memory_capacity > 0,
        "cache.memory_capacity",
        "expected a positive number of entries",
    );
    check(
        c.breaker.failure_threshold >= 1,
        "breaker.failure_threshold",
        "expected an integer of at least 1",
    );
    check(
        c.breaker.open_secs >= 1,
        "breaker.open_secs",
        "expected at least 1 second",
    );
    for (i, list) in c.watchlist.lists.iter().enumerate() {
        check(
            !list.name.trim().is_empty(),
            &format!("watchlist.lists[{i}].name"),
            "expected a non-empty name",
        );
        for (j, code) in list.codes.iter().enumerate() {
            if let Err(e) = StockCode::new(code) {
                check(
                    false,
                    &format!("watchlist.lists[{i}].codes[{j}]"),
                    &e.to_string(),
                );
            }
        }
    }
    let store = c.ingest.store.trim();
    check(
        store.is_empty()
            || store.starts_with("sqlite:")
            || store.starts_with("postgres://")
            || store.starts_with("postgresql://"),
        "ingest.store",
        "expected \"\" (SQLite in the data dir), \"sqlite:PATH\" or \"postgres://...\"",
    );
    check(
        c.ingest.batch_size >= 1,
        "ingest.batch_size",
        "expected an integer of at least 1",
    );
    check(
        (1..=256).contains(&c.ingest.concurrency),
        "ingest.concurrency",
        "expected an integer from 1 to 256",
    );
    check(
        valid_color(&c.ui.up_color),
        "ui.up_color",
        "expected a colour name (red, blue, lightred, ...) or #rrggbb",
    );
    check(
        valid_color(&c.ui.down_color),
        "ui.down_color",
        "expected a colour name (red, blue, lightred, ...) or #rrggbb",
    );
    check(
        (1..=240).contains(&c.ui.max_fps),
        "ui.max_fps",
        "expected an integer from 1 to 240",
    );
    check(
        ["1m", "D", "W", "M", "Y"].contains(&c.ui.default_interval.as_str()),
        "ui.default_interval",
        "expected one of \"1m\", \"D\", \"W\", \"M\", \"Y\"",
    );
    for (action, binding) in &c.keys {
        let keys: Vec<&String> = match binding {
            KeyBinding::One(k) => vec![k],
            KeyBinding::Many(v) => v.iter().collect(),
        };
        check(
            !keys.is_empty() && keys.iter().all(|k| !k.trim().is_empty()),
            &format!("keys.{action}"),
            "expected a key such as \"q\" or a list such as [\"q\", \"ctrl-c\"]",
        );
    }
    errs
}

#[cfg(test)]
mod tests {
    use crate::config::load::tests::load_str;

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
                "kis.rate_share",
                "breaker.open_secs",
                "ui.up_color",
                "ui.max_fps"
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
            ("[ui]\ndefault_interval = \"5m\"\n", "ui.default_interval"),
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

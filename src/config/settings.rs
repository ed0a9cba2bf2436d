//! Each layer's typed settings, built once at load from the deserialized config: what is text in
//! the file becomes the domain type the layer takes (stock codes, the chart `Period`, colours,
//! key chords and actions, `custtype`, the store), parsed by that type's own parser, and what
//! does not parse is a problem naming its key. No layer reads the config itself, so what loads
//! is what runs.

use super::ranges::out_of_range;
use super::{Config, KeyBinding, KisConfig};
use crate::cache::{self, Lifetime, Lifetimes, RedisSettings};
use crate::feed::alerts::{ActionSettings, AlertSettings};
use crate::ingest;
use crate::kis::{self, BreakerSettings, ClientOptions, Credentials};
use crate::market::alert::{Rule, Tuning};
use crate::market::{Env, Interval, StockCode};
use crate::paths::Paths;
use crate::source::factory;
use crate::store::StoreSpec;
use crate::tui::UiSettings;
use crate::tui::action::{Action, Chord, Keymap};
use crate::tui::lang::Lang;
use crate::tui::state::{self, Theme, chart_period, parse_color};
use crate::tui::watchlist::Watchlist;
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::time::Duration;

/// Every layer's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The data path: the KIS client (`source.kis`), its wiring, the cache.
    pub source: factory::Settings,
    pub ingest: ingest::Settings,
    pub ui: UiSettings,
    /// `[[alerts]]` and `[alerts_settings]`: the config's rules, how they re-arm, what a
    /// firing does.
    pub alerts: AlertSettings,
}

/// A value that makes no setting: (dotted key, what was expected).
pub type Problem = (String, String);

impl Settings {
    /// Builds every layer's settings from `config`, with the directories of `paths`, or says
    /// what is wrong: every problem at once.
    pub fn build(config: &Config, paths: &Paths) -> Result<Settings, Vec<Problem>> {
        let mut p = Problems::default();
        for (key, secret) in [
            ("kis.app_key", &config.kis.app_key),
            ("kis.app_secret", &config.kis.app_secret),
        ] {
            if secret
                .as_ref()
                .is_some_and(|s| s.expose_secret().trim().is_empty())
            {
                p.add(key, "expected a non-empty string (or leave it out)");
            }
        }
        p.0.extend(out_of_range(config));
        let source = source_settings(config, paths, &mut p);
        let watchlists = watchlists(config, &mut p);
        let ingest = ingest_settings(config, paths, &watchlists, &mut p);
        let mut ui = ui_settings(config, paths, watchlists, &mut p);
        let alerts = alert_settings(config, paths, &mut p);
        ui.state.bell = alerts.actions.bell;
        ui.alerts = alerts.clone();
        if p.0.is_empty() {
            Ok(Settings {
                source,
                ingest,
                ui,
                alerts,
            })
        } else {
            Err(p.0)
        }
    }
}

/// Problems found so far. A value that does not parse leaves a stand-in behind so that the
/// remaining keys are still checked; settings with a problem are never returned.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, key: &str, message: &str) {
        self.0.push((key.to_string(), message.to_string()));
    }

    fn take<T>(&mut self, key: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|e| self.add(key, &e)).ok()
    }

    fn url(&mut self, key: &str, url: &str, schemes: &[&str]) {
        let checked = match reqwest::Url::parse(url.trim()) {
            Ok(u) if schemes.contains(&u.scheme()) => Ok(()),
            Ok(u) => Err(format!(
                "expected a {} URL, found scheme {:?}",
                schemes.join(" or "),
                u.scheme()
            )),
            Err(e) => Err(format!("expected a URL ({e})")),
        };
        self.take(key, checked);
    }
}

fn kis_settings(k: &KisConfig, config: &Config, p: &mut Problems) -> kis::Settings {
    if !(k.rate_share > 0.0 && k.rate_share <= 1.0) {
        p.add(
            "kis.rate_share",
            "expected a number greater than 0 and at most 1",
        );
    }
    let custtype = p
        .take("kis.custtype", k.custtype.parse())
        .unwrap_or_default();
    if let Some(u) = &k.base_url {
        p.url("kis.base_url", u, &["http", "https"]);
    }
    if let Some(u) = &k.ws_url {
        p.url("kis.ws_url", u, &["ws", "wss"]);
    }
    p.url("kis.master_url", &k.master_url, &["http", "https", "file"]);
    let accounts = accounts(k, p);
    kis::Settings {
        env: if k.virtual_server {
            Env::Virtual
        } else {
            Env::Real
        },
        base_url: k.effective_base_url(),
        ws_url: k.effective_ws_url(),
        master_url: k.master_url.clone(),
        credentials: accounts.first().map(|a| a.credentials.clone()),
        accounts,
        custtype,
        requests_per_sec: k.effective_rate(),
        rate_share: k.rate_share,
        connect_timeout: Duration::from_millis(k.connect_timeout_ms),
        request_timeout: Duration::from_millis(k.request_timeout_ms),
        max_retries: k.max_retries,
        retry_budget: Duration::from_millis(k.retry_budget_ms),
        token_refresh_margin: Duration::from_secs(k.token_refresh_margin_secs),
        stream: k.stream,
        ws_registrations: k.ws_registrations as usize,
        breaker: BreakerSettings {
            failure_threshold: config.breaker.failure_threshold,
            open: Duration::from_secs(config.breaker.open_secs),
        },
    }
}

/// The appkeys, numbered from 1: `[kis] app_key` (named `kis`) when set, then each
/// `[[kis.accounts]]` entry (both halves required, names unique).
fn accounts(k: &KisConfig, p: &mut Problems) -> Vec<kis::Account> {
    let mut out: Vec<kis::Account> = Credentials::new(&k.app_key, &k.app_secret)
        .map(|credentials| kis::Account {
            name: "kis".into(),
            credentials,
        })
        .into_iter()
        .collect();
    for (i, a) in k.accounts.iter().enumerate() {
        let key = format!("kis.accounts[{i}]");
        let Some(credentials) = Credentials::new(&a.app_key, &a.app_secret) else {
            p.add(
                &key,
                "expected both app_key and app_secret, as non-empty strings",
            );
            continue;
        };
        let name = match &a.name {
            Some(n) if n.trim().is_empty() => {
                p.add(
                    &format!("{key}.name"),
                    "expected a non-empty name (or leave it out)",
                );
                continue;
            }
            Some(n) => n.trim().to_string(),
            None => format!("account {}", out.len() + 1),
        };
        if out.iter().any(|o| o.name == name) {
            p.add(
                &format!("{key}.name"),
                &format!("{name:?} names another account too"),
            );
            continue;
        }
        out.push(kis::Account { name, credentials });
    }
    if out.len() > MAX_ACCOUNTS {
        p.add(
            "kis.accounts",
            &format!(
                "expected at most {MAX_ACCOUNTS} appkeys in all, found {}",
                out.len()
            ),
        );
    }
    out
}

pub use crate::kis::MAX_ACCOUNTS;

fn source_settings(config: &Config, paths: &Paths, p: &mut Problems) -> factory::Settings {
    let kis = kis_settings(&config.kis, config, p);
    let r = &config.redis;
    p.url(
        "redis.url",
        &r.url,
        &["redis", "rediss", "unix", "redis+unix"],
    );
    if r.key_prefix.trim().is_empty() {
        p.add("redis.key_prefix", "expected a non-empty string");
    }
    let redis = r.enabled.then(|| RedisSettings {
        url: r.url.clone(),
        timeout: Duration::from_millis(r.timeout_ms),
        retry_after: Duration::from_millis(r.retry_after_ms),
    });
    let mut client = ClientOptions::in_dirs(paths.state_dir.clone(), paths.data_dir.clone());
    if let Some(redis) = &redis {
        client.redis_url = Some(redis.url.clone());
        client.redis_prefix = r.key_prefix.clone();
        client.redis_timeout = redis.timeout;
        client.redis_retry_after = redis.retry_after;
    }
    let c = &config.cache;
    let lifetime = |fresh: Duration, ttl_secs: u64| Lifetime {
        fresh,
        ttl: Duration::from_secs(ttl_secs),
    };
    let cache = cache::Settings {
        lifetimes: Lifetimes {
            price: lifetime(Duration::from_millis(c.price_fresh_ms), c.price_ttl_secs),
            order_book: lifetime(
                Duration::from_millis(c.orderbook_fresh_ms),
                c.orderbook_ttl_secs,
            ),
            chart: lifetime(Duration::from_secs(c.chart_fresh_secs), c.chart_ttl_secs),
            info: lifetime(Duration::from_secs(c.info_fresh_secs), c.info_ttl_secs),
        },
        memory_capacity: c.memory_capacity,
        redis,
    };
    factory::Settings {
        kis,
        client,
        cache,
        key_prefix: r.key_prefix.clone(),
        // A bad store is reported once, by the ingest's settings.
        names_store: StoreSpec::parse(&config.ingest.store, &paths.data_dir).ok(),
    }
}

/// `[watchlist] lists`, each code a `StockCode`.
fn watchlists(config: &Config, p: &mut Problems) -> Vec<Watchlist> {
    let mut out = Vec::new();
    for (i, list) in config.watchlist.lists.iter().enumerate() {
        if list.name.trim().is_empty() {
            p.add(
                &format!("watchlist.lists[{i}].name"),
                "expected a non-empty name",
            );
        }
        let mut codes = Vec::new();
        for (j, code) in list.codes.iter().enumerate() {
            let key = format!("watchlist.lists[{i}].codes[{j}]");
            codes.extend(p.take(&key, StockCode::new(code).map_err(|e| e.to_string())));
        }
        out.push(Watchlist {
            name: list.name.clone(),
            codes,
        });
    }
    out
}

fn ingest_settings(
    config: &Config,
    paths: &Paths,
    watchlists: &[Watchlist],
    p: &mut Problems,
) -> ingest::Settings {
    let store = StoreSpec::parse(&config.ingest.store, &paths.data_dir).map_err(|e| e.to_string());
    let mut codes: Vec<StockCode> = watchlists.iter().flat_map(|l| l.codes.clone()).collect();
    codes.sort();
    codes.dedup();
    ingest::Settings {
        store: p
            .take("ingest.store", store)
            .unwrap_or_else(|| StoreSpec::Sqlite(paths.data_dir.clone())),
        data_dir: paths.data_dir.clone(),
        batch_size: config.ingest.batch_size,
        concurrency: config.ingest.concurrency,
        delist_after_days: config.ingest.delist_after_days,
        watchlist_codes: codes,
    }
}

fn ui_settings(
    config: &Config,
    paths: &Paths,
    watchlists: Vec<Watchlist>,
    p: &mut Problems,
) -> UiSettings {
    let ui = &config.ui;
    let mut colour = |key: &str, text: &str| p.take(key, parse_color(text));
    let theme = Theme {
        up: colour("ui.up_color", &ui.up_color).unwrap_or(Theme::default().up),
        down: colour("ui.down_color", &ui.down_color).unwrap_or(Theme::default().down),
        ..Theme::default()
    };
    let initial_period = p
        .take("ui.default_interval", chart_period(&ui.default_interval))
        .unwrap_or(Interval::Day);
    let lang = p
        .take("ui.lang", ui.lang.parse::<Lang>())
        .unwrap_or_default();
    let mut keys = BTreeMap::new();
    for (name, binding) in &config.keys {
        let key = format!("keys.{name}");
        if let Some((action, chords)) = p.take(&key, binding_of(name, binding)) {
            keys.insert(action, chords);
        }
    }
    UiSettings {
        state: state::Settings {
            keymap: Keymap::new(&keys),
            theme,
            flash: chrono::Duration::from_std(Duration::from_millis(ui.flash_ms))
                .unwrap_or_else(|_| chrono::Duration::milliseconds(600)),
            mouse: ui.mouse,
            lang,
            bell: true,
        },
        max_fps: ui.max_fps,
        initial_period,
        watchlists,
        state_dir: paths.state_dir.clone(),
        config_file: paths.config_file.clone(),
        alerts: Default::default(),
    }
}

/// `[[alerts]]`, each a stock code and one condition key (checked by the rule parser the
/// monitor's rules file uses), and `[alerts_settings]`.
fn alert_settings(config: &Config, paths: &Paths, p: &mut Problems) -> AlertSettings {
    let mut rules: Vec<Rule> = Vec::with_capacity(config.alerts.len());
    for (i, spec) in config.alerts.iter().enumerate() {
        match spec.to_rule() {
            Ok(rule) => rules.push(rule),
            Err(e) if e.key.is_empty() => p.add(&format!("alerts[{i}]"), &e.message),
            Err(e) => p.add(&format!("alerts[{i}].{}", e.key), &e.message),
        }
    }
    let a = &config.alerts_settings;
    if a.command.first().is_some_and(|c| c.trim().is_empty()) {
        p.add(
            "alerts_settings.command",
            "expected a program and its arguments, such as [\"notify-me\", \"--urgent\"] \
             (or [] for none)",
        );
    }
    // Out-of-range values are reported by the ranges; a stand-in keeps the rest checked.
    let band = if a.hysteresis_pct.is_finite() && a.hysteresis_pct >= 0.0 {
        (a.hysteresis_pct * 100.0).round().min(f64::from(i32::MAX)) as i32
    } else {
        0
    };
    AlertSettings {
        rules,
        tuning: Tuning {
            band: crate::market::Rate(band),
            vi_rearm: chrono::Duration::seconds(
                i64::try_from(a.vi_rearm_secs.min(86_400)).unwrap_or(600),
            ),
        },
        actions: ActionSettings {
            bell: a.bell,
            desktop_notification: a.desktop_notification,
            command: a.command.clone(),
            command_timeout: Duration::from_secs(a.command_timeout_secs),
        },
        state_dir: paths.state_dir.clone(),
    }
}

/// One `[keys]` entry, by the UI's own action names and key-chord parser.
fn binding_of(action: &str, binding: &KeyBinding) -> Result<(Action, Vec<Chord>), String> {
    let action = Action::from_name(action)?;
    let keys: Vec<&String> = match binding {
        KeyBinding::One(k) => vec![k],
        KeyBinding::Many(v) => v.iter().collect(),
    };
    if keys.is_empty() {
        return Err("expected a key such as \"q\" or a list such as [\"q\", \"ctrl-c\"]".into());
    }
    let chords = keys
        .iter()
        .map(|k| {
            Chord::parse(k).map_err(|e| {
                format!(
                    "{e}: expected a key such as \"q\", \"G\", \"ctrl-d\", \"shift-tab\", \"f5\", \
                     \"space\""
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((action, chords))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::tests::load_str;
    use crate::source::factory::{SourceChoice, build, cache_prefix, kis_source, resolve};

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
        let km = &l.settings.ui.state.keymap;
        assert_eq!(km.keys_label(Action::Quit), "x, ctrl-q");
        assert_eq!(km.keys_label(Action::Help), "f1");
        assert_eq!(km.keys_label(Action::Search), "space");
        assert_eq!(km.keys_label(Action::Down), "shift-down");
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
            let parsed = parse_color(colour);
            assert_eq!(
                loaded.is_ok(),
                parsed.is_ok(),
                "{colour:?}: config {:?} but the colour parser {parsed:?}",
                loaded.as_ref().err().map(|e| e.to_string()),
            );
            let Ok(loaded) = loaded else { continue };
            accepted += 1;
            let theme = loaded.settings.ui.state.theme;
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
                (Ok(l), Ok(p)) => assert_eq!(l.settings.ui.initial_period, p, "{interval:?}"),
                (Err(e), Err(_)) => {
                    assert_eq!(e.key(), Some("ui.default_interval"), "{e}");
                    assert!(e.to_string().starts_with("test.toml:2:1:"), "{e}");
                }
                (l, p) => panic!("{interval:?}: config {:?}, chart {p:?}", l.map(|_| ())),
            }
        }
        // "Y" used to load and then silently start on the daily chart. A value that is no
        // interval names those the chart shows, whichever they are.
        let err = load_str("[ui]\ndefault_interval = \"fortnight\"\n", &[]).expect_err("bad");
        for p in crate::market::Interval::ALL {
            assert!(
                err.to_string().contains(&format!("{:?}", p.code())),
                "{err}"
            );
        }
    }

    #[test]
    fn ui_lang_defaults_to_korean_and_reaches_the_ui_settings() {
        let l = load_str("", &[]).expect("loads");
        assert_eq!(l.settings.ui.state.lang, Lang::Ko);
        let l = load_str("[ui]\nlang = \"en\"\n", &[]).expect("loads");
        assert_eq!(l.settings.ui.state.lang, Lang::En);
        let l = load_str("", &[("HOGA_UI_LANG", "en")]).expect("loads");
        assert_eq!(l.settings.ui.state.lang, Lang::En);
        let err = load_str("[ui]\nlang = \"english\"\n", &[]).expect_err("refused");
        assert_eq!(err.key(), Some("ui.lang"), "{err}");
        assert!(err.to_string().contains("\"ko\" or \"en\""), "{err}");
    }

    #[test]
    fn accounts_follow_the_kis_key_are_checked_and_never_shown() {
        let two = "[kis]\napp_key = \"K1-secret-key\"\napp_secret = \"S1-secret\"\n\
                   [[kis.accounts]]\nname = \"batch-2\"\napp_key = \"K2-secret-key\"\n\
                   app_secret = \"S2-secret\"\n[[kis.accounts]]\napp_key = \"K3\"\n\
                   app_secret = \"S3\"\n";
        let l = load_str(two, &[]).expect("loads");
        let kis = &l.settings.source.kis;
        let names: Vec<&str> = kis.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["kis", "batch-2", "account 3"]);
        assert!(kis.has_credentials());
        let (on, a) = kis.on_account(2).expect("account 2");
        assert_eq!(a.name, "batch-2");
        assert_eq!(
            on.credentials
                .as_ref()
                .map(|c| c.app_key.expose_secret().to_string()),
            Some("K2-secret-key".to_string())
        );
        assert!(kis.on_account(0).is_none() && kis.on_account(4).is_none());
        let shown = format!("{:?} {:?}", l.settings, l.config);
        let toml = toml::to_string(&l.config).expect("serializes");
        for secret in ["K1-secret-key", "S1-secret", "K2-secret-key", "S2-secret"] {
            assert!(
                !shown.contains(secret) && !toml.contains(secret),
                "{secret}"
            );
        }
        // Without [kis] app_key the first account is appkey 1.
        let l = load_str(
            "[[kis.accounts]]\napp_key = \"K\"\napp_secret = \"S\"\n",
            &[],
        )
        .expect("loads");
        assert!(l.settings.source.kis.has_credentials());
        assert_eq!(l.settings.source.kis.accounts[0].name, "account 1");
        // Half an account, a blank or a repeated name: refused, naming the entry.
        let err = load_str("[[kis.accounts]]\napp_key = \"K\"\n", &[]).expect_err("half");
        assert!(err.to_string().contains("kis.accounts[0]"), "{err}");
        let err = load_str(
            "[[kis.accounts]]\nname = \"a\"\napp_key = \"K\"\napp_secret = \"S\"\n\
             [[kis.accounts]]\nname = \"a\"\napp_key = \"K2\"\napp_secret = \"S2\"\n",
            &[],
        )
        .expect_err("same name");
        assert!(err.to_string().contains("kis.accounts[1].name"), "{err}");
    }

    #[test]
    fn delist_after_days_is_range_checked() {
        let l = load_str("[ingest]\ndelist_after_days = 5\n", &[]).expect("loads");
        assert_eq!(l.settings.ingest.delist_after_days, 5);
        let err = load_str("[ingest]\ndelist_after_days = 0\n", &[]).expect_err("0");
        assert_eq!(err.key(), Some("ingest.delist_after_days"), "{err}");
        assert!(load_str("[ingest]\ndelist_after_days = 61\n", &[]).is_err());
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
            ("[ui]\ndefault_interval = \"5d\"\n", "ui.default_interval"),
            ("[ui]\nlang = \"jp\"\n", "ui.lang"),
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

    #[test]
    fn alerts_become_rules_and_their_settings() {
        use crate::market::alert::Condition;
        let l = load_str(
            "[alerts_settings]\nhysteresis_pct = 0.5\nvi_rearm_secs = 60\n\
             command = [\"sh\", \"-c\", \"cat\"]\n\
             [[alerts]]\ncode = \"005930\"\nprice_at_or_above = 100000\n\
             [[alerts]]\ncode = \"000660\"\nvolume_ratio_above = 2.5\nhysteresis_pct = 3\n",
            &[("HOGA_ALERTS_SETTINGS_COMMAND_TIMEOUT_SECS", "2")],
        )
        .expect("loads");
        let a = &l.settings.alerts;
        assert_eq!(a.rules.len(), 2);
        assert_eq!(
            a.rules[0].condition,
            Condition::PriceAtOrAbove(crate::market::Krw(100_000))
        );
        assert_eq!(a.rules[1].condition, Condition::VolumeRatioAbove(250));
        assert_eq!(a.rules[1].hysteresis, Some(crate::market::Rate(300)));
        assert_eq!(a.tuning.band, crate::market::Rate(50));
        assert_eq!(a.tuning.vi_rearm, chrono::Duration::seconds(60));
        assert_eq!(a.actions.command, ["sh", "-c", "cat"]);
        assert_eq!(a.actions.command_timeout, Duration::from_secs(2));
        assert!(a.actions.bell && !a.actions.desktop_notification);
        let err = load_str("[alerts_settings]\ncommand = [\"\"]\n", &[]).expect_err("blank");
        assert_eq!(err.key(), Some("alerts_settings.command"));
    }

    #[test]
    fn auto_picks_kis_only_with_credentials() {
        let l = load_str("", &[]).expect("loads");
        assert_eq!(
            resolve(&l.settings.source, SourceChoice::Auto),
            SourceChoice::Mock
        );
        let l = load_str("", &[("KIS_APP_KEY", "k"), ("KIS_APP_SECRET", "s")]).expect("loads");
        let s = &l.settings.source;
        assert_eq!(resolve(s, SourceChoice::Auto), SourceChoice::Kis);
        assert_eq!(resolve(s, SourceChoice::Mock), SourceChoice::Mock);
    }

    #[test]
    fn cache_keys_of_other_hosts_never_mix_with_kis() {
        let prefix =
            |env: &[(&str, &str)]| cache_prefix(&load_str("", env).expect("loads").settings.source);
        assert_eq!(prefix(&[]), "kis");
        assert_eq!(prefix(&[("HOGA_KIS_VIRTUAL", "true")]), "kis");
        let sim = prefix(&[("HOGA_KIS_BASE_URL", "http://127.0.0.1:18777")]);
        assert!(
            sim.starts_with("kis:") && sim.len() == "kis:".len() + 8,
            "{sim}"
        );
        assert_ne!(
            prefix(&[("HOGA_KIS_BASE_URL", "http://127.0.0.1:18778")]),
            sim
        );
        // A trailing slash is the same server.
        assert_eq!(
            prefix(&[("HOGA_KIS_BASE_URL", "http://127.0.0.1:18777/")]),
            sim
        );
    }

    #[test]
    fn the_ws_url_follows_the_server_unless_set() {
        let ws =
            |env: &[(&str, &str)]| load_str("", env).expect("loads").settings.source.kis.ws_url;
        assert_eq!(ws(&[]), kis::REAL_WS_URL);
        assert_eq!(ws(&[("HOGA_KIS_VIRTUAL", "true")]), kis::VIRTUAL_WS_URL);
        assert_eq!(
            ws(&[("HOGA_KIS_WS_URL", "ws://127.0.0.1:9")]),
            "ws://127.0.0.1:9"
        );
    }

    #[test]
    fn the_store_is_parsed_by_the_store_and_placed_in_the_data_dir() {
        let l = load_str("", &[]).expect("loads");
        let StoreSpec::Sqlite(path) = &l.settings.ingest.store else {
            panic!("{:?}", l.settings.ingest.store);
        };
        assert!(path.starts_with(&l.settings.ingest.data_dir), "{path:?}");
        let l = load_str(
            "[ingest]\nstore = \"postgres://u:pw@db/hoga?schema=s1\"\n",
            &[],
        )
        .expect("loads");
        assert!(matches!(
            l.settings.ingest.store,
            StoreSpec::Postgres { .. }
        ));
        // A bare database path is a store for `--store`, so it is one in the file too.
        let l = load_str("[ingest]\nstore = \"bars.db\"\n", &[]).expect("loads");
        assert_eq!(l.settings.ingest.store, StoreSpec::Sqlite("bars.db".into()));
        // Debug never shows a password of any URL the settings hold.
        let l = load_str(
            "[ingest]\nstore = \"postgres://u:pw@db/hoga\"\n[redis]\nurl = \"redis://:pw@r:6379/\"\n",
            &[
                ("HOGA_KIS_BASE_URL", "http://k:pw@127.0.0.1:9"),
                ("HOGA_KIS_WS_URL", "ws://k:pw@127.0.0.1:9"),
                ("HOGA_KIS_MASTER_URL", "https://k:pw@files.example/master"),
            ],
        )
        .expect("loads");
        let debug = format!("{:?}", l.settings);
        assert!(!debug.contains(":pw@"), "{debug}");
    }

    #[test]
    fn mock_is_built_without_credentials_and_kis_refuses() {
        let l = load_str("", &[]).expect("loads");
        let s = build(
            &l.settings.source,
            SourceChoice::Auto,
            crate::clock::system(),
        )
        .expect("the simulated market");
        assert_eq!(s.kind(), crate::source::SourceKind::Simulated);
        let r = kis_source(&l.settings.source, crate::clock::system());
        assert!(matches!(r, Err(crate::source::SourceError::Auth(_))));
    }
}

//! Environment overrides: `HOGA_<SECTION>_<KEY>` (and the seed names `KIS_APP_KEY`, ...)
//! parsed by the type the key takes and written into the TOML table before deserializing.

use super::Config;
use super::origin::{ConfigError, Origin};
use super::ranges::int_range;
use std::collections::BTreeMap;
use std::fmt;
use toml::{Table, Value};

/// Keys whose default is `None` (so they are absent from the serialized defaults the override
/// schema is built from), with an example value of their type.
pub(super) const OPTIONAL_KEYS: &[(&str, &str, Kind)] = &[
    ("kis", "app_key", Kind::String),
    ("kis", "app_secret", Kind::String),
    ("kis", "base_url", Kind::String),
    ("kis", "ws_url", Kind::String),
    ("kis", "requests_per_sec", Kind::Integer),
];

/// Older names for some keys, as in KIS's own sample code. The `HOGA_` name wins over these.
const SEED_VARS: &[(&str, &str, &str)] = &[
    ("KIS_APP_KEY", "kis", "app_key"),
    ("KIS_APP_SECRET", "kis", "app_secret"),
    ("KIS_USE_VIRTUAL_SERVER", "kis", "virtual"),
];

/// The environment the loader reads, injected so tests never touch the process environment.
#[derive(Clone, Default)]
pub struct EnvVars(BTreeMap<String, String>);

impl EnvVars {
    /// A snapshot of the process environment (variables that are not UTF-8 are skipped).
    pub fn from_process() -> EnvVars {
        EnvVars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        )
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> EnvVars {
        EnvVars(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value of `name`; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

// Values may be secrets: show only the names.
impl fmt::Debug for EnvVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The TOML type a key takes, for parsing its environment override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Integer,
    Float,
    Boolean,
    /// Arrays and tables: the variable holds a TOML value (`["005930", "000660"]`).
    Toml,
}

impl Kind {
    fn of(v: &Value) -> Kind {
        match v {
            Value::String(_) => Kind::String,
            Value::Integer(_) => Kind::Integer,
            Value::Float(_) => Kind::Float,
            Value::Boolean(_) => Kind::Boolean,
            _ => Kind::Toml,
        }
    }

    fn parse(self, raw: &str) -> Result<Value, String> {
        let t = raw.trim();
        match self {
            Kind::String => Ok(Value::String(raw.to_string())),
            Kind::Integer => t
                .replace('_', "")
                .parse::<i64>()
                .map(Value::Integer)
                .map_err(|_| "expected an integer".to_string()),
            Kind::Float => match t.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                _ => Err("expected a number".to_string()),
            },
            Kind::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" | "on" => Ok(Value::Boolean(true)),
                "false" | "0" | "no" | "n" | "off" => Ok(Value::Boolean(false)),
                _ => Err("expected a boolean (true/false, 1/0, yes/no)".to_string()),
            },
            Kind::Toml => parse_toml_value(t),
        }
    }
}

fn parse_toml_value(t: &str) -> Result<Value, String> {
    let mut doc: Table = toml::from_str(&format!("v = {t}")).map_err(|e| {
        format!(
            "expected a TOML value such as [\"a\", \"b\"]: {}",
            e.message().trim()
        )
    })?;
    doc.remove("v")
        .ok_or_else(|| "expected a TOML value".to_string())
}

/// The override schema: section → key → kind, from the serialized defaults plus the optional keys.
pub(super) fn schema() -> BTreeMap<String, BTreeMap<String, Kind>> {
    let mut out: BTreeMap<String, BTreeMap<String, Kind>> = BTreeMap::new();
    if let Ok(Value::Table(defaults)) = Value::try_from(Config::default()) {
        for (section, v) in defaults {
            let keys = out.entry(section).or_default();
            if let Value::Table(t) = v {
                for (k, v) in t {
                    keys.insert(k, Kind::of(&v));
                }
            }
        }
    }
    for (section, key, kind) in OPTIONAL_KEYS {
        out.entry(section.to_string())
            .or_default()
            .insert(key.to_string(), *kind);
    }
    out
}

/// The variable that overrides `section.key`.
pub(crate) fn env_var_name(section: &str, key: &str) -> String {
    format!(
        "HOGA_{}_{}",
        section.to_ascii_uppercase(),
        key.to_ascii_uppercase()
    )
}

/// Applies the environment to `table`; returns dotted key → the variable that set it.
pub(super) fn apply_env(
    table: &mut Table,
    env: &EnvVars,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let schema = schema();
    let mut set: Vec<(String, String, String, Kind)> = Vec::new(); // section, key, var, kind
    for (section, keys) in &schema {
        for (key, kind) in keys {
            let var = env_var_name(section, key);
            if env.get(&var).is_some() {
                set.push((section.clone(), key.clone(), var, *kind));
            } else if let Some((seed, _, _)) = SEED_VARS
                .iter()
                .find(|(v, s, k)| s == section && k == key && env.get(v).is_some())
            {
                set.push((section.clone(), key.clone(), seed.to_string(), *kind));
            }
        }
    }
    // `[keys]` is free-form (action → key or keys): HOGA_KEYS_<ACTION>.
    for (var, _) in env
        .0
        .iter()
        .filter(|(k, v)| k.starts_with("HOGA_KEYS_") && !v.is_empty())
    {
        let action = var["HOGA_KEYS_".len()..].to_ascii_lowercase();
        let kind = if env
            .get(var)
            .is_some_and(|v| v.trim_start().starts_with('['))
        {
            Kind::Toml
        } else {
            Kind::String
        };
        set.push(("keys".to_string(), action, var.clone(), kind));
    }
    // A HOGA_<SECTION>_ variable that matches no key is probably a typo.
    for var in env.0.keys() {
        let Some(rest) = var.strip_prefix("HOGA_") else {
            continue;
        };
        let known_section = schema
            .keys()
            .any(|s| rest.starts_with(&format!("{}_", s.to_ascii_uppercase())));
        if known_section && !set.iter().any(|(_, _, v, _)| v == var) && env.get(var).is_some() {
            warnings.push(format!(
                "environment variable {var} matches no config key; ignored"
            ));
        }
    }

    let mut applied = BTreeMap::new();
    for (section, key, var, kind) in set {
        let raw = env.get(&var).unwrap_or_default();
        let dotted = format!("{section}.{key}");
        let value = kind.parse(raw).map_err(|message| ConfigError::Key {
            origin: Origin::Env { var: var.clone() },
            message: match int_range(&dotted) {
                Some(r) if kind == Kind::Integer => r.expected(),
                _ => message,
            },
            key: dotted.clone(),
        })?;
        let entry = table
            .entry(section.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                t.insert(key, value);
            }
            // The file has `kis = 3`; deserialization reports that against the file.
            _ => continue,
        }
        applied.insert(dotted, var);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KeyBinding;
    use crate::config::load::tests::load_str;

    #[test]
    fn env_overrides_every_kind_of_key() {
        let l = load_str(
            "[kis]\nbase_url = \"http://file\"\n",
            &[
                ("HOGA_KIS_BASE_URL", "http://127.0.0.1:9/"),
                ("HOGA_REDIS_URL", "redis://127.0.0.1:6380/"),
                ("HOGA_KIS_VIRTUAL", "true"),
                ("HOGA_CACHE_PRICE_TTL_SECS", "5"),
                ("HOGA_KIS_RATE_SHARE", "0.5"),
                ("HOGA_KIS_REQUESTS_PER_SEC", "3"),
                ("HOGA_UI_MOUSE", "no"),
                (
                    "HOGA_WATCHLIST_LISTS",
                    r#"[{name = "mine", codes = ["005930"]}]"#,
                ),
                ("HOGA_KEYS_QUIT", r#"["q", "ctrl-c"]"#),
                ("HOGA_KEYS_HELP", "?"),
                ("HOGA_INGEST_STORE", ""), // empty counts as unset
            ],
        )
        .expect("loads");
        let c = &l.config;
        assert_eq!(c.kis.base_url.as_deref(), Some("http://127.0.0.1:9/"));
        assert_eq!(c.kis.effective_base_url(), "http://127.0.0.1:9");
        assert_eq!(c.redis.url, "redis://127.0.0.1:6380/");
        assert!(c.kis.virtual_server);
        assert_eq!(c.cache.price_ttl_secs, 5);
        assert_eq!(c.kis.rate_share, 0.5);
        assert_eq!(c.kis.requests_per_sec, Some(3));
        assert!(!c.ui.mouse);
        assert_eq!(c.watchlist.lists.len(), 1);
        assert_eq!(c.watchlist.lists[0].codes, vec!["005930".to_string()]);
        assert_eq!(
            c.keys.get("quit"),
            Some(&KeyBinding::Many(vec!["q".into(), "ctrl-c".into()]))
        );
        assert_eq!(c.keys.get("help"), Some(&KeyBinding::One("?".into())));
        assert_eq!(c.ingest.store, "");
        assert!(l.env_overrides.contains(&"HOGA_KIS_BASE_URL".to_string()));
        assert!(!l.env_overrides.contains(&"HOGA_INGEST_STORE".to_string()));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn seed_names_work_and_hoga_names_win() {
        use secrecy::ExposeSecret;
        let l = load_str(
            "",
            &[
                ("KIS_APP_KEY", "seedkey"),
                ("KIS_APP_SECRET", "seedsecret"),
                ("KIS_USE_VIRTUAL_SERVER", "Y"),
            ],
        )
        .expect("loads");
        let k = &l.config.kis;
        assert_eq!(
            k.app_key
                .as_ref()
                .map(|s| s.expose_secret().to_string())
                .as_deref(),
            Some("seedkey")
        );
        assert!(k.virtual_server);
        let kis = &l.settings.source.kis;
        assert!(kis.has_credentials());
        assert_eq!(kis.requests_per_sec, 1);

        let l = load_str(
            "",
            &[("KIS_APP_KEY", "seedkey"), ("HOGA_KIS_APP_KEY", "hogakey")],
        )
        .expect("loads");
        let key = l
            .config
            .kis
            .app_key
            .as_ref()
            .map(|s| s.expose_secret().to_string());
        assert_eq!(key.as_deref(), Some("hogakey"));
        assert_eq!(l.env_overrides, vec!["HOGA_KIS_APP_KEY".to_string()]);
    }

    #[test]
    fn env_beats_file_and_bad_env_values_name_the_variable() {
        let l = load_str(
            "[cache]\nprice_ttl_secs = 100\n",
            &[("HOGA_CACHE_PRICE_TTL_SECS", "7")],
        )
        .expect("loads");
        assert_eq!(l.config.cache.price_ttl_secs, 7);

        for (var, val, key) in [
            ("HOGA_CACHE_PRICE_TTL_SECS", "soon", "cache.price_ttl_secs"),
            ("HOGA_KIS_VIRTUAL", "maybe", "kis.virtual"),
            ("HOGA_KIS_RATE_SHARE", "2", "kis.rate_share"),
            ("HOGA_KIS_REQUESTS_PER_SEC", "-1", "kis.requests_per_sec"),
            ("HOGA_UI_DEFAULT_INTERVAL", "H", "ui.default_interval"),
            (
                "HOGA_WATCHLIST_LISTS",
                "[{name = \"x\", codes = [\"1\"]}]",
                "watchlist.lists[0].codes[0]",
            ),
            ("HOGA_WATCHLIST_LISTS", "[unclosed", "watchlist.lists"),
        ] {
            let err = load_str("", &[(var, val)]).expect_err(var);
            let msg = err.to_string();
            assert!(msg.contains(var), "{var}: {msg}");
            assert_eq!(err.key(), Some(key), "{var}: {msg}");
        }
    }

    #[test]
    fn unknown_hoga_variable_in_a_known_section_warns() {
        let l = load_str("", &[("HOGA_KIS_BASEURL", "x"), ("HOGA_HOME", "/tmp")]).expect("loads");
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(l.warnings[0].contains("HOGA_KIS_BASEURL"));
    }

    /// Every field of every section, as serde lists them in its unknown-field error.
    fn declared_fields() -> Vec<(String, String)> {
        let mut out = Vec::new();
        let sections = load_str("[nosuchsection]\n", &[])
            .expect_err("unknown section")
            .to_string();
        // serde: "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, `c`".
        let list = |msg: &str| -> Vec<String> {
            let tail = msg.rsplit("expected ").next().unwrap_or("");
            let tail = tail.strip_prefix("one of ").unwrap_or(tail);
            tail.split(", ")
                .flat_map(|s| s.split(" or "))
                .map(|s| s.trim().trim_matches('`').to_string())
                .collect()
        };
        for section in list(&sections) {
            if section == "keys" || section == "alerts" {
                continue; // free-form: HOGA_KEYS_<ACTION>; [[alerts]] is a list of rules
            }
            let text = format!("[{section}]\nnosuchkey = 1\n");
            let err = load_str(&text, &[]).expect_err("unknown key").to_string();
            for key in list(&err) {
                out.push((section.clone(), key));
            }
        }
        out
    }

    #[test]
    fn every_declared_key_can_be_overridden_from_the_environment() {
        let fields = declared_fields();
        assert!(fields.len() > 30, "{fields:?}");
        let schema = schema();
        for (section, key) in fields {
            assert!(
                schema.get(&section).is_some_and(|k| k.contains_key(&key)),
                "{section}.{key} has no env override: an Option field must be listed in OPTIONAL_KEYS"
            );
        }
    }
}

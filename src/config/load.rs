//! Loading the config: read the TOML file, apply environment overrides, deserialize strictly,
//! validate. Every error names where the bad value came from (file and line, or the env var),
//! the key, and what was expected — and never echoes a secret.

use super::{Config, KeyBinding};
use crate::market::StockCode;
use crate::paths::Paths;
use secrecy::ExposeSecret;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// `config.example.toml`: every key, commented, at its default.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config.example.toml");

/// Keys whose default is `None` (so they are absent from the serialized defaults the override
/// schema is built from), with an example value of their type.
const OPTIONAL_KEYS: &[(&str, &str, Kind)] = &[
    ("kis", "app_key", Kind::String),
    ("kis", "app_secret", Kind::String),
    ("kis", "base_url", Kind::String),
    ("kis", "ws_url", Kind::String),
    ("kis", "requests_per_sec", Kind::Integer),
];

/// Keys holding secrets: their values never appear in messages.
const SECRET_KEYS: &[&str] = &["kis.app_key", "kis.app_secret"];

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

/// A loaded config and what went into it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file that was read; `None` when the default file does not exist (defaults only).
    pub file: Option<PathBuf>,
    /// Environment variables that overrode a key, in the order applied.
    pub env_overrides: Vec<String>,
    /// Problems worth telling the user that do not stop hoga (also logged with `tracing::warn`).
    pub warnings: Vec<String>,
}

/// Where a bad value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
    },
    Env {
        var: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File {
                path,
                line: Some(l),
                column: Some(c),
            } => write!(f, "{}:{l}:{c}", path.display()),
            Origin::File {
                path,
                line: Some(l),
                column: None,
            } => write!(f, "{}:{l}", path.display()),
            Origin::File { path, .. } => write!(f, "{}", path.display()),
            Origin::Env { var } => write!(f, "environment variable {var}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read config file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid TOML: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A key that is unknown, of the wrong type, or out of range.
    #[error("{origin}: key `{key}`: {message}")]
    Key {
        origin: Origin,
        key: String,
        message: String,
    },
    /// Several keys out of range: all are reported at once, one per line.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ConfigError>),
}

impl ConfigError {
    /// The dotted key the error is about (`kis.requests_per_sec`; the first of several).
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Key { key, .. } => Some(key),
            ConfigError::Several(errors) => errors.first().and_then(ConfigError::key),
            _ => None,
        }
    }

    /// Every key the error is about.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            ConfigError::Several(errors) => errors.iter().filter_map(ConfigError::key).collect(),
            other => other.key().into_iter().collect(),
        }
    }
}

impl Config {
    /// Loads `path` (an explicit `--config`; it must exist) or `paths.config_file` (absent means
    /// defaults), then applies the process environment's overrides and validates.
    pub fn load(path: Option<&Path>, paths: &Paths) -> Result<LoadedConfig, ConfigError> {
        Config::load_with_env(path, paths, &EnvVars::from_process())
    }

    /// As [`Config::load`] with an injected environment.
    pub fn load_with_env(
        path: Option<&Path>,
        paths: &Paths,
        env: &EnvVars,
    ) -> Result<LoadedConfig, ConfigError> {
        let (file, text) = match path {
            Some(p) => match std::fs::read_to_string(p) {
                Ok(t) => (p.to_path_buf(), Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ConfigError::Missing {
                        path: p.to_path_buf(),
                    });
                }
                Err(e) => {
                    return Err(ConfigError::Io {
                        path: p.to_path_buf(),
                        source: e,
                    });
                }
            },
            None => match std::fs::read_to_string(&paths.config_file) {
                Ok(t) => (paths.config_file.clone(), Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    (paths.config_file.clone(), None)
                }
                Err(e) => {
                    return Err(ConfigError::Io {
                        path: paths.config_file.clone(),
                        source: e,
                    });
                }
            },
        };
        let mut loaded = match &text {
            Some(t) => Config::from_toml_with_env(t, &file, env)?,
            None => Config::from_toml_with_env("", &file, env)?,
        };
        if let Some(t) = &text {
            loaded.file = Some(file.clone());
            if holds_secret(t)
                && let Some(w) = mode_warning(&file)
            {
                loaded.warnings.push(w);
            }
        }
        for w in &loaded.warnings {
            tracing::warn!("{w}");
        }
        Ok(loaded)
    }

    /// Parses config text as if read from `file` (used for messages only), applies `env`, and
    /// validates. Does not touch the file system.
    pub fn from_toml_with_env(
        text: &str,
        file: &Path,
        env: &EnvVars,
    ) -> Result<LoadedConfig, ConfigError> {
        let spans = KeySpans::parse(text, file)?;
        let mut table: Table = toml::from_str(text).map_err(|e| spans.syntax_error(&e))?;
        let mut warnings = Vec::new();
        let overrides = apply_env(&mut table, env, &mut warnings)?;

        let config: Config =
            serde_path_to_error::deserialize(Value::Table(table)).map_err(|e| {
                let key = path_string(e.path());
                let message = e.inner().message().to_string();
                let (key, message) = refine_unknown_field(key, humanize(&message));
                let message = if SECRET_KEYS.contains(&key.as_str()) {
                    "expected a string".to_string() // never echo what was given
                } else {
                    message
                };
                spans.key_error(&overrides, key, message)
            })?;
        let mut problems: Vec<ConfigError> = validate(&config)
            .into_iter()
            .map(|(key, message)| spans.key_error(&overrides, key, message))
            .collect();
        match problems.len() {
            0 => {}
            1 => return Err(problems.remove(0)),
            _ => return Err(ConfigError::Several(problems)),
        }
        Ok(LoadedConfig {
            config,
            file: None,
            env_overrides: overrides.into_values().collect(),
            warnings,
        })
    }

    /// Writes the commented example config (every key at its default) to `paths.config_file` if
    /// no file is there yet, mode 0600 since the user may add secrets. Returns the path written.
    pub fn create_default_file(paths: &Paths) -> std::io::Result<Option<PathBuf>> {
        let path = &paths.config_file;
        if path.exists() {
            return Ok(None);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(path) {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(EXAMPLE_CONFIG.as_bytes())?;
                Ok(Some(path.clone()))
            }
            // Another process created it first: theirs stands.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The effective config as TOML, secrets shown as `"<redacted, N chars>"`.
    pub fn to_redacted_toml(&self) -> String {
        match toml::to_string(self) {
            Ok(s) => s,
            // Serializing plain data to TOML cannot fail for this shape; say so if it ever does.
            Err(e) => format!("# cannot render the config as TOML: {e}\n"),
        }
    }
}

/// Whether the (already validated) config text sets a secret key.
fn holds_secret(text: &str) -> bool {
    let Ok(table) = toml::from_str::<Table>(text) else {
        return false;
    };
    SECRET_KEYS.iter().any(|k| {
        let (section, key) = k.split_once('.').unwrap_or(("", k));
        table
            .get(section)
            .and_then(Value::as_table)
            .is_some_and(|t| t.contains_key(key))
    })
}

/// The warning for a file holding secrets that is readable by group or others.
#[cfg(unix)]
fn mode_warning(file: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then(|| {
        format!(
            "config file {} holds KIS secrets but is readable by group or others (mode {mode:o}); \
             run `chmod 600 {}`",
            file.display(),
            file.display()
        )
    })
}

#[cfg(not(unix))]
fn mode_warning(_file: &Path) -> Option<String> {
    None
}

/// The TOML type a key takes, for parsing its environment override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
fn schema() -> BTreeMap<String, BTreeMap<String, Kind>> {
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
fn apply_env(
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
            key: dotted.clone(),
            message,
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

/// `kis.requests_per_sec`, `watchlist.lists[1].codes[0]`.
fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// serde's wording uses Rust type names; say what to write instead.
fn humanize(message: &str) -> String {
    if message.contains("untagged enum KeyBinding") {
        return "expected a key such as \"q\" or a list such as [\"q\", \"ctrl-c\"]".to_string();
    }
    let mut m = message.to_string();
    for (rust, human) in [
        ("expected u8", "expected a non-negative integer"),
        ("expected u16", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected usize", "expected a non-negative integer"),
        ("expected i32", "expected an integer"),
        ("expected i64", "expected an integer"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
    ] {
        if m.ends_with(rust) {
            m = format!("{}{human}", &m[..m.len() - rust.len()]);
        }
    }
    if let Some(i) = m.find("expected struct ") {
        m = format!("{}expected a table", &m[..i]);
    }
    m
}

/// serde reports an unknown field at its parent's path; put the field into the key.
fn refine_unknown_field(key: String, message: String) -> (String, String) {
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, tail)) = rest.split_once('`')
    {
        let full = if key.is_empty() || key.ends_with(&format!(".{field}")) || key == field {
            if key.is_empty() {
                field.to_string()
            } else {
                key.clone()
            }
        } else {
            format!("{key}.{field}")
        };
        let expected = tail.trim_start_matches(',').trim();
        return (full, format!("unknown key; {expected}"));
    }
    (key, message)
}

/// Byte spans of every key in the file text, to turn a dotted key into a line number.
struct KeySpans {
    file: PathBuf,
    text: String,
    spans: HashMap<String, Range<usize>>,
}

impl KeySpans {
    fn parse(text: &str, file: &Path) -> Result<KeySpans, ConfigError> {
        let mut ks = KeySpans {
            file: file.to_path_buf(),
            text: text.to_string(),
            spans: HashMap::new(),
        };
        let root = toml::de::DeTable::parse(text).map_err(|e| ks.syntax_error(&e))?;
        ks.walk_table(root.get_ref(), "");
        Ok(ks)
    }

    fn walk_table(&mut self, t: &toml::de::DeTable<'_>, prefix: &str) {
        for (k, v) in t {
            let dotted = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            self.spans.entry(dotted.clone()).or_insert(k.span());
            self.walk_value(v, &dotted);
        }
    }

    fn walk_value(&mut self, v: &toml::Spanned<toml::de::DeValue<'_>>, dotted: &str) {
        match v.get_ref() {
            toml::de::DeValue::Table(t) => self.walk_table(t, dotted),
            toml::de::DeValue::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    let p = format!("{dotted}[{i}]");
                    self.spans.insert(p.clone(), item.span());
                    self.walk_value(item, &p);
                }
            }
            _ => {}
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    fn syntax_error(&self, e: &toml::de::Error) -> ConfigError {
        let (line, column) = e.span().map_or((1, 1), |s| self.line_col(s.start));
        ConfigError::Syntax {
            path: self.file.clone(),
            line,
            column,
            message: e.message().trim().replace('\n', "; "),
        }
    }

    /// An error about `key`: blamed on the env var that set it, else on its line in the file.
    fn key_error(
        &self,
        overrides: &BTreeMap<String, String>,
        key: String,
        message: String,
    ) -> ConfigError {
        // The longest overridden key that `key` is (or is inside of).
        let by_env = overrides
            .iter()
            .filter(|(k, _)| {
                key == **k || key.starts_with(&format!("{k}.")) || key.starts_with(&format!("{k}["))
            })
            .max_by_key(|(k, _)| k.len());
        if let Some((_, var)) = by_env {
            return ConfigError::Key {
                origin: Origin::Env { var: var.clone() },
                key,
                message,
            };
        }
        let mut probe = key.as_str();
        let span = loop {
            if let Some(s) = self.spans.get(probe) {
                break Some(s.clone());
            }
            match probe.rfind(['.', '[']) {
                Some(i) => probe = &probe[..i],
                None => break None,
            }
        };
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = self.line_col(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ConfigError::Key {
            origin: Origin::File {
                path: self.file.clone(),
                line,
                column,
            },
            key,
            message,
        }
    }
}

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
fn validate(c: &Config) -> Vec<(String, String)> {
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
    use super::*;

    fn load_str(text: &str, env: &[(&str, &str)]) -> Result<LoadedConfig, ConfigError> {
        Config::from_toml_with_env(
            text,
            Path::new("test.toml"),
            &EnvVars::from_pairs(env.iter().copied()),
        )
    }

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
        assert!(k.has_credentials());
        assert!(k.virtual_server);
        assert_eq!(k.effective_rate(), 1);

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

    #[test]
    fn file_errors_name_file_line_key_and_expectation() {
        let err = load_str("[kis]\nvirtual = true\nmax_retries = \"four\"\n", &[])
            .expect_err("wrong type");
        let msg = err.to_string();
        assert!(msg.starts_with("test.toml:3:"), "{msg}");
        assert!(
            msg.contains("kis.max_retries") && msg.contains("expected a non-negative integer"),
            "{msg}"
        );

        let err = load_str("[ui]\nmax_fps = 30\ncolour = \"red\"\n", &[]).expect_err("unknown key");
        assert_eq!(err.key(), Some("ui.colour"));
        assert!(err.to_string().starts_with("test.toml:3:1:"), "{err}");
        assert!(
            err.to_string().contains("up_color"),
            "lists the valid keys: {err}"
        );

        let err = load_str("[kis]\nrate_share = 0.0\n", &[]).expect_err("bad value");
        assert_eq!(err.key(), Some("kis.rate_share"));
        assert!(err.to_string().starts_with("test.toml:2:1:"), "{err}");

        let err = load_str("[kis]\nvirtual = \n", &[]).expect_err("syntax");
        assert!(matches!(err, ConfigError::Syntax { line: 2, .. }), "{err}");
    }

    #[test]
    fn secrets_never_appear_in_debug_toml_or_errors() {
        let l = load_str(
            "[kis]\napp_key = \"KEY-abcdef-123\"\napp_secret = \"SECRET-xyz-789\"\n",
            &[],
        )
        .expect("loads");
        let debug = format!("{:?} {:?}", l.config, l);
        assert!(
            !debug.contains("KEY-abcdef-123") && !debug.contains("SECRET-xyz-789"),
            "{debug}"
        );
        let toml = l.config.to_redacted_toml();
        assert!(
            toml.contains("app_key = \"<redacted, 14 chars>\""),
            "{toml}"
        );
        assert!(
            toml.contains("app_secret = \"<redacted, 14 chars>\""),
            "{toml}"
        );
        assert!(
            !toml.contains("KEY-abcdef") && !toml.contains("SECRET-xyz"),
            "{toml}"
        );

        let err = load_str("[kis]\napp_key = 98765432123\n", &[]).expect_err("wrong type");
        assert_eq!(err.key(), Some("kis.app_key"));
        assert!(!err.to_string().contains("98765432123"), "{err}");

        let env = EnvVars::from_pairs([("KIS_APP_SECRET", "SECRET-env-1")]);
        assert!(!format!("{env:?}").contains("SECRET-env-1"));
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

    #[test]
    fn missing_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(tmp.path());
        let env = EnvVars::default();
        let l = Config::load_with_env(None, &paths, &env).expect("defaults");
        assert!(l.file.is_none());
        assert_eq!(
            l.config.to_redacted_toml(),
            Config::default().to_redacted_toml()
        );
        let missing = tmp.path().join("nope.toml");
        let err = Config::load_with_env(Some(&missing), &paths, &env)
            .expect_err("explicit file must exist");
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(err.to_string().contains("nope.toml"));
    }

    #[test]
    fn default_file_is_created_once_private_and_loads_as_defaults() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(&tmp.path().join("nested"));
        let written = Config::create_default_file(&paths).expect("create");
        assert_eq!(written.as_deref(), Some(paths.config_file.as_path()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&paths.config_file)
                .expect("stat")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&paths.config_file, "[ui]\nmouse = false\n").expect("user edit");
        assert_eq!(
            Config::create_default_file(&paths).expect("second call"),
            None
        );
        let l = Config::load_with_env(None, &paths, &EnvVars::default()).expect("loads");
        assert!(!l.config.ui.mouse, "the user's file is never overwritten");
    }

    #[cfg(unix)]
    #[test]
    fn readable_secret_file_warns() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(tmp.path());
        let env = EnvVars::default();
        let file = tmp.path().join("secret.toml");
        std::fs::write(&file, "[kis]\napp_key = \"k\"\napp_secret = \"s\"\n").expect("write");
        let set_mode =
            |m| std::fs::set_permissions(&file, std::fs::Permissions::from_mode(m)).expect("chmod");

        set_mode(0o644);
        let l = Config::load_with_env(Some(&file), &paths, &env).expect("loads");
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(
            l.warnings[0].contains("chmod 600") && l.warnings[0].contains("644"),
            "{:?}",
            l.warnings
        );
        assert!(!l.warnings[0].contains("app_secret = "));

        set_mode(0o600);
        let l = Config::load_with_env(Some(&file), &paths, &env).expect("loads");
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);

        // Readable but without secrets: nothing to protect.
        std::fs::write(&file, "[ui]\nmouse = false\n").expect("write");
        set_mode(0o644);
        let l = Config::load_with_env(Some(&file), &paths, &env).expect("loads");
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
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
            if section == "keys" {
                continue; // free-form: HOGA_KEYS_<ACTION>
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

    #[test]
    fn example_config_documents_every_key_and_equals_defaults() {
        let text = EXAMPLE_CONFIG;
        let l = load_str(text, &[]).expect("example parses");
        assert_eq!(
            l.config.to_redacted_toml(),
            Config::default().to_redacted_toml()
        );
        for (section, keys) in schema() {
            assert!(
                text.contains(&format!("[{section}]")),
                "section [{section}] undocumented"
            );
            for key in keys.keys() {
                let documented = text.lines().any(|l| {
                    let l = l.trim_start_matches(['#', ' ']);
                    l.starts_with(&format!("{key} ="))
                        || l.starts_with(&format!("[[{section}.{key}]]"))
                });
                assert!(
                    documented,
                    "{section}.{key} is not documented in config.example.toml"
                );
            }
        }
    }
}

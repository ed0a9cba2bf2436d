//! Where a bad value came from: the file's line and column (from the key spans of the TOML
//! text) or the environment variable, and the error type that carries it. serde's messages are
//! reworded here into what to write instead.

use super::ranges::int_range;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

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
    #[error(
        "config file {} is larger than {} KiB (a hoga config is a few KiB): is it the right file?",
        path.display(),
        limit / 1024
    )]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("cannot read config file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Text that is not TOML, or a number TOML itself cannot hold (beyond `i64`). `key` is the
    /// key whose value it is, when the error is in a value.
    #[error(
        "{}:{line}:{column}: {}invalid TOML: {message}",
        path.display(),
        key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default()
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        key: Option<String>,
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
            ConfigError::Syntax { key: Some(key), .. } => Some(key),
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

/// `kis.requests_per_sec`, `watchlist.lists[1].codes[0]`.
pub(super) fn path_string(path: &serde_path_to_error::Path) -> String {
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
pub(super) fn humanize(message: &str) -> String {
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
pub(super) fn refine_unknown_field(key: String, message: String) -> (String, String) {
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

/// The dotted key whose value is at byte `offset`, read from the text around it: the
/// `key = value` line and the nearest `[section]` header above. Used for errors TOML reports
/// before there is a table to look keys up in (an integer beyond `i64`).
fn key_of_value_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next().unwrap_or("");
    let eq = line.find('=')?;
    if start + eq >= offset {
        return None; // the error is in the key, not the value
    }
    let unquote = |k: &str| k.trim().trim_matches(['"', '\'']).to_string();
    let key = line[..eq]
        .split('.')
        .map(unquote)
        .collect::<Vec<_>>()
        .join(".");
    if key.is_empty() || key.contains(['[', '#']) {
        return None;
    }
    let section = text[..start].lines().rev().find_map(|l| {
        let l = l.trim();
        let inner = l.strip_prefix("[[").and_then(|r| r.split("]]").next());
        let inner = inner.or_else(|| l.strip_prefix('[').and_then(|r| r.split(']').next()))?;
        Some(inner.split('.').map(unquote).collect::<Vec<_>>().join("."))
    });
    Some(match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key,
    })
}

/// Byte spans of every key in the file text, to turn a dotted key into a line number.
pub(super) struct KeySpans {
    file: PathBuf,
    text: String,
    spans: HashMap<String, Range<usize>>,
}

impl KeySpans {
    pub(super) fn parse(text: &str, file: &Path) -> Result<KeySpans, ConfigError> {
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

    pub(super) fn syntax_error(&self, e: &toml::de::Error) -> ConfigError {
        let (line, column) = e.span().map_or((1, 1), |s| self.line_col(s.start));
        let key = e.span().and_then(|s| key_of_value_at(&self.text, s.start));
        let mut message = e.message().trim().replace('\n', "; ");
        if let Some(r) = key.as_deref().and_then(int_range) {
            message = format!("{message}; {}", r.expected());
        }
        ConfigError::Syntax {
            path: self.file.clone(),
            line,
            column,
            key,
            message,
        }
    }

    /// An error about `key`: blamed on the env var that set it, else on its line in the file.
    pub(super) fn key_error(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::tests::load_str;

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
}

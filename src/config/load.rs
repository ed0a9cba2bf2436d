//! Loading the config: read the TOML file, apply environment overrides, deserialize strictly,
//! validate. Every error names where the bad value came from (file and line, or the env var),
//! the key, and what was expected — and never echoes a secret.

use super::Config;
use super::env::{EnvVars, apply_env};
use super::file::{create_default_file, holds_secret, mode_warning, read_config_file};
use super::origin::{ConfigError, KeySpans, humanize, path_string, refine_unknown_field};
use super::ranges::int_range;
use super::settings::{self, Settings};
use crate::paths::Paths;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// `config.example.toml`: every key, commented, at its default.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config.example.toml");

/// Keys holding secrets: their values never appear in messages.
pub(super) const SECRET_KEYS: &[&str] = &["kis.app_key", "kis.app_secret", "kis.accounts"];

/// A loaded config, each layer's settings built from it, and what went into it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// As written (and overridden): what `--check-config` prints.
    pub config: Config,
    /// What each layer runs with.
    pub settings: Settings,
    /// The file that was read; `None` when the default file does not exist (defaults only).
    pub file: Option<PathBuf>,
    /// Environment variables that overrode a key, in the order applied.
    pub env_overrides: Vec<String>,
    /// Problems worth telling the user that do not stop hoga (also logged with `tracing::warn`).
    pub warnings: Vec<String>,
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
        let (file, text) = read_config_file(path, paths)?;
        let mut loaded = match &text {
            Some(t) => Config::from_toml_with_env(t, &file, env, paths)?,
            None => Config::from_toml_with_env("", &file, env, paths)?,
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
    /// builds each layer's settings (with the directories of `paths`), which validates every
    /// value. Does not touch the file system.
    pub fn from_toml_with_env(
        text: &str,
        file: &Path,
        env: &EnvVars,
        paths: &Paths,
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
                // Out of the field's type (`-1` for a count, 2^40 for a u32): give the range.
                let message = match (int_range(&key), message.split_once(", expected ")) {
                    (Some(r), Some((found, _))) if found.starts_with("invalid value: integer") => {
                        format!("{found}, {}", r.expected())
                    }
                    _ => message,
                };
                let message = if SECRET_KEYS.contains(&key.as_str()) {
                    "expected a string".to_string() // never echo what was given
                } else {
                    message
                };
                spans.key_error(&overrides, key, message)
            })?;
        let settings = Settings::build(&config, paths).map_err(|problems| {
            let mut errors: Vec<ConfigError> = problems
                .into_iter()
                .map(|(key, message)| spans.key_error(&overrides, key, message))
                .collect();
            match errors.len() {
                1 => errors.remove(0),
                _ => ConfigError::Several(errors),
            }
        })?;
        warnings.extend(settings::warnings(&config));
        Ok(LoadedConfig {
            config,
            settings,
            file: None,
            env_overrides: overrides.into_values().collect(),
            warnings,
        })
    }

    /// Writes the commented example config (every key at its default) to `paths.config_file` if
    /// no file is there yet, mode 0600 since the user may add secrets. Returns the path written.
    pub fn create_default_file(paths: &Paths) -> std::io::Result<Option<PathBuf>> {
        create_default_file(paths)
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::config::env::schema;

    pub(crate) fn load_str(text: &str, env: &[(&str, &str)]) -> Result<LoadedConfig, ConfigError> {
        Config::from_toml_with_env(
            text,
            Path::new("test.toml"),
            &EnvVars::from_pairs(env.iter().copied()),
            // Nothing is created there: loading only names the directories.
            &Paths::under(Path::new("/nonexistent/hoga-test-home")),
        )
    }

    #[test]
    fn passwords_in_urls_are_redacted_in_the_printed_config() {
        let l = load_str(
            "[redis]\nurl = \"redis://:hunter2@cache:6379/\"\n",
            &[
                ("HOGA_KIS_BASE_URL", "http://kis:hunter2@127.0.0.1:9"),
                ("HOGA_KIS_WS_URL", "ws://kis:hunter2@127.0.0.1:9"),
                (
                    "HOGA_KIS_MASTER_URL",
                    "https://m:hunter2@files.example/master",
                ),
                ("HOGA_INGEST_STORE", "postgres://user:hunter2@db/hoga"),
            ],
        )
        .expect("loads");
        let toml = l.config.to_redacted_toml();
        assert!(!toml.contains("hunter2"), "{toml}");
        for shown in [
            "url = \"redis://:***@cache:6379/\"",
            "base_url = \"http://kis:***@127.0.0.1:9\"",
            "ws_url = \"ws://kis:***@127.0.0.1:9\"",
            "master_url = \"https://m:***@files.example/master\"",
            "store = \"postgres://user:***@db/hoga\"",
        ] {
            assert!(toml.contains(shown), "{shown}: {toml}");
        }
        // Only the printed form is redacted: the config itself keeps the password to connect.
        assert_eq!(l.config.redis.url, "redis://:hunter2@cache:6379/");
        // Without a password nothing changes.
        let plain = Config::default().to_redacted_toml();
        assert!(
            plain.contains("url = \"redis://127.0.0.1:6379/\""),
            "{plain}"
        );
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

//! The config file on disk: reading it (bounded), the permission warning for a file holding
//! secrets, and writing the commented default file on first run.

use super::load::{EXAMPLE_CONFIG, SECRET_KEYS};
use super::origin::ConfigError;
use crate::paths::{Paths, create_private_dir};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The most a config file may hold. Reading stops there, so `--config /dev/zero` (or a log file
/// given by mistake) is refused at once instead of filling memory.
pub(super) const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The text of `path`, or `None` when it holds more than `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(None);
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// The text of `path` (an explicit `--config`: it must exist) or of the default file (absent
/// means `None`: defaults only), and the file the messages name.
pub(super) fn read_config_file(
    path: Option<&Path>,
    paths: &Paths,
) -> Result<(PathBuf, Option<String>), ConfigError> {
    let (file, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (paths.config_file.clone(), false),
    };
    match read_bounded(&file, MAX_CONFIG_BYTES) {
        Ok(Some(t)) => Ok((file, Some(t))),
        Ok(None) => Err(ConfigError::TooLarge {
            path: file,
            limit: MAX_CONFIG_BYTES,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit => {
            Err(ConfigError::Missing { path: file })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((file, None)),
        Err(e) => Err(ConfigError::Io {
            path: file,
            source: e,
        }),
    }
}

/// Writes the example config to `paths.config_file` unless a file is there (see
/// [`Config::create_default_file`](super::Config::create_default_file)).
pub(super) fn create_default_file(paths: &Paths) -> std::io::Result<Option<PathBuf>> {
    let path = &paths.config_file;
    if path.exists() {
        return Ok(None);
    }
    // A new config dir is private (0700); an existing one (maybe $HOGA_HOME) is left as it is.
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        create_private_dir(dir)?;
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

/// Whether the (already validated) config text sets a secret key.
pub(super) fn holds_secret(text: &str) -> bool {
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
pub(super) fn mode_warning(file: &Path) -> Option<String> {
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
pub(super) fn mode_warning(_file: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, EnvVars};

    #[test]
    fn a_file_over_the_cap_is_refused_without_reading_it_all() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(tmp.path());
        let file = tmp.path().join("big.toml");
        // Exactly at the cap: read (and judged as TOML: comments only, so it loads).
        let mut text = "#".repeat(MAX_CONFIG_BYTES as usize - 1);
        text.push('\n');
        std::fs::write(&file, &text).expect("write");
        Config::load_with_env(Some(&file), &paths, &EnvVars::default()).expect("at the cap");
        text.push('\n');
        std::fs::write(&file, &text).expect("write");
        let err = Config::load_with_env(Some(&file), &paths, &EnvVars::default())
            .expect_err("over the cap");
        assert!(matches!(err, ConfigError::TooLarge { .. }), "{err}");
        assert!(
            err.to_string().contains("big.toml") && err.to_string().contains("1024 KiB"),
            "{err}"
        );
        // A device that never ends is cut off at the cap too.
        #[cfg(unix)]
        {
            let err =
                Config::load_with_env(Some(Path::new("/dev/zero")), &paths, &EnvVars::default())
                    .expect_err("endless");
            assert!(matches!(err, ConfigError::TooLarge { .. }), "{err}");
        }
        std::fs::write(&file, b"[ui]\nup_color = \"\xff\"\n").expect("write");
        let err =
            Config::load_with_env(Some(&file), &paths, &EnvVars::default()).expect_err("not UTF-8");
        assert!(err.to_string().contains("UTF-8"), "{err}");
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
}

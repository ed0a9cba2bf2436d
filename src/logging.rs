//! Logging: tracing to daily rolling files in the state dir (`<state>/logs/hoga.YYYY-MM-DD.log`);
//! also to stderr in headless modes, never to the terminal while the full-screen UI runs.

use crate::paths::{Paths, create_private_dir, open_private_file};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Events with this target go to the log file only: for messages `main` also prints itself.
pub const FILE_ONLY: &str = "hoga::file_only";

/// Log files kept before the oldest is deleted.
const MAX_LOG_FILES: usize = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// Full-screen UI owns the terminal: file only.
    Tui,
    /// `--ingest`, `--check-config`: file and stderr.
    Headless,
    /// Lookup commands (`hoga quote ...`), whose output is the point: file as usual, but only
    /// warnings and errors on stderr unless a level is asked for (`--log-level`, `RUST_LOG`).
    Lookup,
}

/// Keeps the background log writer alive; drop it last (at the end of `main`) to flush.
#[must_use = "dropping the guard stops file logging"]
pub struct LogGuard {
    _guard: Option<WorkerGuard>,
    /// The log directory in use, if file logging works.
    pub log_dir: Option<PathBuf>,
    /// Why file logging is off, if it is (the app carries on without it).
    pub file_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "invalid log level {given:?}: {reason} (expected error, warn, info, debug, trace or directives like hoga=debug)"
)]
pub struct LogLevelError {
    pub given: String,
    pub reason: String,
}

/// The filter: `--log-level`, else `RUST_LOG`, else `info`.
pub fn filter(level: Option<&str>, rust_log: Option<&str>) -> Result<EnvFilter, LogLevelError> {
    match (level, rust_log.filter(|s| !s.trim().is_empty())) {
        (Some(l), _) => EnvFilter::try_new(l).map_err(|e| LogLevelError {
            given: l.to_string(),
            reason: e.to_string(),
        }),
        // A bad RUST_LOG is not worth refusing to start over.
        (None, Some(env)) => Ok(EnvFilter::try_new(env).unwrap_or_else(|_| EnvFilter::new("info"))),
        (None, None) => Ok(EnvFilter::new("info")),
    }
}

/// The daily rolling log file, private whatever the umask: tracing-appender creates each day's
/// file itself with the umask's mode, so this writer creates today's and tomorrow's files first
/// (mode 0600, see [`open_private_file`]) whenever the UTC date (the appender's) changes; the
/// appender then only ever opens files that exist.
#[derive(Debug)]
pub struct LogFile {
    inner: RollingFileAppender,
    dir: PathBuf,
    prepared_for: Option<chrono::NaiveDate>,
}

impl LogFile {
    /// `hoga.YYYY-MM-DD.log`, as tracing-appender names the daily file (UTC date).
    pub fn file_name(date: chrono::NaiveDate) -> String {
        format!("hoga.{}.log", date.format("%Y-%m-%d"))
    }

    fn prepare(dir: &Path, today: chrono::NaiveDate) -> std::io::Result<()> {
        for day in [Some(today), today.succ_opt()].into_iter().flatten() {
            open_private_file(&dir.join(LogFile::file_name(day)))?;
        }
        Ok(())
    }

    fn prepare_if_new_day(&mut self) {
        let today = chrono::Utc::now().date_naive();
        if self.prepared_for != Some(today) {
            // Logging carries on without the files if this fails; the appender reports its own.
            if LogFile::prepare(&self.dir, today).is_ok() {
                self.prepared_for = Some(today);
            }
        }
    }
}

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.prepare_if_new_day();
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The rolling file writer, with its directory created (0700) and today's file (0600). Errors
/// are returned, never panics.
pub fn file_appender(paths: &Paths) -> Result<(LogFile, PathBuf), String> {
    let dir = paths.log_dir();
    create_private_dir(&paths.state_dir)
        .and_then(|()| create_private_dir(&dir))
        .map_err(|e| format!("cannot create log dir {}: {e}", dir.display()))?;
    let today = chrono::Utc::now().date_naive();
    LogFile::prepare(&dir, today)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    let inner = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("hoga")
        .filename_suffix("log")
        .max_log_files(MAX_LOG_FILES)
        .build(&dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    let appender = LogFile {
        inner,
        dir: dir.clone(),
        prepared_for: Some(today),
    };
    Ok((appender, dir))
}

/// Installs the global subscriber. A log dir that cannot be created does not stop the app:
/// headless falls back to stderr only, the TUI to no logging. Only a bad `--log-level` is an error.
pub fn init(mode: LogMode, level: Option<&str>, paths: &Paths) -> Result<LogGuard, LogLevelError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let explicit = level.is_some() || rust_log.as_deref().is_some_and(|s| !s.trim().is_empty());
    let filter = filter(level, rust_log.as_deref())?;
    let quiet = mode == LogMode::Lookup && !explicit;
    let (file_layer, guard, log_dir, file_error) = match file_appender(paths) {
        Ok((appender, dir)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false);
            (Some(layer), Some(guard), Some(dir), None)
        }
        Err(e) => (None, None, None, Some(e)),
    };
    let stderr_layer = (mode != LogMode::Tui).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .without_time()
            .with_target(false)
            .with_filter(filter_fn(move |meta| {
                meta.target() != FILE_ONLY && (!quiet || *meta.level() <= tracing::Level::WARN)
            }))
    });
    // try_init: a second call (tests) keeps the first subscriber instead of panicking.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    if let Some(e) = &file_error {
        tracing::warn!("file logging is off: {e}");
    }
    Ok(LogGuard {
        _guard: guard,
        log_dir,
        file_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_flag_wins_over_rust_log_and_bad_flag_is_an_error() {
        assert_eq!(
            filter(Some("debug"), Some("error"))
                .expect("valid")
                .to_string(),
            "debug"
        );
        assert_eq!(
            filter(None, Some("warn")).expect("valid").to_string(),
            "warn"
        );
        assert_eq!(filter(None, None).expect("valid").to_string(), "info");
        assert_eq!(
            filter(None, Some("=%=")).expect("falls back").to_string(),
            "info"
        );
        let err = filter(Some("hoga=loud"), None).expect_err("bad level");
        assert!(err.to_string().contains("hoga=loud"), "{err}");
    }

    #[test]
    fn file_appender_creates_the_dir_and_writes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = Paths::under(tmp.path());
        let (mut appender, dir) = file_appender(&paths).expect("appender");
        use std::io::Write;
        writeln!(appender, "hello").expect("write");
        appender.flush().expect("flush");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("read dir")
            .flatten()
            .map(|f| f.file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        // Today's file and tomorrow's, made ahead so the appender never creates one itself.
        assert!(matches!(names.len(), 2 | 3), "{names:?}");
        for name in &names {
            assert!(
                name.starts_with("hoga.") && name.ends_with(".log"),
                "{name}"
            );
        }
        let written: usize = names
            .iter()
            .map(|n| std::fs::read_to_string(dir.join(n)).unwrap_or_default())
            .filter(|t| t.contains("hello"))
            .count();
        assert_eq!(written, 1, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            for name in &names {
                assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
            }
        }
    }

    #[test]
    fn unusable_log_dir_is_an_error_not_a_panic() {
        let tmp = tempfile::tempdir().expect("tempdir");
        // A file where the state dir should be: the log dir cannot be created under it.
        let blocker = tmp.path().join("state");
        std::fs::write(&blocker, b"not a dir").expect("write");
        let paths = Paths::under(tmp.path());
        let err = file_appender(&paths).expect_err("cannot create");
        assert!(err.contains("cannot create log dir"), "{err}");
    }
}

//! Logging modes, each in a child process (the global subscriber can be set once per process):
//! the TUI mode writes only to the log file, never to the terminal; headless writes to both; an
//! unusable log dir does not stop either.

use hoga::logging::{self, LogMode};
use hoga::paths::Paths;
use std::path::Path;
use std::process::Command;

const CHILD_ENV: &str = "HOGA_TEST_LOGGING_CHILD";

/// Runs `child_entry` in a fresh process with the given mode and home; returns (stderr, log text).
fn run_child(mode: &str, home: &Path) -> (String, String) {
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env("HOGA_HOME", home)
        .env_remove("RUST_LOG")
        .output()
        .expect("run child");
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut logs = String::new();
    if let Ok(dir) = std::fs::read_dir(Paths::under(home).log_dir()) {
        for e in dir.flatten() {
            logs.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    (String::from_utf8_lossy(&out.stderr).to_string(), logs)
}

/// Not a test on its own: does nothing unless started by `run_child`.
#[test]
fn child_entry() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let paths = Paths::discover(); // from HOGA_HOME
    let (mode, level) = match mode.as_str() {
        "tui" => (LogMode::Tui, Some("debug")),
        "lookup" => (LogMode::Lookup, None),
        _ => (LogMode::Headless, Some("debug")),
    };
    let guard = logging::init(mode, level, &paths).expect("init");
    tracing::info!("marker-info-4321");
    tracing::warn!("marker-warn-1234");
    tracing::debug!("marker-debug-5678");
    tracing::trace!("marker-trace-0000");
    tracing::error!(target: logging::FILE_ONLY, "marker-fileonly-9999");
    drop(guard); // flushes the file writer
}

#[test]
fn tui_mode_logs_to_file_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (stderr, logs) = run_child("tui", tmp.path());
    assert!(
        !stderr.contains("marker-"),
        "TUI mode wrote logs to the terminal: {stderr}"
    );
    for m in [
        "marker-warn-1234",
        "marker-debug-5678",
        "marker-fileonly-9999",
    ] {
        assert!(logs.contains(m), "{m} missing from the log file: {logs}");
    }
    assert!(
        !logs.contains("marker-trace-0000"),
        "--log-level debug must drop trace: {logs}"
    );
    assert!(!logs.contains('\u{1b}'), "no colour codes in files");
}

#[test]
fn headless_mode_logs_to_file_and_stderr() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (stderr, logs) = run_child("headless", tmp.path());
    assert!(
        stderr.contains("marker-warn-1234") && stderr.contains("marker-debug-5678"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("marker-fileonly-9999"),
        "file-only events stay off stderr: {stderr}"
    );
    assert!(
        logs.contains("marker-warn-1234") && logs.contains("marker-fileonly-9999"),
        "{logs}"
    );
}

/// A lookup's stdout is its answer: stderr carries only warnings and errors by default, while
/// the log file keeps the usual info lines.
#[test]
fn lookup_mode_keeps_stderr_to_warnings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (stderr, logs) = run_child("lookup", tmp.path());
    assert!(stderr.contains("marker-warn-1234"), "{stderr}");
    assert!(!stderr.contains("marker-info-4321"), "{stderr}");
    assert!(logs.contains("marker-info-4321"), "{logs}");
    assert!(
        !logs.contains("marker-debug-5678"),
        "default level is info: {logs}"
    );
}

#[test]
fn unusable_log_dir_does_not_stop_the_app() {
    for mode in ["tui", "headless"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        // A file where the state dir should be: the log dir cannot be created.
        std::fs::write(tmp.path().join("state"), b"in the way").expect("write");
        let (stderr, logs) = run_child(mode, tmp.path());
        assert!(logs.is_empty());
        if mode == "headless" {
            assert!(
                stderr.contains("marker-warn-1234"),
                "falls back to stderr: {stderr}"
            );
            assert!(stderr.contains("file logging is off"), "{stderr}");
        } else {
            assert!(!stderr.contains("marker-"), "{stderr}");
        }
    }
}

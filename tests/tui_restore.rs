//! The terminal is given back on every exit path: `q`, SIGTERM, SIGHUP and a panic in a
//! background task. Each case runs the built `hoga` (simulated market) in a tmux pane from a
//! shell that, once hoga has gone, prints its exit code and `stty -a`; the test then reads the
//! pane's modes from tmux (alternate screen, cursor, mouse reporting) and the tty's line
//! discipline from stty. Skipped (with a message) when tmux is not installed.

mod tui_support;

use std::process::Command;
use tui_support::{Tmux, tmux_available};

/// How a case ends hoga.
enum End {
    Quit,
    Signal(&'static str),
    Panic,
}

/// Runs hoga in a fresh tmux server, ends it as told, and checks the terminal afterwards.
/// Returns the exit code the shell saw and the pane's text.
fn run_and_end(tag: &str, end: End) -> (i32, String) {
    let home = tempfile::tempdir().unwrap();
    let panic = if matches!(end, End::Panic) { "1" } else { "0" };
    let cmd = format!(
        "env -u KIS_APP_KEY -u KIS_APP_SECRET RUST_BACKTRACE=0 HOGA_HOME='{}' HOGA_DEBUG_PANIC={panic} '{}' \
         --source mock; echo \"EXIT=$?\"; stty -a; sleep 120",
        home.path().display(),
        env!("CARGO_BIN_EXE_hoga"),
    );
    let socket = format!("hoga-restore-{tag}-{}", std::process::id());
    let t = Tmux::start(&socket, &cmd, 200, 50);

    // hoga is up: alternate screen, hidden cursor, mouse reporting on.
    let s = t.wait("the simulated market", 30, |s| s.contains("시뮬레이션"));
    assert!(s.contains("관심종목"), "{s}");
    assert_eq!(
        t.pane("#{alternate_on}"),
        "1",
        "hoga draws on the alternate screen"
    );
    assert_eq!(
        t.pane("#{cursor_flag}"),
        "0",
        "the cursor is hidden while hoga runs"
    );
    assert_eq!(
        t.pane("#{mouse_any_flag}"),
        "1",
        "mouse reporting is on while hoga runs"
    );

    match end {
        End::Quit => t.keys(&["q"]),
        End::Signal(sig) => {
            let shell = t.pane("#{pane_pid}");
            let out = Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .expect("pgrep");
            let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert!(!pid.is_empty(), "no hoga process under the pane's shell");
            let ok = Command::new("kill")
                .args([&format!("-{sig}"), &pid])
                .status()
                .expect("kill");
            assert!(ok.success());
        }
        End::Panic => {} // It panics by itself after half a second.
    }

    let s = t.wait("hoga to exit", 20, |s| s.contains("EXIT="));
    // Give stty its moment to print.
    let s = if s.contains("icanon") {
        s
    } else {
        t.wait("stty", 10, |s| s.contains("icanon"))
    };
    assert_eq!(
        t.pane("#{alternate_on}"),
        "0",
        "left the alternate screen:\n{s}"
    );
    assert_eq!(t.pane("#{cursor_flag}"), "1", "cursor shown again:\n{s}");
    for flag in [
        "mouse_any_flag",
        "mouse_button_flag",
        "mouse_standard_flag",
        "mouse_sgr_flag",
    ] {
        assert_eq!(
            t.pane(&format!("#{{{flag}}}")),
            "0",
            "{flag} off again:\n{s}"
        );
    }
    // Cooked mode again: raw mode clears all of these.
    let modes: Vec<&str> = s.split_whitespace().collect();
    for m in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(modes.contains(&m), "`{m}` not restored; stty says:\n{s}");
        assert!(!modes.contains(&format!("-{m}").as_str()), "-{m}:\n{s}");
    }
    let code = s
        .lines()
        .find_map(|l| l.trim().strip_prefix("EXIT="))
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or_else(|| panic!("no exit code on screen:\n{s}"));
    // Nothing of hoga's screen is left on the shell's (the alternate screen is gone).
    assert!(!s.contains("관심종목"), "{s}");
    (code, s)
}

/// Skips (with a message) when tmux is missing; otherwise the exit code and the pane's text.
fn case(tag: &str, end: End) -> Option<(i32, String)> {
    if !tmux_available() {
        eprintln!("tmux not installed: skipping");
        return None;
    }
    Some(run_and_end(tag, end))
}

#[test]
fn quit_restores_the_terminal() {
    if let Some((code, screen)) = case("quit", End::Quit) {
        assert_eq!(code, 0, "{screen}");
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    if let Some((code, screen)) = case("term", End::Signal("TERM")) {
        assert_eq!(code, 0, "{screen}");
    }
}

#[test]
fn sighup_restores_the_terminal() {
    if let Some((code, screen)) = case("hup", End::Signal("HUP")) {
        assert_eq!(code, 0, "{screen}");
    }
}

#[test]
fn a_panic_in_a_background_task_restores_the_terminal_and_exits() {
    if let Some((code, screen)) = case("panic", End::Panic) {
        assert_eq!(code, 101, "{screen}");
        // The panic message reaches the user's shell, after the screen is gone.
        assert!(screen.contains("deliberate panic"), "{screen}");
    }
}

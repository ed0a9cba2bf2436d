//! tmux driving for the end-to-end TUI tests: a private tmux server per test, keys in,
//! screen text and pane modes out.

#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    target: String,
}

impl Tmux {
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn start(socket: &str, cmd: &str, w: u16, h: u16) -> Tmux {
        let t = Tmux {
            socket: socket.to_string(),
            target: "hoga".to_string(),
        };
        let (w, h) = (w.to_string(), h.to_string());
        t.tmux(&["new-session", "-d", "-s", "hoga", "-x", &w, "-y", &h, cmd]);
        t
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", &self.target, k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn text(&self, s: &str) {
        self.tmux(&["send-keys", "-t", &self.target, "-l", s]);
    }

    pub fn capture(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.target])
    }

    pub fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        self.tmux(&["resize-window", "-t", &self.target, "-x", &w, "-y", &h]);
    }

    /// Polls the screen until `pred` holds; panics with the last screen after `secs`.
    pub fn wait(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.capture();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// A pane format value (`#{alternate_on}`, `#{cursor_flag}`, `#{pane_pid}`, ...).
    pub fn pane(&self, format: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", &self.target, format])
            .trim()
            .to_string()
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", &self.target])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Whether tmux runs. Without it a test says so and returns, except under `CI`, where a
/// test that needs tmux fails: it must never pass silently there.
pub fn tmux_available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    assert!(
        ok || !ci,
        "this test needs tmux, which is not installed (CI is set: failing, not skipping)"
    );
    ok
}

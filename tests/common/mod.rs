//! Helpers the integration tests share: a private `redis-server` that is surely the one
//! answering on its port, tools that a test needs (missing under `CI`: a failure, not a skip).
//! Each test crate that uses it declares `mod common;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether this run is CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether `tool` is an executable on `PATH`. When it is not: a panic under CI (a test must
/// never pass silently there), else `false` with a message, and the caller returns.
pub fn require(tool: &str, test: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let ok = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(tool))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    });
    if !ok {
        assert!(
            !in_ci(),
            "{test} needs {tool}, which is not installed (CI is set: failing, not skipping)"
        );
        eprintln!("{tool} not installed: skipping {test}");
    }
    ok
}

/// A port nothing listened on a moment ago. Only for "nothing listens here" checks: a
/// server of the test's own is started with [`PrivateRedis::start`], which copes with the
/// port being taken between the check and the bind.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port on 127.0.0.1: {e}"))
}

/// A private `redis-server` on 127.0.0.1, killed on drop. Never the shared one on 6379.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts one on a free port. A port can be taken between choosing it and redis binding
    /// it; then the server exits (or someone else answers) and another port is tried.
    pub fn start() -> PrivateRedis {
        assert!(
            require("redis-server", "a test with a private Redis"),
            "redis-server is required for this test"
        );
        for _ in 0..20 {
            let mut r = PrivateRedis {
                port: free_port(),
                child: None,
            };
            if r.spawn_and_wait() {
                return r;
            }
        }
        panic!("could not start a private redis-server on any free port");
    }

    /// Starts it again on the same port after [`kill`](Self::kill) (a Redis that comes back).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.spawn_and_wait() {
            assert!(
                Instant::now() < deadline,
                "redis-server could not bind port {} again",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Spawns redis on `self.port`; true once it answers there as this very process.
    fn spawn_and_wait(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server: {e}"));
        let pid = child.id();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(_)) = c.try_wait()
            {
                // Exited: the port was taken.
                self.child = None;
                return false;
            }
            match self.server_pid() {
                Some(p) if p == pid => return true,
                // Someone else answers on this port.
                Some(_) => {
                    self.kill();
                    return false;
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        self.kill();
        false
    }

    /// The `process_id` of whatever Redis answers on the port.
    fn server_pid(&self) -> Option<u32> {
        let reply = self.raw(&["INFO", "server"])?;
        let line = reply.lines().find(|l| l.starts_with("process_id:"))?;
        line.trim_start_matches("process_id:").trim().parse().ok()
    }

    /// One command over a plain socket, the reply as text (enough for INFO and GET).
    fn raw(&self, args: &[&str]) -> Option<String> {
        let mut s = TcpStream::connect_timeout(
            &([127, 0, 0, 1], self.port).into(),
            Duration::from_millis(200),
        )
        .ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut cmd = format!("*{}\r\n", args.len());
        for a in args {
            cmd.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(cmd.as_bytes()).ok()?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        // A bulk reply: `$<len>\r\n<data>\r\n`, or `$-1\r\n` for nil.
        loop {
            let n = s.read(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some((head, rest)) = text.split_once("\r\n") {
                if head == "$-1" || head.starts_with('-') {
                    return None;
                }
                if let Some(len) = head.strip_prefix('$').and_then(|l| l.parse::<usize>().ok())
                    && rest.len() >= len
                {
                    return Some(rest[..len].to_string());
                }
            }
        }
        None
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The value of `key`, read around hoga.
    pub fn raw_get(&self, key: &str) -> Option<String> {
        self.raw(&["GET", key])
    }

    /// Stops it at once (no shutdown save): Redis gone mid-run.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A ratatui screen as text: one line per row, wide characters once (their spacer cell
/// skipped), trailing blanks trimmed.
pub fn screen_text(buf: &ratatui::buffer::Buffer) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        let mut line = String::new();
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            x += UnicodeWidthStr::width(sym).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

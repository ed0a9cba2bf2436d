//! Progress output: an indicatif bar on a terminal, plain `key=value` log lines otherwise
//! (cron, systemd, Airflow capture stderr), nothing in tests.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub trait Reporter: Send + Sync {
    /// The number of stocks this run will fetch.
    fn begin(&self, total: u64);
    /// `done` stocks handled so far, `failed` of them failed.
    fn advance(&self, done: u64, failed: u64);
    /// A one-off message (resume, fallbacks).
    fn note(&self, line: &str);
    fn end(&self);
}

/// Says nothing.
pub struct Silent;

impl Reporter for Silent {
    fn begin(&self, _: u64) {}
    fn advance(&self, _: u64, _: u64) {}
    fn note(&self, _: &str) {}
    fn end(&self) {}
}

/// The progress bar for a terminal.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} stocks  {per_sec}  ETA {eta}  {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar { bar }
    }
}

impl Default for Bar {
    fn default() -> Self {
        Bar::new()
    }
}

impl Reporter for Bar {
    fn begin(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.reset_eta();
    }

    fn advance(&self, done: u64, failed: u64) {
        self.bar.set_position(done);
        if failed > 0 {
            self.bar.set_message(format!("failed {failed}"));
        }
    }

    fn note(&self, line: &str) {
        self.bar.println(line);
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}

/// Plain lines on stderr, at most one progress line every `every`.
pub struct Lines {
    state: Mutex<LineState>,
    every: Duration,
}

struct LineState {
    total: u64,
    started: Instant,
    last: Option<Instant>,
    done: u64,
    failed: u64,
}

impl Lines {
    pub fn new(every: Duration) -> Lines {
        Lines {
            state: Mutex::new(LineState {
                total: 0,
                started: Instant::now(),
                last: None,
                done: 0,
                failed: 0,
            }),
            every,
        }
    }

    fn line(s: &LineState) -> String {
        let secs = s.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            s.done as f64 / secs
        } else {
            0.0
        };
        let eta = if rate > 0.0 {
            format!("{:.0}", s.total.saturating_sub(s.done) as f64 / rate)
        } else {
            "-".into()
        };
        format!(
            "ingest progress done={} total={} rate={rate:.1}/s eta_s={eta} failed={}",
            s.done, s.total, s.failed
        )
    }
}

impl Reporter for Lines {
    fn begin(&self, total: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.total = total;
            s.started = Instant::now();
            eprintln!("ingest start total={total}");
        }
    }

    fn advance(&self, done: u64, failed: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.done = done;
            s.failed = failed;
            let due = s.last.is_none_or(|t| t.elapsed() >= self.every);
            if due {
                s.last = Some(Instant::now());
                let line = Lines::line(&s);
                let _ = writeln!(std::io::stderr(), "{line}");
            }
        }
    }

    fn note(&self, line: &str) {
        let _ = writeln!(std::io::stderr(), "ingest note msg={line:?}");
    }

    fn end(&self) {
        if let Ok(s) = self.state.lock() {
            let _ = writeln!(std::io::stderr(), "{}", Lines::line(&s));
        }
    }
}

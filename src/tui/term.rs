//! Taking over and restoring the terminal. Restoring is idempotent and runs on every exit
//! path: normal quit, error (guard drop), panic (hook) and signals (the loop exits cleanly).

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The terminal was taken over once: from then on a frame is drawn only while it is ours.
static ENTERED: AtomicBool = AtomicBool::new(false);
/// Held while a frame is drawn, and by `restore`: a panic in a background task restores the
/// terminal between two frames, never in the middle of one, and no frame after it hides the
/// cursor again on a terminal already handed back.
static FRAME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The right to draw a frame now: `None` once the terminal has been handed back.
pub fn frame() -> Option<std::sync::MutexGuard<'static, ()>> {
    let g = FRAME.lock().unwrap_or_else(|e| e.into_inner());
    if ENTERED.load(Ordering::SeqCst) && !ACTIVE.load(Ordering::SeqCst) {
        None
    } else {
        Some(g)
    }
}

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal back as it was. Safe to call any number of times, from any thread.
pub fn restore() {
    // Wait for a frame being drawn to end; not for ever (a panic inside a frame holds it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(250);
    let _frame = loop {
        match FRAME.try_lock() {
            Ok(g) => break Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => break Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(1))
            }
            Err(std::sync::TryLockError::WouldBlock) => break None,
        }
    };
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = stdout();
        let _ = execute!(
            out,
            EndSynchronizedUpdate,
            DisableMouseCapture,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
    }
}

/// Restores the terminal when dropped (error returns and unwinding).
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Raw mode, alternate screen, mouse (if wanted), bracketed paste; plus a panic hook that
/// restores the terminal before the panic message is printed.
pub fn enter(mouse: bool) -> std::io::Result<(Tui, Guard)> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    ENTERED.store(true, Ordering::SeqCst);
    let guard = Guard;
    let mut out = stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((terminal, guard))
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let was_active = ACTIVE.load(Ordering::SeqCst);
        restore();
        tracing::error!("panic: {info}");
        previous(info);
        if was_active {
            // A panic in a background task would otherwise leave the screen running on a
            // terminal already handed back: end the program, as a main-thread panic would.
            eprintln!("hoga stopped after an internal error; the log file has the details.");
            std::process::exit(101);
        }
    }));
}

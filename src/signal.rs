//! The process's "stop" signals: SIGINT (Ctrl-C) and SIGTERM (a scheduler's stop), as one future,
//! so every headless command ends its waits the same way.

/// Exit code of a command ended by a signal (128 + SIGINT), as shells report Ctrl-C.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Resolves on the next SIGINT or SIGTERM. Needs a tokio runtime with I/O enabled; if a handler
/// cannot be installed, that signal is simply not awaited (the default action still applies).
pub async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let term_recv = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => {
                if r.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            _ = term_recv => {}
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

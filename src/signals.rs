//! The signals that ask a long-running command to stop: SIGINT (Ctrl-C) and SIGTERM.

/// The name of the first SIGINT or SIGTERM. The handlers are installed by this call, not at the
/// first poll, so that a signal that comes before the task runs is not lost.
#[cfg(unix)]
pub fn first_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

/// The first Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
pub fn first_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    Ok(async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            // No handler could be installed: nothing will ever ask the run to stop.
            Err(_) => std::future::pending().await,
        }
    })
}

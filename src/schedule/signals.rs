//! SIGTERM and SIGINT ask for a clean stop: the first cancels the shutdown token (no new
//! run; the run in flight stops at its next safe point — between two steps, or between two
//! files of `ingest` — and is recorded); a second one exits at once, which is safe too:
//! batches are atomic and the next run takes over the lock.

use tokio_util::sync::CancellationToken;

/// Exit status after a second signal (128 + SIGINT, as shells report it).
const FORCED_EXIT: i32 = 130;

/// Spawns a task that cancels `token` on the first SIGTERM/SIGINT and exits the process
/// on the second.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::warn!("Stopping: no new runs; the run in progress stops at its next safe point (between two files or steps). Signal again to stop at once.");
        token.cancel();
        wait_for_signal().await;
        eprintln!("momentos: {}", crate::t!("schedule-stopped-at-once"));
        std::process::exit(FORCED_EXIT);
    });
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        _ => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

//! What every handler shares.

use std::sync::Arc;
use std::time::Instant;

use service::DatabaseConnection;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::config::Config;
use crate::problem::Problem;

/// The database, the settings, the writes under way, and the document.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) db: DatabaseConnection,
    pub(crate) config: Arc<Config>,
    pub(crate) writes: TaskTracker,
    /// One per write running: as many as requests may be served at once. A write outlives
    /// its request when the client goes away or the request times out, and would otherwise
    /// escape the concurrency limit, which counts requests.
    pub(crate) write_slots: Arc<Semaphore>,
    /// The OpenAPI document, as served.
    pub(crate) document: Arc<String>,
}

impl AppState {
    /// Runs a write to its end on a task of its own, and waits for it.
    ///
    /// A handler's future is dropped when its client goes away or its request times out; a
    /// write dropped between its `COMMIT` and the answer would be committed and reported to
    /// no one, or a transaction dropped midway rolled back only when its connection is next
    /// used. On its own task the write finishes either way, and the server waits for these
    /// tasks before it stops.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        write: impl Future<Output = Result<T, Problem>> + Send + 'static,
    ) -> Result<T, Problem> {
        let slot = Arc::clone(&self.write_slots)
            .try_acquire_owned()
            .map_err(|_| Problem::overloaded())?;
        let started = Instant::now();
        let write = async move {
            let result = write.await;
            // Also when no one waits for the answer any more: the outcome is in the log.
            tracing::debug!(
                ok = result.is_ok(),
                elapsed_ms = started.elapsed().as_millis(),
                "write finished"
            );
            drop(slot);
            result
        };
        // The task carries the request's span, so that its log lines carry the request id.
        self.writes
            .spawn(write.in_current_span())
            .await
            .unwrap_or_else(|panic| {
                tracing::error!(error = %panic, "a write panicked");
                Err(Problem::internal())
            })
    }
}

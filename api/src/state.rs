//! What every handler shares.

use std::sync::Arc;

use service::DatabaseConnection;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::problem::Problem;

/// The database, the settings, the writes under way, and the document.
#[derive(Clone)]
pub(crate) struct AppState {
    /// Where writes go (and reads inside a write's transaction).
    pub(crate) db: DatabaseConnection,
    /// Where reads go: a read-only pool of its own on a SQLite file
    /// ([`Pools`](service::Pools)), so that reads run beside the one writer.
    pub(crate) reader: DatabaseConnection,
    pub(crate) config: Arc<Config>,
    pub(crate) writes: TaskTracker,
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
        self.writes.spawn(write).await.unwrap_or_else(|panic| {
            tracing::error!(error = %panic, "a write panicked");
            Err(Problem::internal())
        })
    }
}

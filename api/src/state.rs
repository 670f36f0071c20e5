//! What every handler shares.

use std::sync::Arc;
use std::time::Instant;

use service::{Account, Cluster, DatabaseConnection, Session, UserRef, WalPosition};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::config::Config;
use crate::problem::Problem;

/// The database, the settings, the writes under way, and the document.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The primary for writes, and the replicas (if any) reads may go to.
    pub(crate) cluster: Arc<Cluster>,
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
    /// Runs `read` where `session` may read: a replica that has replayed its position, else
    /// the primary.
    pub(crate) async fn read<T, Read, Fut>(
        &self,
        session: &mut Session,
        read: Read,
    ) -> Result<T, Problem>
    where
        Read: FnMut(service::Reader) -> Fut,
        Fut: Future<Output = service::Result<T>>,
    {
        Ok(self.cluster.read(session, read).await?)
    }

    /// The account `user` names, read where `session` may read.
    pub(crate) async fn find_user(
        &self,
        session: &mut Session,
        user: &UserRef,
    ) -> Result<Account, Problem> {
        self.read(
            session,
            |db| async move { service::find_user(&db, user).await },
        )
        .await
    }

    /// Runs a write to its end on a task of its own, and waits for it.
    ///
    /// A handler's future is dropped when its client goes away or its request times out; a
    /// write dropped between its `COMMIT` and the answer would be committed and reported to
    /// no one, or a transaction dropped midway rolled back only when its connection is next
    /// used. On its own task the write finishes either way, and the server waits for these
    /// tasks before it stops.
    ///
    /// Once it has committed, and if there are replicas, the primary's log position after it
    /// is recorded in `session`: what the client hands back on its next reads so that they
    /// see this write ([`POSITION`](crate::respond::POSITION)).
    pub(crate) async fn write<T: Send + 'static, Fut>(
        &self,
        mut session: Session,
        write: impl FnOnce(DatabaseConnection) -> Fut,
    ) -> Result<(T, Option<WalPosition>), Problem>
    where
        Fut: Future<Output = Result<T, Problem>> + Send + 'static,
    {
        let write = write(self.cluster.primary().clone());
        let cluster = Arc::clone(&self.cluster);
        let slot = Arc::clone(&self.write_slots)
            .try_acquire_owned()
            .map_err(|_| Problem::overloaded())?;
        let started = Instant::now();
        let write = async move {
            let result = write.await;
            // Without replicas no read can be stale: no position, and no statement for one.
            if result.is_ok() && cluster.replica_names().next().is_some() {
                cluster.record_write(&mut session).await;
            }
            let position = session.at_least();
            let result = result.map(|value| (value, position));
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

//! Serving the API until asked to stop, and stopping without cutting anything short.

use std::time::Duration;

use service::{DatabaseConnection, Pools};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::router;

/// How often expired idempotency keys are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Serves the API over `db` ([`router`](crate::router) says which pool serves what) on
/// `listener` until `shutdown` completes, then stops gracefully: no new
/// connection is accepted, the requests in flight are answered, and the writes under way
/// (even those whose client went away) run to their end before this returns. Nothing is
/// committed half-done: every write is one transaction.
///
/// # Errors
///
/// An I/O error of the listener.
pub async fn serve(
    listener: TcpListener,
    db: impl Into<Pools>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let pools = db.into();
    let purge = tokio::spawn(purge_expired_keys(pools.writer().clone()));
    let (router, writes) = router::build(pools, config);
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    purge.abort();
    writes.close();
    writes.wait().await;
    tracing::info!("stopped");
    served
}

/// Deletes expired idempotency keys now and then; a failure waits for the next round.
async fn purge_expired_keys(db: DatabaseConnection) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        match service::forget_expired_idempotency_keys(&db).await {
            Ok(forgotten) => tracing::debug!(forgotten, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "expired idempotency keys not deleted"),
        }
    }
}

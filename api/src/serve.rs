//! Serving the API until asked to stop, and stopping without cutting anything short, nor
//! waiting forever.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use service::{Cluster, DatabaseConnection};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::router;

/// How often expired idempotency keys are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// How long a client may take to send a request's headers, and an idle connection may stay
/// open: a client that sends them slowly, or never, holds a connection no longer than this.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections open at once; more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 1024;

/// Serves the API on `listener` until `shutdown` completes, then stops gracefully: no new
/// connection is accepted, the requests in flight are answered (for up to the request timeout
/// and [`HEADER_READ_TIMEOUT`] more; connections still open then are closed), and the writes
/// under way, even those whose client went away, run to their end before this returns.
/// Nothing is committed half-done: every write is one transaction.
///
/// # Errors
///
/// None so far: a connection that cannot be accepted is logged and the loop goes on.
pub async fn serve(
    listener: TcpListener,
    cluster: impl Into<Arc<Cluster>>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = config.request_timeout + HEADER_READ_TIMEOUT;
    let cluster = cluster.into();
    let (router, writes) = router::build(Arc::clone(&cluster), config);
    let purge = tokio::spawn(purge_expired_keys(cluster.primary().clone()));
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "connections still open after the grace period: closed"
        );
    }
    purge.abort();
    writes.close();
    writes.wait().await;
    tracing::info!("stopped");
    Ok(())
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

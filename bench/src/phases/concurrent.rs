//! What the concurrent phases share: a runtime on every core, and the pools they run on.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use service::Pools;

/// Runs `work` on a runtime of its own with a worker per core, as `accounts serve` runs.
///
/// The sequential phases run on one thread (a second would only add cross-thread wake-ups to
/// both sides); concurrent work must be able to use every core. Everything `work` connects
/// lives and ends on that runtime.
pub async fn on_all_cores<T, F>(work: impl FnOnce() -> F + Send + 'static) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>>,
{
    tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start a multi-threaded runtime")?;
        runtime.block_on(work())
    })
    .await
    .context("the concurrent run panicked")?
}

/// The pools a side runs on, and the statements sent through them.
pub struct Counted {
    pub pools: Pools,
    statements: Arc<AtomicU64>,
}

impl Counted {
    /// `Pools::connect(url)`, as `accounts serve` connects, or with `single` one pool for both
    /// (the design before `Pools`); every connection opened before anything is timed.
    pub async fn connect(url: &str, single: bool) -> Result<Self> {
        let mut pools = if single {
            Pools::shared(service::connect(url).await?)
        } else {
            Pools::connect(url).await?
        };
        let statements = Arc::new(AtomicU64::new(0));
        let sink = Arc::clone(&statements);
        pools.set_metric_callback(move |_| {
            sink.fetch_add(1, Ordering::Relaxed);
        });
        warm_up(pools.writer()).await?;
        if pools.has_readers_of_its_own() {
            warm_up(pools.reader()).await?;
        }
        Ok(Self { pools, statements })
    }

    /// Statements sent so far through both pools.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Closes the pools.
    pub async fn close(self) -> Result<()> {
        Ok(self.pools.close().await?)
    }
}

/// Opens every connection `db`'s pool may hold, so that no timed part pays for connecting.
async fn warm_up(db: &DatabaseConnection) -> Result<()> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            let mut held = Vec::new();
            for _ in 0..pool.options().get_max_connections() {
                held.push(pool.acquire().await.context("cannot warm up the pool")?);
            }
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            let mut held = Vec::new();
            for _ in 0..pool.options().get_max_connections() {
                held.push(pool.acquire().await.context("cannot warm up the pool")?);
            }
        }
        _ => {}
    }
    Ok(())
}

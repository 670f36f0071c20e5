//! Counting the statements SeaORM sends, through its metric callback.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::DatabaseConnection;

/// The number of statements a connection has run since [`StatementCounter::attach`].
///
/// SeaORM calls the callback for every statement it prepares and runs, and not for `BEGIN`,
/// `COMMIT` or `ROLLBACK`: the raw side counts the same way.
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Counts every statement `db` (and any transaction begun on it) runs from now on.
    pub fn attach(db: &mut DatabaseConnection) -> Self {
        let count = Arc::new(AtomicU64::new(0));
        let sink = Arc::clone(&count);
        db.set_metric_callback(move |_| {
            sink.fetch_add(1, Ordering::Relaxed);
        });
        Self(count)
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

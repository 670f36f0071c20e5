//! One transaction per business operation.

use sea_orm::{TransactionSession, TransactionTrait};

use crate::error::Result;

/// Runs `work` in a transaction of its own (a savepoint when `db` is a caller's transaction):
/// committed if `work` succeeds, rolled back if it fails.
///
/// The rollback is awaited here. Dropping a transaction only queues its rollback until the
/// connection is next used, and until then the pooled connection keeps the transaction's locks.
pub(crate) async fn run<C, T>(
    db: &C,
    work: impl AsyncFnOnce(&C::Transaction) -> Result<T>,
) -> Result<T>
where
    C: TransactionTrait,
{
    let txn = db.begin().await?;
    match work(&txn).await {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            // The operation's error is the one to report. A rollback that fails leaves a broken
            // connection, which the pool discards.
            let _ = txn.rollback().await;
            Err(err)
        }
    }
}

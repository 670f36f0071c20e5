//! One transaction per business operation, run again when the database was too busy for it.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use sea_orm::{
    DatabaseConnection, SqliteTransactionMode, TransactionOptions, TransactionSession,
    TransactionTrait,
};

use crate::error::{Error, Result};

/// How many times in all a transaction that failed with [`Error::Busy`] is run.
///
/// A lost race (a deadlock, a serialization failure, a SQLite snapshot gone stale) fails at
/// once and usually succeeds on the next try; a timeout (MySQL's lock wait, SQLite's busy
/// timeout) has already waited long, and more tries would only multiply that. Four covers the
/// first without making the second much worse.
const ATTEMPTS: u32 = 4;

/// The longest wait before the first retry; each further retry waits up to twice as long.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);

/// Runs `work` in a transaction of its own (a savepoint when `db` is a caller's transaction):
/// committed if `work` succeeds, rolled back if it fails.
///
/// Given a connection pool, a transaction that failed with [`Error::Busy`] is run again as a
/// whole, up to [`ATTEMPTS`] times, after a random wait: the racers that made each other fail
/// would collide again if they all came back at once. `work` is cloned for each run; nothing
/// of a failed run was committed, so running it again is safe.
///
/// Given a caller's transaction, nothing is run again: a busy error may have ended the
/// caller's whole transaction (MySQL rolls all of it back after a deadlock, and a savepoint
/// run again would then write outside of any transaction), so only the caller can retry it.
pub(crate) async fn run<C, T>(
    db: &C,
    work: impl AsyncFnOnce(&C::Transaction) -> Result<T> + Clone,
) -> Result<T>
where
    C: TransactionTrait,
{
    let retry = begins_whole_transactions::<C>();
    retrying(retry, || run_once(db, work.clone())).await
}

/// Runs `attempt` until it succeeds, fails otherwise than with [`Error::Busy`], or has run
/// [`ATTEMPTS`] times; once only unless `retry`.
///
/// A closure returning a future, not an async closure: the futures of async closures that
/// borrow cannot yet be proven `Send`, and callers spawn these operations on other threads.
pub(crate) async fn retrying<T, Attempt>(
    retry: bool,
    mut attempt: impl FnMut() -> Attempt,
) -> Result<T>
where
    Attempt: Future<Output = Result<T>>,
{
    let mut attempts = 1;
    loop {
        match attempt().await {
            Err(Error::Busy(_)) if retry && attempts < ATTEMPTS => {
                tokio::time::sleep(backoff(attempts)).await;
                attempts += 1;
            }
            result => return result,
        }
    }
}

/// One run of [`run`].
///
/// The rollback is awaited here. Dropping a transaction only queues its rollback until the
/// connection is next used, and until then the pooled connection keeps the transaction's locks.
async fn run_once<C, T>(db: &C, work: impl AsyncFnOnce(&C::Transaction) -> Result<T>) -> Result<T>
where
    C: TransactionTrait,
{
    // Every transaction of this crate writes, and on SQLite it takes the write lock at BEGIN.
    // SQLite's default, DEFERRED, begins as a reader and upgrades at the first write; when
    // another connection has committed in between, the upgrade fails at once, without waiting
    // for the busy timeout: SQLITE_BUSY_SNAPSHOT in WAL mode, SQLITE_BUSY with a rollback
    // journal (waiting there could deadlock). Each operation that reads before it writes
    // (onboarding by email, changing an email, deleting a user) would fail that way under
    // concurrency. IMMEDIATE waits for the write lock at BEGIN under the busy timeout instead:
    // SQLite has one writer at a time anyway, so writers queue there rather than fail later.
    // The other backends ignore this option, and so does a savepoint.
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await?;
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

/// Whether each `begin` on a `C` starts a whole transaction, which can be run again: true for
/// a connection pool, false for a caller's transaction, where `begin` makes a savepoint.
///
/// `TransactionTrait` does not tell, and `C` need not be `'static`, so `TypeId` cannot; the
/// type's name can. Any type other than [`DatabaseConnection`], a caller's wrapper included, is
/// never retried: the safe side.
pub(crate) fn begins_whole_transactions<C>() -> bool {
    std::any::type_name::<C>() == std::any::type_name::<DatabaseConnection>()
}

/// A random wait before retry `attempt` (from 1): "full jitter", anywhere from zero to a
/// ceiling that doubles with each attempt.
fn backoff(attempt: u32) -> Duration {
    let ceiling = FIRST_BACKOFF.saturating_mul(1 << (attempt - 1).min(16));
    // `RandomState` is seeded at random for each instance: enough to spread the racers out,
    // without a dependency for it.
    let random = RandomState::new().hash_one(attempt);
    ceiling.mul_f64(random as f64 / u64::MAX as f64)
}

#[cfg(test)]
mod tests {
    use sea_orm::DatabaseTransaction;

    use super::*;

    #[test]
    fn only_a_connection_pool_is_retried() {
        assert!(begins_whole_transactions::<DatabaseConnection>());
        assert!(!begins_whole_transactions::<DatabaseTransaction>());
    }

    #[test]
    fn backoff_stays_under_a_doubling_ceiling_and_varies() {
        for attempt in 1..ATTEMPTS {
            let ceiling = FIRST_BACKOFF * 2_u32.pow(attempt - 1);
            let waits: Vec<Duration> = (0..32).map(|_| backoff(attempt)).collect();
            assert!(waits.iter().all(|wait| *wait <= ceiling), "{waits:?}");
            assert!(waits.iter().any(|wait| *wait != waits[0]), "{waits:?}");
        }
    }
}

//! One transaction per business operation, run again when the database was too busy for it.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionSession, TransactionTrait,
};

use crate::error::{Error, Result};

/// The most times in all a transaction that failed with [`Error::Busy`] is run.
const ATTEMPTS: u32 = 4;

/// How long an operation may keep running its transaction again after it failed with
/// [`Error::Busy`]: a try is only started if the time already spent, plus as long again as the
/// last try took, fits within it.
///
/// A lost race (a deadlock, a serialization failure, a SQLite snapshot gone stale) fails at
/// once and usually succeeds on the next try; a lock wait timeout has already waited its whole
/// timeout ([`Timeouts::lock_wait`](crate::Timeouts)), and trying again blindly would
/// multiply that wait by the number of tries. Twice the default lock wait lets a busy operation
/// wait for one lock twice, then report [`Error::Busy`].
pub const RETRY_BUDGET: Duration = Duration::from_secs(10);

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
    C: Retryable,
{
    let retry = db.begins_whole_transactions();
    retrying(retry, || run_once(db, work.clone())).await
}

/// Runs `attempt` until it succeeds, fails otherwise than with [`Error::Busy`], has run
/// [`ATTEMPTS`] times, or another try would not fit within [`RETRY_BUDGET`]; once only unless
/// `retry`.
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
    let start = Instant::now();
    let mut attempts = 1;
    loop {
        let began = Instant::now();
        match attempt().await {
            Err(Error::Busy(err)) if retry && attempts < ATTEMPTS => {
                let wait = backoff(attempts);
                // The next try is assumed to take as long as this one: one that waited for a
                // lock until its timeout will likely wait as long again.
                if start.elapsed() + began.elapsed() + wait > RETRY_BUDGET {
                    return Err(Error::Busy(err));
                }
                tokio::time::sleep(wait).await;
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

/// A connection the operations of this crate run on: a pool, or a caller's transaction. It
/// says whether a transaction begun on it may be run again after a lost race.
///
/// A `begin` on a pool starts a whole transaction, which can be run again from the start. On a
/// caller's transaction it makes a savepoint, which must not be: a busy error may have ended the
/// caller's whole transaction (MySQL rolls all of it back after a deadlock), and running the
/// savepoint again would then write outside of any transaction. Only the caller can run its
/// transaction again.
pub trait Retryable: TransactionTrait {
    /// Whether a transaction begun here is a whole one, which may be run again.
    fn begins_whole_transactions(&self) -> bool;
}

impl Retryable for DatabaseConnection {
    fn begins_whole_transactions(&self) -> bool {
        true
    }
}

impl Retryable for DatabaseTransaction {
    fn begins_whole_transactions(&self) -> bool {
        false
    }
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
    use super::*;

    #[test]
    fn only_a_connection_pool_is_retried() {
        let pool = DatabaseConnection::default();
        assert!(pool.begins_whole_transactions());
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

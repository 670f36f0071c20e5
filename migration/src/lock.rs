//! Migrating from many processes at once: one at a time, the others finding the work done.
//!
//! Several instances of an application that start together each migrate; without a lock two of
//! them run the same `CREATE TABLE` and one fails (and on SQLite and MySQL, where DDL is not
//! transactional, can leave half a schema). As Rails and sqlx's migrator do, a whole run takes
//! a lock first: PostgreSQL's transaction-scoped advisory lock, MySQL's `GET_LOCK`, SQLite's
//! write lock (`BEGIN IMMEDIATE`), tried again until [`MIGRATION_LOCK_WAIT`] has passed. The run then happens inside that transaction, so the lock is
//! held exactly as long as the run; a process that waited finds nothing pending and goes on.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait, Value,
};

/// How long a run waits for another process's run to finish before giving up.
pub const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The advisory lock key of this schema's migrations on PostgreSQL: any fixed number that no
/// other advisory lock of the database uses ("accounts" in ASCII). On MySQL the lock is named
/// `migrate:` and the database's name.
pub const POSTGRES_KEY: i64 = 0x6163_636f_756e_7473;

/// A transaction holding the migration lock.
pub(crate) struct Locked {
    pub(crate) txn: DatabaseTransaction,
    /// MySQL's lock belongs to the session, not the transaction: released by name.
    mysql_name: Option<String>,
}

/// Begins a transaction on `db` and takes the migration lock in it, trying again until
/// [`MIGRATION_LOCK_WAIT`] has passed.
///
/// Each try returns at once (`pg_try_advisory_xact_lock`, `GET_LOCK` with no wait, `BEGIN
/// IMMEDIATE` under the busy timeout), so the session's own lock wait and statement timeouts,
/// set for application statements and far shorter, never cut the wait short.
pub(crate) async fn acquire<C>(db: &C) -> Result<Locked, DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    let deadline = Instant::now() + MIGRATION_LOCK_WAIT;
    loop {
        if let Some(locked) = try_acquire(db).await? {
            return Ok(locked);
        }
        if Instant::now() >= deadline {
            return Err(timed_out());
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
}

/// How long to wait between two tries of the lock.
const RETRY_EVERY: Duration = Duration::from_millis(100);

/// One try: the transaction holding the lock, or `None` if another process holds it.
async fn try_acquire<C>(db: &C) -> Result<Option<Locked>, DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    let backend = db.get_database_backend();
    let (sql, values, mysql): (&str, Vec<Value>, bool) = match backend {
        DatabaseBackend::Postgres => (
            "SELECT pg_try_advisory_xact_lock($1), ''",
            vec![POSTGRES_KEY.into()],
            false,
        ),
        // Named locks are server-wide: the database's name keeps two databases of one server
        // (the tests') from waiting on each other.
        DatabaseBackend::MySql => (
            "SELECT GET_LOCK(CONCAT('migrate:', DATABASE()), 0) = 1, \
             CONCAT('migrate:', DATABASE())",
            Vec::new(),
            true,
        ),
        _ => {
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            return match db.begin_with_options(options).await {
                Ok(txn) => Ok(Some(Locked {
                    txn,
                    mysql_name: None,
                })),
                Err(err) if is_sqlite_busy(&err) => Ok(None),
                Err(err) => Err(err),
            };
        }
    };
    let txn = db.begin().await?;
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::Custom("the migration lock query returned no row".to_owned()))?;
    let got = row
        .try_get_by_index::<bool>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|got| got == 1))?;
    if !got {
        // Ends the transaction at once rather than when dropped.
        txn.rollback().await?;
        return Ok(None);
    }
    let mysql_name = if mysql {
        Some(row.try_get_by_index::<String>(1)?)
    } else {
        None
    };
    Ok(Some(Locked { txn, mysql_name }))
}

impl Locked {
    /// Ends the run: commits after `result` succeeded, rolls back otherwise, and releases the
    /// lock either way. `result` is what is returned, unless committing fails.
    pub(crate) async fn release<T>(self, result: Result<T, DbErr>) -> Result<T, DbErr> {
        if let Some(name) = &self.mysql_name {
            // Released even when the run failed: the session goes back to the pool alive.
            let released = self
                .txn
                .execute_raw(Statement::from_sql_and_values(
                    DatabaseBackend::MySql,
                    "DO RELEASE_LOCK(?)",
                    [name.as_str().into()],
                ))
                .await;
            if let (Ok(_), Err(err)) = (&result, released) {
                let _ = self.txn.rollback().await;
                return Err(err);
            }
        }
        match result {
            Ok(value) => {
                self.txn.commit().await?;
                Ok(value)
            }
            Err(err) => {
                // The run's error is the one to report; a failed rollback leaves a broken
                // connection, which the pool discards.
                let _ = self.txn.rollback().await;
                Err(err)
            }
        }
    }
}

fn timed_out() -> DbErr {
    DbErr::Custom(format!(
        "another process has been migrating this database for {} s; try again later",
        MIGRATION_LOCK_WAIT.as_secs()
    ))
}

/// SQLITE_BUSY and its extended codes (the low byte is the primary code).
pub(crate) fn is_sqlite_busy(err: &DbErr) -> bool {
    use sea_orm_migration::sea_orm::{RuntimeErr, sqlx};
    let (DbErr::Conn(RuntimeErr::SqlxError(sqlx_err))
    | DbErr::Exec(RuntimeErr::SqlxError(sqlx_err))
    | DbErr::Query(RuntimeErr::SqlxError(sqlx_err))) = err
    else {
        return false;
    };
    let sqlx::Error::Database(db_err) = sqlx_err.as_ref() else {
        return false;
    };
    db_err
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

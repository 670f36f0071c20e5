//! Migrating from many processes at once: one at a time, the others finding the work done.
//!
//! Several instances of an application that start together each migrate; without a lock two of
//! them run the same `CREATE TABLE` and one fails (and on SQLite and MySQL, where DDL is not
//! transactional, can leave half a schema). As Rails and sqlx's migrator do, a whole run takes
//! a lock first: PostgreSQL's transaction-scoped advisory lock, MySQL's `GET_LOCK`, SQLite's
//! write lock (`BEGIN IMMEDIATE`). The run then happens inside that transaction, so the lock is
//! held exactly as long as the run; a process that waited finds nothing pending and goes on.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

/// How long a run waits for another process's run to finish before giving up.
pub const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The advisory lock key of this schema's migrations on PostgreSQL: any fixed number that no
/// other advisory lock of the database uses ("accounts" in ASCII).
const POSTGRES_KEY: i64 = 0x6163_636f_756e_7473;

/// A transaction holding the migration lock.
pub(crate) struct Locked {
    pub(crate) txn: DatabaseTransaction,
    /// MySQL's lock belongs to the session, not the transaction: released by name.
    mysql_name: Option<String>,
}

/// Begins a transaction on `db` and takes the migration lock in it, waiting up to
/// [`MIGRATION_LOCK_WAIT`].
pub(crate) async fn acquire<C>(db: &C) -> Result<Locked, DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let txn = db.begin().await?;
            // `lock_timeout` bounds this wait; the session's own value is for application
            // statements, far shorter than a migration run may take.
            let wait = MIGRATION_LOCK_WAIT.as_millis();
            txn.execute_unprepared(&format!("SET LOCAL lock_timeout = {wait}"))
                .await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [POSTGRES_KEY.into()],
            ))
            .await?;
            Ok(Locked {
                txn,
                mysql_name: None,
            })
        }
        DatabaseBackend::MySql => {
            let txn = db.begin().await?;
            // Named locks are server-wide: the database's name keeps two databases of one
            // server (the tests') from waiting on each other.
            let row = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::MySql,
                    "SELECT CONCAT('migrate:', DATABASE()), \
                     GET_LOCK(CONCAT('migrate:', DATABASE()), ?)",
                    [MIGRATION_LOCK_WAIT.as_secs().into()],
                ))
                .await?
                .ok_or_else(|| DbErr::Custom("GET_LOCK returned no row".to_owned()))?;
            let name: String = row.try_get_by_index(0)?;
            let got: Option<i64> = row.try_get_by_index(1)?;
            if got != Some(1) {
                return Err(timed_out());
            }
            Ok(Locked {
                txn,
                mysql_name: Some(name),
            })
        }
        _ => {
            // SQLite's busy timeout bounds each try of BEGIN IMMEDIATE; tries go on until the
            // deadline, as a migration run may take longer than an application statement.
            let deadline = Instant::now() + MIGRATION_LOCK_WAIT;
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            loop {
                match db.begin_with_options(options).await {
                    Ok(txn) => {
                        return Ok(Locked {
                            txn,
                            mysql_name: None,
                        });
                    }
                    Err(err) if is_sqlite_busy(&err) && Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(err) if is_sqlite_busy(&err) => return Err(timed_out()),
                    Err(err) => return Err(err),
                }
            }
        }
    }
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
fn is_sqlite_busy(err: &DbErr) -> bool {
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

//! Which constraint a database error violated, or whether it was a failure of the moment
//! rather than of the data, read the same way on SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! `DbErr::sql_err` is not enough: it gives a message but no constraint name, and it misses
//! SQLite's `ON DELETE RESTRICT` (extended code 1811) and PostgreSQL 18's `restrict_violation`
//! (SQLSTATE 23001). The three databases report constraints differently, so each has its own
//! reader below; all of them yield the names of `entity::constraints`. [`transient`] reads
//! the same codes for lost races (deadlocks, serialization failures, busy databases) and lost
//! connections.

use entity::constraints::{
    GUESTS_USER_ID_FOREIGN_KEY, GUESTS_USER_ID_UNIQUE, HOSTS_USER_ID_FOREIGN_KEY,
    HOSTS_USER_ID_UNIQUE, IDEMPOTENCY_KEYS_KEY_UNIQUE, USERS_EMAIL_LOWERCASE, USERS_EMAIL_UNIQUE,
};
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::mysql::MySqlDatabaseError;
use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// A violated constraint of this schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A unique constraint, by name.
    Unique(&'static str),
    /// A check constraint, by name.
    Check(&'static str),
    /// A row refers to a user that does not exist (insert or update of a guest or host).
    MissingParent,
    /// A user cannot be deleted or re-keyed: a guest or host refers to it.
    StillReferenced,
}

const UNIQUE: [&str; 4] = [
    USERS_EMAIL_UNIQUE,
    GUESTS_USER_ID_UNIQUE,
    HOSTS_USER_ID_UNIQUE,
    IDEMPOTENCY_KEYS_KEY_UNIQUE,
];
const CHECK: [&str; 1] = [USERS_EMAIL_LOWERCASE];
const FOREIGN_KEY: [&str; 2] = [GUESTS_USER_ID_FOREIGN_KEY, HOSTS_USER_ID_FOREIGN_KEY];

/// SQLite names the columns of a violated unique constraint, never the constraint.
const SQLITE_UNIQUE_COLUMNS: [(&str, &str); 4] = [
    ("users.email", USERS_EMAIL_UNIQUE),
    ("guests.user_id", GUESTS_USER_ID_UNIQUE),
    ("hosts.user_id", HOSTS_USER_ID_UNIQUE),
    ("idempotency_keys.key", IDEMPOTENCY_KEYS_KEY_UNIQUE),
];

/// A failure that says nothing about the data: the same work may succeed when run again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transient {
    /// The statement lost a race for a lock or a snapshot, or waited too long for one: a
    /// deadlock, a serialization failure, a lock wait timeout, a statement timeout, a busy or
    /// locked SQLite database.
    /// The database has undone the statement (MySQL a deadlocked transaction as a whole);
    /// nothing of it was committed.
    Busy,
    /// The connection ended under the statement: killed, the server shutting down, the network.
    Lost,
}

/// The error a database driver returned, by backend.
enum DriverError<'a> {
    Postgres(&'a PgDatabaseError),
    MySql(&'a MySqlDatabaseError),
    Sqlite(&'a SqliteError),
}

/// The sqlx error inside `err`, if SeaORM got one from sqlx. A `BEGIN` or `COMMIT` that fails
/// comes back as `DbErr::Query`, a statement as `DbErr::Exec` or `DbErr::Query`, and
/// connecting as `DbErr::Conn`.
fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(sqlx_err))
        | DbErr::Exec(RuntimeErr::SqlxError(sqlx_err))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx_err)) => Some(sqlx_err),
        _ => None,
    }
}

/// The database's own error inside `err`, if the database reported one.
fn driver_error(err: &sqlx::Error) -> Option<DriverError<'_>> {
    let sqlx::Error::Database(db_err) = err else {
        return None;
    };
    if let Some(pg) = db_err.try_downcast_ref::<PgDatabaseError>() {
        Some(DriverError::Postgres(pg))
    } else if let Some(mysql) = db_err.try_downcast_ref::<MySqlDatabaseError>() {
        Some(DriverError::MySql(mysql))
    } else {
        db_err
            .try_downcast_ref::<SqliteError>()
            .map(DriverError::Sqlite)
    }
}

/// The constraint of this schema that `err` violated, if any.
pub(crate) fn classify(err: &DbErr) -> Option<Violation> {
    match driver_error(sqlx_error(err)?)? {
        DriverError::Postgres(pg) => postgres(pg),
        DriverError::MySql(mysql) => mysql_or_mariadb(mysql),
        DriverError::Sqlite(lite) => sqlite(lite),
    }
}

/// PostgreSQL gives the SQLSTATE and the constraint name in fields of their own.
fn postgres(err: &PgDatabaseError) -> Option<Violation> {
    let constraint = err.constraint();
    match err.code() {
        "23505" => known(constraint?, &UNIQUE).map(Violation::Unique),
        "23514" => known(constraint?, &CHECK).map(Violation::Check),
        // PostgreSQL 18 reports a violated ON DELETE RESTRICT as `restrict_violation`.
        "23001" => known(constraint?, &FOREIGN_KEY).map(|_| Violation::StillReferenced),
        // Up to PostgreSQL 17, both directions are `foreign_key_violation`; only the message
        // (in the server's `lc_messages`, English by default) tells which side was written.
        "23503" => known(constraint?, &FOREIGN_KEY).map(|_| {
            if err.message().starts_with("update or delete") {
                Violation::StillReferenced
            } else {
                Violation::MissingParent
            }
        }),
        _ => None,
    }
}

/// MySQL and MariaDB give an error number, and the constraint name inside the message only.
fn mysql_or_mariadb(err: &MySqlDatabaseError) -> Option<Violation> {
    let message = err.message();
    match err.number() {
        // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME: "Duplicate entry '…' for key 'name'"
        // (MySQL 8 writes 'table.name').
        1062 | 1586 => {
            let key = message.rsplit_once(" for key '")?.1.strip_suffix('\'')?;
            let key = key.rsplit_once('.').map_or(key, |(_, name)| name);
            known(key, &UNIQUE).map(Violation::Unique)
        }
        // ER_ROW_IS_REFERENCED(_2): a parent row cannot be deleted or updated.
        1217 | 1451 => Some(Violation::StillReferenced),
        // ER_NO_REFERENCED_ROW(_2): a child row refers to no parent.
        1216 | 1452 => Some(Violation::MissingParent),
        // MariaDB's ER_CONSTRAINT_FAILED ("CONSTRAINT `name` failed for …") and MySQL's
        // ER_CHECK_CONSTRAINT_VIOLATED ("Check constraint 'name' is violated.").
        4025 | 3819 => CHECK
            .into_iter()
            .find(|name| {
                message.contains(&format!("`{name}`")) || message.contains(&format!("'{name}'"))
            })
            .map(Violation::Check),
        _ => None,
    }
}

/// SQLite gives an extended result code, the columns of a unique violation, and the name of a
/// check constraint; a foreign key violation names nothing.
fn sqlite(err: &SqliteError) -> Option<Violation> {
    let message = err.message();
    match err.code()?.as_ref() {
        // SQLITE_CONSTRAINT_UNIQUE: "UNIQUE constraint failed: table.column"
        "2067" => {
            let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
            SQLITE_UNIQUE_COLUMNS
                .into_iter()
                .find(|(c, _)| *c == columns)
                .map(|(_, name)| Violation::Unique(name))
        }
        // SQLITE_CONSTRAINT_CHECK: "CHECK constraint failed: name"
        "275" => {
            known(message.strip_prefix("CHECK constraint failed: ")?, &CHECK).map(Violation::Check)
        }
        // SQLITE_CONSTRAINT_FOREIGNKEY: a child row refers to no parent. (A parent delete under
        // NO ACTION reports this too, but every foreign key here is RESTRICT.)
        "787" => Some(Violation::MissingParent),
        // SQLITE_CONSTRAINT_TRIGGER: how SQLite reports a parent delete refused by RESTRICT.
        "1811" if message == "FOREIGN KEY constraint failed" => Some(Violation::StillReferenced),
        _ => None,
    }
}

/// Whether `err` is a failure of the moment, and which.
pub(crate) fn transient(err: &DbErr) -> Option<Transient> {
    let sqlx_err = sqlx_error(err)?;
    if let Some(driver_err) = driver_error(sqlx_err) {
        return match driver_err {
            DriverError::Postgres(pg) => postgres_transient(pg.code()),
            DriverError::MySql(mysql) => mysql_transient(mysql.number()),
            DriverError::Sqlite(lite) => sqlite_transient(&lite.code()?),
        };
    }
    // The socket or the SQLite worker thread is gone, or no connection came free.
    matches!(
        sqlx_err,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
    .then_some(Transient::Lost)
}

/// PostgreSQL's SQLSTATEs of lost races and lost connections.
fn postgres_transient(code: &str) -> Option<Transient> {
    match code {
        // serialization_failure, deadlock_detected, lock_not_available (`lock_timeout`, `NOWAIT`),
        // query_canceled (`statement_timeout`)
        "40001" | "40P01" | "55P03" | "57014" => Some(Transient::Busy),
        // admin_shutdown (`pg_terminate_backend`, a fast shutdown), crash_shutdown,
        // cannot_connect_now (starting up or shutting down)
        "57P01" | "57P02" | "57P03" => Some(Transient::Lost),
        // Class 08: connection_exception and its subclasses.
        code if code.starts_with("08") => Some(Transient::Lost),
        _ => None,
    }
}

/// MySQL's and MariaDB's error numbers of lost races and lost connections.
fn mysql_transient(number: u16) -> Option<Transient> {
    match number {
        // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT (row locks and, through `lock_wait_timeout`,
        // metadata locks), ER_CHECKREAD: MariaDB's serialization failure ("Record has changed
        // since last read") under `innodb_snapshot_isolation`; MariaDB's ER_STATEMENT_TIMEOUT
        // (`max_statement_time`) and MySQL's ER_QUERY_TIMEOUT (`max_execution_time`).
        1213 | 1205 | 1020 | 1969 | 3024 => Some(Transient::Busy),
        // ER_SERVER_SHUTDOWN, and MariaDB's ER_CONNECTION_KILLED (`KILL CONNECTION` of this
        // connection while it ran a statement).
        1053 | 1927 => Some(Transient::Lost),
        _ => None,
    }
}

/// Whether `err` is SQLite's SQLITE_READONLY (8) or one of its extended codes.
pub(crate) fn read_only(err: &DbErr) -> bool {
    let Some(DriverError::Sqlite(lite)) = sqlx_error(err).and_then(driver_error) else {
        return false;
    };
    lite.code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 8)
}

/// SQLite's result codes of a busy or locked database.
fn sqlite_transient(code: &str) -> Option<Transient> {
    // sqlx gives the extended code; its low byte is the primary code. SQLITE_BUSY (5) covers
    // SQLITE_BUSY_RECOVERY (261), SQLITE_BUSY_SNAPSHOT (517) and SQLITE_BUSY_TIMEOUT (773);
    // SQLITE_LOCKED (6) covers SQLITE_LOCKED_SHAREDCACHE (262) and SQLITE_LOCKED_VTAB (518).
    let code: i32 = code.parse().ok()?;
    matches!(code & 0xff, 5 | 6).then_some(Transient::Busy)
}

/// `name` as one of `names`, so that callers can match on the constants.
fn known(name: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|known| *known == name)
}

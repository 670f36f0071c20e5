//! Connecting: the backend is chosen by the URL alone.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::Result;

/// How long connecting, or waiting for a pooled connection, may take before the operation
/// fails with [`Error::Unavailable`](crate::Error::Unavailable) instead of hanging.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a SQLite statement waits for another connection's lock before failing with
/// `SQLITE_BUSY`.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection settings this crate uses for `url`: `sqlite:…`, `postgres://…` or
/// `mysql://…`. Adjust them (pool size, timeouts) and pass them to [`connect_with`].
///
/// # SQLite
///
/// Every SQLite connection gets:
///
/// - `journal_mode = WAL`: readers do not block the writer nor the writer the readers, and a
///   commit appends to the log instead of rewriting pages through a rollback journal.
/// - `synchronous = NORMAL`: in WAL mode the log is synced at checkpoints, not at every commit,
///   which makes a small write transaction several times cheaper.
/// - `busy_timeout = 5 s`: a connection that finds the database locked by another one waits
///   that long before failing with `SQLITE_BUSY`.
/// - `foreign_keys = ON`: the schema's `ON DELETE RESTRICT` keys are enforced (SQLite's own
///   default is off).
///
/// The durability trade-off: with WAL and `synchronous = NORMAL`, a transaction that has
/// committed can be lost if the machine loses power or the operating system crashes before the
/// next checkpoint syncs the log; the database file is never corrupted by it, and a crash of
/// the application alone loses nothing. An application that must not lose an acknowledged
/// write sets `synchronous = FULL` through
/// [`ConnectOptions::map_sqlx_sqlite_opts`] (which replaces these settings: set all four).
///
/// An in-memory database (`sqlite::memory:`) keeps SQLite's `MEMORY` journal: SQLite ignores a
/// request for WAL there, and there is nothing to sync.
#[must_use]
pub fn connect_options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(CONNECT_TIMEOUT)
        // Statements are logged at debug level: an info-level log line per query drowns an
        // application's own logs.
        .sqlx_logging_level(log::LevelFilter::Debug)
        // Only called for `sqlite:` URLs: the other backends ignore it.
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    options
}

/// Connects to `url` with [`connect_options`].
///
/// # Errors
///
/// [`Error::Unavailable`](crate::Error::Unavailable) if the database cannot be reached within
/// [`CONNECT_TIMEOUT`], or a database error (a malformed URL, say).
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    connect_with(connect_options(url)).await
}

/// Connects with `options`.
///
/// # Errors
///
/// As [`connect`].
pub async fn connect_with(options: ConnectOptions) -> Result<DatabaseConnection> {
    Ok(Database::connect(options).await?)
}

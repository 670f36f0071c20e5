//! How the workspace connects: one set of options for the service, the `accounts` tool and the
//! migration binary, so that every one of them waits for the same bounded times.

use std::time::Duration;

use sea_orm_migration::sea_orm::sqlx::mysql::MySqlConnectOptions;
use sea_orm_migration::sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm_migration::sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm_migration::sea_orm::sqlx::{self, Connection as _, Executor};
use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr};

/// How long connecting, or waiting for a pooled connection, may take before failing instead of
/// hanging.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the database may make one statement wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// The longest wait for a lock another session holds (a row, a table, SQLite's write
    /// lock) before the statement fails as busy: PostgreSQL's `lock_timeout` (whole
    /// milliseconds, at least one), MySQL's `innodb_lock_wait_timeout` and `lock_wait_timeout`
    /// (whole seconds, at least one), SQLite's busy timeout. There is no "no timeout": zero is
    /// taken as the shortest wait each database knows.
    pub lock_wait: Duration,
    /// The longest a statement may run: PostgreSQL's `statement_timeout`, MariaDB's
    /// `max_statement_time`, MySQL's `max_execution_time` (which bounds only `SELECT`s).
    /// SQLite has none; its statements here are short, and its waits are lock waits.
    pub statement: Duration,
}

impl Timeouts {
    /// 5 s for a lock, 30 s for a statement.
    pub const DEFAULT: Self = Self {
        lock_wait: Duration::from_secs(5),
        statement: Duration::from_secs(30),
    };
}

impl Default for Timeouts {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The connection settings for `url` (`sqlite:…`, `postgres://…` or `mysql://…`) with the
/// default [`Timeouts`]. Adjust them (pool size, timeouts) and connect with them.
///
/// # SQLite
///
/// Every SQLite connection gets `journal_mode = WAL` (readers and the writer do not block each
/// other), `synchronous = NORMAL` (the log is synced at checkpoints, not at every commit),
/// a busy timeout of [`Timeouts::lock_wait`], and `foreign_keys = ON` (SQLite's own default is
/// off).
///
/// The durability trade-off: with WAL and `synchronous = NORMAL`, a transaction that has
/// committed can be lost if the machine loses power or the operating system crashes before the
/// next checkpoint syncs the log; the database file is never corrupted by it, and a crash of
/// the application alone loses nothing. An application that must not lose an acknowledged
/// write sets `synchronous = FULL` through [`ConnectOptions::map_sqlx_sqlite_opts`] (which
/// replaces these settings: set all four).
///
/// An in-memory database (`sqlite::memory:`) keeps SQLite's `MEMORY` journal: SQLite ignores a
/// request for WAL there, and there is nothing to sync.
#[must_use]
pub fn connect_options(url: &str) -> ConnectOptions {
    connect_options_with(url, Timeouts::DEFAULT)
}

/// [`connect_options`] with other [`Timeouts`].
#[must_use]
pub fn connect_options_with(url: &str, timeouts: Timeouts) -> ConnectOptions {
    // PostgreSQL reads 0 ms as "no timeout": a timeout under a millisecond is one millisecond.
    let lock_wait = timeouts.lock_wait.max(Duration::from_millis(1));
    let statement = timeouts.statement.max(Duration::from_millis(1));
    let mut options = ConnectOptions::new(url);
    options
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(CONNECT_TIMEOUT)
        // Statements are logged at debug level: an info-level log line per query drowns an
        // application's own logs. So are slow ones: sqlx warns of them by default, SQL text
        // and all, and a busy database would print them before the one error that matters;
        // the timeouts below bound them, and a busy statement is an error of its own.
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Debug, Duration::from_secs(1))
        // Each closure is called only for its own backend.
        .map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(lock_wait)
                .foreign_keys(true)
        })
        // Startup parameters: set by the server for the whole session, no extra round trip.
        .map_sqlx_postgres_opts(move |postgres| {
            postgres.options([
                ("lock_timeout", lock_wait.as_millis().to_string()),
                ("statement_timeout", statement.as_millis().to_string()),
            ])
        })
        // MySQL has no startup parameters: each new connection sets its session first.
        .map_sqlx_mysql_pool_opts(move |pool| {
            pool.after_connect(move |connection, _| {
                Box::pin(async move {
                    let lock_secs = lock_wait.as_secs_f64().ceil().max(1.0);
                    connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "SET SESSION innodb_lock_wait_timeout = {lock_secs}, \
                             lock_wait_timeout = {lock_secs}"
                        )))
                        .await?;
                    let mariadb = format!(
                        "SET SESSION max_statement_time = {}",
                        statement.as_secs_f64()
                    );
                    if connection
                        .execute(sqlx::AssertSqlSafe(mariadb))
                        .await
                        .is_err()
                    {
                        // MySQL: milliseconds, and only for SELECT.
                        let mysql =
                            format!("SET SESSION max_execution_time = {}", statement.as_millis());
                        connection.execute(sqlx::AssertSqlSafe(mysql)).await?;
                    }
                    Ok(())
                })
            })
        });
    if url.starts_with("sqlite:") {
        // sqlx pings a pooled connection each time it hands one out (`test_before_acquire`).
        // For SQLite that is a round trip to the connection's worker thread, two thread
        // wake-ups per operation, and it can find nothing wrong: no peer can hang up on a file.
        // A server's pool keeps it, as there it finds connections the server has closed.
        options.test_before_acquire(false);
    }
    options
}

/// Connects with `options`, and says why not when it cannot: the URL is checked first
/// ([`check_url`]), and a server is tried with one plain connection before the pool is made.
///
/// # Errors
///
/// [`DbErr::Conn`] saying what went wrong (nothing listens there, the database does not exist,
/// authentication failed, no SQLite file) and what to do, or SeaORM's own error.
pub async fn connect(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let url = options.get_url().to_owned();
    check_url(&url)?;
    probe(&url).await?;
    // Connecting to SQLite runs pragmas, and switching a new file to WAL, or reopening one
    // whose last connection is folding its log back, can fail with SQLITE_BUSY at once: SQLite
    // skips the busy handler where waiting could deadlock. Several processes starting on one
    // file at once meet that; they try again within the connect timeout.
    let deadline = std::time::Instant::now() + CONNECT_TIMEOUT;
    loop {
        match Database::connect(options.clone()).await {
            Err(err)
                if crate::lock::is_sqlite_busy(&err) && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            connected => return connected.map_err(|err| explained(&url, err)),
        }
    }
}

/// One plain connection to a server before the pool is made, closed at once.
///
/// A pool that cannot connect keeps trying until its acquire timeout and then says only "pool
/// timed out while waiting for an open connection": five seconds to learn nothing. One
/// connection fails at once with the reason (refused, no such database, bad password).
async fn probe(url: &str) -> Result<(), DbErr> {
    let attempt = async {
        if url.starts_with("postgres://") {
            connect_once::<PgConnectOptions>(url).await
        } else if url.starts_with("mysql://") {
            connect_once::<MySqlConnectOptions>(url).await
        } else {
            Ok(())
        }
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(explained(
            url,
            DbErr::Conn(RuntimeErr::SqlxError(err.into())),
        )),
        Err(_) => Err(unavailable(format!(
            "no answer within {} s: check the host and port, and that the server is up",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// Opens one connection of the driver `O` to `url` and closes it.
async fn connect_once<O>(url: &str) -> Result<(), sqlx::Error>
where
    O: sqlx::ConnectOptions + std::str::FromStr<Err = sqlx::Error>,
    O::Connection: Sized,
{
    let options: O = url.parse()?;
    options
        .disable_statement_logging()
        .connect()
        .await?
        .close()
        .await
}

/// `err`, a failure to connect to `url`, as an error that says what went wrong and what to do
/// when that is known.
fn explained(url: &str, err: DbErr) -> DbErr {
    let DbErr::Conn(RuntimeErr::SqlxError(sqlx_err)) = &err else {
        return err;
    };
    let hint = match sqlx_err.as_ref() {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => Some(format!(
            "{io}: nothing listens there; is the server running?"
        )),
        sqlx::Error::Database(db_err) => {
            let code = db_err.code().unwrap_or_default();
            let message = db_err.message();
            match code.as_ref() {
                // PostgreSQL invalid_catalog_name, MySQL ER_BAD_DB_ERROR.
                "3D000" | "42000" if message.contains("database") => Some(format!(
                    "{message}: create it first (CREATE DATABASE), then run the migrations"
                )),
                // PostgreSQL invalid_password / invalid_authorization_specification,
                // MySQL ER_ACCESS_DENIED_ERROR.
                "28P01" | "28000" => Some(format!("{message}: check the user and password")),
                // SQLite SQLITE_CANTOPEN.
                "14" if !url.contains("mode=rwc") => Some(format!(
                    "{message}: no database file there; add ?mode=rwc to the URL to create one"
                )),
                "14" => Some(format!(
                    "{message}: the file cannot be created there; does its directory exist, and \
                     may this user write to it?"
                )),
                _ => None,
            }
        }
        _ => None,
    };
    match hint {
        Some(hint) => unavailable(hint),
        None => err,
    }
}

fn unavailable(message: String) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(message))
}

/// [`connect_options_with`] for a SQLite file that can be read but not written: a file in a
/// directory this process may not write to, where SQLite cannot create the `-wal` and `-shm`
/// files that a WAL database needs even to be read.
///
/// The file is opened read-only and immutable: SQLite then reads the file alone, without
/// locks. That is exact when no `-wal` file is left beside it (the case in which opening it
/// the usual way fails), and only as long as nobody writes to it meanwhile: for a short-lived
/// reader, such as one command of a tool. Other backends get [`connect_options_with`]'s
/// options.
#[must_use]
pub fn read_only_options(url: &str, timeouts: Timeouts) -> ConnectOptions {
    let mut options = connect_options_with(url, timeouts);
    let lock_wait = timeouts.lock_wait;
    options.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .read_only(true)
            .immutable(true)
            .busy_timeout(lock_wait)
            .foreign_keys(true)
    });
    options
}

/// Checks that `url` is a URL a driver of this workspace can read, before it is given to one.
///
/// SeaORM quotes a URL it cannot read whole in its error ("The connection string '…' has no
/// supporting driver"), password included; a URL checked here never reaches that message, and
/// this error names what is wrong without quoting any of it.
///
/// # Errors
///
/// A [`DbErr::Conn`] saying which part is wrong.
pub fn check_url(url: &str) -> Result<(), DbErr> {
    let refuse = |why: String| Err(DbErr::Conn(RuntimeErr::Internal(why)));
    let Some((scheme, _)) = url.split_once(':') else {
        return refuse("the database URL has no scheme (sqlite:, postgres://, mysql://)".into());
    };
    let parsed = match scheme {
        "sqlite" => url.parse::<sqlx::sqlite::SqliteConnectOptions>().map(drop),
        "postgres" => url.parse::<sqlx::postgres::PgConnectOptions>().map(drop),
        "mysql" => url.parse::<sqlx::mysql::MySqlConnectOptions>().map(drop),
        "postgresql" => return refuse("write postgres:// rather than postgresql://".into()),
        "mariadb" => return refuse("write mysql:// for MariaDB too".into()),
        _ => {
            return refuse(format!(
                "unknown database URL scheme {:?}: use sqlite:, postgres:// or mysql://",
                crate::redact(scheme)
            ));
        }
    };
    match parsed {
        Ok(()) if scheme == "sqlite" || url.starts_with(&format!("{scheme}://")) => Ok(()),
        Ok(()) => refuse(format!("a {scheme} database URL starts with {scheme}://")),
        // sqlx's reasons name the part that is wrong, not its value; redacted all the same.
        Err(err) => refuse(format!(
            "the database URL cannot be read: {}",
            crate::redact(&err.to_string())
        )),
    }
}

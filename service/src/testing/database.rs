//! [`TestDatabase`]: a fresh database, built by the real migrations, for one test.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use std::future::Future;
use std::pin::Pin;

use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, ExecResult, IsolationLevel, QueryResult, QueryStream, Statement,
    StreamTrait, TransactionError, TransactionOptions, TransactionTrait,
};
use tempfile::TempDir;
use url::Url;

use crate::connect::{connect_options, connect_with};
use crate::error::{Error, Result};
use crate::transaction::Retryable;

/// The environment variable naming the database server tests run against.
///
/// Unset: each test gets an in-memory SQLite database. A `postgres://` or `mysql://` URL of a
/// server: each test gets a database of its own on that server, created, migrated, and dropped
/// when the test ends.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// How long a pool made for concurrency may keep an operation waiting for a connection.
///
/// Those tests queue many more operations than there are connections, on a 2-core machine
/// perhaps running other tests: waiting is expected there, and this bound only turns a hang
/// into a failure.
pub const POOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

/// A fresh, migrated database that only one test sees. Dereferences to its connection.
pub struct TestDatabase {
    // Declared first so that it is dropped before the directory holding a SQLite file.
    connection: DatabaseConnection,
    url: String,
    /// The server and the database to drop, for a database created on a server.
    created: Option<(Url, String)>,
    /// The directory of a SQLite database file, kept for its drop: that deletes it with the
    /// database and its WAL files.
    _directory: Option<TempDir>,
}

impl TestDatabase {
    /// A fresh database on the backend that [`TEST_DATABASE_URL`] names.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] if the server cannot be reached, or the database error of
    /// creating or migrating the database.
    pub async fn new() -> Result<Self> {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(url) if !url.is_empty() => Self::on_server(&url, None).await,
            _ => Self::in_memory().await,
        }
    }

    /// A fresh database whose connection is a pool of up to `max_connections`, for tests that
    /// run operations concurrently: on the server [`TEST_DATABASE_URL`] names, else a SQLite
    /// file ([`TestDatabase::sqlite_file`]), since an in-memory database lives in a single
    /// connection, which would run everything one by one.
    ///
    /// An operation may wait for a connection up to [`POOL_ACQUIRE_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// As [`TestDatabase::new`] and [`TestDatabase::sqlite_file`].
    pub async fn with_pool(max_connections: u32) -> Result<Self> {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(url) if !url.is_empty() => Self::on_server(&url, Some(max_connections)).await,
            _ => Self::sqlite_file(max_connections).await,
        }
    }

    /// A fresh, migrated SQLite database in a file of its own, in WAL mode, behind a pool of up
    /// to `max_connections`; the file is deleted on drop. The other settings are
    /// [`connect_options`]'s.
    ///
    /// An operation may wait for a connection up to [`POOL_ACQUIRE_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// The database error of creating, configuring or migrating the file, as
    /// [`Error::Database`] (a temporary directory that cannot be made included).
    pub async fn sqlite_file(max_connections: u32) -> Result<Self> {
        let directory = tempfile::Builder::new()
            .prefix("accounts-test-")
            .tempdir()
            .map_err(|err| {
                Error::Database(DbErr::Custom(format!(
                    "cannot make a temporary directory: {err}"
                )))
            })?;
        let path = directory.path().join("accounts.db");
        let path = path.to_str().ok_or_else(|| {
            Error::Database(DbErr::Custom(format!(
                "the temporary path {} is not UTF-8",
                path.display()
            )))
        })?;
        // sqlx percent-decodes the path and ends it at `?`.
        let path = path
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23");
        let url = format!("sqlite://{path}?mode=rwc");

        // One connection creates the file, switches it to WAL and migrates it. The journal
        // mode is a property of the file, which every later connection finds. `connect_options`
        // asks for WAL too; asking here keeps these tests on WAL whatever it comes to say. In
        // WAL mode readers never wait for the writer, and a writer that read first can fail
        // with SQLITE_BUSY_SNAPSHOT: the case worth testing.
        let mut setup = connect_options(&url);
        setup.max_connections(1);
        let setup = connect_with(setup).await?;
        setup
            .execute_unprepared("PRAGMA journal_mode = WAL")
            .await?;
        Migrator::up(&setup, None).await?;
        setup.close().await?;

        let connection = connect_with(pool_options(&url, max_connections)).await?;
        Ok(Self {
            connection,
            url,
            created: None,
            _directory: Some(directory),
        })
    }

    /// Another pool of up to `max_connections` to this database: a second client, which can,
    /// for one, end a connection of the first.
    ///
    /// An operation may wait for a connection up to [`POOL_ACQUIRE_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] if the database cannot be reached, or [`Error::Database`] for an
    /// in-memory database, which no other connection can see.
    pub async fn connect_again(&self, max_connections: u32) -> Result<DatabaseConnection> {
        if self.url.contains(":memory:") {
            return Err(Error::Database(DbErr::Custom(
                "an in-memory SQLite database cannot be opened twice".to_owned(),
            )));
        }
        connect_with(pool_options(&self.url, max_connections)).await
    }

    async fn in_memory() -> Result<Self> {
        let url = "sqlite::memory:";
        let mut options = connect_options(url);
        // An in-memory database lives as long as its one connection: never let the pool close
        // it.
        options
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
        let connection = connect_with(options).await?;
        Migrator::up(&connection, None).await?;
        Ok(Self {
            connection,
            url: url.to_owned(),
            created: None,
            _directory: None,
        })
    }

    /// A database of its own on the server of `server_url`, behind a pool of up to
    /// `max_connections` (`connect_options`'s default when `None`).
    async fn on_server(server_url: &str, max_connections: Option<u32>) -> Result<Self> {
        let server = Url::parse(server_url).map_err(|err| {
            Error::Database(DbErr::Custom(format!(
                "{TEST_DATABASE_URL} is not a URL: {err}"
            )))
        })?;
        let name = format!("accounts_test_{}", uuid::Uuid::now_v7().simple());
        let admin = connect_with(connect_options(server.as_str())).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        admin.close().await?;

        let mut url = server.clone();
        url.set_path(&name);
        let options = match max_connections {
            Some(max) => pool_options(url.as_str(), max),
            None => connect_options(url.as_str()),
        };
        let connection = connect_with(options).await?;
        let database = Self {
            connection,
            url: url.to_string(),
            created: Some((server, name)),
            _directory: None,
        };
        Migrator::up(&database.connection, None).await?;
        Ok(database)
    }

    /// The URL of this database, to open more connections to it.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection to this database.
    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }
}

impl Deref for TestDatabase {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.connection
    }
}

impl DerefMut for TestDatabase {
    /// Mutable access, for [`DatabaseConnection::set_metric_callback`].
    fn deref_mut(&mut self) -> &mut DatabaseConnection {
        &mut self.connection
    }
}

// `TestDatabase` is a connection wherever one is expected, so that a test passes `&db` as it
// would pass a pool. Each method hands the call to the pool it holds.
#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for TestDatabase {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.connection.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.connection.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.connection.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.connection.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.connection.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.connection.support_returning()
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl TransactionTrait for TestDatabase {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.connection.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.connection
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.connection.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.connection.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.connection
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

impl StreamTrait for TestDatabase {
    type Stream<'a> = QueryStream;

    fn get_database_backend(&self) -> DatabaseBackend {
        self.connection.get_database_backend()
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<QueryStream, DbErr>> + 'a + Send>> {
        self.connection.stream_raw(stmt)
    }
}

impl Retryable for TestDatabase {
    fn begins_whole_transactions(&self) -> bool {
        self.connection.begins_whole_transactions()
    }
}

impl Drop for TestDatabase {
    /// Drops a database created on a server, even when the test panicked.
    ///
    /// `Drop` cannot await, and the test's runtime may be the one running this; a thread with a
    /// runtime of its own does the dropping.
    fn drop(&mut self) {
        let Some((server, name)) = self.created.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| DbErr::Custom(err.to_string()))?;
            runtime.block_on(drop_database(&server, &name))
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop a test database: {err}");
        }
    }
}

/// [`connect_options`] for a pool of up to `max_connections` that waits for a connection up to
/// [`POOL_ACQUIRE_TIMEOUT`].
fn pool_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut options = connect_options(url);
    options
        .max_connections(max_connections)
        .acquire_timeout(POOL_ACQUIRE_TIMEOUT);
    options
}

async fn drop_database(server: &Url, name: &str) -> Result<(), DbErr> {
    let mut options = connect_options(server.as_str());
    options.max_connections(1);
    let admin = sea_orm::Database::connect(options).await?;
    let result = force_drop(&admin, name).await;
    admin.close().await?;
    result
}

/// Drops database `name`, ending the connections the test's pool may still hold to it: the
/// test's runtime is blocked in `Drop`, so those cannot finish a pending rollback by themselves.
async fn force_drop(admin: &DatabaseConnection, name: &str) -> Result<(), DbErr> {
    match admin.get_database_backend() {
        DatabaseBackend::Postgres => {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
        }
        // MySQL has no FORCE: a connection with an open transaction holds a metadata lock that
        // DROP DATABASE would wait on forever, so end those connections first.
        DatabaseBackend::MySql => {
            let sessions = admin
                .query_all_raw(Statement::from_sql_and_values(
                    DatabaseBackend::MySql,
                    "SELECT id FROM information_schema.processlist WHERE db = ?",
                    [name.into()],
                ))
                .await?
                .iter()
                .map(|row| row.try_get_by_index::<i64>(0))
                .collect::<Result<Vec<_>, _>>()?;
            for session in sessions {
                // A session may end on its own meanwhile; that is what this wants anyway.
                let _ = admin
                    .execute_unprepared(&format!("KILL CONNECTION {session}"))
                    .await;
            }
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                .await?;
        }
        _ => {}
    }
    Ok(())
}

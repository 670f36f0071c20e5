//! [`TestDatabase`]: a fresh database, built by the real migrations, for one test.

use std::ops::{Deref, DerefMut};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use url::Url;

use crate::connect::{connect_options, connect_with};
use crate::error::{Error, Result};

/// The environment variable naming the database server tests run against.
///
/// Unset: each test gets an in-memory SQLite database. A `postgres://` or `mysql://` URL of a
/// server: each test gets a database of its own on that server, created, migrated, and dropped
/// when the test ends.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// A fresh, migrated database that only one test sees. Dereferences to its connection.
pub struct TestDatabase {
    connection: DatabaseConnection,
    url: String,
    /// The server and the database to drop, for a database created on a server.
    created: Option<(Url, String)>,
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
            Ok(url) if !url.is_empty() => Self::on_server(&url).await,
            _ => Self::in_memory().await,
        }
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
        })
    }

    async fn on_server(server_url: &str) -> Result<Self> {
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
        let connection = connect_with(connect_options(url.as_str())).await?;
        let database = Self {
            connection,
            url: url.to_string(),
            created: Some((server, name)),
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

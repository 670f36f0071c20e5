//! Where the databases come from: a fresh, migrated one for every phase and side.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use tempfile::TempDir;
use url::Url;

/// The backend the databases are made on.
pub enum Target {
    /// SQLite files named `{stem}-{label}.db` in `dir`.
    Sqlite {
        dir: PathBuf,
        stem: String,
        /// Removes the default directory when the run ends.
        _temp: Option<TempDir>,
    },
    /// Databases created on a PostgreSQL server through `admin`, and dropped.
    Postgres {
        server: Url,
        admin: DatabaseConnection,
    },
}

/// A fresh, migrated database, until [`Target::dispose`].
pub struct Fresh {
    /// The connection both sides use: the service directly, the raw side through its pool.
    pub db: DatabaseConnection,
    /// Its URL, for more pools and for `accounts serve`.
    pub url: String,
    /// The SQLite file, or the database name on the server.
    name: String,
}

impl Target {
    /// The target `url` names; SQLite files in a temporary directory when `None`.
    pub async fn new(url: Option<&str>) -> Result<Self> {
        let Some(url) = url else {
            let temp = TempDir::new().context("cannot create a temporary directory")?;
            return Ok(Self::Sqlite {
                dir: temp.path().to_path_buf(),
                stem: "bench".to_owned(),
                _temp: Some(temp),
            });
        };
        if url.starts_with("sqlite:") {
            return Self::sqlite_beside(url);
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let server = Url::parse(url).with_context(|| format!("{url} is not a URL"))?;
            let mut options = service::connect_options(url);
            options.max_connections(1);
            let admin = service::connect_with(options)
                .await
                .with_context(|| format!("cannot connect to {}", redacted(&server)))?;
            return Ok(Self::Postgres { server, admin });
        }
        bail!(
            "--database-url must be a sqlite: or postgres:// URL (the raw side speaks only these)"
        )
    }

    fn sqlite_beside(url: &str) -> Result<Self> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            bail!("an in-memory SQLite database cannot be recreated per phase: give a file path");
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("{url} is not a SQLite URL"))?;
        let file = options.get_filename();
        let stem = file
            .file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|stem| !stem.is_empty())
            .with_context(|| format!("{url} names no file"))?;
        let dir = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Self::Sqlite {
            dir,
            stem: stem.to_owned(),
            _temp: None,
        })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// A new database, migrated with the real migrations, connected with
    /// `service::connect_options`.
    pub async fn fresh(&self, label: &str) -> Result<Fresh> {
        let (url, name) = match self {
            Self::Sqlite { dir, stem, .. } => {
                let file = dir.join(format!("{stem}-{label}.db"));
                remove_sqlite_files(&file)?;
                let url = format!("sqlite://{}?mode=rwc", file.display());
                (url, file.display().to_string())
            }
            Self::Postgres { server, admin } => {
                // Unique per run, so that an aborted run's leftovers never collide.
                let name = format!(
                    "bench_{}_{}",
                    label.replace('-', "_"),
                    uuid::Uuid::now_v7().simple()
                );
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .with_context(|| format!("cannot create database {name}"))?;
                let mut url = server.clone();
                url.set_path(&name);
                (url.to_string(), name)
            }
        };
        let fresh = async {
            let db = service::connect(&url)
                .await
                .with_context(|| format!("cannot connect to {name}"))?;
            Migrator::up(&db, None)
                .await
                .with_context(|| format!("cannot migrate {name}"))?;
            warm_up(&db).await?;
            Ok(db)
        }
        .await;
        match fresh {
            Ok(db) => Ok(Fresh { db, url, name }),
            Err(err) => {
                self.remove(&name).await?;
                Err(err)
            }
        }
    }

    /// Closes `fresh` and deletes its database.
    pub async fn dispose(&self, fresh: Fresh) -> Result<()> {
        fresh
            .db
            .close()
            .await
            .context("cannot close a connection")?;
        self.remove(&fresh.name).await
    }

    async fn remove(&self, name: &str) -> Result<()> {
        match self {
            Self::Sqlite { .. } => remove_sqlite_files(Path::new(name)),
            Self::Postgres { admin, .. } => {
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .with_context(|| format!("cannot drop database {name}"))?;
                Ok(())
            }
        }
    }

    /// Closes the server connection.
    pub async fn close(self) -> Result<()> {
        if let Self::Postgres { admin, .. } = self {
            admin
                .close()
                .await
                .context("cannot close the server connection")?;
        }
        Ok(())
    }
}

/// Opens every connection a server pool may hold, so that no timed part pays for connecting.
///
/// sqlx hands a released connection back to the pool in a task of its own, so one operation
/// after another often finds no idle connection and opens a new one: a cold pool grows to its
/// maximum during the first thousand or so operations, each connection costing a TLS handshake
/// and a server process. That is start-up cost, not the cost of an operation. (A SQLite pool
/// opens its one connection when it is created.)
async fn warm_up(db: &DatabaseConnection) -> Result<()> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let pool = db.get_postgres_connection_pool();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.context("cannot warm up the pool")?);
    }
    drop(held);
    // Let the returning tasks put every connection back before anything is timed.
    while pool.num_idle() < pool.size() as usize {
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// The database file and the WAL files SQLite keeps beside it.
fn remove_sqlite_files(file: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).with_context(|| format!("cannot remove {}", file.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `url` without its password, for error messages.
fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        // Only fails for URLs that cannot have a password, and this one has one.
        let _ = url.set_password(Some("***"));
    }
    url.to_string()
}

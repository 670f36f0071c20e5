//! A pool for reads beside the pool for writes: on a SQLite file, reads run on connections of
//! their own, in parallel with each other and with the one writer.
//!
//! SQLite has one writer at a time, and the service's transactions take the write lock at
//! `BEGIN` (`BEGIN IMMEDIATE`): writers on several connections would only queue inside SQLite's
//! busy handler, which sleeps instead of waking at once. So the writer pool keeps one
//! connection, as SeaORM's default does, and writes queue on it in order. In WAL mode a reader
//! never waits for the writer nor the writer for readers, so reads get a pool of their own,
//! each connection on its own sqlx worker thread: reads use every core, and a long read (a
//! streamed listing) never holds the connection writes need.
//!
//! A server database (PostgreSQL, MySQL) has one pool of many connections already: both
//! sides are that pool.

use sea_orm::sqlx::Executor;
use sea_orm::{ConnectOptions, DatabaseConnection};

use crate::connect::{connect_options, connect_with};
use crate::error::Result;

/// The pool writes go to, and the pool reads go to: two pools on a SQLite file, one pool
/// twice otherwise. Cloning is cheap (pools are shared).
#[derive(Clone, Debug)]
pub struct Pools {
    writer: DatabaseConnection,
    reader: DatabaseConnection,
    /// Whether `reader` is a pool of its own.
    separate: bool,
}

impl Pools {
    /// Readers of a SQLite file when the caller does not choose: one per core, at least two.
    #[must_use]
    pub fn default_readers() -> u32 {
        std::thread::available_parallelism()
            .map_or(2, |cores| u32::try_from(cores.get()).unwrap_or(u32::MAX))
            .max(2)
    }

    /// Both on `db`: what a single pool gives (a server database, an in-memory SQLite
    /// database, which no other connection can see).
    #[must_use]
    pub fn shared(db: DatabaseConnection) -> Self {
        Self {
            reader: db.clone(),
            writer: db,
            separate: false,
        }
    }

    /// Connects to `url` with [`connect_options`]: on a SQLite file, a writer of one
    /// connection and [`Pools::default_readers`] readers.
    ///
    /// # Errors
    ///
    /// As [`connect`](crate::connect).
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(connect_options(url), Self::default_readers()).await
    }

    /// Connects with `options`: on a SQLite file, a writer pool of one connection and a
    /// read-only pool of up to `readers` (`PRAGMA query_only`, set as each connects, which
    /// replaces any `after_connect` of `options`); elsewhere one pool as `options` say.
    ///
    /// # Errors
    ///
    /// As [`connect`](crate::connect).
    pub async fn connect_with(options: ConnectOptions, readers: u32) -> Result<Self> {
        let mut writer = options.clone();
        if is_sqlite_file(&options) {
            writer.max_connections(1);
        }
        let writer = connect_with(writer).await?;
        Self::beside(writer, options, readers).await
    }

    /// `writer`, and beside it, on a SQLite file, a read-only pool of up to `readers`
    /// connections made with `options` (which must name `writer`'s database); elsewhere
    /// `writer` for both.
    ///
    /// # Errors
    ///
    /// As [`connect`](crate::connect), for the readers' pool.
    pub async fn beside(
        writer: DatabaseConnection,
        mut options: ConnectOptions,
        readers: u32,
    ) -> Result<Self> {
        if !is_sqlite_file(&options) {
            return Ok(Self::shared(writer));
        }
        options
            .max_connections(readers.max(1))
            .map_sqlx_sqlite_pool_opts(|pool| {
                pool.after_connect(|connection, _| {
                    Box::pin(async move {
                        connection.execute("PRAGMA query_only = ON").await?;
                        Ok(())
                    })
                })
            });
        let reader = connect_with(options).await?;
        Ok(Self {
            writer,
            reader,
            separate: true,
        })
    }

    /// The pool for operations that write (and for reads that must see them in the same
    /// transaction).
    #[must_use]
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    /// The pool for reads. On SQLite it refuses writes (`SQLITE_READONLY`), and it sees every
    /// write the writer committed before the read began.
    #[must_use]
    pub fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// Closes both pools, the readers first: the last connection to a SQLite file to close
    /// folds the log back into the database file.
    ///
    /// # Errors
    ///
    /// The database error of closing a pool.
    pub async fn close(self) -> Result<()> {
        if self.has_readers_of_its_own() {
            self.reader.close().await?;
        }
        Ok(self.writer.close().await?)
    }

    /// Calls `callback` for every statement either pool runs, as
    /// [`DatabaseConnection::set_metric_callback`] does for one.
    pub fn set_metric_callback<F>(&mut self, callback: F)
    where
        F: Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    {
        let callback = std::sync::Arc::new(callback);
        let writer = std::sync::Arc::clone(&callback);
        self.writer.set_metric_callback(move |info| writer(info));
        // A clone of a pool shares its connections, not its callback: set on each.
        if self.separate {
            self.reader.set_metric_callback(move |info| callback(info));
        } else {
            self.reader = self.writer.clone();
        }
    }

    /// Whether reads have a pool of their own (a SQLite file).
    #[must_use]
    pub fn has_readers_of_its_own(&self) -> bool {
        self.separate
    }
}

impl From<DatabaseConnection> for Pools {
    fn from(db: DatabaseConnection) -> Self {
        Self::shared(db)
    }
}

/// A SQLite database other connections can open: not an in-memory one.
fn is_sqlite_file(options: &ConnectOptions) -> bool {
    let url = options.get_url();
    url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=memory")
}

//! Connecting: the backend is chosen by the URL alone.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::Result;

/// How long connecting, or waiting for a pooled connection, may take before the operation
/// fails with [`Error::Unavailable`](crate::Error::Unavailable) instead of hanging.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection settings this crate uses for `url`: `sqlite:…`, `postgres://…` or
/// `mysql://…`. Adjust them (pool size, timeouts) and pass them to [`connect_with`].
#[must_use]
pub fn connect_options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(CONNECT_TIMEOUT)
        // Statements are logged at debug level: an info-level log line per query drowns an
        // application's own logs.
        .sqlx_logging_level(log::LevelFilter::Debug);
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

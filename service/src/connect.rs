//! Connecting: the backend is chosen by the URL alone.
//!
//! The options themselves live in the `migration` crate, which the migration binary shares:
//! every program of the workspace connects with the same timeouts.

use sea_orm::{ConnectOptions, DatabaseConnection};

pub use migration::{
    CONNECT_TIMEOUT, Timeouts, connect_options, connect_options_with, read_only_options,
};

use crate::error::Result;

/// Connects to `url` with [`connect_options`].
///
/// # Errors
///
/// [`Error::Unavailable`](crate::Error::Unavailable) if the URL cannot be read or the database
/// cannot be reached within [`CONNECT_TIMEOUT`]; its message says why (nothing listens there,
/// the database does not exist, authentication failed, no SQLite file) and what to do.
// Never the URL: it may hold a password.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    connect_with(connect_options(url)).await
}

/// Connects with `options`.
///
/// # Errors
///
/// As [`connect`].
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn connect_with(options: ConnectOptions) -> Result<DatabaseConnection> {
    Ok(migration::connect(options).await?)
}

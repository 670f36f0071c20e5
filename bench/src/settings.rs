//! The settings that decide write costs, read back from the connection both sides use.

use anyhow::{Context, Result, bail};
use sea_orm::sqlx::{self, PgPool, SqlitePool};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use serde_json::{Value, json};

/// `{"backend": …, "settings": {…}}` as the database reports them, not as they were asked for.
pub async fn read(db: &DatabaseConnection) -> Result<Value> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => sqlite(db.get_sqlite_connection_pool()).await,
        DatabaseBackend::Postgres => postgres(db.get_postgres_connection_pool()).await,
        other => bail!("no settings reader for {other:?}"),
    }
}

async fn sqlite(pool: &SqlitePool) -> Result<Value> {
    let journal_mode: String = scalar(pool, "PRAGMA journal_mode").await?;
    let synchronous: i64 = scalar(pool, "PRAGMA synchronous").await?;
    let busy_timeout_ms: i64 = scalar(pool, "PRAGMA busy_timeout").await?;
    let foreign_keys: i64 = scalar(pool, "PRAGMA foreign_keys").await?;
    let version: String = scalar(pool, "SELECT sqlite_version()").await?;
    // https://www.sqlite.org/pragma.html#pragma_synchronous
    let synchronous = match synchronous {
        0 => "OFF".to_owned(),
        1 => "NORMAL".to_owned(),
        2 => "FULL".to_owned(),
        3 => "EXTRA".to_owned(),
        other => other.to_string(),
    };
    Ok(json!({
        "backend": "sqlite",
        "settings": {
            "journal_mode": journal_mode,
            "synchronous": synchronous,
            "busy_timeout_ms": busy_timeout_ms,
            "foreign_keys": foreign_keys == 1,
            "pool_max_connections": pool.options().get_max_connections(),
            "sqlite_version": version,
        }
    }))
}

async fn postgres(pool: &PgPool) -> Result<Value> {
    let version: String = scalar(pool, "SHOW server_version").await?;
    let synchronous_commit: String = scalar(pool, "SHOW synchronous_commit").await?;
    let fsync: String = scalar(pool, "SHOW fsync").await?;
    // sqlx's default `sslmode=prefer` takes TLS whenever the server offers it, loopback included.
    let tls: bool = scalar(
        pool,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .await?;
    Ok(json!({
        "backend": "postgres",
        "settings": {
            "server_version": version,
            "synchronous_commit": synchronous_commit,
            "fsync": fsync,
            "connection_tls": tls,
            "pool_max_connections": pool.options().get_max_connections(),
        }
    }))
}

async fn scalar<DB, T>(pool: &sqlx::Pool<DB>, sql: &'static str) -> Result<T>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> (T,): sqlx::FromRow<'r, DB::Row>,
    for<'q> DB::Arguments: sqlx::IntoArguments<DB>,
    T: Send + Unpin,
{
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .with_context(|| format!("cannot read `{sql}`"))
}

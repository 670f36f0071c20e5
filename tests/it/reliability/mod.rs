//! Trying hard to break the promise: every user has exactly one guest, at most one host, and
//! nothing is ever half-written. One module per way of trying.
//!
//! Every test builds its own database with the real migrations, on the backend that
//! `TEST_DATABASE_URL` names; tests that need several connections get a pool (a SQLite file
//! when no server is named: an in-memory database has a single connection).

mod concurrency;
mod damage;
mod faults;
mod hostile_input;
mod migrating;
mod properties;
mod schema;
mod security;
mod truthful;
pub(crate) mod waits;

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use service::testing::TestDatabase;

/// A fresh migrated database behind a pool of up to `max_connections`.
pub async fn pooled(max_connections: u32) -> TestDatabase {
    match TestDatabase::with_pool(max_connections).await {
        Ok(db) => db,
        Err(err) => panic!("cannot set up a pooled test database: {err}"),
    }
}

/// A second session on `db`, as another program would open one, in a transaction begun
/// as a writer (on SQLite, holding the write lock from the start).
pub async fn another_session(
    db: &TestDatabase,
) -> (sea_orm::DatabaseConnection, sea_orm::DatabaseTransaction) {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let holder = db.connect_again(1).await.unwrap();
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = holder.begin_with_options(options).await.unwrap();
    (holder, txn)
}

/// The single number that `sql` (a fixed statement, no values) selects.
pub async fn count<C: ConnectionTrait>(db: &C, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<i64>(0)
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// The invariants, checked by SQL over the whole database rather than through the service:
/// every user has exactly one guest, with its user's timestamps as the hook writes it; at most
/// one host; no guest or host without its user. One statement, as this runs after every step
/// of thousands of sequences.
pub async fn assert_invariants<C: ConnectionTrait>(db: &C) {
    const CHECKS: [(&str, &str); 7] = [
        (
            "users without a guest",
            "SELECT COUNT(*) FROM users u LEFT JOIN guests g ON g.user_id = u.id \
             WHERE g.id IS NULL",
        ),
        (
            "users with more than one guest",
            "SELECT COUNT(*) FROM (SELECT user_id FROM guests GROUP BY user_id \
             HAVING COUNT(*) > 1) t",
        ),
        (
            "users with more than one host",
            "SELECT COUNT(*) FROM (SELECT user_id FROM hosts GROUP BY user_id \
             HAVING COUNT(*) > 1) t",
        ),
        (
            "guests without their user",
            "SELECT COUNT(*) FROM guests g LEFT JOIN users u ON u.id = g.user_id \
             WHERE u.id IS NULL",
        ),
        (
            "hosts without their user",
            "SELECT COUNT(*) FROM hosts h LEFT JOIN users u ON u.id = h.user_id \
             WHERE u.id IS NULL",
        ),
        (
            "guests not as their user's hook writes them",
            "SELECT COUNT(*) FROM guests g JOIN users u ON u.id = g.user_id \
             WHERE g.created_at <> u.created_at OR g.updated_at <> u.created_at",
        ),
        (
            "users minus guests",
            "SELECT (SELECT COUNT(*) FROM users) - (SELECT COUNT(*) FROM guests)",
        ),
    ];
    let sql = CHECKS
        .iter()
        .map(|(_, check)| format!("CAST(({check}) AS {})", integer(db.get_database_backend())))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {sql}");
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, &sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    for (index, (what, _)) in CHECKS.iter().enumerate() {
        let found = row
            .try_get_by_index::<i64>(index)
            .unwrap_or_else(|err| panic!("{what}: {err}"));
        assert_eq!(found, 0, "{what}");
    }
}

/// The 64-bit integer type of `CAST` on `backend`.
fn integer(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::MySql => "SIGNED",
        _ => "BIGINT",
    }
}

/// A statement of `db`'s backend with one bound value: the placeholder differs by backend.
pub fn with_value(
    backend: DatabaseBackend,
    postgres: &str,
    others: &str,
    value: sea_orm::Value,
) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => postgres,
        _ => others,
    };
    Statement::from_sql_and_values(backend, sql, [value])
}

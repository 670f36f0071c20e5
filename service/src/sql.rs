//! Statements whose SQL never changes, built by SeaORM from the entities once per backend and
//! kept for the process: the values change from call to call, the text does not.
//!
//! Building a statement with sea-query formats its SQL anew on every call; with decoding by
//! alias name (see `joined`), that was 45% of a point read's instructions (BENCHMARKS.md,
//! "What was changed to get there", item 6). sqlx then finds the prepared statement by this
//! text.

use std::sync::OnceLock;

use sea_orm::sea_query::Value;
use sea_orm::{DbBackend, Statement};

/// The SQL of one statement, built on first use for each backend.
pub(crate) struct Sql {
    build: fn(DbBackend) -> String,
    /// MySQL, PostgreSQL, SQLite.
    built: [OnceLock<String>; 3],
}

impl Sql {
    /// The statement `build` makes for a backend, with placeholders where its values go.
    pub(crate) const fn new(build: fn(DbBackend) -> String) -> Self {
        Self {
            build,
            built: [const { OnceLock::new() }; 3],
        }
    }

    /// The statement for `backend` with `values` bound to its placeholders, in order.
    pub(crate) fn statement(
        &self,
        backend: DbBackend,
        values: impl IntoIterator<Item = Value>,
    ) -> Statement {
        let slot = match backend {
            DbBackend::MySql => Some(0),
            DbBackend::Postgres => Some(1),
            DbBackend::Sqlite => Some(2),
            // A backend SeaORM adds later: built on every call, still correct.
            _ => None,
        };
        let sql = match slot.and_then(|slot| self.built.get(slot)) {
            Some(cell) => cell.get_or_init(|| (self.build)(backend)).clone(),
            None => (self.build)(backend),
        };
        Statement::from_sql_and_values(backend, sql, values)
    }
}

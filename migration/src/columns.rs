//! Column types that differ by backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// A `NOT NULL` UTC timestamp column with microsecond precision.
///
/// PostgreSQL: `timestamp with time zone`. SQLite: RFC 3339 text. MySQL differs: its
/// `timestamp` stops in 2038 and its default precision is whole seconds, so `datetime(6)` holds
/// the UTC value the application writes (sqlx reads it back as UTC).
pub(crate) fn timestamp(backend: DatabaseBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DatabaseBackend::MySql => column.custom(Alias::new("datetime(6)")),
        _ => column.timestamp_with_time_zone(),
    };
    column.not_null().take()
}

/// A `NOT NULL` email column, compared byte for byte.
///
/// The application stores addresses lowercased and a check constraint holds the database to it,
/// so byte-wise uniqueness is case-insensitive uniqueness. PostgreSQL and SQLite compare text
/// byte-wise already; MySQL's default collations ignore case (and accents), so the column gets a
/// binary collation to make the check and the unique index behave as on the other two.
pub(crate) fn email(backend: DatabaseBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DatabaseBackend::MySql => column.custom(Alias::new(
            "varchar(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        )),
        _ => column.string_len(254),
    };
    column.not_null().take()
}

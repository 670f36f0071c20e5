//! What the application relies on finding in the database, read from its catalog.
//!
//! The migrations table says which migrations ran, not what is still there: a table or a
//! constraint dropped by hand goes unnoticed until a write fails halfway through a command.
//! Two catalog reads at connect time find it first.

use std::collections::BTreeSet;

use entity::constraints;
use entity::{guest, host, user};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic, Iterable, Statement,
};

/// The tables, columns and named constraints of this schema that `db` lacks, one line each
/// (`table hosts`, `column users.email`, `constraint uq_users_email`); empty when all are there.
///
/// Two statements: the columns of the current schema's tables, and the names of its
/// constraints and indexes.
///
/// # Errors
///
/// A database error from reading the catalog.
pub async fn missing_objects<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let (columns_sql, names_sql) = match backend {
        DatabaseBackend::Postgres => (
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema()",
            "SELECT conname::text FROM pg_constraint \
             WHERE connamespace = to_regnamespace(current_schema()) \
             UNION SELECT relname::text FROM pg_class \
             WHERE relkind = 'i' AND relnamespace = to_regnamespace(current_schema())",
        ),
        DatabaseBackend::MySql => (
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE()",
            "SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE() \
             UNION SELECT INDEX_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE()",
        ),
        // SQLite keeps no name of a table's constraints but in the table's SQL text, and
        // names the index of an inline UNIQUE constraint `sqlite_autoindex_…`: a name is
        // looked for in that text. Foreign keys have no name at all there (sea-query writes
        // none for SQLite): each is named as the migrations name it elsewhere,
        // `fk_<table>_<column>`.
        _ => (
            "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p \
             WHERE m.type = 'table'",
            "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL \
             UNION ALL SELECT name FROM sqlite_master WHERE type = 'index' \
             UNION ALL SELECT 'fk_' || m.name || '_' || f.\"from\" \
             FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f \
             WHERE m.type = 'table' AND f.\"table\" = 'users'",
        ),
    };
    let mut found_columns = BTreeSet::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await?
    {
        let table: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        found_columns.insert((table, column));
    }
    let mut found_names = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, names_sql))
        .await?
    {
        found_names.push(row.try_get_by_index::<String>(0)?);
    }

    let mut missing = Vec::new();
    for (table, columns) in [
        columns_of(user::Entity),
        columns_of(guest::Entity),
        columns_of(host::Entity),
    ] {
        if !found_columns.iter().any(|(found, _)| *found == table) {
            missing.push(format!("table {table}"));
            continue;
        }
        for column in columns {
            if !found_columns.contains(&(table.clone(), column.clone())) {
                missing.push(format!("column {table}.{column}"));
            }
        }
    }
    for name in constraints::ALL {
        let there = match backend {
            DatabaseBackend::Sqlite => found_names.iter().any(|sql| names_in_sql(sql, name)),
            _ => found_names.iter().any(|found| found == name),
        };
        if !there {
            missing.push(format!("constraint {name}"));
        }
    }
    Ok(missing)
}

/// An entity's table and column names.
fn columns_of<E: EntityTrait>(entity: E) -> (String, Vec<String>) {
    let columns = E::Column::iter()
        .map(|column| column.as_str().to_owned())
        .collect();
    (entity.table_name().to_owned(), columns)
}

/// Whether SQLite's `sql` text (or an index name) declares `name`, quoted or not.
fn names_in_sql(sql: &str, name: &str) -> bool {
    sql == name
        || [
            format!("\"{name}\""),
            format!("`{name}`"),
            format!("CONSTRAINT {name} "),
        ]
        .iter()
        .any(|declared| sql.contains(declared.as_str()))
}

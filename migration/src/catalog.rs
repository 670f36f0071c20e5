//! What the application relies on finding in the database, read from its catalog.
//!
//! The migrations table says which migrations ran, not what is still there: a table or a
//! constraint dropped by hand goes unnoticed until a write fails halfway through a command.
//! Two catalog reads at connect time find it first.

use std::collections::BTreeSet;

use entity::constraints;
use entity::{guest, host, idempotency_key, user};
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
    // Each object a name, and what it is: a unique index replaced by a plain one of the same
    // name, as a DBA may do, must not pass for the unique index.
    let (columns_sql, names_sql) = match backend {
        DatabaseBackend::Postgres => (
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema()",
            "SELECT conname::text, CASE contype WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign' \
             WHEN 'c' THEN 'check' ELSE 'other' END FROM pg_constraint \
             WHERE connamespace = to_regnamespace(current_schema()) \
             UNION SELECT c.relname::text, CASE WHEN i.indisunique THEN 'unique' ELSE 'index' END \
             FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid \
             WHERE c.relnamespace = to_regnamespace(current_schema())",
        ),
        DatabaseBackend::MySql => (
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE()",
            "SELECT CONSTRAINT_NAME, CASE CONSTRAINT_TYPE WHEN 'UNIQUE' THEN 'unique' \
             WHEN 'FOREIGN KEY' THEN 'foreign' WHEN 'CHECK' THEN 'check' ELSE 'other' END \
             FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
             UNION SELECT INDEX_NAME, CASE WHEN NON_UNIQUE = 0 THEN 'unique' ELSE 'index' END \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()",
        ),
        // SQLite keeps no name of a table's constraints but in the table's SQL text, and
        // names the index of an inline UNIQUE constraint `sqlite_autoindex_…`: a name is
        // looked for in that text, followed by what it declares. Foreign keys have no name
        // at all there (sea-query writes none for SQLite): each is named as the migrations
        // name it elsewhere, `fk_<table>_<column>`.
        _ => (
            "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p \
             WHERE m.type = 'table'",
            "SELECT sql, 'sql' FROM sqlite_master \
             WHERE type IN ('table', 'index') AND sql IS NOT NULL \
             UNION ALL SELECT 'fk_' || m.name || '_' || f.\"from\", 'foreign' \
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
        found_names.push((
            row.try_get_by_index::<String>(0)?,
            row.try_get_by_index::<String>(1)?,
        ));
    }

    let mut missing = Vec::new();
    for (table, columns) in [
        columns_of(user::Entity),
        columns_of(guest::Entity),
        columns_of(host::Entity),
        columns_of(idempotency_key::Entity),
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
        let kind = kind_of(name);
        let named: Vec<&str> = found_names
            .iter()
            .filter(|(found, what)| match backend {
                DatabaseBackend::Sqlite if what == "sql" => declares(found, name).is_some(),
                _ => found == name,
            })
            .map(|(found, what)| match backend {
                DatabaseBackend::Sqlite if what == "sql" => declares(found, name).unwrap_or(""),
                _ => what.as_str(),
            })
            .collect();
        if named.is_empty() {
            missing.push(format!("constraint {name}"));
        } else if !named.contains(&kind) {
            missing.push(format!(
                "constraint {name} (there is one by that name, not {kind})"
            ));
        }
    }
    Ok(missing)
}

/// What a constraint of this schema is, by the prefix its name has (`entity::constraints`).
fn kind_of(name: &str) -> &'static str {
    match name.split('_').next() {
        Some("uq") => "unique",
        Some("fk") => "foreign",
        Some("ck") => "check",
        _ => "other",
    }
}

/// What SQLite's `sql` text declares by `name` (a `CONSTRAINT name UNIQUE`, a `CREATE UNIQUE
/// INDEX name`, a `CONSTRAINT name CHECK`), if it declares it.
fn declares(sql: &str, name: &str) -> Option<&'static str> {
    let sql = sql.to_ascii_uppercase();
    let name = name.to_ascii_uppercase();
    for quoted in [format!("\"{name}\""), format!("`{name}`"), name.clone()] {
        for (kind, declared) in [
            ("unique", format!("CONSTRAINT {quoted} UNIQUE")),
            ("check", format!("CONSTRAINT {quoted} CHECK")),
            ("unique", format!("CREATE UNIQUE INDEX {quoted} ")),
            (
                "unique",
                format!("CREATE UNIQUE INDEX IF NOT EXISTS {quoted} "),
            ),
            ("index", format!("CREATE INDEX {quoted} ")),
            ("index", format!("CREATE INDEX IF NOT EXISTS {quoted} ")),
        ] {
            if sql.contains(&declared) {
                return Some(kind);
            }
        }
    }
    None
}

/// The foreign keys of other tables that refer to a table of this schema, one line each
/// (`bookings -> users`): what makes dropping this schema's tables fail halfway on MySQL, whose
/// `DROP TABLE`s commit one by one.
///
/// # Errors
///
/// A database error from reading the catalog.
pub async fn foreign_references<C: ConnectionTrait>(
    db: &C,
    tables: &[&str],
) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    // Table names of this schema, not input: quoted as SQL string literals.
    let list = tables
        .iter()
        .map(|table| format!("'{}'", table.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "SELECT t.relname::text || ' -> ' || r.relname::text FROM pg_constraint AS c \
             JOIN pg_class AS t ON t.oid = c.conrelid JOIN pg_class AS r ON r.oid = c.confrelid \
             WHERE c.contype = 'f' AND r.relnamespace = to_regnamespace(current_schema()) \
             AND r.relname IN ({list}) \
             AND NOT (t.relname IN ({list}) AND t.relnamespace = r.relnamespace)"
        ),
        DatabaseBackend::MySql => format!(
            "SELECT CONCAT(TABLE_NAME, ' -> ', REFERENCED_TABLE_NAME) \
             FROM information_schema.REFERENTIAL_CONSTRAINTS \
             WHERE UNIQUE_CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IN ({list}) \
             AND NOT (TABLE_NAME IN ({list}) AND CONSTRAINT_SCHEMA = DATABASE())"
        ),
        _ => format!(
            "SELECT m.name || ' -> ' || f.\"table\" \
             FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f \
             WHERE m.type = 'table' AND f.\"table\" IN ({list}) AND m.name NOT IN ({list})"
        ),
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect()
}

/// An entity's table and column names.
fn columns_of<E: EntityTrait>(entity: E) -> (String, Vec<String>) {
    let columns = E::Column::iter()
        .map(|column| column.as_str().to_owned())
        .collect();
    (entity.table_name().to_owned(), columns)
}

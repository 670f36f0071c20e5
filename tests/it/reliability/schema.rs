//! The entities and the schema the migrations build agree: the same tables and columns, types
//! that hold what the entities write, the same nullability, unique constraints, primary keys,
//! and foreign keys with the same `ON DELETE` and `ON UPDATE` actions. The entity side is read
//! from the entity definitions themselves, the database side from the database's catalog.

use std::collections::{BTreeMap, BTreeSet};

use entity::{guest, host, idempotency_key, user};
use sea_orm::sea_query::{ColumnType, ForeignKeyAction, StringLen, TableName, TableRef};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IdenStatic, Iterable,
    PrimaryKeyToColumn, QueryResult, RelationTrait, Statement,
};

use crate::support::database;

/// The table the migrator keeps for itself: no entity of ours.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// A foreign key: its column, the table and column it refers to, its actions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    column: String,
    table: String,
    referenced: String,
    on_delete: String,
    on_update: String,
}

/// A table as an entity declares it.
#[derive(Clone, Debug)]
struct Declared {
    columns: BTreeMap<String, (ColumnType, bool)>,
    primary_key: Vec<String>,
    unique: BTreeSet<Vec<String>>,
    foreign_keys: BTreeSet<ForeignKey>,
}

/// A column as the database's catalog describes it.
#[derive(Clone, Debug)]
struct Stored {
    data_type: String,
    length: Option<i64>,
    precision: Option<i64>,
    nullable: bool,
}

/// A table as the database holds it.
#[derive(Clone, Debug)]
struct Built {
    columns: BTreeMap<String, Stored>,
    primary_key: Vec<String>,
    /// Column sets of the unique indexes and constraints, the primary key's excepted.
    unique: BTreeSet<Vec<String>>,
    foreign_keys: BTreeSet<ForeignKey>,
}

fn action(action: Option<ForeignKeyAction>) -> String {
    // A foreign key declared without an action gets the SQL default.
    match action.unwrap_or(ForeignKeyAction::NoAction) {
        ForeignKeyAction::Restrict => "RESTRICT".to_owned(),
        ForeignKeyAction::Cascade => "CASCADE".to_owned(),
        ForeignKeyAction::SetNull => "SET NULL".to_owned(),
        ForeignKeyAction::NoAction => "NO ACTION".to_owned(),
        ForeignKeyAction::SetDefault => "SET DEFAULT".to_owned(),
        // A newer action: shown as it is, so it disagrees with every database's name.
        other => format!("{other:?}"),
    }
}

fn table_name(table: &TableRef) -> String {
    match table {
        TableRef::Table(TableName(_, name), _) => name.to_string(),
        other => panic!("not a table: {other:?}"),
    }
}

/// What `entity` declares: its columns' definitions, primary key, unique columns, and the
/// foreign keys of its `belongs_to` relations (the side that holds the key column).
fn declared<E: EntityTrait>(entity: E) -> (String, Declared) {
    let columns = E::Column::iter()
        .map(|column| {
            let def = column.def();
            let name = column.as_str().to_owned();
            (name, (def.get_column_type().clone(), def.is_null()))
        })
        .collect();
    let primary_key = E::PrimaryKey::iter()
        .map(|key| key.into_column().as_str().to_owned())
        .collect();
    let unique = E::Column::iter()
        .filter(|column| column.def().is_unique())
        .map(|column| vec![column.as_str().to_owned()])
        .collect();
    let foreign_keys = E::Relation::iter()
        .map(|relation| relation.def())
        // SeaORM marks the side that holds the key `is_owner == false`, and emits a foreign
        // key for it alone.
        .filter(|def| !def.is_owner && !def.skip_fk)
        .flat_map(|def| {
            let table = table_name(&def.to_tbl);
            let (on_delete, on_update) = (action(def.on_delete), action(def.on_update));
            def.from_col
                .iter()
                .zip(def.to_col.iter())
                .map(|(from, to)| ForeignKey {
                    column: from.to_string(),
                    table: table.clone(),
                    referenced: to.to_string(),
                    on_delete: on_delete.clone(),
                    on_update: on_update.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    (
        entity.table_name().to_owned(),
        Declared {
            columns,
            primary_key,
            unique,
            foreign_keys,
        },
    )
}

/// Every entity of the crate.
fn entities() -> BTreeMap<String, Declared> {
    [
        declared(user::Entity),
        declared(guest::Entity),
        declared(host::Entity),
        declared(idempotency_key::Entity),
    ]
    .into_iter()
    .collect()
}

async fn rows<C: ConnectionTrait>(db: &C, sql: &str, table: Option<&str>) -> Vec<QueryResult> {
    let backend = db.get_database_backend();
    let statement = match table {
        Some(table) => Statement::from_sql_and_values(backend, sql, [table.into()]),
        None => Statement::from_string(backend, sql),
    };
    db.query_all_raw(statement)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

fn text(row: &QueryResult, index: usize) -> String {
    row.try_get_by_index::<String>(index)
        .unwrap_or_else(|err| panic!("column {index}: {err}"))
}

fn number(row: &QueryResult, index: usize) -> Option<i64> {
    row.try_get_by_index::<Option<i64>>(index)
        .unwrap_or_else(|err| panic!("column {index}: {err}"))
}

/// Splits `varchar(254)` into `varchar` and 254, as SQLite keeps the declared type whole.
fn split_declared_type(declared: &str) -> (String, Option<i64>) {
    let declared = declared.to_ascii_lowercase();
    match declared.split_once('(') {
        Some((name, rest)) => (
            name.trim().to_owned(),
            rest.trim_end_matches(')').trim().parse().ok(),
        ),
        None => (declared, None),
    }
}

/// The tables of `db`, as its catalog describes them.
async fn built<C: ConnectionTrait>(db: &C) -> BTreeMap<String, Built> {
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        DatabaseBackend::MySql => {
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let mut tables = BTreeMap::new();
    for row in rows(db, tables_sql, None).await {
        let name = text(&row, 0);
        if name != MIGRATIONS_TABLE {
            let table = match backend {
                DatabaseBackend::Postgres => postgres_table(db, &name).await,
                DatabaseBackend::MySql => mysql_table(db, &name).await,
                _ => sqlite_table(db, &name).await,
            };
            tables.insert(name, table);
        }
    }
    tables
}

async fn sqlite_table<C: ConnectionTrait>(db: &C, table: &str) -> Built {
    let mut columns = BTreeMap::new();
    let mut primary_key = Vec::new();
    let info = "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY pk, cid";
    for row in rows(db, info, Some(table)).await {
        let (data_type, length) = split_declared_type(&text(&row, 1));
        let name = text(&row, 0);
        if number(&row, 3).unwrap_or(0) > 0 {
            primary_key.push(name.clone());
        }
        let stored = Stored {
            data_type,
            length,
            precision: None,
            nullable: number(&row, 2) == Some(0),
        };
        columns.insert(name, stored);
    }
    let mut unique = BTreeSet::new();
    let indexes = "SELECT name, origin FROM pragma_index_list(?) WHERE \"unique\" = 1";
    for index in rows(db, indexes, Some(table)).await {
        if text(&index, 1) == "pk" {
            continue;
        }
        let info = "SELECT name FROM pragma_index_info(?) ORDER BY name";
        let columns = rows(db, info, Some(&text(&index, 0))).await;
        unique.insert(columns.iter().map(|row| text(row, 0)).collect());
    }
    let keys = "SELECT \"from\", \"table\", \"to\", on_delete, on_update \
                FROM pragma_foreign_key_list(?)";
    let foreign_keys = foreign_keys(rows(db, keys, Some(table)).await);
    Built {
        columns,
        primary_key,
        unique,
        foreign_keys,
    }
}

async fn postgres_table<C: ConnectionTrait>(db: &C, table: &str) -> Built {
    let info = "SELECT column_name::text, data_type::text, \
                CAST(character_maximum_length AS BIGINT), CAST(datetime_precision AS BIGINT), \
                is_nullable::text FROM information_schema.columns \
                WHERE table_schema = current_schema() AND table_name = $1";
    let columns = rows(db, info, Some(table))
        .await
        .iter()
        .map(|row| {
            let stored = Stored {
                data_type: text(row, 1),
                length: number(row, 2),
                precision: number(row, 3),
                nullable: text(row, 4) == "YES",
            };
            (text(row, 0), stored)
        })
        .collect();
    let indexes = "SELECT ix.indisprimary, string_agg(a.attname::text, ',' ORDER BY a.attname) \
                   FROM pg_index ix \
                   JOIN pg_class t ON t.oid = ix.indrelid \
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey) \
                   WHERE ix.indisunique AND t.relname = $1 \
                   AND t.relnamespace = to_regnamespace(current_schema()) \
                   GROUP BY ix.indexrelid, ix.indisprimary";
    let (primary, unique) = split_primary(rows(db, indexes, Some(table)).await);
    // One row per column pair; every key here has one column, and a longer one would show
    // up as a disagreement.
    let keys = "SELECT a.attname::text, rt.relname::text, ra.attname::text, \
                CASE c.confdeltype WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' \
                  WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END, \
                CASE c.confupdtype WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' \
                  WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END \
                FROM pg_constraint c \
                JOIN pg_class t ON t.oid = c.conrelid \
                JOIN pg_class rt ON rt.oid = c.confrelid \
                JOIN LATERAL unnest(c.conkey, c.confkey) AS k(from_key, to_key) ON true \
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.from_key \
                JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.to_key \
                WHERE c.contype = 'f' AND t.relname = $1 \
                AND t.relnamespace = to_regnamespace(current_schema())";
    let foreign_keys = foreign_keys(rows(db, keys, Some(table)).await);
    Built {
        columns,
        primary_key: primary,
        unique,
        foreign_keys,
    }
}

async fn mysql_table<C: ConnectionTrait>(db: &C, table: &str) -> Built {
    let info = "SELECT COLUMN_NAME, DATA_TYPE, CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED), \
                CAST(DATETIME_PRECISION AS SIGNED), IS_NULLABLE FROM information_schema.COLUMNS \
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?";
    let columns = rows(db, info, Some(table))
        .await
        .iter()
        .map(|row| {
            let stored = Stored {
                data_type: text(row, 1).to_ascii_lowercase(),
                length: number(row, 2),
                precision: number(row, 3),
                nullable: text(row, 4) == "YES",
            };
            (text(row, 0), stored)
        })
        .collect();
    let indexes = "SELECT INDEX_NAME = 'PRIMARY', \
                   GROUP_CONCAT(COLUMN_NAME ORDER BY COLUMN_NAME SEPARATOR ',') \
                   FROM information_schema.STATISTICS \
                   WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 \
                   GROUP BY INDEX_NAME";
    let (primary, unique) = split_primary(rows(db, indexes, Some(table)).await);
    let keys = "SELECT k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, \
                r.DELETE_RULE, r.UPDATE_RULE \
                FROM information_schema.KEY_COLUMN_USAGE k \
                JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
                  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
                  AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
                WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? \
                AND k.REFERENCED_TABLE_NAME IS NOT NULL";
    let foreign_keys = foreign_keys(rows(db, keys, Some(table)).await);
    Built {
        columns,
        primary_key: primary,
        unique,
        foreign_keys,
    }
}

/// Rows of (is primary, comma-separated columns) as the primary key and the other unique
/// column sets.
fn split_primary(rows: Vec<QueryResult>) -> (Vec<String>, BTreeSet<Vec<String>>) {
    let mut primary = Vec::new();
    let mut unique = BTreeSet::new();
    for row in rows {
        let is_primary = row
            .try_get_by_index::<bool>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n != 0))
            .unwrap();
        let columns: Vec<String> = text(&row, 1).split(',').map(str::to_owned).collect();
        if is_primary {
            primary = columns;
        } else {
            unique.insert(columns);
        }
    }
    (primary, unique)
}

/// Rows of (column, table, referenced column, on delete, on update).
fn foreign_keys(rows: Vec<QueryResult>) -> BTreeSet<ForeignKey> {
    rows.iter()
        .map(|row| ForeignKey {
            column: text(row, 0),
            table: text(row, 1),
            referenced: text(row, 2),
            on_delete: text(row, 3).to_ascii_uppercase(),
            on_update: text(row, 4).to_ascii_uppercase(),
        })
        .collect()
}

/// Whether a column stored as `stored` holds what an entity's column of `declared` type
/// writes, unchanged: the types each backend gives a column that SeaORM reads as that type.
/// A type not listed here disagrees until it is added.
fn type_agrees(backend: DatabaseBackend, declared: &ColumnType, stored: &Stored) -> bool {
    let name = stored.data_type.as_str();
    match (backend, declared) {
        (DatabaseBackend::Postgres, ColumnType::Uuid) => name == "uuid",
        (DatabaseBackend::MySql, ColumnType::Uuid) => name == "binary" && stored.length == Some(16),
        // SQLite keeps the declared type; SeaORM writes a UUID as a 16-byte blob.
        (DatabaseBackend::Sqlite, ColumnType::Uuid) => {
            matches!(name, "uuid_text" | "uuid" | "blob")
        }
        (_, ColumnType::String(length)) => {
            matches!(name, "character varying" | "varchar" | "text")
                && match length {
                    StringLen::N(n) => stored.length == Some(i64::from(*n)),
                    _ => true,
                }
        }
        // The clock writes microseconds: the column must keep them, and in UTC. MySQL's
        // `timestamp` would convert through the session's time zone and stop in 2038.
        (DatabaseBackend::Postgres, ColumnType::TimestampWithTimeZone) => {
            name == "timestamp with time zone" && stored.precision == Some(6)
        }
        (DatabaseBackend::MySql, ColumnType::TimestampWithTimeZone) => {
            name == "datetime" && stored.precision == Some(6)
        }
        (DatabaseBackend::Sqlite, ColumnType::TimestampWithTimeZone) => {
            matches!(name, "timestamp_with_timezone_text" | "text")
        }
        // A whole response body: MySQL's `text` stops at 64 KiB, so it gets `mediumtext`.
        (DatabaseBackend::MySql, ColumnType::Text) => name == "mediumtext",
        (_, ColumnType::Text) => name == "text",
        (DatabaseBackend::Sqlite, ColumnType::SmallInteger) => {
            matches!(name, "smallint" | "integer")
        }
        (_, ColumnType::SmallInteger) => name == "smallint",
        _ => false,
    }
}

/// Every way in which `built` differs from `declared`, one line each; empty if they agree.
fn differences(
    backend: DatabaseBackend,
    declared: &BTreeMap<String, Declared>,
    built: &BTreeMap<String, Built>,
) -> Vec<String> {
    let mut found = Vec::new();
    for name in built.keys().filter(|name| !declared.contains_key(*name)) {
        found.push(format!("table {name} has no entity"));
    }
    for (name, entity) in declared {
        let Some(table) = built.get(name) else {
            found.push(format!("entity {name} has no table"));
            continue;
        };
        for column in table.columns.keys() {
            if !entity.columns.contains_key(column) {
                found.push(format!("{name}.{column} is not in the entity"));
            }
        }
        for (column, (column_type, nullable)) in &entity.columns {
            let Some(stored) = table.columns.get(column) else {
                found.push(format!("{name}.{column} is not in the table"));
                continue;
            };
            if !type_agrees(backend, column_type, stored) {
                found.push(format!(
                    "{name}.{column}: the entity's {column_type:?} is stored as {stored:?}"
                ));
            }
            if *nullable != stored.nullable {
                found.push(format!(
                    "{name}.{column}: nullable {nullable} in the entity, {} in the table",
                    stored.nullable
                ));
            }
        }
        let mut entity_key = entity.primary_key.clone();
        let mut table_key = table.primary_key.clone();
        entity_key.sort();
        table_key.sort();
        if entity_key != table_key {
            found.push(format!(
                "{name}: primary key {entity_key:?} in the entity, {table_key:?} in the table"
            ));
        }
        if entity.unique != table.unique {
            found.push(format!(
                "{name}: unique {:?} in the entity, {:?} in the table",
                entity.unique, table.unique
            ));
        }
        if entity.foreign_keys != table.foreign_keys {
            found.push(format!(
                "{name}: foreign keys {:?} in the entity, {:?} in the table",
                entity.foreign_keys, table.foreign_keys
            ));
        }
    }
    found
}

#[tokio::test]
async fn every_entity_agrees_with_the_migrated_schema_column_by_column_and_key_by_key() {
    let db = database().await;
    let backend = db.get_database_backend();
    let declared = entities();
    let built = built(&*db).await;

    assert_eq!(
        differences(backend, &declared, &built),
        Vec::<String>::new()
    );
    // Not vacuous: the comparison saw the tables, their keys and their foreign keys.
    assert_eq!(built.len(), 4, "{built:#?}");
    let foreign_keys: usize = built.values().map(|table| table.foreign_keys.len()).sum();
    assert_eq!(foreign_keys, 2, "{built:#?}");
    // What the entity cannot say: the address column holds the longest valid address.
    let email = &built["users"].columns["email"];
    assert!(
        email
            .length
            .is_some_and(|n| n >= service::MAX_EMAIL_LEN as i64),
        "{email:?}"
    );
}

#[tokio::test]
async fn any_kind_of_disagreement_between_an_entity_and_the_schema_is_reported() {
    let db = database().await;
    let backend = db.get_database_backend();
    let built = built(&*db).await;
    type Change = fn(&mut BTreeMap<String, Declared>);
    let changes: [(&str, Change); 8] = [
        ("users.email", |d| {
            d.get_mut("users")
                .unwrap()
                .columns
                .get_mut("email")
                .unwrap()
                .0 = ColumnType::Integer;
        }),
        ("nullable true", |d| {
            d.get_mut("guests")
                .unwrap()
                .columns
                .get_mut("user_id")
                .unwrap()
                .1 = true;
        }),
        ("hosts: unique", |d| {
            d.get_mut("hosts").unwrap().unique.clear();
        }),
        ("guests: foreign keys", |d| {
            let guests = d.get_mut("guests").unwrap();
            let mut keys: Vec<ForeignKey> = guests.foreign_keys.iter().cloned().collect();
            keys[0].on_delete = "CASCADE".to_owned();
            guests.foreign_keys = keys.into_iter().collect();
        }),
        ("hosts: foreign keys", |d| {
            let hosts = d.get_mut("hosts").unwrap();
            let mut keys: Vec<ForeignKey> = hosts.foreign_keys.iter().cloned().collect();
            keys[0].on_update = "RESTRICT".to_owned();
            hosts.foreign_keys = keys.into_iter().collect();
        }),
        ("users.updated_at is not in the entity", |d| {
            d.get_mut("users").unwrap().columns.remove("updated_at");
        }),
        ("users: primary key", |d| {
            d.get_mut("users").unwrap().primary_key = vec!["email".to_owned()];
        }),
        ("table guests has no entity", |d| {
            d.remove("guests");
        }),
    ];
    for (expected, change) in changes {
        let mut declared = entities();
        change(&mut declared);
        let found = differences(backend, &declared, &built);
        assert!(
            found.iter().any(|line| line.contains(expected)),
            "{expected:?} not in {found:#?}"
        );
    }
}

#[tokio::test]
async fn a_column_added_behind_the_entitys_back_is_reported() {
    let db = database().await;
    db.execute_unprepared("ALTER TABLE users ADD COLUMN nickname varchar(20)")
        .await
        .unwrap();
    let found = differences(db.get_database_backend(), &entities(), &built(&*db).await);
    assert_eq!(
        found,
        vec!["users.nickname is not in the entity".to_owned()]
    );
}

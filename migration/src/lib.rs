//! Migrations of the accounts schema: one per table, applied in order, one process at a time.
//!
//! Run them with `cargo run -p migration -- up` or `sea-orm-cli migrate up` from the repository
//! root, or from code with [`Migrator`] (`Migrator::up(&db, None)`). Every run that changes the
//! schema (`up`, `down`, `fresh`, `refresh`, `reset`) takes a lock for its whole length (see
//! [`lock`](self::MIGRATION_LOCK_WAIT)), so processes that start together and all migrate are
//! safe: one migrates, the others wait and then find nothing to do.
//!
//! The crate also holds what every binary of the workspace shares about the database: how to
//! connect ([`connect_options`]) and how to print a database URL or error without its password
//! ([`redact`]).

#![warn(missing_docs)]

pub use sea_orm_migration::prelude::*;

mod catalog;
mod columns;
mod confirm;
mod connection;
mod dependent_table;
mod lock;
mod m20261121_000001_create_users;
mod m20261121_000002_create_guests;
mod m20261121_000003_create_hosts;
mod m20261122_000004_create_idempotency_keys;
mod message;
mod redact;
mod status;

pub use catalog::missing_objects;
pub use confirm::{Refused, confirm};
pub use connection::{
    CONNECT_TIMEOUT, Timeouts, check_url, connect, connect_options, connect_options_with,
    read_only_options,
};
pub use lock::{MIGRATION_LOCK_WAIT, POSTGRES_KEY as POSTGRES_MIGRATION_LOCK_KEY};
pub use message::one_line;
pub use redact::{MASK, Redacting, redact, redact_panics};
pub use status::{SchemaStatus, schema_status};

use entity::{guest, host, idempotency_key, user};
use sea_orm::{DatabaseTransaction, EntityName};

/// Where the migrations and the tools go when `DATABASE_URL` is not set: a SQLite file in the
/// working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://accounts.db?mode=rwc";

/// The ordered list of this schema's migrations; every run that changes the schema holds the
/// migration lock.
pub struct Migrator;

/// The same migrations without the lock: what [`Migrator`] runs once it holds it.
struct Unlocked;

#[async_trait::async_trait]
impl MigratorTrait for Unlocked {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_guests::Migration),
            Box::new(m20261121_000003_create_hosts::Migration),
            Box::new(m20261122_000004_create_idempotency_keys::Migration),
        ]
    }
}

/// The tables this schema creates, children first: what `fresh` drops, and nothing else.
fn own_tables() -> [String; 5] {
    [
        idempotency_key::Entity.table_name().to_owned(),
        host::Entity.table_name().to_owned(),
        guest::Entity.table_name().to_owned(),
        user::Entity.table_name().to_owned(),
        "seaql_migrations".to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Unlocked::migrations()
    }

    async fn up<'c, C>(db: C, steps: Option<u32>) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        migrate_up(&db.into_database_executor(), steps)
            .await
            .map(drop)
    }

    async fn down<'c, C>(db: C, steps: Option<u32>) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let locked = lock::acquire(&db.into_database_executor()).await?;
        let result = Unlocked::down(&locked.txn, steps).await;
        locked.release(result).await
    }

    /// Drops this schema's tables (never another table of the database, unlike
    /// `sea-orm-migration`'s own `fresh`, which drops every table it finds), then applies every
    /// migration.
    async fn fresh<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let locked = lock::acquire(&db.into_database_executor()).await?;
        let result = async {
            // MySQL commits each DROP TABLE by itself: a foreign key of another table would
            // stop the drops halfway, and leave half a schema. Refused before any of them.
            let tables = own_tables();
            let names: Vec<&str> = tables.iter().map(String::as_str).collect();
            let referring = catalog::foreign_references(&locked.txn, &names).await?;
            if !referring.is_empty() {
                return Err(DbErr::Custom(format!(
                    "fresh would drop tables that other tables refer to ({}): drop or change \
                     those foreign keys first; nothing was dropped",
                    referring.join(", ")
                )));
            }
            let manager = SchemaManager::new(&locked.txn);
            for table in tables {
                // No CASCADE: a table of someone else's that refers to ours makes this fail
                // rather than lose its foreign key.
                manager
                    .drop_table(
                        Table::drop()
                            .table(Alias::new(table))
                            .if_exists()
                            .to_owned(),
                    )
                    .await?;
            }
            Unlocked::up(&locked.txn, None).await
        }
        .await;
        locked.release(result).await
    }

    async fn refresh<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let locked = lock::acquire(&db.into_database_executor()).await?;
        let result = Unlocked::refresh(&locked.txn).await;
        locked.release(result).await
    }

    async fn reset<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let locked = lock::acquire(&db.into_database_executor()).await?;
        let result = Unlocked::reset(&locked.txn).await;
        locked.release(result).await
    }
}

/// Applies up to `steps` pending migrations (all when `None`) under the migration lock, and
/// returns the names of those this call applied: none when another process got there first.
///
/// # Errors
///
/// The database error of a migration, or of waiting more than [`MIGRATION_LOCK_WAIT`] for the
/// lock.
pub async fn migrate_up<C>(db: &C, steps: Option<u32>) -> Result<Vec<String>, DbErr>
where
    C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait<Transaction = DatabaseTransaction>,
{
    let locked = lock::acquire(db).await?;
    let result = async {
        let pending: Vec<String> = Unlocked::get_pending_migrations(&locked.txn)
            .await?
            .iter()
            .map(|migration| migration.name().to_owned())
            .take(steps.map_or(usize::MAX, |steps| steps as usize))
            .collect();
        Unlocked::up(&locked.txn, steps).await?;
        Ok(pending)
    }
    .await;
    locked.release(result).await
}

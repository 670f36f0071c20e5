//! Migrations of the accounts schema: one per table, applied in order.
//!
//! Run them with `cargo run -p migration -- up` or `sea-orm-cli migrate up` from the repository
//! root, or from code with [`Migrator`] (`Migrator::up(&db, None)`).

pub use sea_orm_migration::prelude::*;

mod columns;
mod dependent_table;
mod m20261121_000001_create_users;
mod m20261121_000002_create_guests;
mod m20261121_000003_create_hosts;
mod status;

pub use status::{SchemaStatus, schema_status};

/// Where the migrations and the tools go when `DATABASE_URL` is not set: a SQLite file in the
/// working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://accounts.db?mode=rwc";

/// The ordered list of this schema's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_guests::Migration),
            Box::new(m20261121_000003_create_hosts::Migration),
        ]
    }
}

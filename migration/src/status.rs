//! Whether a database's schema is the one this build knows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, EntityTrait};
use sea_orm_migration::seaql_migrations;

use crate::Migrator;

/// How a database's applied migrations compare with this build's migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaStatus {
    /// Every migration is applied, and no other.
    Current,
    /// These migrations of this build are not applied yet (all of them on an empty database).
    Behind {
        /// Names of the pending migrations, in order.
        pending: Vec<String>,
    },
    /// The database has migrations this build does not know: it was migrated by a newer build.
    Ahead {
        /// Names of the unknown applied migrations.
        unknown: Vec<String>,
    },
    /// Every migration is applied, but tables, columns or constraints they made are gone
    /// (dropped by hand, restored from elsewhere).
    Damaged {
        /// What is missing, one line each (see [`missing_objects`](crate::missing_objects)).
        missing: Vec<String>,
    },
}

/// Reads the schema status of `db` without changing anything (not even creating the
/// migrations table, which `Migrator::get_pending_migrations` would). When every migration is
/// applied, the catalog is read too ([`missing_objects`](crate::missing_objects)): three
/// statements in all.
///
/// # Errors
///
/// A database error from reading the migrations table.
pub async fn schema_status(db: &DatabaseConnection) -> Result<SchemaStatus, DbErr> {
    let manager = SchemaManager::new(db);
    let applied: Vec<String> = if manager.has_table("seaql_migrations").await? {
        seaql_migrations::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.version)
            .collect()
    } else {
        Vec::new()
    };
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();

    let unknown: Vec<String> = applied
        .iter()
        .filter(|version| !known.contains(version))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(SchemaStatus::Ahead { unknown });
    }
    let pending: Vec<String> = known
        .into_iter()
        .filter(|name| !applied.contains(name))
        .collect();
    if !pending.is_empty() {
        return Ok(SchemaStatus::Behind { pending });
    }
    let missing = crate::missing_objects(db).await?;
    Ok(if missing.is_empty() {
        SchemaStatus::Current
    } else {
        SchemaStatus::Damaged { missing }
    })
}

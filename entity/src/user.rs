//! `SeaORM` Entity for the `users` table, in the format of `sea-orm-cli generate entity`.
//!
//! Its `ActiveModelBehavior` lives in `behavior/user.rs`, so that this file can be
//! regenerated and compared line by line.

use sea_orm::entity::prelude::*;

/// A user of the marketplace: one row of `users`. Every user has one guest, and may have one
/// host.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// A UUIDv7 made by the application: ids sort in creation order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The address, normalized to lowercase; unique (`uq_users_email`).
    #[sea_orm(unique)]
    pub email: String,
    /// When the row was inserted (UTC, microseconds); never changes.
    pub created_at: DateTimeUtc,
    /// When the row was last written (UTC, microseconds); moves on every update.
    pub updated_at: DateTimeUtc,
}

/// The rows that belong to a user.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its guest: exactly one, made with the user.
    #[sea_orm(has_one = "super::guest::Entity")]
    Guest,
    /// Its host: at most one, made by onboarding.
    #[sea_orm(has_one = "super::host::Entity")]
    Host,
}

impl Related<super::guest::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Guest.def()
    }
}

impl Related<super::host::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Host.def()
    }
}

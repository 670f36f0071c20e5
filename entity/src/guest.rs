//! `SeaORM` Entity for the `guests` table, in the format of `sea-orm-cli generate entity`.
//!
//! Its `ActiveModelBehavior` lives in `behavior/guest.rs`, so that this file can be
//! regenerated and compared line by line.

use sea_orm::entity::prelude::*;

/// One row of `guests`: the guest side of a user: one per user, made with it (`uq_guests_user_id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guests")]
pub struct Model {
    /// A UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user it belongs to (`fk_guests_user_id`, `ON DELETE RESTRICT`); unique.
    #[sea_orm(unique)]
    pub user_id: Uuid,
    /// When the row was inserted (UTC, microseconds); never changes.
    pub created_at: DateTimeUtc,
    /// When the row was last written (UTC, microseconds); moves on every update.
    pub updated_at: DateTimeUtc,
}

/// The row it belongs to.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its user.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

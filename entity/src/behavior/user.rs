use sea_orm::IntoActiveModel;
use sea_orm::entity::prelude::*;

use super::Stamps;
use crate::guest;
use crate::user::{ActiveModel, Model};

/// Every user gets its guest: `after_save` writes it on insert.
///
/// The guest is written on the connection `insert` was given, so it is atomic with the user
/// only when that connection is a transaction. `ActiveModel::insert` opens none itself, and a
/// hook cannot open one: it sees only a `ConnectionTrait`, which cannot begin a transaction.
/// Outside a transaction, a failing guest insert leaves the user row behind; the service crate
/// always passes a transaction.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        Stamps {
            id: &mut self.id,
            created_at: &mut self.created_at,
            updated_at: &mut self.updated_at,
        }
        .fill(insert);
        Ok(self)
    }

    async fn after_save<C>(model: Model, db: &C, insert: bool) -> Result<Model, DbErr>
    where
        C: ConnectionTrait,
    {
        if insert {
            // The guest is fully determined by the user, so it is written without reading it
            // back: callers rebuild the same row with `guest::Model::for_user`.
            guest::Entity::insert(guest::Model::for_user(&model).into_active_model())
                .exec_without_returning(db)
                .await?;
        }
        Ok(model)
    }
}

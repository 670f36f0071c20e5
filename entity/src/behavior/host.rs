use sea_orm::entity::prelude::*;

use super::Stamps;
use crate::host::{ActiveModel, Model};

impl Model {
    /// A new host for the user `user_id`, created `at` (a batch's hosts share its users'
    /// time): a UUIDv7 id and both timestamps, as the `before_save` hook would complete it.
    ///
    /// Writing a row built here with `Entity::insert(..).exec_without_returning` is a single
    /// `INSERT` on every backend, with no read-back: on MySQL, `ActiveModel::insert` reads the
    /// row back in a second statement, which outside a transaction can find it already
    /// deleted by a concurrent offboarding and report a committed insert as failed.
    #[must_use]
    pub fn new_for(user_id: Uuid, at: DateTimeUtc) -> Self {
        Self {
            id: Uuid::now_v7(),
            user_id,
            created_at: at,
            updated_at: at,
        }
    }
}

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
}

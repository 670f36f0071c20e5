use sea_orm::entity::prelude::*;

use super::Stamps;
use crate::host::ActiveModel;

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

use entity::constraints::{GUESTS_USER_ID_FOREIGN_KEY, GUESTS_USER_ID_UNIQUE};
use sea_orm_migration::prelude::*;

use crate::dependent_table::DependentTable;

const GUESTS: DependentTable = DependentTable {
    table: "guests",
    unique: GUESTS_USER_ID_UNIQUE,
    foreign_key: GUESTS_USER_ID_FOREIGN_KEY,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        GUESTS.create(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        GUESTS.drop(manager).await
    }
}

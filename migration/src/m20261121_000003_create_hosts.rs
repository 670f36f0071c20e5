use entity::constraints::{HOSTS_USER_ID_FOREIGN_KEY, HOSTS_USER_ID_UNIQUE};
use sea_orm_migration::prelude::*;

use crate::dependent_table::DependentTable;

const HOSTS: DependentTable = DependentTable {
    table: "hosts",
    unique: HOSTS_USER_ID_UNIQUE,
    foreign_key: HOSTS_USER_ID_FOREIGN_KEY,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        HOSTS.create(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        HOSTS.drop(manager).await
    }
}

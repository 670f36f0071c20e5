use entity::constraints::{USERS_EMAIL_LOWERCASE, USERS_EMAIL_UNIQUE};
use sea_orm_migration::prelude::*;

use crate::columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(columns::email(backend, Users::Email))
                    .col(columns::timestamp(backend, Users::CreatedAt))
                    .col(columns::timestamp(backend, Users::UpdatedAt))
                    .index(
                        Index::create()
                            .name(USERS_EMAIL_UNIQUE)
                            .unique()
                            .col(Users::Email),
                    )
                    .check((
                        Alias::new(USERS_EMAIL_LOWERCASE),
                        Expr::col(Users::Email).eq(Func::lower(Expr::col(Users::Email))),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    CreatedAt,
    UpdatedAt,
}

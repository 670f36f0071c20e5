use entity::constraints::IDEMPOTENCY_KEYS_KEY_UNIQUE;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut body = ColumnDef::new(IdempotencyKeys::Body);
        match backend {
            // MySQL's `text` stops at 64 KiB; a batch's response is larger.
            DatabaseBackend::MySql => body.custom(Alias::new("mediumtext")),
            _ => body.text(),
        };
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(
                        ColumnDef::new(IdempotencyKeys::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    // ASCII only: 255 characters fit MySQL's index key limit in any charset.
                    .col(
                        ColumnDef::new(IdempotencyKeys::Key)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Fingerprint)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Status)
                            .small_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::Location).string_len(2048))
                    .col(body.not_null())
                    .col(columns::timestamp(backend, IdempotencyKeys::CreatedAt))
                    .col(columns::timestamp(backend, IdempotencyKeys::ExpiresAt))
                    .index(
                        Index::create()
                            .name(IDEMPOTENCY_KEYS_KEY_UNIQUE)
                            .unique()
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Key,
    Fingerprint,
    Status,
    Location,
    Body,
    CreatedAt,
    ExpiresAt,
}

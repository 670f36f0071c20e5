//! The shape shared by `guests` and `hosts`: a row that belongs to exactly one user, and a user
//! that has at most one such row.

use sea_orm_migration::prelude::*;

use crate::columns;
use crate::m20261121_000001_create_users::Users;

/// Names of one dependent table and of its constraints.
pub(crate) struct DependentTable {
    pub(crate) table: &'static str,
    pub(crate) unique: &'static str,
    pub(crate) foreign_key: &'static str,
}

#[derive(DeriveIden)]
enum Column {
    Id,
    UserId,
    CreatedAt,
    UpdatedAt,
}

impl DependentTable {
    /// Creates the table. The unique constraint on `user_id` is also the index that serves
    /// lookups by user and the foreign key, so no second index is created.
    pub(crate) async fn create(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(self.table))
                    .col(ColumnDef::new(Column::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Column::UserId).uuid().not_null())
                    .col(columns::timestamp(backend, Column::CreatedAt))
                    .col(columns::timestamp(backend, Column::UpdatedAt))
                    .index(
                        Index::create()
                            .name(self.unique)
                            .unique()
                            .col(Column::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name(self.foreign_key)
                            .from(Alias::new(self.table), Column::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await
    }

    pub(crate) async fn drop(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(self.table)).to_owned())
            .await
    }
}

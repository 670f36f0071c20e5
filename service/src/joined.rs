//! Users joined with their guest and host: the statements, built once per backend from the
//! entities, and their rows decoded by position.
//!
//! `find_also_related` decodes each column by an alias name it formats for every column of
//! every row (`A_id`, `B_user_id`, …): allocations and string compares that cost more client
//! CPU per row than sqlx's own decoding (BENCHMARKS.md, "What was changed to get there",
//! item 6). These statements select the same columns without aliases, and each is read by its
//! position in the select list, as sqlx reads a tuple.

use entity::{guest, host, user};
use sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait, RelationTrait, Select,
};

use crate::sql::Sql;

/// The user's columns in the select list, in the order [`decode`] reads them.
const USER: [user::Column; 4] = [
    user::Column::Id,
    user::Column::Email,
    user::Column::CreatedAt,
    user::Column::UpdatedAt,
];
/// The guest's columns, after the user's.
const GUEST: [guest::Column; 4] = [
    guest::Column::Id,
    guest::Column::UserId,
    guest::Column::CreatedAt,
    guest::Column::UpdatedAt,
];
/// The host's columns, after the guest's.
const HOST: [host::Column; 4] = [
    host::Column::Id,
    host::Column::UserId,
    host::Column::CreatedAt,
    host::Column::UpdatedAt,
];

/// A user as the join returns it: the guest and host are `None` where the join found none.
pub(crate) type Row = (user::Model, Option<guest::Model>, Option<host::Model>);

/// One user by id (`$1`), with guest and host.
pub(crate) static BY_ID: Sql = Sql::new(|backend| {
    accounts()
        .filter(user::Column::Id.eq(Uuid::nil()))
        .build(backend)
        .sql
});

/// One user by email address (`$1`), with guest and host.
pub(crate) static BY_EMAIL: Sql = Sql::new(|backend| {
    accounts()
        .filter(user::Column::Email.eq(""))
        .build(backend)
        .sql
});

/// Every user in id order, with guest and host.
pub(crate) static ALL: Sql =
    Sql::new(|backend| accounts().order_by_asc(user::Column::Id).build(backend).sql);

/// Every user whose id comes after `$1`, in id order, with guest and host.
pub(crate) static ALL_AFTER: Sql = Sql::new(|backend| {
    accounts()
        .filter(user::Column::Id.gt(Uuid::nil()))
        .order_by_asc(user::Column::Id)
        .build(backend)
        .sql
});

/// `SELECT` the columns of [`USER`], [`GUEST`] and [`HOST`] `FROM users` with a `LEFT JOIN`
/// each to `guests` and `hosts`: the statement `find_also_related` makes, without its aliases.
fn accounts() -> Select<user::Entity> {
    let mut select = user::Entity::find().select_only();
    for column in USER {
        select = select.column(column);
    }
    select = select.join(JoinType::LeftJoin, user::Relation::Guest.def());
    for column in GUEST {
        select = select.column(column);
    }
    select = select.join(JoinType::LeftJoin, user::Relation::Host.def());
    for column in HOST {
        select = select.column(column);
    }
    select
}

/// The user, guest and host of a row of one of these statements.
///
/// # Errors
///
/// A [`DbErr`] if a column does not decode as its model field.
pub(crate) fn decode(row: &QueryResult) -> Result<Row, DbErr> {
    let user = user::Model {
        id: row.try_get_by_index(0)?,
        email: row.try_get_by_index(1)?,
        created_at: row.try_get_by_index(2)?,
        updated_at: row.try_get_by_index(3)?,
    };
    let guest =
        joined(row, USER.len())?.map(|(id, user_id, created_at, updated_at)| guest::Model {
            id,
            user_id,
            created_at,
            updated_at,
        });
    let host =
        joined(row, USER.len() + GUEST.len())?.map(|(id, user_id, created_at, updated_at)| {
            host::Model {
                id,
                user_id,
                created_at,
                updated_at,
            }
        });
    Ok((user, guest, host))
}

/// The four columns of a joined guest or host from `at` on, or `None` where the join found no
/// row (its id is NULL; every column of both tables is NOT NULL).
fn joined(
    row: &QueryResult,
    at: usize,
) -> Result<Option<(Uuid, Uuid, DateTimeUtc, DateTimeUtc)>, DbErr> {
    let Some(id) = row.try_get_by_index::<Option<Uuid>>(at)? else {
        return Ok(None);
    };
    Ok(Some((
        id,
        row.try_get_by_index(at + 1)?,
        row.try_get_by_index(at + 2)?,
        row.try_get_by_index(at + 3)?,
    )))
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, IdenStatic, Iterable};

    use super::*;

    // A column added to an entity must be added to its list and to `decode`: this fails until
    // the list holds it.
    #[test]
    fn the_select_lists_hold_every_column_of_their_entity_in_order() {
        fn names<C: IdenStatic>(columns: impl IntoIterator<Item = C>) -> Vec<&'static str> {
            columns.into_iter().map(|column| column.as_str()).collect()
        }
        assert_eq!(names(user::Column::iter()), names(USER));
        assert_eq!(names(guest::Column::iter()), names(GUEST));
        assert_eq!(names(host::Column::iter()), names(HOST));
    }

    #[test]
    fn each_statement_is_built_once_per_backend_with_its_placeholders() {
        let first = BY_ID.statement(DbBackend::Postgres, [Uuid::nil().into()]);
        let again = BY_ID.statement(DbBackend::Postgres, [Uuid::max().into()]);
        assert_eq!(first.sql, again.sql);
        assert!(
            first.sql.ends_with(r#"WHERE "users"."id" = $1"#),
            "{}",
            first.sql
        );
        let sqlite = ALL_AFTER.statement(DbBackend::Sqlite, [Uuid::nil().into()]);
        assert!(sqlite.sql.contains("LEFT JOIN"), "{}", sqlite.sql);
        let mysql = BY_EMAIL.statement(DbBackend::MySql, ["a@b.example".into()]);
        assert!(
            mysql.sql.ends_with("WHERE `users`.`email` = ?"),
            "{}",
            mysql.sql
        );
    }
}

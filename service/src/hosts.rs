//! Host onboarding: a user becomes a host only by asking, and at most once.

use entity::{clock, host, user};
use sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable, ModelTrait,
    PaginatorTrait, QueryFilter, QueryTrait,
};

use crate::error::{Error, Result};
use crate::sql::Sql;
use crate::transaction::{self, Retryable};
use crate::user_ref::UserRef;
use crate::users::user_id;

/// Makes the user named by `user_ref` a host.
///
/// The database decides, not a prior read: the unique index on `hosts.user_id` refuses a second
/// host even when two onboardings race, and the foreign key refuses a missing user.
///
/// By id on a connection pool, this is one `INSERT` and nothing else: a single statement is a
/// transaction by itself, and wrapping it in `BEGIN`/`COMMIT` would triple its round trips.
/// By email it reads the id first, so both statements run in one transaction; inside a
/// caller's transaction it always runs in a savepoint, so that a refused insert leaves the
/// caller's transaction usable (PostgreSQL would otherwise abort all of it).
///
/// # Errors
///
/// [`Error::UserNotFound`], [`Error::AlreadyHost`], or a database error.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user_ref), err(level = "debug"))]
pub async fn onboard_host<C>(db: &C, user_ref: &UserRef) -> Result<host::Model>
where
    C: ConnectionTrait + Retryable,
{
    match user_ref {
        UserRef::Id(id) if db.begins_whole_transactions() => {
            transaction::retrying(true, || insert_host(db, *id)).await
        }
        _ => {
            transaction::run(db, async |txn| {
                insert_host(txn, user_id(txn, user_ref).await?).await
            })
            .await
        }
    }
}

/// One `INSERT` of a host built in memory, on every backend: `ActiveModel::insert` would read
/// the row back on MySQL, in a second statement that, outside a transaction, can find it
/// already offboarded and report a committed onboarding as failed.
async fn insert_host<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<host::Model> {
    let host = host::Model::new_for(user_id, clock::now());
    // The values in the order of the columns `INSERT_HOST` was built with.
    let values = host::Column::iter().map(|column| host.get(column));
    db.execute_raw(INSERT_HOST.statement(db.get_database_backend(), values))
        .await?;
    Ok(host)
}

/// `INSERT INTO hosts` every column, in `host::Column` order: what
/// `host::Entity::insert(model).exec_without_returning` sends, built once.
static INSERT_HOST: Sql = Sql::new(|backend| {
    let template = host::Model::new_for(Uuid::nil(), DateTimeUtc::default());
    host::Entity::insert(template.into_active_model())
        .build(backend)
        .sql
});

/// Removes the host of the user named by `user_ref`, in one transaction. The user and its guest
/// stay.
///
/// # Errors
///
/// [`Error::UserNotFound`], [`Error::NotAHost`], or a database error.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user_ref), err(level = "debug"))]
pub async fn offboard_host<C: Retryable>(db: &C, user_ref: &UserRef) -> Result<()> {
    transaction::run(db, async |txn| {
        let user_id = user_id(txn, user_ref).await?;
        let deleted = host::Entity::delete_many()
            .filter(host::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
        if deleted.rows_affected == 0 {
            // Only now, on the failure path, tell a missing user from one who is not a host.
            let user_exists = user::Entity::find_by_id(user_id).count(txn).await? > 0;
            return Err(if user_exists {
                Error::NotAHost
            } else {
                Error::UserNotFound
            });
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    #[test]
    fn the_host_insert_has_a_placeholder_for_every_column() {
        let template = host::Model::new_for(Uuid::nil(), DateTimeUtc::default());
        let built = host::Entity::insert(template.into_active_model()).build(DbBackend::Postgres);
        let columns = host::Column::iter().count();
        assert_eq!(built.values.map(|values| values.0.len()), Some(columns));
        let statement = INSERT_HOST.statement(DbBackend::Postgres, []);
        assert!(
            statement.sql.contains(&format!("${columns})")),
            "{}",
            statement.sql
        );
    }
}

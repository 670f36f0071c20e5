//! Operations on users: create, find, list, change email, delete.

use entity::{guest, host, user};
use sea_orm::prelude::Uuid;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, SelectThree, TopologyStar,
};

use crate::account::{Account, BrokenAccount, HostFilter, Page, PageSize};
use crate::email::Email;
use crate::error::{Error, Result};
use crate::joined;
use crate::transaction::{self, Retryable};
use crate::user_ref::UserRef;

/// Users joined with their guest and host: one statement, two `LEFT JOIN`s.
fn accounts() -> SelectThree<user::Entity, guest::Entity, host::Entity, TopologyStar> {
    user::Entity::find()
        .find_also_related(guest::Entity)
        .find_also_related(host::Entity)
}

/// Creates a user with `email` and its guest, in one transaction.
///
/// The guest is written by the user's `after_save` hook inside this transaction, so either both
/// rows exist or neither does. Two `INSERT`s, and no read: the guest is rebuilt from the user.
///
/// # Errors
///
/// [`Error::EmailTaken`] if a user has that address already, or a database error.
#[tracing::instrument(level = "debug", skip_all, fields(email = %email), err(level = "debug"))]
pub async fn create_user<C: Retryable>(db: &C, email: Email) -> Result<Account> {
    let user = transaction::run(db, async |txn| {
        let user = user::ActiveModel {
            email: Set(email.into_string()),
            ..Default::default()
        };
        Ok(user.insert(txn).await?)
    })
    .await?;
    let guest = guest::Model::for_user(&user);
    Ok(Account {
        user,
        guest,
        host: None,
    })
}

/// The user named by `user_ref`, with its guest and host, in one statement.
///
/// # Errors
///
/// [`Error::UserNotFound`], [`Error::Broken`] with what there is of the user if it has no
/// guest, or a database error.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user_ref), err(level = "debug"))]
pub async fn find_user<C: ConnectionTrait>(db: &C, user_ref: &UserRef) -> Result<Account> {
    let backend = db.get_database_backend();
    // Not `.one()`: it binds a `LIMIT` parameter, and SQLite then prepares the cached statement
    // again on every run. The key is unique and each join is to a unique `user_id`, so there
    // is one row at most anyway.
    let statement = match user_ref {
        UserRef::Id(id) => joined::BY_ID.statement(backend, [(*id).into()]),
        UserRef::Email(email) => joined::BY_EMAIL.statement(backend, [email.as_str().into()]),
    };
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or(Error::UserNotFound)?;
    Account::from_row(joined::decode(&row)?).map_err(|broken| Error::Broken(Box::new(broken)))
}

/// The page of at most `size` accounts whose user ids come after `after` (from the first user
/// when `None`), in id order, in one statement whatever the page size.
///
/// Pass the returned [`Page::next`] as `after` to get the following page; a user created
/// meanwhile appears on a later page (ids are UUIDv7), never twice.
///
/// # Errors
///
/// A database error. A user whose rows break an invariant does not fail the page: it is in
/// [`Page::broken`], and the page goes on past it.
pub async fn list_users<C: ConnectionTrait>(
    db: &C,
    after: Option<Uuid>,
    size: PageSize,
) -> Result<Page> {
    list_users_filtered(db, after, size, HostFilter::Any).await
}

/// As [`list_users`], holding only the users `filter` keeps (hosts, or users who are not
/// hosts): still one statement per page, the filter a condition on the joined `hosts` row.
///
/// # Errors
///
/// As [`list_users`].
#[tracing::instrument(level = "debug", skip(db), err(level = "debug"))]
pub async fn list_users_filtered<C: ConnectionTrait>(
    db: &C,
    after: Option<Uuid>,
    size: PageSize,
    filter: HostFilter,
) -> Result<Page> {
    let mut query = accounts();
    if let Some(after) = after {
        query = query.filter(user::Column::Id.gt(after));
    }
    query = match filter {
        HostFilter::Any => query,
        HostFilter::Hosts => query.filter(host::Column::Id.is_not_null()),
        HostFilter::NonHosts => query.filter(host::Column::Id.is_null()),
    };
    // One row more than asked tells whether another page follows, without another query.
    let rows = query
        .order_by_asc(user::Column::Id)
        .limit(size.get() + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > size.get();
    let (mut accounts, mut broken) = (Vec::new(), Vec::new());
    for row in rows.into_iter().take(size.get() as usize) {
        match Account::from_row(row) {
            Ok(account) => accounts.push(account),
            Err(account) => broken.push(account),
        }
    }
    let last = |accounts: &[Account], broken: &[BrokenAccount]| {
        let healthy = accounts.last().map(|account| account.user.id);
        let broken = broken.last().map(|account| account.user.id);
        healthy.max(broken)
    };
    let next = if more { last(&accounts, &broken) } else { None };
    Ok(Page {
        accounts,
        broken,
        next,
    })
}

/// Changes the email address of the user named by `user_ref`, in one transaction.
///
/// # Errors
///
/// [`Error::UserNotFound`], [`Error::EmailTaken`] if another user has `new_email`,
/// [`Error::Broken`] if the user has no guest (a broken account is not changed: nothing is
/// written), or a database error.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user_ref, new_email = %new_email), err(level = "debug"))]
pub async fn change_email<C: Retryable>(
    db: &C,
    user_ref: &UserRef,
    new_email: Email,
) -> Result<Account> {
    transaction::run(db, async |txn| {
        let account = find_user(txn, user_ref).await?;
        let mut user = account.user.into_active_model();
        user.email = Set(new_email.into_string());
        let user = user.update(txn).await.map_err(|err| match err {
            // Deleted since it was read.
            DbErr::RecordNotUpdated => Error::UserNotFound,
            err => Error::from(err),
        })?;
        Ok(Account { user, ..account })
    })
    .await
}

/// Deletes the user named by `user_ref` with its guest and host, in one transaction, and
/// returns the user as it was.
///
/// # Errors
///
/// [`Error::UserNotFound`], [`Error::UserInUse`] if a host was onboarded for the user while it
/// was being deleted, or a database error.
#[tracing::instrument(level = "debug", skip_all, fields(user = %user_ref), err(level = "debug"))]
pub async fn delete_user<C: Retryable>(db: &C, user_ref: &UserRef) -> Result<user::Model> {
    transaction::run(db, async |txn| {
        let user_id = user_id(txn, user_ref).await?;
        host::Entity::delete_many()
            .filter(host::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
        guest::Entity::delete_many()
            .filter(guest::Column::UserId.eq(user_id))
            .exec(txn)
            .await?;
        let user = if txn.support_returning() {
            user::Entity::delete_by_id(user_id)
                .exec_with_returning(txn)
                .await?
        } else {
            // MySQL has no `DELETE … RETURNING`: the row is read before it goes. The read sees
            // the transaction's snapshot, which may still hold a user a concurrent deletion
            // has removed since: only the `DELETE`'s own count says whether this one did it.
            let user = user::Entity::find_by_id(user_id)
                .all(txn)
                .await?
                .into_iter()
                .next();
            let deleted = user::Entity::delete_by_id(user_id).exec(txn).await?;
            user.filter(|_| deleted.rows_affected > 0)
        };
        user.ok_or(Error::UserNotFound)
    })
    .await
}

/// The id of the user named by `user_ref`: no query for an id, one for an email address.
///
/// An id is not checked to exist: the statement that uses it finds out.
pub(crate) async fn user_id<C: ConnectionTrait>(db: &C, user_ref: &UserRef) -> Result<Uuid> {
    match user_ref {
        UserRef::Id(id) => Ok(*id),
        UserRef::Email(email) => user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Email.eq(email.as_str()))
            .into_tuple()
            // Unique key: `.all()` for the reason given in `find_user`.
            .all(db)
            .await?
            .into_iter()
            .next()
            .ok_or(Error::UserNotFound),
    }
}

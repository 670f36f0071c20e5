//! Listing every user in one statement, as a stream: memory stays flat whatever the number of
//! users, and no cursor is needed.

use std::pin::Pin;

use entity::user;
use futures_util::{Stream, StreamExt};
use sea_orm::StreamTrait;
use sea_orm::prelude::Uuid;

use crate::account::{Account, BrokenAccount};
use crate::error::Result;
use crate::joined;

/// One user of a listing: its account, or what there is of it when its rows break an
/// invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listed {
    /// A healthy account.
    Account(Account),
    /// A user whose rows break an invariant (as [`Page::broken`](crate::Page::broken) holds
    /// them); the listing goes on past it.
    Broken(BrokenAccount),
}

impl Listed {
    /// The user row, healthy or not.
    #[must_use]
    pub fn user(&self) -> &user::Model {
        match self {
            Self::Account(account) => &account.user,
            Self::Broken(broken) => &broken.user,
        }
    }
}

/// The accounts of [`stream_users`], one at a time.
pub type AccountStream<'a> = Pin<Box<dyn Stream<Item = Result<Listed>> + Send + 'a>>;

/// Every user whose id comes after `after` (every user when `None`), in id order, each with
/// its guest and host: one statement, whose rows are decoded as they arrive.
///
/// The stream holds a connection of `db` until it ends or is dropped, and with it a read
/// snapshot: it lists the users as they were when it began. On a pool of one connection
/// (SeaORM's default for SQLite), nothing else can use that pool meanwhile: list on a pool
/// of its own, such as [`Pools::reader`](crate::Pools::reader), beside writers.
///
/// # Errors
///
/// A database error if the statement cannot be started (no connection came free, say); an
/// error while reading ends the stream with it. A user whose rows break an invariant does not
/// fail the stream: it comes as [`Listed::Broken`], in its place.
pub async fn stream_users<'a, C>(db: &'a C, after: Option<Uuid>) -> Result<AccountStream<'a>>
where
    C: StreamTrait,
{
    let backend = StreamTrait::get_database_backend(db);
    let statement = match after {
        None => joined::ALL.statement(backend, []),
        Some(after) => joined::ALL_AFTER.statement(backend, [after.into()]),
    };
    let rows = db.stream_raw(statement).await?;
    Ok(Box::pin(rows.map(|row| {
        let row = joined::decode(&row?)?;
        Ok(match Account::from_row(row) {
            Ok(account) => Listed::Account(account),
            Err(broken) => Listed::Broken(broken),
        })
    })))
}

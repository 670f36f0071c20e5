//! Batched creation: many users with their guests, and the hosts among them, in one transaction
//! of at most three statements.

use entity::{clock, guest, host, user};
use sea_orm::prelude::Uuid;
use sea_orm::{EntityTrait, IntoActiveModel};

use crate::account::Account;
use crate::email::Email;
use crate::error::{Error, Result};
use crate::transaction::{self, Retryable};

/// The most users [`create_users`] and [`create_accounts`] take at once: 4 parameters a row
/// stay far below the smallest bind-parameter limit of the three databases (SQLite's 32,766).
pub const MAX_BATCH_SIZE: usize = 1000;

/// One account to create in a batch: a user with this address, its guest, and a host if `host`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NewAccount {
    /// The user's address.
    pub email: Email,
    /// Whether the user is onboarded as a host in the same transaction.
    pub host: bool,
}

/// Creates a user and its guest for each of `emails`, in one transaction and two `INSERT`s
/// (one for the users, one for the guests), whatever the batch size.
///
/// [`create_accounts`] with no hosts: see there.
///
/// # Errors
///
/// [`Error::BatchTooLarge`] above [`MAX_BATCH_SIZE`] addresses, [`Error::EmailTaken`] if an
/// address appears twice in `emails` or is stored already (then nothing is written), or a
/// database error.
#[tracing::instrument(level = "debug", skip_all, fields(count = emails.len()), err(level = "debug"))]
pub async fn create_users<C: Retryable>(db: &C, emails: &[Email]) -> Result<Vec<Account>> {
    create(db, emails.iter().map(|email| (email, false))).await
}

/// Creates a user and its guest for each of `batch`, and a host for those marked `host`, in
/// one transaction and at most three `INSERT`s (users, guests, then hosts if there are any),
/// whatever the batch size: the batch is written whole or not at all.
///
/// Multi-row inserts skip the `ActiveModelBehavior` hooks, so this path writes what they would:
/// a UUIDv7 id and equal timestamps for each user, each user's guest as
/// [`guest::Model::for_user`] derives it (the same row the `after_save` hook writes), and for
/// each host a UUIDv7 id and equal timestamps. Every user still gets exactly one guest. The
/// users and hosts of a batch share one creation time. The accounts come back in the order of
/// `batch`, with `host: Some(..)` for those marked.
///
/// # Errors
///
/// [`Error::BatchTooLarge`] above [`MAX_BATCH_SIZE`] accounts, [`Error::EmailTaken`] if an
/// address appears twice in `batch` or is stored already, or a database error; on any error
/// nothing of the batch is written.
#[tracing::instrument(level = "debug", skip_all, fields(count = batch.len()), err(level = "debug"))]
pub async fn create_accounts<C: Retryable>(db: &C, batch: &[NewAccount]) -> Result<Vec<Account>> {
    create(db, batch.iter().map(|new| (&new.email, new.host))).await
}

/// The one implementation of both: each item is an address and whether it becomes a host.
async fn create<'a, C: Retryable>(
    db: &C,
    batch: impl ExactSizeIterator<Item = (&'a Email, bool)>,
) -> Result<Vec<Account>> {
    if batch.len() > MAX_BATCH_SIZE {
        return Err(Error::BatchTooLarge(batch.len()));
    }
    if batch.len() == 0 {
        return Ok(Vec::new());
    }
    let now = clock::now();
    let accounts: Vec<Account> = batch
        .map(|(email, is_host)| {
            let user = user::Model {
                id: Uuid::now_v7(),
                email: email.as_str().to_owned(),
                created_at: now,
                updated_at: now,
            };
            let guest = guest::Model::for_user(&user);
            let host = is_host.then(|| host::Model::new_for(user.id, now));
            Account { user, guest, host }
        })
        .collect();
    transaction::run(db, async |txn| {
        let users = accounts.iter().map(|a| a.user.clone().into_active_model());
        user::Entity::insert_many(users)
            .exec_without_returning(txn)
            .await?;
        let guests = accounts.iter().map(|a| a.guest.clone().into_active_model());
        guest::Entity::insert_many(guests)
            .exec_without_returning(txn)
            .await?;
        // Only when there are hosts: a batch without them stays two statements.
        let hosts: Vec<host::ActiveModel> = accounts
            .iter()
            .filter_map(|a| a.host.clone())
            .map(IntoActiveModel::into_active_model)
            .collect();
        if !hosts.is_empty() {
            host::Entity::insert_many(hosts)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    })
    .await?;
    Ok(accounts)
}

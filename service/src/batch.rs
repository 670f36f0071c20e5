//! Batched creation: many users and their guests in two statements.

use entity::{clock, guest, user};
use sea_orm::prelude::Uuid;
use sea_orm::{EntityTrait, IntoActiveModel, TransactionTrait};

use crate::account::Account;
use crate::email::Email;
use crate::error::{Error, Result};
use crate::transaction;

/// The most users [`create_users`] takes at once: 4 parameters a row stay far below the
/// smallest bind-parameter limit of the three databases (SQLite's 32,766).
pub const MAX_BATCH_SIZE: usize = 1000;

/// Creates a user and its guest for each of `emails`, in one transaction and two `INSERT`s
/// (one for the users, one for the guests), whatever the batch size.
///
/// Multi-row inserts skip the `ActiveModelBehavior` hooks, so this path writes what they would:
/// a UUIDv7 id and equal timestamps for each user, and each user's guest as
/// [`guest::Model::for_user`] derives it, the same row the `after_save` hook writes. Every user
/// still gets exactly one guest. The users of a batch share one creation time.
///
/// # Errors
///
/// [`Error::BatchTooLarge`] above [`MAX_BATCH_SIZE`] addresses, [`Error::EmailTaken`] if an
/// address appears twice in `emails` or is stored already (then nothing is written), or a
/// database error.
pub async fn create_users<C: TransactionTrait>(db: &C, emails: &[Email]) -> Result<Vec<Account>> {
    if emails.len() > MAX_BATCH_SIZE {
        return Err(Error::BatchTooLarge(emails.len()));
    }
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let now = clock::now();
    let accounts: Vec<Account> = emails
        .iter()
        .map(|email| {
            let user = user::Model {
                id: Uuid::now_v7(),
                email: email.as_str().to_owned(),
                created_at: now,
                updated_at: now,
            };
            let guest = guest::Model::for_user(&user);
            Account {
                user,
                guest,
                host: None,
            }
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
        Ok(())
    })
    .await?;
    Ok(accounts)
}

use anyhow::Context;
use service::{DatabaseConnection, PageSize};
use uuid::Uuid;

use super::{email, printed, user_ref};
use crate::cli::{List, User};
use crate::exit::{Failure, INVALID_INPUT};
use crate::output::Output;

pub async fn run(db: &DatabaseConnection, command: User, out: &mut Output) -> Result<(), Failure> {
    match command {
        User::Create { email: raw } => {
            let account = service::create_user(db, email(&raw)?)
                .await
                .with_context(|| format!("cannot create user {raw}"))?;
            printed(out.account(&account))
        }
        User::Show { user } => {
            let account = service::find_user(db, &user_ref(&user)?)
                .await
                .with_context(|| format!("cannot show user {user}"))?;
            printed(out.account(&account))
        }
        User::List(list) => self::list(db, list, out).await,
        User::Email { user, new_email } => {
            let account = service::change_email(db, &user_ref(&user)?, email(&new_email)?)
                .await
                .with_context(|| format!("cannot change the email of user {user}"))?;
            printed(out.account(&account))
        }
        User::Delete { user } => {
            service::delete_user(db, &user_ref(&user)?)
                .await
                .with_context(|| format!("cannot delete user {user}"))?;
            printed(out.done("deleted", &user))
        }
    }
}

/// Prints each page as it arrives: memory holds one page, whatever the number of users.
async fn list(db: &DatabaseConnection, list: List, out: &mut Output) -> Result<(), Failure> {
    let mut after = match list.after.as_deref().map(Uuid::parse_str).transpose() {
        Ok(after) => after,
        Err(error) => {
            return Err(Failure::new(
                INVALID_INPUT,
                anyhow::Error::new(error).context("--after takes a user id"),
            ));
        }
    };
    let mut remaining = list.limit;
    loop {
        let size = remaining.map_or(PageSize::DEFAULT.get(), |n| n.min(PageSize::DEFAULT.get()));
        if size == 0 {
            return Ok(());
        }
        let page = service::list_users(db, after, PageSize::new(size)?)
            .await
            .context("cannot list users")?;
        for account in &page.accounts {
            printed(out.account_line(account))?;
        }
        remaining = remaining.map(|n| n - page.accounts.len() as u64);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

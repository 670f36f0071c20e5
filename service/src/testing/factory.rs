//! [`UserFactory`]: users for tests, made by the same operations as in production.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::ConnectionTrait;

use crate::account::Account;
use crate::email::Email;
use crate::error::Result;
use crate::hosts::onboard_host;
use crate::transaction::Retryable;
use crate::user_ref::UserRef;
use crate::users::create_user;

/// Builds users through [`create_user`] (so each gets its guest) and, if asked, makes them
/// hosts through [`onboard_host`].
#[derive(Clone, Debug, Default)]
pub struct UserFactory {
    email: Option<Email>,
    host: bool,
}

impl UserFactory {
    /// A factory of plain users with unique generated addresses.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the (single) user this address.
    #[must_use]
    pub fn email(mut self, email: Email) -> Self {
        self.email = Some(email);
        self
    }

    /// Makes each user a host too.
    #[must_use]
    pub fn host(mut self) -> Self {
        self.host = true;
        self
    }

    /// Creates one user.
    ///
    /// # Errors
    ///
    /// Those of [`create_user`] and [`onboard_host`].
    pub async fn create<C: ConnectionTrait + Retryable>(&self, db: &C) -> Result<Account> {
        let email = match &self.email {
            Some(email) => email.clone(),
            None => unique_email()?,
        };
        let mut account = create_user(db, email).await?;
        if self.host {
            account.host = Some(onboard_host(db, &UserRef::Id(account.user.id)).await?);
        }
        Ok(account)
    }

    /// Creates `count` users, each with a generated address.
    ///
    /// # Errors
    ///
    /// Those of [`create_user`] and [`onboard_host`].
    pub async fn create_many<C: ConnectionTrait + Retryable>(
        &self,
        db: &C,
        count: usize,
    ) -> Result<Vec<Account>> {
        let factory = Self {
            email: None,
            host: self.host,
        };
        let mut accounts = Vec::with_capacity(count);
        for _ in 0..count {
            accounts.push(factory.create(db).await?);
        }
        Ok(accounts)
    }
}

fn unique_email() -> Result<Email> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Ok(Email::parse(&format!(
        "user{n}-{}@example.com",
        uuid::Uuid::now_v7().simple()
    ))?)
}

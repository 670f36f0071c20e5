//! What the service returns: a user with its guest and, if any, its host.

use entity::{guest, host, user};
use sea_orm::prelude::Uuid;

use crate::error::Error;

/// A user with its guest, which every user has, and its host, which it may have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The user row.
    pub user: user::Model,
    /// The user's guest: always there.
    pub guest: guest::Model,
    /// The user's host, once onboarded.
    pub host: Option<host::Model>,
}

impl Account {
    /// Assembles an account from a joined row.
    ///
    /// # Errors
    ///
    /// [`Error::GuestMissing`] if the user has no guest: the schema's invariant is broken
    /// (a row was written around the service).
    pub(crate) fn from_row(
        (user, guest, host): (user::Model, Option<guest::Model>, Option<host::Model>),
    ) -> Result<Self, Error> {
        let guest = guest.ok_or(Error::GuestMissing(user.id))?;
        Ok(Self { user, guest, host })
    }
}

/// One page of [`Account`]s in id order, and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// The accounts of this page, by ascending user id (creation order: ids are UUIDv7).
    pub accounts: Vec<Account>,
    /// The cursor of the next page, `None` on the last page.
    pub next: Option<Uuid>,
}

/// How many accounts a page holds: from 1 to [`PageSize::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageSize(u16);

impl PageSize {
    /// The largest page.
    pub const MAX: u16 = 1000;
    /// The page size used when a caller does not choose one.
    pub const DEFAULT: Self = Self(100);

    /// A page size of `size` accounts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPageSize`] unless `1 <= size <= PageSize::MAX`.
    pub fn new(size: u64) -> Result<Self, Error> {
        u16::try_from(size)
            .ok()
            .filter(|size| (1..=Self::MAX).contains(size))
            .map(Self)
            .ok_or(Error::InvalidPageSize(size))
    }

    /// The number of accounts.
    #[must_use]
    pub fn get(self) -> u64 {
        u64::from(self.0)
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

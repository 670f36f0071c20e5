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
    /// Assembles an account from a joined row, or says what of it is missing.
    ///
    /// # Errors
    ///
    /// The [`BrokenAccount`] if the user has no guest: the schema's invariant is broken (a row
    /// was written or deleted around the service).
    pub(crate) fn from_row(
        (user, guest, host): (user::Model, Option<guest::Model>, Option<host::Model>),
    ) -> Result<Self, BrokenAccount> {
        match guest {
            Some(guest) => Ok(Self { user, guest, host }),
            None => Err(BrokenAccount {
                user,
                host,
                missing: Missing::Guest,
            }),
        }
    }
}

/// A user whose rows break an invariant, as far as they go: reads return it beside the healthy
/// accounts rather than fail as a whole, so that one broken row hides nothing else.
///
/// The schema's constraints make it impossible; only a write around the service (a guest
/// deleted by hand, constraints dropped, rows restored from elsewhere) makes one.
/// `check_invariants` lists them all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenAccount {
    /// The user row.
    pub user: user::Model,
    /// The user's host, if it has one.
    pub host: Option<host::Model>,
    /// What the user lacks.
    pub missing: Missing,
}

/// What a [`BrokenAccount`] lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Missing {
    /// Its guest, which every user has.
    Guest,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Guest => "guest",
        })
    }
}

/// One page of [`Account`]s in id order, and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// The healthy accounts of this page, by ascending user id (creation order: ids are
    /// UUIDv7).
    pub accounts: Vec<Account>,
    /// The users of this page whose rows break an invariant, by ascending user id; empty on a
    /// healthy database.
    pub broken: Vec<BrokenAccount>,
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

/// Which users a listing holds, by whether they are hosts: the seeds' `whereHas` (an inner join
/// on `hosts`) and its negation, in the listing's one statement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HostFilter {
    /// Every user.
    #[default]
    Any,
    /// Only users who are hosts.
    Hosts,
    /// Only users who are not hosts.
    NonHosts,
}

//! [`Error`]: everything an operation of this crate can fail with.

use entity::constraints::{
    GUESTS_USER_ID_UNIQUE, HOSTS_USER_ID_UNIQUE, USERS_EMAIL_LOWERCASE, USERS_EMAIL_UNIQUE,
};
use sea_orm::DbErr;
use sea_orm::prelude::Uuid;

use crate::email::EmailError;
use crate::user_ref::UserRefError;
use crate::violation::{self, Violation};

/// The error of every operation of this crate.
///
/// Constraint violations are mapped by constraint to the same variant on SQLite, PostgreSQL and
/// MySQL, whether the statement came from this crate or not: convert any [`DbErr`] with
/// `Error::from`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The email address is not valid; nothing was written.
    #[error("invalid email address: {0}")]
    InvalidEmail(#[from] EmailError),
    /// The string names no user; nothing was read or written.
    #[error("invalid user reference: {0}")]
    InvalidUserRef(#[from] UserRefError),
    /// The page size is out of range.
    #[error("page size must be from 1 to 1000, not {0}")]
    InvalidPageSize(u64),
    /// More addresses than [`MAX_BATCH_SIZE`](crate::MAX_BATCH_SIZE) in one batch.
    #[error("a batch holds at most 1000 users, not {0}")]
    BatchTooLarge(usize),
    /// No user has that id or email.
    #[error("no such user")]
    UserNotFound,
    /// Another user has that email address (`uq_users_email`).
    #[error("email address is already taken")]
    EmailTaken,
    /// An email address not in normalized form reached the database
    /// (`ck_users_email_lowercase`); only a write around this crate can do that.
    #[error("email address is not normalized to lowercase")]
    EmailNotNormalized,
    /// The user already has a guest (`uq_guests_user_id`).
    #[error("user already has a guest")]
    GuestExists,
    /// The user is already a host (`uq_hosts_user_id`).
    #[error("user is already a host")]
    AlreadyHost,
    /// The user is not a host.
    #[error("user is not a host")]
    NotAHost,
    /// The database refused to delete the user: a guest or host still refers to it
    /// (`ON DELETE RESTRICT` of `fk_guests_user_id` or `fk_hosts_user_id`).
    #[error("user still has a guest or a host")]
    UserInUse,
    /// The user has no guest: the invariant that every user has one is broken.
    #[error("user {0} has no guest")]
    GuestMissing(Uuid),
    /// The database cannot be reached, or no connection came free in time.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] DbErr),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] DbErr),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match violation::classify(&err) {
            Some(Violation::Unique(USERS_EMAIL_UNIQUE)) => Self::EmailTaken,
            Some(Violation::Unique(GUESTS_USER_ID_UNIQUE)) => Self::GuestExists,
            Some(Violation::Unique(HOSTS_USER_ID_UNIQUE)) => Self::AlreadyHost,
            Some(Violation::Check(USERS_EMAIL_LOWERCASE)) => Self::EmailNotNormalized,
            // Every foreign key of the schema points at `users`.
            Some(Violation::MissingParent) => Self::UserNotFound,
            Some(Violation::StillReferenced) => Self::UserInUse,
            _ => match err {
                DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(err),
                _ => Self::Database(err),
            },
        }
    }
}

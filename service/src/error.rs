//! [`Error`]: everything an operation of this crate can fail with.

use entity::constraints::{
    GUESTS_USER_ID_UNIQUE, HOSTS_USER_ID_UNIQUE, IDEMPOTENCY_KEYS_KEY_UNIQUE,
    USERS_EMAIL_LOWERCASE, USERS_EMAIL_UNIQUE,
};
use migration::redact;
use sea_orm::{DbErr, RuntimeErr};

use crate::account::BrokenAccount;
use crate::email::EmailError;
use crate::idempotency::IdempotencyKeyError;
use crate::user_ref::UserRefError;
use crate::violation::{self, Transient, Violation};

/// The error of every operation of this crate.
///
/// Its message says what went wrong in this crate's terms; the cause, if any, is its
/// [`source`](std::error::Error::source), not repeated in the message (print the chain, as
/// `anyhow`'s `{:#}` does, to see both).
///
/// Constraint violations are mapped by constraint to the same variant on SQLite, PostgreSQL and
/// MySQL, whether the statement came from this crate or not: convert any [`DbErr`] with
/// `Error::from`. So are lost races ([`Error::Busy`]) and lost connections
/// ([`Error::Unavailable`]). The password of a database URL never appears in an error: it is
/// replaced by `***` in the database error kept as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The email address is not valid; nothing was written.
    #[error("invalid email address")]
    InvalidEmail(#[from] EmailError),
    /// The string names no user; nothing was read or written.
    #[error("invalid user reference")]
    InvalidUserRef(#[from] UserRefError),
    /// The idempotency key is not valid; nothing was read or written.
    #[error("invalid idempotency key")]
    InvalidIdempotencyKey(#[from] IdempotencyKeyError),
    /// The idempotency key was first used with another request, which it still stands for;
    /// nothing was written.
    #[error("idempotency key already used for another request")]
    IdempotencyKeyReused,
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
    /// The user's rows break an invariant (it has no guest): the account as far as it goes.
    /// Nothing was written.
    #[error("user {} has no {}: its rows break an invariant", .0.user.id, .0.missing)]
    Broken(Box<BrokenAccount>),
    /// The database cannot be reached, no connection came free in time, or the connection was
    /// lost in the middle of the operation (killed, the server shutting down, the network).
    ///
    /// The operation's transaction was not committed, except in one case no client can rule
    /// out: a connection lost while its `COMMIT` was on the way may have committed it. Look
    /// before running a non-idempotent operation again.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// The database was too busy to finish the operation: a deadlock, a serialization failure,
    /// a lock held by another session for longer than the lock wait timeout
    /// ([`Timeouts`](crate::Timeouts)), a statement that ran past the statement timeout, a busy
    /// or locked SQLite database. Nothing of the operation was written, and running it again
    /// may succeed.
    ///
    /// Operations given a connection pool ([`DatabaseConnection`](sea_orm::DatabaseConnection))
    /// have already run their transaction again, as long as the time spent stayed within
    /// [`RETRY_BUDGET`](crate::RETRY_BUDGET), before reporting this. Given a
    /// caller's transaction they report it at once, and only the caller can retry: the whole
    /// transaction, which MySQL has already rolled back after a deadlock.
    #[error("database is busy; retry")]
    Busy(#[source] DbErr),
    /// Any other database error.
    #[error("database error")]
    Database(#[source] DbErr),
}

impl Error {
    /// Whether this is SQLite refusing to write a file it can only read (`SQLITE_READONLY` and
    /// its extended codes): a database that may still be read with
    /// [`read_only_options`](crate::read_only_options).
    #[must_use]
    pub fn is_read_only_database(&self) -> bool {
        match self {
            Self::Unavailable(err) | Self::Database(err) => violation::read_only(err),
            _ => false,
        }
    }
}

/// What kind of failure an [`Error`] is, for a caller that answers every error the same way by
/// kind: the one mapping the CLI's exit codes and the HTTP API's statuses are both made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not valid (an email address, a user reference, a page or batch size, an
    /// idempotency key, or a key reused for another request); nothing was written.
    InvalidInput,
    /// No such user, or the user is not a host.
    NotFound,
    /// The change conflicts with what is stored: email taken, already a host, user in use.
    Conflict,
    /// The database was too busy; running the operation again may succeed.
    Busy,
    /// The database cannot be reached.
    Unavailable,
    /// Stored rows break an invariant of the schema.
    Invariant,
    /// Anything else: a fault of this program or its database, not of the caller.
    Internal,
}

impl ErrorKind {
    /// A stable name, for machines: `invalid_input`, `not_found`, `conflict`, `busy`,
    /// `unavailable`, `invariant`, `internal`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
            Self::Invariant => "invariant",
            Self::Internal => "internal",
        }
    }
}

impl Error {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidEmail(_)
            | Self::InvalidUserRef(_)
            | Self::InvalidPageSize(_)
            | Self::BatchTooLarge(_)
            | Self::InvalidIdempotencyKey(_)
            | Self::IdempotencyKeyReused => ErrorKind::InvalidInput,
            Self::UserNotFound | Self::NotAHost => ErrorKind::NotFound,
            Self::EmailTaken | Self::AlreadyHost | Self::GuestExists | Self::UserInUse => {
                ErrorKind::Conflict
            }
            Self::Busy(_) => ErrorKind::Busy,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Broken(_) => ErrorKind::Invariant,
            Self::EmailNotNormalized | Self::Database(_) => ErrorKind::Internal,
        }
    }
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
            // Another request with the same key committed first, while this one waited on the
            // key's index: run again, it finds that request's response.
            Some(Violation::Unique(IDEMPOTENCY_KEYS_KEY_UNIQUE)) => Self::Busy(redacted(err)),
            // Every foreign key of the schema points at `users`.
            Some(Violation::MissingParent) => Self::UserNotFound,
            Some(Violation::StillReferenced) => Self::UserInUse,
            _ => match (violation::transient(&err), err) {
                (Some(Transient::Busy), err) => Self::Busy(redacted(err)),
                (Some(Transient::Lost), err)
                | (None, err @ (DbErr::Conn(_) | DbErr::ConnectionAcquire(_))) => {
                    Self::Unavailable(redacted(err))
                }
                (None, err) => Self::Database(redacted(err)),
            },
        }
    }
}

/// `err` without any password it quotes.
///
/// SeaORM quotes a URL it cannot parse or has no driver for whole in its error, password
/// included, and a driver may do the same; an error is made to be shown and logged. Such an
/// error is rebuilt from its redacted text, which loses its source chain: a price paid only by
/// errors that quote a password.
fn redacted(err: DbErr) -> DbErr {
    // Debug may show what Display does not (a driver error's fields), and the other way round
    // (Debug escapes quotes).
    let (display, debug) = (err.to_string(), format!("{err:?}"));
    if redact(&display) == display && redact(&debug) == debug {
        return err;
    }
    let redacted = |text: String| redact(&text).into_owned();
    match err {
        DbErr::Conn(runtime) => DbErr::Conn(RuntimeErr::Internal(redacted(runtime.to_string()))),
        DbErr::Exec(runtime) => DbErr::Exec(RuntimeErr::Internal(redacted(runtime.to_string()))),
        DbErr::Query(runtime) => DbErr::Query(RuntimeErr::Internal(redacted(runtime.to_string()))),
        other => DbErr::Custom(redacted(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_quoting_a_password_keeps_its_kind_but_not_the_password() {
        let err = DbErr::Conn(RuntimeErr::Internal(
            "The connection string 'foo://u:s3cr3t@h/x' has no supporting driver.".to_owned(),
        ));
        let error = Error::from(err);
        assert!(
            matches!(error, Error::Unavailable(DbErr::Conn(_))),
            "{error:?}"
        );
        assert!(!error.to_string().contains("s3cr3t"), "{error}");
        assert!(!format!("{error:?}").contains("s3cr3t"), "{error:?}");
    }
}

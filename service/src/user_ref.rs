//! [`UserRef`]: how a caller names a user, by id or by email.

use std::fmt;
use std::str::FromStr;

use sea_orm::prelude::Uuid;

use crate::email::{Email, EmailError};

/// A user named by its id or by its email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRef {
    /// The user's id.
    Id(Uuid),
    /// The user's email address.
    Email(Email),
}

/// Why a string names no user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserRefError {
    /// It contains `@` but is not a valid email address.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// It is neither a UUID nor an email address.
    #[error("not a user id (a UUID) nor an email address")]
    Malformed,
}

impl FromStr for UserRef {
    type Err = UserRefError;

    /// A UUID names a user by id; anything with an `@` must be a valid email address.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if let Ok(id) = Uuid::parse_str(input) {
            Ok(Self::Id(id))
        } else if input.contains('@') {
            Ok(Self::Email(Email::parse(input)?))
        } else {
            Err(UserRefError::Malformed)
        }
    }
}

impl From<Uuid> for UserRef {
    fn from(id: Uuid) -> Self {
        Self::Id(id)
    }
}

impl From<Email> for UserRef {
    fn from(email: Email) -> Self {
        Self::Email(email)
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => id.fmt(f),
            Self::Email(email) => email.fmt(f),
        }
    }
}

//! Creations done once per client key: a client whose response was lost retries with the same
//! key and gets the first response again, instead of a second creation or a conflict.
//!
//! The key is claimed by a row written first in the creation's own transaction, so the row and
//! the creation commit together or not at all, and two requests racing with one key are
//! ordered by the key's unique index (`uq_idempotency_keys_key`): the second waits for the
//! first to commit, fails on the index, and runs again ([`Error::Busy`]), to find the first's
//! response. A retry that comes after [`IDEMPOTENCY_KEY_LIFETIME`] is a new request.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::TimeDelta;
use entity::{clock, idempotency_key};
use sea_orm::prelude::Uuid;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::transaction::{self, Retryable};

/// How long a key is remembered after its first use: a day, as long as a client's retries of
/// one request go on (Stripe keeps its keys as long).
pub const IDEMPOTENCY_KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// A client's idempotency key: 1 to 255 visible ASCII characters (a UUID is the usual choice).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// Why a string is not an [`IdempotencyKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdempotencyKeyError {
    /// Nothing to go by.
    #[error("an idempotency key cannot be empty")]
    Empty,
    /// Longer than [`MAX_IDEMPOTENCY_KEY_LEN`].
    #[error("an idempotency key has at most 255 characters")]
    TooLong,
    /// A space, a control character or a non-ASCII character.
    #[error("an idempotency key has only visible ASCII characters")]
    InvalidCharacter,
}

impl FromStr for IdempotencyKey {
    type Err = IdempotencyKeyError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            Err(IdempotencyKeyError::Empty)
        } else if input.len() > MAX_IDEMPOTENCY_KEY_LEN {
            Err(IdempotencyKeyError::TooLong)
        } else if !input.bytes().all(|byte| byte.is_ascii_graphic()) {
            Err(IdempotencyKeyError::InvalidCharacter)
        } else {
            Ok(Self(input.to_owned()))
        }
    }
}

impl IdempotencyKey {
    /// The key as the client sent it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What identifies a request apart from its key (what it does and to what, with which input):
/// a key used again with a different request is refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The SHA-256 of `parts`, each length-prefixed so that no two lists of parts collide by
    /// concatenation.
    #[must_use]
    pub fn of(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        let digest = hasher.finalize();
        Self(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

/// A response as the first request under a key got it, to be given again to its retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Its status code.
    pub status: u16,
    /// Its `Location`, if any.
    pub location: Option<String>,
    /// Its body.
    pub body: String,
}

/// The response of a request made with an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Once {
    /// The response: this request's, or the first one's under the key.
    pub response: Recorded,
    /// Whether the response is the first request's, given again: nothing was done this time.
    pub replayed: bool,
}

/// Runs `operation` once for `key`, in one transaction with the record of its response
/// (rendered by `record`), or gives the response recorded by the first request under `key`.
/// Without a key, runs `operation` in a transaction of its own and records nothing.
///
/// Only successes are recorded: an operation that fails writes nothing, the key included, so a
/// retry runs it again (and fails again, or succeeds if what made it fail has changed).
///
/// # Errors
///
/// [`Error::IdempotencyKeyReused`] if `key` was first used, less than
/// [`IDEMPOTENCY_KEY_LIFETIME`] ago, with another `fingerprint`; what `operation` fails with;
/// [`Error::Busy`] if a request with the same key was still running after the retries; a
/// database error.
#[tracing::instrument(level = "debug", skip_all, fields(key = key.map(tracing::field::display)), err(level = "debug"))]
pub async fn once<C, T>(
    db: &C,
    key: Option<&IdempotencyKey>,
    fingerprint: &Fingerprint,
    operation: impl AsyncFnOnce(&C::Transaction) -> Result<T> + Clone,
    record: impl FnOnce(&T) -> Recorded + Clone,
) -> Result<Once>
where
    C: Retryable,
{
    let Some(key) = key else {
        return transaction::run(db, async |txn| {
            let value = operation(txn).await?;
            Ok(Once {
                response: record(&value),
                replayed: false,
            })
        })
        .await;
    };
    transaction::run(db, async |txn| {
        let now = clock::now();
        let existing = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Key.eq(key.as_str()))
            .all(txn)
            .await?
            .into_iter()
            .next();
        if let Some(row) = existing {
            if row.expires_at > now {
                if row.fingerprint != fingerprint.0 {
                    return Err(Error::IdempotencyKeyReused);
                }
                return Ok(Once {
                    response: Recorded {
                        // Written from a `u16` below.
                        status: u16::try_from(row.status).unwrap_or(500),
                        location: row.location,
                        body: row.body,
                    },
                    replayed: true,
                });
            }
            idempotency_key::Entity::delete_by_id(row.id)
                .exec(txn)
                .await?;
        }
        // The claim comes before the work: a racing request with this key waits here, on the
        // unique index, rather than run the operation and fail on its own constraints.
        let id = Uuid::now_v7();
        let lifetime = TimeDelta::from_std(IDEMPOTENCY_KEY_LIFETIME).unwrap_or(TimeDelta::MAX);
        let claim = idempotency_key::ActiveModel {
            id: Set(id),
            key: Set(key.as_str().to_owned()),
            fingerprint: Set(fingerprint.0.clone()),
            status: Set(0),
            location: Set(None),
            body: Set(String::new()),
            created_at: Set(now),
            expires_at: Set(now + lifetime),
        };
        idempotency_key::Entity::insert(claim)
            .exec_without_returning(txn)
            .await?;
        let value = operation(txn).await?;
        let response = record(&value);
        idempotency_key::Entity::update_many()
            .filter(idempotency_key::Column::Id.eq(id))
            .col_expr(
                idempotency_key::Column::Status,
                i16::try_from(response.status).unwrap_or(500).into(),
            )
            .col_expr(
                idempotency_key::Column::Location,
                response.location.clone().into(),
            )
            .col_expr(idempotency_key::Column::Body, response.body.clone().into())
            .exec(txn)
            .await?;
        Ok(Once {
            response,
            replayed: false,
        })
    })
    .await
}

/// Deletes the keys that have expired, and says how many.
///
/// Expired keys are already ignored; this only keeps the table small. A server runs it now and
/// then.
///
/// # Errors
///
/// A database error.
#[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
pub async fn forget_expired_idempotency_keys<C: Retryable>(db: &C) -> Result<u64> {
    let now = clock::now();
    transaction::run(db, async |txn| {
        Ok(idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ExpiresAt.lte(now))
            .exec(txn)
            .await?
            .rows_affected)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_visible_ascii_of_at_most_255_characters() {
        assert!(
            "0190c0de-aaaa-7bbb-8ccc-000000000001"
                .parse::<IdempotencyKey>()
                .is_ok()
        );
        assert!("k".repeat(255).parse::<IdempotencyKey>().is_ok());
        assert_eq!(
            "".parse::<IdempotencyKey>(),
            Err(IdempotencyKeyError::Empty)
        );
        assert_eq!(
            "k".repeat(256).parse::<IdempotencyKey>(),
            Err(IdempotencyKeyError::TooLong)
        );
        for bad in ["a b", "a\tb", "é", "a\0"] {
            assert_eq!(
                bad.parse::<IdempotencyKey>(),
                Err(IdempotencyKeyError::InvalidCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn fingerprints_differ_when_parts_are_split_differently() {
        assert_ne!(
            Fingerprint::of(&[b"ab", b"c"]),
            Fingerprint::of(&[b"a", b"bc"])
        );
        assert_eq!(Fingerprint::of(&[b"ab"]), Fingerprint::of(&[b"ab"]));
        assert_eq!(Fingerprint::of(&[]).0.len(), 64);
    }
}

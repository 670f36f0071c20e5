//! `SeaORM` Entity for the `idempotency_keys` table, in the format of `sea-orm-cli generate
//! entity`.
//!
//! Its `ActiveModelBehavior` lives in `behavior/idempotency_key.rs`, so that this file can be
//! regenerated and compared line by line.

use sea_orm::entity::prelude::*;

/// One row of `idempotency_keys`: a creation done once under a client's key, and the response
/// it got, returned again to a retry with the same key and request (`uq_idempotency_keys_key`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// A UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The client's key (the `Idempotency-Key` header): 1 to 255 printable ASCII characters.
    #[sea_orm(unique)]
    pub key: String,
    /// A digest of the request the key was first used with (hex SHA-256): the same key with
    /// another request is refused.
    pub fingerprint: String,
    /// The response's status code.
    pub status: i16,
    /// The response's `Location`, if it had one.
    pub location: Option<String>,
    /// The response's body.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When the key was first used (UTC, microseconds).
    pub created_at: DateTimeUtc,
    /// From when the key is forgotten and may be used for another request.
    pub expires_at: DateTimeUtc,
}

/// None: a key belongs to no row of the other tables (a deleted user's creation stays replayable
/// until it expires, as the client saw it).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

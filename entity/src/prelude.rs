//! `SeaORM` prelude: the entities under their model names.

pub use super::guest::Entity as Guest;
pub use super::host::Entity as Host;
pub use super::idempotency_key::Entity as IdempotencyKey;
pub use super::user::Entity as User;

//! SeaORM entities of the marketplace accounts: `users`, their automatic `guests` and their
//! optional `hosts`, with the hooks that keep them consistent.
//!
//! - [`user`], [`guest`], [`host`]: the tables, in the format of `sea-orm-cli generate entity`.
//! - The `ActiveModelBehavior` hooks fill ids and timestamps, and the user's `after_save` hook
//!   creates its guest (see [`guest::Model::for_user`]).
//! - [`idempotency_key`]: creations done once under a client's key, and their responses.
//! - [`constraints`]: the names the migrations give to constraints, so that violations can be
//!   mapped back to them.

#![warn(missing_docs)]

mod behavior;
pub mod clock;
pub mod constraints;
pub mod guest;
pub mod host;
pub mod idempotency_key;
pub mod prelude;
pub mod user;

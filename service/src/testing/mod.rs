//! Test support for this crate's users, behind the `testing` feature: a fresh migrated
//! database per test, factories that go through the real operations, and a way to make
//! operations race.

mod database;
mod factory;
mod race;

pub use database::{POOL_ACQUIRE_TIMEOUT, TEST_DATABASE_URL, TestDatabase};
pub use factory::UserFactory;
pub use race::race;

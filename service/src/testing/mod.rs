//! Test support for this crate's users, behind the `testing` feature: a fresh migrated
//! database per test and factories that go through the real operations.

mod database;
mod factory;

pub use database::{TEST_DATABASE_URL, TestDatabase};
pub use factory::UserFactory;

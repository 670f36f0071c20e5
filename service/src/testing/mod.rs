//! Test support for this crate's users, behind the `testing` feature: a fresh migrated
//! database per test, factories that go through the real operations, a way to make operations
//! race, and PostgreSQL servers of a test's own (a primary and its streaming replicas).

mod database;
mod factory;
mod race;
mod replication;

pub use database::{POOL_ACQUIRE_TIMEOUT, TEST_DATABASE_URL, TestDatabase};
pub use factory::UserFactory;
pub use race::race;
pub use replication::{POSTGRES_BINDIR, PostgresServer, wait_until};

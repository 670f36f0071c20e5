//! The workspace's integration tests: one binary, one module per concern.
//!
//! Each test gets its own fresh database built by the real migrations: in-memory SQLite by
//! default, or a database of its own on the server that `TEST_DATABASE_URL` names.

mod accounts;
mod atomicity;
mod batch;
mod check;
mod cli;
mod constraints;
mod emails;
mod hosts;
mod listing;
mod messages;
mod migrations;
mod pools;
mod readme;
mod reliability;
mod replication;
mod seeding;
mod serve;
mod statements;
mod streaming;
mod support;
mod timestamps;

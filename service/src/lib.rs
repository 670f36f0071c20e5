//! The business operations of the marketplace accounts: what other crates import.
//!
//! Every user has exactly one guest, made with it; a user becomes a host only by onboarding,
//! at most once. Each operation runs in one transaction of its own (a savepoint when given a
//! transaction), and the database's constraints, not prior reads, decide conflicts: their
//! violations come back as [`Error`] variants, the same on SQLite, PostgreSQL and MySQL.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use migration::{Migrator, MigratorTrait};
//! use service::{Email, Error, UserRef};
//!
//! let db = service::connect("sqlite::memory:").await?;
//! Migrator::up(&db, None).await?;
//!
//! let email: Email = "Alice@Example.com".parse()?;
//! let account = service::create_user(&db, email).await?;
//! assert_eq!(account.user.email, "alice@example.com");
//! assert_eq!(account.guest.user_id, account.user.id);
//!
//! let alice: UserRef = "alice@example.com".parse()?;
//! service::onboard_host(&db, &alice).await?;
//! assert!(matches!(service::onboard_host(&db, &alice).await, Err(Error::AlreadyHost)));
//!
//! let found = service::find_user(&db, &alice).await?;
//! assert!(found.host.is_some());
//! # Ok(())
//! # }
//! ```

//! Each operation opens a `tracing` span at debug level: a server logging at info level pays
//! nothing for them (a span at info level is recorded, its fields formatted, on every call).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
mod batch;
mod check;
mod connect;
mod email;
mod error;
mod hosts;
mod idempotency;
mod joined;
mod listing;
mod pools;
mod replicas;
mod sql;
mod transaction;
mod user_ref;
mod users;
mod violation;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use account::{Account, BrokenAccount, HostFilter, Missing, Page, PageSize};
pub use batch::{MAX_BATCH_SIZE, NewAccount, create_accounts, create_users};
pub use check::{InvariantReport, MAX_OFFENDERS, Offenders, check_invariants};
pub use connect::{
    CONNECT_TIMEOUT, Timeouts, connect, connect_options, connect_options_with, connect_with,
    read_only_options,
};
pub use email::{Email, EmailError, MAX_EMAIL_LEN};
pub use error::{Error, ErrorKind, Result};
pub use hosts::{offboard_host, onboard_host};
pub use idempotency::{
    Fingerprint, IDEMPOTENCY_KEY_LIFETIME, IdempotencyKey, IdempotencyKeyError,
    MAX_IDEMPOTENCY_KEY_LEN, Once, Recorded, forget_expired_idempotency_keys, once,
};
pub use listing::{AccountStream, Listed, stream_users};
pub use pools::Pools;
pub use replicas::{
    Cluster, Reader, ReplicaError, ReplicaSettings, ServedBy, Session, Stats, WalPosition,
    WalPositionError, replica_options,
};
pub use transaction::{RETRY_BUDGET, Retryable};
pub use user_ref::{UserRef, UserRefError};
pub use users::{
    change_email, create_user, delete_user, find_user, list_users, list_users_filtered,
};

/// The connection types every operation accepts, and the traits to begin and use a transaction
/// of your own: a caller needs no dependency on SeaORM for them.
pub use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, StreamTrait,
    TransactionSession, TransactionTrait,
};

//! Reads served by PostgreSQL streaming replicas, never a stale read of one's own write.
//!
//! A [`Cluster`] holds the primary and its replicas. Writes go to [`Cluster::primary`]; after
//! they commit, [`Cluster::record_write`] puts the primary's log position in the caller's
//! [`Session`]. Reads go through [`Cluster::read`]: to a replica that is up, close enough to
//! the primary, and has replayed the session's position (checked on that replica for that
//! read), else to the primary. A replica that fails is skipped for a backoff and comes back by
//! itself; a read it failed runs again on the primary.
//!
//! ```no_run
//! # async fn example(primary: service::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
//! use service::{Cluster, ReplicaSettings, Session, Timeouts, UserRef};
//!
//! let replicas = ["postgres://app@replica-1/accounts".to_owned()];
//! let cluster =
//!     Cluster::connect(primary, &replicas, Timeouts::DEFAULT, ReplicaSettings::DEFAULT).await?;
//!
//! let mut session = Session::new(); // per client: Session::resume(position from its header)
//! let account = service::create_user(cluster.primary(), "alice@example.com".parse()?).await?;
//! cluster.record_write(&mut session).await;
//!
//! // Sees alice: a replica that has replayed her insert, or the primary.
//! let alice = UserRef::Id(account.user.id);
//! let found = cluster
//!     .read(&mut session, |db| {
//!         let alice = &alice;
//!         async move { service::find_user(&db, alice).await }
//!     })
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod cluster;
mod error;
mod health;
mod position;
mod reader;
mod replica;
mod session;
mod settings;

pub use cluster::{Cluster, Stats, replica_options};
pub use error::ReplicaError;
pub use position::{WalPosition, WalPositionError};
pub use reader::{Reader, ServedBy};
pub use session::Session;
pub use settings::ReplicaSettings;

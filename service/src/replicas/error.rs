//! [`ReplicaError`]: why a [`Cluster`](super::Cluster) cannot be made with the replicas given.

use crate::error::Error;

/// Why the replicas given cannot be used. Only their configuration is refused: a replica that
/// is down is not an error (reads go to the primary until it is up).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicaError {
    /// Read replicas are PostgreSQL streaming replicas; SQLite has none, and MySQL's are not
    /// supported.
    #[error("read replicas need a PostgreSQL primary")]
    PrimaryNotPostgres,
    /// A replica URL is not a PostgreSQL one.
    #[error("replica {replica}: a read replica is a postgres:// URL")]
    NotPostgres {
        /// The URL, its password replaced by `***`.
        replica: String,
    },
    /// A replica URL cannot be read.
    #[error("replica {replica}: unusable URL")]
    Url {
        /// The URL, its password replaced by `***`.
        replica: String,
        /// What is wrong with it.
        #[source]
        source: Error,
    },
}

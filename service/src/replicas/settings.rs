//! [`ReplicaSettings`]: how long a read may wait for a replica, and how stale one may be.

use std::time::Duration;

/// How replicas are used: every wait on a replica is bounded by these, so that a replica that
/// is down, slow or far behind costs a read at most [`ReplicaSettings::wait`] before the
/// primary serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaSettings {
    /// The longest a read waits for a replica's connection (connecting, or a free one of its
    /// pool), and the longest a health check of a replica may take.
    pub wait: Duration,
    /// The longest a read may take on a replica before it is given up and run on the primary:
    /// a replica that stopped answering (a network partition, a hung server) is beyond the
    /// reach of its own statement timeout.
    pub read: Duration,
    /// How old a replica's health check may be before a read checks it again.
    pub recheck: Duration,
    /// A replica further behind the primary than this many bytes of log is not used.
    pub max_lag_bytes: u64,
    /// A replica whose last replayed commit is older than this, while it has log it has not
    /// replayed, is not used.
    pub max_lag: Duration,
    /// How long a replica that failed is left alone before it is tried again; each failure in
    /// a row doubles it, up to [`ReplicaSettings::max_backoff`].
    pub backoff: Duration,
    /// The longest a failed replica is left alone.
    pub max_backoff: Duration,
}

impl ReplicaSettings {
    /// 500 ms to reach a replica, 30 s for a read on it (the default statement timeout), a
    /// health check at most every second, at most 16 MiB (one log
    /// segment) or 10 s behind, a failed replica tried again after 250 ms, doubling up to 5 s.
    pub const DEFAULT: Self = Self {
        wait: Duration::from_millis(500),
        read: Duration::from_secs(30),
        recheck: Duration::from_secs(1),
        max_lag_bytes: 16 * 1024 * 1024,
        max_lag: Duration::from_secs(10),
        backoff: Duration::from_millis(250),
        max_backoff: Duration::from_secs(5),
    };
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

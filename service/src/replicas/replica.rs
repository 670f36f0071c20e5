//! [`Replica`]: one streaming replica, its connection pool, and what is known of its health.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use migration::redact;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult,
    Statement, TransactionTrait,
};

use super::health::{Health, Observation, Verdict};
use super::position::WalPosition;
use super::settings::ReplicaSettings;

/// One health check, one round trip: whether the server is still a replica, how far it has
/// replayed, and how old its last replayed commit is while it has received log it has not
/// replayed (zero when it has replayed all it received: an idle primary makes no replica
/// stale).
const CHECK: &str = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, \
     CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
     ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8";

const REPLAYED: &str = "SELECT pg_last_wal_replay_lsn()::text";

/// A streaming replica of the primary.
#[derive(Debug)]
pub(crate) struct Replica {
    /// Its URL without the password, for messages.
    pub(crate) name: String,
    pub(crate) connection: DatabaseConnection,
    health: Mutex<Health>,
}

impl Replica {
    pub(crate) fn new(name: String, connection: DatabaseConnection) -> Self {
        Self {
            name,
            connection,
            health: Mutex::new(Health::default()),
        }
    }

    /// Whether a read may go here now, by what is known ([`Verdict::Check`]: check it first).
    pub(crate) fn verdict(&self, settings: &ReplicaSettings) -> Verdict {
        self.health().verdict(Instant::now(), settings)
    }

    /// Checks the replica now, within [`ReplicaSettings::wait`], and records what it saw:
    /// whether it is up, and lags less than the settings allow behind `primary` (the primary's
    /// position just before, if it could be read).
    pub(crate) async fn check(
        &self,
        primary: Option<WalPosition>,
        settings: &ReplicaSettings,
    ) -> bool {
        match bounded(settings.wait, self.observe(primary)).await {
            Ok(seen) => {
                let (was_down, usable) = {
                    let mut health = self.health();
                    let was_down = health.is_down();
                    (was_down, health.observed(Instant::now(), seen, settings))
                };
                if was_down {
                    tracing::info!(replica = %self.name, "replica is back: reads go to it again");
                }
                usable
            }
            Err(err) => {
                self.failed(&err.to_string(), settings);
                false
            }
        }
    }

    async fn observe(&self, primary: Option<WalPosition>) -> Result<Observation, DbErr> {
        let row = self
            .connection
            .query_one_raw(Statement::from_string(DbBackend::Postgres, CHECK))
            .await?
            .ok_or_else(|| DbErr::Custom("the health check returned no row".into()))?;
        // A server out of recovery was promoted: it is a primary of its own now, and what it
        // holds may have diverged from ours.
        if !row.try_get_by_index::<bool>(0)? {
            return Err(DbErr::Custom(format!(
                "{} is no longer a replica",
                self.name
            )));
        }
        let replayed = lsn_column(&row, 1)?;
        let behind = Duration::try_from_secs_f64(row.try_get_by_index::<f64>(2)?.max(0.0))
            .unwrap_or(Duration::MAX);
        Ok(Observation {
            replayed,
            behind_bytes: primary.map(|primary| primary.bytes_after(replayed)),
            behind,
        })
    }

    /// A transaction on this replica in which every read sees at least `position`, or `None`
    /// if the replica has not replayed that far.
    ///
    /// The replay position is read inside the transaction, so on the very connection the reads
    /// will use, before any of them: each later statement takes its snapshot after it (READ
    /// COMMITTED), and a replica's replay position only grows while its server runs. A
    /// connection does not outlive its server, so a replica restarted meanwhile (which may come
    /// back further behind than it was) cannot come between the check and the reads.
    ///
    /// # Errors
    ///
    /// The replica's error, or a [`DbErr::Custom`] past [`ReplicaSettings::wait`].
    pub(crate) async fn begin_at_least(
        &self,
        position: WalPosition,
        settings: &ReplicaSettings,
    ) -> Result<Option<DatabaseTransaction>, DbErr> {
        let txn = bounded(settings.wait, self.connection.begin()).await?;
        let row = bounded(
            settings.wait,
            txn.query_one_raw(Statement::from_string(DbBackend::Postgres, REPLAYED)),
        )
        .await?
        .ok_or_else(|| DbErr::Custom("the replay position query returned no row".into()))?;
        if lsn_column(&row, 0)? >= position {
            Ok(Some(txn))
        } else {
            // Read-only: nothing to undo, and the connection goes back to the pool clean.
            bounded(settings.wait, txn.rollback()).await?;
            Ok(None)
        }
    }

    /// A check or a read on this replica failed for want of it (`why`: the connection lost,
    /// nothing listening): left alone for a backoff. The first failure in a row is logged as a
    /// warning, the retries that fail again are not.
    pub(crate) fn failed(&self, why: &str, settings: &ReplicaSettings) {
        let was_up = {
            let mut health = self.health();
            let was_up = !health.is_down();
            health.failed(Instant::now(), settings);
            was_up
        };
        if was_up {
            tracing::warn!(
                replica = %self.name,
                error = %redact(why),
                "replica unavailable: its reads go to the primary until it is back"
            );
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // The lock is never held across an await, and what it guards is valid after any panic.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Column `index` of `row`, a `pg_lsn` as text, as a position; `NULL` (a server out of
/// recovery) is an error.
pub(crate) fn lsn_column(row: &QueryResult, index: usize) -> Result<WalPosition, DbErr> {
    let text: Option<String> = row.try_get_by_index(index)?;
    let text = text.ok_or_else(|| DbErr::Custom("no WAL position: not a replica".into()))?;
    text.parse()
        .map_err(|err| DbErr::Custom(format!("WAL position {text:?}: {err}")))
}

/// `work`, failed if it takes longer than `wait`.
pub(crate) async fn bounded<T>(
    wait: Duration,
    work: impl Future<Output = Result<T, DbErr>>,
) -> Result<T, DbErr> {
    tokio::time::timeout(wait, work).await.unwrap_or_else(|_| {
        Err(DbErr::Custom(format!(
            "no answer within {} ms",
            wait.as_millis()
        )))
    })
}

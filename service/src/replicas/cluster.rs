//! [`Cluster`]: writes to the primary, reads to a replica that is up, close enough, and (for a
//! session that wrote) has replayed what the session wrote.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use migration::{check_url, redact};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement};

use super::error::ReplicaError;
use super::health::Verdict;
use super::position::WalPosition;
use super::reader::{Reader, ServedBy};
use super::replica::{Replica, lsn_column};
use super::session::Session;
use super::settings::ReplicaSettings;
use crate::connect::{Timeouts, connect_options_with};
use crate::error::{Error, Result};
use crate::pools::Pools;

/// The primary's position after every commit that has returned: the end of the log inserted so
/// far, with the sizes of its pages and segments (see [`end_of_log`]). Not
/// `pg_current_wal_lsn()`, the end of the log *written*: with `synchronous_commit = off` a
/// commit returns before its record is written, and that position could still be short of it.
/// The insert position is past every record already inserted, a commit's included, on
/// whatever connection it ran.
const PRIMARY_POSITION: &str = "SELECT pg_current_wal_insert_lsn()::text, \
     current_setting('wal_block_size')::bigint, \
     (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')";

/// The sizes of the headers that begin each page of the log, and each segment (PostgreSQL's
/// `SizeOfXLogShortPHD` and `SizeOfXLogLongPHD`).
const PAGE_HEADER: u64 = 24;
const SEGMENT_HEADER: u64 = 40;

/// The primary and its streaming replicas: writes go to [`Cluster::primary`], reads to
/// [`Cluster::read`] (or [`Cluster::reader`]), which picks a replica when one will do and the
/// primary otherwise.
///
/// With no replica every read goes to the primary; on SQLite or MySQL, which have no replica
/// here, no position is ever asked for either.
///
/// A replica is used for a read if its last health check (at most
/// [`ReplicaSettings::recheck`] old) found it up and within [`ReplicaSettings::max_lag_bytes`]
/// and [`ReplicaSettings::max_lag`] of the primary, and, for a read that must see a
/// position, if it has replayed that position, checked on that replica for that read. A
/// replica that is down or refuses connections costs a read at most [`ReplicaSettings::wait`],
/// is then left alone for a backoff, and comes back into use by itself when a later check
/// finds it well. A replica outage is never an error of a read: the primary serves it.
#[derive(Debug)]
pub struct Cluster {
    primary: DatabaseConnection,
    /// Where reads go that the primary serves: the primary's pool itself, or on a SQLite file
    /// the read-only pool beside its writer ([`Pools`]).
    primary_reads: DatabaseConnection,
    // Shared with the checks run in the background.
    replicas: Vec<Arc<Replica>>,
    settings: ReplicaSettings,
    /// Where the search for a replica starts next: reads are spread over them in turn.
    next: AtomicUsize,
    served_by_primary: AtomicU64,
    served_by_replica: Vec<AtomicU64>,
    fell_back: AtomicU64,
}

/// How many reads each server was given since the [`Cluster`] was made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readers of the primary, the retries of reads a replica failed included.
    pub primary: u64,
    /// Readers of each replica, in the order the cluster was given them.
    pub replicas: Vec<u64>,
    /// Reads a replica failed (it went away, or cancelled the read for a conflict with
    /// replay) that were run again on the primary.
    pub fell_back: u64,
}

impl Cluster {
    /// A cluster of the primary alone: everything goes to it.
    #[must_use]
    pub fn new(primary: DatabaseConnection) -> Self {
        Self::with_replicas(primary, Vec::new(), ReplicaSettings::DEFAULT)
    }

    /// The same cluster, its primary's reads served by `pools`' reader (on a SQLite file, the
    /// read-only pool beside the one writer: reads then run in parallel with each other and
    /// with writes). `pools`' writer must be this cluster's primary.
    #[must_use]
    pub fn reading_from(mut self, pools: &Pools) -> Self {
        self.primary_reads = pools.reader().clone();
        self
    }

    /// The primary and a pool of connections to each replica, made by [`replica_options`]'s
    /// settings; nothing is connected yet, so a replica that is down now is no error (it is
    /// used once it is up).
    ///
    /// # Errors
    ///
    /// [`ReplicaError`] if there are replicas and the primary is not PostgreSQL, or a replica
    /// URL is not a `postgres://` URL this workspace can read.
    pub async fn connect(
        primary: DatabaseConnection,
        replica_urls: &[String],
        timeouts: Timeouts,
        settings: ReplicaSettings,
    ) -> Result<Self, ReplicaError> {
        if !replica_urls.is_empty() && primary.get_database_backend() != DbBackend::Postgres {
            return Err(ReplicaError::PrimaryNotPostgres);
        }
        let mut replicas = Vec::with_capacity(replica_urls.len());
        for url in replica_urls {
            let name = redact(url).into_owned();
            if !url.starts_with("postgres://") {
                return Err(ReplicaError::NotPostgres { replica: name });
            }
            let connected = match check_url(url) {
                Ok(()) => Database::connect(replica_options(url, timeouts, &settings)).await,
                Err(err) => Err(err),
            };
            match connected {
                Ok(connection) => replicas.push((name, connection)),
                Err(source) => {
                    return Err(ReplicaError::Url {
                        replica: name,
                        source: Error::from(source),
                    });
                }
            }
        }
        Ok(Self::with_replicas(primary, replicas, settings))
    }

    /// The primary and replicas connected by the caller, each with a name for messages (its
    /// URL without the password). Their waits are the caller's: [`replica_options`] bounds them.
    #[must_use]
    pub fn with_replicas(
        primary: DatabaseConnection,
        replicas: Vec<(String, DatabaseConnection)>,
        settings: ReplicaSettings,
    ) -> Self {
        Self {
            served_by_replica: replicas.iter().map(|_| AtomicU64::new(0)).collect(),
            replicas: replicas
                .into_iter()
                .map(|(name, connection)| Arc::new(Replica::new(name, connection)))
                .collect(),
            primary_reads: primary.clone(),
            primary,
            settings,
            next: AtomicUsize::new(0),
            served_by_primary: AtomicU64::new(0),
            fell_back: AtomicU64::new(0),
        }
    }

    /// The primary: every write goes there, and every read inside a write's transaction.
    #[must_use]
    pub fn primary(&self) -> &DatabaseConnection {
        &self.primary
    }

    /// The replicas' names (their URLs without passwords), in the order given.
    pub fn replica_names(&self) -> impl Iterator<Item = &str> {
        self.replicas.iter().map(|replica| replica.name.as_str())
    }

    /// The primary's current log position: asked after a write has committed, it is at or
    /// past that commit, so a replica that has replayed it shows the write. `None` when the
    /// primary is not PostgreSQL.
    ///
    /// # Errors
    ///
    /// The primary's error, as [`Error`].
    pub async fn wal_position(&self) -> Result<Option<WalPosition>> {
        primary_position(&self.primary).await
    }

    /// Records in `session` the position of the writes it made that have committed: call it
    /// after each write (or after the last of several). It never fails: if the position
    /// cannot be read, the session's reads go to the primary until it can.
    pub async fn record_write(&self, session: &mut Session) {
        match self.wal_position().await {
            Ok(Some(position)) => session.record(position),
            Ok(None) => {}
            Err(_) => session.record_unknown_write(),
        }
    }

    /// Learns the position of a write `session` made whose position could not be read when it
    /// committed, if there is one: the primary's position now is past it. Call it before
    /// handing [`Session::at_least`] to a client. It never fails; if the primary still cannot
    /// tell, the session stays on the primary.
    pub async fn settle(&self, session: &mut Session) {
        if session.has_unknown_write() {
            self.record_write(session).await;
        }
    }

    /// Runs `read` where `session` may read: on a replica that will do, else on the primary;
    /// and on the primary again if the replica failed it for want of the replica (the
    /// connection lost, the server gone, no answer within [`ReplicaSettings::read`], the read
    /// cancelled by a conflict with replay).
    ///
    /// `read` is given a [`Reader`] by value for each try (a read that failed on a replica is
    /// run once more), so it should do nothing but read.
    ///
    /// # Errors
    ///
    /// What `read` fails with on the server that ran it last.
    pub async fn read<T, Read, Fut>(&self, session: &mut Session, mut read: Read) -> Result<T>
    where
        Read: FnMut(Reader) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.settle(session).await;
        let reader = if session.has_unknown_write() {
            self.primary_reader()
        } else {
            self.reader(session.at_least()).await
        };
        let ServedBy::Replica(index) = reader.served_by() else {
            return read(reader).await;
        };
        let result = tokio::time::timeout(self.settings.read, read(reader.clone()))
            .await
            .unwrap_or_else(|_| {
                Err(Error::Unavailable(DbErr::Custom(format!(
                    "no answer from replica {} within {} s",
                    self.replicas[index].name,
                    self.settings.read.as_secs_f64()
                ))))
            });
        reader.finish().await;
        match result {
            Err(Error::Unavailable(err)) => {
                self.replicas[index].failed(&err.to_string(), &self.settings);
            }
            // A read cancelled because replay needed what it held: the replica is well.
            Err(Error::Busy(_)) => {}
            done => return done,
        }
        self.fell_back.fetch_add(1, Ordering::Relaxed);
        read(self.primary_reader()).await
    }

    /// The connection to read from for a read that must see `at_least`: a replica that is up,
    /// close enough to the primary, and has replayed `at_least` (checked on it now), else the
    /// primary. With no position, any replica up and close enough.
    ///
    /// Replicas are tried in turn, each judged by itself: one replica having caught up says
    /// nothing of another. Each wait is bounded by [`ReplicaSettings::wait`]: a replica due
    /// its routine check costs at most two of them (the primary's position, then the
    /// replica), and a position to check on it three more (`BEGIN`, the check, and the
    /// rollback of a replica found behind). It never fails: the primary is the answer of last
    /// resort. A read on the reader is not run again
    /// if the replica fails it; [`Cluster::read`] does that.
    pub async fn reader(&self, at_least: Option<WalPosition>) -> Reader {
        let count = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for turn in 0..count {
            let index = (start + turn) % count;
            if let Some(reader) = self.replica_reader(index, at_least).await {
                self.served_by_replica[index].fetch_add(1, Ordering::Relaxed);
                return reader;
            }
        }
        self.primary_reader()
    }

    /// How many reads went where, since the cluster was made.
    #[must_use]
    pub fn stats(&self) -> Stats {
        Stats {
            primary: self.served_by_primary.load(Ordering::Relaxed),
            replicas: self
                .served_by_replica
                .iter()
                .map(|count| count.load(Ordering::Relaxed))
                .collect(),
            fell_back: self.fell_back.load(Ordering::Relaxed),
        }
    }

    /// Closes every pool, the primary's last. What closing fails with is not reported: the
    /// work done on them is done.
    pub async fn close(self) {
        for replica in self.replicas {
            // A clone shares the pool: closing it closes the pool.
            let _ = replica.connection.clone().close().await;
        }
        let _ = self.primary.close().await;
    }

    fn primary_reader(&self) -> Reader {
        self.served_by_primary.fetch_add(1, Ordering::Relaxed);
        Reader::pool(ServedBy::Primary, self.primary_reads.clone())
    }

    /// Replica `index`, if it will do for a read that must see `at_least`.
    async fn replica_reader(&self, index: usize, at_least: Option<WalPosition>) -> Option<Reader> {
        let replica = &self.replicas[index];
        let healthy = match replica.verdict(&self.settings) {
            Verdict::Use => true,
            Verdict::Skip => false,
            Verdict::Check => {
                let primary = position_within(&self.primary, self.settings.wait).await;
                replica.check(primary, &self.settings).await
            }
            Verdict::Retry => {
                let (replica, primary, settings) =
                    (Arc::clone(replica), self.primary.clone(), self.settings);
                tokio::spawn(async move {
                    let position = position_within(&primary, settings.wait).await;
                    replica.check(position, &settings).await
                });
                false
            }
        };
        if !healthy {
            return None;
        }
        let Some(position) = at_least else {
            return Some(Reader::pool(
                ServedBy::Replica(index),
                replica.connection.clone(),
            ));
        };
        match replica.begin_at_least(position, &self.settings).await {
            Ok(Some(txn)) => Some(Reader::checked(index, txn, self.settings.wait)),
            Ok(None) => None,
            Err(err) => {
                replica.failed(&err.to_string(), &self.settings);
                None
            }
        }
    }
}

/// The primary's position (see [`Cluster::wal_position`]).
async fn primary_position(primary: &DatabaseConnection) -> Result<Option<WalPosition>> {
    if primary.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let row = primary
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            PRIMARY_POSITION,
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("the WAL position query returned no row".into()))?;
    let size = |index| {
        row.try_get_by_index::<i64>(index)
            .map(|size| u64::try_from(size).unwrap_or(0))
    };
    Ok(Some(end_of_log(lsn_column(&row, 0)?, size(1)?, size(2)?)))
}

/// The primary's position if it tells within `wait`: it measures how far behind a replica is.
/// If the primary cannot tell, replicas are judged by the age of their replay alone, and
/// reads go on from them while the primary is away.
async fn position_within(primary: &DatabaseConnection, wait: Duration) -> Option<WalPosition> {
    tokio::time::timeout(wait, primary_position(primary))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
}

/// `insert`, the primary's insert position, as the end of the last record inserted: where a
/// replica that has replayed everything stands (`pg_last_wal_replay_lsn()`).
///
/// They differ only when the last record ended exactly where a page (of `block` bytes) or a
/// segment (of `segment` bytes) begins: the insert position is then past the new page's
/// header, where the next record will go, and a replica that has replayed all there is stands
/// before it, at the page's start, until another record is written. Asking replicas for the
/// insert position would then send a session's reads to the primary for as long as the
/// primary stays idle. No record ends right after a header, so nothing is lost.
fn end_of_log(insert: WalPosition, block: u64, segment: u64) -> WalPosition {
    let offset = insert.as_u64();
    let header = if segment > 0 && offset % segment == SEGMENT_HEADER {
        SEGMENT_HEADER
    } else if block > 0 && offset % block == PAGE_HEADER {
        PAGE_HEADER
    } else {
        0
    };
    WalPosition::from_u64(offset - header)
}

/// The connect options of a replica's pool: those of [`connect_options_with`], but connecting,
/// and waiting for a free connection, within [`ReplicaSettings::wait`], and nothing connected
/// before a read needs it.
#[must_use]
pub fn replica_options(
    url: &str,
    timeouts: Timeouts,
    settings: &ReplicaSettings,
) -> sea_orm::ConnectOptions {
    let mut options = connect_options_with(url, timeouts);
    options
        .connect_timeout(settings.wait)
        .acquire_timeout(settings.wait)
        .connect_lazy(true);
    options
}

impl From<DatabaseConnection> for Cluster {
    fn from(db: DatabaseConnection) -> Self {
        Self::new(db)
    }
}

impl From<Pools> for Cluster {
    fn from(pools: Pools) -> Self {
        Self::new(pools.writer().clone()).reading_from(&pools)
    }
}

impl From<Pools> for Arc<Cluster> {
    fn from(pools: Pools) -> Self {
        Arc::new(Cluster::from(pools))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_just_past_a_page_header_is_the_end_of_the_page_before() {
        let (block, segment) = (8192, 16 * 1024 * 1024);
        let at = WalPosition::from_u64;
        assert_eq!(end_of_log(at(segment + 40), block, segment), at(segment));
        assert_eq!(
            end_of_log(at(3 * block + 24), block, segment),
            at(3 * block)
        );
        for inside in [3 * block + 32, 3 * block, segment + 48, 24 + 8] {
            assert_eq!(end_of_log(at(inside), block, segment), at(inside));
        }
    }
}

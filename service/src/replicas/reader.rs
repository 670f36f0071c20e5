//! [`Reader`]: the connection a read runs on, and which server it is.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};

/// Which server serves a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServedBy {
    /// The primary.
    Primary,
    /// The replica at this index of the list the [`Cluster`](super::Cluster) was given.
    Replica(usize),
}

/// Where a read runs: a connection wherever one is expected (`service::find_user(&reader, …)`).
///
/// A reader of a replica checked to have replayed a position holds a transaction on it, in
/// which that check was made: end it with [`Reader::finish`] (dropping it also ends it, when
/// its connection is next used).
#[derive(Clone, Debug)]
pub struct Reader {
    served_by: ServedBy,
    connection: Connection,
}

#[derive(Clone, Debug)]
enum Connection {
    Pool(DatabaseConnection),
    // Shared so that a reader can be handed to each try of a read by value; with the longest
    // its end may take.
    Checked(Arc<DatabaseTransaction>, Duration),
}

impl Reader {
    pub(crate) fn pool(served_by: ServedBy, connection: DatabaseConnection) -> Self {
        Self {
            served_by,
            connection: Connection::Pool(connection),
        }
    }

    pub(crate) fn checked(index: usize, txn: DatabaseTransaction, wait: Duration) -> Self {
        Self {
            served_by: ServedBy::Replica(index),
            connection: Connection::Checked(Arc::new(txn), wait),
        }
    }

    /// Which server this reader reads from.
    #[must_use]
    pub fn served_by(&self) -> ServedBy {
        self.served_by
    }

    /// Ends the transaction of a checked replica reader, if no clone of it is left, waiting
    /// at most [`ReplicaSettings::wait`](super::ReplicaSettings::wait); nothing to do for the
    /// others. Its reads are done either way: what ending it fails with changes nothing of
    /// them (a transaction not ended is rolled back when its connection is next used).
    pub async fn finish(self) {
        if let Connection::Checked(txn, wait) = self.connection
            && let Ok(txn) = Arc::try_unwrap(txn)
        {
            let _ = tokio::time::timeout(wait, txn.commit()).await;
        }
    }
}

/// Runs `$call` on whichever connection the reader holds.
macro_rules! on_connection {
    ($reader:expr, $connection:ident => $call:expr) => {
        match &$reader.connection {
            Connection::Pool($connection) => $call,
            Connection::Checked(txn, _) => {
                let $connection = txn.as_ref();
                $call
            }
        }
    };
}

#[async_trait::async_trait]
impl ConnectionTrait for Reader {
    fn get_database_backend(&self) -> DbBackend {
        on_connection!(self, db => db.get_database_backend())
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        on_connection!(self, db => db.execute_raw(stmt).await)
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        on_connection!(self, db => db.execute_unprepared(sql).await)
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        on_connection!(self, db => db.query_one_raw(stmt).await)
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        on_connection!(self, db => db.query_all_raw(stmt).await)
    }
}

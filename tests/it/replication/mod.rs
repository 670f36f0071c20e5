//! Reads on PostgreSQL streaming replicas, on real replication: each test starts a primary of
//! its own (initdb, migrated by the real migrations) and streaming replicas of it
//! (`pg_basebackup -R`), on free ports of 127.0.0.1, and removes them when it ends.
//!
//! They need PostgreSQL's server binaries, not a server: `bash .ci/run` runs them once, in a
//! step of their own (`cargo test --test it replication -- --ignored`), rather than once per
//! backend. The routing tests that need no replica run with the rest, on every backend.

mod cli;
mod http;
mod lag;
mod outages;
mod read_your_writes;
mod routing;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use service::testing::{PostgresServer, wait_until};
use service::{Cluster, ReplicaSettings, Timeouts, WalPosition};

/// A primary, its replicas and a cluster of them. The cluster's pools are declared first, so
/// they close before the servers stop.
pub struct Replicated {
    pub cluster: Cluster,
    pub replicas: Vec<PostgresServer>,
    pub primary: PostgresServer,
}

/// A migrated primary with `replicas` streaming replicas, each having replayed the migrations,
/// and a cluster of them with `settings`.
pub async fn replicated(replicas: usize, settings: ReplicaSettings) -> Replicated {
    let primary = PostgresServer::primary().unwrap_or_else(|err| panic!("primary: {err}"));
    let db = service::connect(&primary.url()).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let servers: Vec<PostgresServer> = (0..replicas)
        .map(|_| PostgresServer::replica_of(&primary).unwrap_or_else(|err| panic!("{err}")))
        .collect();
    let urls: Vec<String> = servers.iter().map(PostgresServer::url).collect();
    let cluster = Cluster::connect(db, &urls, Timeouts::DEFAULT, settings)
        .await
        .unwrap();
    let migrated = primary_position(&cluster).await;
    for server in &servers {
        caught_up(server, migrated).await;
    }
    Replicated {
        cluster,
        replicas: servers,
        primary,
    }
}

/// Settings for tests that need a paused replica used: whatever time the setup took on a slow
/// machine, the replica is not judged too far behind by the age of its last replayed commit.
pub fn patient() -> ReplicaSettings {
    ReplicaSettings {
        max_lag: Duration::from_secs(600),
        ..ReplicaSettings::DEFAULT
    }
}

/// Settings for tests that stop replicas: a failed replica is tried again within 200 ms, and
/// its health is checked at every read.
pub fn quick() -> ReplicaSettings {
    ReplicaSettings {
        recheck: Duration::ZERO,
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        ..ReplicaSettings::DEFAULT
    }
}

pub async fn primary_position(cluster: &Cluster) -> WalPosition {
    cluster.wal_position().await.unwrap().unwrap()
}

/// A connection of its own to `server`, for what the cluster does not do (pausing replay).
pub async fn admin(server: &PostgresServer) -> DatabaseConnection {
    service::connect(&server.url()).await.unwrap()
}

pub async fn sql(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// How far `server`, a replica, has replayed the primary's log.
pub async fn replayed(server: &PostgresServer) -> WalPosition {
    let db = admin(server).await;
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_last_wal_replay_lsn()::text",
        ))
        .await
        .unwrap()
        .unwrap();
    let text: String = row.try_get_by_index(0).unwrap();
    let _ = db.close().await;
    text.parse().unwrap()
}

/// Waits (up to 30 s) until `server` has replayed `position`.
pub async fn caught_up(server: &PostgresServer, position: WalPosition) {
    wait_until(
        "the replica replaying the primary",
        Duration::from_secs(30),
        || async { Ok(replayed(server).await >= position) },
    )
    .await
    .unwrap();
}

/// Stops replaying the log on `server` (it keeps receiving it).
pub async fn pause_replay(server: &PostgresServer) {
    let db = admin(server).await;
    sql(&db, "SELECT pg_wal_replay_pause()").await;
    // Pausing takes effect between two records: wait until it has.
    wait_until("replay paused", Duration::from_secs(30), || async {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_get_wal_replay_pause_state()",
            ))
            .await?
            .unwrap();
        Ok(row.try_get_by_index::<String>(0)? == "paused")
    })
    .await
    .unwrap();
    let _ = db.close().await;
}

pub async fn resume_replay(server: &PostgresServer) {
    let db = admin(server).await;
    sql(&db, "SELECT pg_wal_replay_resume()").await;
    let _ = db.close().await;
}

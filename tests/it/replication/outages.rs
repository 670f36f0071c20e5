//! A replica that goes away costs reads a bounded wait, never an error, and comes back by
//! itself.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use service::testing::wait_until;
use service::{Account, Cluster, ReplicaSettings, ServedBy, Session, Timeouts, UserRef};

use super::{caught_up, quick, replicated};
use crate::support::email;

/// A generous bound on the wait a dead replica may add to one read: the figure itself is
/// measured and printed by `cargo run --example replica_figures`.
const SAFETY_NET: Duration = Duration::from_secs(5);

/// Finds `user` through the cluster with `session`; it must succeed.
async fn find(cluster: &Cluster, session: &mut Session, user: &UserRef) -> Account {
    cluster
        .read(
            session,
            |db| async move { service::find_user(&db, user).await },
        )
        .await
        .unwrap_or_else(|err| panic!("a read failed: {err:?}"))
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn every_read_succeeds_while_the_replica_is_stopped_and_it_is_used_again_once_restarted() {
    let mut setup = replicated(1, quick()).await;
    let cluster = &setup.cluster;
    let mut session = Session::new();
    let account = service::create_user(cluster.primary(), email("bob@example.com"))
        .await
        .unwrap();
    cluster.record_write(&mut session).await;
    caught_up(&setup.replicas[0], session.at_least().unwrap()).await;
    let bob = UserRef::Id(account.user.id);
    assert_eq!(find(cluster, &mut session, &bob).await, account);
    assert_eq!(cluster.stats().replicas, [1]);

    setup.replicas[0].stop().unwrap();
    let stopped = cluster.stats();
    for round in 0..20 {
        // With the session and without: both succeed, on the primary.
        let started = Instant::now();
        assert_eq!(find(cluster, &mut session, &bob).await, account);
        assert_eq!(find(cluster, &mut Session::new(), &bob).await, account);
        assert!(started.elapsed() < SAFETY_NET, "round {round}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(cluster.stats().replicas, stopped.replicas);
    assert_eq!(cluster.stats().primary, stopped.primary + 40);

    // Nothing but reads: the replica is found up again and used.
    setup.replicas[0].start().unwrap();
    wait_until(
        "the replica used again",
        Duration::from_secs(30),
        || async {
            let reader = cluster.reader(None).await;
            let served_by = reader.served_by();
            assert_eq!(service::find_user(&reader, &bob).await.unwrap(), account);
            Ok(served_by == ServedBy::Replica(0))
        },
    )
    .await
    .unwrap();
    let restarted = cluster.stats();
    assert_eq!(find(cluster, &mut session, &bob).await, account);
    assert_eq!(cluster.stats().replicas[0], restarted.replicas[0] + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_read_cut_off_by_the_replica_dying_runs_again_on_the_primary() {
    let mut setup = replicated(1, quick()).await;
    let cluster = &setup.cluster;
    let account = service::create_user(cluster.primary(), email("carol@example.com"))
        .await
        .unwrap();
    let mut session = Session::new();
    cluster.record_write(&mut session).await;
    caught_up(&setup.replicas[0], session.at_least().unwrap()).await;
    let carol = UserRef::Id(account.user.id);

    // The replica dies while the read sleeps on it.
    let mut replica = setup.replicas.remove(0);
    let killer = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(500));
        replica.stop().map(|()| replica)
    });
    let mut tries = Vec::new();
    let found = cluster
        .read(&mut session, |db| {
            tries.push(db.served_by());
            let carol = &carol;
            async move {
                db.execute_unprepared("SELECT pg_sleep(3)").await?;
                service::find_user(&db, carol).await
            }
        })
        .await
        .unwrap();
    setup.replicas.push(killer.await.unwrap().unwrap());

    assert_eq!(found, account);
    assert_eq!(tries, [ServedBy::Replica(0), ServedBy::Primary]);
    assert_eq!(cluster.stats().fell_back, 1);
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_replica_that_refuses_connections_costs_a_read_a_bounded_wait_and_no_error() {
    let setup = replicated(0, ReplicaSettings::DEFAULT).await;
    // A port nothing listens on: bound and released at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres:s3cret@127.0.0.1:{closed}/postgres");
    let primary = setup.cluster.primary().clone();
    let cluster = Cluster::connect(primary, &[url], Timeouts::DEFAULT, Default::default())
        .await
        .unwrap();
    assert_eq!(
        cluster.replica_names().collect::<Vec<_>>(),
        [format!(
            "postgres://postgres:***@127.0.0.1:{closed}/postgres"
        )]
    );
    let account = service::create_user(cluster.primary(), email("dan@example.com"))
        .await
        .unwrap();
    let dan = UserRef::Id(account.user.id);
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(find(&cluster, &mut Session::new(), &dan).await, account);
        assert!(started.elapsed() < SAFETY_NET);
    }
    assert_eq!(cluster.stats().replicas, [0]);
    assert_eq!(cluster.stats().primary, 10);
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_read_the_replica_does_not_answer_within_the_bound_runs_again_on_the_primary() {
    let settings = ReplicaSettings {
        read: Duration::from_millis(300),
        ..quick()
    };
    let setup = replicated(1, settings).await;
    let cluster = &setup.cluster;
    let account = service::create_user(cluster.primary(), email("hana@example.com"))
        .await
        .unwrap();
    let mut session = Session::new();
    cluster.record_write(&mut session).await;
    caught_up(&setup.replicas[0], session.at_least().unwrap()).await;
    let hana = UserRef::Id(account.user.id);

    // On the replica the read hangs (as behind a network partition); not on the primary.
    let started = Instant::now();
    let found = cluster
        .read(&mut session, |db| {
            let hana = &hana;
            async move {
                if db.served_by() != ServedBy::Primary {
                    db.execute_unprepared("SELECT pg_sleep(10)").await?;
                }
                service::find_user(&db, hana).await
            }
        })
        .await
        .unwrap();
    assert_eq!(found, account);
    assert!(started.elapsed() < SAFETY_NET, "{:?}", started.elapsed());
    assert_eq!(cluster.stats().fell_back, 1);
}

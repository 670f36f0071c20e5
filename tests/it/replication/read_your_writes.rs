//! A session reads what it wrote, whichever replica is behind.

use service::testing::UserFactory;
use service::{Error, PageSize, ServedBy, Session, UserRef};

use super::{caught_up, patient, pause_replay, replicated, resume_replay};
use crate::support::email;

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_read_given_its_writes_position_sees_the_write_while_replay_is_paused() {
    let setup = replicated(1, patient()).await;
    let cluster = &setup.cluster;
    pause_replay(&setup.replicas[0]).await;

    let mut session = Session::new();
    let account = service::create_user(cluster.primary(), email("alice@example.com"))
        .await
        .unwrap();
    cluster.record_write(&mut session).await;
    let alice = UserRef::Id(account.user.id);

    // Given the position: the paused replica has not replayed it, so the primary serves it.
    let reader = cluster.reader(session.at_least()).await;
    assert_eq!(reader.served_by(), ServedBy::Primary);
    assert_eq!(service::find_user(&reader, &alice).await.unwrap(), account);

    // Without it, the same read goes to the replica, which does not have the row yet.
    let reader = cluster.reader(None).await;
    assert_eq!(reader.served_by(), ServedBy::Replica(0));
    assert!(matches!(
        service::find_user(&reader, &alice).await,
        Err(Error::UserNotFound)
    ));

    // Through `read`, with the session: found, and counted on the primary.
    let before = cluster.stats();
    let found = cluster
        .read(&mut session, |db| {
            let alice = &alice;
            async move { service::find_user(&db, alice).await }
        })
        .await
        .unwrap();
    assert_eq!(found, account);
    assert_eq!(cluster.stats().primary, before.primary + 1);
    assert_eq!(cluster.stats().replicas, before.replicas);

    // Once the replica has replayed the write, it serves the session again.
    resume_replay(&setup.replicas[0]).await;
    caught_up(&setup.replicas[0], session.at_least().unwrap()).await;
    let reader = cluster.reader(session.at_least()).await;
    assert_eq!(reader.served_by(), ServedBy::Replica(0));
    assert_eq!(service::find_user(&reader, &alice).await.unwrap(), account);
    reader.finish().await;
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn lists_read_from_the_replica_after_catch_up_equal_the_primarys() {
    let setup = replicated(1, Default::default()).await;
    let cluster = &setup.cluster;
    let mut session = Session::new();
    UserFactory::new()
        .create_many(cluster.primary(), 120)
        .await
        .unwrap();
    UserFactory::new()
        .host()
        .create_many(cluster.primary(), 30)
        .await
        .unwrap();
    cluster.record_write(&mut session).await;
    caught_up(&setup.replicas[0], session.at_least().unwrap()).await;

    let (mut after, mut pages) = (None, 0);
    loop {
        let size = PageSize::new(40).unwrap();
        let reader = cluster.reader(session.at_least()).await;
        assert_eq!(reader.served_by(), ServedBy::Replica(0));
        let on_replica = service::list_users(&reader, after, size).await.unwrap();
        reader.finish().await;
        let on_primary = service::list_users(cluster.primary(), after, size)
            .await
            .unwrap();
        assert_eq!(on_replica, on_primary);
        pages += 1;
        match on_primary.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    let on_replica = cluster
        .read(&mut session, |db| async move {
            service::check_invariants(&db).await
        })
        .await
        .unwrap();
    assert!(on_replica.holds());
    assert_eq!(on_replica.users, 150);
}

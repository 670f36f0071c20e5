//! Each replica is judged by its own replay position: one that caught up says nothing of
//! another (GitLab bug 413203), and one too far behind is not used at all.

use std::collections::HashMap;
use std::time::Duration;

use service::testing::{UserFactory, wait_until};
use service::{Error, ReplicaSettings, ServedBy, Session, UserRef};

use super::{caught_up, patient, pause_replay, quick, replicated, resume_replay};
use crate::support::email;

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_read_given_a_position_never_goes_to_a_replica_that_has_not_replayed_it() {
    let setup = replicated(2, patient()).await;
    let cluster = &setup.cluster;
    let (fresh, lagging) = (&setup.replicas[0], &setup.replicas[1]);
    pause_replay(lagging).await;

    let mut session = Session::new();
    let account = service::create_user(cluster.primary(), email("erin@example.com"))
        .await
        .unwrap();
    cluster.record_write(&mut session).await;
    caught_up(fresh, session.at_least().unwrap()).await;
    let erin = UserRef::Id(account.user.id);

    // Replica 0 caught up; replica 1 did not. Reads take turns: every other one starts its
    // search at the lagging replica.
    let mut served = HashMap::new();
    for _ in 0..40 {
        let reader = cluster.reader(session.at_least()).await;
        *served.entry(reader.served_by()).or_insert(0) += 1;
        assert_eq!(service::find_user(&reader, &erin).await.unwrap(), account);
        reader.finish().await;
    }
    assert_eq!(served.get(&ServedBy::Replica(1)), None, "{served:?}");
    assert_eq!(served.get(&ServedBy::Replica(0)), Some(&40), "{served:?}");

    // Without a position the lagging replica is used (it is up and within the lag bounds),
    // and does not have the row: what the position protects the session from.
    let mut stale = 0;
    for _ in 0..4 {
        let reader = cluster.reader(None).await;
        if reader.served_by() == ServedBy::Replica(1) {
            let read = service::find_user(&reader, &erin).await;
            assert!(matches!(read, Err(Error::UserNotFound)), "{read:?}");
            stale += 1;
        }
    }
    assert_eq!(stale, 2);
}

#[tokio::test]
#[ignore = "starts PostgreSQL servers of its own: run by bash .ci/run"]
async fn a_replica_further_behind_than_the_bound_is_skipped_until_it_catches_up() {
    let settings = ReplicaSettings {
        max_lag_bytes: 64 * 1024,
        ..quick()
    };
    let setup = replicated(1, settings).await;
    let cluster = &setup.cluster;
    let replica = &setup.replicas[0];
    assert_eq!(cluster.reader(None).await.served_by(), ServedBy::Replica(0));

    pause_replay(replica).await;
    // Well over 64 KiB of log: 1000 users and their guests.
    UserFactory::new()
        .create_many(cluster.primary(), 1000)
        .await
        .unwrap();
    assert_eq!(cluster.reader(None).await.served_by(), ServedBy::Primary);

    resume_replay(replica).await;
    wait_until(
        "the replica back within bounds",
        Duration::from_secs(30),
        || async { Ok(cluster.reader(None).await.served_by() == ServedBy::Replica(0)) },
    )
    .await
    .unwrap();
}

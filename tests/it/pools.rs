//! `Pools`: reads on a pool of their own beside the one writer on a SQLite file, one pool for
//! both on a server.

use futures_util::StreamExt;
use sea_orm::DbBackend;
use service::testing::{TestDatabase, UserFactory};
use service::{Error, Listed, Pools, UserRef};

use crate::support::email;

/// A database other connections can open (a SQLite file, or one on the test server), and
/// `Pools` connected to it.
async fn pools() -> (TestDatabase, Pools) {
    let db = TestDatabase::with_pool(2).await.unwrap();
    let pools = Pools::connect(db.url()).await.unwrap();
    (db, pools)
}

#[tokio::test]
async fn the_reader_sees_what_the_writer_committed() {
    let (_db, pools) = pools().await;
    let created = service::create_user(pools.writer(), email("r@example.com"))
        .await
        .unwrap();

    let found = service::find_user(pools.reader(), &UserRef::Id(created.user.id))
        .await
        .unwrap();
    assert_eq!(found, created);
    pools.close().await.unwrap();
}

#[tokio::test]
async fn on_a_sqlite_file_reads_have_a_pool_of_their_own_that_refuses_writes() {
    let (_db, pools) = pools().await;
    if pools.writer().get_database_backend() != DbBackend::Sqlite {
        // A server's pool serves both.
        assert!(!pools.has_readers_of_its_own());
        return;
    }
    assert!(pools.has_readers_of_its_own());
    let refused = service::create_user(pools.reader(), email("w@example.com")).await;
    assert!(matches!(refused, Err(Error::Database(_))), "{refused:?}");
    assert!(
        service::stream_users(pools.reader(), None)
            .await
            .unwrap()
            .next()
            .await
            .is_none(),
        "nothing was written"
    );
    pools.close().await.unwrap();
}

#[tokio::test]
async fn a_listing_under_way_on_the_reader_does_not_hold_up_writes() {
    let (_db, pools) = pools().await;
    let before = UserFactory::new()
        .create_many(pools.writer(), 3)
        .await
        .unwrap();

    let mut listing = service::stream_users(pools.reader(), None).await.unwrap();
    let first = listing.next().await.unwrap().unwrap();
    // The stream holds a reader connection; the writer's is free.
    let created = service::create_user(pools.writer(), email("during@example.com"))
        .await
        .unwrap();
    let mut rest = Vec::new();
    while let Some(one) = listing.next().await {
        rest.push(one.unwrap());
    }
    drop(listing);

    assert_eq!(first.user(), &before[0].user);
    // Whether the listing saw the user created meanwhile depends on the backend's snapshot;
    // every user that existed before is there, in order.
    let listed: Vec<_> = std::iter::once(&first)
        .chain(&rest)
        .map(|one| one.user().id)
        .filter(|id| *id != created.user.id)
        .collect();
    let expected: Vec<_> = before.iter().map(|a| a.user.id).collect();
    assert_eq!(listed, expected);
    assert!(rest.iter().all(|one| matches!(one, Listed::Account(_))));
    assert!(
        service::find_user(pools.reader(), &UserRef::Id(created.user.id))
            .await
            .is_ok()
    );
    pools.close().await.unwrap();
}

#[tokio::test]
async fn an_in_memory_database_shares_its_one_pool() {
    let pools = Pools::connect("sqlite::memory:").await.unwrap();
    assert!(!pools.has_readers_of_its_own());
    pools.close().await.unwrap();
}

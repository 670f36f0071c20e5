//! Listing every user as a stream: one statement, in id order, broken users in their place.

use entity::guest;
use futures_util::TryStreamExt;
use sea_orm::EntityTrait;
use service::testing::UserFactory;
use service::{Account, Listed, Missing};

use crate::support::database;

/// The whole stream of `service::stream_users(db, after)`.
async fn streamed(db: &service::DatabaseConnection, after: Option<uuid::Uuid>) -> Vec<Listed> {
    service::stream_users(db, after)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn healthy(listed: Vec<Listed>) -> Vec<Account> {
    listed
        .into_iter()
        .map(|one| match one {
            Listed::Account(account) => account,
            Listed::Broken(broken) => panic!("{broken:?} is broken"),
        })
        .collect()
}

#[tokio::test]
async fn the_stream_holds_every_user_once_in_creation_order_with_guest_and_host() {
    let db = database().await;
    let mut created = UserFactory::new().create_many(&*db, 4).await.unwrap();
    created.extend(
        UserFactory::new()
            .host()
            .create_many(&*db, 3)
            .await
            .unwrap(),
    );

    let listed = healthy(streamed(&db, None).await);
    assert_eq!(listed, created);
    assert_eq!(listed.iter().filter(|a| a.host.is_some()).count(), 3);
}

#[tokio::test]
async fn a_stream_after_a_user_starts_with_the_next_one() {
    let db = database().await;
    let created = UserFactory::new().create_many(&*db, 5).await.unwrap();

    let listed = healthy(streamed(&db, Some(created[1].user.id)).await);
    assert_eq!(listed, created[2..]);
    assert!(streamed(&db, Some(created[4].user.id)).await.is_empty());
}

#[tokio::test]
async fn an_empty_database_streams_nothing() {
    let db = database().await;
    assert!(streamed(&db, None).await.is_empty());
}

#[tokio::test]
async fn a_user_without_a_guest_comes_as_broken_in_its_place_and_the_stream_goes_on() {
    let db = database().await;
    let accounts = UserFactory::new()
        .host()
        .create_many(&*db, 5)
        .await
        .unwrap();
    let victim = &accounts[2];
    guest::Entity::delete_by_id(victim.guest.id)
        .exec(&*db)
        .await
        .unwrap();

    let listed = streamed(&db, None).await;
    let ids: Vec<_> = listed.iter().map(|one| one.user().id).collect();
    let expected: Vec<_> = accounts.iter().map(|a| a.user.id).collect();
    assert_eq!(ids, expected);
    match &listed[2] {
        Listed::Broken(broken) => {
            assert_eq!(broken.user, victim.user);
            assert_eq!(broken.host, victim.host);
            assert_eq!(broken.missing, Missing::Guest);
        }
        other => panic!("expected the broken user, got {other:?}"),
    }
    let healthy = listed
        .iter()
        .filter(|one| matches!(one, Listed::Account(_)))
        .count();
    assert_eq!(healthy, 4);
}

//! The database refuses what breaks the invariants even when the service is bypassed, and the
//! service names each refusal with the same error on every backend.

use entity::{guest, host, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use service::Error;
use service::testing::UserFactory;

use crate::support::{by_id, database, row_counts};

#[tokio::test]
async fn a_second_guest_for_a_user_is_refused() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let second = guest::ActiveModel {
        user_id: Set(account.user.id),
        ..Default::default()
    }
    .insert(&*db)
    .await
    .map_err(Error::from);
    assert!(matches!(second, Err(Error::GuestExists)), "{second:?}");
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
}

#[tokio::test]
async fn a_second_host_for_a_user_is_refused_even_around_the_service() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    let second = host::ActiveModel {
        user_id: Set(account.user.id),
        ..Default::default()
    }
    .insert(&*db)
    .await
    .map_err(Error::from);
    assert!(matches!(second, Err(Error::AlreadyHost)), "{second:?}");
}

#[tokio::test]
async fn a_guest_for_a_missing_user_is_refused() {
    let db = database().await;
    let orphan = guest::ActiveModel {
        user_id: Set(uuid::Uuid::now_v7()),
        ..Default::default()
    }
    .insert(&*db)
    .await
    .map_err(Error::from);
    assert!(matches!(orphan, Err(Error::UserNotFound)), "{orphan:?}");
}

#[tokio::test]
async fn deleting_a_user_with_a_guest_around_the_service_is_refused() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let deleted = user::Entity::delete_by_id(account.user.id)
        .exec(&*db)
        .await
        .map_err(Error::from);
    assert!(matches!(deleted, Err(Error::UserInUse)), "{deleted:?}");
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
}

#[tokio::test]
async fn deleting_a_host_user_whose_guest_is_gone_is_still_refused() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    guest::Entity::delete_by_id(account.guest.id)
        .exec(&*db)
        .await
        .unwrap();
    let deleted = user::Entity::delete_by_id(account.user.id)
        .exec(&*db)
        .await
        .map_err(Error::from);
    assert!(matches!(deleted, Err(Error::UserInUse)), "{deleted:?}");
}

#[tokio::test]
async fn a_user_without_a_guest_is_reported_not_hidden() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    guest::Entity::delete_by_id(account.guest.id)
        .exec(&*db)
        .await
        .unwrap();
    let found = service::find_user(&*db, &by_id(&account)).await;
    assert!(
        matches!(&found, Err(Error::Broken(broken))
            if broken.user == account.user && broken.missing == service::Missing::Guest),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_mixed_case_address_written_around_the_service_is_refused() {
    let db = database().await;
    let raw = user::ActiveModel {
        email: Set("Mixed@Example.com".to_owned()),
        ..Default::default()
    }
    .insert(&*db)
    .await
    .map_err(Error::from);
    assert!(matches!(raw, Err(Error::EmailNotNormalized)), "{raw:?}");
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

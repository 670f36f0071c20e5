//! Hosts: never automatic, made by onboarding, at most one per user.

use entity::host;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use service::testing::UserFactory;
use service::{Error, UserRef};

use crate::support::{by_id, database, email, row_counts};

#[tokio::test]
async fn a_new_user_is_not_a_host() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    assert_eq!(account.host, None);
    assert_eq!(
        service::find_user(&*db, &by_id(&account))
            .await
            .unwrap()
            .host,
        None
    );
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
}

#[tokio::test]
async fn onboarding_twice_gives_already_a_host_and_still_one_host() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let host = service::onboard_host(&*db, &by_id(&account)).await.unwrap();
    assert_eq!(host.user_id, account.user.id);

    let again = service::onboard_host(&*db, &UserRef::Email(email(&account.user.email))).await;
    assert!(matches!(again, Err(Error::AlreadyHost)), "{again:?}");
    let hosts = host::Entity::find()
        .filter(host::Column::UserId.eq(account.user.id))
        .count(&*db)
        .await
        .unwrap();
    assert_eq!(hosts, 1);
    assert_eq!(
        service::find_user(&*db, &by_id(&account))
            .await
            .unwrap()
            .host,
        Some(host)
    );
}

#[tokio::test]
async fn onboarding_an_unknown_user_is_refused_by_the_foreign_key() {
    let db = database().await;
    for unknown in [
        UserRef::Id(uuid::Uuid::now_v7()),
        UserRef::Email(email("nobody@example.com")),
    ] {
        let result = service::onboard_host(&*db, &unknown).await;
        assert!(matches!(result, Err(Error::UserNotFound)), "{result:?}");
    }
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

#[tokio::test]
async fn offboarding_removes_the_host_and_keeps_the_user_and_guest() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    service::offboard_host(&*db, &by_id(&account))
        .await
        .unwrap();
    assert_eq!(row_counts(&*db).await, (1, 1, 0));

    let again = service::offboard_host(&*db, &by_id(&account)).await;
    assert!(matches!(again, Err(Error::NotAHost)), "{again:?}");
    let unknown = service::offboard_host(&*db, &UserRef::Id(uuid::Uuid::now_v7())).await;
    assert!(matches!(unknown, Err(Error::UserNotFound)), "{unknown:?}");

    // Offboarded users can onboard again.
    service::onboard_host(&*db, &by_id(&account)).await.unwrap();
    assert_eq!(row_counts(&*db).await, (1, 1, 1));
}

#[tokio::test]
async fn a_refused_onboarding_inside_a_callers_transaction_leaves_that_transaction_usable() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    let txn = db.begin().await.unwrap();
    let again = service::onboard_host(&txn, &by_id(&account)).await;
    assert!(matches!(again, Err(Error::AlreadyHost)), "{again:?}");
    service::create_user(&txn, email("after@example.com"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(row_counts(&*db).await, (2, 2, 1));
}

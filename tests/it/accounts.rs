//! The source spec: a created user has its guest, and the guest can be queried from the user.

use entity::{guest, user};
use sea_orm::{EntityTrait, ModelTrait};
use service::testing::UserFactory;
use service::{Error, UserRef};

use crate::support::{by_id, database, email, row_counts};

#[tokio::test]
async fn a_created_user_has_its_guest_in_scope_and_queryable_from_the_user() {
    let db = database().await;
    let account = service::create_user(&*db, email("guest@example.com"))
        .await
        .unwrap();
    assert_eq!(account.guest.user_id, account.user.id);

    let stored: user::Model = user::Entity::find_by_id(account.user.id)
        .one(&*db)
        .await
        .unwrap()
        .unwrap();
    let queried = stored.find_related(guest::Entity).one(&*db).await.unwrap();
    assert_eq!(queried, Some(account.guest.clone()));
    assert_eq!(
        service::find_user(&*db, &by_id(&account)).await.unwrap(),
        account
    );
}

#[tokio::test]
async fn a_guest_belongs_to_its_user() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let owner = account
        .guest
        .find_related(user::Entity)
        .one(&*db)
        .await
        .unwrap();
    assert_eq!(owner, Some(account.user));
}

#[tokio::test]
async fn a_user_is_found_by_id_and_by_email_with_guest_and_host() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    let by_email = UserRef::Email(email(&account.user.email));
    for user_ref in [by_id(&account), by_email] {
        let found = service::find_user(&*db, &user_ref).await.unwrap();
        assert_eq!(found, account);
        assert!(found.host.is_some());
    }
}

#[tokio::test]
async fn an_unknown_user_is_not_found() {
    let db = database().await;
    let unknown = UserRef::Id(uuid::Uuid::now_v7());
    assert!(matches!(
        service::find_user(&*db, &unknown).await,
        Err(Error::UserNotFound)
    ));
    let unknown = UserRef::Email(email("nobody@example.com"));
    assert!(matches!(
        service::find_user(&*db, &unknown).await,
        Err(Error::UserNotFound)
    ));
}

#[tokio::test]
async fn a_user_ref_is_a_uuid_or_an_email_and_nothing_else() {
    let id = uuid::Uuid::now_v7();
    assert_eq!(id.to_string().parse(), Ok(UserRef::Id(id)));
    assert_eq!(
        "Ann@Example.com".parse(),
        Ok(UserRef::Email(email("ann@example.com")))
    );
    assert!("not-a-user".parse::<UserRef>().is_err());
    assert!("0190-not-a-uuid".parse::<UserRef>().is_err());
    assert!("a@@example.com".parse::<UserRef>().is_err());
}

#[tokio::test]
async fn changing_the_email_keeps_the_account_and_refuses_a_taken_address() {
    let db = database().await;
    let alice = UserFactory::new().create(&*db).await.unwrap();
    let bob = UserFactory::new().create(&*db).await.unwrap();

    let changed = service::change_email(&*db, &by_id(&alice), email("Alice2@Example.com"))
        .await
        .unwrap();
    assert_eq!(changed.user.email, "alice2@example.com");
    assert_eq!(changed.guest, alice.guest);
    assert_eq!(
        service::find_user(&*db, &UserRef::Email(email("alice2@example.com")))
            .await
            .unwrap(),
        changed
    );

    let taken = service::change_email(&*db, &by_id(&alice), email(&bob.user.email)).await;
    assert!(matches!(taken, Err(Error::EmailTaken)), "{taken:?}");
    let unknown = UserRef::Id(uuid::Uuid::now_v7());
    let missing = service::change_email(&*db, &unknown, email("x@example.com")).await;
    assert!(matches!(missing, Err(Error::UserNotFound)), "{missing:?}");
}

#[tokio::test]
async fn deleting_through_the_service_removes_the_user_its_guest_and_its_host() {
    let db = database().await;
    let host = UserFactory::new().host().create(&*db).await.unwrap();
    let guest_only = UserFactory::new().create(&*db).await.unwrap();
    assert_eq!(row_counts(&*db).await, (2, 2, 1));

    service::delete_user(&*db, &by_id(&host)).await.unwrap();
    service::delete_user(&*db, &UserRef::Email(email(&guest_only.user.email)))
        .await
        .unwrap();
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
    assert!(matches!(
        service::delete_user(&*db, &by_id(&host)).await,
        Err(Error::UserNotFound)
    ));
}

#[tokio::test]
async fn the_factory_makes_many_users_each_with_its_guest() {
    let db = database().await;
    let accounts = UserFactory::new().create_many(&*db, 5).await.unwrap();
    let hosts = UserFactory::new()
        .host()
        .create_many(&*db, 2)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 5);
    assert!(hosts.iter().all(|account| account.host.is_some()));
    assert_eq!(row_counts(&*db).await, (7, 7, 2));
}
